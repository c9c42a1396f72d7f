package iothreads

import (
	"bytes"
	"io"
	"os"
	"testing"

	"github.com/panjf2000/gnet/v2"
	"golang.org/x/sys/unix"
)

// sockConn is a gnet.Conn over one end of a real socket pair; what
// write leaves to gnet is recorded instead.
type sockConn struct {
	gnet.Conn
	fd       int
	buffered int
	handed   []byte
}

func (s *sockConn) Fd() int               { return s.fd }
func (s *sockConn) OutboundBuffered() int { return s.buffered }
func (s *sockConn) Writev(bs [][]byte) (int, error) {
	n := 0
	for _, b := range bs {
		s.handed = append(s.handed, b...)
		n += len(b)
	}
	return n, nil
}

func socketPair(t *testing.T) (int, *os.File) {
	t.Helper()
	fds, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM, 0)
	if err != nil {
		t.Fatal(err)
	}
	if err := unix.SetNonblock(fds[0], true); err != nil {
		t.Fatal(err)
	}
	_ = unix.SetsockoptInt(fds[0], unix.SOL_SOCKET, unix.SO_SNDBUF, 4096)
	peer := os.NewFile(uintptr(fds[1]), "peer")
	t.Cleanup(func() { unix.Close(fds[0]); peer.Close() })
	return fds[0], peer
}

func segments(sizes ...int) ([][]byte, []byte) {
	var vec [][]byte
	var all []byte
	for i, n := range sizes {
		b := bytes.Repeat([]byte{byte('a' + i%26)}, n)
		vec = append(vec, b)
		all = append(all, b...)
	}
	return vec, all
}

func TestWriteSendsEverythingTheSocketTakes(t *testing.T) {
	fd, peer := socketPair(t)
	sc := &sockConn{fd: fd}
	cn := &conn{gc: sc}
	vec, all := segments(5, 0, 300, 7)
	cn.write(vec)
	if len(sc.handed) != 0 {
		t.Fatalf("handed %d bytes to gnet, want 0", len(sc.handed))
	}
	got := make([]byte, len(all))
	if _, err := io.ReadFull(peer, got); err != nil || !bytes.Equal(got, all) {
		t.Fatalf("peer read %q, %v", got, err)
	}
}

func TestWriteHandsTheRestToGnetWhenTheSocketIsFull(t *testing.T) {
	fd, peer := socketPair(t)
	sc := &sockConn{fd: fd}
	cn := &conn{gc: sc}
	vec, all := segments(1000, 3, 1<<20, 17, 1<<16)
	cn.write(vec)
	if len(sc.handed) == 0 || len(sc.handed) == len(all) {
		t.Fatalf("handed %d of %d bytes to gnet, want a strict part", len(sc.handed), len(all))
	}
	sent := len(all) - len(sc.handed)
	got := make([]byte, sent)
	if _, err := io.ReadFull(peer, got); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(append(got, sc.handed...), all) {
		t.Fatal("the bytes sent and the bytes handed on are not the reply in order")
	}
	for _, v := range cn.iov[:cap(cn.iov)] {
		if v.Base != nil {
			t.Fatal("the iovec scratch still points at reply memory")
		}
	}
}

func TestWriteQueuesBehindBufferedOutput(t *testing.T) {
	fd, _ := socketPair(t)
	sc := &sockConn{fd: fd, buffered: 10}
	cn := &conn{gc: sc}
	vec, all := segments(4, 4)
	cn.write(vec)
	if !bytes.Equal(sc.handed, all) {
		t.Fatalf("handed %q, want all of %q behind the buffered output", sc.handed, all)
	}
}

func TestWriteMoreSegmentsThanIOVMax(t *testing.T) {
	fd, peer := socketPair(t)
	_ = unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_SNDBUF, 1<<20)
	sc := &sockConn{fd: fd}
	cn := &conn{gc: sc}
	sizes := make([]int, 3*maxIov+5)
	for i := range sizes {
		sizes[i] = 2
	}
	vec, all := segments(sizes...)
	done := make(chan []byte)
	go func() {
		got := make([]byte, len(all))
		_, _ = io.ReadFull(peer, got)
		done <- got
	}()
	cn.write(vec)
	if len(sc.handed) != 0 {
		t.Fatalf("handed %d bytes to gnet, want 0", len(sc.handed))
	}
	if got := <-done; !bytes.Equal(got, all) {
		t.Fatal("peer did not read the reply in order")
	}
}

func TestWriteLeavesErrorsToGnet(t *testing.T) {
	fd, peer := socketPair(t)
	peer.Close()
	sc := &sockConn{fd: fd}
	cn := &conn{gc: sc}
	vec, all := segments(10)
	cn.write(vec)
	if !bytes.Equal(sc.handed, all) {
		t.Fatalf("handed %q, want the whole reply so gnet sees the error", sc.handed)
	}
}
