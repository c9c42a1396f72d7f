package engine

import (
	"strconv"

	"github.com/volleydb/volley/engine/listpack"
	"github.com/volleydb/volley/engine/resp"
)

// A sorted set in the listpack encoding is one listpack of member, score
// entry pairs ordered by score, then member bytes, as Valkey's zzl*
// functions keep it. Scores that are integers within ±2^62 are stored as
// integer entries and the rest as the text Valkey's d2string writes, so
// the bytes are what Valkey would write (and an RDB file can carry them).
// Offsets name the member entry of a pair.

// zzlLen is the number of members.
func zzlLen(lp []byte) int { return listpack.Len(lp) / 2 }

// zzlScore reads the score entry at p.
func zzlScore(lp []byte, p int) float64 {
	s, v, isInt := listpack.Get(lp, p)
	if isInt {
		return float64(v)
	}
	f, _ := strconv.ParseFloat(string(s), 64) // text written by zzlScoreText: inf, -inf or digits
	return f
}

// zzlPairScore is the score of the pair whose member is at p.
func zzlPairScore(lp []byte, p int) float64 { return zzlScore(lp, listpack.Next(lp, p)) }

// zzlScoreText formats score as it is stored: d2string, except that zero
// of either sign is the integer 0 (double2ll accepts -0).
func zzlScoreText(buf []byte, score float64) []byte {
	if score == 0 {
		return append(buf[:0], '0')
	}
	return resp.FormatDouble(buf[:0], score)
}

// zzlMember returns the member at p as bytes: a string entry aliases lp,
// an integer is formatted into buf.
func zzlMember(lp []byte, p int, buf []byte) []byte { return listpack.GetString(lp, p, buf) }

// zzlNext is the member offset of the pair after the one at p, -1 at the end.
func zzlNext(lp []byte, p int) int {
	s := listpack.Next(lp, p)
	if s < 0 {
		return -1
	}
	return listpack.Next(lp, s)
}

// zzlPrev is the member offset of the pair before the one at p, -1 at the start.
func zzlPrev(lp []byte, p int) int {
	s := listpack.Prev(lp, p)
	if s < 0 {
		return -1
	}
	return listpack.Prev(lp, s)
}

// zzlFind returns the offset of member ele and its score, p < 0 if absent.
func zzlFind(lp []byte, ele []byte) (int, float64) {
	p := listpack.Find(lp, listpack.First(lp), ele, 1)
	if p < 0 {
		return -1, 0
	}
	return p, zzlPairScore(lp, p)
}

// zzlCompare compares the member at p with ele bytewise (zzlCompareElements).
func zzlCompare(lp []byte, p int, ele []byte) int {
	var buf [24]byte
	return compareBytes(zzlMember(lp, p, buf[:0]), ele)
}

// zzlInsert adds member ele, not present, at its place.
func zzlInsert(lp []byte, ele []byte, score float64) []byte {
	for p := listpack.First(lp); p >= 0; p = zzlNext(lp, p) {
		s := zzlPairScore(lp, p)
		if s > score || (s == score && zzlCompare(lp, p, ele) > 0) {
			return zzlInsertAt(lp, p, ele, score)
		}
	}
	return zzlInsertAt(lp, -1, ele, score)
}

// zzlInsertAt inserts the pair before the member at p, or appends it
// when p < 0.
func zzlInsertAt(lp []byte, p int, ele []byte, score float64) []byte {
	var buf [32]byte
	st := zzlScoreText(buf[:0], score)
	if p < 0 {
		lp = listpack.Append(lp, ele)
		return listpack.Append(lp, st)
	}
	lp = listpack.Insert(lp, p, ele, false)
	return listpack.Insert(lp, p, st, true)
}

// zzlDelete removes the pair at p; what followed now starts at p.
func zzlDelete(lp []byte, p int) []byte { return listpack.DeleteRange(lp, p, 2) }

// zzlFirstInRange is the first member with its score in r, -1 if none.
func zzlFirstInRange(lp []byte, r *zrangeSpec) int {
	if r.empty() {
		return -1
	}
	for p := listpack.First(lp); p >= 0; p = zzlNext(lp, p) {
		s := zzlPairScore(lp, p)
		if r.gteMin(s) {
			if r.lteMax(s) {
				return p
			}
			return -1
		}
	}
	return -1
}

// zzlLastInRange is the last member with its score in r, -1 if none.
func zzlLastInRange(lp []byte, r *zrangeSpec) int {
	if r.empty() {
		return -1
	}
	for p := zzlLast(lp); p >= 0; p = zzlPrev(lp, p) {
		s := zzlPairScore(lp, p)
		if r.lteMax(s) {
			if r.gteMin(s) {
				return p
			}
			return -1
		}
	}
	return -1
}

// zzlLast is the offset of the last member, -1 if empty.
func zzlLast(lp []byte) int {
	s := listpack.Last(lp)
	if s < 0 {
		return -1
	}
	return listpack.Prev(lp, s)
}

func zzlLexGteMin(lp []byte, p int, r *zlexSpec) bool {
	var buf [24]byte
	return r.gteMin(zzlMember(lp, p, buf[:0]))
}

func zzlLexLteMax(lp []byte, p int, r *zlexSpec) bool {
	var buf [24]byte
	return r.lteMax(zzlMember(lp, p, buf[:0]))
}

// zzlFirstInLexRange is the first member in the lex range, -1 if none.
func zzlFirstInLexRange(lp []byte, r *zlexSpec) int {
	if r.empty() {
		return -1
	}
	for p := listpack.First(lp); p >= 0; p = zzlNext(lp, p) {
		if zzlLexGteMin(lp, p, r) {
			if zzlLexLteMax(lp, p, r) {
				return p
			}
			return -1
		}
	}
	return -1
}

// zzlLastInLexRange is the last member in the lex range, -1 if none.
func zzlLastInLexRange(lp []byte, r *zlexSpec) int {
	if r.empty() {
		return -1
	}
	for p := zzlLast(lp); p >= 0; p = zzlPrev(lp, p) {
		if zzlLexLteMax(lp, p, r) {
			if zzlLexGteMin(lp, p, r) {
				return p
			}
			return -1
		}
	}
	return -1
}

// zzlDeleteRangeByScore removes the members with scores in r.
func zzlDeleteRangeByScore(lp []byte, r *zrangeSpec) ([]byte, int) {
	p := zzlFirstInRange(lp, r)
	if p < 0 {
		return lp, 0
	}
	n := 0
	for !listpack.AtEnd(lp, p) && r.lteMax(zzlPairScore(lp, p)) {
		lp = zzlDelete(lp, p)
		n++
	}
	return lp, n
}

// zzlDeleteRangeByLex removes the members in the lex range r.
func zzlDeleteRangeByLex(lp []byte, r *zlexSpec) ([]byte, int) {
	p := zzlFirstInLexRange(lp, r)
	if p < 0 {
		return lp, 0
	}
	n := 0
	for !listpack.AtEnd(lp, p) && zzlLexLteMax(lp, p, r) {
		lp = zzlDelete(lp, p)
		n++
	}
	return lp, n
}

// zzlDeleteRangeByRank removes the members of 1-based ranks start..end.
func zzlDeleteRangeByRank(lp []byte, start, end int) ([]byte, int) {
	n := end - start + 1
	return listpack.DeleteRangeIndex(lp, 2*(start-1), 2*n), n
}
