package stream

import "github.com/volleydb/volley/engine/listpack"

// Trim strategies.
const (
	TrimNone = iota
	TrimMaxLen
	TrimMinID
)

// TrimArgs says how to trim: keep at most MaxLen entries (TrimMaxLen) or
// none below MinID (TrimMinID). Approx removes whole nodes only; Limit,
// if not 0, caps the entries removed.
type TrimArgs struct {
	Strategy int
	MaxLen   int64
	MinID    ID
	Approx   bool
	Limit    int64
}

// Trim removes entries from the head as args say and returns how many,
// as Valkey's streamTrim: whole nodes first, then (unless approximate)
// entries of the first node that must keep some, which become tombstones.
func (s *Stream) Trim(args TrimArgs) int64 {
	if args.Strategy == TrimNone {
		return 0
	}
	maxlen := uint64(args.MaxLen)
	var deleted int64
	for len(s.Nodes) > 0 {
		if args.Strategy == TrimMaxLen && s.Length <= maxlen {
			break
		}
		n := &s.Nodes[0]
		lp := n.LP
		p := listpack.First(lp)
		entries := lpInt(lp, p)
		if args.Limit != 0 && deleted+entries > args.Limit {
			break
		}
		var removeNode bool
		if args.Strategy == TrimMaxLen {
			removeNode = s.Length-uint64(entries) >= maxlen
		} else {
			last, _ := nodeEdge(n, false)
			removeNode = last.Cmp(args.MinID) < 0
		}
		if removeNode {
			s.Nodes[0] = Node{}
			s.Nodes = s.Nodes[1:]
			s.Length -= uint64(entries)
			deleted += entries
			continue
		}
		if args.Approx {
			break
		}

		// Mark entries of this node deleted until the condition holds.
		var fromLP int64
		mf, _, term := masterEntry(lp)
		for p = listpack.Next(lp, term); p >= 0; {
			flagsPos := p
			flags := lpInt(lp, p)
			p = listpack.Next(lp, p)
			msDelta := lpInt(lp, p)
			p = listpack.Next(lp, p)
			seqDelta := lpInt(lp, p)
			p = listpack.Next(lp, p)
			var stop bool
			if args.Strategy == TrimMaxLen {
				stop = s.Length <= maxlen
			} else {
				cur := ID{n.Master.Ms + uint64(msDelta), n.Master.Seq + uint64(seqDelta)}
				stop = cur.Cmp(args.MinID) >= 0
			}
			if stop {
				break
			}
			var skip int64
			if flags&FlagSameFields != 0 {
				skip = mf
			} else {
				skip = lpInt(lp, p) * 2
				p = listpack.Next(lp, p)
			}
			for ; skip > 0; skip-- {
				p = listpack.Next(lp, p)
			}
			p = listpack.Next(lp, p) // past the element count
			if flags&FlagDeleted == 0 {
				// Flags stay one byte: the replacement never moves p.
				lp = listpack.ReplaceInt(lp, flagsPos, flags|FlagDeleted)
				fromLP++
				s.Length--
			}
		}
		deleted += fromLP
		p = listpack.First(lp)
		lp = listpack.ReplaceInt(lp, p, entries-fromLP)
		p = listpack.Next(lp, p)
		lp = listpack.ReplaceInt(lp, p, lpInt(lp, p)+fromLP)
		n.LP = lp
		break
	}
	if len(s.Nodes) == 0 {
		s.Nodes = nil
	}
	if s.Length == 0 {
		s.FirstID = ID{}
	} else if deleted > 0 {
		s.FirstID = s.EdgeID(true, true)
	}
	return deleted
}

// DefaultApproxLimit is the LIMIT of an approximate trim that names
// none: 100 nodes' worth of entries, kept within 10000 (when nodes are
// unlimited) and 1000000.
func DefaultApproxLimit(nodeMaxEntries int64) int64 {
	switch {
	case nodeMaxEntries <= 0:
		return 10000
	case nodeMaxEntries >= 10000:
		return 1000000
	}
	return 100 * nodeMaxEntries
}
