package engine

import (
	"errors"
	"os"
	"sync"
	"sync/atomic"

	"golang.org/x/sys/unix"
)

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
	return nil
}

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
// whether all of b went out.
func replWriteNow(fd int, b []byte) bool {
	if fd < 0 {
		return false
	}
	n, err := unix.SendmsgN(fd, b, nil, nil, unix.MSG_NOSIGNAL|unix.MSG_DONTWAIT)
	return err == nil && n == len(b)
}
