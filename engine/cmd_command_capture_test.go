package engine

import (
	"bufio"
	"bytes"
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
)

// TestCaptureValkeyGolden refreshes the golden files under testdata from a
// running valkey-server (9.0.4 for the files checked in). It runs only
// when asked:
//
//	valkey-server --port 23456 --save '' --appendonly no &
//	VOLLEY_CAPTURE_VALKEY=127.0.0.1:23456 go test ./engine -run TestCaptureValkeyGolden
//
// It flushes database 9 of that server.
func TestCaptureValkeyGolden(t *testing.T) {
	addr := os.Getenv("VOLLEY_CAPTURE_VALKEY")
	if addr == "" {
		t.Skip("set VOLLEY_CAPTURE_VALKEY=host:port to capture golden replies")
	}
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	r := bufio.NewReader(conn)
	call := func(args ...string) []byte {
		t.Helper()
		var req []byte
		req = fmt.Appendf(req, "*%d\r\n", len(args))
		for _, a := range args {
			req = fmt.Appendf(req, "$%d\r\n%s\r\n", len(a), a)
		}
		if _, err := conn.Write(req); err != nil {
			t.Fatal(err)
		}
		var raw bytes.Buffer
		tee := bufio.NewReader(ioTee{r, &raw})
		if _, err := ctRead(tee); err != nil {
			t.Fatal(err)
		}
		return raw.Bytes()[:raw.Len()-tee.Buffered()]
	}
	write := func(name string, data []byte) {
		t.Helper()
		path := filepath.Join("testdata", name)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, data, 0o644); err != nil {
			t.Fatal(err)
		}
	}

	for _, proto := range []string{"resp2", "resp3"} {
		call("HELLO", strings.TrimPrefix(proto, "resp"))
		for _, name := range goldenInfoNames {
			write(filepath.Join("command_info", filepath.Base(goldenFile(name, proto))), call("COMMAND", "INFO", name))
		}
	}
	call("HELLO", "2")
	write("command_info/all.resp2", call("COMMAND"))
	write("command_count.golden", call("COMMAND", "COUNT"))
	lv := ctParse(t, call("COMMAND", "LIST"))
	var names []string
	for _, e := range lv.elems {
		names = append(names, e.str)
	}
	sort.Strings(names)
	write("command_list.txt", []byte(strings.Join(names, "\n")+"\n"))

	var cases bytes.Buffer
	record := func(args ...string) {
		for i, a := range args {
			if i > 0 {
				cases.WriteByte(' ')
			}
			cases.WriteString(quoteArg(a))
		}
		cases.WriteByte('\n')
		cases.WriteString(strconv.Quote(string(call(args...))))
		cases.WriteByte('\n')
	}
	for _, cat := range append(ACLCategoryNames(), "READ", "Write", "@read", "nosuch", "") {
		record("COMMAND", "LIST", "FILTERBY", "ACLCAT", cat)
	}
	for _, pat := range listPatterns() {
		record("COMMAND", "LIST", "FILTERBY", "PATTERN", pat)
	}
	record("COMMAND", "LIST", "FILTERBY", "MODULE", "nosuch")
	write("command_list_filters.txt", cases.Bytes())

	cases.Reset()
	for _, line := range getKeysLines {
		args := strings.Fields(line)
		for i, a := range args {
			if a == `""` {
				args[i] = ""
			}
		}
		record(append([]string{"COMMAND", "GETKEYS"}, args...)...)
		record(append([]string{"COMMAND", "GETKEYSANDFLAGS"}, args...)...)
	}
	write("getkeys.txt", cases.Bytes())

	// Glob: which of a set of keys KEYS returns for each pattern.
	call("SELECT", "9")
	call("FLUSHDB")
	keys := globKeys()
	for _, k := range keys {
		call("SET", k, "1")
	}
	var out bytes.Buffer
	for i, k := range keys {
		if i > 0 {
			out.WriteByte(' ')
		}
		out.WriteString(quoteArg(k))
	}
	out.WriteByte('\n')
	for _, pat := range globPatterns() {
		v := ctParse(t, call("KEYS", pat))
		var got []string
		for _, e := range v.elems {
			got = append(got, quoteArg(e.str))
		}
		sort.Strings(got)
		fmt.Fprintf(&out, "%s %s\n", quoteArg(pat), strings.Join(got, " "))
	}
	call("FLUSHDB")
	write("glob_keys.txt", out.Bytes())
}

type ioTee struct {
	r *bufio.Reader
	w *bytes.Buffer
}

func (t ioTee) Read(p []byte) (int, error) {
	n, err := t.r.Read(p)
	t.w.Write(p[:n])
	return n, err
}

// quoteArg quotes a in Go syntax with no spaces, so records split on them.
func quoteArg(a string) string {
	return strings.ReplaceAll(strconv.Quote(a), " ", `\x20`)
}

// getKeysLines are command lines for COMMAND GETKEYS, one per entry,
// split on spaces; "" stands for an empty argument.
var getKeysLines = []string{
	"get k", "GET k", "set k v", "set k v GET", "set k v get ex 10", "set k v EX 10", "set k v nx",
	"mset a 1 b 2", "mset a 1 b 2 c", "mget a b c", "del a b", "exists a b c", "touch a", "unlink a b",
	"msetnx a 1 b 2",
	"zunionstore d 2 a b", "zunionstore d 2 a b WEIGHTS 1 2", "zunionstore d 0 a", "zunionstore d 3 a b",
	"zunionstore d x a", "zunionstore d -1 a", "zunionstore d 1abc a", "zunionstore d 01 a", "zunionstore d +1 a",
	"zinterstore d 1 a", "zdiffstore d 2 a b", "zunion 2 a b", "zinter 2 a b WITHSCORES", "zdiff 1 a",
	"zintercard 2 a b LIMIT 1", "zintercard 3 a b", "sintercard 2 a b", "sintercard 3 a b", "sintercard 0 a",
	"eval s 2 a b c", "eval s 0", "eval s 3 a b", "eval s x", "eval s -1 a", "eval s 2abc a b", "eval s 01 a",
	"eval s 4294967297 a", "evalsha sha 1 a", "eval_ro s 1 a", "evalsha_ro sha 2 a b", "fcall f 2 a b x",
	"fcall_ro f 1 a", "fcall f 0", "fcall f x a",
	"lmpop 2 a b LEFT", "lmpop 3 a b LEFT", "lmpop 0 a LEFT", "lmpop 5 a LEFT", "blmpop 0 2 a b LEFT",
	"bzmpop 1 2 a b MIN", "zmpop 1 a MIN", "zmpop x a MIN",
	"xread STREAMS a b 0 0", "xread COUNT 1 STREAMS a 0", "xread BLOCK 0 STREAMS a b 0 0", "xread STREAMS a b 0",
	"xread streams streams 0", "xread count 1 bogus STREAMS a 0",
	"xreadgroup GROUP g c STREAMS a 0", "xreadgroup GROUP g c COUNT 1 NOACK STREAMS a b 0 0",
	"xreadgroup GROUP streams c STREAMS streams 0", "xreadgroup GROUP g c STREAMS a",
	"sort k", "sort k STORE d", "sort k BY x GET y STORE d", "sort k STORE d1 STORE d2", "sort k LIMIT 0 1 STORE d",
	"sort k STORE", "sort k GET store STORE d", "sort k store d", "sort k DESC ALPHA", "sort_ro k BY x",
	"sort k limit store 1 store d",
	"migrate h p k 0 1000", `migrate h p "" 0 1000 KEYS a b`, "migrate h p k 0 1000 KEYS a b",
	`migrate h p "" 0 1000 COPY REPLACE AUTH pw KEYS a`, `migrate h p "" 0 1000 AUTH2 u pw KEYS a b`,
	`migrate h p "" 0 1000 AUTH keys KEYS a`, `migrate h p "" 0 1000`, `migrate h p "" 0 1000 keys`,
	"object encoding k", "OBJECT FREQ k", "object help", "object nosuch k",
	"georadius k 0 0 1 m STORE d", "georadius k 0 0 1 m STOREDIST d", "georadius k 0 0 1 m STORE d STOREDIST e",
	"georadius k 0 0 1 m", "georadius k 0 0 1 m STORE", "georadiusbymember k m 1 km STORE d",
	"georadius_ro k 0 0 1 m", "geosearchstore d s FROMMEMBER m BYRADIUS 1 m",
	"bitfield k GET u8 0", "bitfield k SET u8 0 1", "bitfield k GET u8 0 INCRBY u8 0 1",
	"bitfield k OVERFLOW SAT GET u8 0", "bitfield k", "bitfield k bogus", "bitfield k get u8", "bitfield_ro k GET u8 0",
	"getex k", "getex k persist", "pfcount a b", "pfmerge d a b", "pfmerge d", "xadd s * f v", "lmove a b LEFT RIGHT",
	"rename a b", "copy a b", "blpop a b 0", "brpoplpush a b 0", "watch a b", "lcs a b", "bitop AND d a b",
	"smove a b m", "sunionstore d a b", "xinfo stream s", "xgroup create s g $", "xautoclaim s g c 0 0",
	"memory usage k", "debug object k", "publish ch m", "spublish ch m", "ssubscribe ch", "client list",
	"hsetex k FIELDS 1 f v", "hgetex k FIELDS 1 f", "hexpire k 10 FIELDS 1 f", "delifeq k v", "hset k f v",
	"restore k 0 payload", "wait 0 0", "get", "set k", "ping", "nosuch k", "client nosuch", "dump k",
	"pubsub numsub a", "xgroup help", "subscribe a", "lpush k", "eval", "sunsubscribe a",
}

// listPatterns are COMMAND LIST FILTERBY PATTERN patterns: a few chosen
// ones and random ones over the letters of command names, to compare
// Valkey's case-insensitive glob with globMatch.
func listPatterns() []string {
	pats := []string{"*", "get*", "client|*", "*|*", "x[a-c]*", "G?T", "[^a-y]*", "*sort*", "", `\*`, "*[",
		"[a-]*", "*|[^a-l]*", "cl*t|k?ll", "[z-x]*", `s\et`, "[\\]]*", "*-*", "[A-C]*", "??", "*****get"}
	rng := rand.New(rand.NewPCG(1, 2))
	const alphabet = "aeilnrstxyzAEGLST*?[]^-\\|_"
	for range 400 {
		n := 1 + rng.IntN(7)
		b := make([]byte, n)
		for i := range b {
			b[i] = alphabet[rng.IntN(len(alphabet))]
		}
		pats = append(pats, string(b))
	}
	return pats
}

// globKeys and globPatterns drive the case-sensitive comparison through
// KEYS: random keys and patterns over a small alphabet that includes the
// pattern syntax and bytes above 0x7f.
func globKeys() []string {
	rng := rand.New(rand.NewPCG(3, 4))
	const alphabet = "abAB*?[]^-\\z\x80\xe9"
	seen := map[string]bool{}
	var out []string
	for len(out) < 300 {
		n := 1 + rng.IntN(6)
		b := make([]byte, n)
		for i := range b {
			b[i] = alphabet[rng.IntN(len(alphabet))]
		}
		if !seen[string(b)] {
			seen[string(b)] = true
			out = append(out, string(b))
		}
	}
	return out
}

func globPatterns() []string {
	pats := []string{"a*", "*a", "*a*", "a?", "[ab]*", "[^ab]*", "[a-b]*", "[b-a]*", "[a-]*", "*[", "[", "[^",
		"\\*", "\\", "*\\", "[\\]]*", "[\xe9-\x80]*", "[a-\xe9]*", "[\x80-z]*", "?*?", "**a**", "[]]*", "[^]]*"}
	rng := rand.New(rand.NewPCG(5, 6))
	const alphabet = "abAB*?[]^-\\z\x80\xe9"
	for len(pats) < 800 {
		n := 1 + rng.IntN(8)
		b := make([]byte, n)
		for i := range b {
			b[i] = alphabet[rng.IntN(len(alphabet))]
		}
		if string(b) == "*" {
			continue // KEYS * skips matching altogether
		}
		pats = append(pats, string(b))
	}
	return pats
}
