package engine

import (
	"math"
	"sort"
	"strconv"
	"sync"

	"github.com/volleydb/volley/engine/cnum"
	"github.com/volleydb/volley/engine/config"
	"github.com/volleydb/volley/engine/keyspace"
	"github.com/volleydb/volley/engine/listpack"
)

// zsetHandlers are the sorted set group.
var zsetHandlers = map[string]Handler{
	"zadd":             cmdZadd,
	"zincrby":          cmdZincrby,
	"zrem":             cmdZrem,
	"zcard":            cmdZcard,
	"zscore":           cmdZscore,
	"zmscore":          cmdZmscore,
	"zrank":            cmdZrank,
	"zrevrank":         cmdZrevrank,
	"zcount":           cmdZcount,
	"zlexcount":        cmdZlexcount,
	"zrange":           cmdZrange,
	"zrangestore":      cmdZrangestore,
	"zrevrange":        cmdZrevrange,
	"zrangebyscore":    cmdZrangebyscore,
	"zrevrangebyscore": cmdZrevrangebyscore,
	"zrangebylex":      cmdZrangebylex,
	"zrevrangebylex":   cmdZrevrangebylex,
	"zremrangebyrank":  cmdZremrangebyrank,
	"zremrangebyscore": cmdZremrangebyscore,
	"zremrangebylex":   cmdZremrangebylex,
	"zpopmin":          cmdZpopmin,
	"zpopmax":          cmdZpopmax,
	"zmpop":            cmdZmpop,
	"bzpopmin":         cmdBzpopmin,
	"bzpopmax":         cmdBzpopmax,
	"bzmpop":           cmdBzmpop,
	"zrandmember":      cmdZrandmember,
	"zunion":           cmdZunion,
	"zinter":           cmdZinter,
	"zdiff":            cmdZdiff,
	"zunionstore":      cmdZunionstore,
	"zinterstore":      cmdZinterstore,
	"zdiffstore":       cmdZdiffstore,
	"zintercard":       cmdZintercard,
	"zscan":            cmdZscan,
}

// Sorted set errors, with Valkey's text.
const (
	errZsetNaN        = "ERR resulting score is not a number (NaN)"
	errZsetMinMax     = "ERR min or max is not a float"
	errZsetLexRange   = "ERR min or max not valid string range item"
	errZsetXXNX       = "ERR XX and NX options at the same time are not compatible"
	errZsetGTLTNX     = "ERR GT, LT, and/or NX options at the same time are not compatible"
	errZsetIncrPair   = "ERR INCR option supports a single increment-element pair"
	errZsetWeight     = "ERR weight value is not a float"
	errZsetLimitNeg   = "ERR LIMIT can't be negative"
	errZsetNumkeys    = "ERR numkeys should be greater than 0"
	errZsetCount      = "ERR count should be greater than 0"
	errZsetLimitRank  = "ERR syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX"
	errZsetScoresLex  = "ERR syntax error, WITHSCORES not supported in combination with BYLEX"
	errZsetOutOfRange = "ERR value is out of range"
	errZsetNoValues   = "ERR NOVALUES option can only be used in HSCAN"
	errZsetRandRange  = "ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807"
	kindZsetListpack  = TypeZSet | EncListpack
	kindZsetSkiplist  = TypeZSet | EncSkiplist
)

// ---- numbers ----

// parseZsetFloat parses a score or weight as Valkey's string2d: the whole
// argument, no leading space, no NaN, no overflow or underflow to zero.
func parseZsetFloat(b []byte) (float64, bool) {
	if len(b) == 0 || cnum.IsSpace(b[0]) {
		return 0, false
	}
	f, n, erange := cnum.Strtod(b)
	if n != len(b) || erange || math.IsNaN(f) {
		return 0, false
	}
	return f, true
}

// parseRangeFloat parses one end of a score range as zslParseRange does:
// strtod over the argument as a C string (up to a NUL byte), which must be
// consumed entirely; an empty string is 0, out of range values saturate.
func parseRangeFloat(b []byte) (float64, bool) {
	for i, ch := range b {
		if ch == 0 {
			b = b[:i]
			break
		}
	}
	f, n, _ := cnum.Strtod(b)
	if n != len(b) || math.IsNaN(f) {
		return 0, false
	}
	return f, true
}

// parseScoreRange parses min and max of the BYSCORE commands, each
// optionally "(" for an open end.
func parseScoreRange(min, max []byte) (zrangeSpec, bool) {
	var r zrangeSpec
	var ok bool
	if len(min) > 0 && min[0] == '(' {
		r.minex = true
		min = min[1:]
	}
	if r.min, ok = parseRangeFloat(min); !ok {
		return r, false
	}
	if len(max) > 0 && max[0] == '(' {
		r.maxex = true
		max = max[1:]
	}
	if r.max, ok = parseRangeFloat(max); !ok {
		return r, false
	}
	return r, true
}

// parseLexItem parses one end of a lex range: "-", "+", "(member" or "[member".
func parseLexItem(b []byte) (kind int8, v []byte, ex bool, ok bool) {
	if len(b) == 0 {
		return 0, nil, false, false
	}
	switch b[0] {
	case '+':
		return lexMax, nil, true, len(b) == 1
	case '-':
		return lexMin, nil, true, len(b) == 1
	case '(':
		return lexValue, b[1:], true, true
	case '[':
		return lexValue, b[1:], false, true
	}
	return 0, nil, false, false
}

func parseLexRange(min, max []byte) (zlexSpec, bool) {
	var r zlexSpec
	var ok1, ok2 bool
	r.minKind, r.min, r.minex, ok1 = parseLexItem(min)
	r.maxKind, r.max, r.maxex, ok2 = parseLexItem(max)
	return r, ok1 && ok2
}

// appendLg17 formats f as C's "%.17Lg" (ZSCAN's scores of a skiplist).
func appendLg17(dst []byte, f float64) []byte {
	switch {
	case math.IsInf(f, 1):
		return append(dst, "inf"...)
	case math.IsInf(f, -1):
		return append(dst, "-inf"...)
	case math.IsNaN(f):
		return append(dst, "nan"...)
	}
	return strconv.AppendFloat(dst, f, 'g', 17, 64)
}

// parseLongArg is getLongFromObjectOrReply with msg for failures (the
// default message when empty).
func parseLongArg(c *Client, b []byte, msg string) (int64, bool) {
	v, ok := parseInt(b)
	if !ok {
		if msg == "" {
			msg = ErrNotInteger
		}
		c.AddError(msg)
	}
	return v, ok
}

// parseRangeLongArg is getRangeLongFromObjectOrReply.
func parseRangeLongArg(c *Client, b []byte, lo, hi int64, msg string) (int64, bool) {
	v, ok := parseLongArg(c, b, msg)
	if !ok {
		return 0, false
	}
	if v < lo || v > hi {
		if msg == "" {
			msg = "ERR value is out of range, value must between " + strconv.FormatInt(lo, 10) + " and " + strconv.FormatInt(hi, 10)
		}
		c.AddError(msg)
		return 0, false
	}
	return v, true
}

// ---- the value ----

// zset is a sorted set being read or written: a listpack (lp) or a
// skiplist (z). Read from a record, lp aliases slab memory and is valid
// until the key is written; for a write it is an owned copy, stored back
// with zsetSave.
type zset struct {
	lp     []byte
	z      *zsetObj
	pooled *[]byte // the scratch buffer lp was copied into, for a write
}

// zsetOf views a stored sorted set.
func zsetOf(e keyspace.Entry) zset {
	if e.Kind()&encMask == EncListpack {
		return zset{lp: e.Value()}
	}
	return zset{z: e.Obj().(*zsetObj)}
}

// zsetForWrite is zsetOf with the listpack copied into a scratch buffer,
// so it can be changed; release the buffer when done (the record keeps its
// own copy once stored).
func zsetForWrite(e keyspace.Entry) zset {
	if e.Kind()&encMask == EncListpack {
		buf := zsetScratch.Get().(*[]byte)
		return zset{lp: append((*buf)[:0], e.Value()...), pooled: buf}
	}
	return zset{z: e.Obj().(*zsetObj)}
}

// zsetScratch holds the buffers listpack writes are made in, so a write
// to a small sorted set allocates nothing in the steady state.
var zsetScratch = sync.Pool{New: func() any { b := make([]byte, 0, 256); return &b }}

// zsetScratchMax is the largest scratch buffer kept for reuse.
const zsetScratchMax = 64 << 10

// release returns the scratch buffer of zsetForWrite. zs must not be used
// afterwards unless it was stored or converted.
func (zs *zset) release() {
	buf := zs.pooled
	if buf == nil {
		return
	}
	zs.pooled = nil
	if zs.lp != nil && cap(zs.lp) > cap(*buf) {
		*buf = zs.lp[:0] // keep the grown buffer
	}
	if cap(*buf) <= zsetScratchMax {
		zsetScratch.Put(buf)
	}
}

func (zs *zset) isListpack() bool { return zs.z == nil }

func (zs *zset) len() int {
	if zs.z != nil {
		return zs.z.length
	}
	return zzlLen(zs.lp)
}

// score returns member ele's score.
func (zs *zset) score(ele []byte) (float64, bool) {
	if zs.z != nil {
		if n := zs.z.find(ele); n != nil {
			return n.score, true
		}
		return 0, false
	}
	p, s := zzlFind(zs.lp, ele)
	return s, p >= 0
}

// kind is the record kind for the current encoding.
func (zs *zset) kind() uint8 {
	if zs.z != nil {
		return kindZsetSkiplist
	}
	return kindZsetListpack
}

func (zs *zset) value() keyspace.Value {
	if zs.z != nil {
		return keyspace.Value{Kind: kindZsetSkiplist, Obj: zs.z}
	}
	return keyspace.Value{Kind: kindZsetListpack, Bytes: zs.lp}
}

// newZset is zsetTypeCreate: a listpack when sizeHint members of up to
// valLen bytes fit the listpack limits, a skiplist otherwise.
func newZset(cfg *config.Config, sizeHint, valLen int) zset {
	if sizeHint <= cfg.ZsetMaxListpackEntries && valLen <= cfg.ZsetMaxListpackValue {
		return zset{lp: listpack.New(64)}
	}
	return zset{z: newZsetObj(sizeHint)}
}

// toSkiplist converts a listpack to a skiplist sized for capHint members.
func (zs *zset) toSkiplist(capHint int) {
	if zs.z != nil {
		return
	}
	z := newZsetObj(capHint)
	lp := zs.lp
	var buf [24]byte
	for p := listpack.First(lp); p >= 0; p = zzlNext(lp, p) {
		s := listpack.Next(lp, p)
		z.add(string(zzlMember(lp, p, buf[:0])), zzlScore(lp, s))
	}
	zs.z, zs.lp = z, nil
}

// toListpack converts a skiplist to a listpack.
func (zs *zset) toListpack() {
	if zs.z == nil {
		return
	}
	lp := listpack.New(64)
	for n := zs.z.first(); n != nil; n = n.succ() {
		lp = zzlInsertAt(lp, -1, zbytes(n.ele()), n.score)
	}
	zs.lp, zs.z = lp, nil
}

// maybeConvert is zsetTypeMaybeConvert: a listpack about to receive
// sizeHint members of up to valLen bytes turns skiplist if they would not fit.
func (zs *zset) maybeConvert(cfg *config.Config, sizeHint, valLen int) {
	if zs.z == nil && (sizeHint > cfg.ZsetMaxListpackEntries || valLen > cfg.ZsetMaxListpackValue) {
		zs.toSkiplist(sizeHint)
	}
}

// convertToListpackIfNeeded is zsetConvertToListpackIfNeeded, for the
// results of the set operations.
func (zs *zset) convertToListpackIfNeeded(cfg *config.Config, maxLen, totLen int) {
	if zs.z != nil && zs.z.length <= cfg.ZsetMaxListpackEntries && maxLen <= cfg.ZsetMaxListpackValue &&
		listpack.SafeToAdd(nil, totLen) {
		zs.toListpack()
	}
}

// zadd input and output flags (zsetAdd's).
const (
	zaddIncr = 1 << iota
	zaddNX
	zaddXX
	zaddGT
	zaddLT
	zaddCH // ZADD's reply counts changed members, not added ones (never passed to add)

	zaddOutNaN     = 1 << iota
	zaddOutAdded   // the member was added
	zaddOutUpdated // its score changed
	zaddOutNop     // nothing done because of NX, XX, GT or LT
)

// add is zsetAdd: add member ele or update its score under the flags,
// converting a listpack that would outgrow its limits. It returns the
// out flags, the member's new score, and false when the result is NaN.
func (zs *zset) add(cfg *config.Config, score float64, ele []byte, flags int) (int, float64, bool) {
	incr, nx, xx := flags&zaddIncr != 0, flags&zaddNX != 0, flags&zaddXX != 0
	gt, lt := flags&zaddGT != 0, flags&zaddLT != 0
	if math.IsNaN(score) {
		return zaddOutNaN, 0, false
	}
	// update applies incr, gt and lt to an existing member's score.
	update := func(cur float64) (float64, int, bool) {
		if nx {
			return 0, zaddOutNop, true
		}
		if incr {
			score += cur
			if math.IsNaN(score) {
				return 0, zaddOutNaN, false
			}
		}
		if (lt && score >= cur) || (gt && score <= cur) {
			return 0, zaddOutNop, true
		}
		return score, 0, true
	}
	if zs.z == nil {
		if p, cur := zzlFind(zs.lp, ele); p >= 0 {
			ns, out, ok := update(cur)
			if !ok || out != 0 {
				return out, 0, ok
			}
			if ns != cur {
				zs.lp = zzlDelete(zs.lp, p)
				zs.lp = zzlInsert(zs.lp, ele, ns)
				return zaddOutUpdated, ns, true
			}
			return 0, ns, true
		}
		if xx {
			return zaddOutNop, 0, true
		}
		if zzlLen(zs.lp)+1 > cfg.ZsetMaxListpackEntries || len(ele) > cfg.ZsetMaxListpackValue ||
			!listpack.SafeToAdd(zs.lp, len(ele)) {
			zs.toSkiplist(zzlLen(zs.lp) + 1)
		} else {
			zs.lp = zzlInsert(zs.lp, ele, score)
			return zaddOutAdded, score, true
		}
	}
	if n := zs.z.find(ele); n != nil {
		ns, out, ok := update(n.score)
		if !ok || out != 0 {
			return out, 0, ok
		}
		if ns != n.score {
			zs.z.updateScore(n, ns)
			return zaddOutUpdated, ns, true
		}
		return 0, ns, true
	}
	if xx {
		return zaddOutNop, 0, true
	}
	zs.z.add(string(ele), score)
	return zaddOutAdded, score, true
}

// eachReverse calls fn with every member and score, highest first; the
// member bytes are valid only during the call.
func (zs *zset) eachReverse(fn func(ele []byte, score float64)) {
	if zs.z != nil {
		for n := zs.z.tail; n != nil; n = n.backward() {
			fn(zbytes(n.ele()), n.score)
		}
		return
	}
	lp := zs.lp
	var buf [24]byte
	for p := zzlLast(lp); p >= 0; p = zzlPrev(lp, p) {
		fn(zzlMember(lp, p, buf[:0]), zzlPairScore(lp, p))
	}
}

// del removes member ele and reports whether it was there.
func (zs *zset) del(ele []byte) bool {
	if zs.z != nil {
		return zs.z.remove(ele)
	}
	p, _ := zzlFind(zs.lp, ele)
	if p < 0 {
		return false
	}
	zs.lp = zzlDelete(zs.lp, p)
	return true
}

// rank is the 0-based rank of member ele (from the highest with
// reverse) and its score, or -1.
func (zs *zset) rank(ele []byte, reverse bool) (int, float64) {
	n := zs.len()
	var r int
	var score float64
	if zs.z != nil {
		node := zs.z.find(ele)
		if node == nil {
			return -1, 0
		}
		r, score = zs.z.rankOf(node), node.score
	} else {
		lp := zs.lp
		r = 1
		p := listpack.First(lp)
		for ; p >= 0; p = zzlNext(lp, p) {
			if listpack.Equal(lp, p, ele) {
				break
			}
			r++
		}
		if p < 0 {
			return -1, 0
		}
		score = zzlPairScore(lp, p)
	}
	if reverse {
		return n - r, score
	}
	return r - 1, score
}

// zsetLookupRead finds key for reading. It replies WRONGTYPE and returns
// false for another type; a missing key is (zset{}, true, false).
func zsetLookupRead(c *Client, key []byte) (zs zset, found, ok bool) {
	e, exists := c.db().Lookup(key)
	if !exists {
		return zset{}, false, true
	}
	if typeOf(e) != TypeZSet {
		c.AddError(ErrWrongType)
		return zset{}, false, false
	}
	return zsetOf(e), true, true
}

// zsetLookupWrite is zsetLookupRead before a change: the listpack is an
// owned copy. It also returns the entry's kind, to tell a conversion.
func zsetLookupWrite(c *Client, key []byte) (zs zset, found, ok bool) {
	e, exists := c.db().LookupWrite(key)
	if !exists {
		return zset{}, false, true
	}
	if typeOf(e) != TypeZSet {
		c.AddError(ErrWrongType)
		return zset{}, false, false
	}
	return zsetForWrite(e), true, true
}

// zsetSave stores a changed sorted set back under key, or deletes the key
// when the set is empty (reporting true). A skiplist changed in place
// needs no store unless its key's kind changed (wasKind).
func zsetSave(c *Client, key []byte, zs *zset, wasKind uint8) bool {
	db := c.db()
	if zs.len() == 0 {
		db.Delete(key)
		return true
	}
	if zs.z == nil || wasKind != kindZsetSkiplist {
		db.Set(key, zs.value(), true)
	}
	if wasKind == 0 {
		c.srv.signalKeyAsReady(db, key, TypeZSet) // created: BZPOPMIN and friends may be served
	}
	return false
}

// ---- reply helpers ----

// addZzlMember replies the listpack member at p.
func addZzlMember(c *Client, lp []byte, p int) {
	s, v, isInt := listpack.Get(lp, p)
	if isInt {
		c.AddBulkInt(v)
		return
	}
	c.AddBulkCopy(s)
}

// addNodeMember replies a skiplist member: its string is immutable, so a
// large one may be sent by reference.
func addNodeMember(c *Client, n *zslNode) { c.AddBulk(zbytes(n.ele())) }

// ---- ZADD, ZINCRBY, ZREM ----

func cmdZadd(c *Client)    { zaddGeneric(c, 0) }
func cmdZincrby(c *Client) { zaddGeneric(c, zaddIncr) }

// zaddOptions names ZADD's options and their flags.
var zaddOptions = [...]struct {
	name string
	flag int
}{{"nx", zaddNX}, {"xx", zaddXX}, {"ch", zaddCH}, {"incr", zaddIncr}, {"gt", zaddGT}, {"lt", zaddLT}}

// zaddOption returns the flag of ZADD's option a, 0 if a is none.
func zaddOption(a []byte) int {
	for _, o := range zaddOptions {
		if equalFoldASCII(a, o.name) {
			return o.flag
		}
	}
	return 0
}

func zaddGeneric(c *Client, flags int) {
	argv := c.Argv
	key := argv[1]
	i := 2
	for ; i < len(argv); i++ {
		f := zaddOption(argv[i])
		if f == 0 {
			break
		}
		flags |= f
	}
	ch := flags&zaddCH != 0
	flags &^= zaddCH
	incr, nx, xx := flags&zaddIncr != 0, flags&zaddNX != 0, flags&zaddXX != 0
	gt, lt := flags&zaddGT != 0, flags&zaddLT != 0
	elements := len(argv) - i
	if elements%2 != 0 || elements == 0 {
		c.AddError(ErrSyntax)
		return
	}
	elements /= 2
	if nx && xx {
		c.AddError(errZsetXXNX)
		return
	}
	if (gt && nx) || (lt && nx) || (gt && lt) {
		c.AddError(errZsetGTLTNX)
		return
	}
	if incr && elements > 1 {
		c.AddError(errZsetIncrPair)
		return
	}
	var one [1]float64
	scores := one[:0]
	if elements > 1 {
		scores = make([]float64, 0, elements)
	}
	maxLen := 0
	for j := 0; j < elements; j++ {
		f, ok := parseZsetFloat(argv[i+2*j])
		if !ok {
			c.AddError(ErrNotFloat)
			return
		}
		scores = append(scores, f)
		maxLen = max(maxLen, len(argv[i+2*j+1]))
	}
	srv, db := c.srv, c.db()
	cfg := srv.Cfg
	zs, found, ok := zsetLookupWrite(c, key)
	if !ok {
		return
	}
	defer zs.release()
	wasKind := zs.kind()
	if !found {
		if xx {
			zaddReply(c, incr, ch, false, 0, 0, 0, 0)
			return
		}
		zs = newZset(cfg, elements, maxLen)
		wasKind = 0
	} else {
		zs.maybeConvert(cfg, elements, maxLen)
	}
	added, updated, processed := 0, 0, 0
	var score float64
	nanErr := false
	for j := 0; j < elements; j++ {
		out, ns, ok := zs.add(cfg, scores[j], argv[i+2*j+1], flags)
		if !ok {
			nanErr = true
			break
		}
		if out&zaddOutAdded != 0 {
			added++
		}
		if out&zaddOutUpdated != 0 {
			updated++
		}
		if out&zaddOutNop == 0 {
			processed++
		}
		score = ns
	}
	if added+updated > 0 || zs.kind() != wasKind {
		zsetSave(c, key, &zs, wasKind)
	}
	if !nanErr {
		srv.Dirty += int64(added + updated)
	}
	if added+updated > 0 {
		srv.keyModified(db, key)
		ev := "zadd"
		if incr {
			ev = "zincr"
		}
		srv.notifyKeyspaceEvent(config.NotifyZset, ev, key, db.ID)
	}
	zaddReply(c, incr, ch, nanErr, added, updated, processed, score)
}

func zaddReply(c *Client, incr, ch, nanErr bool, added, updated, processed int, score float64) {
	switch {
	case nanErr:
		c.AddError(errZsetNaN)
	case incr:
		if processed > 0 {
			c.AddDouble(score)
		} else {
			c.AddNull()
		}
	case ch:
		c.AddInt(int64(added + updated))
	default:
		c.AddInt(int64(added))
	}
}

func cmdZrem(c *Client) {
	key := c.Argv[1]
	zs, found, ok := zsetLookupWrite(c, key)
	if !ok {
		return
	}
	if !found {
		c.AddInt(0)
		return
	}
	defer zs.release()
	srv, db := c.srv, c.db()
	wasKind := zs.kind()
	deleted := 0
	for _, m := range c.Argv[2:] {
		if zs.del(m) {
			deleted++
		}
		if zs.len() == 0 {
			break
		}
	}
	if deleted > 0 {
		removed := zsetSave(c, key, &zs, wasKind)
		srv.notifyKeyspaceEvent(config.NotifyZset, "zrem", key, db.ID)
		if removed {
			srv.notifyKeyspaceEvent(config.NotifyGeneric, "del", key, db.ID)
		}
		srv.keyModified(db, key)
		srv.Dirty += int64(deleted)
	}
	c.AddInt(int64(deleted))
}

// ---- ZREMRANGEBYRANK, ZREMRANGEBYSCORE, ZREMRANGEBYLEX ----

const (
	zrangeRank = iota
	zrangeScore
	zrangeLex
)

func cmdZremrangebyrank(c *Client)  { zremrangeGeneric(c, zrangeRank) }
func cmdZremrangebyscore(c *Client) { zremrangeGeneric(c, zrangeScore) }
func cmdZremrangebylex(c *Client)   { zremrangeGeneric(c, zrangeLex) }

func zremrangeGeneric(c *Client, typ int) {
	key := c.Argv[1]
	var start, end int64
	var rs zrangeSpec
	var ls zlexSpec
	var ev string
	var ok bool
	switch typ {
	case zrangeRank:
		ev = "zremrangebyrank"
		if start, ok = parseLongArg(c, c.Argv[2], ""); !ok {
			return
		}
		if end, ok = parseLongArg(c, c.Argv[3], ""); !ok {
			return
		}
	case zrangeScore:
		ev = "zremrangebyscore"
		if rs, ok = parseScoreRange(c.Argv[2], c.Argv[3]); !ok {
			c.AddError(errZsetMinMax)
			return
		}
	case zrangeLex:
		ev = "zremrangebylex"
		if ls, ok = parseLexRange(c.Argv[2], c.Argv[3]); !ok {
			c.AddError(errZsetLexRange)
			return
		}
	}
	zs, found, ok := zsetLookupWrite(c, key)
	if !ok {
		return
	}
	if !found {
		c.AddInt(0)
		return
	}
	defer zs.release()
	if typ == zrangeRank {
		n := int64(zs.len())
		if start < 0 {
			start += n
		}
		if end < 0 {
			end += n
		}
		if start < 0 {
			start = 0
		}
		if start > end || start >= n {
			c.AddInt(0)
			return
		}
		if end >= n {
			end = n - 1
		}
	}
	wasKind := zs.kind()
	deleted := 0
	switch {
	case zs.z == nil && typ == zrangeRank:
		zs.lp, deleted = zzlDeleteRangeByRank(zs.lp, int(start)+1, int(end)+1)
	case zs.z == nil && typ == zrangeScore:
		zs.lp, deleted = zzlDeleteRangeByScore(zs.lp, &rs)
	case zs.z == nil:
		zs.lp, deleted = zzlDeleteRangeByLex(zs.lp, &ls)
	case typ == zrangeRank:
		deleted = zs.z.deleteRangeByRank(int(start)+1, int(end)+1)
	case typ == zrangeScore:
		deleted = zs.z.deleteRangeByScore(&rs)
	default:
		deleted = zs.z.deleteRangeByLex(&ls)
	}
	if deleted > 0 {
		srv, db := c.srv, c.db()
		removed := zsetSave(c, key, &zs, wasKind)
		srv.keyModified(db, key)
		srv.notifyKeyspaceEvent(config.NotifyZset, ev, key, db.ID)
		if removed {
			srv.notifyKeyspaceEvent(config.NotifyGeneric, "del", key, db.ID)
		}
		srv.Dirty += int64(deleted)
	}
	c.AddInt(int64(deleted))
}

// ---- ZCARD, ZSCORE, ZMSCORE, ZRANK, ZREVRANK, ZCOUNT, ZLEXCOUNT ----

func cmdZcard(c *Client) {
	zs, found, ok := zsetLookupRead(c, c.Argv[1])
	if !ok {
		return
	}
	if !found {
		c.AddInt(0)
		return
	}
	c.AddInt(int64(zs.len()))
}

func cmdZscore(c *Client) {
	zs, found, ok := zsetLookupRead(c, c.Argv[1])
	if !ok {
		return
	}
	if found {
		if s, ok := zs.score(c.Argv[2]); ok {
			c.AddDouble(s)
			return
		}
	}
	c.AddNull()
}

func cmdZmscore(c *Client) {
	zs, found, ok := zsetLookupRead(c, c.Argv[1])
	if !ok {
		return
	}
	c.AddArrayLen(len(c.Argv) - 2)
	for _, m := range c.Argv[2:] {
		if found {
			if s, ok := zs.score(m); ok {
				c.AddDouble(s)
				continue
			}
		}
		c.AddNull()
	}
}

func cmdZrank(c *Client)    { zrankGeneric(c, false) }
func cmdZrevrank(c *Client) { zrankGeneric(c, true) }

func zrankGeneric(c *Client, reverse bool) {
	if len(c.Argv) > 4 {
		c.AddError("ERR wrong number of arguments for '" + c.Cmd.FullName + "' command")
		return
	}
	withScore := false
	if len(c.Argv) > 3 {
		if !equalFoldASCII(c.Argv[3], "withscore") {
			c.AddError(ErrSyntax)
			return
		}
		withScore = true
	}
	zs, found, ok := zsetLookupRead(c, c.Argv[1])
	if !ok {
		return
	}
	r := -1
	var score float64
	if found {
		r, score = zs.rank(c.Argv[2], reverse)
	}
	switch {
	case r < 0 && withScore:
		c.AddNullArray()
	case r < 0:
		c.AddNull()
	case withScore:
		c.AddArrayLen(2)
		c.AddInt(int64(r))
		c.AddDouble(score)
	default:
		c.AddInt(int64(r))
	}
}

func cmdZcount(c *Client) {
	rs, ok := parseScoreRange(c.Argv[2], c.Argv[3])
	if !ok {
		c.AddError(errZsetMinMax)
		return
	}
	zs, found, ok := zsetLookupRead(c, c.Argv[1])
	if !ok {
		return
	}
	if !found {
		c.AddInt(0)
		return
	}
	count := 0
	if zs.z == nil {
		lp := zs.lp
		for p := zzlFirstInRange(lp, &rs); p >= 0 && rs.lteMax(zzlPairScore(lp, p)); p = zzlNext(lp, p) {
			count++
		}
	} else {
		z := zs.z
		if n, rank := z.nthInRange(&rs, 0); n != nil {
			count = z.length - rank
			if n, rank := z.nthInRange(&rs, -1); n != nil {
				count -= z.length - rank - 1
			}
		}
	}
	c.AddInt(int64(count))
}

func cmdZlexcount(c *Client) {
	ls, ok := parseLexRange(c.Argv[2], c.Argv[3])
	if !ok {
		c.AddError(errZsetLexRange)
		return
	}
	zs, found, ok := zsetLookupRead(c, c.Argv[1])
	if !ok {
		return
	}
	if !found {
		c.AddInt(0)
		return
	}
	count := 0
	if zs.z == nil {
		lp := zs.lp
		for p := zzlFirstInLexRange(lp, &ls); p >= 0 && zzlLexLteMax(lp, p, &ls); p = zzlNext(lp, p) {
			count++
		}
	} else {
		z := zs.z
		if n, rank := z.nthInLexRange(&ls, 0); n != nil {
			count = z.length - rank
			if n, rank := z.nthInLexRange(&ls, -1); n != nil {
				count -= z.length - rank - 1
			}
		}
	}
	c.AddInt(int64(count))
}

// ---- ZRANGE and friends ----

// zrangeSink receives a range's members: the reply to the client, or the
// sorted set ZRANGESTORE builds.
type zrangeSink struct {
	c          *Client
	withScores bool
	nested     bool // RESP3: each member and score its own array
	deferred   bool
	d          Deferred
	store      bool
	dst        zset
	dstKey     []byte
	buf        [24]byte
}

// begin starts the result; length is its size, or -1 when not known.
func (k *zrangeSink) begin(length int) {
	if k.store {
		k.dst = newZset(k.c.srv.Cfg, max(length, 0), 0)
		return
	}
	if length > 0 {
		if k.withScores && k.c.Proto == 2 {
			length *= 2
		}
		k.c.AddArrayLen(length)
		return
	}
	k.deferred = true
	k.d = k.c.AddDeferredLen()
}

// emitLp sends the listpack member at p with its score.
func (k *zrangeSink) emitLp(lp []byte, p int, score float64) {
	if k.store {
		k.dst.add(k.c.srv.Cfg, score, zzlMember(lp, p, k.buf[:0]), 0)
		return
	}
	if k.nested {
		k.c.AddArrayLen(2)
	}
	addZzlMember(k.c, lp, p)
	if k.withScores {
		k.c.AddDouble(score)
	}
}

// emitNode sends a skiplist member with its score.
func (k *zrangeSink) emitNode(n *zslNode) {
	if k.store {
		k.dst.add(k.c.srv.Cfg, n.score, zbytes(n.ele()), 0)
		return
	}
	if k.nested {
		k.c.AddArrayLen(2)
	}
	addNodeMember(k.c, n)
	if k.withScores {
		k.c.AddDouble(n.score)
	}
}

// finish completes the result of count members.
func (k *zrangeSink) finish(count int) {
	c := k.c
	if k.store {
		srv, db := c.srv, c.db()
		if count > 0 {
			db.Set(k.dstKey, k.dst.value(), false)
			srv.signalKeyAsReady(db, k.dstKey, TypeZSet)
			srv.keyModified(db, k.dstKey)
			srv.notifyKeyspaceEvent(config.NotifyZset, "zrangestore", k.dstKey, db.ID)
			srv.Dirty++
			c.AddInt(int64(count))
			return
		}
		if db.Delete(k.dstKey) {
			srv.keyModified(db, k.dstKey)
			srv.notifyKeyspaceEvent(config.NotifyGeneric, "del", k.dstKey, db.ID)
			srv.Dirty++
		}
		c.AddInt(0)
		return
	}
	if !k.deferred {
		return
	}
	if k.withScores && c.Proto == 2 {
		count *= 2
	}
	c.SetDeferredArrayLen(k.d, count)
}

// zrangeDirection: auto (ZRANGE's REV decides), forward or reverse.
const (
	zdirAuto = iota
	zdirForward
	zdirReverse
)

const zrangeAuto = -1

func cmdZrange(c *Client)           { zrangeGeneric(c, 1, false, zrangeAuto, zdirAuto) }
func cmdZrangestore(c *Client)      { zrangeGeneric(c, 2, true, zrangeAuto, zdirAuto) }
func cmdZrevrange(c *Client)        { zrangeGeneric(c, 1, false, zrangeRank, zdirReverse) }
func cmdZrangebyscore(c *Client)    { zrangeGeneric(c, 1, false, zrangeScore, zdirForward) }
func cmdZrevrangebyscore(c *Client) { zrangeGeneric(c, 1, false, zrangeScore, zdirReverse) }
func cmdZrangebylex(c *Client)      { zrangeGeneric(c, 1, false, zrangeLex, zdirForward) }
func cmdZrevrangebylex(c *Client)   { zrangeGeneric(c, 1, false, zrangeLex, zdirReverse) }

// zrangeGeneric is ZRANGE, ZRANGESTORE and the older range commands; the
// source key is at argv[start], followed by min, max and the options.
func zrangeGeneric(c *Client, start int, store bool, typ, dir int) {
	argv := c.Argv
	key := argv[start]
	minIdx, maxIdx := start+1, start+2
	withScores := false
	var offset, limit int64 = 0, -1
	for j := start + 3; j < len(argv); j++ {
		left := len(argv) - j - 1
		switch {
		case !store && equalFoldASCII(argv[j], "withscores"):
			withScores = true
		case equalFoldASCII(argv[j], "limit") && left >= 2:
			var ok bool
			if offset, ok = parseLongArg(c, argv[j+1], ""); !ok {
				return
			}
			if limit, ok = parseLongArg(c, argv[j+2], ""); !ok {
				return
			}
			j += 2
		case dir == zdirAuto && equalFoldASCII(argv[j], "rev"):
			dir = zdirReverse
		case typ == zrangeAuto && equalFoldASCII(argv[j], "bylex"):
			typ = zrangeLex
		case typ == zrangeAuto && equalFoldASCII(argv[j], "byscore"):
			typ = zrangeScore
		default:
			c.AddError(ErrSyntax)
			return
		}
	}
	if dir == zdirAuto {
		dir = zdirForward
	}
	if typ == zrangeAuto {
		typ = zrangeRank
	}
	if limit != -1 && typ == zrangeRank {
		c.AddError(errZsetLimitRank)
		return
	}
	if withScores && typ == zrangeLex {
		c.AddError(errZsetScoresLex)
		return
	}
	reverse := dir == zdirReverse
	if reverse && typ != zrangeRank {
		minIdx, maxIdx = maxIdx, minIdx
	}
	var rstart, rend int64
	var rs zrangeSpec
	var ls zlexSpec
	var ok bool
	switch typ {
	case zrangeRank:
		if rstart, ok = parseLongArg(c, argv[minIdx], ""); !ok {
			return
		}
		if rend, ok = parseLongArg(c, argv[maxIdx], ""); !ok {
			return
		}
	case zrangeScore:
		if rs, ok = parseScoreRange(argv[minIdx], argv[maxIdx]); !ok {
			c.AddError(errZsetMinMax)
			return
		}
	case zrangeLex:
		if ls, ok = parseLexRange(argv[minIdx], argv[maxIdx]); !ok {
			c.AddError(errZsetLexRange)
			return
		}
	}
	k := &zrangeSink{c: c, store: store}
	if store {
		k.dstKey = argv[1]
	}
	if withScores || store {
		k.withScores = true
		k.nested = c.Proto > 2 && !store
	}
	zs, found, ok := zsetLookupRead(c, key)
	if !ok {
		return
	}
	if !found {
		if store {
			k.begin(-1)
			k.finish(0)
		} else {
			c.AddArrayLen(0)
		}
		return
	}
	switch typ {
	case zrangeRank:
		zrangeByRank(k, &zs, rstart, rend, reverse)
	case zrangeScore:
		zrangeByScore(k, &zs, &rs, offset, limit, reverse)
	case zrangeLex:
		zrangeByLex(k, &zs, &ls, offset, limit, reverse)
	}
}

func zrangeByRank(k *zrangeSink, zs *zset, start, end int64, reverse bool) {
	n := int64(zs.len())
	if start < 0 {
		start += n
	}
	if end < 0 {
		end += n
	}
	if start < 0 {
		start = 0
	}
	if start > end || start >= n {
		k.begin(0)
		k.finish(0)
		return
	}
	if end >= n {
		end = n - 1
	}
	count := int(end - start + 1)
	k.begin(count)
	if zs.z == nil {
		lp := zs.lp
		var p int
		if reverse {
			p = listpack.Seek(lp, -2-2*int(start))
		} else {
			p = listpack.Seek(lp, 2*int(start))
		}
		for i := 0; i < count && p >= 0; i++ {
			var score float64
			if k.withScores {
				score = zzlPairScore(lp, p)
			}
			k.emitLp(lp, p, score)
			if reverse {
				p = zzlPrev(lp, p)
			} else {
				p = zzlNext(lp, p)
			}
		}
	} else {
		z := zs.z
		var x *zslNode
		if reverse {
			x = z.tail
			if start > 0 {
				x = z.byRank(int(n - start))
			}
		} else {
			x = z.first()
			if start > 0 {
				x = z.byRank(int(start) + 1)
			}
		}
		for i := 0; i < count && x != nil; i++ {
			k.emitNode(x)
			if reverse {
				x = x.backward()
			} else {
				x = x.succ()
			}
		}
	}
	k.finish(count)
}

func zrangeByScore(k *zrangeSink, zs *zset, r *zrangeSpec, offset, limit int64, reverse bool) {
	k.begin(-1)
	if offset > 0 && offset >= int64(zs.len()) {
		k.finish(0)
		return
	}
	count := 0
	if zs.z == nil {
		lp := zs.lp
		var p int
		if reverse {
			p = zzlLastInRange(lp, r)
		} else {
			p = zzlFirstInRange(lp, r)
		}
		// A negative offset walks off the end, as Valkey's "offset--" loop.
		for ; p >= 0 && offset != 0; offset-- {
			if reverse {
				p = zzlPrev(lp, p)
			} else {
				p = zzlNext(lp, p)
			}
		}
		for ; p >= 0 && limit != 0; limit-- {
			score := zzlPairScore(lp, p)
			if reverse && !r.gteMin(score) || !reverse && !r.lteMax(score) {
				break
			}
			count++
			k.emitLp(lp, p, score)
			if reverse {
				p = zzlPrev(lp, p)
			} else {
				p = zzlNext(lp, p)
			}
		}
	} else {
		z := zs.z
		var x *zslNode
		if reverse {
			x, _ = z.nthInRange(r, int(-offset-1))
		} else {
			x, _ = z.nthInRange(r, int(offset))
		}
		for ; x != nil && limit != 0; limit-- {
			if reverse && !r.gteMin(x.score) || !reverse && !r.lteMax(x.score) {
				break
			}
			count++
			k.emitNode(x)
			if reverse {
				x = x.backward()
			} else {
				x = x.succ()
			}
		}
	}
	k.finish(count)
}

func zrangeByLex(k *zrangeSink, zs *zset, r *zlexSpec, offset, limit int64, reverse bool) {
	k.begin(-1)
	count := 0
	if zs.z == nil {
		lp := zs.lp
		var p int
		if reverse {
			p = zzlLastInLexRange(lp, r)
		} else {
			p = zzlFirstInLexRange(lp, r)
		}
		// A negative offset walks off the end, as Valkey's "offset--" loop.
		for ; p >= 0 && offset != 0; offset-- {
			if reverse {
				p = zzlPrev(lp, p)
			} else {
				p = zzlNext(lp, p)
			}
		}
		for ; p >= 0 && limit != 0; limit-- {
			var score float64
			if k.withScores {
				score = zzlPairScore(lp, p)
			}
			if reverse && !zzlLexGteMin(lp, p, r) || !reverse && !zzlLexLteMax(lp, p, r) {
				break
			}
			count++
			k.emitLp(lp, p, score)
			if reverse {
				p = zzlPrev(lp, p)
			} else {
				p = zzlNext(lp, p)
			}
		}
	} else {
		z := zs.z
		var x *zslNode
		if reverse {
			x, _ = z.nthInLexRange(r, int(-offset-1))
		} else {
			x, _ = z.nthInLexRange(r, int(offset))
		}
		for ; x != nil && limit != 0; limit-- {
			if reverse && !r.gteMin(zbytes(x.ele())) || !reverse && !r.lteMax(zbytes(x.ele())) {
				break
			}
			count++
			k.emitNode(x)
			if reverse {
				x = x.backward()
			} else {
				x = x.succ()
			}
		}
	}
	k.finish(count)
}

// ---- ZPOPMIN, ZPOPMAX, ZMPOP ----

func cmdZpopmin(c *Client) { zpopMinMax(c, false) }
func cmdZpopmax(c *Client) { zpopMinMax(c, true) }

func zpopMinMax(c *Client, max bool) {
	if len(c.Argv) > 3 {
		c.AddError(ErrSyntax)
		return
	}
	count := int64(-1)
	if len(c.Argv) == 3 {
		var ok bool
		if count, ok = parseRangeLongArg(c, c.Argv[2], 0, math.MaxInt64, ErrNegativeCount); !ok {
			return
		}
	}
	nested := c.Proto > 2 && count != -1
	zpopGeneric(c, c.Argv[1:2], max, false, count, nested, false)
}

// zpopGeneric pops up to count members (-1: one, flat reply) from the
// lowest or highest end of the first existing sorted set among keys
// (genericZpopCommand). emitKey names the key in the reply; nested gives
// each member and score an array; nilWhenEmpty replies a null array when
// there is nothing to pop. It reports whether it popped.
func zpopGeneric(c *Client, keys [][]byte, max, emitKey bool, count int64, nested, nilWhenEmpty bool) bool {
	var key []byte
	var zs zset
	found := false
	for _, k := range keys {
		z, f, ok := zsetLookupWrite(c, k)
		if !ok {
			return false
		}
		if f {
			key, zs, found = k, z, true
			break
		}
	}
	if !found {
		if nilWhenEmpty {
			c.AddNullArray()
		} else {
			c.AddArrayLen(0)
		}
		return false
	}
	defer zs.release()
	if count == 0 {
		c.AddArrayLen(0)
		return false
	}
	single := count == -1
	if single {
		count = 1
	}
	srv, db := c.srv, c.db()
	wasKind := zs.kind()
	n := int64(zs.len())
	rangeLen := min(count, n)
	ev := "zpopmin"
	if max {
		ev = "zpopmax"
	}
	srv.notifyKeyspaceEvent(config.NotifyZset, ev, key, db.ID)
	switch {
	case !nested && !emitKey:
		c.AddArrayLen(int(rangeLen * 2))
	case nested && !emitKey:
		c.AddArrayLen(int(rangeLen))
	case !nested && emitKey:
		c.AddArrayLen(int(rangeLen*2 + 1))
		c.AddBulkCopy(key)
	default:
		c.AddArrayLen(2)
		c.AddBulkCopy(key)
		c.AddArrayLen(int(rangeLen))
	}
	for i := int64(0); i < rangeLen; i++ {
		if nested {
			c.AddArrayLen(2)
		}
		if zs.z == nil {
			p := 0
			if max {
				p = zzlLast(zs.lp)
			} else {
				p = listpack.First(zs.lp)
			}
			score := zzlPairScore(zs.lp, p)
			addZzlMember(c, zs.lp, p)
			c.AddDouble(score)
			zs.lp = zzlDelete(zs.lp, p)
		} else {
			x := zs.z.first()
			if max {
				x = zs.z.tail
			}
			addNodeMember(c, x)
			c.AddDouble(x.score)
			zs.z.removeNode(x)
		}
		srv.Dirty++
	}
	if zsetSave(c, key, &zs, wasKind) {
		srv.notifyKeyspaceEvent(config.NotifyGeneric, "del", key, db.ID)
	}
	srv.keyModified(db, key)
	if emitKey { // ZMPOP and the blocking pops propagate as ZPOPMIN/ZPOPMAX
		cmd := argZPOPMIN
		if max {
			cmd = argZPOPMAX
		}
		if single {
			c.rewriteArgv(cmd, key)
		} else {
			c.rewriteArgv(cmd, key, srv.propInt(rangeLen)) // what was popped, as Valkey propagates
		}
	}
	return true
}

func cmdZmpop(c *Client) { zmpopGeneric(c, 1, false) }

// zmpopArgs parses ZMPOP's and BZMPOP's numkeys, keys, MIN|MAX and COUNT,
// numkeys being at argv[idx].
func zmpopArgs(c *Client, idx int) (keys [][]byte, max bool, count int64, ok bool) {
	argv := c.Argv
	numkeys, ok := parseRangeLongArg(c, argv[idx], 1, math.MaxInt64, errZsetNumkeys)
	if !ok {
		return nil, false, 0, false
	}
	if numkeys >= int64(len(argv)-idx-1) {
		c.AddError(ErrSyntax)
		return nil, false, 0, false
	}
	whereIdx := idx + int(numkeys) + 1
	switch {
	case equalFoldASCII(argv[whereIdx], "min"):
	case equalFoldASCII(argv[whereIdx], "max"):
		max = true
	default:
		c.AddError(ErrSyntax)
		return nil, false, 0, false
	}
	count = -1
	for j := whereIdx + 1; j < len(argv); j++ {
		more := len(argv) - 1 - j
		if count == -1 && equalFoldASCII(argv[j], "count") && more > 0 {
			j++
			if count, ok = parseRangeLongArg(c, argv[j], 1, math.MaxInt64, errZsetCount); !ok {
				return nil, false, 0, false
			}
			continue
		}
		c.AddError(ErrSyntax)
		return nil, false, 0, false
	}
	if count == -1 {
		count = 1
	}
	return argv[idx+1 : whereIdx], max, count, true
}

func zmpopGeneric(c *Client, idx int, block bool) {
	keys, max, count, ok := zmpopArgs(c, idx)
	if !ok {
		return
	}
	if block {
		timeout, ok := parseBlockTimeout(c, c.Argv[1])
		if !ok {
			return
		}
		blockingZpop(c, keys, max, timeout, count, true, true)
		return
	}
	zpopGeneric(c, keys, max, true, count, true, true)
}

// ---- BZPOPMIN, BZPOPMAX, BZMPOP ----

func cmdBzpopmin(c *Client) { bzpopGeneric(c, false) }
func cmdBzpopmax(c *Client) { bzpopGeneric(c, true) }
func cmdBzmpop(c *Client)   { zmpopGeneric(c, 2, true) }

func bzpopGeneric(c *Client, max bool) {
	last := len(c.Argv) - 1
	timeout, ok := parseBlockTimeout(c, c.Argv[last])
	if !ok {
		return
	}
	blockingZpop(c, c.Argv[1:last], max, timeout, -1, false, false)
}

// blockingZpop pops from the first non-empty sorted set among keys, as
// zpopGeneric with the key in the reply, or blocks the client on all of
// them until one can serve it (blockingGenericZpopCommand). A client that
// may not block (MULTI, scripts) gets the timeout's null array at once.
// When a key is filled the command runs again from the start, so a served
// client comes back here and pops.
func blockingZpop(c *Client, keys [][]byte, max bool, timeout, count int64, nested, nilWhenEmpty bool) {
	srv, db := c.srv, c.db()
	for i, k := range keys {
		e, found := db.LookupWrite(k)
		if !found {
			continue
		}
		if typeOf(e) != TypeZSet {
			c.AddError(ErrWrongType)
			return
		}
		zpopGeneric(c, keys[i:i+1], max, true, count, nested, nilWhenEmpty)
		return
	}
	if srv.blockingDenied(c) {
		c.AddNullArray()
		return
	}
	srv.blockForKeys(c, blockZSet, keys, timeout)
}

// ---- ZRANDMEMBER ----

// zrandSampleLimit bounds the members drawn per batch from a listpack.
const zrandSampleLimit = 1000

func cmdZrandmember(c *Client) {
	argv := c.Argv
	if len(argv) >= 3 {
		l, ok := parseRangeLongArg(c, argv[2], -math.MaxInt64, math.MaxInt64, "")
		if !ok {
			return
		}
		withScores := false
		if len(argv) > 4 || (len(argv) == 4 && !equalFoldASCII(argv[3], "withscores")) {
			c.AddError(ErrSyntax)
			return
		}
		if len(argv) == 4 {
			withScores = true
			if l < -math.MaxInt64/2 || l > math.MaxInt64/2 {
				c.AddError(errZsetOutOfRange)
				return
			}
		}
		zrandmemberWithCount(c, l, withScores)
		return
	}
	zs, found, ok := zsetLookupRead(c, argv[1])
	if !ok {
		return
	}
	if !found {
		c.AddNull()
		return
	}
	rnd := c.srv.rand
	if zs.z != nil {
		addNodeMember(c, zs.z.byRank(rnd.IntN(zs.z.length)+1))
		return
	}
	addZzlMember(c, zs.lp, listpack.Seek(zs.lp, 2*rnd.IntN(zzlLen(zs.lp))))
}

func zrandmemberWithCount(c *Client, l int64, withScores bool) {
	zs, found, ok := zsetLookupRead(c, c.Argv[1])
	if !ok {
		return
	}
	if !found {
		c.AddArrayLen(0)
		return
	}
	rnd := c.srv.rand
	size := zs.len()
	uniq := l >= 0
	count := uint64(l)
	if !uniq {
		count = uint64(-l)
	}
	if count == 0 {
		c.AddArrayLen(0)
		return
	}
	flat := withScores && c.Proto == 2
	nested := withScores && c.Proto > 2
	emitNode := func(n *zslNode) {
		if nested {
			c.AddArrayLen(2)
		}
		addNodeMember(c, n)
		if withScores {
			c.AddDouble(n.score)
		}
	}
	emitLp := func(lp []byte, p int) {
		if nested {
			c.AddArrayLen(2)
		}
		addZzlMember(c, lp, p)
		if withScores {
			c.AddDouble(zzlPairScore(lp, p))
		}
	}
	replyLen := func(n uint64) {
		if flat {
			n *= 2
		}
		c.AddArrayLen(int(n))
	}

	// Case 1: repetitions allowed (or a single member): sample each.
	if !uniq || count == 1 {
		replyLen(count)
		if zs.z != nil {
			for ; count > 0 && !c.replyPastLimit(); count-- {
				emitNode(zs.z.byRank(rnd.IntN(size) + 1))
			}
			return
		}
		// Index the pairs once per batch so each draw is O(1).
		offs := make([]int, 0, min(size, zrandSampleLimit))
		for p := listpack.First(zs.lp); p >= 0; p = zzlNext(zs.lp, p) {
			offs = append(offs, p)
		}
		for ; count > 0 && !c.replyPastLimit(); count-- {
			emitLp(zs.lp, offs[rnd.IntN(size)])
		}
		return
	}

	// Case 2: all the members.
	if count >= uint64(size) {
		replyLen(uint64(size))
		if zs.z != nil {
			for n := zs.z.tail; n != nil; n = n.backward() {
				emitNode(n)
			}
		} else {
			for p := zzlLast(zs.lp); p >= 0; p = zzlPrev(zs.lp, p) {
				emitLp(zs.lp, p)
			}
		}
		return
	}
	replyLen(count)

	// Case 2.5: a listpack: pick count distinct members in order, each
	// with probability needed/remaining (lpRandomPairsUnique).
	if zs.z == nil {
		need, left := int(count), size
		for p := listpack.First(zs.lp); p >= 0 && need > 0; p = zzlNext(zs.lp, p) {
			if rnd.IntN(left) < need {
				emitLp(zs.lp, p)
				need--
			}
			left--
		}
		return
	}

	// Case 3: count is close to the size: drop random members from a
	// copy until count remain.
	z := zs.z
	if count*3 > uint64(size) {
		all := make([]*zslNode, 0, size)
		for n := z.first(); n != nil; n = n.succ() {
			all = append(all, n)
		}
		for uint64(len(all)) > count {
			i := rnd.IntN(len(all))
			all[i] = all[len(all)-1]
			all = all[:len(all)-1]
		}
		for _, n := range all {
			emitNode(n)
		}
		return
	}

	// Case 4: count is small next to the size: draw until count distinct.
	seen := make(map[*zslNode]struct{}, count)
	for uint64(len(seen)) < count {
		n := z.byRank(rnd.IntN(size) + 1)
		if _, dup := seen[n]; dup {
			continue
		}
		seen[n] = struct{}{}
		emitNode(n)
	}
}

// ---- ZUNION, ZINTER, ZDIFF and their STORE forms, ZINTERCARD ----

const (
	zsetOpUnion = iota
	zsetOpInter
	zsetOpDiff
)

const (
	zaggSum = iota
	zaggMin
	zaggMax
)

// zsrc is one input of a set operation: a sorted set, a set (every member
// scoring 1), or a missing key (empty).
type zsrc struct {
	key    []byte
	exists bool
	isSet  bool
	zs     zset
	set    keyspace.Entry
	weight float64
}

func (s *zsrc) len() int {
	switch {
	case !s.exists:
		return 0
	case s.isSet:
		return zsetSetLen(s.set)
	}
	return s.zs.len()
}

// each calls fn with every member and its score; the member bytes are
// valid only during the call. Sorted sets are walked from the highest
// member down, as Valkey's zuiNext does (it makes building a result
// skiplist cheap), which decides the order of equal-score additions.
func (s *zsrc) each(fn func(ele []byte, score float64)) {
	switch {
	case !s.exists:
	case s.isSet:
		zsetSetEach(s.set, func(ele []byte) { fn(ele, 1) })
	default:
		s.zs.eachReverse(fn)
	}
}

// find returns member ele's score in the input.
func (s *zsrc) find(ele []byte) (float64, bool) {
	switch {
	case !s.exists:
		return 0, false
	case s.isSet:
		return 1, zsetSetHas(s.set, ele)
	}
	return s.zs.score(ele)
}

func zaggregate(target *float64, v float64, agg int) {
	switch agg {
	case zaggSum:
		*target += v
		if math.IsNaN(*target) {
			*target = 0 // inf + -inf
		}
	case zaggMin:
		if v < *target {
			*target = v
		}
	case zaggMax:
		if v > *target {
			*target = v
		}
	}
}

func cmdZunionstore(c *Client) { zsetOpGeneric(c, c.Argv[1], 2, zsetOpUnion, false) }
func cmdZinterstore(c *Client) { zsetOpGeneric(c, c.Argv[1], 2, zsetOpInter, false) }
func cmdZdiffstore(c *Client)  { zsetOpGeneric(c, c.Argv[1], 2, zsetOpDiff, false) }
func cmdZunion(c *Client)      { zsetOpGeneric(c, nil, 1, zsetOpUnion, false) }
func cmdZinter(c *Client)      { zsetOpGeneric(c, nil, 1, zsetOpInter, false) }
func cmdZintercard(c *Client)  { zsetOpGeneric(c, nil, 1, zsetOpInter, true) }
func cmdZdiff(c *Client)       { zsetOpGeneric(c, nil, 1, zsetOpDiff, false) }

// zsetOpGeneric is zunionInterDiffGenericCommand.
func zsetOpGeneric(c *Client, dstKey []byte, numIdx int, op int, cardOnly bool) {
	argv := c.Argv
	srv, db := c.srv, c.db()
	setnum, ok := parseLongArg(c, argv[numIdx], "")
	if !ok {
		return
	}
	if setnum < 1 {
		c.AddError("ERR at least 1 input key is needed for '" + c.Cmd.FullName + "' command")
		return
	}
	if setnum > int64(len(argv)-(numIdx+1)) {
		c.AddError(ErrSyntax)
		return
	}
	src := make([]zsrc, setnum)
	j := numIdx + 1
	for i := range src {
		key := argv[j]
		j++
		src[i].key = key
		src[i].weight = 1
		e, found := db.Lookup(key)
		if !found {
			continue
		}
		switch typeOf(e) {
		case TypeZSet:
			src[i].zs = zsetOf(e)
		case TypeSet:
			src[i].isSet, src[i].set = true, e
		default:
			c.AddError(ErrWrongType)
			return
		}
		src[i].exists = true
	}
	agg := zaggSum
	withScores := false
	var limit int64
	for remaining := len(argv) - j; remaining > 0; remaining = len(argv) - j {
		arg := argv[j]
		switch {
		case op != zsetOpDiff && !cardOnly && remaining >= int(setnum)+1 && equalFoldASCII(arg, "weights"):
			j++
			for i := range src {
				w, ok := parseZsetFloat(argv[j])
				if !ok {
					c.AddError(errZsetWeight)
					return
				}
				src[i].weight = w
				j++
			}
		case op != zsetOpDiff && !cardOnly && remaining >= 2 && equalFoldASCII(arg, "aggregate"):
			switch a := argv[j+1]; {
			case equalFoldASCII(a, "sum"):
				agg = zaggSum
			case equalFoldASCII(a, "min"):
				agg = zaggMin
			case equalFoldASCII(a, "max"):
				agg = zaggMax
			default:
				c.AddError(ErrSyntax)
				return
			}
			j += 2
		case dstKey == nil && !cardOnly && equalFoldASCII(arg, "withscores"):
			withScores = true
			j++
		case cardOnly && remaining >= 2 && equalFoldASCII(arg, "limit"):
			if limit, ok = parseRangeLongArg(c, argv[j+1], 0, math.MaxInt64, errZsetLimitNeg); !ok {
				return
			}
			j += 2
		default:
			c.AddError(ErrSyntax)
			return
		}
	}
	if op != zsetOpDiff {
		sort.SliceStable(src, func(a, b int) bool { return src[a].len() < src[b].len() })
	}

	// The result is built as a skiplist, as in Valkey, and may turn
	// listpack when stored.
	var dst *zsetObj
	if !cardOnly {
		dst = newZsetObj(0)
	}
	maxLen, totLen := 0, 0
	cardinality := int64(0)
	note := func(ele []byte) {
		maxLen = max(maxLen, len(ele))
		totLen += len(ele)
	}
	switch op {
	case zsetOpInter:
		if src[0].len() == 0 {
			break
		}
		done := false
		src[0].each(func(ele []byte, score0 float64) {
			if done {
				return
			}
			score := src[0].weight * score0
			if math.IsNaN(score) {
				score = 0
			}
			for i := 1; i < len(src); i++ {
				var v float64
				if string(src[i].key) == string(src[0].key) {
					v = score0
				} else if s, ok := src[i].find(ele); ok {
					v = s
				} else {
					return
				}
				zaggregate(&score, v*src[i].weight, agg)
			}
			if cardOnly {
				cardinality++
				if limit > 0 && cardinality >= limit {
					done = true
				}
				return
			}
			dst.add(string(ele), score)
			note(ele)
		})
	case zsetOpUnion:
		acc := make(map[string]*float64, src[len(src)-1].len())
		var order []string
		for i := range src {
			if src[i].len() == 0 {
				continue
			}
			w := src[i].weight
			src[i].each(func(ele []byte, s float64) {
				score := w * s
				if math.IsNaN(score) {
					score = 0
				}
				if p, ok := acc[string(ele)]; ok {
					zaggregate(p, score, agg)
					return
				}
				k := string(ele)
				v := score
				acc[k] = &v
				order = append(order, k)
				note(ele)
			})
		}
		for _, k := range order {
			dst.add(k, *acc[k])
		}
	case zsetOpDiff:
		if src[0].len() == 0 {
			break
		}
		for i := 1; i < len(src); i++ {
			if src[i].exists && string(src[i].key) == string(src[0].key) {
				goto done // everything would be removed
			}
		}
		src[0].each(func(ele []byte, score float64) {
			for i := 1; i < len(src); i++ {
				if _, ok := src[i].find(ele); ok {
					return
				}
			}
			dst.add(string(ele), score)
			note(ele)
		})
	done:
	}

	switch {
	case dstKey != nil:
		if dst.length > 0 {
			res := zset{z: dst}
			res.convertToListpackIfNeeded(srv.Cfg, maxLen, totLen)
			db.Set(dstKey, res.value(), false)
			srv.signalKeyAsReady(db, dstKey, TypeZSet)
			srv.keyModified(db, dstKey)
			ev := "zunionstore"
			if op == zsetOpInter {
				ev = "zinterstore"
			} else if op == zsetOpDiff {
				ev = "zdiffstore"
			}
			srv.notifyKeyspaceEvent(config.NotifyZset, ev, dstKey, db.ID)
			c.AddInt(int64(dst.length))
			srv.Dirty++
			return
		}
		if db.Delete(dstKey) {
			srv.keyModified(db, dstKey)
			srv.notifyKeyspaceEvent(config.NotifyGeneric, "del", dstKey, db.ID)
			srv.Dirty++
		}
		c.AddInt(0)
	case cardOnly:
		c.AddInt(cardinality)
	default:
		n := dst.length
		if withScores && c.Proto == 2 {
			n *= 2
		}
		c.AddArrayLen(n)
		for x := dst.first(); x != nil; x = x.succ() {
			if withScores && c.Proto > 2 {
				c.AddArrayLen(2)
			}
			addNodeMember(c, x)
			if withScores {
				c.AddDouble(x.score)
			}
		}
	}
}

// ---- ZSCAN ----

func cmdZscan(c *Client) {
	cursor, ok := parseScanCursor(c.Argv[2])
	if !ok {
		c.AddError(errInvalidCursor)
		return
	}
	zs, found, ok := zsetLookupRead(c, c.Argv[1])
	if !ok {
		return
	}
	if !found {
		c.AddRawString(replyEmptyScan)
		return
	}
	o, ok := parseScanOptions(c, 3, TypeZSet)
	if !ok {
		return
	}
	count, pattern, noScores := o.count, o.pattern, o.noScores
	if zs.z == nil {
		// A listpack is small: all of it in one reply, cursor 0.
		lp := zs.lp
		var items [][]byte
		var mbuf, sbuf [24]byte
		for p := listpack.First(lp); p >= 0; p = zzlNext(lp, p) {
			m := zzlMember(lp, p, mbuf[:0])
			if pattern != nil && !globMatch(pattern, m, false) {
				continue
			}
			items = append(items, append([]byte(nil), m...))
			if !noScores {
				items = append(items, append([]byte(nil), listpack.GetString(lp, listpack.Next(lp, p), sbuf[:0])...))
			}
		}
		c.AddArrayLen(2)
		c.AddBulkString("0")
		c.AddArrayLen(len(items))
		for _, it := range items {
			c.AddBulkCopy(it)
		}
		return
	}
	var nodes []*zslNode
	sampled := int64(0)
	maxIter := count * 10
	for {
		cursor = zs.z.scan(cursor, func(n *zslNode) {
			sampled++
			if pattern != nil && !globMatch(pattern, zbytes(n.ele()), false) {
				return
			}
			nodes = append(nodes, n)
		})
		if cursor == 0 || maxIter == 0 {
			break
		}
		maxIter--
		if sampled >= count {
			break
		}
	}
	c.AddArrayLen(2)
	c.AddBulkString(strconv.FormatUint(cursor, 10))
	if noScores {
		c.AddArrayLen(len(nodes))
	} else {
		c.AddArrayLen(2 * len(nodes))
	}
	var buf [32]byte
	for _, n := range nodes {
		addNodeMember(c, n)
		if !noScores {
			c.AddBulkCopy(appendLg17(buf[:0], n.score))
		}
	}
}
