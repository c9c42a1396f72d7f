package engine

import (
	"strings"
	"testing"
)

// lolwutArt returns the text of a RESP2 LOLWUT reply.
func lolwutArt(t *testing.T, reply string) string {
	t.Helper()
	head, body, ok := strings.Cut(reply, "\r\n")
	if !ok || !strings.HasPrefix(head, "$") || !strings.HasSuffix(body, "\r\n") {
		t.Fatalf("not a bulk string: %q", reply)
	}
	return strings.TrimSuffix(body, "\r\n")
}

func TestLolwut(t *testing.T) {
	e := newTestEnv(t)
	c := e.newClient()
	syntax := errReply("ERR Syntax error. Use: LOLWUT [columns rows] [seed]")
	e.expect(c, []replyCase{
		rc("lolwut 10", syntax),
		rc("lolwut 1 2 3 4", syntax),
		rc("lolwut foo", syntax),
		rc("lolwut version", syntax),
		rc("lolwut version x", errReply("ERR value is not an integer or out of range")),
		rc("lolwut x 10", errReply("ERR value is not an integer or out of range")),
	})
	art := lolwutArt(t, e.do(c, "lolwut"))
	lines := strings.Split(strings.TrimSuffix(art, "\n"), "\n")
	if last := lines[len(lines)-1]; last != "Valkey ver. "+Version {
		t.Errorf("last line %q", last)
	}
	if len(lines) != lolwutDefaultRows+2 {
		t.Errorf("%d lines", len(lines))
	}
	for _, l := range lines[:lolwutDefaultRows] {
		if len(l) != lolwutDefaultCols {
			t.Errorf("line of %d columns: %q", len(l), l)
		}
	}
	if !strings.Contains(art, "o") || !strings.Contains(art, "+") || !strings.Contains(lines[lolwutDefaultRows-1], "===") {
		t.Errorf("no ball, net or ground in\n%s", art)
	}
	if again := lolwutArt(t, e.do(c, "lolwut")); again != art {
		t.Error("the same arguments drew a different rally")
	}
	if other := lolwutArt(t, e.do(c, "lolwut", "version", "6")); other == art {
		t.Error("VERSION 6 drew the same rally")
	}
	small := lolwutArt(t, e.do(c, "lolwut", "30", "8", "42"))
	if n := strings.Count(small, "\n"); n != 8+2 {
		t.Errorf("30x8 art has %d lines:\n%s", n, small)
	}
	tiny := lolwutArt(t, e.do(c, "lolwut", "-5", "0"))
	if !strings.HasPrefix(tiny, strings.Repeat(" ", 16)+"\n") && !strings.Contains(tiny, "\n") {
		t.Errorf("clamped art: %q", tiny)
	}
	e.do(c, "hello", "3")
	if got := e.do(c, "lolwut", "20", "6"); !strings.HasPrefix(got, "=") || !strings.Contains(got, "\r\ntxt:") {
		t.Errorf("RESP3 LOLWUT is not verbatim: %q", got[:min(len(got), 20)])
	}
}
