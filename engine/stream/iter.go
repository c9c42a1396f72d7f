package stream

import (
	"slices"

	"github.com/volleydb/volley/engine/listpack"
)

// Iterator walks the entries of a stream between two IDs (inclusive),
// forwards or backwards, as Valkey's streamIterator: Next gives each
// entry's ID and field count, then Field gives its field-value pairs.
// The stream must not change while iterating, except through Remove.
type Iterator struct {
	s              *Stream
	start, end     ID
	rev            bool
	SkipTombstones bool

	ni        int // next node to load (forward) or the one before it (reverse)
	node      int // the loaded node, -1 if none
	lp        []byte
	master    ID
	mfCount   int64 // master field count
	mfStart   int   // first master field
	ele       int   // cursor; -1 when the node is done
	flagsPos  int
	flags     int64
	mfPtr     int
	pending   int64 // elements of the current entry not yet read by Field
	fieldBuf  [20]byte
	valueBuf  [20]byte
	exhausted bool
}

// Start positions it on s between start and end, forwards unless rev. A
// nil bound is the stream's edge.
func (it *Iterator) Start(s *Stream, start, end *ID, rev bool) {
	*it = Iterator{s: s, rev: rev, SkipTombstones: true, node: -1, ele: -1}
	if start != nil {
		it.start = *start
	}
	if end != nil {
		it.end = *end
	} else {
		it.end = MaxID
	}
	if !rev {
		it.ni = 0
		if start != nil && !start.IsZero() {
			if i := s.seekLE(*start); i >= 0 {
				it.ni = i
			}
		}
	} else {
		it.ni = len(s.Nodes) - 1
		if end != nil && !end.IsZero() {
			if i := s.seekLE(*end); i >= 0 {
				it.ni = i
			}
		}
	}
}

// Next moves to the next entry in range, reporting its ID and how many
// field-value pairs it has; ok is false at the end.
func (it *Iterator) Next() (id ID, numFields int64, ok bool) {
	if it.exhausted {
		return ID{}, 0, false
	}
	for {
		if it.node < 0 || it.ele < 0 {
			if it.ni < 0 || it.ni >= len(it.s.Nodes) {
				it.exhausted = true
				return ID{}, 0, false
			}
			it.node = it.ni
			if it.rev {
				it.ni--
			} else {
				it.ni++
			}
			n := &it.s.Nodes[it.node]
			it.master = n.Master
			it.lp = n.LP
			var term int
			it.mfCount, it.mfStart, term = masterEntry(it.lp)
			if !it.rev {
				it.ele = term
			} else {
				it.ele = listpack.Last(it.lp)
			}
		} else if it.rev {
			// Back to the element count closing the entry before the
			// one emitted last time (or the master terminator).
			it.ele = listpack.Prev(it.lp, it.flagsPos)
		} else {
			// Forward to the element count closing the entry emitted
			// last time, past the fields the caller did not read.
			for ; it.pending > 0; it.pending-- {
				it.ele = listpack.Next(it.lp, it.ele)
			}
		}

		lp := it.lp
		for {
			if !it.rev {
				it.ele = listpack.Next(lp, it.ele)
				if it.ele < 0 {
					break
				}
			} else {
				c := lpInt(lp, it.ele)
				if c == 0 {
					it.node, it.ele = -1, -1
					break
				}
				for ; c > 0; c-- {
					it.ele = listpack.Prev(lp, it.ele)
				}
			}
			it.flagsPos = it.ele
			flags := lpInt(lp, it.ele)
			it.ele = listpack.Next(lp, it.ele)
			id = it.master
			id.Ms += uint64(lpInt(lp, it.ele))
			it.ele = listpack.Next(lp, it.ele)
			id.Seq += uint64(lpInt(lp, it.ele))
			it.ele = listpack.Next(lp, it.ele)
			if flags&FlagSameFields != 0 {
				numFields = it.mfCount
			} else {
				numFields = lpInt(lp, it.ele)
				it.ele = listpack.Next(lp, it.ele)
			}
			live := !it.SkipTombstones || flags&FlagDeleted == 0
			if !it.rev {
				if id.Cmp(it.start) >= 0 && live {
					if id.Cmp(it.end) > 0 {
						it.exhausted = true
						return ID{}, 0, false
					}
					it.emit(flags, numFields)
					return id, numFields, true
				}
			} else {
				if id.Cmp(it.end) <= 0 && live {
					if id.Cmp(it.start) < 0 {
						it.exhausted = true
						return ID{}, 0, false
					}
					it.emit(flags, numFields)
					return id, numFields, true
				}
			}
			if !it.rev {
				skip := numFields
				if flags&FlagSameFields == 0 {
					skip *= 2
				}
				for ; skip > 0; skip-- {
					it.ele = listpack.Next(lp, it.ele)
				}
			} else {
				back := 4
				if flags&FlagSameFields == 0 {
					back++
				}
				for ; back > 0; back-- {
					it.ele = listpack.Prev(lp, it.ele)
				}
			}
		}
		if !it.rev {
			it.node = -1
		}
	}
}

func (it *Iterator) emit(flags, numFields int64) {
	it.flags = flags
	it.mfPtr = it.mfStart
	it.pending = numFields
	if flags&FlagSameFields == 0 {
		it.pending *= 2
	}
}

// Field returns the next field and value of the current entry. The
// slices alias the node or the iterator's buffers: valid until the next
// call.
func (it *Iterator) Field() (field, value []byte) {
	if it.flags&FlagSameFields != 0 {
		field = listpack.GetString(it.lp, it.mfPtr, it.fieldBuf[:])
		it.mfPtr = listpack.Next(it.lp, it.mfPtr)
	} else {
		field = listpack.GetString(it.lp, it.ele, it.fieldBuf[:])
		it.ele = listpack.Next(it.lp, it.ele)
		it.pending--
	}
	it.pending--
	value = listpack.GetString(it.lp, it.ele, it.valueBuf[:])
	it.ele = listpack.Next(it.lp, it.ele)
	return field, value
}

// Remove deletes the current entry (whose ID is cur): it becomes a
// tombstone, or its whole node goes if it was the node's last live
// entry. The iterator continues after it.
func (it *Iterator) Remove(cur ID) {
	s := it.s
	n := &s.Nodes[it.node]
	lp := n.LP
	flags := lpInt(lp, it.flagsPos) | FlagDeleted
	lp = listpack.ReplaceInt(lp, it.flagsPos, flags)
	p := listpack.First(lp)
	live := lpInt(lp, p)
	if live == 1 {
		s.Nodes = slices.Delete(s.Nodes, it.node, it.node+1) // zeroes the freed slot
	} else {
		lp = listpack.ReplaceInt(lp, p, live-1)
		p = listpack.Next(lp, p)
		lp = listpack.ReplaceInt(lp, p, lpInt(lp, p)+1)
		n.LP = lp
	}
	s.Length--
	start, end := it.start, it.end
	if it.rev {
		end = cur
	} else {
		start = cur
	}
	skip := it.SkipTombstones
	it.Start(s, &start, &end, it.rev)
	it.SkipTombstones = skip
}

// Exists reports whether a live entry has this ID.
func (s *Stream) Exists(id ID) bool {
	var it Iterator
	it.Start(s, &id, &id, false)
	_, _, ok := it.Next()
	return ok
}

// Delete removes the entry id, reporting whether it existed.
func (s *Stream) Delete(id ID) bool {
	var it Iterator
	it.Start(s, &id, &id, false)
	got, _, ok := it.Next()
	if !ok {
		return false
	}
	it.Remove(got)
	return true
}

// EdgeID returns the first (or last) entry's ID, tombstones skipped if
// skipTombstones; for an empty stream it is the largest ID (first) or
// 0-0 (last), as streamGetEdgeID.
func (s *Stream) EdgeID(first, skipTombstones bool) ID {
	var it Iterator
	it.Start(s, nil, nil, !first)
	it.SkipTombstones = skipTombstones
	id, _, ok := it.Next()
	if !ok {
		if first {
			return MaxID
		}
		return ID{}
	}
	return id
}

// LastValidID is the ID of the last live entry (0-0 if none).
func (s *Stream) LastValidID() ID {
	var it Iterator
	it.Start(s, nil, nil, true)
	id, _, _ := it.Next()
	return id
}

// HasTombstonesIn reports whether the range [start, end] (nil: the
// edges) may contain a deleted entry: whether the largest deleted ID lies
// in it.
func (s *Stream) HasTombstonesIn(start, end *ID) bool {
	if s.Length == 0 || s.MaxDeletedID.IsZero() {
		return false
	}
	st, en := ID{}, MaxID
	if start != nil {
		st = *start
	}
	if end != nil {
		en = *end
	}
	return st.Cmp(s.MaxDeletedID) <= 0 && s.MaxDeletedID.Cmp(en) <= 0
}

// InvalidEntriesRead marks a group's entries-read counter as unknown.
const InvalidEntriesRead = -1

// EstimateDistance returns how many entries were added up to and
// including id (its logical read counter), or InvalidEntriesRead when
// that cannot be known (streamEstimateDistanceFromFirstEverEntry).
func (s *Stream) EstimateDistance(id ID) int64 {
	if s.EntriesAdded == 0 {
		return 0
	}
	if s.Length == 0 && id.Cmp(s.LastID) < 1 {
		return int64(s.EntriesAdded)
	}
	if !id.IsZero() && id.Cmp(s.MaxDeletedID) < 0 {
		return InvalidEntriesRead
	}
	cmpLast := id.Cmp(s.LastID)
	if cmpLast == 0 {
		return int64(s.EntriesAdded)
	} else if cmpLast > 0 {
		return InvalidEntriesRead
	}
	cmpFirst := id.Cmp(s.FirstID)
	if s.MaxDeletedID.IsZero() || s.MaxDeletedID.Cmp(s.FirstID) < 0 {
		if cmpFirst < 0 {
			return int64(s.EntriesAdded - s.Length)
		} else if cmpFirst == 0 {
			return int64(s.EntriesAdded - s.Length + 1)
		}
	}
	return InvalidEntriesRead
}

// Lag is a group's lag: the entries not yet delivered to it, and whether
// it can be known.
func (s *Stream) Lag(g *Group) (int64, bool) {
	if s.EntriesAdded == 0 {
		return 0, true
	}
	if g.EntriesRead != InvalidEntriesRead && !s.HasTombstonesIn(&g.LastID, nil) {
		return int64(s.EntriesAdded) - g.EntriesRead, true
	}
	if er := s.EstimateDistance(g.LastID); er != InvalidEntriesRead {
		return int64(s.EntriesAdded) - er, true
	}
	return 0, false
}
