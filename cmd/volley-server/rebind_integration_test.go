package main

import (
	"bufio"
	"net"
	"strconv"
	"testing"
	"time"

	"github.com/volleydb/volley/engine/resp"
)

// accepts reports whether something listens on addr.
func accepts(addr string) bool {
	c, err := net.DialTimeout("tcp", addr, time.Second)
	if err != nil {
		return false
	}
	c.Close()
	return true
}

func pingAt(t *testing.T, addr string) {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, time.Second)
	if err != nil {
		t.Fatalf("no service on %s: %v", addr, err)
	}
	defer c.Close()
	rc := &rawConn{t: t, c: c, r: resp.NewReader(bufio.NewReader(c))}
	rc.Expect("+PONG\r\n", "PING")
}

// CONFIG SET port and bind move the listeners as Valkey's do: the old
// address stops taking connections, the new one takes them, connections
// already open stay, and an address that cannot be bound fails the
// command with the old listeners still open.
func TestConfigSetPortAndBindMoveListeners(t *testing.T) {
	s := startServer(t, "--save", "")
	c := dialRaw(t, s)
	old := s.Addr()

	// A port someone else holds.
	held, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer held.Close()
	hp := strconv.Itoa(held.Addr().(*net.TCPAddr).Port)
	c.Expect("-ERR CONFIG SET failed (possibly related to argument 'port') - Unable to listen on this port. Check server logs.\r\n",
		"CONFIG", "SET", "port", hp)
	waitLog(t, s, "Warning: Could not create server TCP listening socket 127.0.0.1:"+hp+": bind: Address already in use")
	c.Expect("*2\r\n$4\r\nport\r\n$"+strconv.Itoa(len(strconv.Itoa(s.Port)))+"\r\n"+strconv.Itoa(s.Port)+"\r\n", "CONFIG", "GET", "port")
	pingAt(t, old)

	np := freePort(t)
	c.Expect("+OK\r\n", "CONFIG", "SET", "port", strconv.Itoa(np))
	naddr := "127.0.0.1:" + strconv.Itoa(np)
	pingAt(t, naddr)
	if accepts(old) {
		t.Fatal("the old port still accepts connections")
	}
	c.Expect("+PONG\r\n", "PING") // accepted on the old port, still served

	// bind: an address kept keeps its listener; an optional one that
	// cannot be bound is skipped; one that is not fails the command.
	c.Expect("+OK\r\n", "CONFIG", "SET", "bind", "127.0.0.1 -192.0.2.1")
	pingAt(t, naddr)
	c.Expect("-ERR CONFIG SET failed (possibly related to argument 'bind') - Failed to bind to specified addresses.\r\n",
		"CONFIG", "SET", "bind", "192.0.2.1")
	waitLog(t, s, "Warning: Could not create server TCP listening socket 192.0.2.1:"+strconv.Itoa(np)+": bind: Cannot assign requested address")
	c.Expect("*2\r\n$4\r\nbind\r\n$20\r\n127.0.0.1 -192.0.2.1\r\n", "CONFIG", "GET", "bind")
	pingAt(t, naddr)

	// Port 0 closes the TCP listeners; a port again opens them.
	c.Expect("+OK\r\n", "CONFIG", "SET", "port", "0")
	if accepts(naddr) {
		t.Fatal("port 0 still accepts connections")
	}
	c.Expect("+PONG\r\n", "PING")
	c.Expect("+OK\r\n", "CONFIG", "SET", "port", strconv.Itoa(np))
	pingAt(t, naddr)

	// SHUTDOWN refuses new connections on the listeners as they are now.
	c.Send(multibulk("SHUTDOWN", "NOSAVE"))
	s.WaitExit("SHUTDOWN")
	if accepts(naddr) {
		t.Fatal("the moved listener outlived the server")
	}
}
