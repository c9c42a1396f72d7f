package main

import (
	"context"
	"fmt"
	"math/rand"
	"net"
	"os"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/valkey-io/valkey-go"
)

func TestPingEchoAndErrors(t *testing.T) {
	s := startServer(t)
	c := dialRaw(t, s)
	c.Expect("+PONG\r\n", "PING")
	c.Expect("$5\r\nhello\r\n", "PING", "hello")
	c.Expect("$0\r\n\r\n", "ECHO", "")
	c.Expect("-ERR wrong number of arguments for 'ping' command\r\n", "PING", "a", "b")
	c.Expect("-ERR wrong number of arguments for 'echo' command\r\n", "ECHO")
	c.Expect("-ERR unknown command 'NOSUCH', with args beginning with: 'a' 'b' \r\n", "NOSUCH", "a", "b")
	c.Expect("-ERR unknown command 'nosuch', with args beginning with: \r\n", "nosuch")
	c.Expect("-ERR unknown subcommand 'nope'. Try CLIENT HELP.\r\n", "client", "nope")
	c.Expect("-ERR wrong number of arguments for 'client|setname' command\r\n", "CLIENT", "SETNAME")
	// Inline commands, with quoting.
	c.Send("PING\r\n")
	if got := c.Reply(); got != "+PONG\r\n" {
		t.Errorf("inline PING: %q", got)
	}
	c.Send("ECHO \"a b\\x41\"\r\n")
	if got := c.Reply(); got != "$4\r\na bA\r\n" {
		t.Errorf("inline ECHO with quotes: %q", got)
	}
	c.Send("\r\n\r\nPING\n")
	if got := c.Reply(); got != "+PONG\r\n" {
		t.Errorf("inline after empty lines: %q", got)
	}
}

func TestUnknownCommandArgsAreTruncated(t *testing.T) {
	s := startServer(t)
	c := dialRaw(t, s)
	long := strings.Repeat("x", 200)
	want := "-ERR unknown command 'foo', with args beginning with: '" + strings.Repeat("x", 128) + "' \r\n"
	c.Expect(want, "foo", long, "second")
}

func TestPipelineRepliesInOrder(t *testing.T) {
	s := startServer(t)
	c := dialRaw(t, s)
	var req, want strings.Builder
	for i := 0; i < 5000; i++ {
		v := fmt.Sprint(i)
		req.WriteString(multibulk("ECHO", v))
		fmt.Fprintf(&want, "$%d\r\n%s\r\n", len(v), v)
	}
	go c.Send(req.String())
	var got strings.Builder
	for i := 0; i < 5000; i++ {
		got.WriteString(c.Reply())
	}
	if got.String() != want.String() {
		t.Fatal("pipelined replies differ from the requests' order")
	}
}

func TestLargeArgumentAcrossReads(t *testing.T) {
	s := startServer(t)
	c := dialRaw(t, s)
	big := strings.Repeat("abcdefgh", 1<<17) // 1 MiB
	req := multibulk("ECHO", big)
	// Trickle the request in pieces so the argument spans many reads.
	for i := 0; i < len(req); i += 7919 {
		end := min(i+7919, len(req))
		c.Send(req[i:end])
	}
	if got := c.Reply(); got != "$"+fmt.Sprint(len(big))+"\r\n"+big+"\r\n" {
		t.Fatalf("1 MiB ECHO came back wrong (len %d)", len(got))
	}
	c.Expect("+PONG\r\n", "PING")
}

func TestProtocolErrorsReplyThenClose(t *testing.T) {
	s := startServer(t)
	cases := []struct{ in, want string }{
		{"*abc\r\n", "-ERR Protocol error: invalid multibulk length\r\n"},
		{"*1\r\n+foo\r\n", "-ERR Protocol error: expected '$', got '+'\r\n"},
		{"*1\r\n$-5\r\n", "-ERR Protocol error: invalid bulk length\r\n"},
		{"*1\r\n$9999999999\r\n", "-ERR Protocol error: invalid bulk length\r\n"},
		{"ECHO \"unterminated\r\n", "-ERR Protocol error: unbalanced quotes in request\r\n"},
	}
	for _, tc := range cases {
		c := dialRaw(t, s)
		c.Send("PING\r\n" + tc.in)
		if got := c.Reply(); got != "+PONG\r\n" {
			t.Errorf("%q: command before the error: %q", tc.in, got)
		}
		if got := c.Reply(); got != tc.want {
			t.Errorf("%q: got %q, want %q", tc.in, got, tc.want)
		}
		c.ExpectClosed()
	}
	// The server is still fine for everybody else.
	dialRaw(t, s).Expect("+PONG\r\n", "PING")
}

func TestGarbageNeverHurtsOtherClients(t *testing.T) {
	s := startServer(t)
	good := dialRaw(t, s)
	rng := rand.New(rand.NewSource(1))
	var wg sync.WaitGroup
	for i := 0; i < 40; i++ {
		junk := make([]byte, 1+rng.Intn(4096))
		rng.Read(junk)
		switch i % 4 {
		case 1:
			copy(junk, "*99999999999\r\n")
		case 2:
			copy(junk, "*3\r\n$100000000\r\n")
		case 3:
			copy(junk, "*-7\r\n$-1\r\n*1\r\n$")
		}
		wg.Add(1)
		go func(junk []byte) {
			defer wg.Done()
			c, err := net.Dial("tcp", s.Addr())
			if err != nil {
				return
			}
			defer c.Close()
			_, _ = c.Write(junk)
			_ = c.SetReadDeadline(time.Now().Add(300 * time.Millisecond))
			buf := make([]byte, 4096)
			for {
				if _, err := c.Read(buf); err != nil {
					return
				}
			}
		}(junk)
	}
	wg.Wait()
	good.Expect("+PONG\r\n", "PING")
	if !s.Alive() {
		t.Fatalf("server died:\n%s", s.Log())
	}
}

func TestHelloSwitchesProtocol(t *testing.T) {
	s := startServer(t)
	c := dialRaw(t, s)
	got := c.Do("HELLO", "3")
	if !strings.HasPrefix(got, "%7\r\n$6\r\nserver\r\n$6\r\nvalkey\r\n$7\r\nversion\r\n$5\r\n9.0.4\r\n$5\r\nproto\r\n:3\r\n$2\r\nid\r\n:") {
		t.Fatalf("HELLO 3: %q", got)
	}
	if !strings.HasSuffix(got, "$4\r\nmode\r\n$10\r\nstandalone\r\n$4\r\nrole\r\n$6\r\nmaster\r\n$7\r\nmodules\r\n*0\r\n") {
		t.Fatalf("HELLO 3 tail: %q", got)
	}
	c.Expect("-NOPROTO unsupported protocol version\r\n", "HELLO", "4")
	c.Expect("-ERR Protocol version is not an integer or out of range\r\n", "HELLO", "x")
	c.Expect("-ERR Syntax error in HELLO option 'foo'\r\n", "HELLO", "3", "foo")
}

func TestRequirePass(t *testing.T) {
	s := startServer(t, "--requirepass", "s3cret")
	c := dialRaw(t, s)
	c.Expect("-NOAUTH Authentication required.\r\n", "PING")
	c.Expect("-NOAUTH Authentication required.\r\n", "NOSUCH")
	c.Expect("-WRONGPASS invalid username-password pair or user is disabled.\r\n", "AUTH", "nope")
	c.Expect("-WRONGPASS invalid username-password pair or user is disabled.\r\n", "AUTH", "bob", "s3cret")
	c.Expect("+OK\r\n", "AUTH", "s3cret")
	c.Expect("+PONG\r\n", "PING")
	c.Expect("+RESET\r\n", "RESET")
	c.Expect("-NOAUTH Authentication required.\r\n", "PING")
	got := c.Do("HELLO", "3", "AUTH", "default", "s3cret", "SETNAME", "me")
	if !strings.HasPrefix(got, "%7\r\n") {
		t.Fatalf("HELLO AUTH: %q", got)
	}
	c.Expect("+PONG\r\n", "PING")

	// Unauthenticated clients get Valkey's tighter protocol limits.
	u := dialRaw(t, s)
	u.Send("*20\r\n")
	if got := u.Reply(); got != "-ERR Protocol error: unauthenticated multibulk length\r\n" {
		t.Errorf("unauthenticated big multibulk: %q", got)
	}
	u.ExpectClosed()
}

// A client that must authenticate and never has cannot make the server
// hold its replies: with DEBUG CLIENT-ENFORCE-REPLY-LIST (every unsent
// reply counts, as in Valkey's auth.tcl) its NOAUTH closes it. One that
// authenticated once is not limited, even after RESET logs it out.
func TestUnauthenticatedOutputLimit(t *testing.T) {
	s := startServer(t, "--requirepass", "secret", "--enable-debug-command", "yes")
	admin, stranger, known := dialRaw(t, s), dialRaw(t, s), dialRaw(t, s)
	admin.Expect("+OK\r\n", "AUTH", "secret")
	const noauth = "-NOAUTH Authentication required.\r\n"
	stranger.Expect(noauth, "SET", "x", "5")
	known.Expect("+OK\r\n", "AUTH", "secret")
	known.Expect("+RESET\r\n", "RESET")
	admin.Expect("+OK\r\n", "DEBUG", "CLIENT-ENFORCE-REPLY-LIST", "1")
	stranger.Send(multibulk("SET", "x", "5"))
	stranger.ExpectClosed()
	known.Expect(noauth, "SET", "x", "5")
	admin.Expect("+OK\r\n", "DEBUG", "CLIENT-ENFORCE-REPLY-LIST", "0")
	if got := admin.Do("INFO", "stats"); !strings.Contains(got, "client_output_buffer_limit_disconnections:1\r\n") {
		t.Fatalf("INFO stats after the disconnection: %q", got)
	}
}

func TestQuitClosesAfterReply(t *testing.T) {
	s := startServer(t)
	c := dialRaw(t, s)
	c.Send(multibulk("QUIT") + multibulk("PING"))
	if got := c.Reply(); got != "+OK\r\n" {
		t.Fatalf("QUIT: %q", got)
	}
	c.ExpectClosed()
}

func TestSelectRange(t *testing.T) {
	s := startServer(t, "--databases", "4")
	c := dialRaw(t, s)
	c.Expect("+OK\r\n", "SELECT", "3")
	c.Expect("-ERR DB index is out of range\r\n", "SELECT", "4")
	c.Expect("-ERR value is not an integer or out of range\r\n", "SELECT", "x")
}

func TestValkeyGoClient(t *testing.T) {
	s := startServer(t)
	for _, resp2 := range []bool{false, true} {
		cl, err := valkey.NewClient(valkey.ClientOption{
			InitAddress:  []string{s.Addr()},
			DisableCache: true,
			AlwaysRESP2:  resp2,
		})
		if err != nil {
			t.Fatalf("valkey-go connect (resp2=%v): %v", resp2, err)
		}
		ctx := context.Background()
		got, err := cl.Do(ctx, cl.B().Ping().Build()).ToString()
		if err != nil || got != "PONG" {
			t.Errorf("PING via valkey-go: %q %v", got, err)
		}
		got, err = cl.Do(ctx, cl.B().Echo().Message("hi there").Build()).ToString()
		if err != nil || got != "hi there" {
			t.Errorf("ECHO via valkey-go: %q %v", got, err)
		}
		cl.Close()
	}
}

func TestConfigFileAndFatalErrors(t *testing.T) {
	dir := t.TempDir()
	conf := filepath.Join(dir, "volley.conf")
	if err := os.WriteFile(conf, []byte("# a comment\nhz 20\ndatabases 2\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	s := startServer(t, conf)
	c := dialRaw(t, s)
	c.Expect("-ERR DB index is out of range\r\n", "SELECT", "2")

	bad := filepath.Join(dir, "bad.conf")
	if err := os.WriteFile(bad, []byte("port 7000\nnot-a-directive yes\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := runBinary(t, bad)
	if code := exitCode(err); code != 1 {
		t.Fatalf("bad config: exit %d, want 1; output:\n%s", code, out)
	}
	for _, want := range []string{"*** FATAL CONFIG FILE ERROR", "at line 2", ">>> 'not-a-directive yes'", "Bad directive or wrong number of arguments"} {
		if !strings.Contains(out, want) {
			t.Errorf("fatal config output lacks %q:\n%s", want, out)
		}
	}
}

// A port another server holds: the server says why it cannot listen and
// exits with status 1.
func TestPortInUse(t *testing.T) {
	s := startServer(t)
	out, err := runBinary(t, "--port", fmt.Sprint(s.Port), "--bind", "127.0.0.1", "--dir", t.TempDir())
	if code := exitCode(err); code != 1 {
		t.Fatalf("exit %d, want 1; output:\n%s", code, out)
	}
	want := fmt.Sprintf("Failed listening on tcp4://127.0.0.1:%d: bind: address already in use", s.Port)
	if !strings.Contains(out, want) {
		t.Fatalf("output lacks %q:\n%s", want, out)
	}
}

func TestSigtermShutsDownCleanly(t *testing.T) {
	s := startServer(t)
	dialRaw(t, s).Expect("+PONG\r\n", "PING")
	if err := s.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case <-s.done:
	case <-time.After(10 * time.Second):
		t.Fatal("server did not exit after SIGTERM")
	}
	if s.err != nil {
		t.Fatalf("exit after SIGTERM: %v\n%s", s.err, s.Log())
	}
	if !strings.Contains(s.Log(), "Received SIGTERM scheduling shutdown...") {
		t.Errorf("log lacks the shutdown line:\n%s", s.Log())
	}
}

func runBinary(t *testing.T, args ...string) (string, error) {
	t.Helper()
	cmd := execCommand(serverBinary(t), args...)
	out, err := cmd.CombinedOutput()
	return string(out), err
}

func TestIOThreadsServeConcurrentPipelines(t *testing.T) {
	s := startMultiLoop(t, 2)
	var wg sync.WaitGroup
	for i := 0; i < 8; i++ {
		c := dialRaw(t, s)
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			var req, want strings.Builder
			for j := 0; j < 500; j++ {
				v := fmt.Sprintf("c%d-%d", i, j)
				req.WriteString(multibulk("ECHO", v))
				fmt.Fprintf(&want, "$%d\r\n%s\r\n", len(v), v)
			}
			go c.Send(req.String())
			var got strings.Builder
			for j := 0; j < 500; j++ {
				got.WriteString(c.Reply())
			}
			if got.String() != want.String() {
				t.Errorf("client %d: replies out of order or lost", i)
			}
		}(i)
	}
	wg.Wait()
}

func TestUnixSocket(t *testing.T) {
	sock := filepath.Join(t.TempDir(), "volley.sock")
	s := startServer(t, "--unixsocket", sock)
	// startServer returns once the TCP port takes connections, which it
	// does before the server has made its other listeners; a reply means
	// the server has booted, with every listener open.
	dialRaw(t, s).Expect("+PONG\r\n", "PING")
	c, err := net.Dial("unix", sock)
	if err != nil {
		t.Fatalf("dial %s: %v\n%s", sock, err, s.Log())
	}
	defer c.Close()
	if _, err := c.Write([]byte(multibulk("PING"))); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 16)
	_ = c.SetReadDeadline(time.Now().Add(10 * time.Second))
	n, err := c.Read(buf)
	if err != nil || string(buf[:n]) != "+PONG\r\n" {
		t.Fatalf("PING over the unix socket: %q %v", buf[:n], err)
	}
}

// unixsocketperm and unixsocketgroup give the socket its mode and group;
// a group that does not exist stops the server, with Valkey's message.
func TestUnixSocketAccess(t *testing.T) {
	dir := t.TempDir()
	sock := filepath.Join(dir, "volley.sock")
	g, err := user.LookupGroupId(strconv.Itoa(os.Getgid()))
	if err != nil {
		t.Fatal(err)
	}
	startServer(t, "--unixsocket", sock, "--unixsocketperm", "744", "--unixsocketgroup", g.Name)
	var st syscall.Stat_t
	if err := syscall.Stat(sock, &st); err != nil {
		t.Fatal(err)
	}
	if st.Mode&0o777 != 0o744 || int(st.Gid) != os.Getgid() {
		t.Fatalf("socket mode %o gid %d, want 744 and %d", st.Mode&0o777, st.Gid, os.Getgid())
	}
	out, err := runBinary(t, "--port", "0", "--dir", dir, "--unixsocket", filepath.Join(dir, "other.sock"), "--unixsocketgroup", "no-such-group-volley")
	if code := exitCode(err); code != 1 || !strings.Contains(out, "Failed opening Unix socket: getgrnam error for group 'no-such-group-volley': Success") {
		t.Fatalf("exit %d, output:\n%s", code, out)
	}
}

// On two CPUs io-threads 2 runs one loop (it was measured slower than
// io-threads 1 there), says so in the log, and INFO reports no active
// I/O threads.
func TestIOThreadsLeaveACPU(t *testing.T) {
	t.Setenv("GOMAXPROCS", "2")
	s := startServer(t, "--io-threads", "2")
	c := dialRaw(t, s)
	if info := c.Do("INFO", "server"); !strings.Contains(info, "io_threads_active:0\r\n") {
		t.Fatalf("INFO server:\n%s", info)
	}
	if !strings.Contains(s.Log(), "io-threads 2 reduced to 1") {
		t.Fatalf("the log does not say io-threads was reduced:\n%s", s.Log())
	}
}
