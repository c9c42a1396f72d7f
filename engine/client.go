package engine

import (
	"io"
	"sync/atomic"
	"time"

	"github.com/volleydb/volley/engine/config"
	"github.com/volleydb/volley/engine/keyspace"
	"github.com/volleydb/volley/engine/resp"
)

// Link is the engine's handle on a client's connection, implemented by
// the I/O layer. The engine calls it while holding the engine.
type Link interface {
	// Wake asks the connection's I/O loop to flush the client's pending
	// output; used when the engine writes to a client other than the one
	// whose command is running (pub/sub, unblocking, CLIENT KILL).
	Wake()
	// Close closes the connection once pending output is flushed
	// (asap=false) or at once (asap=true).
	Close(asap bool)
}

// OutputHolder is a Link whose connection keeps output the client has
// handed over and the socket has not yet taken (once a socket is full,
// the I/O layer's buffer holds the rest). Valkey keeps that in the
// client's reply list, so the memory figures, CLIENT LIST's omem and
// INFO's replication buffers count it as the client's.
type OutputHolder interface {
	OutputHeld() int
}

// QueryBufTrimmer is a Link whose connection has a query buffer of its
// own: TrimQueryBuf asks its I/O loop to give back the buffer's free space
// if it is wasted, all of it when the client is idle and down to the
// recent peak otherwise (clientsCron, cron.go).
type QueryBufTrimmer interface {
	TrimQueryBuf(idle bool)
}

// DirectWriter is a Link whose connection the engine cannot write to by
// its socket, because the I/O layer encodes what goes out (TLS). What
// replication writes straight on a replica's socket elsewhere, while the
// client's own output is held back (+FULLRESYNC, keep-alive newlines, the
// snapshot), goes through it instead, after anything queued before.
type DirectWriter interface {
	// WriteDirect queues b and returns at once.
	WriteDirect(b []byte)
	// DirectStream returns a writer for a long transfer: each Write
	// queues its bytes and waits until little is left to send, failing
	// once the peer has taken nothing for timeout or the connection is
	// gone. Close ends the transfer.
	DirectStream(timeout time.Duration) DirectStream
}

// DirectStream is a DirectWriter's long transfer.
type DirectStream interface {
	io.WriteCloser
	// Cancel makes a Write waiting for room, and every later one, fail
	// at once: the engine dropped the peer, and may be holding up the
	// connection's close until the transfer's goroutine has ended.
	Cancel()
}

// ReplyMode is CLIENT REPLY's state.
type ReplyMode uint8

const (
	ReplyOn ReplyMode = iota
	ReplyOff
	ReplySkipNext // SKIP was just executed: the next command's reply is skipped
	ReplySkip     // the current command's reply is being skipped
)

// ClientFlags are the client states CLIENT LIST's flags= field reports.
type ClientFlags uint32

const (
	ClientMulti ClientFlags = 1 << iota
	ClientDirtyCAS
	ClientDirtyExec
	ClientPubSub
	ClientMonitor
	ClientBlocked
	ClientUnblocked
	ClientReplica
	ClientPrimary
	ClientReadonly
	ClientNoEvict
	ClientNoTouch
	ClientCloseAfterReply
	ClientCloseASAP
	ClientUnixSocket
	ClientTracking
	ClientImportSource
	ClientTrackingBcast       // tracking in BCAST mode
	ClientTrackingBrokenRedir // tracking's redirect client went away
)

// The IDs of the two clients no connection has: the one that replays
// the AOF (Valkey's CLIENT_ID_AOF) and the one scripts call commands
// through.
const (
	aofClientID    = -1
	scriptClientID = -2
)

// Client is one connection's state. It is owned by the engine: only the
// goroutine holding the engine reads or writes it, except the I/O-loop
// fields documented as such.
type Client struct {
	srv *Server

	ID    int64
	Argv  [][]byte // the command being executed
	Cmd   *Spec    // its spec, set by the dispatcher
	Proto int      // 2 or 3

	DB    int // selected database index
	Flags ClientFlags

	Name, LibName, LibVer string
	User                  *User // never nil: the default user until AUTH
	Authenticated         bool
	everAuthenticated     bool // has been authenticated once: RESET and ACL changes do not undo it
	Replying              ReplyMode

	Addr, LAddr string // "ip:port" (or "path:0" for unix sockets)
	Fd          int
	TLS         bool // the connection is encrypted: only its I/O loop may write to Fd

	Created         int64 // unix ms
	LastInteraction int64 // unix ms
	obufSoftSince   int64 // unix ms since when the output is over its soft limit, or 0
	LastCmd         *Spec
	TotCmds         int64
	NetIn, NetOut   int64
	ArgvMem         int

	// The query buffer as the client's I/O loop last left it: the bytes
	// waiting in it and its free space, CLIENT LIST's qbuf and qbuf-free
	// (their sum is its allocation). Atomic because the loop sets them
	// after each read, when it no longer holds the engine.
	qbufUsed, qbufFree atomic.Int64
	ringPos            int // where the client is in the server's clientRing

	Out  Reply // pending output, appended to while holding the engine
	link Link

	// errored is set when the current command replied with an error, for
	// commandstats failed_calls.
	errored bool

	// evalSHA is the SHA1 of an EVAL's script body, worked out when the
	// dispatcher judged the command by its script's flags, so that EVAL
	// does not hash the body again (Valkey's cur_script); "" otherwise.
	evalSHA string

	Counts    ClientCounts    // other subsystems' counters CLIENT LIST reports (client_info.go)
	Capa      ClientCapa      // capabilities declared with CLIENT CAPA
	postponed bool            // waiting for a CLIENT PAUSE to end (pause.go)
	blocked   *blockState     // waiting in a blocking command such as BLPOP (blocking.go)
	multi     *multiState     // MULTI's queue and WATCH's keys, from the first MULTI or WATCH (multi.go)
	pubsub    *clientPubSub   // subscriptions, from the first subscribe (pubsub.go)
	track     *clientTracking // CLIENT TRACKING's settings while ClientTracking is set (tracking.go)
	killed    bool            // closed by CLIENT KILL, gone for CLIENT LIST/KILL until the I/O layer frees it
	repl      *replClient     // a replica's state, from its first REPLCONF or SYNC (repl_primary.go)
	woff      int64           // the stream's offset after its last propagated write, for WAIT
}

// mustObey reports whether c's commands are applied whatever this
// server's state (Valkey's mustObeyClient): the primary's stream and the
// AOF being replayed.
func (c *Client) mustObey() bool { return c.Flags&ClientPrimary != 0 || c.ID == aofClientID }

// OutputLimitedUnauthenticated reports whether c's unsent replies are
// limited as Valkey limits them (REPLY_BUFFER_SIZE_UNAUTHENTICATED_CLIENT;
// the I/O layer applies it): c must authenticate and never has, so it
// could otherwise make the server hold replies it never reads.
func (c *Client) OutputLimitedUnauthenticated() bool {
	return !c.Authenticated && !c.everAuthenticated
}

// inScript reports whether c is the client scripts and functions call
// their commands through (Valkey's CLIENT_SCRIPT flag).
func (c *Client) inScript() bool { return c.ID == scriptClientID }

// Server returns the server this client belongs to.
func (c *Client) Server() *Server { return c.srv }

// skipping reports whether replies are currently suppressed (CLIENT REPLY).
func (c *Client) skipping() bool { return c.Replying != ReplyOn }

// AddRaw appends pre-encoded RESP bytes.
func (c *Client) AddRaw(b []byte) {
	if c.skipping() {
		return
	}
	c.Out.buf = append(c.Out.buf, b...)
}

// AddRawString appends pre-encoded RESP from a string.
func (c *Client) AddRawString(s string) {
	if c.skipping() {
		return
	}
	c.Out.buf = append(c.Out.buf, s...)
}

// AddOK appends +OK.
func (c *Client) AddOK() { c.AddRawString("+OK\r\n") }

// AddSimple appends a simple string.
func (c *Client) AddSimple(s string) {
	if c.skipping() {
		return
	}
	c.Out.buf = resp.AppendSimple(c.Out.buf, s)
}

// AddError appends an error reply and counts it in errorstats. msg is
// the whole message with its code ("ERR syntax error", "WRONGTYPE ...").
func (c *Client) AddError(msg string) {
	c.errored = true
	c.srv.countError(msg)
	if c.skipping() {
		return
	}
	c.Out.buf = resp.AppendError(c.Out.buf, msg)
}

// AddInt appends an integer reply.
func (c *Client) AddInt(n int64) {
	if c.skipping() {
		return
	}
	c.Out.buf = resp.AppendInt(c.Out.buf, n)
}

// AddBulk appends a bulk string, by reference when it is large enough
// for a zero-copy reply. b must stay unchanged until the reply is
// written: pass fresh slices, never argv or a record's bytes (stored
// values go through AddBulkValue or AddBulkStored, which pin them).
func (c *Client) AddBulk(b []byte) {
	if c.skipping() {
		return
	}
	if len(b) >= c.srv.zeroCopyMin {
		c.Out.buf = resp.AppendBulkHeader(c.Out.buf, len(b))
		c.Out.appendRef(b)
		c.Out.buf = append(c.Out.buf, '\r', '\n')
		return
	}
	c.Out.buf = resp.AppendBulk(c.Out.buf, b)
}

// AddBulkValue appends a stored value as a bulk string: AddBulkStored of
// the whole value.
func (c *Client) AddBulkValue(e keyspace.Entry) { c.AddBulkStored(e, e.Value()) }

// AddBulkCopy appends a bulk string, always copying b (for transient
// buffers such as argv or scratch space).
func (c *Client) AddBulkCopy(b []byte) {
	if c.skipping() {
		return
	}
	c.Out.buf = resp.AppendBulk(c.Out.buf, b)
}

// AddBulkString appends a bulk string.
func (c *Client) AddBulkString(s string) {
	if c.skipping() {
		return
	}
	c.Out.buf = resp.AppendBulkString(c.Out.buf, s)
}

// AddBulkInt appends n as a bulk string.
func (c *Client) AddBulkInt(n int64) {
	if c.skipping() {
		return
	}
	c.Out.buf = resp.AppendBulkInt(c.Out.buf, n)
}

// AddNull appends the null bulk reply.
func (c *Client) AddNull() {
	if c.skipping() {
		return
	}
	c.Out.buf = resp.AppendNull(c.Out.buf, c.Proto)
}

// AddNullArray appends the null array reply.
func (c *Client) AddNullArray() {
	if c.skipping() {
		return
	}
	c.Out.buf = resp.AppendNullArray(c.Out.buf, c.Proto)
}

// AddArrayLen appends an array header.
func (c *Client) AddArrayLen(n int) {
	if c.skipping() {
		return
	}
	c.Out.buf = resp.AppendArrayLen(c.Out.buf, n)
}

// AddMapLen appends a map header of n pairs.
func (c *Client) AddMapLen(n int) {
	if c.skipping() {
		return
	}
	c.Out.buf = resp.AppendMapLen(c.Out.buf, n, c.Proto)
}

// AddSetLen appends a set header.
func (c *Client) AddSetLen(n int) {
	if c.skipping() {
		return
	}
	c.Out.buf = resp.AppendSetLen(c.Out.buf, n, c.Proto)
}

// AddPushLen appends a push header.
func (c *Client) AddPushLen(n int) {
	if c.skipping() {
		return
	}
	c.Out.buf = resp.AppendPushLen(c.Out.buf, n, c.Proto)
}

// AddDouble appends a double.
func (c *Client) AddDouble(f float64) {
	if c.skipping() {
		return
	}
	c.Out.buf = resp.AppendDouble(c.Out.buf, f, c.Proto)
}

// AddBool appends a boolean.
func (c *Client) AddBool(v bool) {
	if c.skipping() {
		return
	}
	c.Out.buf = resp.AppendBool(c.Out.buf, v, c.Proto)
}

// AddVerbatim appends a verbatim string ("txt" format).
func (c *Client) AddVerbatim(b []byte) {
	if c.skipping() {
		return
	}
	c.Out.buf = resp.AppendVerbatim(c.Out.buf, "txt", b, c.Proto)
}

// AddStringArray appends an array of bulk strings.
func (c *Client) AddStringArray(ss []string) {
	c.AddArrayLen(len(ss))
	for _, s := range ss {
		c.AddBulkString(s)
	}
}

// AddHelp appends a subcommand HELP reply: a title line, the lines, and
// the trailing HELP line, as simple strings.
func (c *Client) AddHelp(container string, lines []string) {
	c.AddArrayLen(len(lines) + 3)
	c.AddSimple(container + " <subcommand> [<arg> [value] [opt] ...]. Subcommands are:")
	for _, l := range lines {
		c.AddSimple(l)
	}
	c.AddSimple("HELP")
	c.AddSimple("    Print this help.")
}

// Deferred is a handle for a length header written after the elements.
type Deferred struct{ h int }

// AddDeferredLen reserves a place for a length header.
func (c *Client) AddDeferredLen() Deferred {
	if c.skipping() {
		return Deferred{-1}
	}
	return Deferred{c.Out.deferLen()}
}

// SetDeferredArrayLen fills a deferred array header.
func (c *Client) SetDeferredArrayLen(d Deferred, n int) {
	if d.h >= 0 {
		c.Out.setDeferredLen(d.h, '*', n)
	}
}

// SetDeferredMapLen fills a deferred map header of n pairs.
func (c *Client) SetDeferredMapLen(d Deferred, n int) {
	if d.h < 0 {
		return
	}
	if c.Proto >= resp.RESP3 {
		c.Out.setDeferredLen(d.h, '%', n)
	} else {
		c.Out.setDeferredLen(d.h, '*', 2*n)
	}
}

// SetDeferredSetLen fills a deferred set header.
func (c *Client) SetDeferredSetLen(d Deferred, n int) {
	if d.h < 0 {
		return
	}
	if c.Proto >= resp.RESP3 {
		c.Out.setDeferredLen(d.h, '~', n)
	} else {
		c.Out.setDeferredLen(d.h, '*', n)
	}
}

// Link returns the client's connection handle (nil for fake clients).
func (c *Client) Link() Link { return c.link }

// SetQueryBuf records the query buffer's length and capacity; the I/O
// loop calls it whenever it changes them.
func (c *Client) SetQueryBuf(used, capacity int) {
	c.qbufUsed.Store(int64(used))
	c.qbufFree.Store(int64(capacity - used))
}

// QueryBuf is the query buffer's length and free space.
func (c *Client) QueryBuf() (used, free int) {
	return int(c.qbufUsed.Load()), int(c.qbufFree.Load())
}

// queryBufAlloc is the query buffer's allocation.
// OutputOverLimit applies client-output-buffer-limit for c's class to
// pending, its output not yet taken by the socket: over the hard limit,
// or over the soft limit continuously for longer than its seconds. The
// I/O loop asks after each batch, and the clients cron again for a client
// that gets no traffic, whose soft limit would otherwise never run out.
func (c *Client) OutputOverLimit(pending uint64) bool {
	lim := c.srv.Cfg.ClientOutputBufferLimits[OutputClass(c)]
	if lim.Hard > 0 && pending >= lim.Hard {
		return true
	}
	if lim.Soft == 0 || pending < lim.Soft {
		c.obufSoftSince = 0
		return false
	}
	now := c.srv.Clock.NowMs()
	if c.obufSoftSince == 0 {
		c.obufSoftSince = now
		return false
	}
	return now-c.obufSoftSince > lim.SoftSeconds*1000
}

// replyPastLimit reports whether the reply being built has reached the
// client's hard client-output-buffer-limit, past which the I/O loop
// closes the client without sending it, or the client is to be closed
// anyway. Commands whose replies grow with a count argument rather than
// with the data (KEYS, and HRANDFIELD, SRANDMEMBER and ZRANDMEMBER with a
// negative count) stop there, as Valkey's stop once the client is
// scheduled to close: one command must not build gigabytes for a client
// that will never get them.
func (c *Client) replyPastLimit() bool {
	if c.Flags&ClientCloseASAP != 0 {
		return true
	}
	lim := c.srv.Cfg.ClientOutputBufferLimits[OutputClass(c)]
	return lim.Hard > 0 && uint64(c.Out.Len()+c.sendPending()) >= lim.Hard
}

// sendPending returns the bytes of c's output its connection holds
// unsent (OutputHolder), 0 when the link does not say.
func (c *Client) sendPending() int {
	if h, ok := c.link.(OutputHolder); ok {
		return h.OutputHeld()
	}
	return 0
}

func (c *Client) queryBufAlloc() int {
	used, free := c.QueryBuf()
	return used + free
}

// SetLink attaches the connection handle; the I/O layer calls it once.
func (c *Client) SetLink(l Link) { c.link = l }

// OutputClass returns the client's client-output-buffer-limit class.
func OutputClass(c *Client) int {
	switch {
	case c.Flags&(ClientReplica|ClientMonitor) == ClientReplica:
		return config.ClassReplica
	case c.Flags&ClientPubSub != 0:
		return config.ClassPubSub
	}
	return config.ClassNormal
}
