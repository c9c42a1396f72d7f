package main

import (
	"regexp"
	"strconv"
	"testing"
)

// The start-up log names the PID before "Server initialized" with
// always-show-logo (tools that start the server wait for that), and the
// mode and port on one line without it.
func TestStartupBanner(t *testing.T) {
	s := startServer(t, "--always-show-logo", "yes")
	pid := strconv.Itoa(s.cmd.Process.Pid)
	if !regexp.MustCompile(`(?s) PID: ` + pid + `\n.*Server initialized`).MatchString(s.Log()) {
		t.Fatalf("no PID line before Server initialized:\n%s", s.Log())
	}
	if !regexp.MustCompile(`Port: ` + strconv.Itoa(s.Port) + `\n`).MatchString(s.Log()) {
		t.Fatalf("no Port line:\n%s", s.Log())
	}
	plain := startServer(t)
	if !regexp.MustCompile(`\* Running mode=standalone, port=` + strconv.Itoa(plain.Port) + `\.\n`).MatchString(plain.Log()) {
		t.Fatalf("no Running mode line:\n%s", plain.Log())
	}
}
