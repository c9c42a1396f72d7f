// Package stream is Valkey's stream data type: entries keyed by 128-bit
// IDs, kept as Valkey keeps them so that node boundaries (which decide
// what approximate trimming removes) and the RDB form are the same.
//
// Entries live in nodes, each a listpack in Valkey's exact layout: a
// master entry (live count, deleted count, the master field names, a 0
// terminator), then per entry its flags, the ID as deltas from the node's
// master ID, the field count and names unless they equal the master's
// (SAMEFIELDS), the values, and the number of listpack elements the entry
// took (to walk backwards). A deleted entry stays as a tombstone, flagged,
// until its whole node goes. Valkey indexes the nodes in a radix tree
// keyed by the master ID as 128-bit big-endian; here they are a slice
// sorted by master ID, searched by binary search: nodes are only ever
// added at the tail and removed anywhere, and a stream has few of them
// (one per 100 entries by default), so the slice does what the tree does
// with less memory and no pointers per node. The RDB form writes the
// nodes in order with their 16-byte keys, byte for byte what Valkey writes.
//
// Nothing here is safe for concurrent use; the engine's single command
// goroutine owns every stream.
package stream

import (
	"sort"

	"github.com/volleydb/volley/engine/listpack"
	"github.com/volleydb/volley/engine/resp"
)

// Entry flags, as Valkey stores them.
const (
	FlagNone       = 0
	FlagDeleted    = 1 << 0 // the entry is a tombstone
	FlagSameFields = 1 << 1 // the entry's fields are the master entry's
)

// ListpackMaxSize is the largest a node's listpack (and the fields of one
// entry together) may grow (STREAM_LISTPACK_MAX_SIZE).
const ListpackMaxSize = 1 << 30

// maxPrealloc is the initial capacity of a new node's listpack
// (STREAM_LISTPACK_MAX_PRE_ALLOCATE).
const maxPrealloc = 4096

// Node is one listpack of entries and the master ID its IDs are deltas of.
type Node struct {
	Master ID
	LP     []byte
}

// Stream is a stream value.
type Stream struct {
	Nodes        []Node
	Length       uint64 // live entries
	LastID       ID     // the top ID ever added (or set by XSETID); 0-0 if none
	FirstID      ID     // the first live entry, 0-0 if empty
	MaxDeletedID ID     // the largest ID ever deleted
	EntriesAdded uint64 // every entry ever added
	Groups       []*Group
}

// New returns an empty stream.
func New() *Stream { return &Stream{} }

// Config holds the node limits (stream-node-max-bytes and
// stream-node-max-entries).
type Config struct {
	NodeMaxBytes   int64
	NodeMaxEntries int64
}

// lpInt reads the listpack element at p as an integer, as lpGetInteger:
// integers stored as strings are parsed (by string2ll).
func lpInt(lp []byte, p int) int64 {
	v, _ := lpIntValid(lp, p)
	return v
}

// lpIntValid is lpInt that also reports whether the element was a number.
func lpIntValid(lp []byte, p int) (int64, bool) {
	s, v, isInt := listpack.Get(lp, p)
	if isInt {
		return v, true
	}
	return resp.ParseInt(s)
}

// AppendError says why Append refused an entry.
type AppendError int

const (
	AppendOK      AppendError = iota
	AppendIDSmall             // the ID is not above the stream's top ID
	AppendTooBig              // the fields are too large for a listpack
)

// NextID is the ID an automatic XADD gets at time now (ms): now with
// sequence 0 if now is past the last ID's time, else the last ID plus one.
func (s *Stream) NextID(now uint64) ID {
	if now > s.LastID.Ms {
		return ID{now, 0}
	}
	id := s.LastID
	id.Incr()
	return id
}

// Append adds an entry with the field-value pairs fv (field, value,
// field, value...) under id, which must be above the top ID (when
// seqGiven is false, only id.Ms is given and the sequence is chosen as
// Valkey does).
func (s *Stream) Append(cfg Config, fv [][]byte, id ID, seqGiven bool) (ID, AppendError) {
	if !seqGiven {
		if s.LastID.Ms == id.Ms {
			if s.LastID.Seq == MaxID.Seq {
				return ID{}, AppendIDSmall
			}
			id = s.LastID
			id.Seq++
		}
	}
	if id.Cmp(s.LastID) <= 0 {
		return ID{}, AppendIDSmall
	}
	tot := 0
	for _, b := range fv {
		tot += len(b)
	}
	if tot > ListpackMaxSize {
		return ID{}, AppendTooBig
	}
	numFields := len(fv) / 2

	var tail *Node
	if n := len(s.Nodes); n > 0 {
		tail = &s.Nodes[n-1]
		maxBytes := cfg.NodeMaxBytes
		if maxBytes == 0 || maxBytes > ListpackMaxSize {
			maxBytes = ListpackMaxSize
		}
		full := int64(len(tail.LP))+int64(tot) >= maxBytes
		if !full && cfg.NodeMaxEntries != 0 {
			p := listpack.First(tail.LP)
			count := lpInt(tail.LP, p) + lpInt(tail.LP, listpack.Next(tail.LP, p))
			full = count >= cfg.NodeMaxEntries
		}
		if full {
			tail.LP = shrink(tail.LP)
			tail = nil
		}
	}

	flags := int64(FlagNone)
	if tail == nil {
		prealloc := int64(maxPrealloc)
		if cfg.NodeMaxBytes > 0 && cfg.NodeMaxBytes < prealloc {
			prealloc = cfg.NodeMaxBytes
		}
		lp := listpack.New(int(prealloc))
		lp = listpack.AppendInt(lp, 1)
		lp = listpack.AppendInt(lp, 0)
		lp = listpack.AppendInt(lp, int64(numFields))
		for i := 0; i < numFields; i++ {
			lp = listpack.Append(lp, fv[2*i])
		}
		lp = listpack.AppendInt(lp, 0)
		s.Nodes = append(s.Nodes, Node{Master: id, LP: lp})
		tail = &s.Nodes[len(s.Nodes)-1]
		flags |= FlagSameFields
	} else {
		lp := tail.LP
		p := listpack.First(lp)
		count := lpInt(lp, p)
		lp = listpack.ReplaceInt(lp, p, count+1)
		p = listpack.Next(lp, p) // deleted
		p = listpack.Next(lp, p) // master field count
		mf := lpInt(lp, p)
		p = listpack.Next(lp, p)
		if int64(numFields) == mf {
			var buf [20]byte
			same := true
			for i := 0; i < numFields; i++ {
				if string(listpack.GetString(lp, p, buf[:])) != string(fv[2*i]) {
					same = false
					break
				}
				p = listpack.Next(lp, p)
			}
			if same {
				flags |= FlagSameFields
			}
		}
		tail.LP = lp
	}

	lp := tail.LP
	lp = listpack.AppendInt(lp, flags)
	lp = listpack.AppendInt(lp, int64(id.Ms-tail.Master.Ms))
	lp = listpack.AppendInt(lp, int64(id.Seq-tail.Master.Seq))
	same := flags&FlagSameFields != 0
	if !same {
		lp = listpack.AppendInt(lp, int64(numFields))
	}
	for i := 0; i < numFields; i++ {
		if !same {
			lp = listpack.Append(lp, fv[2*i])
		}
		lp = listpack.Append(lp, fv[2*i+1])
	}
	lpCount := int64(numFields) + 3
	if !same {
		lpCount += int64(numFields) + 1
	}
	lp = listpack.AppendInt(lp, lpCount)
	tail.LP = lp

	s.Length++
	s.EntriesAdded++
	s.LastID = id
	if s.Length == 1 {
		s.FirstID = id
	}
	return id, AppendOK
}

// shrink returns lp with no spare capacity, as lpShrinkToFit does when a
// node is closed: a full node is never appended to again.
func shrink(lp []byte) []byte {
	if cap(lp)-len(lp) < 64 {
		return lp
	}
	out := make([]byte, len(lp))
	copy(out, lp)
	return out
}

// seekLE returns the index of the last node whose master ID is <= id, or
// -1 if none.
func (s *Stream) seekLE(id ID) int {
	i := sort.Search(len(s.Nodes), func(i int) bool { return s.Nodes[i].Master.Cmp(id) > 0 })
	return i - 1
}

// masterEntry reads a node's master entry: the number of master fields,
// where the first is, and where the 0 ending them is (the node's first
// entry follows it).
func masterEntry(lp []byte) (mf int64, fields, term int) {
	p := listpack.First(lp)  // live count
	p = listpack.Next(lp, p) // deleted count
	p = listpack.Next(lp, p) // master field count
	mf = lpInt(lp, p)
	p = listpack.Next(lp, p)
	fields = p
	for i := int64(0); i < mf; i++ {
		p = listpack.Next(lp, p)
	}
	return mf, fields, p
}

// nodeEdge returns the first or last entry ID of a node, tombstones
// included (lpGetEdgeStreamID).
func nodeEdge(n *Node, first bool) (ID, bool) {
	lp := n.LP
	var p int
	if first {
		_, _, term := masterEntry(lp)
		p = listpack.Next(lp, term)
		if p < 0 {
			return ID{}, false
		}
	} else {
		p = listpack.Last(lp)
		c := lpInt(lp, p)
		if c == 0 {
			return ID{}, false
		}
		for ; c > 0; c-- {
			p = listpack.Prev(lp, p)
		}
	}
	p = listpack.Next(lp, p) // the ms delta (p was at the flags)
	id := n.Master
	id.Ms += uint64(lpInt(lp, p))
	p = listpack.Next(lp, p)
	id.Seq += uint64(lpInt(lp, p))
	return id, true
}
