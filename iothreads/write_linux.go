package iothreads

import (
	"unsafe"

	"golang.org/x/sys/unix"
)

// maxIov is the most segments one writev takes (Linux's IOV_MAX).
const maxIov = 1024

// write sends a batch's replies. When nothing is queued ahead of them it
// calls writev itself as a raw system call, and hands gnet only what the
// socket did not take (gnet then copies it into the connection's outbound
// buffer and waits for the socket to drain, as for any write).
//
// Why not gnet's Writev for the first attempt: it enters the system call
// the blocking way, and a writev of a megabyte of large values runs long
// enough for the Go runtime's monitor to hand the loop's P to another
// thread, waking one and making the loop fight to get the P back: two
// futex calls and a context switch per batch. A non-blocking socket write
// never sleeps, so the raw call cannot stall the scheduler beyond the copy.
func (cn *conn) write(vec [][]byte) {
	if fd := cn.gc.Fd(); fd >= 0 && cn.gc.OutboundBuffered() == 0 {
		vec = cn.writeRaw(fd, vec) // a TLS connection has no fd: its writer goroutine sends
	}
	if len(vec) > 0 {
		_, _ = cn.gc.Writev(vec)
	}
	cn.noteUnsent()
}

// writeRaw writes as much of vec as the socket takes now and returns the
// rest; on an error other than EAGAIN it returns the rest unchanged, so
// that gnet's Writev meets the error again and closes the connection its
// own way. The segments of vec are re-sliced in place.
func (cn *conn) writeRaw(fd int, vec [][]byte) [][]byte {
	for len(vec) > 0 {
		iov, want := cn.iov[:0], 0
		for _, b := range vec {
			if len(iov) == maxIov {
				break
			}
			if len(b) > 0 {
				v := unix.Iovec{Base: &b[0]}
				v.SetLen(len(b))
				iov = append(iov, v)
				want += len(b)
			}
		}
		cn.iov = iov
		if want == 0 {
			return nil
		}
		var n uintptr
		var errno unix.Errno
		if len(iov) == 1 {
			// One segment, as a pipeline of small replies mostly is: write
			// skips writev's copying in and checking of the vector.
			n, _, errno = unix.RawSyscall(unix.SYS_WRITE, uintptr(fd), uintptr(unsafe.Pointer(iov[0].Base)), uintptr(iov[0].Len))
		} else {
			n, _, errno = unix.RawSyscall(unix.SYS_WRITEV, uintptr(fd), uintptr(unsafe.Pointer(&iov[0])), uintptr(len(iov)))
		}
		clear(iov) // the segments may be stored values: do not pin them
		if errno == unix.EINTR {
			continue
		}
		if errno != 0 {
			return vec
		}
		sent := int(n)
		for len(vec) > 0 && sent >= len(vec[0]) {
			sent -= len(vec[0])
			vec = vec[1:]
		}
		if len(vec) > 0 && sent > 0 {
			vec[0] = vec[0][sent:]
		}
		if int(n) < want {
			return vec // the socket is full
		}
	}
	return nil
}

// iovecs is a connection's writev scratch space.
type iovecs = []unix.Iovec
