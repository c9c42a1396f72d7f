package main

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// testSpec describes one benchmark test: how the tool runs it and what the
// server must hold beforehand.
//
// Every measured invocation runs exactly one test, so that the server CPU time
// read around it belongs to that test alone. That is also why the tests the
// tool would prefill itself (LRANGE_* pushes a list first, in the same
// invocation) are run as a custom command after the harness prefilled the
// list over its own connection.
type testSpec struct {
	name     string   // the -t name, and the name in reports
	command  []string // custom command to run instead of -t name
	usesData bool     // the -d size matters; otherwise the -d axis is skipped
	usesKeys bool     // __rand_int__ in the command: pass -r keyspace
	// readOnly tests get their data once per cell; all others start every
	// run from an empty server, so that repeats are alike (SET inserts
	// rather than overwrites, pops have something to pop).
	readOnly bool
	// grows is set when memory grows with -n rather than with -r: the
	// request count is capped at the data budget.
	grows bool
	// prefill loads what the test reads or consumes; n is the run's request
	// count, keys its keyspace.
	prefill func(c *client, size, n, keys int) error
}

var testSpecs = []testSpec{
	{name: "ping_inline"},
	{name: "ping_mbulk"},
	{name: "set", usesData: true, usesKeys: true},
	{name: "get", usesData: true, usesKeys: true, readOnly: true, prefill: prefillStrings},
	{name: "incr", usesKeys: true},
	{name: "lpush", usesData: true, grows: true},
	{name: "rpush", usesData: true, grows: true},
	{name: "lpop", usesData: true, grows: true, prefill: prefillList},
	{name: "rpop", usesData: true, grows: true, prefill: prefillList},
	{name: "sadd", usesKeys: true},
	{name: "hset", usesData: true, usesKeys: true},
	{name: "spop", grows: true, prefill: prefillSet},
	{name: "zadd", usesKeys: true},
	{name: "zpopmin", grows: true, prefill: prefillZset},
	{name: "lrange_100", command: []string{"LRANGE", "mylist", "0", "99"}, usesData: true, readOnly: true, prefill: prefillLrange},
	{name: "lrange_300", command: []string{"LRANGE", "mylist", "0", "299"}, usesData: true, readOnly: true, prefill: prefillLrange},
	{name: "lrange_500", command: []string{"LRANGE", "mylist", "0", "499"}, usesData: true, readOnly: true, prefill: prefillLrange},
	{name: "lrange_600", command: []string{"LRANGE", "mylist", "0", "599"}, usesData: true, readOnly: true, prefill: prefillLrange},
	{name: "mset", usesData: true, usesKeys: true},
	{name: "mget", usesData: true, usesKeys: true, readOnly: true, prefill: prefillStrings},
	{name: "xadd", usesData: true, grows: true},
	// Bitmap and HyperLogLog (issue 6): the SIMD kernels' commands on data
	// big enough for them to matter. PFMERGE rewrites the same destination
	// every time, so its sources are loaded once per cell like a read.
	{name: "bitcount", command: []string{"BITCOUNT", "bitkey"}, readOnly: true, prefill: prefillBitmap},
	{name: "pfadd", command: []string{"PFADD", "hll", "element:__rand_int__"}, usesKeys: true},
	{name: "pfcount", command: []string{"PFCOUNT", "hll:1", "hll:2", "hll:3"}, readOnly: true, prefill: prefillDenseHLLs},
	{name: "pfmerge", command: []string{"PFMERGE", "hll:dst", "hll:1", "hll:2", "hll:3"}, readOnly: true, prefill: prefillDenseHLLs},
}

func lookupTest(name string) (testSpec, bool) {
	i := slices.IndexFunc(testSpecs, func(t testSpec) bool { return t.name == name })
	if i < 0 {
		return testSpec{}, false
	}
	return testSpecs[i], true
}

func testNames() []string {
	var names []string
	for _, t := range testSpecs {
		names = append(names, t.name)
	}
	return names
}

// randKey formats i as the tool's __rand_int__ placeholder does: 12 digits,
// zero-padded.
func randKey(prefix string, i int) []byte {
	return fmt.Appendf(nil, "%s%012d", prefix, i)
}

func value(size int) []byte { return bytes.Repeat([]byte{'x'}, size) }

// prefillStrings sets key:000000000000 … key:<keys-1>, the keys GET and MGET
// pick from.
func prefillStrings(c *client, size, _, keys int) error {
	cmd, v := []byte("SET"), value(size)
	return c.pipeline(keys, func(i int) [][]byte { return [][]byte{cmd, randKey("key:", i), v} })
}

// variadic sends total elements to "cmd key elem…", a few hundred per command.
func variadic(c *client, cmd, key string, total, per int, elems func(i int) [][]byte) error {
	batches := (total + per - 1) / per
	return c.pipeline(batches, func(b int) [][]byte {
		args := [][]byte{[]byte(cmd), []byte(key)}
		for i := b * per; i < min((b+1)*per, total); i++ {
			args = append(args, elems(i)...)
		}
		return args
	})
}

func prefillList(c *client, size, n, _ int) error {
	v := value(size)
	return variadic(c, "RPUSH", "mylist", n, 100, func(int) [][]byte { return [][]byte{v} })
}

// prefillLrange pushes more elements than the longest LRANGE reads.
func prefillLrange(c *client, size, _, _ int) error { return prefillList(c, size, 1000, 0) }

func prefillSet(c *client, _, n, _ int) error {
	return variadic(c, "SADD", "myset", n, 500, func(i int) [][]byte { return [][]byte{randKey("element:", i)} })
}

func prefillZset(c *client, _, n, _ int) error {
	return variadic(c, "ZADD", "myzset", n, 500, func(i int) [][]byte {
		return [][]byte{[]byte(strconv.Itoa(i)), randKey("element:", i)}
	})
}

// bitmapSize is the length of BITCOUNT's key: 1 MiB.
const bitmapSize = 1 << 20

// prefillBitmap stores bitmapSize bytes of varied bits under "bitkey".
func prefillBitmap(c *client, _, _, _ int) error {
	b := make([]byte, bitmapSize)
	x := uint32(2463534242)
	for i := range b {
		x ^= x << 13
		x ^= x >> 17
		x ^= x << 5
		b[i] = byte(x)
	}
	return c.pipeline(1, func(int) [][]byte { return [][]byte{[]byte("SET"), []byte("bitkey"), b} })
}

// denseHLLElements is how many distinct elements each HyperLogLog gets: far
// past the point (hll-sparse-max-bytes, 3000 by default) where the sparse
// encoding turns dense.
const denseHLLElements = 20000

// prefillDenseHLLs builds hll:1, hll:2 and hll:3, dense and overlapping.
func prefillDenseHLLs(c *client, _, _, _ int) error {
	for k := 1; k <= 3; k++ {
		key := "hll:" + strconv.Itoa(k)
		err := variadic(c, "PFADD", key, denseHLLElements, 500, func(i int) [][]byte {
			return [][]byte{randKey("element:", i+k*denseHLLElements/2)}
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// csvRow is one line of the tool's --csv output.
type csvRow struct {
	Test                                          string
	RPS, AvgMs, MinMs, P50Ms, P95Ms, P99Ms, MaxMs float64
}

// csvColumns are the columns valkey-benchmark 9.0 and redis-benchmark 7.0
// print with --csv, in this order.
var csvColumns = []string{"test", "rps", "avg_latency_ms", "min_latency_ms", "p50_latency_ms", "p95_latency_ms", "p99_latency_ms", "max_latency_ms"}

// parseCSV parses the tool's --csv output. Columns are found by their header
// names, so a tool that reorders or adds columns still parses; a missing
// column is an error. Rows for the tool's own prefill steps ("LPUSH (needed to
// benchmark LRANGE)") are dropped.
func parseCSV(r io.Reader) ([]csvRow, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	header, err := cr.Read()
	if err != nil {
		return nil, fmt.Errorf("reading CSV header: %w", err)
	}
	idx := make([]int, len(csvColumns))
	for i, name := range csvColumns {
		if idx[i] = slices.Index(header, name); idx[i] < 0 {
			return nil, fmt.Errorf("CSV header %q has no column %q", header, name)
		}
	}
	var rows []csvRow
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
		if len(rec) != len(header) {
			return nil, fmt.Errorf("CSV row %q has %d fields, header has %d", rec, len(rec), len(header))
		}
		row := csvRow{Test: rec[idx[0]]}
		if strings.Contains(row.Test, "(needed to benchmark") {
			continue
		}
		nums := []*float64{&row.RPS, &row.AvgMs, &row.MinMs, &row.P50Ms, &row.P95Ms, &row.P99Ms, &row.MaxMs}
		for i, p := range nums {
			s := rec[idx[i+1]]
			if *p, err = strconv.ParseFloat(s, 64); err != nil || math.IsNaN(*p) || math.IsInf(*p, 0) {
				return nil, fmt.Errorf("CSV row %q: bad %s %q", rec, csvColumns[i+1], s)
			}
		}
		rows = append(rows, row)
	}
	if len(rows) == 0 {
		return nil, errors.New("CSV output has no result rows")
	}
	return rows, nil
}

// cell is one point of the matrix.
type cell struct {
	Test     string `json:"test"`
	Clients  int    `json:"clients"`
	Pipeline int    `json:"pipeline"`
	Size     int    `json:"size"` // -d; 0 when the test ignores it
}

// tool is the load generator: valkey-benchmark or redis-benchmark.
type tool struct {
	path    string
	cpus    string // taskset -c list, "" when not pinning
	threads int    // --threads, 0 to leave the tool single-threaded
	// watch are the pinned CPUs, servers' and tool's. Whatever else runs on
	// them during a run is measured, since it skews that run.
	watch []int
}

// args builds the tool's command line for one run.
func (t tool) args(spec testSpec, c cell, port, requests, keys int) []string {
	a := []string{"-h", "127.0.0.1", "-p", strconv.Itoa(port),
		"-c", strconv.Itoa(c.Clients), "-n", strconv.Itoa(requests), "-P", strconv.Itoa(c.Pipeline)}
	if spec.usesData {
		a = append(a, "-d", strconv.Itoa(c.Size))
	}
	if spec.usesKeys {
		a = append(a, "-r", strconv.Itoa(keys))
	}
	if t.threads > 0 {
		a = append(a, "--threads", strconv.Itoa(t.threads))
	}
	a = append(a, "--csv")
	if spec.command != nil {
		return append(a, spec.command...)
	}
	return append(a, "-t", spec.name)
}

// invocation is what one run of the tool measured.
type invocation struct {
	args         []string
	row          csvRow
	wall         time.Duration
	serverCPU    float64 // seconds
	clientCPU    float64 // seconds
	otherCPU     float64 // seconds other processes took on the watched CPUs
	serverExited bool
}

// run invokes the tool once against s and reads the server's CPU time around
// it. The tool runs in its own process group so that cancelling ctx (Ctrl-C)
// kills it, and whatever it spawned, at once.
func (t tool) run(ctx context.Context, s *server, spec testSpec, c cell, requests, keys int) (invocation, error) {
	inv := invocation{args: t.args(spec, c, s.port, requests, keys)}
	timeout := 10*time.Minute + time.Duration(requests)*time.Millisecond
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()

	argv := pinned(t.cpus, append([]string{t.path}, inv.args...))
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	cmd.SysProcAttr = childAttr()
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	cmd.WaitDelay = 5 * time.Second

	cpu0, err := procCPUSeconds(s.pid())
	if err != nil {
		return inv, fmt.Errorf("reading server CPU time: %w", err)
	}
	busy0, busyErr := t.busy()
	start := time.Now()
	err = cmd.Run()
	inv.wall = time.Since(start)
	cpu1, cpuErr := procCPUSeconds(s.pid())
	busy1, busyErr1 := t.busy()
	inv.serverCPU = cpu1 - cpu0
	if cmd.ProcessState != nil {
		inv.clientCPU = (cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()).Seconds()
	}
	if busyErr == nil && busyErr1 == nil && len(t.watch) > 0 {
		inv.otherCPU = max(0, busy1-busy0-inv.serverCPU-inv.clientCPU)
	}
	if !s.alive() {
		inv.serverExited = true
		return inv, fmt.Errorf("%s exited during the run (%v)\n%s", s.name, s.waitErr, s.logTail())
	}
	if ctx.Err() != nil {
		return inv, ctx.Err()
	}
	name := filepath.Base(t.path)
	if err != nil {
		return inv, fmt.Errorf("%s: %v: %s", name, err, lastLine(stderr.String()))
	}
	if cpuErr != nil {
		return inv, fmt.Errorf("reading server CPU time: %w", cpuErr)
	}
	rows, err := parseCSV(bytes.NewReader(stdout.Bytes()))
	if err != nil {
		if spec.command == nil && strings.TrimSpace(stdout.String()) == strings.Join(quoted(csvColumns), ",") {
			return inv, fmt.Errorf("%s printed no result for -t %s: it does not know that test", name, spec.name)
		}
		return inv, fmt.Errorf("%s: %v (stderr: %s)", name, err, lastLine(stderr.String()))
	}
	inv.row = rows[len(rows)-1]
	return inv, nil
}

func quoted(ss []string) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = strconv.Quote(s)
	}
	return out
}

func (t tool) busy() (float64, error) {
	if len(t.watch) == 0 {
		return 0, nil
	}
	return cpuBusySeconds(t.watch)
}

func lastLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.LastIndexByte(s, '\n'); i >= 0 {
		s = s[i+1:]
	}
	return s
}

// roundRequests rounds n to two significant digits, so that -n reads well in
// reports.
func roundRequests(n float64) int {
	if n < 100 {
		return int(math.Ceil(n))
	}
	p := math.Pow(10, math.Floor(math.Log10(n))-1)
	return int(math.Round(n/p) * p)
}

// newRun turns one invocation, or its failure, into a Run for the results.
func newRun(server string, c cell, rep, requests, keys int, inv invocation, err error) Run {
	r := Run{Server: server, cell: c, Repeat: rep, Requests: requests, Keyspace: keys, Args: inv.args,
		WallSec: round3(inv.wall.Seconds()), ServerCPUSec: round3(inv.serverCPU), ClientCPUSec: round3(inv.clientCPU),
		OtherCPUSec: round3(inv.otherCPU)}
	if err != nil {
		r.Error = err.Error()
		return r
	}
	row := inv.row
	r.RPS, r.AvgMs, r.MinMs, r.P50Ms, r.P95Ms, r.P99Ms, r.MaxMs = row.RPS, row.AvgMs, row.MinMs, row.P50Ms, row.P95Ms, row.P99Ms, row.MaxMs
	if inv.serverCPU > 0 {
		r.RPSPerCPUSec = math.Round(float64(requests) / inv.serverCPU)
	}
	return r
}

func round3(x float64) float64 { return math.Round(x*1000) / 1000 }
