package cnum

import (
	"bytes"
	"math"

	"github.com/volleydb/volley/engine/resp"
)

// String2ull parses b as Valkey's string2ull (SCAN cursors, stream ID
// parts): b is read as a C string, so it ends at its first NUL; what
// string2ll takes is the value unless negative, and what it refuses is
// given to strtoull, which must consume the rest and not overflow. So
// " 7", "+7", "007" and "-07" (2^64-7: a minus negates modulo 2^64) are
// accepted too.
func String2ull(b []byte) (uint64, bool) {
	if i := bytes.IndexByte(b, 0); i >= 0 {
		b = b[:i]
	}
	if v, ok := resp.ParseInt(b); ok {
		return uint64(v), v >= 0
	}
	i, neg := skipSpaceSign(b)
	start := i
	var v uint64
	overflow := false
	for ; i < len(b) && b[i] >= '0' && b[i] <= '9'; i++ {
		d := uint64(b[i] - '0')
		if v > (math.MaxUint64-d)/10 {
			overflow = true // strtoull saturates and sets ERANGE
		}
		v = v*10 + d
	}
	if i == start || i != len(b) || overflow {
		return 0, false
	}
	if neg {
		v = -v
	}
	return v, true
}
