package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// clockTicks is USER_HZ, the unit of utime and stime in /proc/<pid>/stat. The
// kernel exports it as 100 on every Linux architecture, whatever CONFIG_HZ is;
// sysconf(_SC_CLK_TCK) would need cgo to tell us the same thing.
const clockTicks = 100

// serverSpec says which binary to run under which label.
type serverSpec struct {
	name  string   // label in reports: "volley", "redis", "valkey", …
	role  string   // roleVolley or roleReference
	path  string   // binary
	extra []string // extra command-line arguments, already in --name value form
}

const (
	roleVolley    = "volley"
	roleReference = "reference"
)

// server is one server process the harness started and must stop.
type server struct {
	serverSpec
	version string
	port    int
	dir     string // fresh temporary data directory, removed by stop
	logPath string
	argv    []string

	cmd      *exec.Cmd
	exited   chan struct{} // closed once the process has been reaped
	waitErr  error         // valid after exited is closed
	stopOnce sync.Once
}

// freePort asks the kernel for a free loopback port. Another process may take
// it before the server binds it; startServer retries when that happens.
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// serverArgs converts "--volley-arg 'io-threads 2'" style strings into
// command-line arguments: the first word becomes the --option.
func serverArgs(specs []string) []string {
	var out []string
	for _, s := range specs {
		f := strings.Fields(s)
		if len(f) == 0 {
			continue
		}
		if !strings.HasPrefix(f[0], "--") {
			f[0] = "--" + f[0]
		}
		out = append(out, f...)
	}
	return out
}

// pinned prefixes argv with taskset when cpus is not empty.
func pinned(cpus string, argv []string) []string {
	if cpus == "" {
		return argv
	}
	return append([]string{"taskset", "-c", cpus}, argv...)
}

// startServer starts spec on a free loopback port in a fresh data directory,
// persistence off, and waits until it answers PING. The process gets its own
// process group, so that stop can kill everything it spawned, and a parent
// death signal, so that it dies with the harness even if the harness is
// SIGKILLed.
func startServer(spec serverSpec, cpus, logDir string, debugCommand bool) (*server, error) {
	var lastErr error
	for attempt := 0; attempt < 3; attempt++ {
		s, err := tryStart(spec, cpus, logDir, debugCommand)
		if err == nil {
			return s, nil
		}
		lastErr = err
		if !strings.Contains(err.Error(), "in use") {
			break
		}
	}
	return nil, lastErr
}

func tryStart(spec serverSpec, cpus, logDir string, debugCommand bool) (*server, error) {
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "volley-bench-"+spec.name+"-")
	if err != nil {
		return nil, err
	}
	s := &server{serverSpec: spec, port: port, dir: dir, exited: make(chan struct{})}
	s.logPath = filepath.Join(logDir, spec.name+".log")
	args := []string{spec.path, "--port", strconv.Itoa(port), "--bind", "127.0.0.1",
		"--save", "", "--appendonly", "no", "--dir", dir}
	if debugCommand {
		args = append(args, "--enable-debug-command", "yes")
	}
	args = append(args, spec.extra...)
	s.argv = pinned(cpus, args)

	logf, err := os.OpenFile(s.logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	fmt.Fprintf(logf, "=== %s %q\n", time.Now().Format(time.RFC3339), s.argv)
	s.cmd = exec.Command(s.argv[0], s.argv[1:]...)
	s.cmd.Dir = dir
	s.cmd.Stdout = logf
	s.cmd.Stderr = logf
	s.cmd.SysProcAttr = childAttr()
	err = s.cmd.Start()
	logf.Close() // the child has its own descriptor
	if err != nil {
		os.RemoveAll(dir)
		return nil, fmt.Errorf("starting %s: %w", spec.name, err)
	}
	go func() {
		s.waitErr = s.cmd.Wait()
		close(s.exited)
	}()
	if err := s.waitReady(15 * time.Second); err != nil {
		s.stop()
		return nil, fmt.Errorf("%s (%s) did not come up on port %d: %v\n%s", spec.name, spec.path, port, err, s.logTail())
	}
	return s, nil
}

// waitReady polls until the server answers PING with PONG.
func (s *server) waitReady(timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	var lastErr error
	for time.Now().Before(deadline) {
		if !s.alive() {
			if strings.Contains(s.logTail(), "in use") {
				return errors.New("address in use")
			}
			return fmt.Errorf("process exited: %v", s.waitErr)
		}
		c, err := dial(s.port, 200*time.Millisecond)
		if err == nil {
			var v any
			v, err = c.do("PING")
			c.Close()
			if err == nil && v == "PONG" {
				return nil
			}
			if err == nil {
				err = fmt.Errorf("PING replied %v", v)
			}
		}
		lastErr = err
		time.Sleep(50 * time.Millisecond)
	}
	return fmt.Errorf("timed out: %v", lastErr)
}

func (s *server) alive() bool {
	select {
	case <-s.exited:
		return false
	default:
		return true
	}
}

func (s *server) pid() int { return s.cmd.Process.Pid }

// stop terminates the server's whole process group (SIGTERM, then SIGKILL
// after five seconds), reaps it and removes its data directory. Safe to call
// more than once and from a signal path.
func (s *server) stop() {
	s.stopOnce.Do(func() {
		pgid := s.cmd.Process.Pid
		if s.alive() {
			syscall.Kill(-pgid, syscall.SIGTERM)
			select {
			case <-s.exited:
			case <-time.After(5 * time.Second):
				syscall.Kill(-pgid, syscall.SIGKILL)
				<-s.exited
			}
		}
		// Anything the server forked (a BGSAVE child, say) is in its group.
		syscall.Kill(-pgid, syscall.SIGKILL)
		os.RemoveAll(s.dir)
	})
}

// logTail returns the last lines of the server's log, for error messages.
func (s *server) logTail() string {
	b, err := os.ReadFile(s.logPath)
	if err != nil {
		return ""
	}
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	if len(lines) > 15 {
		lines = lines[len(lines)-15:]
	}
	return "  " + strings.Join(lines, "\n  ")
}

// procCPUSeconds returns utime+stime of the whole process (all threads) from
// /proc/<pid>/stat.
func procCPUSeconds(pid int) (float64, error) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0, err
	}
	return parseProcStat(b)
}

// parseProcStat reads utime and stime (fields 14 and 15) out of a
// /proc/<pid>/stat line. The command name in field 2 may hold spaces and
// parentheses, so fields are counted from the last ')'.
func parseProcStat(b []byte) (float64, error) {
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return 0, errors.New("malformed /proc stat")
	}
	f := strings.Fields(string(b[i+1:]))
	if len(f) < 13 {
		return 0, errors.New("short /proc stat")
	}
	utime, err1 := strconv.ParseUint(f[11], 10, 64) // field 14
	stime, err2 := strconv.ParseUint(f[12], 10, 64) // field 15
	if err := errors.Join(err1, err2); err != nil {
		return 0, err
	}
	return float64(utime+stime) / clockTicks, nil
}

// procRSSBytes returns VmRSS from /proc/<pid>/status.
func procRSSBytes(pid int) (int64, error) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return 0, err
	}
	for line := range strings.SplitSeq(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			f := strings.Fields(v)
			if len(f) != 2 || f[1] != "kB" {
				return 0, fmt.Errorf("malformed VmRSS line %q", line)
			}
			kb, err := strconv.ParseInt(f[0], 10, 64)
			return kb * 1024, err
		}
	}
	return 0, errors.New("no VmRSS in /proc status")
}

// moduleRoot finds the directory holding Volley's go.mod, starting at the
// working directory.
func moduleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		b, err := os.ReadFile(filepath.Join(dir, "go.mod"))
		if err == nil && bytes.Contains(b, []byte("module github.com/volleydb/volley\n")) {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("not inside the github.com/volleydb/volley module")
		}
		dir = parent
	}
}

// buildVolley compiles ./cmd/volley-server into dir and returns the binary path.
func buildVolley(ctx context.Context, root, dir string) (string, error) {
	out := filepath.Join(dir, "volley-server")
	cmd := exec.CommandContext(ctx, "go", "build", "-o", out, "./cmd/volley-server")
	cmd.Dir = root
	if b, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("go build ./cmd/volley-server: %v\n%s(pass --volley PATH to use a prebuilt binary)", err, b)
	}
	return out, nil
}

// parseCPUList parses a taskset-style list such as "0", "0-1" or "0,2-3".
func parseCPUList(s string) ([]int, error) {
	var cpus []int
	for part := range strings.SplitSeq(s, ",") {
		lo, hi, isRange := strings.Cut(strings.TrimSpace(part), "-")
		a, err := strconv.Atoi(lo)
		if err != nil {
			return nil, fmt.Errorf("bad CPU list %q", s)
		}
		b := a
		if isRange {
			if b, err = strconv.Atoi(hi); err != nil || b < a {
				return nil, fmt.Errorf("bad CPU list %q", s)
			}
		}
		for c := a; c <= b; c++ {
			cpus = append(cpus, c)
		}
	}
	return cpus, nil
}

// cpuBusySeconds returns the user+nice+system time the given CPUs have spent,
// from /proc/stat. Interrupt time is left out: it is not charged to any
// process either, so busy time minus the processes' CPU time is what other
// processes took.
func cpuBusySeconds(cpus []int) (float64, error) {
	b, err := os.ReadFile("/proc/stat")
	if err != nil {
		return 0, err
	}
	return parseCPUBusy(b, cpus)
}

func parseCPUBusy(b []byte, cpus []int) (float64, error) {
	var ticks uint64
	found := 0
	for line := range strings.SplitSeq(string(b), "\n") {
		f := strings.Fields(line)
		if len(f) < 5 || !strings.HasPrefix(f[0], "cpu") || f[0] == "cpu" {
			continue
		}
		n, err := strconv.Atoi(f[0][3:])
		if err != nil || !slices.Contains(cpus, n) {
			continue
		}
		for _, v := range f[1:4] { // user nice system
			t, err := strconv.ParseUint(v, 10, 64)
			if err != nil {
				return 0, fmt.Errorf("malformed /proc/stat line %q", line)
			}
			ticks += t
		}
		found++
	}
	if found != len(cpus) {
		return 0, fmt.Errorf("/proc/stat lacks some of CPUs %v", cpus)
	}
	return float64(ticks) / clockTicks, nil
}

// loadAverage returns the one-minute load average from /proc/loadavg.
func loadAverage() float64 {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return 0
	}
	f := strings.Fields(string(b))
	if len(f) == 0 {
		return 0
	}
	v, _ := strconv.ParseFloat(f[0], 64)
	return v
}
