// Command bench runs Volley and one or more reference servers (redis-server,
// valkey-server) side by side on the same machine, drives each with the same
// valkey-benchmark (or redis-benchmark) runs over a matrix of clients,
// pipeline depths and value sizes, and reports medians, server CPU
// efficiency and Volley's ratio to each reference. See README.md.
//
//	go run ./bench --help
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"
)

type config struct {
	volley, redis, valkey string
	refs                  multiFlag // name=path
	selfTest              bool
	benchmark             string
	benchThreads          int

	tests                     []string
	clients, pipelines, sizes []int
	repeat, requests          int
	seconds                   float64
	keyspace, budgetMB        int

	out                    string
	pin                    bool
	serverCPUs, clientCPUs string
	serverQuota            float64 // CPUs each server may use (cgroup quota); 0: no cap
	volleyArgs, refArgs    multiFlag

	memory                 bool
	memoryKeys, memorySize int
	memoryScenarios        []string // "strings", "hash", "overwrite"
	memoryFields           int      // fields per hash in the "hash" scenario
	quick                  bool
}

// multiFlag is a flag that may be given more than once.
type multiFlag []string

func (m *multiFlag) String() string     { return strings.Join(*m, ", ") }
func (m *multiFlag) Set(s string) error { *m = append(*m, s); return nil }

// intList is a comma-separated list of positive integers.
type intList struct{ p *[]int }

func (l intList) String() string {
	if l.p == nil {
		return ""
	}
	var s []string
	for _, v := range *l.p {
		s = append(s, strconv.Itoa(v))
	}
	return strings.Join(s, ",")
}

func (l intList) Set(s string) error {
	var out []int
	for f := range strings.SplitSeq(s, ",") {
		v, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || v <= 0 {
			return fmt.Errorf("%q is not a positive integer", f)
		}
		out = append(out, v)
	}
	*l.p = out
	return nil
}

// stringList is a comma-separated list of names.
type stringList struct{ p *[]string }

func (l stringList) String() string {
	if l.p == nil {
		return ""
	}
	return strings.Join(*l.p, ",")
}

func (l stringList) Set(s string) error {
	*l.p = nil
	for f := range strings.SplitSeq(s, ",") {
		if f = strings.TrimSpace(f); f != "" {
			*l.p = append(*l.p, f)
		}
	}
	return nil
}

const usageHead = `bench runs Volley and reference servers side by side under the same
valkey-benchmark (or redis-benchmark) load and reports the ratios.

  go run ./bench --quick                                   # about a minute
  go run ./bench --valkey /path/to/valkey-server           # full matrix: long
  go run ./bench --self-test --quick                       # redis-server in both roles
  go run ./bench --volley ./volley-server --volley-arg "io-threads 2" --tests set,get

Every server runs on a free loopback port in a fresh temporary directory with
persistence off, and is stopped on exit, error, Ctrl-C or SIGTERM. Results go to
--out: report.md (also printed), results.json (every run), chart-<test>.svg.

Flags:
`

func parseFlags(args []string, stderr io.Writer) (config, error) {
	cfg := config{
		memoryScenarios: []string{"strings"},
		tests:           []string{"ping_inline", "ping_mbulk", "set", "get", "incr", "mset", "bitcount", "pfadd", "pfcount", "pfmerge"},
		clients:         []int{50, 500},
		pipelines:       []int{1, 16, 64},
		sizes:           []int{16, 512, 16384, 65536},
	}
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprint(stderr, usageHead)
		fs.PrintDefaults()
		fmt.Fprintf(stderr, "\nKnown tests: %s\n", strings.Join(testNames(), ","))
	}
	fs.StringVar(&cfg.volley, "volley", "", "volley-server `binary`; default: go build ./cmd/volley-server into a temporary directory")
	fs.BoolVar(&cfg.selfTest, "self-test", false, "use redis-server as the server under test too (tests the harness)")
	fs.StringVar(&cfg.redis, "redis", "", "reference redis-server `binary`; default: redis-server on PATH; \"none\" to skip")
	fs.StringVar(&cfg.valkey, "valkey", "", "reference valkey-server `binary`; default: valkey-server on PATH if any; \"none\" to skip")
	fs.Var(&cfg.refs, "ref", "another reference server as `name=binary` (repeatable)")
	fs.StringVar(&cfg.benchmark, "benchmark", "", "load generator `binary`; default: valkey-benchmark on PATH or beside --valkey, else redis-benchmark")
	fs.IntVar(&cfg.benchThreads, "bench-threads", 0, "pass --threads `N` to the load generator (0: single-threaded, the tool's default)")
	fs.Var(stringList{&cfg.tests}, "tests", "comma-separated `tests` (the tool's -t names)")
	fs.Var(intList{&cfg.clients}, "clients", "comma-separated -c `values`")
	fs.Var(intList{&cfg.pipelines}, "pipelines", "comma-separated -P `values`")
	fs.Var(intList{&cfg.sizes}, "sizes", "comma-separated -d `values` (skipped for tests that send no value)")
	fs.IntVar(&cfg.repeat, "repeat", 3, "runs per cell and server, servers alternating")
	fs.IntVar(&cfg.requests, "requests", 0, "fixed -n per run; 0 sizes -n per cell from a probe run to take --seconds")
	fs.Float64Var(&cfg.seconds, "seconds", 3, "target duration of one run when -n is sized automatically")
	fs.IntVar(&cfg.keyspace, "keyspace", 1000000, "-r: number of distinct keys (capped by --data-budget-mb for large -d)")
	fs.IntVar(&cfg.budgetMB, "data-budget-mb", 512, "cap on the data one server holds: limits -r and, for tests that grow with -n (lpush, pops), -n")
	fs.StringVar(&cfg.out, "out", "bench/out", "output `dir` (relative paths are taken from the module root)")
	fs.BoolVar(&cfg.pin, "pin", true, "pin servers and load generator to separate CPUs with taskset (needs ≥ 2 CPUs)")
	fs.StringVar(&cfg.serverCPUs, "server-cpus", "0", "taskset -c `list` for the servers")
	fs.StringVar(&cfg.clientCPUs, "client-cpus", "1", "taskset -c `list` for the load generator")
	fs.Float64Var(&cfg.serverQuota, "server-cpu-quota", 0, "cap each server at `fraction` of a CPU with a cgroup quota (needs root), so that the server, not the load generator, is the bottleneck; 0: no cap")
	fs.Var(&cfg.volleyArgs, "volley-arg", "extra volley-server `directive`, e.g. \"io-threads 2\" (repeatable)")
	fs.Var(&cfg.refArgs, "ref-arg", "extra `directive` for every reference server (repeatable)")
	fs.BoolVar(&cfg.memory, "memory", false, "also measure memory per key: DEBUG POPULATE, then VmRSS and used_memory")
	fs.IntVar(&cfg.memoryKeys, "memory-keys", 1000000, "keys for --memory")
	fs.IntVar(&cfg.memorySize, "memory-size", 100, "value size for --memory")
	fs.Var(stringList{&cfg.memoryScenarios}, "memory-scenarios", "comma-separated --memory `scenarios`: strings (DEBUG POPULATE), hash (HSET of --memory-fields short fields per key), overwrite (SET of --memory-size values, each key written 3 times); each on freshly started servers")
	fs.IntVar(&cfg.memoryFields, "memory-fields", 10, "fields per key in the hash memory scenario")
	fs.BoolVar(&cfg.quick, "quick", false, "1 repeat, -c 50, -d 16, -P 1,16, tests ping_mbulk,set,get, 1s runs; explicit flags still win")
	if err := fs.Parse(args); err != nil {
		return cfg, err
	}
	if fs.NArg() > 0 {
		return cfg, fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	if cfg.quick {
		quick := map[string]func(){
			"repeat":    func() { cfg.repeat = 1 },
			"clients":   func() { cfg.clients = []int{50} },
			"sizes":     func() { cfg.sizes = []int{16} },
			"pipelines": func() { cfg.pipelines = []int{1, 16} },
			"tests":     func() { cfg.tests = []string{"ping_mbulk", "set", "get"} },
			"seconds":   func() { cfg.seconds = 1 },
		}
		for name, apply := range quick {
			if !set[name] {
				apply()
			}
		}
	}
	for _, sc := range cfg.memoryScenarios {
		if !slices.Contains(memoryScenarioNames, sc) {
			return cfg, fmt.Errorf("unknown memory scenario %q; known: %s", sc, strings.Join(memoryScenarioNames, ","))
		}
	}
	if cfg.memoryKeys < 1 || cfg.memorySize < 0 || cfg.memoryFields < 1 {
		return cfg, errors.New("--memory-keys and --memory-fields must be positive")
	}
	if cfg.selfTest && cfg.volley != "" {
		return cfg, errors.New("--self-test and --volley are exclusive")
	}
	for _, t := range cfg.tests {
		if _, ok := lookupTest(t); !ok {
			return cfg, fmt.Errorf("unknown test %q; known: %s", t, strings.Join(testNames(), ","))
		}
	}
	if cfg.serverQuota < 0 {
		return cfg, errors.New("--server-cpu-quota must not be negative")
	}
	if cfg.repeat < 1 || cfg.seconds <= 0 || cfg.keyspace < 1 || cfg.budgetMB < 1 || cfg.requests < 0 {
		return cfg, errors.New("--repeat, --seconds, --keyspace and --data-budget-mb must be positive")
	}
	return cfg, nil
}

func main() { os.Exit(realMain()) }

func realMain() int {
	cfg, err := parseFlags(os.Args[1:], os.Stderr)
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		return 2
	}

	ctx, stopSignals := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stopSignals()
	go func() {
		// After the first signal the harness cleans up; a second one kills it
		// outright (the servers still die with it, by their parent-death signal).
		<-ctx.Done()
		stopSignals()
	}()

	h := &harness{cfg: cfg, log: os.Stderr}
	defer h.cleanup()
	err = h.setup(ctx)
	if err == nil && cfg.memory {
		h.measureMemory(ctx)
	}
	if err == nil {
		err = h.matrix(ctx)
	}
	if h.res != nil && (len(h.res.Runs) > 0 || len(h.res.Memory) > 0) {
		if werr := h.writeOutputs(os.Stdout); werr != nil {
			fmt.Fprintln(os.Stderr, "bench:", werr)
			return 1
		}
	}
	switch {
	case ctx.Err() != nil:
		fmt.Fprintln(os.Stderr, "bench: interrupted; servers stopped")
		return 130
	case err != nil:
		fmt.Fprintln(os.Stderr, "bench:", err)
		return 1
	}
	return 0
}

// harness holds the servers it started and everything measured so far.
type harness struct {
	cfg     config
	log     io.Writer // progress
	tool    tool
	servers []*server // parallel to res.Servers
	res     *Results
	outDir  string
	tmpDirs []string  // removed by cleanup
	quota   *cpuQuota // the servers' CPU cap, nil without --server-cpu-quota
}

// cleanup stops every server the harness started. It runs on every exit path.
func (h *harness) cleanup() {
	for _, s := range h.servers {
		s.stop()
	}
	if h.quota != nil {
		if err := h.quota.remove(); err != nil {
			fmt.Fprintf(h.log, "note: removing the CPU quota's cgroup: %v\n", err)
		}
	}
	for _, d := range h.tmpDirs {
		os.RemoveAll(d)
	}
}

// setup finds the binaries, builds Volley if needed and starts the servers.
func (h *harness) setup(ctx context.Context) error {
	cfg := h.cfg
	root, rootErr := moduleRoot()
	h.outDir = cfg.out
	if !filepath.IsAbs(h.outDir) && rootErr == nil {
		h.outDir = filepath.Join(root, h.outDir)
	}
	if err := os.MkdirAll(filepath.Join(h.outDir, "logs"), 0o755); err != nil {
		return err
	}

	var specs []serverSpec
	volley := cfg.volley
	switch {
	case cfg.selfTest:
		p, err := exec.LookPath("redis-server")
		if err != nil {
			return fmt.Errorf("--self-test needs redis-server: %w", err)
		}
		volley = p
	case volley == "":
		if rootErr != nil {
			return fmt.Errorf("cannot build volley-server: %w; pass --volley PATH", rootErr)
		}
		dir, err := os.MkdirTemp("", "volley-bench-build-")
		if err != nil {
			return err
		}
		h.tmpDirs = append(h.tmpDirs, dir)
		fmt.Fprintln(h.log, "building ./cmd/volley-server …")
		if volley, err = buildVolley(ctx, root, dir); err != nil {
			return err
		}
	}
	specs = append(specs, serverSpec{name: "volley", role: roleVolley, path: volley, extra: serverArgs(cfg.volleyArgs)})

	refExtra := serverArgs(cfg.refArgs)
	addRef := func(name, flagValue, onPath string, required bool) error {
		if flagValue == "none" {
			return nil
		}
		if flagValue == "" {
			p, err := exec.LookPath(onPath)
			if err != nil {
				if required {
					return fmt.Errorf("%s not found on PATH (apt-get install redis-server, or --%s none)", onPath, name)
				}
				return nil
			}
			flagValue = p
		}
		specs = append(specs, serverSpec{name: name, role: roleReference, path: flagValue, extra: refExtra})
		return nil
	}
	if err := addRef("valkey", cfg.valkey, "valkey-server", false); err != nil {
		return err
	}
	if err := addRef("redis", cfg.redis, "redis-server", true); err != nil {
		return err
	}
	for _, r := range cfg.refs {
		name, path, ok := strings.Cut(r, "=")
		if !ok || name == "" || path == "" {
			return fmt.Errorf("--ref %q: want name=binary", r)
		}
		specs = append(specs, serverSpec{name: name, role: roleReference, path: path, extra: refExtra})
	}
	seen := map[string]bool{}
	for i, s := range specs {
		if seen[s.name] {
			return fmt.Errorf("two servers named %q", s.name)
		}
		seen[s.name] = true
		p, err := exec.LookPath(s.path)
		if err != nil {
			return fmt.Errorf("%s: %w", s.name, err)
		}
		specs[i].path, _ = filepath.Abs(p)
	}

	h.tool.path = cfg.benchmark
	if h.tool.path == "" {
		h.tool.path = findTool(specs)
	}
	if h.tool.path == "" {
		return errors.New("neither valkey-benchmark nor redis-benchmark found; pass --benchmark PATH")
	}
	h.tool.threads = cfg.benchThreads

	serverCPUs := ""
	if cfg.pin {
		_, tsErr := exec.LookPath("taskset")
		switch {
		case runtime.NumCPU() < 2:
			fmt.Fprintln(h.log, "note: fewer than 2 CPUs, not pinning")
		case tsErr != nil:
			fmt.Fprintln(h.log, "note: taskset not found, not pinning")
		default:
			serverCPUs, h.tool.cpus = cfg.serverCPUs, cfg.clientCPUs
			sc, err1 := parseCPUList(serverCPUs)
			cc, err2 := parseCPUList(h.tool.cpus)
			if err := errors.Join(err1, err2); err != nil {
				return err
			}
			for _, c := range append(sc, cc...) {
				if !slices.Contains(h.tool.watch, c) {
					h.tool.watch = append(h.tool.watch, c)
				}
			}
		}
	}

	if cfg.serverQuota > 0 {
		q, err := newCPUQuota("/sys/fs/cgroup", fmt.Sprintf("volley-bench-%d", os.Getpid()), cfg.serverQuota)
		if err != nil {
			return err
		}
		h.quota = q
	}

	kernel, _ := os.ReadFile("/proc/sys/kernel/osrelease")
	load := loadAverage()
	if load > 0.5 {
		fmt.Fprintf(h.log, "note: load average %.2f on %d CPUs: other work will skew the numbers (cells where it did are marked ‡)\n", load, runtime.NumCPU())
	}
	h.res = &Results{
		Started: time.Now().UTC().Format("2006-01-02 15:04 UTC"),
		Host:    Host{CPUs: runtime.NumCPU(), Kernel: strings.TrimSpace(string(kernel)), GoVersion: runtime.Version(), LoadAvg: load},
		Tool:    ToolInfo{Path: h.tool.path, Version: toolVersion(h.tool.path)},
		Settings: Settings{Repeat: cfg.repeat, TargetSeconds: cfg.seconds, Requests: cfg.requests,
			Keyspace: cfg.keyspace, DataBudgetMB: cfg.budgetMB, ServerCPUs: serverCPUs, ClientCPUs: h.tool.cpus,
			ServerCPUQuota: cfg.serverQuota},
	}
	for _, spec := range specs {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		s, err := h.start(spec)
		if err != nil {
			return err
		}
		h.servers = append(h.servers, s)
		s.version = serverVersion(s)
		h.res.Servers = append(h.res.Servers, ServerInfo{Name: s.name, Role: s.role, Path: s.path, Version: s.version, Args: s.extra})
		fmt.Fprintf(h.log, "started %-8s %s (%s) on 127.0.0.1:%d, pid %d\n", s.name, s.path, orDash(s.version), s.port, s.pid())
	}
	fmt.Fprintf(h.log, "load generator: %s\n", h.tool.path)
	return nil
}

// start starts a server of spec the harness's way: pinned, logging to its
// logs directory, and under the CPU quota if there is one.
func (h *harness) start(spec serverSpec) (*server, error) {
	s, err := startServer(spec, h.res.Settings.ServerCPUs, filepath.Join(h.outDir, "logs"), h.cfg.memory)
	if err != nil || h.quota == nil {
		return s, err
	}
	if err := h.quota.add(s.pid()); err != nil {
		s.stop()
		return nil, err
	}
	return s, nil
}

// findTool prefers valkey-benchmark: on PATH, then beside a valkey-server.
func findTool(specs []serverSpec) string {
	if p, err := exec.LookPath("valkey-benchmark"); err == nil {
		return p
	}
	for _, s := range specs {
		p := filepath.Join(filepath.Dir(s.path), "valkey-benchmark")
		if st, err := os.Stat(p); err == nil && st.Mode().IsRegular() && st.Mode()&0o111 != 0 {
			return p
		}
	}
	if p, err := exec.LookPath("redis-benchmark"); err == nil {
		return p
	}
	return ""
}

func toolVersion(path string) string {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, path, "--version").Output()
	if err != nil {
		return filepath.Base(path)
	}
	line, _, _ := strings.Cut(strings.TrimSpace(string(out)), "\n")
	return line
}

// serverVersion asks the running server: asking the binary with --version
// would start a server on the default port if it did not know the flag.
func serverVersion(s *server) string {
	c, err := dial(s.port, 2*time.Second)
	if err != nil {
		return ""
	}
	defer c.Close()
	name, _ := c.infoField("server", "server_name")
	v, err := c.infoField("server", "valkey_version")
	if err != nil {
		v, _ = c.infoField("server", "redis_version")
		if name == "" {
			name = "redis"
		}
	}
	return strings.TrimSpace(name + " " + v)
}

// flushAll empties a server synchronously, so that freeing the old data does
// not land in the next run's CPU time on a background thread.
func flushAll(c *client) error {
	if _, err := c.do("FLUSHALL", "SYNC"); err != nil {
		if !isRespError(err) {
			return err
		}
		_, err = c.do("FLUSHALL")
		return err
	}
	return nil
}

// reset empties s and loads what spec needs before a run.
func (h *harness) reset(s *server, spec testSpec, c cell, requests, keys int) error {
	cl, err := dial(s.port, 2*time.Second)
	if err != nil {
		return err
	}
	defer cl.Close()
	if err := flushAll(cl); err != nil {
		if !isRespError(err) {
			return fmt.Errorf("FLUSHALL: %w", err)
		}
		// A server still missing FLUSHALL can be measured all the same; its
		// runs just do not start empty, and the report says so.
		h.note(s, fmt.Sprintf("FLUSHALL failed (%v): its runs do not start from an empty server", err))
	}
	if spec.prefill != nil {
		if err := spec.prefill(cl, c.Size, requests, keys); err != nil {
			return fmt.Errorf("prefill for %s: %w", spec.name, err)
		}
	}
	return nil
}

// note records something the reader of the report must know about a
// server, once.
func (h *harness) note(s *server, msg string) {
	si := slices.Index(h.servers, s)
	if si < 0 || slices.Contains(h.res.Servers[si].Notes, msg) {
		return
	}
	h.res.Servers[si].Notes = append(h.res.Servers[si].Notes, msg)
	fmt.Fprintf(h.log, "note: %s: %s\n", s.name, msg)
}

// keyspace is the -r for a cell: --keyspace, capped so that the keys' values
// fit the data budget.
func (h *harness) keyspace(spec testSpec, size int) int {
	if !spec.usesKeys {
		return 0
	}
	k := h.cfg.keyspace
	if spec.usesData {
		k = min(k, roundRequests(float64(h.cfg.budgetMB)*(1<<20)/float64(size+64)))
	}
	return k
}

// capRequests bounds -n for tests whose memory grows with it; never below
// one full pipeline per client.
func (h *harness) capRequests(spec testSpec, c cell, n int) int {
	n = min(n, 100_000_000)
	if spec.grows {
		n = min(n, int(float64(h.cfg.budgetMB)*(1<<20)/float64(max(c.Size, 64))))
	}
	return max(n, c.Clients*c.Pipeline)
}

type plannedCell struct {
	spec testSpec
	cell
}

func (h *harness) cells() []plannedCell {
	var out []plannedCell
	for _, name := range h.cfg.tests {
		spec, _ := lookupTest(name)
		sizes := h.cfg.sizes
		if !spec.usesData {
			sizes = []int{0}
		}
		for _, c := range h.cfg.clients {
			for _, d := range sizes {
				for _, p := range h.cfg.pipelines {
					out = append(out, plannedCell{spec, cell{Test: name, Clients: c, Pipeline: p, Size: d}})
				}
			}
		}
	}
	return out
}

// matrix runs every cell. A failing run is recorded and the matrix goes on;
// only an interrupt or losing every server stops it.
func (h *harness) matrix(ctx context.Context) error {
	cells := h.cells()
	if len(cells) == 0 {
		return nil
	}
	// Every server runs each cell --repeat times plus a probe of about half a second.
	est := time.Duration(float64(len(cells)*len(h.servers)) * (float64(h.cfg.repeat)*h.cfg.seconds*1.1 + 0.5) * float64(time.Second))
	if h.cfg.requests > 0 {
		est = 0
	}
	fmt.Fprintf(h.log, "%d cells × %d servers × %d repeats", len(cells), len(h.servers), h.cfg.repeat)
	if est > 0 {
		fmt.Fprintf(h.log, ", about %s plus set-up", est.Round(time.Minute/6))
	}
	fmt.Fprintln(h.log)
	for i, pc := range cells {
		if err := h.runCell(ctx, fmt.Sprintf("[%d/%d]", i+1, len(cells)), pc.spec, pc.cell); err != nil {
			return err
		}
	}
	return nil
}

func (h *harness) runCell(ctx context.Context, tag string, spec testSpec, c cell) error {
	var live []int
	for i, s := range h.servers {
		if s.alive() {
			live = append(live, i)
		}
	}
	if len(live) == 0 {
		return errors.New("every server has exited")
	}
	keys := h.keyspace(spec, c.Size)
	// failed holds the servers that cannot run this cell (prefill or probe
	// failed) and why; they get that error recorded instead of more runs.
	failed := map[int]error{}
	if spec.readOnly {
		for _, si := range live {
			if err := h.reset(h.servers[si], spec, c, 0, keys); err != nil {
				failed[si] = err
			}
		}
	}
	defer func() {
		// Leave idle servers small while the others run.
		for _, si := range live {
			if cl, err := dial(h.servers[si].port, time.Second); err == nil {
				flushAll(cl)
				cl.Close()
			}
		}
	}()

	n := h.cfg.requests
	if n == 0 {
		var err error
		if n, err = h.probe(ctx, spec, c, keys, live, failed); err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			for _, si := range live {
				h.record(tag, si, spec, c, 0, 0, keys, invocation{}, err)
			}
			return nil
		}
	}
	n = h.capRequests(spec, c, n)

	for rep := 0; rep < h.cfg.repeat; rep++ {
		for k := range live {
			si := live[(k+rep)%len(live)]
			s := h.servers[si]
			var inv invocation
			err := failed[si]
			switch {
			case err != nil:
			case !s.alive():
				err = fmt.Errorf("%s has exited", s.name)
			case !spec.readOnly:
				err = h.reset(s, spec, c, n, keys)
			}
			if err == nil {
				inv, err = h.tool.run(ctx, s, spec, c, n, keys)
			}
			if ctx.Err() != nil {
				return ctx.Err()
			}
			h.record(tag, si, spec, c, rep, n, keys, inv, err)
		}
	}
	return nil
}

// probe sizes -n for a cell and warms every server up alike: each server
// runs the cell once, -n growing until a run lasts at least a quarter
// second, and -n is then scaled so that the fastest server's run takes the
// target duration. Taking the fastest keeps a probe that other work on the
// machine slowed down from leaving the real runs too short. Every server
// then gets the same -n. A server whose probe fails is added to failed.
func (h *harness) probe(ctx context.Context, spec testSpec, c cell, keys int, live []int, failed map[int]error) (int, error) {
	var lastErr error
	n := h.capRequests(spec, c, max(2*c.Clients*c.Pipeline, 10000))
	sized := 0
	for _, si := range live {
		s := h.servers[si]
		if failed[si] != nil {
			lastErr = failed[si]
			continue
		}
		for attempt := 0; ; attempt++ {
			if !spec.readOnly {
				if err := h.reset(s, spec, c, n, keys); err != nil {
					failed[si], lastErr = err, err
					break
				}
			}
			inv, err := h.tool.run(ctx, s, spec, c, n, keys)
			if ctx.Err() != nil {
				return 0, ctx.Err()
			}
			if err != nil {
				failed[si], lastErr = err, err
				break
			}
			dur := float64(n) / inv.row.RPS
			next := h.capRequests(spec, c, roundRequests(float64(n)*min(10, 0.5/dur)))
			if dur >= 0.25 || attempt == 3 || next <= n {
				sized = max(sized, roundRequests(inv.row.RPS*h.cfg.seconds), n)
				break
			}
			n = next
		}
	}
	if sized == 0 {
		return 0, fmt.Errorf("sizing -n: %v", lastErr)
	}
	return sized, nil
}

// record appends one run to the results and prints a progress line.
func (h *harness) record(tag string, si int, spec testSpec, c cell, rep, n, keys int, inv invocation, err error) {
	s := h.servers[si]
	r := newRun(s.name, c, rep, n, keys, inv, err)
	h.res.Runs = append(h.res.Runs, r)

	head := fmt.Sprintf("%s %-10s -c %-3d -P %-2d -d %-5s rep %d/%d %-8s", tag, c.Test, c.Clients, c.Pipeline, fmtSize(c.Size), rep+1, h.cfg.repeat, s.name)
	if err != nil {
		fmt.Fprintf(h.log, "%s error: %s\n", head, lastLine(r.Error))
		return
	}
	fmt.Fprintf(h.log, "%s %9s rps  p50 %.3f  p99 %.3f ms  server cpu %.2fs  %s rps/CPU-s  (-n %d)\n",
		head, fmtRate(r.RPS), r.P50Ms, r.P99Ms, r.ServerCPUSec, fmtRate(r.RPSPerCPUSec), n)
}

func isRespError(err error) bool {
	var re respError
	return errors.As(err, &re)
}

// writeOutputs writes results.json, report.md and one chart per test to the
// output directory, and the report to w.
func (h *harness) writeOutputs(w io.Writer) error {
	old, _ := filepath.Glob(filepath.Join(h.outDir, "chart-*.svg"))
	for _, f := range old {
		os.Remove(f)
	}
	write := func(name string, fill func(io.Writer) error) error {
		f, err := os.Create(filepath.Join(h.outDir, name))
		if err != nil {
			return err
		}
		if err := fill(f); err != nil {
			f.Close()
			return err
		}
		return f.Close()
	}
	if err := write("results.json", func(w io.Writer) error { return writeJSON(w, h.res) }); err != nil {
		return err
	}
	aggs := aggregate(h.res)
	var report strings.Builder
	writeMarkdown(&report, h.res, aggs)
	if err := write("report.md", func(w io.Writer) error { _, err := io.WriteString(w, report.String()); return err }); err != nil {
		return err
	}
	var charts []string
	for _, t := range h.cfg.tests {
		if !hasTest(aggs, t) {
			continue
		}
		name := "chart-" + t + ".svg"
		if err := write(name, func(w io.Writer) error { writeSVG(w, t, aggs, h.res.Servers); return nil }); err != nil {
			return err
		}
		charts = append(charts, name)
	}
	fmt.Fprint(w, report.String())
	fmt.Fprintf(h.log, "\nwrote %s: %s\n", h.outDir, strings.Join(append([]string{"results.json", "report.md"}, append(charts, "logs/")...), ", "))
	return nil
}

func hasTest(aggs []cellAgg, test string) bool {
	for _, a := range aggs {
		if a.Test == test {
			return true
		}
	}
	return false
}
