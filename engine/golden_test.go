package engine

import (
	"bufio"
	"bytes"
	"flag"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/volleydb/volley/engine/resp"
)

// Some replies are checked against files of commands and the exact replies
// Valkey 9.0 gave to them (testdata/scripting/*.txt, testdata/acl/*.txt).
// A file is a sequence of
//
//	> "arg" "arg" ...      (each argument Go-quoted)
//	"reply bytes"          (Go-quoted)
//
// with # comments, and two additions for tests that need several
// connections or replies that cannot be compared:
//
//	>N "arg" ...   runs the command on connection N (1 when absent)
//	>!N "arg" ...  runs it without comparing the reply (times, ids, random,
//	               the server's identity); such a step has no reply line
//
// To record the replies anew, run the test against a fresh reference
// server:
//
//	VOLLEY_REF_ADDR=127.0.0.1:6379 go test ./engine -run 'TestScriptGolden|TestACLGolden' -record
//
// which sends every command to it and rewrites the reply lines.
var recordGolden = flag.Bool("record", false, "rewrite the golden files' replies from the server at $VOLLEY_REF_ADDR")

type goldenStep struct {
	conn    int
	noCheck bool
	args    []string
	reply   string
	comment string // lines before the command
}

func parseGolden(t *testing.T, path string) []goldenStep {
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var steps []goldenStep
	var comment strings.Builder
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		line := sc.Text()
		switch {
		case strings.HasPrefix(line, ">"):
			st := goldenStep{conn: 1, comment: comment.String()}
			comment.Reset()
			rest := line[1:]
			if strings.HasPrefix(rest, "!") {
				st.noCheck = true
				rest = rest[1:]
			}
			if i := strings.IndexByte(rest, ' '); i > 0 {
				n, err := strconv.Atoi(rest[:i])
				if err != nil {
					t.Fatalf("%s: bad connection in %q", path, line)
				}
				st.conn, rest = n, rest[i:]
			}
			if st.args, err = splitQuoted(rest); err != nil {
				t.Fatalf("%s: %q: %v", path, line, err)
			}
			steps = append(steps, st)
		case strings.HasPrefix(line, "\""):
			r, err := strconv.Unquote(line)
			if err != nil || len(steps) == 0 {
				t.Fatalf("%s: bad reply line %q", path, line)
			}
			steps[len(steps)-1].reply = r
		default:
			comment.WriteString(line)
			comment.WriteByte('\n')
		}
	}
	return steps
}

func splitQuoted(s string) ([]string, error) {
	var out []string
	for s = strings.TrimSpace(s); s != ""; s = strings.TrimSpace(s) {
		q, err := strconv.QuotedPrefix(s)
		if err != nil {
			return nil, err
		}
		u, _ := strconv.Unquote(q)
		out = append(out, u)
		s = s[len(q):]
	}
	return out, nil
}

func writeGolden(t *testing.T, path string, steps []goldenStep) {
	var b strings.Builder
	for _, st := range steps {
		b.WriteString(st.comment)
		b.WriteString(">")
		if st.noCheck {
			b.WriteString("!")
		}
		if st.conn != 1 {
			b.WriteString(strconv.Itoa(st.conn))
		}
		for _, a := range st.args {
			b.WriteByte(' ')
			b.WriteString(strconv.Quote(a))
		}
		b.WriteByte('\n')
		if !st.noCheck {
			b.WriteString(strconv.Quote(st.reply))
			b.WriteByte('\n')
		}
	}
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
}

// recordFromReference replaces each step's reply with the reference
// server's, "<closed>" for a connection the server closed.
func recordFromReference(t *testing.T, steps []goldenStep) {
	addr := os.Getenv("VOLLEY_REF_ADDR")
	if addr == "" {
		t.Fatal("-record needs VOLLEY_REF_ADDR")
	}
	type conn struct {
		c  net.Conn
		rd *resp.Reader
	}
	conns := map[int]*conn{}
	defer func() {
		for _, c := range conns {
			c.c.Close()
		}
	}()
	for i := range steps {
		cn := conns[steps[i].conn]
		if cn == nil {
			c, err := net.Dial("tcp", addr)
			if err != nil {
				t.Fatal(err)
			}
			cn = &conn{c, resp.NewReader(c)}
			conns[steps[i].conn] = cn
		}
		var req []byte
		req = resp.AppendArrayLen(req, len(steps[i].args))
		for _, a := range steps[i].args {
			req = resp.AppendBulkString(req, a)
		}
		if _, err := cn.c.Write(req); err != nil {
			t.Fatal(err)
		}
		raw, err := cn.rd.ReadRaw()
		if err != nil {
			steps[i].reply = "<closed>"
			cn.c.Close()
			delete(conns, steps[i].conn)
			continue
		}
		steps[i].reply = string(raw)
	}
}

// runGolden runs every golden file matching pattern, each on a fresh
// server that setup (if not nil) prepares.
func runGolden(t *testing.T, pattern string, setup func(t *testing.T, e *testEnv)) {
	files, _ := filepath.Glob(pattern)
	if len(files) == 0 {
		t.Fatal("no golden files")
	}
	for _, path := range files {
		t.Run(filepath.Base(path), func(t *testing.T) {
			steps := parseGolden(t, path)
			if *recordGolden {
				recordFromReference(t, steps)
				writeGolden(t, path, steps)
			}
			e := newTestEnv(t)
			if setup != nil {
				setup(t, e)
			}
			conns := map[int]*Client{}
			for _, st := range steps {
				c := conns[st.conn]
				if c == nil {
					c = e.newClient()
					conns[st.conn] = c
				}
				var got string
				if c.Flags&(ClientCloseASAP|ClientCloseAfterReply) != 0 {
					got = "<closed>" // the server closed it: the command is lost
					delete(conns, st.conn)
				} else {
					got = e.do(c, st.args...)
				}
				if !st.noCheck && got != st.reply {
					t.Errorf("conn %d %q:\n got %q\nwant %q", st.conn, st.args, got, st.reply)
				}
			}
		})
	}
}
