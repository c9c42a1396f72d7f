package iothreads

import (
	"errors"

	"github.com/panjf2000/gnet/v2"
	"golang.org/x/sys/unix"

	"github.com/volleydb/volley/engine"
)

// Busy scripts. A script runs on the event loop of the client that sent
// it, inside that loop's OnTraffic, so while it runs the loop reads
// nothing. Once the script has run past busy-reply-threshold the engine
// calls whileBusy between the script's instructions, on that same
// goroutine and holding the engine, as Valkey processes events while a
// script is blocked:
//
//   - the loop's other connections are polled with an epoll instance of
//     their own (level-triggered, like gnet's, so whatever is left unread
//     is gnet's again when the script ends), their commands parsed as
//     usual and run through Call, which refuses all but the allow_busy
//     ones with -BUSY, and the replies written at once;
//   - connections the main reactor accepted for the loop meanwhile are
//     registered at once (third_party/gnet, a patch of ours: gnet would
//     register them from the loop's task queue, after the script), so
//     that a new client can send SCRIPT KILL, as with Valkey; they are
//     opened on this goroutine, which already holds the engine, and
//     polled with the others;
//   - the engine is yielded to the other loops (io-threads > 1), whose
//     batches wait in Acquire and then run the same way, and to the cron.
//
// The script's own client is not read, as Valkey protects it: its next
// commands wait for the script's reply. Nothing here runs unless a
// script has timed out, so the normal batch path carries none of it.

// busyPoll is an event loop's poll of its connections while a script it
// runs is timed out.
type busyPoll struct {
	srv    *engine.Server // the engine, held by the script's goroutine
	epfd   int
	conns  map[int32]*conn // by fd
	events [64]unix.EpollEvent
	buf    []byte
}

// whileBusy is the engine's busy hook (engine.Server.SetBusyHooks).
func (s *Server) whileBusy(srv *engine.Server, caller *engine.Client) {
	if l, ok := caller.Link().(link); ok && l.cn.loop != nil {
		l.cn.loop.serveBusy(s, srv, l.cn)
	}
	s.co.Yield()
}

// busyEnded is the engine's hook for the end of a timed-out script.
func (s *Server) busyEnded(_ *engine.Server, caller *engine.Client) {
	if l, ok := caller.Link().(link); ok && l.cn.loop != nil && l.cn.loop.busy != nil {
		bp := l.cn.loop.busy
		l.cn.loop.busy = nil
		_ = unix.Close(bp.epfd)
	}
}

// serveBusy serves the commands that arrived on the loop's connections
// other than the script's own.
func (ls *loopState) serveBusy(s *Server, srv *engine.Server, caller *conn) {
	bp := ls.busy
	if bp == nil {
		if bp = ls.startBusy(srv, caller); bp == nil {
			return
		}
	}
	if r, ok := ls.el.(acceptedRegisterer); ok {
		_ = r.RegisterAccepted()
	}
	n, err := unix.EpollWait(bp.epfd, bp.events[:], 0)
	if err != nil {
		return
	}
	for i := range n {
		fd := bp.events[i].Fd
		if cn := bp.conns[fd]; cn != nil && !s.busyRead(srv, cn, bp) {
			_ = unix.EpollCtl(bp.epfd, unix.EPOLL_CTL_DEL, int(fd), nil)
			delete(bp.conns, fd)
		}
	}
}

// acceptedRegisterer is the patched gnet event loop's RegisterAccepted.
type acceptedRegisterer interface{ RegisterAccepted() error }

// busyServer is the engine if ls runs a timed-out script, whose goroutine
// holds it, and nil otherwise.
func (ls *loopState) busyServer() *engine.Server {
	if ls == nil || ls.busy == nil {
		return nil
	}
	return ls.busy.srv
}

// busyWatch polls cn, opened while ls runs a timed-out script, with the
// loop's other connections.
func (ls *loopState) busyWatch(cn *conn) { ls.busy.watch(cn) }

// watch adds cn to the poll.
func (bp *busyPoll) watch(cn *conn) {
	fd := cn.gc.Fd()
	ev := unix.EpollEvent{Events: unix.EPOLLIN | unix.EPOLLRDHUP, Fd: int32(fd)}
	if unix.EpollCtl(bp.epfd, unix.EPOLL_CTL_ADD, fd, &ev) == nil {
		bp.conns[int32(fd)] = cn
	}
}

// startBusy sets up the loop's poll. Replies waiting for the end of the
// round go out first, so that nothing answered now overtakes them.
//
// The poll is the loop's busy state from the start: a flush that fails
// closes its connection there and then, and closeConn must find the
// engine already held.
func (ls *loopState) startBusy(srv *engine.Server, caller *conn) *busyPoll {
	epfd, err := unix.EpollCreate1(unix.EPOLL_CLOEXEC)
	if err != nil {
		return nil
	}
	bp := &busyPoll{srv: srv, epfd: epfd, conns: make(map[int32]*conn), buf: make([]byte, 16<<10)}
	ls.busy = bp
	for cn := range ls.conns {
		if cn == caller || cn.cl == nil || cn.held != nil || cn.closeReq.Load() != 0 {
			continue
		}
		if cn.flush(); cn.cl == nil {
			continue // the write failed and the connection is closed
		}
		bp.watch(cn)
	}
	return bp
}

// busyRead reads what cn sent and serves it; false stops polling cn.
// A peer that closed, or a read error, frees the client at once, as
// Valkey frees a client that disconnects while a script is busy: a
// replica that drops is no longer counted, which a script may wait for.
// gnet closes the socket once the script ends, and finds no client then.
// A connection the engine asked to close is left to gnet likewise.
func (s *Server) busyRead(srv *engine.Server, cn *conn, bp *busyPoll) bool {
	n, err := unix.Read(cn.gc.Fd(), bp.buf)
	if errors.Is(err, unix.EAGAIN) || errors.Is(err, unix.EINTR) {
		return true
	}
	if err != nil || n <= 0 {
		if cn.flush(); cn.cl != nil {
			s.freeConn(srv, cn)
		}
		return false
	}
	buf := bp.buf[:n]
	if len(cn.qbuf) > 0 {
		cn.qbuf = append(cn.qbuf, buf...)
		buf = cn.qbuf
	}
	pos, nread := 0, n
	for {
		var perr error
		var early bool
		pos, perr, early = cn.parseBatch(buf, pos)
		if s.executeBusy(srv, cn, nread, perr) {
			link{cn}.Close(false)
			return false
		}
		nread = 0
		if !early || perr != nil {
			break
		}
	}
	if cn.keepTail(buf, pos) != gnet.None {
		link{cn}.Close(true)
		return false
	}
	return true
}

// executeBusy runs a parsed batch while the engine is already held by the
// busy script, writes the replies and says whether cn is to be closed.
// It is execute without the hold, the pause and the deferred write.
func (s *Server) executeBusy(srv *engine.Server, cn *conn, nread int, perr error) bool {
	cl := cn.cl
	countInput(srv, cn, nread)
	start := 0
	for _, end := range cn.ends {
		argv := cn.args[start:end]
		start = end
		if securityAttack(srv, argv) {
			return true
		}
		srv.Call(cl, argv)
		if closingAfterReply(cl) {
			break
		}
	}
	if perr != nil {
		protocolFailure(srv, cl, perr)
	}
	if takeReplies(srv, cn) > 0 {
		cn.write(cn.out.Vec())
	}
	cn.out.Reset()
	return closingAfterReply(cl)
}
