package engine

import (
	"unsafe"

	"github.com/volleydb/volley/simd"
)

// The batch executor's prefetch passes (Valkey 9's pipeline memory
// prefetching). A pipelined batch's commands touch keys spread over a
// table far larger than the cache, and run one after another, so each
// waits for its bucket and then its record to come from memory. Before the
// I/O layer runs a window of up to prefetch-batch-max-size commands, it
// calls Prefetch, which hashes every key of the window and prefetches the
// buckets, then, with those on their way, finds each key's probable record
// and prefetches that: the misses of the whole window overlap instead of
// queueing. The commands then run as usual; what they look up is in cache.
type prefetcher struct {
	keys   []KeyRef
	hashes []uint64
	tabs   []*DB
	addrs  []unsafe.Pointer
}

// PrefetchWindow is how many commands of a batch Prefetch should cover,
// 0 when prefetching is off.
func (s *Server) PrefetchWindow() int { return s.Cfg.PrefetchBatchMaxSize }

// Prefetch warms the cache for the keys of commands [from, to) of a
// parsed batch (args split at ends, as the I/O layer keeps them) for
// client c.
func (s *Server) Prefetch(c *Client, args [][]byte, ends []int, from, to int) {
	p := &s.prefetch
	p.hashes, p.tabs, p.addrs = p.hashes[:0], p.tabs[:0], p.addrs[:0]
	db := s.dbs[c.DB]
	start := 0
	if from > 0 {
		start = ends[from-1]
	}
	for _, end := range ends[from:to] {
		argv := args[start:end]
		start = end
		cmd := s.LookupCommand(argv)
		if cmd == nil || (cmd.Arity > 0 && cmd.Arity != len(argv)) || len(argv) < -cmd.Arity {
			continue
		}
		p.keys = cmd.CallKeys(argv, p.keys[:0])
		for _, k := range p.keys {
			h := db.keys.Hash(argv[k.Pos])
			p.hashes = append(p.hashes, h)
			p.tabs = append(p.tabs, db)
			if a := db.keys.BucketAddr(h); a != nil {
				p.addrs = append(p.addrs, a)
			}
		}
	}
	if len(p.addrs) == 0 {
		return
	}
	simd.PrefetchN(p.addrs)
	p.addrs = p.addrs[:0]
	for i, h := range p.hashes {
		if a := p.tabs[i].keys.EntryHint(h); a != nil {
			p.addrs = append(p.addrs, a)
		}
	}
	simd.PrefetchN(p.addrs)
}
