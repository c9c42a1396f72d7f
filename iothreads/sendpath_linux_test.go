package iothreads

import (
	"io"
	"net"
	"runtime"
	"strconv"
	"testing"

	"golang.org/x/sys/unix"
)

// BenchmarkSendLargeValues weighs the ways a large reply can leave the
// process over TCP loopback, as valkey-benchmark's GET of 64 KiB values at
// -P 16 makes Volley send them: batches of 16 bulk strings. Its metric is
// the sending thread's CPU time per value (RUSAGE_THREAD), the part of the
// server's cost the choice moves; a goroutine on another thread reads and
// discards, as the client would.
//
//   - writev: what write does, the headers and the stored value in one
//     call; the kernel copies the value into the socket.
//   - sendfile: the value in a memfd, sent with sendfile and the header
//     before it with MSG_MORE; the socket takes the file's pages by
//     reference, with no copy on the sending side.
//   - zerocopy: MSG_ZEROCOPY, the value pinned and sent by reference,
//     completions read from the error queue.
//
// On loopback both cost the sending thread two to three times what writev
// does on the machine this was written on: the kernel copies MSG_ZEROCOPY
// data anyway when the receiver is local, and both take one or two system
// calls per value instead of one per batch. Run with -bench
// SendLargeValues before revisiting that choice on other hardware, or for
// clients across a real network.
func BenchmarkSendLargeValues(b *testing.B) {
	const (
		valueSize = 64 << 10
		batch     = 16
	)
	header := []byte("$" + strconv.Itoa(valueSize) + "\r\n")
	between := append([]byte("\r\n"), header...)
	crlf := []byte("\r\n")
	value := make([]byte, valueSize)
	for i := range value {
		value[i] = byte(i * 7)
	}

	for _, mode := range []string{"writev", "sendfile", "zerocopy"} {
		b.Run(mode, func(b *testing.B) {
			fd, done := loopbackSender(b, int64(b.N)*int64(len(header)+valueSize+2))
			var memfd int
			switch mode {
			case "sendfile":
				var err error
				if memfd, err = unix.MemfdCreate("value", 0); err != nil {
					b.Skip("memfd_create:", err)
				}
				defer unix.Close(memfd)
				if _, err := unix.Pwrite(memfd, value, 0); err != nil {
					b.Fatal(err)
				}
			case "zerocopy":
				if err := unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_ZEROCOPY, 1); err != nil {
					b.Skip("SO_ZEROCOPY:", err)
				}
			}

			vec := make([][]byte, 0, 2*batch+1)
			runtime.LockOSThread()
			defer runtime.UnlockOSThread()
			b.ReportAllocs()
			before := threadCPU(b)
			b.ResetTimer()
			for sent := 0; sent < b.N; {
				n := min(batch, b.N-sent)
				switch mode {
				case "writev":
					vec = vec[:0]
					for i := range n {
						vec = append(vec, pick(i == 0, header, between), value)
					}
					sendAll(b, fd, append(vec, crlf), 0)
				case "sendfile":
					for i := range n {
						sendAll(b, fd, append(vec[:0], pick(i == 0, header, between)), unix.MSG_MORE)
						for off := int64(0); off < valueSize; {
							if _, err := unix.Sendfile(fd, memfd, &off, valueSize-int(off)); err != nil {
								b.Fatal(err)
							}
						}
					}
					sendAll(b, fd, append(vec[:0], crlf), 0)
				case "zerocopy":
					for i := range n {
						vec = append(vec[:0], pick(i == 0, header, between), value)
						if i == n-1 {
							vec = append(vec, crlf)
						}
						sendAll(b, fd, vec, unix.MSG_ZEROCOPY)
					}
					drainErrQueue(fd)
				}
				sent += n
			}
			b.StopTimer()
			cpu := threadCPU(b) - before
			<-done
			b.ReportMetric(float64(cpu)/float64(b.N), "sender-ns/value")
			b.SetBytes(valueSize)
		})
	}
}

func pick(first bool, a, b []byte) []byte {
	if first {
		return a
	}
	return b
}

// loopbackSender connects a TCP loopback pair and returns the sending
// end's descriptor, in blocking mode, and a channel closed once a reader
// goroutine has drained want bytes from the other end.
func loopbackSender(b *testing.B, want int64) (int, <-chan struct{}) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	defer ln.Close()
	client, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { client.Close() })
	server, err := ln.Accept()
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { server.Close() })
	raw, err := server.(*net.TCPConn).SyscallConn()
	if err != nil {
		b.Fatal(err)
	}
	fd := -1
	_ = raw.Control(func(s uintptr) { fd = int(s) })
	// The benchmark writes with raw system calls; Go's poller never sees
	// this descriptor's writes, so blocking mode is safe and keeps the
	// loop simple.
	if err := unix.SetNonblock(fd, false); err != nil {
		b.Fatal(err)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		_, _ = io.CopyBuffer(io.Discard, io.LimitReader(client, want), make([]byte, 1<<20))
	}()
	return fd, done
}

// sendAll writes vec whole: with writev when flags is 0, else with
// sendmsg and flags.
func sendAll(b *testing.B, fd int, vec [][]byte, flags int) {
	for len(vec) > 0 {
		var n int
		var err error
		if flags == 0 {
			n, err = unix.Writev(fd, vec)
		} else {
			n, err = unix.SendmsgBuffers(fd, vec, nil, nil, flags)
		}
		if err == unix.ENOBUFS && flags&unix.MSG_ZEROCOPY != 0 {
			drainErrQueue(fd) // too many completions outstanding
			continue
		}
		if err != nil {
			b.Fatal(err)
		}
		for len(vec) > 0 && n >= len(vec[0]) {
			n -= len(vec[0])
			vec = vec[1:]
		}
		if len(vec) > 0 {
			vec[0] = vec[0][n:]
		}
	}
}

// drainErrQueue reads the MSG_ZEROCOPY completions queued so far.
func drainErrQueue(fd int) {
	var buf [64]byte
	var oob [256]byte
	for {
		if _, _, _, _, err := unix.Recvmsg(fd, buf[:], oob[:], unix.MSG_ERRQUEUE|unix.MSG_DONTWAIT); err != nil {
			return
		}
	}
}

// threadCPU is the calling thread's user and system time in nanoseconds.
func threadCPU(b *testing.B) int64 {
	var ru unix.Rusage
	if err := unix.Getrusage(unix.RUSAGE_THREAD, &ru); err != nil {
		b.Fatal(err)
	}
	return ru.Utime.Nano() + ru.Stime.Nano()
}
