package engine

import (
	"regexp"
	"strings"
	"testing"
)

// monitorLines returns m's pending MONITOR lines with their timestamps
// checked and removed.
func monitorLines(t *testing.T, m *Client) []string {
	t.Helper()
	out := string(m.Out.Bytes())
	m.Out.Reset()
	stamp := regexp.MustCompile(`^\+\d{10}\.\d{6} `)
	var lines []string
	for _, l := range strings.SplitAfter(out, "\r\n") {
		if l == "" {
			continue
		}
		if !stamp.MatchString(l) {
			t.Errorf("bad monitor line %q", l)
			continue
		}
		lines = append(lines, stamp.ReplaceAllString(l, "+"))
	}
	return lines
}

func TestMonitorLines(t *testing.T) {
	e := newTestEnv(t)
	m := e.newClient()
	if got := e.do(m, "monitor"); got != "+OK\r\n" {
		t.Fatalf("MONITOR = %q", got)
	}
	link := m.Link().(*wakeLink)
	c := e.newClient()
	at := "[0 " + c.Addr + "] "
	for _, tc := range []struct {
		cmd  []string
		want string // "" for no line
	}{
		{[]string{"echo", "a\"b\\c\n\r\t\a\b\x00\xff \x7f"}, `"echo" "a\"b\\c\n\r\t\a\b\x00\xff \x7f"`},
		{[]string{"auth", "pw"}, `"auth" "(redacted)"`},
		{[]string{"auth", "u", "pw"}, `"auth" "(redacted)" "(redacted)"`},
		{[]string{"auth", "a", "b", "c"}, `"auth" "a" "b" "c"`},
		{[]string{"hello", "3", "auth", "default", "x"}, `"hello" "3" "auth" "(redacted)" "(redacted)"`},
		{[]string{"hello", "2", "setname", "n"}, `"hello" "2" "setname" "n"`},
		{[]string{"config", "set", "requirepass", "zz"}, ""}, // admin
		{[]string{"echo"}, ""}, // rejected: wrong arity
		{[]string{"nosuchcmd"}, ""},
		{[]string{"info"}, `"info"`},
		{[]string{"PING"}, `"PING"`},
	} {
		e.do(c, tc.cmd...)
		lines := monitorLines(t, m)
		if tc.want == "" {
			if len(lines) != 0 {
				t.Errorf("%q fed %q", tc.cmd, lines)
			}
			continue
		}
		if want := "+" + at + tc.want + "\r\n"; len(lines) != 1 || lines[0] != want {
			t.Errorf("%q fed %q, want %q", tc.cmd, lines, want)
		}
	}
	if link.wakes == 0 {
		t.Error("the monitor was never woken")
	}
}

func TestMonitorWakesOncePerFlush(t *testing.T) {
	e := newTestEnv(t)
	m := e.newClient()
	e.do(m, "monitor")
	link := m.Link().(*wakeLink)
	c := e.newClient()
	for i := 0; i < 5; i++ {
		e.srv.Call(c, [][]byte{[]byte("ping")})
	}
	if link.wakes != 1 {
		t.Errorf("%d wakes for 5 commands before a flush, want 1", link.wakes)
	}
	if n := len(monitorLines(t, m)); n != 5 {
		t.Errorf("%d lines, want 5", n)
	}
	e.srv.Call(c, [][]byte{[]byte("ping")})
	if link.wakes != 2 {
		t.Errorf("%d wakes after a flush, want 2", link.wakes)
	}
}

func TestMonitorLeavesWithResetAndDisconnect(t *testing.T) {
	e := newTestEnv(t)
	m1, m2 := e.newClient(), e.newClient()
	e.do(m1, "monitor")
	e.do(m2, "monitor")
	if got := e.do(m2, "monitor"); got != "" {
		t.Errorf("second MONITOR = %q, want no reply", got)
	}
	c := e.newClient()
	e.srv.FreeClient(m1)
	e.do(m2, "reset")
	e.do(c, "ping")
	if len(e.srv.monitors) != 0 {
		t.Errorf("%d monitors left", len(e.srv.monitors))
	}
	if got := e.do(c, "monitor", "x"); got != errReply("ERR wrong number of arguments for 'monitor' command") {
		t.Errorf("MONITOR x = %q", got)
	}
}

func TestMonitorOrigins(t *testing.T) {
	e := newTestEnv(t)
	e.srv.Cfg.UnixSocket = "/tmp/volley.sock"
	m := e.newClient()
	e.do(m, "monitor")
	u := e.srv.NewClient("/tmp/volley.sock:0", "/tmp/volley.sock:0", 9, true)
	u.DB = 3
	e.do(u, "ping")
	e.srv.FeedMonitorsScript(2, e.srv.specByFullName("ping"), [][]byte{[]byte("ping")})
	lines := monitorLines(t, m)
	want := []string{"+[3 unix:/tmp/volley.sock] \"ping\"\r\n", "+[2 lua] \"ping\"\r\n"}
	if strings.Join(lines, "") != strings.Join(want, "") {
		t.Errorf("lines %q, want %q", lines, want)
	}
}

func TestAppendRepr(t *testing.T) {
	for in, want := range map[string]string{
		"":           `""`,
		"abc":        `"abc"`,
		"\x01\x7f~ ": `"\x01\x7f~ "`,
		"é":          `"\xc3\xa9"`,
	} {
		if got := string(appendRepr(nil, []byte(in))); got != want {
			t.Errorf("appendRepr(%q) = %s, want %s", in, got, want)
		}
	}
}
