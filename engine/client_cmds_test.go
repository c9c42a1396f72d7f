package engine

import (
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/volleydb/volley/engine/config"
)

// Every expected reply below was captured from valkey-server 9.0.4.
func TestClientRepliesMatchValkey(t *testing.T) {
	tests := []struct {
		setup [][]string // commands run first, replies ignored
		cmd   []string
		want  string
	}{
		{cmd: []string{"client", "getname"}, want: "$-1\r\n"},
		{cmd: []string{"client", "setname", ""}, want: "+OK\r\n"},
		{setup: [][]string{{"client", "setname", ""}}, cmd: []string{"client", "getname"}, want: "$-1\r\n"},
		{cmd: []string{"client", "setname", "foo"}, want: "+OK\r\n"},
		{setup: [][]string{{"client", "setname", "foo"}}, cmd: []string{"CLIENT", "GETNAME"}, want: "$3\r\nfoo\r\n"},
		{setup: [][]string{{"client", "setname", "foo"}, {"client", "setname", ""}}, cmd: []string{"client", "getname"}, want: "$-1\r\n"},
		{cmd: []string{"client", "setname", "a b"}, want: "-ERR Client names cannot contain spaces, newlines or special characters.\r\n"},
		{cmd: []string{"client", "setname", "é"}, want: "-ERR Client names cannot contain spaces, newlines or special characters.\r\n"},
		{cmd: []string{"client", "setinfo", "lib-name", "a b"}, want: "-ERR lib-name cannot contain spaces, newlines or special characters.\r\n"},
		{cmd: []string{"client", "setinfo", "LIB-VER", "a b"}, want: "-ERR LIB-VER cannot contain spaces, newlines or special characters.\r\n"},
		{cmd: []string{"client", "setinfo", "foo", "bar"}, want: "-ERR Unrecognized option 'foo'\r\n"},
		{cmd: []string{"client", "setinfo", "lib-name", "redis-py"}, want: "+OK\r\n"},
		{cmd: []string{"client", "setinfo", "lib-name", ""}, want: "+OK\r\n"},
		{cmd: []string{"client", "no-evict", "on"}, want: "+OK\r\n"},
		{cmd: []string{"client", "no-evict", "maybe"}, want: "-ERR syntax error\r\n"},
		{cmd: []string{"client", "no-touch", "OFF"}, want: "+OK\r\n"},
		{cmd: []string{"client", "no-touch", "maybe"}, want: "-ERR syntax error\r\n"},
		{cmd: []string{"client", "trackinginfo"}, want: "*6\r\n$5\r\nflags\r\n*1\r\n$3\r\noff\r\n$8\r\nredirect\r\n:-1\r\n$8\r\nprefixes\r\n*0\r\n"},
		{setup: [][]string{{"hello", "3"}}, cmd: []string{"client", "trackinginfo"}, want: "%3\r\n$5\r\nflags\r\n~1\r\n$3\r\noff\r\n$8\r\nredirect\r\n:-1\r\n$8\r\nprefixes\r\n*0\r\n"},
		{cmd: []string{"client", "getredir"}, want: ":-1\r\n"},
		{cmd: []string{"client", "caching", "yes"}, want: "-ERR CLIENT CACHING can be called only when the client is in tracking mode with OPTIN or OPTOUT mode enabled\r\n"},
		{cmd: []string{"client", "caching", "foo"}, want: "-ERR CLIENT CACHING can be called only when the client is in tracking mode with OPTIN or OPTOUT mode enabled\r\n"},
		{cmd: []string{"client", "tracking", "maybe"}, want: "-ERR syntax error\r\n"},
		{cmd: []string{"client", "tracking", "on", "prefix", "a"}, want: "-ERR PREFIX option requires BCAST mode to be enabled\r\n"},
		{cmd: []string{"client", "tracking", "on", "redirect", "999"}, want: "-ERR The client ID you want redirect to does not exist\r\n"},
		{cmd: []string{"client", "tracking", "on", "redirect", "abc"}, want: "-ERR value is not an integer or out of range\r\n"},
		{cmd: []string{"client", "tracking", "on", "redirect", "1", "redirect", "2"}, want: "-ERR A client can only redirect to a single other client\r\n"},
		{cmd: []string{"client", "tracking", "on", "optin", "optout"}, want: "-ERR You can't specify both OPTIN mode and OPTOUT mode\r\n"},
		{cmd: []string{"client", "tracking", "on", "bcast", "optin"}, want: "-ERR OPTIN and OPTOUT are not compatible with BCAST\r\n"},
		{cmd: []string{"client", "tracking", "on", "bcast", "prefix", "ab", "prefix", "a"}, want: "-ERR Prefix 'ab' overlaps with another provided prefix 'a'. Prefixes for a single client must not overlap.\r\n"},
		{cmd: []string{"client", "tracking", "on", "foo"}, want: "-ERR syntax error\r\n"},
		{cmd: []string{"client", "tracking", "off", "foo"}, want: "-ERR syntax error\r\n"},
		{cmd: []string{"client", "tracking", "off"}, want: "+OK\r\n"},
		{cmd: []string{"client", "tracking", "on"}, want: "+OK\r\n"},
		{cmd: []string{"client", "unblock", "1"}, want: ":0\r\n"},
		{cmd: []string{"client", "unblock", "abc"}, want: "-ERR value is not an integer or out of range\r\n"},
		{cmd: []string{"client", "unblock", "1", "foo"}, want: "-ERR CLIENT UNBLOCK reason should be TIMEOUT or ERROR\r\n"},
		{cmd: []string{"client", "unblock", "abc", "foo"}, want: "-ERR CLIENT UNBLOCK reason should be TIMEOUT or ERROR\r\n"},
		{cmd: []string{"client", "unblock", "1", "error"}, want: ":0\r\n"},
		{cmd: []string{"client", "unblock", "99999", "TIMEOUT"}, want: ":0\r\n"},
		{cmd: []string{"client", "unblock", "1", "2", "3"}, want: ":0\r\n"},
		{cmd: []string{"client", "pause", "abc"}, want: "-ERR timeout is not an integer or out of range\r\n"},
		{cmd: []string{"client", "pause", "-1"}, want: "-ERR timeout is negative\r\n"},
		{cmd: []string{"client", "pause", "10", "foo"}, want: "-ERR CLIENT PAUSE mode must be WRITE or ALL\r\n"},
		{cmd: []string{"client", "pause", "abc", "foo"}, want: "-ERR CLIENT PAUSE mode must be WRITE or ALL\r\n"},
		{cmd: []string{"client", "pause", "9223372036854775807"}, want: "-ERR timeout is out of range\r\n"},
		{cmd: []string{"client", "pause", "0"}, want: "+OK\r\n"},
		{cmd: []string{"client", "unpause"}, want: "+OK\r\n"},
		{cmd: []string{"client", "reply", "foo"}, want: "-ERR syntax error\r\n"},
		{cmd: []string{"client", "reply", "on"}, want: "+OK\r\n"},
		{cmd: []string{"client", "capa", "redirect"}, want: "+OK\r\n"},
		{cmd: []string{"client", "capa", "foo"}, want: "+OK\r\n"},
		{cmd: []string{"client", "import-source", "on"}, want: "-ERR Server is not in import mode\r\n"},
		{cmd: []string{"client", "import-source", "off"}, want: "+OK\r\n"},
		{cmd: []string{"client", "import-source", "foo"}, want: "-ERR Server is not in import mode\r\n"},
		{cmd: []string{"client", "list", "foo"}, want: "-ERR syntax error\r\n"},
		{cmd: []string{"client", "list", "id"}, want: "-ERR syntax error\r\n"},
		{cmd: []string{"client", "list", "type", "foo"}, want: "-ERR Unknown client type 'foo'\r\n"},
		{cmd: []string{"client", "list", "not-type", "foo"}, want: "-ERR Unknown client type 'foo'\r\n"},
		{cmd: []string{"client", "list", "id", "abc"}, want: "-ERR syntax error\r\n"},
		{cmd: []string{"client", "list", "id", "0"}, want: "-ERR client-id should be greater than 0\r\n"},
		{cmd: []string{"client", "list", "not-id", "-5"}, want: "-ERR client-id should be greater than 0\r\n"},
		{cmd: []string{"client", "list", "user", "nobody"}, want: "-ERR No such user 'nobody'\r\n"},
		{cmd: []string{"client", "list", "not-user", "nobody"}, want: "-ERR No such user 'nobody'\r\n"},
		{cmd: []string{"client", "list", "maxage", "abc"}, want: "-ERR maxage is not an integer or out of range\r\n"},
		{cmd: []string{"client", "list", "maxage", "0"}, want: "-ERR maxage should be greater than 0\r\n"},
		{cmd: []string{"client", "list", "idle", "-1"}, want: "-ERR idle should be greater than 0\r\n"},
		{cmd: []string{"client", "list", "idle", "x"}, want: "-ERR idle is not an integer or out of range\r\n"},
		{cmd: []string{"client", "list", "flags", "Z"}, want: "-ERR Unknown flags found in the provided filter: Z\r\n"},
		{cmd: []string{"client", "list", "not-flags", "Zq"}, want: "-ERR Unknown flags found in the NOT-FLAGS filter: Zq\r\n"},
		{cmd: []string{"client", "list", "capa", "x"}, want: "-ERR Unknown capa found in the provided filter: x\r\n"},
		{cmd: []string{"client", "list", "not-capa", "rx"}, want: "-ERR Unknown capa found in the NOT-CAPA filter: rx\r\n"},
		{cmd: []string{"client", "list", "db", "99"}, want: "-ERR DB number should be between 0 and 15\r\n"},
		{cmd: []string{"client", "list", "db", "x"}, want: "-ERR DB is not an integer or out of range\r\n"},
		{cmd: []string{"client", "list", "db", "4294967296"}, want: "-ERR DB is not an integer or out of range\r\n"},
		{cmd: []string{"client", "list", "not-db", "99"}, want: "-ERR NOT-DB number should be between 0 and 15\r\n"},
		{cmd: []string{"client", "list", "not-db", "x"}, want: "-ERR NOT-DB is not an integer or out of range\r\n"},
		{cmd: []string{"client", "list", "skipme", "maybe"}, want: "-ERR syntax error\r\n"},
		{cmd: []string{"client", "list", "type", "normal", "skipme"}, want: "-ERR syntax error\r\n"},
		{cmd: []string{"client", "list", "id", "3", "foo"}, want: "-ERR syntax error\r\n"},
		{cmd: []string{"client", "list", "type", "normal", "skipme", "yes"}, want: "$0\r\n\r\n"},
		{cmd: []string{"client", "kill"}, want: "-ERR wrong number of arguments for 'client|kill' command\r\n"},
		{cmd: []string{"client", "kill", "1.2.3.4:5"}, want: "-ERR No such client\r\n"},
		{cmd: []string{"client", "kill", "id", "99999"}, want: ":0\r\n"},
		{cmd: []string{"client", "kill", "foo", "bar"}, want: "-ERR syntax error\r\n"},
		{cmd: []string{"client", "kill", "addr", "1.2.3.4:5", "skipme"}, want: "-ERR syntax error\r\n"},
		{cmd: []string{"client", "kill", "maxage", "100000"}, want: ":0\r\n"},
		{cmd: []string{"client", "kill", "skipme", "no", "id"}, want: ":0\r\n"},
		{cmd: []string{"client"}, want: "-ERR wrong number of arguments for 'client' command\r\n"},
		{cmd: []string{"client", "foo"}, want: "-ERR unknown subcommand 'foo'. Try CLIENT HELP.\r\n"},
		{cmd: []string{"client", "id", "x"}, want: "-ERR wrong number of arguments for 'client|id' command\r\n"},
	}
	for _, tt := range tests {
		name := strings.Join(tt.cmd, " ")
		t.Run(name, func(t *testing.T) {
			e := newClientTestEnv(t)
			c, _ := e.client()
			for _, s := range tt.setup {
				e.call(c, s...)
			}
			if got := e.call(c, tt.cmd...); got != tt.want {
				t.Errorf("%s:\n got %q\nwant %q", name, got, tt.want)
			}
		})
	}
}

func TestClientIDAndState(t *testing.T) {
	e := newClientTestEnv(t)
	c, _ := e.client()
	d, _ := e.client()
	if got, want := e.call(d, "client", "id"), ":"+strconv.FormatInt(d.ID, 10)+"\r\n"; got != want {
		t.Fatalf("CLIENT ID = %q, want %q", got, want)
	}
	e.call(c, "client", "no-evict", "on")
	e.call(c, "client", "no-touch", "ON")
	e.call(c, "client", "capa", "foo", "REDIRECT")
	if c.Flags&(ClientNoEvict|ClientNoTouch) != ClientNoEvict|ClientNoTouch || c.Capa != CapaRedirect {
		t.Fatalf("flags %b capa %b after NO-EVICT/NO-TOUCH/CAPA", c.Flags, c.Capa)
	}
	e.call(c, "client", "no-evict", "off")
	e.call(c, "client", "no-touch", "off")
	if c.Flags&(ClientNoEvict|ClientNoTouch) != 0 {
		t.Fatalf("flags %b after turning them off", c.Flags)
	}
	e.call(c, "client", "setinfo", "LIB-NAME", "redis-py")
	e.call(c, "client", "setinfo", "lib-ver", "1.2")
	if c.LibName != "redis-py" || c.LibVer != "1.2" {
		t.Fatalf("lib %q %q", c.LibName, c.LibVer)
	}
	e.call(c, "client", "setinfo", "lib-name", "")
	if c.LibName != "" {
		t.Fatalf("empty SETINFO kept %q", c.LibName)
	}
	// Valkey checks names as C strings: the check stops at a NUL byte.
	if got := e.call(c, "client", "setname", "a\x00 b"); got != "+OK\r\n" {
		t.Fatalf("SETNAME with NUL: %q", got)
	}
}

func TestClientImportSource(t *testing.T) {
	e := newClientTestEnv(t)
	if err := e.s.Cfg.LoadString("import-mode yes", config.LoadOptions{}); err != nil {
		t.Skipf("cannot turn import-mode on: %v", err)
	}
	c, _ := e.client()
	if got := e.call(c, "client", "import-source", "on"); got != "+OK\r\n" {
		t.Fatalf("IMPORT-SOURCE ON: %q", got)
	}
	if c.Flags&ClientImportSource == 0 {
		t.Fatal("flag I not set")
	}
	if got := e.call(c, "client", "import-source", "foo"); got != "-ERR syntax error\r\n" {
		t.Fatalf("IMPORT-SOURCE foo: %q", got)
	}
	e.call(c, "client", "import-source", "off")
	if c.Flags&ClientImportSource != 0 {
		t.Fatal("flag I still set")
	}
}

func TestClientReplyModes(t *testing.T) {
	e := newClientTestEnv(t)
	c, _ := e.client()
	run := func(cmds ...[]string) string {
		c.Out.Reset()
		for _, cmd := range cmds {
			argv := make([][]byte, len(cmd))
			for i, a := range cmd {
				argv[i] = []byte(a)
			}
			e.s.Call(c, argv)
		}
		return string(c.Out.Bytes())
	}
	ping := []string{"ping"}
	steps := []struct {
		cmds [][]string
		want string
	}{
		{[][]string{{"client", "reply", "off"}, ping}, ""},
		{[][]string{{"client", "reply", "skip"}, ping}, ""}, // SKIP does not lift OFF
		{[][]string{{"client", "reply", "on"}}, "+OK\r\n"},
		{[][]string{{"client", "reply", "skip"}, ping, {"ping", "x"}}, "$1\r\nx\r\n"},
		{[][]string{{"client", "reply", "skip"}, {"client", "reply", "off"}, ping, {"client", "reply", "on"}}, "+OK\r\n"},
		{[][]string{{"client", "reply", "skip"}, {"client", "reply", "on"}}, "+OK\r\n"},
		{[][]string{{"client", "reply", "skip"}, {"client", "reply", "skip"}, ping, ping}, "+PONG\r\n"},
	}
	for i, st := range steps {
		if got := run(st.cmds...); got != st.want {
			t.Errorf("step %d %v: got %q, want %q", i, st.cmds, got, st.want)
		}
	}
}

func TestClientHelpShape(t *testing.T) {
	e := newClientTestEnv(t)
	c, _ := e.client()
	got := e.call(c, "client", "help")
	lines := strings.Split(strings.TrimSuffix(got, "\r\n"), "\r\n")
	// Valkey's reply has 110 elements; ours keeps its layout line for line.
	if lines[0] != "*110" {
		t.Errorf("header %q, want *110", lines[0])
	}
	if lines[1] != "+CLIENT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:" {
		t.Errorf("title %q", lines[1])
	}
	if n := len(lines); lines[n-2] != "+HELP" || lines[n-1] != "+    Print this help." {
		t.Errorf("tail %q", lines[n-2:])
	}
	// The syntax lines (not indented) are Valkey's, in Valkey's order.
	var syntax []string
	for _, l := range lines[2:] {
		if !strings.HasPrefix(l, "+ ") {
			syntax = append(syntax, l[1:])
		}
	}
	want := []string{
		"CACHING (YES|NO)", "CAPA <option> [options...]", "GETREDIR", "GETNAME", "ID", "INFO",
		"KILL <ip:port>", "KILL <option> <value> [<option> <value> [...]]", "LIST [options ...]",
		"UNPAUSE", "PAUSE <timeout> [WRITE|ALL]", "REPLY (ON|OFF|SKIP)", "SETNAME <name>",
		"SETINFO <option> <value>", "UNBLOCK <clientid> [TIMEOUT|ERROR]",
		"TRACKING (ON|OFF) [REDIRECT <id>] [BCAST] [PREFIX <prefix> [...]]", "TRACKINGINFO",
		"NO-EVICT (ON|OFF)", "NO-TOUCH (ON|OFF)", "IMPORT-SOURCE (ON|OFF)", "HELP",
	}
	if !slices.Equal(syntax, want) {
		t.Errorf("syntax lines\n got %q\nwant %q", syntax, want)
	}
}

// listIDs runs CLIENT LIST args... for c and returns the listed IDs.
func (e *clientTestEnv) listIDs(c *Client, args ...string) []int64 {
	e.t.Helper()
	reply := e.call(c, append([]string{"client", "list"}, args...)...)
	if strings.HasPrefix(reply, "-") {
		e.t.Fatalf("CLIENT LIST %v: %q", args, reply)
	}
	_, body, _ := strings.Cut(reply, "\r\n")
	var ids []int64
	for _, line := range strings.Split(body, "\n") {
		if rest, ok := strings.CutPrefix(line, "id="); ok {
			id, _, _ := strings.Cut(rest, " ")
			n, _ := strconv.ParseInt(id, 10, 64)
			ids = append(ids, n)
		}
	}
	return ids
}

func TestClientListFilters(t *testing.T) {
	e := newClientTestEnv(t)
	a, _ := e.client() // the caller: 127.0.0.1, normal
	b, _ := e.client()
	b.Name, b.LibName, b.LibVer, b.DB = "worker", "valkey-go", "1.0", 3
	b.Capa = CapaRedirect
	cc, _ := e.client()
	cc.Flags |= ClientPubSub | ClientNoEvict
	cc.Created -= 120_000
	cc.LastInteraction -= 60_000
	d := e.s.NewClient("[::1]:6000", "[::1]:6379", 20, false)
	d.Flags |= ClientReplica
	u := e.s.NewClient("/tmp/v.sock:0", "/tmp/v.sock:0", 21, true)
	m := e.s.NewClient("10.0.0.1:7000", "10.0.0.2:6379", 22, false)
	m.Flags |= ClientPrimary | ClientMonitor // a MONITOR flag must not hide the primary type

	ids := func(cs ...*Client) []int64 {
		var out []int64
		for _, c := range cs {
			out = append(out, c.ID)
		}
		return out
	}
	tests := []struct {
		args []string
		want []int64
	}{
		{nil, ids(a, b, cc, d, u, m)},
		{[]string{"type", "normal"}, ids(a, b, u)},
		{[]string{"type", "NORMAL", "skipme", "yes"}, ids(b, u)},
		{[]string{"type", "pubsub"}, ids(cc)},
		{[]string{"type", "slave"}, ids(d)},
		{[]string{"type", "replica"}, ids(d)},
		{[]string{"type", "master"}, ids(m)},
		{[]string{"type", "primary"}, ids(m)},
		{[]string{"not-type", "normal"}, ids(cc, d, m)},
		{[]string{"id", strconv.FormatInt(b.ID, 10), strconv.FormatInt(d.ID, 10), "99"}, ids(b, d)},
		{[]string{"id", strconv.FormatInt(b.ID, 10), "id", strconv.FormatInt(cc.ID, 10)}, ids(b, cc)},
		{[]string{"not-id", strconv.FormatInt(a.ID, 10), strconv.FormatInt(b.ID, 10)}, ids(cc, d, u, m)},
		{[]string{"skipme", "no", "id", strconv.FormatInt(a.ID, 10)}, ids(a)},
		{[]string{"addr", b.Addr}, ids(b)},
		{[]string{"addr", ""}, nil},
		{[]string{"not-addr", b.Addr}, ids(a, cc, d, u, m)},
		{[]string{"laddr", "127.0.0.1:6379"}, ids(a, b, cc)},
		{[]string{"not-laddr", "127.0.0.1:6379"}, ids(d, u, m)},
		{[]string{"user", "default"}, ids(a, b, cc, d, u, m)},
		{[]string{"not-user", "default"}, nil},
		{[]string{"maxage", "100"}, ids(cc)},
		{[]string{"idle", "60"}, ids(cc)},
		{[]string{"idle", "61"}, nil},
		{[]string{"flags", "Pe"}, ids(cc)},
		{[]string{"flags", "N"}, ids(a, b)},
		{[]string{"flags", "S"}, ids(d, m)}, // MONITOR clients print as O, a kind of S
		{[]string{"flags", "U"}, ids(u)},
		{[]string{"flags", "B"}, nil},
		{[]string{"not-flags", "N"}, ids(cc, d, u, m)},
		{[]string{"name", "worker"}, ids(b)},
		{[]string{"name", ""}, nil},
		{[]string{"not-name", "worker"}, ids(a, cc, d, u, m)},
		{[]string{"lib-name", "valkey-go"}, ids(b)},
		{[]string{"not-lib-name", "valkey-go"}, ids(a, cc, d, u, m)},
		{[]string{"lib-ver", "1.0"}, ids(b)},
		{[]string{"not-lib-ver", "1.0"}, ids(a, cc, d, u, m)},
		{[]string{"db", "3"}, ids(b)},
		{[]string{"not-db", "0"}, ids(b)},
		{[]string{"capa", "r"}, ids(b)},
		{[]string{"capa", ""}, ids(a, b, cc, d, u, m)},
		{[]string{"not-capa", "rr"}, ids(a, cc, d, u, m)},
		{[]string{"ip", "127.0.0.1"}, ids(a, b, cc)},
		{[]string{"ip", "127.0.0"}, nil},
		{[]string{"ip", "::1"}, ids(d)},
		{[]string{"ip", "/tmp/v.sock"}, nil}, // port 0: unix sockets never match
		{[]string{"not-ip", "127.0.0.1"}, ids(d, u, m)},
		{[]string{"type", "normal", "db", "0", "not-flags", "U"}, ids(a)},
	}
	for _, tt := range tests {
		if got := e.listIDs(a, tt.args...); !slices.Equal(got, tt.want) {
			t.Errorf("CLIENT LIST %q: got ids %v, want %v", tt.args, got, tt.want)
		}
	}
}

func TestClientKill(t *testing.T) {
	e := newClientTestEnv(t)
	a, la := e.client()
	b, lb := e.client()
	c, lc := e.client()
	c.Name = "victim"

	// Old form: by address, reply +OK, the victim's link is closed at once.
	if got := e.call(a, "client", "kill", b.Addr); got != "+OK\r\n" {
		t.Fatalf("KILL addr: %q", got)
	}
	if lb.closes != 1 || !lb.asap || b.Flags&ClientCloseASAP == 0 {
		t.Fatalf("victim not closed: closes=%d asap=%v flags=%b", lb.closes, lb.asap, b.Flags)
	}
	// Valkey frees a killed client at once: it is gone from the list and
	// from further kills even before the connection is torn down.
	if got := e.listIDs(a); slices.Contains(got, b.ID) {
		t.Fatalf("killed client still listed: %v", got)
	}
	if got := e.call(a, "client", "kill", "id", strconv.FormatInt(b.ID, 10)); got != ":0\r\n" {
		t.Fatalf("killed client killed again: %q", got)
	}
	e.s.FreeClient(b) // what the I/O layer does once the connection is gone

	// New form: integer count, the caller skipped by default.
	if got := e.call(a, "client", "kill", "type", "normal"); got != ":1\r\n" {
		t.Fatalf("KILL TYPE normal: %q", got)
	}
	if lc.closes != 1 || la.closes != 0 || a.Flags&ClientCloseAfterReply != 0 {
		t.Fatalf("closes: victim %d caller %d, caller flags %b", lc.closes, la.closes, a.Flags)
	}
	e.s.FreeClient(c)

	// The caller may kill itself: the reply is sent, then it closes.
	d, ld := e.client()
	if got := e.call(d, "client", "kill", "id", strconv.FormatInt(d.ID, 10), "skipme", "no"); got != ":1\r\n" {
		t.Fatalf("KILL self: %q", got)
	}
	if d.Flags&ClientCloseAfterReply == 0 || ld.closes != 0 {
		t.Fatalf("self kill: flags %b closes %d", d.Flags, ld.closes)
	}
	f, _ := e.client()
	if got := e.call(f, "client", "kill", f.Addr); got != "+OK\r\n" || f.Flags&ClientCloseAfterReply == 0 {
		t.Fatalf("old-form self kill: %q flags %b", got, f.Flags)
	}

	// A client with no connection is freed at once.
	g := e.s.NewClient("127.0.0.1:1", "127.0.0.1:6379", -1, false)
	if got := e.call(a, "client", "kill", "id", strconv.FormatInt(g.ID, 10)); got != ":1\r\n" || e.s.Client(g.ID) != nil {
		t.Fatalf("kill linkless client: %q, still registered: %v", got, e.s.Client(g.ID) != nil)
	}
}
