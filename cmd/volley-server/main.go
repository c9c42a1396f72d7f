// Command volley-server is Volley's server. It is started like
// valkey-server:
//
//	volley-server [/path/to/valkey.conf] [--directive value ...]
//
// It reads the configuration, wires the engine, the coordinator and the
// I/O loops together, and runs until SHUTDOWN, SIGTERM or SIGINT.
package main

import (
	"context"
	"errors"
	"fmt"
	"math"
	"net"
	"os"
	"os/signal"
	"os/user"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/volleydb/volley/engine"
	"github.com/volleydb/volley/engine/config"
	"github.com/volleydb/volley/iothreads"
	"github.com/volleydb/volley/loop"
)

func main() {
	initProcTitle() // first: it gives os.Args copies of the memory it then reuses
	os.Exit(run(os.Args[1:]))
}

func run(args []string) int {
	if len(args) == 1 {
		switch args[0] {
		case "-v", "--version":
			fmt.Printf("Volley server v=%s valkey=%s bits=64 go=%s\n", engine.VolleyVersion, engine.Version, runtime.Version())
			return 0
		case "-h", "--help":
			usage()
			return 0
		}
	}
	seenUsers := make(map[string]bool)
	cfg, err := config.Load(config.ParseArgs(args), config.LoadOptions{
		Version:       engine.Version,
		Stdin:         os.Stdin,
		User:          func(args []string) error { return engine.ValidateUserDirective(seenUsers, args) },
		RenameCommand: engine.RenameChecker(),
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	if cfg.Daemonize && os.Getenv(daemonEnv) == "" {
		return daemonize()
	}

	logOut, err := openLog(cfg.LogFile)
	if err != nil {
		fmt.Fprintf(os.Stderr, "Can't open the log file: %v\n", err)
		return 1
	}
	log := engine.NewLogger(logOut, int(cfg.LogLevel))
	engine.RouteNetpollLog(log)
	if cfg.ReplicaOfHost != "" {
		log.SetRole('S') // Valkey marks a replica's log lines so from the start
	}
	if cfg.Dir != "" {
		if err := os.Chdir(cfg.Dir); err != nil {
			log.Warningf("Can't chdir to '%s': %v", cfg.Dir, err)
			return 1
		}
	}

	log.Noticef("oO0OoO0OoO0Oo Volley is starting oO0OoO0OoO0Oo")
	log.Noticef("Volley version=%s, valkey_version=%s, bits=64, go=%s, pid=%d, just started",
		engine.VolleyVersion, engine.Version, runtime.Version(), os.Getpid())
	if cfg.ConfigFile == "" {
		log.Warningf("Warning: no config file specified, using the default config. In order to specify a config file use %s /path/to/valkey.conf", os.Args[0])
	} else {
		log.Noticef("Configuration loaded")
	}

	// Valkey chdirs to dir as soon as it is set; the config package only
	// validates it.
	cfg.OnChange("dir", func(_, dir string) error { return os.Chdir(dir) })

	applyGCPolicy(cfg.MaxMemory)
	cfg.OnChange("maxmemory", func(_, _ string) error { applyGCPolicy(cfg.MaxMemory); return nil })

	srv := engine.NewServer(cfg, log)
	srv.ConfigFile = cfg.ConfigFile
	srv.TCPPort = cfg.Port
	// With appendonly yes the AOF is the dataset, and the RDB file is
	// not read (Valkey's loadDataFromDisk).
	load := srv.LoadRDB
	if cfg.AppendOnly {
		load = func() error {
			if err := srv.LoadAOF(); err != nil {
				return err
			}
			return srv.OpenAOF()
		}
	}
	if err := srv.LoadACL(); err != nil {
		log.Warningf("%v", err)
		return 1
	}
	co := loop.New(srv)

	addrs, err := listenAddrs(cfg)
	if err != nil {
		log.Warningf("Configured to not listen anywhere, exiting.")
		return 1
	}
	ios := iothreads.New(co, iothreads.Options{
		Loops:        cfg.IOThreads,
		Addrs:        addrs,
		TCPKeepAlive: time.Duration(cfg.TCPKeepAlive) * time.Second,
		TCPBacklog:   cfg.TCPBacklog,
		Log:          log,
	})
	if err := ios.ConfigureTLS(); err != nil {
		log.Warningf("Failed to configure TLS. Check logs for more info.")
		return 1
	}

	done := make(chan struct{})
	shutdownReq := make(chan engine.ShutdownFlags, 1)
	// ps shows the title proc-title-template gives, from now and after
	// each CONFIG SET, as Valkey's does (set-proc-title no leaves it).
	if v, _ := cfg.Value("set-proc-title"); v == "yes" {
		title := func(c *config.Config) { setProcTitle(c.ProcTitle(os.Args[0])) }
		title(cfg)
		srv.ConfigApplied = title
	}
	srv.Shutdown = func(flags engine.ShutdownFlags) error {
		select {
		case shutdownReq <- flags:
		default:
		}
		return nil
	}

	// The handlers go in before the first client can connect: a SIGTERM
	// that came between the first reply and signal.Notify would kill the
	// server the default way, with no shutdown save. One that comes while
	// the server still boots waits in the channel and is served after.
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, syscall.SIGTERM, syscall.SIGINT)

	// The dataset loads once the listeners are open, as in Valkey: clients
	// connecting meanwhile are answered LOADING (engine/loading.go). The
	// load holds the engine from before the first client can connect, so
	// that none is answered before the load has begun and knows its size
	// (INFO's loading_total_bytes); they wait for its first yield.
	co.Acquire()
	srv.BeginLoading()
	serveErr := make(chan error, 1)
	go func() { serveErr <- ios.Serve(); close(done) }()
	select {
	case err := <-serveErr:
		co.Release()
		log.Warningf("Failed listening on %s: %v", strings.Join(addrs, ", "), err)
		return 1
	case <-ios.Booted():
	}
	if err := unixSocketAccess(cfg); err != nil {
		co.Release()
		log.Warningf("Failed opening Unix socket: %v", err)
		return 1
	}

	if cfg.PidFile != "" {
		if err := os.WriteFile(cfg.PidFile, []byte(strconv.Itoa(os.Getpid())+"\n"), 0o644); err != nil {
			log.Warningf("Failed to write PID file: %v", err)
		}
	}
	showBanner(log, cfg)
	log.Noticef("Server initialized")

	// Between reads the loader lets the I/O loops answer; a SHUTDOWN or a
	// signal then ends the load, and the server, without saving the
	// partial dataset (Valkey's prepareForShutdown does not save while
	// loading).
	stopped := false
	srv.SetLoadYield(func() error {
		co.Yield()
		select {
		case <-shutdownReq:
		case <-sigs:
			signalLog(log, "Received shutdown signal during loading, scheduling shutdown.")
		default:
			return nil
		}
		stopped = true
		return errLoadStopped
	})
	loadErr := load()
	srv.EndLoading()
	co.Release()
	if loadErr != nil {
		exitCode := 1
		if stopped {
			exitCode = 0
		} else {
			msg := loadErr.Error() // Go's errors start in lower case, Valkey's messages do not
			log.Warningf("%s", strings.ToUpper(msg[:1])+msg[1:])
		}
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = ios.Stop(ctx)
		if cfg.PidFile != "" {
			_ = os.Remove(cfg.PidFile)
		}
		if stopped {
			log.Noticef("Volley is now ready to exit, bye bye...")
		}
		return exitCode
	}
	co.Start()
	prev := "" // listenAddrs lists every tcp address before the unix socket
	for _, a := range addrs {
		kind, _, _ := strings.Cut(a, "://")
		if kind = strings.TrimRight(kind, "46"); kind != prev { // tcp4 and tcp6 are one "tcp", as in Valkey
			prev = kind
			log.Noticef("Ready to accept connections %s", kind)
		}
	}
	if cfg.TLSPort != 0 {
		log.Noticef("Ready to accept connections tls")
	}

	// A signal schedules the shutdown and the cron serves it (as Valkey's
	// serverCron serves shutdown_asap), so SHUTDOWN ABORT can cancel it in
	// between. A second SIGINT while one waits exits at once.
	go func() {
		for sig := range sigs {
			code := int32(engine.SignalTerm)
			if sig == syscall.SIGINT {
				code = engine.SignalInt
			}
			if sig == syscall.SIGINT && srv.SignalShutdownPending() {
				signalLog(log, "You insist... exiting now.")
				srv.RemoveTempRDB()
				os.Exit(1)
			}
			signalLog(log, "Received "+signalName(sig)+" scheduling shutdown...")
			srv.ScheduleSignalShutdown(code)
		}
	}()

	var exitCode int
	select {
	case <-shutdownReq:
		// SHUTDOWN, or the cron serving a signal, saved already before it
		// agreed to stop.
	case err := <-serveErr:
		if err != nil {
			log.Warningf("I/O loops stopped: %v", err)
			exitCode = 1
		}
	}

	co.Stop()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := ios.Stop(ctx); err != nil && !errors.Is(err, context.Canceled) {
		log.Warningf("Stopping I/O loops: %v", err)
	}
	// Flushed and fsynced once no command can run any more: a write the
	// loops ran after it would be answered and not be in the file.
	co.Do(func(srv *engine.Server) { srv.CloseAOF() })
	if cfg.PidFile != "" {
		log.Noticef("Removing the pid file.")
		_ = os.Remove(cfg.PidFile)
	}
	if cfg.UnixSocket != "" {
		_ = os.Remove(cfg.UnixSocket)
	}
	log.Noticef("Volley is now ready to exit, bye bye...")
	return exitCode
}

// errLoadStopped ends a start-up load that a shutdown interrupted.
var errLoadStopped = errors.New("loading stopped by a shutdown")

// signalLog logs a signal's line as Valkey's handler writes it, in its
// own form ("<pid>:signal-handler (<unix time>) <msg>"), at warning level.
func signalLog(log *engine.Logger, msg string) {
	log.Raw(engine.LogWarning, fmt.Sprintf("%d:signal-handler (%d) %s\n", os.Getpid(), time.Now().Unix(), msg))
}

// signalName names the shutdown signals as Valkey's log does.
func signalName(sig os.Signal) string {
	if sig == syscall.SIGINT {
		return "SIGINT"
	}
	return "SIGTERM"
}

// errNoListeners means neither a TCP port, a TLS port nor a unix socket
// is set.
var errNoListeners = errors.New("no TCP port, TLS port or unix socket to listen on")

// listenAddrs turns bind, port and unixsocket into gnet addresses (the
// TLS listeners are the I/O server's own). A bind address prefixed with
// '-' is optional, as in Valkey: it is skipped when it cannot be bound
// (for instance ::1 on a host without IPv6).
func listenAddrs(cfg *config.Config) ([]string, error) {
	var out []string
	if cfg.Port != 0 {
		for _, a := range iothreads.BindAddrs(cfg.Bind, cfg.Port) {
			if a.Optional {
				l, err := net.Listen(a.Network, a.Addr)
				if err != nil {
					continue
				}
				_ = l.Close()
			}
			out = append(out, a.Network+"://"+a.Addr)
		}
	}
	if cfg.UnixSocket != "" {
		_ = os.Remove(cfg.UnixSocket)
		out = append(out, "unix://"+cfg.UnixSocket)
	}
	if len(out) == 0 && cfg.TLSPort == 0 {
		return nil, errNoListeners
	}
	return out, nil
}

func openLog(path string) (*os.File, error) {
	if path == "" {
		return os.Stdout, nil
	}
	return os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o644)
}

// daemonEnv marks the re-executed child of a daemonizing server.
const daemonEnv = "VOLLEY_DAEMONIZED"

// daemonize starts a detached copy of this process in a new session, with
// its standard streams on /dev/null, and returns the parent's exit code.
// Go cannot fork, so the child is a fresh exec of the same binary and
// arguments.
func daemonize() int {
	exe, err := os.Executable()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	null, err := os.OpenFile(os.DevNull, os.O_RDWR, 0)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer null.Close()
	wd, _ := os.Getwd()
	attr := &os.ProcAttr{
		Dir:   wd,
		Env:   append(os.Environ(), daemonEnv+"=1"),
		Files: []*os.File{null, null, null},
		Sys:   &syscall.SysProcAttr{Setsid: true},
	}
	p, err := os.StartProcess(exe, os.Args, attr)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	_ = p.Release()
	return 0
}

func usage() {
	name := filepath.Base(os.Args[0])
	fmt.Fprintf(os.Stderr, `Usage: ./%[1]s [/path/to/valkey.conf] [options] [-]
       ./%[1]s - (read config from stdin)
       ./%[1]s -v or --version
       ./%[1]s -h or --help

Examples:
       ./%[1]s (run the server with default conf)
       ./%[1]s /etc/valkey/6379.conf
       ./%[1]s --port 7777
       ./%[1]s /etc/myvalkey.conf --loglevel verbose -
`, name)
}

// The garbage collector's policy. The keyspace's records and buckets live
// in arenas mapped outside the Go heap (engine/keyspace), which the GC
// neither scans nor counts; the heap holds client buffers, replies and
// the large encodings of collections. GOGC=100 (the default) lets the heap
// grow to twice its live size between collections, which for that small
// heap is cheap and keeps the GC off the hot path.
//
// With maxmemory set, used_memory (heap + arenas) must stay under it, so
// the heap alone never legitimately exceeds maxmemory: GOMEMLIMIT =
// maxmemory makes the GC collect harder as the heap nears that bound
// instead of letting GOGC's doubling overshoot it. The limit cannot be
// tighter than that without knowing the arenas' size at every moment,
// since GOMEMLIMIT governs only what the Go runtime itself maps. A small
// floor keeps a tiny maxmemory from making the GC run continuously.
// Without maxmemory there is no limit. GOGC or GOMEMLIMIT set in the
// environment win: the operator asked for them.
const gcLimitFloor = 64 << 20

func applyGCPolicy(maxmemory uint64) {
	if os.Getenv("GOMEMLIMIT") != "" {
		return
	}
	limit := int64(math.MaxInt64)
	if maxmemory > 0 {
		limit = int64(min(max(maxmemory, gcLimitFloor), math.MaxInt64))
	}
	debug.SetMemoryLimit(limit)
}

// unixSocketAccess gives the unix socket the mode unixsocketperm sets and
// the group unixsocketgroup names, as Valkey's anetListen does. gnet has
// opened and is listening on it by now, so a client connecting in the
// moment before finds the default mode.
func unixSocketAccess(cfg *config.Config) error {
	if cfg.UnixSocket == "" {
		return nil
	}
	if cfg.UnixSocketPerm != 0 {
		_ = os.Chmod(cfg.UnixSocket, os.FileMode(cfg.UnixSocketPerm)) // unchecked, as Valkey's chmod is
	}
	name, _ := cfg.Value("unixsocketgroup")
	if name == "" {
		return nil
	}
	g, err := user.LookupGroup(name)
	if err != nil {
		var unknown user.UnknownGroupError
		if errors.As(err, &unknown) {
			return fmt.Errorf("getgrnam error for group '%s': Success", name) // getgrnam leaves errno 0
		}
		return fmt.Errorf("getgrnam error for group '%s': %s", name, config.Strerror(err))
	}
	gid, err := strconv.Atoi(g.Gid)
	if err != nil {
		return fmt.Errorf("getgrnam error for group '%s': %s", name, config.Strerror(err))
	}
	if err := os.Chown(cfg.UnixSocket, -1, gid); err != nil {
		return fmt.Errorf("chown error for group '%s': %s", name, config.Strerror(err))
	}
	return nil
}
