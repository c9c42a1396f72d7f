package main

import (
	"bufio"
	"bytes"
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
	"testing"
	"time"

	"github.com/volleydb/volley/engine/resp"
)

// The integration tests build the real binary once and start it on free
// loopback ports, each server in its own temporary directory.

var (
	buildOnce sync.Once
	binDir    string
	binPath   string
	buildErr  error
)

// TestMain removes the built binary once every test has run.
func TestMain(m *testing.M) {
	code := m.Run()
	if binDir != "" {
		os.RemoveAll(binDir)
	}
	os.Exit(code)
}

func serverBinary(t testing.TB) string {
	t.Helper()
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "volley-bin-")
		if err != nil {
			buildErr = err
			return
		}
		binDir = dir
		binPath = filepath.Join(dir, "volley-server")
		args := []string{"build", "-o", binPath}
		if raceEnabled {
			args = append(args, "-race")
		}
		cmd := exec.Command("go", append(args, ".")...)
		// A test may set GODEBUG for the server it starts (the soak's
		// scheduler trace); the toolchain must not trace itself into
		// the build output, which go caches and replays.
		cmd.Env = slices.DeleteFunc(os.Environ(), func(kv string) bool { return strings.HasPrefix(kv, "GODEBUG=") })
		out, err := cmd.CombinedOutput()
		if err != nil {
			buildErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return binPath
}

// freePort asks the kernel for a free loopback port.
func freePort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// testServer is a running volley-server.
type testServer struct {
	t    testing.TB
	Port int
	Dir  string
	cmd  *exec.Cmd
	log  *bytes.Buffer
	mu   sync.Mutex
	done chan struct{}
	err  error

	waitReady bool // startServer returns once the dataset is loaded
}

// loadingWanted reports whether a test starts a server to talk to it
// while it loads (it slows the load down), and so must not wait for the
// load to end.
func loadingWanted(args []string) bool {
	for _, a := range args {
		if a == "--key-load-delay" {
			return true
		}
	}
	return false
}

// startServer starts the binary with extra arguments (after the config
// file, if any, which the caller passes as the first element). It is
// stopped when the test ends, also when the test fails.
func startServer(t testing.TB, args ...string) *testServer {
	t.Helper()
	return startServerIn(t, t.TempDir(), args...)
}

// startServerIn is startServer with dir as the server's directory, for a
// test that starts a server again where an earlier one saved its data.
func startServerIn(t testing.TB, dir string, args ...string) *testServer {
	t.Helper()
	return startServerAt(t, dir, freePort(t), args...)
}

// startServerAt is startServerIn on a given port, for a test that
// restarts a server where its peers know it.
func startServerAt(t testing.TB, dir string, port int, args ...string) *testServer {
	t.Helper()
	bin := serverBinary(t)
	full := append([]string{}, args...)
	full = append(full, "--port", strconv.Itoa(port), "--bind", "127.0.0.1", "--dir", dir)
	s := &testServer{t: t, Port: port, Dir: dir, log: new(bytes.Buffer), done: make(chan struct{}), waitReady: !loadingWanted(args)}
	s.cmd = exec.Command(bin, full...)
	s.cmd.Dir = dir
	s.cmd.Stdout = lockedWriter{&s.mu, s.log}
	s.cmd.Stderr = lockedWriter{&s.mu, s.log}
	s.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := s.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { s.err = s.cmd.Wait(); close(s.done) }()
	t.Cleanup(s.Kill)
	deadline := time.Now().Add(20 * time.Second)
	for {
		// The listeners open before the dataset loads; the server is
		// ready once it says so.
		c, err := net.DialTimeout("tcp", s.Addr(), 200*time.Millisecond)
		if err == nil {
			c.Close()
			if strings.Contains(s.Log(), "Ready to accept connections") || !s.waitReady {
				return s
			}
		}
		select {
		case <-s.done:
			t.Fatalf("server exited at start: %v\n%s", s.err, s.Log())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("server did not listen on %s\n%s", s.Addr(), s.Log())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func (s *testServer) Addr() string { return "127.0.0.1:" + strconv.Itoa(s.Port) }

// waitLog waits until the server's log holds want. The log reaches the
// test through a pipe, so a line the server wrote before a reply the test
// has seen may still be on its way.
func waitLog(t testing.TB, s *testServer, want string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(s.Log(), want) {
		if time.Now().After(deadline) {
			t.Fatalf("log lacks %q:\n%s", want, s.Log())
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// Log returns what the server printed so far.
func (s *testServer) Log() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.log.String()
}

// Kill stops the server with SIGKILL if it is still running.
func (s *testServer) Kill() {
	select {
	case <-s.done:
		return
	default:
	}
	_ = syscall.Kill(-s.cmd.Process.Pid, syscall.SIGKILL)
	<-s.done
}

// WaitExit waits, at most 10 seconds, for the server to exit after what
// asked it to (named in the failure).
func (s *testServer) WaitExit(after string) {
	s.t.Helper()
	select {
	case <-s.done:
	case <-time.After(10 * time.Second):
		s.t.Fatalf("the server did not exit after %s\n%s", after, s.Log())
	}
}

// Alive reports whether the server process is still running.
func (s *testServer) Alive() bool {
	select {
	case <-s.done:
		return false
	default:
		return true
	}
}

type lockedWriter struct {
	mu *sync.Mutex
	b  *bytes.Buffer
}

func (w lockedWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.Write(p)
}

// rawConn speaks raw RESP to a server, for byte-exact assertions.
type rawConn struct {
	t testing.TB
	c net.Conn
	r *resp.Reader
}

func dialRaw(t testing.TB, s *testServer) *rawConn {
	t.Helper()
	c, err := net.Dial("tcp", s.Addr())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return &rawConn{t: t, c: c, r: resp.NewReader(bufio.NewReader(c))}
}

// Send writes raw bytes.
func (rc *rawConn) Send(b string) {
	rc.t.Helper()
	_ = rc.c.SetWriteDeadline(time.Now().Add(10 * time.Second))
	if _, err := rc.c.Write([]byte(b)); err != nil {
		rc.t.Fatal(err)
	}
}

// Reply reads one complete reply's raw bytes.
func (rc *rawConn) Reply() string {
	rc.t.Helper()
	_ = rc.c.SetReadDeadline(time.Now().Add(10 * time.Second))
	b, err := rc.r.ReadRaw()
	if err != nil {
		rc.t.Fatalf("reading reply: %v", err)
	}
	return string(b)
}

// Do sends a command as a multibulk and returns the raw reply.
func (rc *rawConn) Do(args ...string) string {
	rc.t.Helper()
	rc.Send(multibulk(args...))
	return rc.Reply()
}

// Expect sends a command and checks the raw reply.
func (rc *rawConn) Expect(want string, args ...string) {
	rc.t.Helper()
	if got := rc.Do(args...); got != want {
		rc.t.Errorf("%s: got %q, want %q", strings.Join(args, " "), got, want)
	}
}

// ExpectReplies reads len(want) replies and checks each, failing at the
// first that differs; label says which pipeline it was. Long replies are
// shown by their ends.
func (rc *rawConn) ExpectReplies(label string, want ...string) {
	rc.t.Helper()
	for i, w := range want {
		if got := rc.Reply(); got != w {
			if len(got) > 80 {
				got = got[:40] + "..." + got[len(got)-40:]
			}
			rc.t.Fatalf("%s, reply %d: got %q (len %d), want len %d", label, i, got, len(got), len(w))
		}
	}
}

// ExpectClosed checks that the server closes the connection.
func (rc *rawConn) ExpectClosed() {
	rc.t.Helper()
	_ = rc.c.SetReadDeadline(time.Now().Add(10 * time.Second))
	var buf [1]byte
	n, err := rc.c.Read(buf[:])
	if err == nil {
		rc.t.Fatalf("connection still open: read %q", buf[:n])
	}
	if ne, ok := err.(net.Error); ok && ne.Timeout() {
		rc.t.Fatal("connection still open after 10s")
	}
}

// expectRefused checks that s refuses new connections: it has stopped
// listening.
func expectRefused(t testing.TB, s *testServer) {
	t.Helper()
	c, err := net.Dial("tcp", s.Addr())
	if err == nil {
		c.Close()
		t.Fatalf("a new connection to %s was accepted", s.Addr())
	}
	if !errors.Is(err, syscall.ECONNREFUSED) {
		t.Fatalf("a new connection: %v, want connection refused", err)
	}
}

// bulk is v as a RESP bulk string.
func bulk(v string) string { return "$" + strconv.Itoa(len(v)) + "\r\n" + v + "\r\n" }

func multibulk(args ...string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "*%d\r\n", len(args))
	for _, a := range args {
		fmt.Fprintf(&b, "$%d\r\n%s\r\n", len(a), a)
	}
	return b.String()
}

func execCommand(name string, args ...string) *exec.Cmd {
	cmd := exec.Command(name, args...)
	cmd.Dir = os.TempDir()
	return cmd
}

// exitCode returns a finished command's exit code (0 for a nil error).
func exitCode(err error) int {
	if err == nil {
		return 0
	}
	if ee, ok := err.(*exec.ExitError); ok {
		return ee.ExitCode()
	}
	return -1
}

// startMultiLoop starts a server with io-threads n that really runs n I/O
// loops: the I/O layer leaves one CPU to the network stack and the
// clients, so the server is told there are n+1 (GOMAXPROCS; tests of
// this kind must not be parallel). It fails unless INFO says the loops
// are active.
func startMultiLoop(t *testing.T, n int, args ...string) *testServer {
	t.Helper()
	t.Setenv("GOMAXPROCS", strconv.Itoa(n+1))
	s := startServer(t, append([]string{"--io-threads", strconv.Itoa(n)}, args...)...)
	c := dialRaw(t, s)
	if info := c.Do("INFO", "server"); !strings.Contains(info, "io_threads_active:1\r\n") {
		t.Fatalf("io-threads %d did not start several loops:\n%s", n, info)
	}
	return s
}
