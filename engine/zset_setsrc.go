package engine

import "github.com/volleydb/volley/engine/keyspace"

// The set operations of the sorted set group (ZUNION, ZINTER, ZDIFF and
// their STORE forms, ZINTERCARD) take plain sets as inputs, every member
// scoring 1. These read a stored set whatever its encoding, through the
// set group's view of it.

// zsetSetLen is the number of members of the set at e.
func zsetSetLen(e keyspace.Entry) int {
	sv := setOf(e)
	return sv.size()
}

// zsetSetEach calls fn with every member of the set at e; the bytes are
// valid only during the call.
func zsetSetEach(e keyspace.Entry, fn func(ele []byte)) {
	sv := setOf(e)
	it := sv.iter()
	var buf [20]byte
	for {
		s, v, isInt, ok := it.next()
		if !ok {
			return
		}
		fn(memberText(s, v, isInt, &buf))
	}
}

// zsetSetHas reports whether the set at e holds ele.
func zsetSetHas(e keyspace.Entry, ele []byte) bool {
	sv := setOf(e)
	return sv.has(ele, 0, false)
}
