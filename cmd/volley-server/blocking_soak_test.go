package main

import (
	"bufio"
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/volleydb/volley/engine/resp"
)

// TestBlockingSoak runs blocking list commands against the real binary
// under concurrency: soakBlockers clients block with BLPOP, BRPOP, BLMOVE
// and BLMPOP (timeouts from none to a second) on a small key space while
// pushers add unique elements, and blocked clients disconnect at random.
// Afterwards every pushed element must have been popped exactly once or
// still be in a list, the server must keep no blocked-client bookkeeping,
// and goroutines and memory must be back where they started.
//
// It runs VOLLEY_SOAK_SECONDS seconds (default 5).
func TestBlockingSoak(t *testing.T) {
	if testing.Short() {
		t.Skip("soak test")
	}
	dur := 5 * time.Second
	if v := os.Getenv("VOLLEY_SOAK_SECONDS"); v != "" {
		n, err := strconv.ParseFloat(v, 64)
		if err != nil || n <= 0 {
			t.Fatalf("VOLLEY_SOAK_SECONDS=%q", v)
		}
		dur = time.Duration(n * float64(time.Second))
	}
	// The runtime's scheduler trace lists the server's goroutines once a
	// second, which is how the test counts them from outside.
	t.Setenv("GODEBUG", "schedtrace=1000,scheddetail=1")
	s := startServer(t)
	admin := dialSoak(t, s)

	testGoroutines := runtime.NumGoroutine()
	admin.must("MEMORY", "PURGE")
	baseUsed, baseRSS := soakMemory(t, admin)
	baseG := serverGoroutines(t, s, 0)

	st := &soakState{s: s, stop: make(chan struct{})}
	var wg sync.WaitGroup
	for i := range soakBlockers {
		wg.Add(1)
		go func() { defer wg.Done(); st.blocker(uint64(i)) }()
	}
	var pwg sync.WaitGroup
	for i := range soakPushers {
		pwg.Add(1)
		go func() { defer pwg.Done(); st.pusher(i) }()
	}
	time.Sleep(dur)
	close(st.stop)
	pwg.Wait()
	// Free the clients still waiting with no timeout: unblock every
	// client until every blocker has returned.
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	deadline := time.After(60 * time.Second)
unblock:
	for {
		for _, id := range st.liveIDs() {
			admin.must("CLIENT", "UNBLOCK", strconv.FormatInt(id, 10))
		}
		select {
		case <-done:
			break unblock
		case <-deadline:
			t.Fatalf("blockers still running after 60s; server says %q", admin.info("clients"))
		case <-time.After(20 * time.Millisecond):
		}
	}
	if err := st.firstErr(); err != nil {
		t.Fatal(err)
	}

	// The server keeps no waits, and sees only the admin connection.
	waitInfo(t, admin, "clients", "connected_clients:1\r\n")
	info := admin.info("clients")
	for _, want := range []string{"blocked_clients:0\r\n", "total_blocking_keys:0\r\n", "clients_in_timeout_table:0\r\n"} {
		if !strings.Contains(info, want) {
			t.Errorf("after the soak INFO clients lacks %q:\n%s", want, info)
		}
	}

	// Every element pushed is in exactly one place: popped by one client,
	// moved by BLMOVE into a destination list, or still in its list.
	where := make(map[string]string)
	put := func(e, place string) {
		if prev, dup := where[e]; dup {
			t.Errorf("element %q twice: %s and %s", e, prev, place)
		}
		where[e] = place
	}
	pushed := 0
	for _, p := range st.pushed {
		pushed += len(p)
	}
	for _, e := range st.popped {
		put(e, "popped")
	}
	for _, e := range st.moved {
		put(e, "moved")
	}
	remaining := 0
	for _, k := range soakKeys {
		for _, e := range admin.lrange(k) {
			put(e, "left in "+k)
			remaining++
		}
	}
	// The destination lists hold exactly what BLMOVE replied.
	var inDst []string
	for _, k := range soakDstKeys {
		inDst = append(inDst, admin.lrange(k)...)
	}
	moved := slices.Clone(st.moved)
	slices.Sort(moved)
	slices.Sort(inDst)
	if !slices.Equal(moved, inDst) {
		t.Errorf("BLMOVE replied %d elements, destinations hold %d", len(moved), len(inDst))
	}
	for _, p := range st.pushed {
		for _, e := range p {
			if _, ok := where[e]; !ok {
				t.Errorf("element %q lost", e)
			}
			delete(where, e)
		}
	}
	for e, place := range where {
		t.Errorf("element %q %s was never pushed", e, place)
	}

	// Goroutines and memory back to where they started.
	admin.must("FLUSHALL")
	admin.must("MEMORY", "PURGE")
	used, rss := soakMemory(t, admin)
	g := serverGoroutines(t, s, baseG)
	tg := runtime.NumGoroutine()
	for i := 0; tg > testGoroutines && i < 100; i++ {
		time.Sleep(10 * time.Millisecond)
		tg = runtime.NumGoroutine()
	}
	t.Logf("%v: pushed %d, popped %d, moved %d, left %d, timeouts %d, unblocked %d, disconnects %d (%d served just before)",
		dur, pushed, len(st.popped), len(st.moved), remaining, st.timeouts.Load(), st.nulls.Load()-st.timeouts.Load(),
		st.disconnects.Load(), st.servedOnDisconnect.Load())
	t.Logf("server goroutines %d -> %d; test goroutines %d -> %d; used_memory %d -> %d; rss %d -> %d",
		baseG, g, testGoroutines, tg, baseUsed, used, baseRSS, rss)
	if g > baseG {
		t.Errorf("server goroutines %d, %d before", g, baseG)
	}
	if tg > testGoroutines {
		t.Errorf("test goroutines %d, %d before", tg, testGoroutines)
	}
	// Freed memory goes back to the runtime; allow for its caches and
	// the listeners' buffers, not for what 500 clients held.
	if used > baseUsed+8<<20 {
		t.Errorf("used_memory %d, %d before", used, baseUsed)
	}
	if rss > baseRSS+32<<20 {
		t.Errorf("rss %d, %d before", rss, baseRSS)
	}
	if len(st.popped) == 0 || len(st.moved) == 0 || st.disconnects.Load() == 0 || st.timeouts.Load() == 0 {
		t.Errorf("the soak exercised too little: popped %d moved %d disconnects %d timeouts %d",
			len(st.popped), len(st.moved), st.disconnects.Load(), st.timeouts.Load())
	}
}

const (
	soakBlockers = 500
	soakPushers  = 4
)

var (
	soakKeys    = []string{"k0", "k1", "k2", "k3", "k4", "k5", "k6", "k7"}
	soakDstKeys = []string{"d0", "d1", "d2"}
	soakTimeout = []string{"0", "0", "0.01", "0.05", "0.2", "1"}
)

// soakState is what the soak's goroutines share.
type soakState struct {
	s    *testServer
	stop chan struct{}

	mu      sync.Mutex
	err     error
	pushed  [][]string
	popped  []string
	moved   []string
	ids     map[uint64]int64 // blocker -> its connection's client ID
	stopped bool

	timeouts           atomic.Int64 // null replies to commands with a timeout
	nulls              atomic.Int64 // all null replies
	disconnects        atomic.Int64
	servedOnDisconnect atomic.Int64 // replies read after the half-close
}

func (st *soakState) fail(err error) {
	st.mu.Lock()
	if st.err == nil {
		st.err = err
	}
	st.mu.Unlock()
}

func (st *soakState) firstErr() error {
	st.mu.Lock()
	defer st.mu.Unlock()
	return st.err
}

func (st *soakState) stopping() bool {
	select {
	case <-st.stop:
		return true
	default:
		return false
	}
}

func (st *soakState) setID(b uint64, id int64) {
	st.mu.Lock()
	if st.ids == nil {
		st.ids = make(map[uint64]int64)
	}
	if id < 0 {
		delete(st.ids, b)
	} else {
		st.ids[b] = id
	}
	st.mu.Unlock()
}

func (st *soakState) liveIDs() []int64 {
	st.mu.Lock()
	defer st.mu.Unlock()
	ids := make([]int64, 0, len(st.ids))
	for _, id := range st.ids {
		ids = append(ids, id)
	}
	return ids
}

// pusher pushes unique elements to random keys until stopped.
func (st *soakState) pusher(id int) {
	r := rand.New(rand.NewPCG(uint64(id), 99))
	c, err := dialSoakErr(st.s)
	if err != nil {
		st.fail(err)
		return
	}
	defer c.conn.Close()
	var mine []string
	defer func() {
		st.mu.Lock()
		st.pushed = append(st.pushed, mine)
		st.mu.Unlock()
	}()
	seq := 0
	for !st.stopping() {
		cmd := "LPUSH"
		if r.IntN(2) == 0 {
			cmd = "RPUSH"
		}
		args := []string{cmd, soakKeys[r.IntN(len(soakKeys))]}
		for range 1 + r.IntN(3) {
			seq++
			args = append(args, "e"+strconv.Itoa(id)+"-"+strconv.Itoa(seq))
		}
		v, err := c.do(args...)
		if err != nil || v.Kind != resp.KindInt {
			st.fail(fmt.Errorf("%v: %v %v", args, v, err))
			return
		}
		mine = append(mine, args[2:]...)
		if r.IntN(8) == 0 {
			time.Sleep(time.Duration(r.IntN(300)) * time.Microsecond)
		}
	}
}

// blocker runs blocking commands until stopped, now and then
// disconnecting while it waits.
func (st *soakState) blocker(id uint64) {
	r := rand.New(rand.NewPCG(id, 7))
	var popped, moved []string
	defer func() {
		st.mu.Lock()
		st.popped = append(st.popped, popped...)
		st.moved = append(st.moved, moved...)
		st.mu.Unlock()
		st.setID(id, -1)
	}()
	connect := func() *soakConn {
		c, err := dialSoakErr(st.s)
		if err != nil {
			st.fail(err)
			return nil
		}
		v, err := c.do("CLIENT", "ID")
		if err != nil {
			st.fail(err)
			return nil
		}
		st.setID(id, v.Int)
		return c
	}
	c := connect()
	if c == nil {
		return
	}
	defer func() { c.conn.Close() }()
	for !st.stopping() {
		args, isMove := soakCommand(r)
		if err := c.send(args...); err != nil {
			st.fail(err)
			return
		}
		if r.IntN(25) == 0 {
			// Disconnect while (most likely) blocked: half-close, so a
			// reply the server sent first can still be read and counted.
			time.Sleep(time.Duration(r.IntN(20)) * time.Millisecond)
			st.setID(id, -1)
			_ = c.conn.(*net.TCPConn).CloseWrite()
			_ = c.conn.SetReadDeadline(time.Now().Add(30 * time.Second))
			for {
				v, err := c.r.ReadValue()
				if err != nil {
					break
				}
				if !st.account(v, args, isMove, &popped, &moved) {
					return
				}
				st.servedOnDisconnect.Add(1)
			}
			c.conn.Close()
			st.disconnects.Add(1)
			if c = connect(); c == nil {
				return
			}
			continue
		}
		v, err := c.r.ReadValue()
		if err != nil {
			st.fail(fmt.Errorf("%v: %v", args, err))
			return
		}
		if !st.account(v, args, isMove, &popped, &moved) {
			return
		}
	}
}

// soakCommand picks a blocking command on random keys.
func soakCommand(r *rand.Rand) (args []string, isMove bool) {
	keys := func(n int) []string {
		ks := make([]string, n)
		for i := range ks {
			ks[i] = soakKeys[r.IntN(len(soakKeys))]
		}
		return ks
	}
	to := soakTimeout[r.IntN(len(soakTimeout))]
	side := func() string {
		if r.IntN(2) == 0 {
			return "LEFT"
		}
		return "RIGHT"
	}
	switch r.IntN(4) {
	case 0:
		return append(append([]string{"BLPOP"}, keys(1+r.IntN(3))...), to), false
	case 1:
		return append(append([]string{"BRPOP"}, keys(1+r.IntN(3))...), to), false
	case 2:
		return []string{"BLMOVE", keys(1)[0], soakDstKeys[r.IntN(len(soakDstKeys))], side(), side(), to}, true
	default:
		ks := keys(1 + r.IntN(3))
		args = append([]string{"BLMPOP", to, strconv.Itoa(len(ks))}, ks...)
		return append(args, side(), "COUNT", strconv.Itoa(1+r.IntN(3))), false
	}
}

// account records the elements a reply hands over; it reports false
// after recording a failure.
func (st *soakState) account(v resp.Value, args []string, isMove bool, popped, moved *[]string) bool {
	bad := func() bool {
		st.fail(fmt.Errorf("%v: unexpected reply %+v", args, v))
		return false
	}
	if v.IsNull() {
		st.nulls.Add(1)
		to := args[len(args)-1]
		if args[0] == "BLMPOP" {
			to = args[1]
		}
		if to != "0" {
			st.timeouts.Add(1)
		}
		return true
	}
	switch {
	case isMove:
		if v.Kind != resp.KindBulk {
			return bad()
		}
		*moved = append(*moved, string(v.Str))
	case args[0] == "BLMPOP":
		if v.Kind != resp.KindArray || len(v.Elems) != 2 || v.Elems[1].Kind != resp.KindArray || len(v.Elems[1].Elems) == 0 {
			return bad()
		}
		for _, e := range v.Elems[1].Elems {
			*popped = append(*popped, string(e.Str))
		}
	default:
		if v.Kind != resp.KindArray || len(v.Elems) != 2 || v.Elems[1].Kind != resp.KindBulk {
			return bad()
		}
		*popped = append(*popped, string(v.Elems[1].Str))
	}
	return true
}

// soakConn is a connection that reports errors instead of failing the
// test, for use from the soak's goroutines.
type soakConn struct {
	conn net.Conn
	r    *resp.Reader
	w    *bufio.Writer
}

func dialSoakErr(s *testServer) (*soakConn, error) {
	conn, err := net.Dial("tcp", s.Addr())
	if err != nil {
		return nil, err
	}
	return &soakConn{conn: conn, r: resp.NewReader(bufio.NewReader(conn)), w: bufio.NewWriter(conn)}, nil
}

func (c *soakConn) send(args ...string) error {
	fmt.Fprintf(c.w, "*%d\r\n", len(args))
	for _, a := range args {
		fmt.Fprintf(c.w, "$%d\r\n%s\r\n", len(a), a)
	}
	return c.w.Flush()
}

func (c *soakConn) do(args ...string) (resp.Value, error) {
	if err := c.send(args...); err != nil {
		return resp.Value{}, err
	}
	return c.r.ReadValue()
}

// soakAdmin is the test goroutine's connection.
type soakAdmin struct {
	t *testing.T
	*soakConn
}

func dialSoak(t *testing.T, s *testServer) *soakAdmin {
	c, err := dialSoakErr(s)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.conn.Close() })
	return &soakAdmin{t, c}
}

func (a *soakAdmin) must(args ...string) resp.Value {
	a.t.Helper()
	_ = a.conn.SetDeadline(time.Now().Add(30 * time.Second))
	v, err := a.do(args...)
	if err != nil || v.Kind == resp.KindError {
		a.t.Fatalf("%v: %v %s", args, err, v.Str)
	}
	return v
}

func (a *soakAdmin) info(section string) string {
	a.t.Helper()
	return string(a.must("INFO", section).Str)
}

func (a *soakAdmin) lrange(key string) []string {
	a.t.Helper()
	var out []string
	for _, e := range a.must("LRANGE", key, "0", "-1").Elems {
		out = append(out, string(e.Str))
	}
	return out
}

// waitInfo polls an INFO section until it contains want.
func waitInfo(t *testing.T, a *soakAdmin, section, want string) {
	t.Helper()
	for range 1000 {
		if strings.Contains(a.info(section), want) {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("INFO %s never showed %q:\n%s", section, want, a.info(section))
}

var infoField = regexp.MustCompile(`(?m)^(used_memory|used_memory_rss):(\d+)\r$`)

func soakMemory(t *testing.T, a *soakAdmin) (used, rss int64) {
	t.Helper()
	for _, m := range infoField.FindAllStringSubmatch(a.info("memory"), -1) {
		n, _ := strconv.ParseInt(m[2], 10, 64)
		if m[1] == "used_memory" {
			used = n
		} else {
			rss = n
		}
	}
	if used == 0 || rss == 0 {
		t.Fatal("INFO memory lacks used_memory or used_memory_rss")
	}
	return used, rss
}

var (
	schedLine = regexp.MustCompile(`(?m)^SCHED \d+ms:`)
	gLine     = regexp.MustCompile(`(?m)^\s+G\d+: status=(\d+)`)
)

// serverGoroutines counts the server's live goroutines in a scheduler
// trace printed after this call. With want > 0 it waits (a few seconds at
// most) for a count at or under want, as goroutines that served the
// clients may still be finishing.
func serverGoroutines(t *testing.T, s *testServer, want int) int {
	t.Helper()
	start := len(schedLine.FindAllStringIndex(s.Log(), -1))
	n := -1
	for range 1000 {
		log := s.Log()
		idx := schedLine.FindAllStringIndex(log, -1)
		// A dump is complete once the next one has started.
		if len(idx) >= start+2 {
			dump := log[idx[len(idx)-2][0]:idx[len(idx)-1][0]]
			n = 0
			for _, m := range gLine.FindAllStringSubmatch(dump, -1) {
				if m[1] != "6" { // 6 is a dead goroutine kept for reuse
					n++
				}
			}
			if want == 0 || n <= want || len(idx) >= start+6 {
				return n
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("no scheduler trace in the server's output:\n%.2000s", s.Log())
	return n
}
