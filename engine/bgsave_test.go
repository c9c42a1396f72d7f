package engine

import (
	"bytes"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// bgsaveEnv is a server with a fake clock near the real one (the save
// points compare it with the start time), and rdb-key-save-delay set so
// that each step of a background save writes one bucket: commands run
// between steps see the save part-way.
func bgsaveEnv(t *testing.T) (*testEnv, *Client, *FakeClock) {
	e := newTestEnv(t)
	clk := &FakeClock{Ms: time.Now().UnixMilli()}
	e.srv.Clock = clk
	e.srv.updateCachedTime(clk.Ms)
	e.srv.Cfg.RDBKeySaveDelay = 1
	return e, e.newClient(), clk
}

// finishBGSave runs the running save's steps to the end, with between
// steps what between wants to do, then applies the writer's outcome as
// the driver would.
func finishBGSave(t *testing.T, s *Server, between func(step int)) {
	t.Helper()
	bg := s.bgsave.run
	if bg == nil {
		t.Fatal("no background save is running")
	}
	for step := 0; ; step++ {
		if more, _ := s.bgsaveStep(); !more {
			break
		}
		if between != nil {
			between(step)
		}
		if s.bgsave.run != bg {
			return // stopped
		}
	}
	s.bgsaveDone(bg, bg.out.wait())
}

// loadFile loads path into a fresh server whose clock reads ms, and
// returns its DEBUG DIGEST.
func loadFile(t *testing.T, path string, ms int64) (*testEnv, string) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	e := newTestEnv(t)
	e.srv.Clock = &FakeClock{Ms: ms}
	if _, err := e.srv.readRDB(bytes.NewReader(b), int64(len(b)), false); err != nil {
		t.Fatalf("loading the saved file: %v", err)
	}
	return e, e.digest()
}

// fillAllTypes makes keys of every type and encoding in databases 0 to 2,
// some with a time to live and some hashes with field TTLs.
func fillAllTypes(e *testEnv, c *Client) {
	for db := 0; db < 3; db++ {
		e.do(c, "select", strconv.Itoa(db))
		for i := range 60 {
			n := strconv.Itoa(i)
			e.do(c, "set", "s:"+n, strings.Repeat("v", i%40)+n)
			e.do(c, "set", "i:"+n, n)
			e.do(c, "rpush", "l:"+n, "a", "b", n)
			e.do(c, "hset", "h:"+n, "f1", "1", "f2", n, "f3", "x")
			e.do(c, "sadd", "st:"+n, "1", "2", n)
			e.do(c, "sadd", "ss:"+n, "a", "b", "m"+n)
			e.do(c, "zadd", "z:"+n, "1", "a", "2", "b", n, "m"+n)
			if i%5 == 0 {
				e.do(c, "expire", "s:"+n, "5")
				e.do(c, "hexpire", "h:"+n, "3", "fields", "1", "f1")
			}
		}
		// Encodings that hold Go objects, which commands change in place.
		for i := range 300 {
			n := strconv.Itoa(i)
			e.do(c, "zadd", "bigz", n, "member:"+n)
			e.do(c, "hset", "bigh", "field:"+n, n)
			e.do(c, "sadd", "bigs", "member:"+n)
			e.do(c, "rpush", "bigl", strings.Repeat("x", 100)+n)
		}
		e.do(c, "hexpire", "bigh", "4", "fields", "2", "field:1", "field:2")
	}
	e.do(c, "select", "0")
}

// TestBGSaveImageIsTheStart: whatever the commands run while a background
// save is under way do, the file holds the dataset of the moment it
// started, the same DEBUG DIGEST. The workload changes keys in place,
// deletes and renames them, moves them between databases, swaps and
// flushes databases, and lets keys and hash fields expire.
func TestBGSaveImageIsTheStart(t *testing.T) {
	for seed := uint64(1); seed <= 4; seed++ {
		e, c, clk := bgsaveEnv(t)
		fillAllTypes(e, c)
		start := clk.Ms
		want := e.digest()
		if got := e.do(c, "bgsave"); got != "+Background saving started\r\n" {
			t.Fatalf("BGSAVE: %q", got)
		}
		rng := rand.New(rand.NewPCG(seed, 7))
		key := func(prefix string) string { return prefix + strconv.Itoa(rng.IntN(60)) }
		ops := []func() []string{
			func() []string { return []string{"set", key("s:"), "new"} },
			func() []string { return []string{"append", key("s:"), "tail"} },
			func() []string { return []string{"setrange", key("s:"), "1", "ZZ"} },
			func() []string { return []string{"incr", key("i:")} },
			func() []string { return []string{"del", key("l:")} },
			func() []string { return []string{"lpush", key("l:"), "front"} },
			func() []string { return []string{"lset", key("l:"), "0", "changed"} },
			func() []string { return []string{"hset", key("h:"), "f2", "changed", "f9", "new"} },
			func() []string { return []string{"hdel", key("h:"), "f3"} },
			func() []string { return []string{"hpersist", key("h:"), "fields", "1", "f1"} },
			func() []string { return []string{"sadd", key("st:"), "99"} },
			func() []string { return []string{"srem", key("ss:"), "a"} },
			func() []string { return []string{"zincrby", key("z:"), "5", "a"} },
			func() []string { return []string{"zadd", "bigz", "-1", "member:" + strconv.Itoa(rng.IntN(300))} },
			func() []string { return []string{"hset", "bigh", "field:" + strconv.Itoa(rng.IntN(300)), "changed"} },
			func() []string { return []string{"srem", "bigs", "member:" + strconv.Itoa(rng.IntN(300))} },
			func() []string { return []string{"lpop", "bigl"} },
			func() []string { return []string{"expire", key("st:"), "100"} },
			func() []string { return []string{"persist", key("s:")} },
			func() []string { return []string{"rename", key("z:"), key("z:")} },
			func() []string { return []string{"move", key("h:"), "1"} },
			func() []string { return []string{"copy", key("l:"), key("l:"), "db", "2", "replace"} },
			func() []string { return []string{"select", strconv.Itoa(rng.IntN(3))} },
			func() []string { return []string{"unlink", key("s:"), key("i:")} },
			func() []string { return []string{"swapdb", "0", "1"} },
		}
		finishBGSave(t, e.srv, func(step int) {
			for range 3 {
				e.do(c, ops[rng.IntN(len(ops))]()...)
			}
			switch step {
			case 40:
				clk.Advance(10 * time.Second) // keys and fields with a TTL expire
				e.srv.Cron()
			case 80:
				e.do(c, "select", "2")
				e.do(c, "flushdb")
			}
		})
		if st := &e.srv.bgsave; st.run != nil || st.lastErr {
			t.Fatalf("seed %d: the save did not end well: running %v, failed %v", seed, st.run != nil, st.lastErr)
		}
		if _, got := loadFile(t, e.srv.rdbPath(), start); got != want {
			t.Errorf("seed %d: the saved image has digest %q, the dataset at the start %q", seed, got, want)
		}
	}
}

// TestBGSaveCommand pins BGSAVE's replies and what a finished save
// leaves in INFO, LASTSAVE and the changes count.
func TestBGSaveCommand(t *testing.T) {
	e, c, clk := bgsaveEnv(t)
	fillAllTypes(e, c)
	e.expect(c, []replyCase{
		rc("bgsave", "+Background saving started\r\n"),
		rc("bgsave", "-ERR Background save already in progress\r\n"),
		rc("bgsave schedule", "-ERR Background save already in progress\r\n"),
		rc("save", "-ERR Background save already in progress\r\n"),
		rc("bgsave now", "-ERR syntax error\r\n"),
		rc("bgsave schedule now", "-ERR syntax error\r\n"),
	})
	info := e.do(c, "info", "persistence")
	for _, f := range []string{"rdb_bgsave_in_progress:1\r\n", "rdb_current_bgsave_time_sec:0\r\n", "rdb_saves:1\r\n",
		"current_save_keys_total:" + strconv.Itoa(3*(7*60+4)) + "\r\n"} {
		if !strings.Contains(info, f) {
			t.Errorf("INFO during the save lacks %q:\n%s", f, info)
		}
	}
	if stats := e.do(c, "info", "stats"); !strings.Contains(stats, "\r\ntotal_forks:1\r\n") {
		t.Errorf("INFO stats: the snapshot is not counted as Valkey counts its fork:\n%s", stats)
	}
	e.do(c, "set", "during", "1")
	e.do(c, "set", "during", "2")
	clk.Advance(3 * time.Second)
	finishBGSave(t, e.srv, nil)
	e.expect(c, []replyCase{
		rc("lastsave", ":"+strconv.FormatInt(clk.Ms/1000, 10)+"\r\n"),
		rc("bgsave cancel", "-ERR Background saving is currently not in progress or scheduled\r\n"),
	})
	info = e.do(c, "info", "persistence")
	for _, f := range []string{"rdb_bgsave_in_progress:0\r\n", "rdb_changes_since_last_save:2\r\n",
		"rdb_last_bgsave_status:ok\r\n", "rdb_current_bgsave_time_sec:-1\r\n", "current_save_keys_total:0\r\n"} {
		if !strings.Contains(info, f) {
			t.Errorf("INFO after the save lacks %q:\n%s", f, info)
		}
	}
	if _, err := os.Stat(e.srv.rdbPath()); err != nil {
		t.Fatalf("no file after the save: %v", err)
	}
	noTempFiles(t, e.srv.Cfg.Dir)
}

// noTempFiles fails if a temporary RDB file is left in dir.
func noTempFiles(t *testing.T, dir string) {
	t.Helper()
	left, _ := filepath.Glob(filepath.Join(dir, "temp-*.rdb"))
	if len(left) > 0 {
		t.Errorf("temporary files left behind: %v", left)
	}
}

// TestBGSaveCancelAndSchedule: CANCEL stops a running save and removes
// its file; BGSAVE inside EXEC is scheduled and started by the cron;
// FLUSHALL and SHUTDOWN's save stop a running save.
func TestBGSaveCancelAndSchedule(t *testing.T) {
	e, c, _ := bgsaveEnv(t)
	fillAllTypes(e, c)
	e.expect(c, []replyCase{
		rc("bgsave", "+Background saving started\r\n"),
		rc("bgsave cancel", "+Background saving cancelled\r\n"),
		rc("bgsave cancel", "-ERR Background saving is currently not in progress or scheduled\r\n"),
		rc("multi", "+OK\r\n"),
		rc("bgsave", "+QUEUED\r\n"),
		rc("exec", "*1\r\n+Background saving scheduled\r\n"),
		rc("bgsave cancel", "+Scheduled background saving cancelled\r\n"),
		rc("multi", "+OK\r\n"),
		rc("bgsave", "+QUEUED\r\n"),
		rc("exec", "*1\r\n+Background saving scheduled\r\n"),
	})
	if _, err := os.Stat(e.srv.rdbPath()); !os.IsNotExist(err) {
		t.Fatalf("a cancelled save left a file: %v", err)
	}
	noTempFiles(t, e.srv.Cfg.Dir)
	if e.srv.bgsave.lastErr {
		t.Error("a cancelled save counts as failed")
	}
	e.srv.Cron()
	if e.srv.bgsave.run == nil {
		t.Fatal("the cron did not start the scheduled save")
	}
	// FLUSHALL stops it, and with save points writes the empty dataset.
	e.expect(c, []replyCase{rc("flushall", "+OK\r\n"), rc("dbsize", ":0\r\n")})
	if e.srv.bgsave.run != nil {
		t.Fatal("FLUSHALL left the save running")
	}
	noTempFiles(t, e.srv.Cfg.Dir)
	if _, got := loadFile(t, e.srv.rdbPath(), 0); got != "+"+strings.Repeat("0", 40)+"\r\n" {
		t.Errorf("the file after FLUSHALL is not empty: digest %q", got)
	}

	// The shutdown save stops a running save and writes its own.
	e.do(c, "set", "k", "v")
	want := e.digest()
	e.do(c, "bgsave")
	e.do(c, "set", "k", "after")
	if err := e.srv.PrepareShutdown(0); err != nil {
		t.Fatal(err)
	}
	if e.srv.bgsave.run != nil {
		t.Fatal("the shutdown left the save running")
	}
	e.do(c, "set", "k", "v")
	want = e.digest()
	if err := e.srv.PrepareShutdown(ShutdownSave); err != nil {
		t.Fatal(err)
	}
	if _, got := loadFile(t, e.srv.rdbPath(), 0); got != want {
		t.Errorf("shutdown file digest %q, want %q", got, want)
	}
	noTempFiles(t, e.srv.Cfg.Dir)
}

// misconf is the MISCONF reply once a background save has failed.
const misconf = "-MISCONF Valkey is configured to save RDB snapshots, but it's currently unable to persist to disk. " +
	"Commands that may modify the data set are disabled, because this instance is configured to report errors " +
	"during writes if RDB snapshotting fails (stop-writes-on-bgsave-error option). Please check the Valkey logs " +
	"for details about the RDB error.\r\n"

// TestBGSaveFailure: a failed background save sets the status to err,
// and with stop-writes-on-bgsave-error writes and PING are refused with
// MISCONF until a save succeeds, while reads go on.
func TestBGSaveFailure(t *testing.T) {
	e, c, clk := bgsaveEnv(t)
	e.do(c, "set", "k", "v")
	dir := e.srv.Cfg.Dir
	e.srv.Cfg.Dir = filepath.Join(dir, "missing")
	e.expect(c, []replyCase{
		rc("bgsave", "-ERR\r\n"),
		rc("set k w", misconf),
		rc("ping", misconf),
		rc("get k", bulk("v")),
		rc("multi", "+OK\r\n"),
		rc("set k w", misconf),
		rc("exec", "-EXECABORT Transaction discarded because of previous errors.\r\n"),
		rc("multi", "+OK\r\n"),
		rc("get k", "+QUEUED\r\n"),
		rc("exec", "*1\r\n"+bulk("v")),
	})
	// Inside a script a write is refused the same way, until the script
	// has written (replies recorded from Valkey 9.0.4).
	scriptErr := strings.TrimSuffix(misconf, "\r\n")
	for _, sc := range []struct{ body, want string }{
		{"return redis.call('set','k','w')", scriptErr + " script: 7822ea6ad7bd20a3f95a07458fc7088142fcfc19, on @user_script:1.\r\n"},
		{"return redis.pcall('set','k','w')", misconf},
	} {
		if got := e.do(c, "eval", sc.body, "0"); got != sc.want {
			t.Errorf("EVAL %s during a save failure:\n got %q\nwant %q", sc.body, got, sc.want)
		}
	}
	if !strings.Contains(e.do(c, "info", "persistence"), "rdb_last_bgsave_status:err\r\n") {
		t.Error("INFO does not report the failure")
	}
	e.expect(c, []replyCase{
		rc("config set stop-writes-on-bgsave-error no", "+OK\r\n"),
		rc("set k w", "+OK\r\n"),
		rc("config set stop-writes-on-bgsave-error yes", "+OK\r\n"),
		rc("config set extended-redis-compatibility yes", "+OK\r\n"),
		rc("ping", strings.ReplaceAll(misconf, "Valkey", "Redis")),
		rc("config set extended-redis-compatibility no", "+OK\r\n"),
	})

	// The save points retry only after bgsaveRetryDelay seconds.
	e.srv.Cfg.Save = []SavePoint{{1, 1}}
	e.srv.Cfg.Dir = dir
	e.srv.Dirty = 5
	clk.Advance(2 * time.Second)
	e.srv.Cron()
	if e.srv.bgsave.run != nil {
		t.Fatal("a failed save was retried before the retry delay")
	}
	clk.Advance(bgsaveRetryDelay * time.Second)
	e.srv.Cron()
	if e.srv.bgsave.run == nil {
		t.Fatal("the save point did not start a save after the retry delay")
	}
	finishBGSave(t, e.srv, nil)
	e.expect(c, []replyCase{rc("set k x", "+OK\r\n"), rc("ping", "+PONG\r\n")})

	// A save that fails once started: the directory goes away under it.
	e.srv.Cfg.Dir = filepath.Join(dir, "sub")
	if err := os.Mkdir(e.srv.Cfg.Dir, 0o755); err != nil {
		t.Fatal(err)
	}
	e.do(c, "bgsave")
	if err := os.RemoveAll(e.srv.Cfg.Dir); err != nil {
		t.Fatal(err)
	}
	finishBGSave(t, e.srv, nil)
	if !e.srv.bgsave.lastErr {
		t.Error("a save whose file vanished did not fail")
	}
}

// SavePoint is config's, for the tests' readability.
type SavePoint = [2]int64

// TestSavePoints: the cron starts a background save when a save point's
// changes and seconds are both reached, and only then.
func TestSavePoints(t *testing.T) {
	e, c, clk := bgsaveEnv(t)
	e.srv.Cfg.Save = []SavePoint{{60, 3}, {10, 100}}
	start := e.srv.lastSave()
	clk.Ms = start * 1000
	for i := range 3 {
		e.do(c, "set", "k"+strconv.Itoa(i), "v")
	}
	clk.Advance(60 * time.Second) // 60 s since the start is not more than 60
	e.srv.Cron()
	if e.srv.bgsave.run != nil {
		t.Fatal("started at exactly the save point's seconds")
	}
	clk.Advance(time.Second)
	e.srv.Cron()
	if e.srv.bgsave.run == nil {
		t.Fatal("3 changes in 61 s did not start a save")
	}
	finishBGSave(t, e.srv, nil)
	if got := e.do(c, "lastsave"); got != ":"+strconv.FormatInt(start+61, 10)+"\r\n" {
		t.Errorf("LASTSAVE %q", got)
	}
	e.do(c, "set", "k", "v")
	clk.Advance(100 * time.Second)
	e.srv.Cron()
	if e.srv.bgsave.run != nil {
		t.Fatal("1 change started a save")
	}
}
