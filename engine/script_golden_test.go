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

// Scripting replies are checked against files of commands and the exact
// replies Valkey 9.0 gave to them (testdata/scripting/*.txt). A file is a
// sequence of
//
//	> "arg" "arg" ...      (each argument Go-quoted)
//	"reply bytes"          (Go-quoted)
//
// with # comments. To record the replies anew, run the test against a
// reference server:
//
//	VOLLEY_REF_ADDR=127.0.0.1:6379 go test ./engine -run TestScriptGolden -record
//
// which sends every command to it and rewrites the reply lines.
var recordGolden = flag.Bool("record", false, "rewrite testdata/scripting replies from the server at $VOLLEY_REF_ADDR")

type goldenStep struct {
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
		case strings.HasPrefix(line, "> "):
			args, err := splitQuoted(line[2:])
			if err != nil {
				t.Fatalf("%s: %q: %v", path, line, err)
			}
			steps = append(steps, goldenStep{args: args, comment: comment.String()})
			comment.Reset()
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
		for _, a := range st.args {
			b.WriteByte(' ')
			b.WriteString(strconv.Quote(a))
		}
		b.WriteByte('\n')
		b.WriteString(strconv.Quote(st.reply))
		b.WriteByte('\n')
	}
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
}

// recordFromReference replaces each step's reply with the reference
// server's.
func recordFromReference(t *testing.T, steps []goldenStep) {
	addr := os.Getenv("VOLLEY_REF_ADDR")
	if addr == "" {
		t.Fatal("-record needs VOLLEY_REF_ADDR")
	}
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	rd := resp.NewReader(conn)
	for i := range steps {
		var req []byte
		req = resp.AppendArrayLen(req, len(steps[i].args))
		for _, a := range steps[i].args {
			req = resp.AppendBulkString(req, a)
		}
		if _, err := conn.Write(req); err != nil {
			t.Fatal(err)
		}
		raw, err := rd.ReadRaw()
		if err != nil {
			t.Fatal(err)
		}
		steps[i].reply = string(raw)
	}
}

func TestScriptGolden(t *testing.T) {
	files, _ := filepath.Glob("testdata/scripting/*.txt")
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
			c := e.newClient()
			for _, st := range steps {
				got := e.do(c, st.args...)
				if strings.EqualFold(st.args[0], "hello") {
					continue // the server's identity differs
				}
				if got != st.reply {
					t.Errorf("%q:\n got %q\nwant %q", st.args, got, st.reply)
				}
			}
		})
	}
}
