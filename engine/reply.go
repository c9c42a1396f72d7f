package engine

import (
	"strconv"

	"github.com/volleydb/volley/engine/keyspace"
	"github.com/volleydb/volley/engine/resp"
)

// maxKeptReplyBuf is the largest reply buffer kept between writes.
const maxKeptReplyBuf = 1 << 20

// Reply is a client's pending output: a list of segments ready for one
// writev. Small replies are appended to buf; a large bulk value is sent by
// reference to the stored bytes (zero-copy). Such a value is Stable and the
// reply pins it until Reset, which the I/O loop calls once the writev has
// taken the bytes: a write to a pinned value copies it rather than change
// the bytes the reply still has to send (keyspace.Pin).
//
// Segments are carved from buf lazily: buf[mark:] is the region not yet
// closed into a segment. A referenced value closes the region, so the
// segments keep their order.
type Reply struct {
	buf    []byte
	mark   int
	segs   [][]byte
	hdrs   []byte // storage for deferred length headers
	refLen int    // bytes held by reference in segs
	pins   []*keyspace.Pin
}

// Len returns the number of bytes pending.
func (r *Reply) Len() int { return len(r.buf) + r.refLen + len(r.hdrs) }

// Empty reports whether nothing is pending.
func (r *Reply) Empty() bool { return len(r.buf) == 0 && len(r.segs) == 0 }

// appendRef queues b by reference.
func (r *Reply) appendRef(b []byte) {
	if r.mark < len(r.buf) {
		r.segs = append(r.segs, r.buf[r.mark:len(r.buf):len(r.buf)])
		r.mark = len(r.buf)
	}
	r.segs = append(r.segs, b)
	r.refLen += len(b)
}

// appendPinned queues b, part of a Stable stored value, by reference and
// keeps its pin until Reset.
func (r *Reply) appendPinned(b []byte, p *keyspace.Pin) {
	r.appendRef(b)
	r.pins = append(r.pins, p)
}

// AddBulkStored appends b, a stored value or part of it (GETRANGE) read
// through e, as a bulk string. It is sent by reference only when e is
// Stable (its own allocation, never reused) and b is at least
// min-string-size-avoid-copy-reply bytes; the reply then pins e until it
// is written, so that writes meanwhile copy the value instead of changing
// it in place. A value in a shared slab slot may be reused as soon as its
// key changes, so it is copied.
func (c *Client) AddBulkStored(e keyspace.Entry, b []byte) {
	if c.skipping() {
		return
	}
	if !e.Stable() || len(b) < c.srv.zeroCopyMin {
		c.Out.buf = resp.AppendBulk(c.Out.buf, b)
		return
	}
	c.Out.buf = resp.AppendBulkHeader(c.Out.buf, len(b))
	c.Out.appendPinned(b, e.Pin())
	c.Out.buf = append(c.Out.buf, '\r', '\n')
}

// deferLen reserves a place for a length header written later and returns
// its handle.
func (r *Reply) deferLen() int {
	if r.mark < len(r.buf) {
		r.segs = append(r.segs, r.buf[r.mark:len(r.buf):len(r.buf)])
		r.mark = len(r.buf)
	}
	r.segs = append(r.segs, nil)
	return len(r.segs) - 1
}

// setDeferredLen writes the header prefix+n at the place deferLen reserved.
func (r *Reply) setDeferredLen(h int, prefix byte, n int) {
	start := len(r.hdrs)
	r.hdrs = append(r.hdrs, prefix)
	r.hdrs = strconv.AppendInt(r.hdrs, int64(n), 10)
	r.hdrs = append(r.hdrs, '\r', '\n')
	// If hdrs grew into a new array, earlier headers keep pointing at the
	// old one, which stays alive through segs: nothing to fix up.
	r.segs[h] = r.hdrs[start:len(r.hdrs):len(r.hdrs)]
}

// Vec closes the open region and returns the segments for writev. The
// result is valid until Reset.
func (r *Reply) Vec() [][]byte {
	if r.mark < len(r.buf) {
		r.segs = append(r.segs, r.buf[r.mark:len(r.buf):len(r.buf)])
		r.mark = len(r.buf)
	}
	return r.segs
}

// Bytes returns the pending output as one slice (tests, MONITOR-free paths).
func (r *Reply) Bytes() []byte {
	if len(r.segs) == 0 {
		return r.buf
	}
	var out []byte
	for _, s := range r.Vec() {
		out = append(out, s...)
	}
	return out
}

// Reset empties the reply, keeping its storage, and drops references to
// stored values, unpinning them, so they can be changed in place or
// collected. It may run on an I/O goroutine without the engine.
func (r *Reply) Reset() {
	for _, p := range r.pins {
		p.Unpin()
	}
	clear(r.pins)
	r.pins = r.pins[:0]
	clear(r.segs)
	r.segs = r.segs[:0]
	if cap(r.buf) > maxKeptReplyBuf {
		r.buf = nil // one huge reply should not pin its buffer for the connection's life
	}
	r.buf = r.buf[:0]
	r.hdrs = r.hdrs[:0]
	r.mark = 0
	r.refLen = 0
}

// Cap returns the bytes of storage the reply holds (for CLIENT LIST omem).
func (r *Reply) Cap() int { return cap(r.buf) + cap(r.hdrs) }
