package main

import (
	"strings"
	"testing"
	"time"
)

const busyEval = "-BUSY Valkey is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE.\r\n"

// waitBusy sends PING on c until the server answers -BUSY (the script
// may not have started when the first one arrives), at most 50 times.
func waitBusy(t *testing.T, c *rawConn, want string) {
	t.Helper()
	for range 50 {
		got := c.Do("PING")
		if got == want {
			return
		}
		if got != "+PONG\r\n" {
			t.Fatalf("PING while a script runs: got %q, want %q", got, want)
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("the script never timed out")
}

// A script that loops for ever: the other clients get -BUSY once it has
// run past busy-reply-threshold, SCRIPT KILL stops it, its caller gets
// the kill error and then the reply to the command it pipelined behind
// it, and the server serves normally again.
func TestBusyScriptKill(t *testing.T) { onOneAndTwoLoops(t, busyScriptKill) }

// onOneAndTwoLoops runs a busy-script test against a server with one I/O
// loop and one with two, where the clients on the loop the script does
// not run on are served through the coordinator's Yield.
func onOneAndTwoLoops(t *testing.T, test func(*testing.T, *testServer)) {
	t.Run("io-threads=1", func(t *testing.T) { test(t, startServer(t)) })
	t.Run("io-threads=2", func(t *testing.T) { test(t, startMultiLoop(t, 2)) })
}

func busyScriptKill(t *testing.T, s *testServer) {
	caller, other := dialRaw(t, s), dialRaw(t, s)
	killers := []*rawConn{dialRaw(t, s), dialRaw(t, s), dialRaw(t, s)} // with io-threads, some on each loop
	other.Expect("+OK\r\n", "CONFIG", "SET", "busy-reply-threshold", "100")
	other.Expect("+OK\r\n", "SET", "k", "v")
	caller.Send(multibulk("EVAL", "while true do end", "0") + multibulk("PING"))
	waitBusy(t, other, busyEval)
	other.Expect(busyEval, "GET", "k")
	for _, k := range killers {
		k.Expect(busyEval, "PING")
	}
	other.Expect("+OK\r\n", "MULTI")
	other.Expect(busyEval, "GET", "k")
	other.Expect("+OK\r\n", "DISCARD")
	other.Expect(busyEval, "FUNCTION", "KILL")
	other.Expect(busyEval, "SHUTDOWN")
	killers[len(killers)-1].Expect("+OK\r\n", "SCRIPT", "KILL")
	if got := caller.Reply(); !strings.HasPrefix(got, "-ERR Script killed by user with SCRIPT KILL. script: ") {
		t.Fatalf("the script's caller got %q", got)
	}
	if got := caller.Reply(); got != "+PONG\r\n" {
		t.Fatalf("the caller's next command got %q", got)
	}
	other.Expect("$1\r\nv\r\n", "GET", "k")
	for _, k := range killers {
		k.Expect("+PONG\r\n", "PING")
	}
	other.Expect("-NOTBUSY No scripts in execution right now.\r\n", "SCRIPT", "KILL")
	waitLog(t, s, "Slow script detected: still in execution after ")
}

// Clients that connect while a script is busy are served too, as Valkey
// accepts them: they get -BUSY, and one of them can kill the script.
// With two loops the new clients are spread over the script's and the
// other.
func TestBusyScriptNewClients(t *testing.T) { onOneAndTwoLoops(t, busyScriptNewClients) }

func busyScriptNewClients(t *testing.T, s *testServer) {
	caller, other := dialRaw(t, s), dialRaw(t, s)
	other.Expect("+OK\r\n", "CONFIG", "SET", "busy-reply-threshold", "100")
	caller.Send(multibulk("EVAL", "while true do end", "0"))
	waitBusy(t, other, busyEval)
	var late []*rawConn
	for range 4 {
		c := dialRaw(t, s)
		c.Expect(busyEval, "PING")
		late = append(late, c)
	}
	late[0].Expect("+OK\r\n", "SCRIPT", "KILL")
	if got := caller.Reply(); !strings.HasPrefix(got, "-ERR Script killed by user with SCRIPT KILL. script: ") {
		t.Fatalf("the script's caller got %q", got)
	}
	// All of them are clients like any other.
	list := other.Do("CLIENT", "LIST")
	for _, c := range late {
		c.Expect("+PONG\r\n", "PING")
		id := strings.TrimSuffix(strings.TrimPrefix(c.Do("CLIENT", "ID"), ":"), "\r\n")
		if !strings.Contains(list, "id="+id+" ") {
			t.Fatalf("client %s is not in CLIENT LIST after the script: %q", id, list)
		}
	}
}

// A client that disconnects while a script is busy is freed at once, as
// Valkey frees it: a script waiting for it to go (as one may wait for a
// replica to drop) sees it gone.
func TestBusyScriptSeesDisconnect(t *testing.T) {
	s := startServer(t)
	caller, other, leaving := dialRaw(t, s), dialRaw(t, s), dialRaw(t, s)
	for _, c := range []*rawConn{caller, leaving} {
		c.Expect("+PONG\r\n", "PING") // registered: a connection is counted once its loop takes it
	}
	other.Expect("+OK\r\n", "CONFIG", "SET", "busy-reply-threshold", "100")
	const count = "return tonumber(redis.call('info', 'clients'):match('connected_clients:(%d+)'))"
	other.Expect(":3\r\n", "EVAL", count, "0")
	caller.Send(multibulk("EVAL", `
		while true do
			local n = tonumber(redis.call('info', 'clients'):match('connected_clients:(%d+)'))
			if n == 2 then return n end
		end`, "0"))
	waitBusy(t, other, busyEval)
	leaving.c.Close()
	if got := caller.Reply(); got != ":2\r\n" {
		t.Fatalf("the script got %q", got)
	}
	other.Expect("+PONG\r\n", "PING")
}

func TestBusyFunctionKill(t *testing.T) {
	s := startServer(t)
	caller, other := dialRaw(t, s), dialRaw(t, s)
	other.Expect("+OK\r\n", "CONFIG", "SET", "lua-time-limit", "100")
	other.Expect("$3\r\nlib\r\n", "FUNCTION", "LOAD", "#!lua name=lib\nserver.register_function('spin', function() while true do end end)")
	caller.Send(multibulk("FCALL", "spin", "0"))
	const busyFn = "-BUSY Valkey is busy running a script. You can only call FUNCTION KILL or SHUTDOWN NOSAVE.\r\n"
	waitBusy(t, other, busyFn)
	other.Expect(busyFn, "SCRIPT", "KILL")
	other.Expect("+OK\r\n", "FUNCTION", "KILL")
	if got := caller.Reply(); got != "-ERR Script killed by user with FUNCTION KILL. script: spin, on @user_function:2.\r\n" {
		t.Fatalf("the function's caller got %q", got)
	}
	other.Expect("+PONG\r\n", "PING")
}

// A script that wrote cannot be killed; SHUTDOWN NOSAVE still stops the
// server, which refuses new clients before it closes the others and
// exits with status 0.
func TestBusyScriptUnkillableShutdown(t *testing.T) {
	s := startServer(t)
	caller, other := dialRaw(t, s), dialRaw(t, s)
	other.Expect("+OK\r\n", "CONFIG", "SET", "busy-reply-threshold", "100")
	caller.Send(multibulk("EVAL", "redis.call('set', 'x', 'y') while true do end", "0"))
	waitBusy(t, other, busyEval)
	other.Expect("-UNKILLABLE Sorry the script already executed write commands against the dataset. You can either wait the script termination or kill the server in a hard way using the SHUTDOWN NOSAVE command.\r\n", "SCRIPT", "KILL")
	other.Expect(busyEval, "SHUTDOWN")
	other.Expect(busyEval, "SHUTDOWN", "SAVE")
	other.Send(multibulk("SHUTDOWN", "NOSAVE"))
	// Once a client sees its connection closed, the server has stopped
	// listening, as Valkey has exited by then.
	other.ExpectClosed()
	expectRefused(t, s)
	s.WaitExit("SHUTDOWN NOSAVE")
	if code := exitCode(s.err); code != 0 {
		t.Fatalf("exit status %d (%v)\n%s", code, s.err, s.Log())
	}
}
