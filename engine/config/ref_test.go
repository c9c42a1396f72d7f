package config

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"
)

// The tests in this file compare the package with a real valkey-server.
// They run only when VOLLEY_REF_VALKEY names its binary:
//
//	VOLLEY_REF_VALKEY=/path/to/valkey-server go test ./engine/config/

func refBinary(t *testing.T) string {
	t.Helper()
	bin := os.Getenv("VOLLEY_REF_VALKEY")
	if bin == "" {
		t.Skip("VOLLEY_REF_VALKEY is not set")
	}
	return bin
}

// refServer is a running valkey-server and a connection to it over its
// unix socket, which survives CONFIG SET bind and port.
type refServer struct {
	conn net.Conn
	r    *bufio.Reader
	dir  string
	args []string
}

func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// startRef starts valkey-server in a temporary directory with args after
// a fixed prefix (port, loopback bind, unix socket, no persistence).
func startRef(t *testing.T, extra ...string) *refServer {
	t.Helper()
	bin := refBinary(t)
	dir := t.TempDir()
	sock := filepath.Join(dir, "valkey.sock")
	args := append([]string{
		"--port", strconv.Itoa(freePort(t)), "--bind", "127.0.0.1", "--unixsocket", sock,
		"--save", "", "--appendonly", "no", "--dir", dir,
	}, extra...)
	ctx, cancel := context.WithCancel(context.Background())
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Dir = dir
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cancel()
		cmd.Wait()
	})
	var conn net.Conn
	var err error
	for range 100 {
		if conn, err = net.Dial("unix", sock); err == nil {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if err != nil {
		t.Fatalf("valkey-server did not start: %v\n%s", err, out.String())
	}
	t.Cleanup(func() { conn.Close() })
	return &refServer{conn: conn, r: bufio.NewReader(conn), dir: dir, args: args}
}

// do sends a command and reads its reply: a string, an error (as
// error), an int64, nil, or a []any.
func (s *refServer) do(t *testing.T, args ...string) any {
	t.Helper()
	var b []byte
	b = fmt.Appendf(b, "*%d\r\n", len(args))
	for _, a := range args {
		b = fmt.Appendf(b, "$%d\r\n%s\r\n", len(a), a)
	}
	if _, err := s.conn.Write(b); err != nil {
		t.Fatal(err)
	}
	v, err := readReply(s.r)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func readReply(r *bufio.Reader) (any, error) {
	line, err := r.ReadString('\n')
	if err != nil {
		return nil, err
	}
	line = strings.TrimSuffix(line, "\r\n")
	if line == "" {
		return nil, errors.New("empty reply line")
	}
	switch line[0] {
	case '+':
		return line[1:], nil
	case '-':
		return errors.New(line[1:]), nil
	case ':':
		return strconv.ParseInt(line[1:], 10, 64)
	case '$':
		n, _ := strconv.Atoi(line[1:])
		if n < 0 {
			return nil, nil
		}
		buf := make([]byte, n+2)
		if _, err := io.ReadFull(r, buf); err != nil {
			return nil, err
		}
		return string(buf[:n]), nil
	case '*':
		n, _ := strconv.Atoi(line[1:])
		out := make([]any, 0, max(n, 0))
		for range n {
			v, err := readReply(r)
			if err != nil {
				return nil, err
			}
			out = append(out, v)
		}
		return out, nil
	}
	return nil, fmt.Errorf("unexpected reply %q", line)
}

func replyKVs(v any) []KV {
	arr, _ := v.([]any)
	var kvs []KV
	for i := 0; i+1 < len(arr); i += 2 {
		kvs = append(kvs, KV{arr[i].(string), arr[i+1].(string)})
	}
	return kvs
}

func sameKVs(a, b []KV) bool {
	return len(a) == len(b) && (len(a) == 0 || reflect.DeepEqual(a, b))
}

// volleyFor loads the configuration the reference server was started
// with.
func (s *refServer) volleyFor(t *testing.T) *Config {
	t.Helper()
	c, err := Load(ParseArgs(s.args), testOpts)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestRefConfigGet(t *testing.T) {
	s := startRef(t)
	c := s.volleyFor(t)
	for _, patterns := range [][]string{
		{"*"}, {"PORT", "port"}, {"PO*", "PORT"}, {"*max-len"}, {"hash-max-*-value", "hash*"},
		{"[ab]ind"}, {"lua*"}, {"lua-enable-deprecated-api", "LUA-ENABLE-INSECURE-API"},
		{"*-*-*-*-*-*"}, {"[^a-m]*"}, {"nonexistent"}, {"use-exit-*"},
	} {
		want := replyKVs(s.do(t, append([]string{"CONFIG", "GET"}, patterns...)...))
		if got := getAll(c, patterns...); !sameKVs(got, want) {
			t.Errorf("CONFIG GET %q:\n got %q\nwant %q", patterns, got, want)
		}
	}
	for _, d := range Directives() {
		for _, name := range []string{d.Name, d.Alias} {
			if name == "" {
				continue
			}
			want := replyKVs(s.do(t, "CONFIG", "GET", name))
			if got := getAll(c, name); !sameKVs(got, want) {
				t.Errorf("CONFIG GET %s: got %q, want %q", name, got, want)
			}
		}
	}
}

func TestRefConfigSet(t *testing.T) {
	s := startRef(t)
	c := s.volleyFor(t)
	compare := func(kv []string, names ...string) {
		t.Helper()
		want := s.do(t, append([]string{"CONFIG", "SET"}, kv...)...)
		got := c.Set(pairs(kv...), Caller{Local: true})
		wantErr, _ := want.(error)
		switch {
		case wantErr == nil && got != nil:
			t.Errorf("CONFIG SET %q: valkey accepts it, Volley says %v", kv, got)
		case wantErr != nil && (got == nil || got.Error() != wantErr.Error()):
			t.Errorf("CONFIG SET %q:\n got %v\nwant %v", kv, got, wantErr)
		}
		for _, name := range names {
			want := replyKVs(s.do(t, "CONFIG", "GET", name))
			if got := getAll(c, name); !sameKVs(got, want) {
				t.Errorf("after CONFIG SET %q: CONFIG GET %s = %q, want %q", kv, name, got, want)
			}
		}
	}
	for _, tt := range setErrorCases {
		compare(tt.kv, tt.kv[0])
	}
	for _, tt := range setValueCases {
		if tt.kv[0] == "bind" {
			continue // depends on the addresses this machine has
		}
		compare(tt.kv, tt.name)
	}
	// Everything modifiable, to one step from its default and back.
	for _, d := range Directives() {
		if d.Flags&Immutable != 0 || d.Kind == KindSpecial || d.Name == "port" || strings.HasPrefix(d.Name, "tls-") {
			continue // changing these needs what the build or host lacks
		}
		var v string
		switch d.Kind {
		case KindBool:
			v = map[string]string{"yes": "no", "no": "yes"}[d.Default]
		case KindEnum, KindEnumFlags:
			v = d.Enum[len(d.Enum)-1].Name
		case KindString:
			v = "x"
		default:
			v = strconv.FormatInt(d.def+1, 10)
		}
		compare([]string{d.Name, v}, d.Name)
		compare([]string{d.Name, d.Default}, d.Name)
	}
}

func TestRefFatalErrors(t *testing.T) {
	bin := refBinary(t)
	dir := t.TempDir()
	for i, tt := range loadErrorCases {
		file := filepath.Join(dir, "c"+strconv.Itoa(i)+".conf")
		writeFile(t, file, tt.conf+"\n")
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		cmd := exec.CommandContext(ctx, bin, file, "--port", "0", "--save", "")
		cmd.Dir = dir
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		cmd.Run()
		cancel()
		if want := tt.want() + "\n"; stderr.String() != want {
			t.Errorf("%q: valkey-server printed\n%q\nVolley expects\n%q", tt.conf, stderr.String(), want)
		}
	}
	// Command-line options, and a line count that runs on past the file.
	for _, args := range [][]string{{"--port", "abc"}, {"--hz", "--save", ""}, {"--foo", "bar"}, {"--save", "--x.y"}} {
		var stderr bytes.Buffer
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		cmd := exec.CommandContext(ctx, bin, args...)
		cmd.Dir = dir
		cmd.Stderr = &stderr
		cmd.Run()
		cancel()
		_, err := Load(ParseArgs(args), testOpts)
		if err == nil || stderr.String() != err.Error()+"\n" {
			t.Errorf("%q: valkey-server printed\n%q\nVolley says\n%v", args, stderr.String(), err)
		}
	}
}

// TestRefRewrite rewrites the same file with both and compares the lines,
// ignoring the order of appended ones and the ACL user lines.
func TestRefRewrite(t *testing.T) {
	const original = "# top\nport 1\n\nsave 100 1\nsave 200 2\nhash-max-ziplist-entries 100\nmaxmemory 1gb\nmaxmemory 2gb\nlogfile \"\"\nbogus-line x\n\n\n\nrename-command FLUSHALL \"\"\n"
	bin := refBinary(t)
	dir := t.TempDir()
	file := filepath.Join(dir, "v.conf")
	// Started from the file without the line it would refuse; the line
	// appears before the rewrite, as if edited in meanwhile.
	writeFile(t, file, strings.Replace(original, "bogus-line x\n", "", 1))
	sock := filepath.Join(dir, "s.sock")
	ctx, cancel := context.WithCancel(context.Background())
	args := []string{file, "--port", strconv.Itoa(freePort(t)), "--bind", "127.0.0.1", "--unixsocket", sock, "--dir", dir}
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Dir = dir
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cancel()
		cmd.Wait()
	})
	var conn net.Conn
	var err error
	for range 100 {
		if conn, err = net.Dial("unix", sock); err == nil {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	ref := &refServer{conn: conn, r: bufio.NewReader(conn)}
	c, err := Load(ParseArgs(args), testOpts)
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, file, original)
	for _, kv := range [][]string{
		{"maxmemory-policy", "allkeys-lru"}, {"save", "300 5"}, {"hz", "20"}, {"notify-keyspace-events", "KEA"},
		{"client-output-buffer-limit", "pubsub 1mb 2mb 3"}, {"maxmemory", "0"}, {"latency-tracking-info-percentiles", "1 2.5"},
		{"bind", "* -::*"},
	} {
		ref.do(t, append([]string{"CONFIG", "SET"}, kv...)...)
		if err := set(c, kv...); err != nil {
			t.Fatal(err)
		}
	}
	if v := ref.do(t, "CONFIG", "REWRITE"); v != "OK" {
		t.Fatalf("reference rewrite: %v", v)
	}
	refText := readFile(t, file)
	writeFile(t, file, original)
	if err := c.Rewrite(file); err != nil {
		t.Fatal(err)
	}
	mine := readFile(t, file)
	norm := func(text string) []string {
		var lines []string
		for _, l := range strings.Split(text, "\n") {
			if !strings.HasPrefix(l, "user ") {
				lines = append(lines, l)
			}
		}
		sort.Strings(lines)
		return lines
	}
	if !reflect.DeepEqual(norm(mine), norm(refText)) {
		t.Errorf("rewrite differs:\nVolley:\n%s\nvalkey-server:\n%s", mine, refText)
	}
}
