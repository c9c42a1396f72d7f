package main

import (
	"fmt"
	"os"
	"strings"
	"testing"
)

// cmdline is what ps shows for the server: /proc/PID/cmdline, NULs
// trimmed off the end.
func cmdline(t *testing.T, s *testServer) string {
	t.Helper()
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", s.cmd.Process.Pid))
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimRight(string(b), "\x00")
}

// The process title follows proc-title-template, at start and after
// CONFIG SET, as Valkey's does; the arguments it overwrites are still
// the configuration's.
func TestProcTitle(t *testing.T) {
	s := startServer(t)
	bin := serverBinary(t)
	if got, want := cmdline(t, s), fmt.Sprintf("%s 127.0.0.1:%d", bin, s.Port); got != want {
		t.Fatalf("title %q, want %q", got, want)
	}
	c := dialRaw(t, s)
	c.Expect("+OK\r\n", "CONFIG", "SET", "proc-title-template", "TEST {title} {port} {tls-port} {{x}} {config-file} {server-mode}")
	if got, want := cmdline(t, s), fmt.Sprintf("TEST %s %d 0 {x} -", bin, s.Port); got != want {
		t.Fatalf("title %q, want %q", got, want)
	}
	// Longer than the arguments: the title runs on over the environment's
	// memory instead of being cut.
	// The server inherits this process's environment.
	argLen := len(strings.Join(s.cmd.Args, " ")) + 1
	envRoom := len(strings.Join(os.Environ(), " ")) + 1 - len(bin) - 16
	if envRoom < 32 {
		t.Fatalf("an environment of %d bytes leaves no room to test a long title", envRoom)
	}
	long := strings.Repeat("x", argLen+envRoom/2)
	c.Expect("+OK\r\n", "CONFIG", "SET", "proc-title-template", "{title} "+long+" {port}")
	if got, want := cmdline(t, s), fmt.Sprintf("%s %s %d", bin, long, s.Port); got != want {
		t.Fatalf("long title %q, want %q", got, want)
	}
	c.Expect("-ERR CONFIG SET failed (possibly related to argument 'proc-title-template') - template format is invalid or contains unknown variables\r\n",
		"CONFIG", "SET", "proc-title-template", "{nosuch}")
	c.Expect("*2\r\n$3\r\ndir\r\n$"+fmt.Sprint(len(s.Dir))+"\r\n"+s.Dir+"\r\n", "CONFIG", "GET", "dir")
}

// set-proc-title no leaves the command line as it was given.
func TestProcTitleOff(t *testing.T) {
	s := startServer(t, "--set-proc-title", "no")
	want := strings.Join(s.cmd.Args, "\x00")
	if got := cmdline(t, s); got != want {
		t.Fatalf("cmdline %q, want %q", got, want)
	}
}
