package engine

import "github.com/volleydb/volley/engine/keyspace"

// The set operations of the sorted set group (ZUNION, ZINTER, ZDIFF and
// their STORE forms, ZINTERCARD) take plain sets as inputs, every member
// scoring 1. These read a stored set whatever its encoding.

// zsetSetLen is the number of members of the set at e.
func zsetSetLen(e keyspace.Entry) int { return 0 }

// zsetSetEach calls fn with every member of the set at e; the bytes are
// valid only during the call.
func zsetSetEach(e keyspace.Entry, fn func(ele []byte)) {}

// zsetSetHas reports whether the set at e holds ele.
func zsetSetHas(e keyspace.Entry, ele []byte) bool { return false }
