package engine

import (
	"os"
	"strconv"
	"strings"
	"testing"
)

// goldenClientLines reads testdata/client_info_lines.txt: CLIENT INFO
// lines from valkey-server 9.0.4 with the varying values masked as *.
func goldenClientLines(t *testing.T) []string {
	t.Helper()
	b, err := os.ReadFile("testdata/client_info_lines.txt")
	if err != nil {
		t.Fatal(err)
	}
	var lines []string
	for _, l := range strings.Split(string(b), "\n") {
		if l != "" && !strings.HasPrefix(l, "#") {
			lines = append(lines, l)
		}
	}
	return lines
}

// clientPayload strips a bulk or verbatim string reply down to its text.
func clientPayload(t *testing.T, reply string) string {
	t.Helper()
	hdr, body, ok := strings.Cut(reply, "\r\n")
	if !ok || (hdr[0] != '$' && hdr[0] != '=') || !strings.HasSuffix(body, "\r\n") {
		t.Fatalf("not a bulk or verbatim reply: %q", reply)
	}
	n, _ := strconv.Atoi(hdr[1:])
	body = strings.TrimSuffix(body, "\r\n")
	if len(body) != n {
		t.Fatalf("length %d, body has %d bytes: %q", n, len(body), reply)
	}
	if hdr[0] == '=' {
		body = strings.TrimPrefix(body, "txt:")
	}
	return body
}

// compareClientLine checks got against a golden line field by field:
// same names in the same order, same values except the masked ones.
func compareClientLine(t *testing.T, got, golden string) {
	t.Helper()
	gf, wf := strings.Split(got, " "), strings.Split(golden, " ")
	if len(gf) != len(wf) {
		t.Fatalf("%d fields, want %d\n got %s\nwant %s", len(gf), len(wf), got, golden)
	}
	for i := range wf {
		gk, gv, _ := strings.Cut(gf[i], "=")
		wk, wv, _ := strings.Cut(wf[i], "=")
		if gk != wk {
			t.Errorf("field %d is %q, want %q", i, gk, wk)
			continue
		}
		if wv == "*" {
			if gv == "" {
				t.Errorf("field %s is empty", gk)
			}
			continue
		}
		if gv != wv {
			t.Errorf("%s=%s, want %s", gk, gv, wv)
		}
	}
}

func TestClientInfoLineMatchesValkey(t *testing.T) {
	golden := goldenClientLines(t)
	if len(golden) != 2 {
		t.Fatalf("want 2 golden lines, have %d", len(golden))
	}

	e := newClientTestEnv(t)
	c, _ := e.client()
	info := clientPayload(t, e.call(c, "client", "info"))
	if !strings.HasSuffix(info, "\n") {
		t.Fatalf("CLIENT INFO lacks its newline: %q", info)
	}
	compareClientLine(t, strings.TrimSuffix(info, "\n"), golden[0])

	d, _ := e.client()
	for _, cmd := range [][]string{
		{"client", "setname", "foo"},
		{"client", "setinfo", "lib-name", "redis-py"},
		{"client", "setinfo", "lib-ver", "1.2"},
		{"client", "no-evict", "on"},
		{"client", "no-touch", "on"},
		{"client", "capa", "redirect"},
		{"select", "2"},
		{"hello", "3"},
	} {
		e.call(d, cmd...)
	}
	info = clientPayload(t, e.call(d, "client", "info"))
	compareClientLine(t, strings.TrimSuffix(info, "\n"), golden[1])
}

func TestClientInfoValues(t *testing.T) {
	e := newClientTestEnv(t)
	c, _ := e.client()
	c.NetIn, c.NetOut = 26, 7
	e.clock.Ms += 5_000
	line := string(e.s.appendClientInfo(nil, c, e.s.Clock.NowMs()))
	for _, want := range []string{
		"id=" + strconv.FormatInt(c.ID, 10) + " ",
		" addr=" + c.Addr + " ",
		" laddr=127.0.0.1:6379 ",
		" fd=" + strconv.Itoa(c.Fd) + " ",
		" age=5 idle=5 ",
		" cmd=NULL ",
		" argv-mem=0 ",
		" tot-net-in=26 tot-net-out=7 tot-cmds=0",
	} {
		if !strings.Contains(line, want) {
			t.Errorf("line lacks %q:\n%s", want, line)
		}
	}

	// The last command is the one looked up, even when it was rejected,
	// and nothing when it was unknown, as Valkey's lastcmd.
	d, _ := e.client()
	e.call(c, "get")
	if line := e.call(d, "client", "list", "id", strconv.FormatInt(c.ID, 10)); !strings.Contains(line, " cmd=get ") {
		t.Errorf("after a rejected GET: %s", line)
	}
	e.call(c, "client", "nosuch")
	if line := e.call(d, "client", "list", "id", strconv.FormatInt(c.ID, 10)); !strings.Contains(line, " cmd=NULL ") {
		t.Errorf("after an unknown subcommand: %s", line)
	}

	// Flags print in Valkey's order.
	c.Flags = ClientMonitor | ClientPubSub | ClientMulti | ClientBlocked | ClientTracking | ClientDirtyCAS |
		ClientCloseAfterReply | ClientUnblocked | ClientCloseASAP | ClientUnixSocket | ClientReadonly |
		ClientNoEvict | ClientNoTouch | ClientImportSource
	if got := string(appendClientFlags(nil, c)); got != "OPxbtdcuAUreTI" {
		t.Errorf("flags=%s", got)
	}
	c.Flags = ClientReplica | ClientPrimary
	if got := string(appendClientFlags(nil, c)); got != "SM" {
		t.Errorf("flags=%s", got)
	}
	c.Flags = 0
	c.Counts = ClientCounts{Multi: 5, MultiMem: 6, Watch: 7}
	for kind, names := range [][]string{kindChannel: {"a", "b"}, kindPattern: {"p1", "p2", "p3"}, kindShard: {"s1", "s2", "s3", "s4"}} {
		for _, n := range names {
			e.s.subscribe(c, pubsubKind(kind), []byte(n))
		}
	}
	line = string(e.s.appendClientInfo(nil, c, e.s.Clock.NowMs()))
	if !strings.Contains(line, " sub=2 psub=3 ssub=4 multi=-1 watch=7 ") || !strings.Contains(line, " multi-mem=0 ") {
		t.Errorf("counts outside MULTI: %s", line)
	}
	c.multi = &multiState{} // made by the client's first MULTI or WATCH
	line = string(e.s.appendClientInfo(nil, c, e.s.Clock.NowMs()))
	if !strings.Contains(line, " multi=5 ") || !strings.Contains(line, " multi-mem=6 ") {
		t.Errorf("counts after MULTI: %s", line)
	}
}

func TestClientListRESP3(t *testing.T) {
	e := newClientTestEnv(t)
	c, _ := e.client()
	e.call(c, "hello", "3")
	reply := e.call(c, "client", "list")
	if !strings.HasPrefix(reply, "=") || !strings.Contains(reply, "\r\ntxt:id=") {
		t.Fatalf("RESP3 CLIENT LIST is not verbatim: %q", reply)
	}
	if got := e.call(c, "client", "list", "id", "999"); got != "=4\r\ntxt:\r\n" {
		t.Fatalf("empty RESP3 list: %q", got)
	}
}
