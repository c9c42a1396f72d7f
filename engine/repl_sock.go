package engine

import (
	"errors"
	"io"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sys/unix"
)

// replSender is what a snapshot goes to a replica on, from a goroutine of
// its own while the replica's I/O loop holds its output back: the socket
// itself (replSock), or for a connection whose bytes the I/O layer must
// encode (TLS) that layer's queue (replQueue).
type replSender interface {
	write(b []byte) error
	sendFile(f *os.File, size int64) error // size bytes of f from its start
	cancel()                               // the engine dropped the replica: stop
	close()                                // the transfer is over
	// stalledSince is the Unix time in milliseconds of the last write
	// that found the replica's socket full and is still waiting for
	// room, 0 when none is (Valkey's repl_last_partial_write): the cron
	// drops a replica stalled for repl-timeout as it is set now.
	stalledSince() int64
}

// newReplSender is the sender for c's snapshot; a transfer that makes no
// progress for timeoutSecs fails.
func newReplSender(c *Client, timeoutSecs int) (replSender, error) {
	if d, ok := c.link.(DirectWriter); ok {
		return &replQueue{w: d.DirectStream(time.Duration(max(timeoutSecs, 1)) * time.Second)}, nil
	}
	return dupSock(c.Fd, timeoutSecs)
}

// replSock is a replica's socket duplicated for the goroutine that sends
// it an RDB, while the connection's I/O loop holds its output back. The
// socket is non-blocking (it is the I/O loop's): a write that finds it
// full waits in poll(2) for room, at most repl-timeout seconds without
// progress, so a replica that stops reading is dropped as Valkey drops it.
type replSock struct {
	mu      sync.Mutex
	fd      int // -1 once closed
	timeout int // milliseconds poll waits for room
	stopped atomic.Bool
	stalled atomic.Int64 // stalledSince
}

var (
	errReplSockStopped = errors.New("transfer stopped")
	errReplSockTimeout = errors.New("timed out waiting for the replica to read")
)

// dupSock duplicates fd for a sender goroutine.
func dupSock(fd int, timeoutSecs int) (*replSock, error) {
	nfd, err := unix.FcntlInt(uintptr(fd), unix.F_DUPFD_CLOEXEC, 0)
	if err != nil {
		return nil, os.NewSyscallError("fcntl", err)
	}
	return &replSock{fd: nfd, timeout: max(timeoutSecs, 1) * 1000}, nil
}

// write sends all of b.
func (s *replSock) write(b []byte) error {
	for len(b) > 0 {
		if s.stopped.Load() {
			return errReplSockStopped
		}
		n, err := unix.SendmsgN(s.fd, b, nil, nil, unix.MSG_NOSIGNAL|unix.MSG_DONTWAIT)
		if n > 0 {
			b = b[n:]
		}
		if err := s.retry("sendmsg", err); err != nil {
			return err
		}
	}
	s.stalled.Store(0)
	return nil
}

func (s *replSock) stalledSince() int64 { return s.stalled.Load() }

// sendFile sends size bytes of f from its start with sendfile(2).
func (s *replSock) sendFile(f *os.File, size int64) error {
	var off int64
	in := int(f.Fd())
	for off < size {
		if s.stopped.Load() {
			return errReplSockStopped
		}
		_, err := unix.Sendfile(s.fd, in, &off, int(min(size-off, 1<<30)))
		if err := s.retry("sendfile", err); err != nil {
			return err
		}
	}
	return nil
}

// retry sorts the error of one send: nil to send again, after waiting for
// room when the socket was full, else the error that ends the transfer.
func (s *replSock) retry(call string, err error) error {
	switch err {
	case nil, unix.EINTR:
		return nil
	case unix.EAGAIN:
		return s.waitWritable()
	}
	return os.NewSyscallError(call, err)
}

// waitWritable waits for room in the socket's send buffer.
func (s *replSock) waitWritable() error {
	s.stalled.Store(time.Now().UnixMilli())
	fds := []unix.PollFd{{Fd: int32(s.fd), Events: unix.POLLOUT}}
	for {
		n, err := unix.Poll(fds, s.timeout)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return os.NewSyscallError("poll", err)
		}
		if n == 0 {
			return errReplSockTimeout
		}
		if s.stopped.Load() {
			return errReplSockStopped
		}
		return nil // writable, or an error the next write reports
	}
}

// cancel stops the transfer: the engine dropped the replica. Shutting
// the socket down wakes a sender waiting in poll and fails its writes.
func (s *replSock) cancel() {
	s.stopped.Store(true)
	s.mu.Lock()
	if s.fd >= 0 {
		_ = unix.Shutdown(s.fd, unix.SHUT_RDWR)
	}
	s.mu.Unlock()
}

// close releases the duplicate.
func (s *replSock) close() {
	s.mu.Lock()
	if s.fd >= 0 {
		_ = unix.Close(s.fd)
		s.fd = -1
	}
	s.mu.Unlock()
}

// replWriteNow writes a short line straight on a replica's socket, as
// Valkey writes +FULLRESYNC and the keep-alive newline: only while its
// output is held, when its I/O loop writes nothing there. It reports
// whether all of b went out (for a DirectWriter: was queued).
func replWriteNow(c *Client, b []byte) bool {
	if d, ok := c.link.(DirectWriter); ok {
		d.WriteDirect(b)
		return true
	}
	if c.Fd < 0 {
		return false
	}
	n, err := unix.SendmsgN(c.Fd, b, nil, nil, unix.MSG_NOSIGNAL|unix.MSG_DONTWAIT)
	return err == nil && n == len(b)
}

// replQueue sends a snapshot through a DirectWriter's stream, in pieces
// small enough that a cancel is seen between them.
type replQueue struct {
	w       DirectStream
	stopped atomic.Bool
	stalled atomic.Int64 // stalledSince: when the write under way was handed to the stream
}

// replQueuePiece is the most one write hands the stream.
const replQueuePiece = 256 << 10

func (q *replQueue) write(b []byte) error {
	for len(b) > 0 {
		if q.stopped.Load() {
			return errReplSockStopped
		}
		n := min(len(b), replQueuePiece)
		q.stalled.Store(time.Now().UnixMilli()) // a Write returns once its piece is queued, or waits for room
		_, err := q.w.Write(b[:n])
		q.stalled.Store(0)
		if err != nil {
			return err
		}
		b = b[n:]
	}
	return nil
}

func (q *replQueue) sendFile(f *os.File, size int64) error {
	buf := make([]byte, replQueuePiece)
	_, err := io.CopyBuffer(writerFunc(q.write), io.NewSectionReader(f, 0, size), buf)
	return err
}

// cancel stops the transfer: a write waiting for room fails at once.
func (q *replQueue) cancel() {
	q.stopped.Store(true)
	q.w.Cancel()
}

func (q *replQueue) close() { _ = q.w.Close() }

// stalledSince is when the piece being written was handed to the
// stream, which takes it at once unless the replica's queue is full. The
// stream's own write deadline, repl-timeout when it started, drops a
// replica that stops reading too; the cron applies the one set now.
func (q *replQueue) stalledSince() int64 { return q.stalled.Load() }

// writerFunc is an io.Writer made of a function that writes all of b.
type writerFunc func(b []byte) error

func (f writerFunc) Write(b []byte) (int, error) {
	if err := f(b); err != nil {
		return 0, err
	}
	return len(b), nil
}
