package engine

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"testing"

	"github.com/volleydb/volley/engine/config"
	"github.com/volleydb/volley/engine/resp"
)

// aofEnv is a fake-clock server with the AOF on in its temporary dir,
// appendfsync always so that BeforeSleep leaves everything in the file.
func aofEnv(t *testing.T) (*testEnv, *FakeClock) {
	t.Helper()
	e, clk := fakeClockEnv(t)
	e.srv.Cfg.AppendFsync = config.FsyncAlways
	e.srv.Cfg.EnableDebugCommand = config.PermitYes
	if err := e.srv.LoadAOF(); err != nil {
		t.Fatal(err)
	}
	if err := e.srv.OpenAOF(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.srv.CloseAOF() })
	return e, clk
}

// reopen starts a new server on e's directory, at the same fake time,
// and loads the AOF.
func (e *testEnv) reopen(t *testing.T, clk *FakeClock) *testEnv {
	t.Helper()
	e.srv.FlushAOF() // written and fsynced whatever appendfsync says
	cfg := config.New()
	cfg.Dir = e.srv.Cfg.Dir
	cfg.EnableDebugCommand = config.PermitYes
	n := &testEnv{t: t, srv: NewServer(cfg, NewLogger(ioDiscard{}, LogWarning)), port: 41000}
	n.srv.Clock = &FakeClock{Ms: clk.Ms}
	n.srv.updateCachedTime(clk.Ms)
	if err := n.srv.LoadAOF(); err != nil {
		t.Fatal(err)
	}
	return n
}

type ioDiscard struct{}

func (ioDiscard) Write(p []byte) (int, error) { return len(p), nil }

// incrFile reads the incr file being written, after BeforeSleep.
func (e *testEnv) incrFile(t *testing.T) []byte {
	t.Helper()
	e.srv.BeforeSleep()
	b, err := os.ReadFile(filepath.Join(e.srv.aofDir(), e.srv.aof.incrName))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// aofCommands decodes an AOF stream into one line per command.
func aofCommands(t *testing.T, b []byte) []string {
	t.Helper()
	ar := newAOFReader(bytes.NewReader(b), 0)
	var out []string
	for {
		argv, err := ar.next()
		if err != nil {
			break
		}
		var parts []string
		for _, a := range argv {
			if bytes.ContainsFunc(a, func(r rune) bool { return r < ' ' || r > '~' }) {
				parts = append(parts, strconv.Quote(string(a)))
			} else {
				parts = append(parts, string(a))
			}
		}
		out = append(out, strings.Join(parts, " "))
	}
	return out
}

// clockTimes are times of the recording's (or the fake) clock, which the
// comparison replaces with T; 4000000000... were given absolutely.
var clockTimes = regexp.MustCompile(`\b1[67][0-9]{11}\b`)

// TestAOFMatchesValkey runs the commands Valkey 9.0.4 was recorded with
// (testdata/aof) and compares the incr file, command by command, with
// the clock's times masked. SPOP's random members are skipped.
func TestAOFMatchesValkey(t *testing.T) {
	e, clk := aofEnv(t)
	c := e.newClient()
	lines, err := os.ReadFile("testdata/aof/valkey-9.0.4-commands.txt")
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(strings.TrimSpace(string(lines)), "\n") {
		args, err := resp.SplitArgs([]byte(line))
		if err != nil {
			t.Fatal(err)
		}
		if strings.EqualFold(string(args[0]), "debug") {
			clk.Ms += 50 // DEBUG SLEEP 0.05: the keys with PX 1 expire
			continue
		}
		clk.Ms++
		c.Out.Reset()
		e.srv.Call(c, args)
	}
	got := aofCommands(t, e.incrFile(t))
	want, err := os.ReadFile("testdata/aof/valkey-9.0.4-commands.incr.aof")
	if err != nil {
		t.Fatal(err)
	}
	gaps := regexp.MustCompile(`^SREM set1`)
	norm := func(ls []string) []string {
		var out []string
		for i := 0; i < len(ls); i++ {
			l := clockTimes.ReplaceAllString(ls[i], "T")
			if gaps.MatchString(l) {
				continue
			}
			out = append(out, l)
		}
		return out
	}
	g, w := norm(got), norm(aofCommands(t, want))
	if strings.Join(g, "\n") != strings.Join(w, "\n") {
		t.Errorf("AOF differs from Valkey's:\n got: %q\nwant: %q", g, w)
	}
}

// TestAOFLayout checks the files a fresh start makes, byte for byte as
// Valkey names and lists them.
func TestAOFLayout(t *testing.T) {
	e, _ := aofEnv(t)
	dir := e.srv.aofDir()
	man, err := os.ReadFile(filepath.Join(dir, "appendonly.aof.manifest"))
	if err != nil {
		t.Fatal(err)
	}
	want, _ := os.ReadFile("testdata/aof/valkey-9.0.4.manifest")
	if string(man) != string(want) {
		t.Fatalf("manifest %q, want %q", man, want)
	}
	base, err := os.ReadFile(filepath.Join(dir, "appendonly.aof.1.base.rdb"))
	if err != nil || !bytes.HasPrefix(base, []byte("VALKEY")) || !bytes.Contains(base, []byte("aof-base\xc0\x01")) {
		t.Fatalf("base %q %v", base, err)
	}
	c := e.newClient()
	e.do(c, "select", "2")
	e.do(c, "set", "k", "v")
	if got := string(e.incrFile(t)); got != "*2\r\n$6\r\nSELECT\r\n$1\r\n2\r\n*3\r\n$3\r\nset\r\n$1\r\nk\r\n$1\r\nv\r\n" {
		t.Fatalf("incr %q", got)
	}
}

// workload runs a random mix of writes of every type, with expiries,
// randomness, scripts and transactions, advancing the clock.
func workload(e *testEnv, clk *FakeClock, r *rand.Rand, n int) { workloadOf(e, clk, r, n, nil) }

// workloadOf is workload with only the operations only allows (nil: all).
func workloadOf(e *testEnv, clk *FakeClock, r *rand.Rand, n int, only map[int]bool) {
	c := e.newClient()
	k := func() string { return "k" + strconv.Itoa(r.IntN(40)) }
	for i := 0; i < n; i++ {
		clk.Ms += int64(r.IntN(30))
		var args []string
		op := r.IntN(24)
		if only != nil && !only[op] {
			continue
		}
		switch op {
		case 0:
			args = []string{"set", k(), strconv.Itoa(i), "px", strconv.Itoa(1 + r.IntN(200))}
		case 1:
			args = []string{"set", k(), "v" + strconv.Itoa(i), "ex", "100", "get"}
		case 2:
			args = []string{"incrbyfloat", "f" + strconv.Itoa(r.IntN(5)), "1.1"}
		case 3:
			args = []string{"sadd", "s" + strconv.Itoa(r.IntN(3)), strconv.Itoa(r.IntN(50)), "m" + strconv.Itoa(r.IntN(50))}
		case 4:
			args = []string{"spop", "s" + strconv.Itoa(r.IntN(3))}
		case 5:
			args = []string{"spop", "s" + strconv.Itoa(r.IntN(3)), strconv.Itoa(r.IntN(8))}
		case 6:
			args = []string{"rpush", "l" + strconv.Itoa(r.IntN(3)), "a", "b", strconv.Itoa(i)}
		case 7:
			l := "l" + strconv.Itoa(r.IntN(3))
			if e.do(c, "llen", l) == ":0\r\n" {
				continue // would block this client
			}
			args = []string{"blpop", l, "0"}
		case 8:
			args = []string{"lmpop", "2", "l0", "l1", "right", "count", "2"}
		case 9:
			args = []string{"zadd", "z", strconv.Itoa(r.IntN(100)), "m" + strconv.Itoa(r.IntN(30))}
		case 10:
			if e.do(c, "zcard", "z") == ":0\r\n" {
				continue
			}
			args = []string{"bzpopmin", "z", "0"}
		case 11:
			args = []string{"hset", "h" + strconv.Itoa(r.IntN(3)), "f" + strconv.Itoa(r.IntN(10)), "v"}
		case 12:
			args = []string{"hexpire", "h" + strconv.Itoa(r.IntN(3)), strconv.Itoa(r.IntN(3)), "fields", "1", "f" + strconv.Itoa(r.IntN(10))}
		case 13:
			args = []string{"hincrbyfloat", "h" + strconv.Itoa(r.IntN(3)), "n", "0.5"}
		case 14:
			args = []string{"expire", k(), strconv.Itoa(r.IntN(3) - 1)}
		case 15:
			args = []string{"pexpire", k(), strconv.Itoa(r.IntN(300))}
		case 16:
			args = []string{"eval", "redis.call('incr', KEYS[1]); redis.call('pexpire', KEYS[1], 50); return 1", "1", "c" + strconv.Itoa(r.IntN(4))}
		case 17:
			e.do(c, "multi")
			e.do(c, "incr", "c"+strconv.Itoa(r.IntN(4)))
			e.do(c, "getex", k(), "px", "80")
			args = []string{"exec"}
		case 18:
			args = []string{"xadd", "st", "*", "f", strconv.Itoa(i)}
		case 19:
			args = []string{"get", k()} // may expire a key lazily
		case 20:
			args = []string{"getdel", k()}
		case 21:
			args = []string{"hsetex", "hx", "px", strconv.Itoa(1 + r.IntN(100)), "fields", "1", "f" + strconv.Itoa(r.IntN(5)), "v"}
		case 22:
			args = []string{"select", strconv.Itoa(r.IntN(2))}
		case 23:
			args = []string{"restore-skip"}
		}
		if args[0] == "restore-skip" {
			e.srv.Cron() // active expiry
			continue
		}
		e.do(c, args...)
		if i%7 == 0 {
			e.srv.BeforeSleep()
		}
	}
}

// TestAOFReplayDeterminism: a random workload replayed from the AOF gives
// the same dataset (DEBUG DIGEST) as the server that wrote it.
func TestAOFReplayDeterminism(t *testing.T) {
	for seed := uint64(1); seed <= 4; seed++ {
		e, clk := aofEnv(t)
		workload(e, clk, rand.New(rand.NewPCG(seed, 9)), 600)
		before := e.digest()
		n := e.reopen(t, clk)
		if after := n.digest(); after != before {
			t.Fatalf("seed %d: digest after replay %s, before %s", seed, after, before)
		}
		e.srv.CloseAOF()
	}
}

// TestAOFRewriteWhileWriting: writes between the steps of a rewrite go to
// the new incr file; loading base and incr gives the live dataset, and the
// old files are gone from the manifest and the directory.
func TestAOFRewriteWhileWriting(t *testing.T) {
	e, clk := aofEnv(t)
	r := rand.New(rand.NewPCG(7, 7))
	workload(e, clk, r, 400)
	c := e.newClient()
	if got := e.do(c, "bgrewriteaof"); got != "+Background append only file rewriting started\r\n" {
		t.Fatal(got)
	}
	if got := e.do(c, "bgrewriteaof"); got != "-ERR Background append only file rewriting already in progress\r\n" {
		t.Fatal(got)
	}
	if got := e.do(c, "bgsave"); got != "-ERR Another child process is active (AOF?): can't BGSAVE right now. Use BGSAVE SCHEDULE in order to schedule a BGSAVE whenever possible.\r\n" {
		t.Fatal(got)
	}
	if got := e.do(c, "bgsave", "schedule"); got != "+Background saving scheduled\r\n" {
		t.Fatal(got)
	}
	for {
		workload(e, clk, r, 5)
		more, _ := e.srv.bgsaveStep()
		if !more {
			break
		}
	}
	e.srv.finishBackground()
	workload(e, clk, r, 100)
	if !strings.Contains(e.do(c, "info", "persistence"), "aof_rewrites:1\r\n") {
		t.Fatal("aof_rewrites")
	}
	man, _ := os.ReadFile(filepath.Join(e.srv.aofDir(), "appendonly.aof.manifest"))
	if string(man) != "file appendonly.aof.2.base.rdb seq 2 type b\nfile appendonly.aof.2.incr.aof seq 2 type i\n" {
		t.Fatalf("manifest %q", man)
	}
	before := e.digest()
	n := e.reopen(t, clk)
	if after := n.digest(); after != before {
		t.Fatalf("digest after rewrite and replay %s, before %s", after, before)
	}
}

// TestAOFTruncatedTail: a file cut inside a command loads up to the last
// whole one with aof-load-truncated yes (and is truncated there), and
// does not load with no.
func TestAOFTruncatedTail(t *testing.T) {
	e, clk := aofEnv(t)
	c := e.newClient()
	e.do(c, "set", "a", "1")
	e.do(c, "set", "b", "2")
	data := e.incrFile(t)
	path := filepath.Join(e.srv.aofDir(), e.srv.aof.incrName)
	e.srv.CloseAOF()
	cut := len(data) - 5
	if err := os.WriteFile(path, data[:cut], 0o644); err != nil {
		t.Fatal(err)
	}
	n := e.reopen(t, clk)
	if got := n.do(n.newClient(), "mget", "a", "b"); got != "*2\r\n$1\r\n1\r\n$-1\r\n" {
		t.Fatalf("after truncated load: %q", got)
	}
	fi, _ := os.Stat(path)
	if want := int64(bytes.LastIndex(data, []byte("*3\r\n"))); fi.Size() != want {
		t.Fatalf("truncated to %d, want %d", fi.Size(), want)
	}
	// Cut again, and refuse.
	_ = os.WriteFile(path, data[:cut], 0o644)
	cfg := config.New()
	cfg.Dir = e.srv.Cfg.Dir
	if err := cfg.LoadString("aof-load-truncated no", config.LoadOptions{}); err != nil {
		t.Fatal(err)
	}
	s := NewServer(cfg, NewLogger(ioDiscard{}, LogWarning))
	if err := s.LoadAOF(); err == nil || !strings.Contains(err.Error(), "unexpected end of file") {
		t.Fatalf("load with aof-load-truncated no: %v", err)
	}
}

// TestAOFIncompleteMulti: a transaction without its EXEC at the end of
// the file is dropped, as a truncated tail.
func TestAOFIncompleteMulti(t *testing.T) {
	dir := t.TempDir()
	aofDir := filepath.Join(dir, "appendonlydir")
	_ = os.MkdirAll(aofDir, 0o755)
	_ = os.WriteFile(filepath.Join(aofDir, "appendonly.aof.manifest"), []byte("file appendonly.aof.1.incr.aof seq 1 type i\n"), 0o644)
	body := "*3\r\n$3\r\nset\r\n$1\r\na\r\n$1\r\n1\r\n*1\r\n$5\r\nMULTI\r\n*3\r\n$3\r\nset\r\n$1\r\nb\r\n$1\r\n2\r\n"
	_ = os.WriteFile(filepath.Join(aofDir, "appendonly.aof.1.incr.aof"), []byte(body), 0o644)
	cfg := config.New()
	cfg.Dir = dir
	e := &testEnv{t: t, srv: NewServer(cfg, NewLogger(ioDiscard{}, LogWarning)), port: 42000}
	if err := e.srv.LoadAOF(); err != nil {
		t.Fatal(err)
	}
	if got := e.do(e.newClient(), "mget", "a", "b"); got != "*2\r\n$1\r\n1\r\n$-1\r\n" {
		t.Fatalf("got %q", got)
	}
	fi, _ := os.Stat(filepath.Join(aofDir, "appendonly.aof.1.incr.aof"))
	if fi.Size() != int64(strings.Index(body, "*1\r\n$5")) {
		t.Fatalf("size %d", fi.Size())
	}
}

// TestAOFLegacyFile: a single appendonly.aof in dir (with an RDB preamble
// and a command tail) is moved into appenddirname and loaded.
func TestAOFLegacyFile(t *testing.T) {
	src := newTestEnv(t)
	c := src.newClient()
	src.do(c, "set", "x", "1")
	var buf bytes.Buffer
	if err := src.srv.writeRDBStream(&buf, true); err != nil {
		t.Fatal(err)
	}
	buf.WriteString("*2\r\n$4\r\nincr\r\n$1\r\nx\r\n")
	dir := t.TempDir()
	_ = os.WriteFile(filepath.Join(dir, "appendonly.aof"), buf.Bytes(), 0o644)
	cfg := config.New()
	cfg.Dir = dir
	e := &testEnv{t: t, srv: NewServer(cfg, NewLogger(ioDiscard{}, LogWarning)), port: 42000}
	if err := e.srv.LoadAOF(); err != nil {
		t.Fatal(err)
	}
	if got := e.do(e.newClient(), "get", "x"); got != "$1\r\n2\r\n" {
		t.Fatalf("got %q", got)
	}
	man, _ := os.ReadFile(filepath.Join(dir, "appendonlydir", "appendonly.aof.manifest"))
	if string(man) != "file appendonly.aof seq 1 type b\n" {
		t.Fatalf("manifest %q", man)
	}
}

// TestAOFConfigSetAppendonly turns the AOF on at run time: a rewrite
// makes the first base and incr file from the writes since it started.
func TestAOFConfigSetAppendonly(t *testing.T) {
	e, clk := fakeClockEnv(t)
	c := e.newClient()
	e.do(c, "set", "before", "1")
	if got := e.do(c, "config", "set", "appendonly", "yes"); got != "+OK\r\n" {
		t.Fatal(got)
	}
	e.do(c, "set", "during", "2")
	e.srv.finishBackground()
	e.do(c, "set", "after", "3")
	man, _ := os.ReadFile(filepath.Join(e.srv.aofDir(), "appendonly.aof.manifest"))
	if string(man) != "file appendonly.aof.1.base.rdb seq 1 type b\nfile appendonly.aof.1.incr.aof seq 1 type i\n" {
		t.Fatalf("manifest %q", man)
	}
	info := e.do(c, "info", "persistence")
	for _, f := range []string{"aof_enabled:1\r\n", "aof_rewrites:1\r\n", "aof_last_bgrewrite_status:ok\r\n", "aof_rewrite_in_progress:0\r\n"} {
		if !strings.Contains(info, f) {
			t.Fatalf("INFO lacks %q:\n%s", f, info)
		}
	}
	before := e.digest()
	n := e.reopen(t, clk)
	if after := n.digest(); after != before {
		t.Fatalf("digest %s, want %s", after, before)
	}
	if got := e.do(c, "config", "set", "appendonly", "no"); got != "+OK\r\n" {
		t.Fatal(got)
	}
	if !strings.Contains(e.do(c, "info", "persistence"), "aof_enabled:0\r\n") {
		t.Fatal("still enabled")
	}
}

// TestAOFDebugLoadAOF reloads the dataset from the files.
func TestAOFDebugLoadAOF(t *testing.T) {
	e, _ := aofEnv(t)
	c := e.newClient()
	e.do(c, "set", "a", "1")
	e.do(c, "incrbyfloat", "f", "2.5")
	before := e.digest()
	if got := e.do(c, "debug", "loadaof"); got != "+OK\r\n" {
		t.Fatal(got)
	}
	if after := e.digest(); after != before {
		t.Fatalf("digest %s, want %s", after, before)
	}
}

// TestAOFWriteErrorMisconf: while the file cannot be written, writes get
// MISCONF with the system's error, and they work again once it can.
func TestAOFWriteErrorMisconf(t *testing.T) {
	e, _ := aofEnv(t)
	e.srv.Cfg.AppendFsync = config.FsyncEverysec
	c := e.newClient()
	w := e.srv.aof.w
	w.mu.Lock()
	good := w.f
	bad, _ := os.Open(os.DevNull) // read-only: writes fail with EBADF
	w.f = osAOFFile{bad}
	w.mu.Unlock()
	e.do(c, "set", "a", "1")
	e.srv.BeforeSleep()
	_ = w.sync()
	e.srv.aofFlush()
	if got := e.do(c, "set", "b", "2"); got != "-MISCONF Errors writing to the AOF file: Bad file descriptor\r\n" {
		t.Fatalf("got %q", got)
	}
	if !strings.Contains(e.do(c, "info", "persistence"), "aof_last_write_status:err\r\n") {
		t.Fatal("status")
	}
	w.mu.Lock()
	w.f = good
	w.mu.Unlock()
	for w.lastError() != nil { // the writer retries when kicked
		w.kick()
		runtime.Gosched()
	}
	e.srv.aofFlush()
	if got := e.do(c, "set", "b", "2"); got != "+OK\r\n" {
		t.Fatalf("got %q", got)
	}
	bad.Close()
}

func TestAOFManifestParse(t *testing.T) {
	for _, tc := range []struct{ in, err string }{
		{"file a seq 1 type b\nfile h seq 1 type h\nfile i1 seq 1 type i\nfile i2 seq 2 type i\n", ""},
		{"# comment\nfile a seq 1 type b\n", ""},
		{"", "Found an empty AOF manifest"},
		{"file a seq 1 type b", "too long line"},
		{"file a seq 1\n", "Invalid AOF manifest file format"},
		{"file a seq 0 type b\n", "Invalid AOF manifest file format"},
		{"file ../a seq 1 type b\n", "File can't be a path"},
		{"file a seq 1 type b\nfile b seq 2 type b\n", "duplicate base"},
		{"file a seq 2 type i\nfile b seq 2 type i\n", "non-monotonic"},
		{"file a seq 1 type x\n", "Unknown AOF file type"},
		{"file \"a b\" seq 1 type b extra 1\n", ""},
		{"\n", "Invalid AOF manifest file format"},
	} {
		m, err := parseManifest([]byte(tc.in))
		if tc.err == "" {
			if err != nil {
				t.Errorf("%q: %v", tc.in, err)
				continue
			}
			m2, err := parseManifest(m.format())
			if err != nil || string(m2.format()) != string(m.format()) {
				t.Errorf("%q: round trip %q %v", tc.in, m.format(), err)
			}
			continue
		}
		if err == nil || !strings.Contains(err.Error(), tc.err) {
			t.Errorf("%q: error %v, want %q", tc.in, err, tc.err)
		}
	}
	m := &aofManifest{}
	m.base = &aofInfo{name: "a b", seq: 1, typ: 'b'}
	if got := string(m.format()); got != "file \"a b\" seq 1 type b\n" {
		t.Errorf("quoted name %q", got)
	}
}

func FuzzAOFManifest(f *testing.F) {
	f.Add([]byte("file appendonly.aof.1.base.rdb seq 1 type b\nfile appendonly.aof.1.incr.aof seq 1 type i\n"))
	f.Add([]byte("# x\nfile \"a\\x00b\" seq 3 type h\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := parseManifest(data)
		if err != nil {
			return
		}
		out := m.format()
		m2, err := parseManifest(out)
		if err != nil {
			t.Fatalf("formatted manifest %q does not parse: %v", out, err)
		}
		if !bytes.Equal(m2.format(), out) {
			t.Fatalf("round trip %q != %q", m2.format(), out)
		}
	})
}

// FuzzAOFReader: any stream is read without panicking, and a stream of
// well-formed commands gives them back whole, whatever was appended.
func FuzzAOFReader(f *testing.F) {
	f.Add([]byte("*2\r\n$3\r\nget\r\n$1\r\na\r\n#TS:1\r\n*1\r\n$4\r\nPING\r\n"), []byte("x"))
	f.Add([]byte("*1\r\n$999999999\r\nab"), []byte(""))
	f.Fuzz(func(t *testing.T, data, tail []byte) {
		ar := newAOFReader(bytes.NewReader(data), 0)
		var cmds [][][]byte
		for range 1000 {
			argv, err := ar.next()
			if err != nil {
				break
			}
			var cp [][]byte
			for _, a := range argv {
				cp = append(cp, bytes.Clone(a))
			}
			cmds = append(cmds, cp)
		}
		// Re-encode what was read, append the tail: the commands come back.
		var enc []byte
		for _, c := range cmds {
			enc = appendCommand(enc, c)
		}
		n := len(cmds)
		ar = newAOFReader(bytes.NewReader(append(enc, tail...)), 0)
		for i := 0; i < n; i++ {
			argv, err := ar.next()
			if err != nil {
				t.Fatalf("command %d: %v", i, err)
			}
			if fmt.Sprint(argv) != fmt.Sprint(cmds[i]) {
				t.Fatalf("command %d: %q, want %q", i, argv, cmds[i])
			}
		}
	})
}

// TestAOFOffKeepsNoScratch: with nothing consuming propagation, the
// rewrites of relative times keep nothing between commands.
func TestAOFOffKeepsNoScratch(t *testing.T) {
	e, _ := fakeClockEnv(t)
	c := e.newClient()
	for _, cmd := range []string{"set k v ex 100", "expire k 100", "getex k px 100", "xadd s * f v"} {
		e.do(c, strings.Fields(cmd)...)
	}
	if p := &e.srv.prop; len(p.num) != 0 || len(p.buf) != 0 || len(p.ops) != 0 {
		t.Fatalf("propagation off kept num %q buf %q ops %d", p.num, p.buf, len(p.ops))
	}
}

// TestAOFHgetexChangedFields: HGETEX propagates the fields it changed and
// their count, not the fields it was given (as Valkey 9.0.4 writes them).
func TestAOFHgetexChangedFields(t *testing.T) {
	e, _ := aofEnv(t)
	c := e.newClient()
	for _, cmd := range []string{
		"hset h a 1 b 2 c 3",
		"hexpire h 100 fields 1 a",
		"hgetex h persist fields 3 a b zz",
		"hgetex h ex 100 fields 3 a zz b",
		"hgetex h exat 1 fields 2 zz c",
		"hgetex h persist fields 1 zz",
	} {
		e.do(c, strings.Fields(cmd)...)
	}
	got := strings.Join(aofCommands(t, e.incrFile(t)), "\n")
	want := strings.Join([]string{
		"SELECT 0",
		"hset h a 1 b 2 c 3",
		"HPEXPIREAT h T fields 1 a",
		"HPERSIST h FIELDS 1 a",
		"HPEXPIREAT h T FIELDS 2 a b",
		"HDEL h c",
	}, "\n")
	if got = clockTimes.ReplaceAllString(got, "T"); got != want {
		t.Fatalf("AOF:\n%s\nwant:\n%s", got, want)
	}
}

// TestAOFActiveFieldExpiryUnit: active expiry of a hash's fields that
// empties the hash propagates the HDEL and the key's deletion as one
// unit, in MULTI/EXEC, as Valkey 9.0.4 writes them; a hash left with
// fields gets its HDEL alone.
func TestAOFActiveFieldExpiryUnit(t *testing.T) {
	e, clk := aofEnv(t)
	c := e.newClient()
	for _, cmd := range []string{
		"hset q2 a 1 b 2 c 3",
		"hpexpire q2 200 fields 2 a b",
		"hset q3 a 1",
		"hpexpire q3 200 fields 1 a",
	} {
		e.do(c, strings.Fields(cmd)...)
	}
	clk.Ms += 1000
	e.srv.activeExpireFields(clk.Ms)
	got := aofCommands(t, e.incrFile(t))
	if len(got) < 5 {
		t.Fatalf("AOF %q", got)
	}
	tail := strings.Join(got[5:], "\n")
	for _, want := range []string{"HDEL q2 a b", "MULTI\nHDEL q3 a\nUNLINK q3\nEXEC"} {
		if !strings.Contains(tail, want) {
			t.Errorf("AOF after the expiry:\n%s\nwant it to hold:\n%s", tail, want)
		}
	}
	if strings.Count(tail, "MULTI") != 1 {
		t.Errorf("AOF after the expiry:\n%s\nwant one MULTI", tail)
	}
}
