package engine

import "github.com/volleydb/volley/engine/stream"

// Lazy freeing. Valkey hands a large value that UNLINK (or a lazyfree-*
// directive) deletes to a background thread, which frees it while the
// server goes on. A deleted Go value is garbage at once, but its memory
// comes back only when the collector runs, and with no allocation going on
// that may be minutes away; INFO's used_memory would not move. So a lazily
// freed value asks for a collection on a goroutine of its own: the value
// is pending (lazyfree_pending_objects) until that collection has run,
// then freed (lazyfreed_objects).

// lazyfreeState batches the values waiting for a collection.
type lazyfreeState struct {
	waiting  int64 // values freed since the last collection started
	lastKick int64 // monotonic ns the last collection started
}

// lazyfreeMinGapNs spaces the collections lazy freeing starts; values
// freed in between wait for the cron.
const lazyfreeMinGapNs = 100e6

// freeEffort is Valkey's lazyfreeGetFreeEffort: about how many
// allocations freeing o takes.
func freeEffort(o Object) int {
	switch v := o.(type) {
	case *quicklist:
		return len(v.buf) - v.head // a list costs a free per node
	case *stream.Stream:
		// A free per node, and per group and pending entry, estimated from
		// the first group as Valkey does.
		n := len(v.Nodes)
		if len(v.Groups) > 0 {
			n += len(v.Groups) * (1 + v.Groups[0].PEL.Len())
		}
		return n
	}
	return o.Len()
}

// lazyfreeObject counts a value deleted lazily and asks for the
// collection that reclaims it.
func (s *Server) lazyfreeObject() {
	s.lazyfreeStarted(1)
	s.lazy.waiting++
	s.lazyfreeKick(s.mono.now())
}

// lazyfreeKick starts a collection for the waiting values unless one is
// running or the last started less than lazyfreeMinGapNs ago; the cron
// calls it again.
func (s *Server) lazyfreeKick(now int64) {
	lz := &s.lazy
	if lz.waiting == 0 || s.gc.running() || now-lz.lastKick < lazyfreeMinGapNs {
		return
	}
	n := lz.waiting
	lz.waiting, lz.lastKick = 0, now
	s.gc.request(func() { s.lazyfreeDone(int(n)) })
}
