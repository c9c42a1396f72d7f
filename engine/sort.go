package engine

import (
	"bytes"
	"math"
	"sort"

	"github.com/volleydb/volley/engine/cnum"
	"github.com/volleydb/volley/engine/config"
)

// sortHandlers are SORT and SORT_RO.
var sortHandlers = map[string]Handler{
	"sort":    cmdSort,
	"sort_ro": cmdSortRO,
}

func cmdSort(c *Client)   { sortGeneric(c, false) }
func cmdSortRO(c *Client) { sortGeneric(c, true) }

// sortItem is one element being sorted: its text (in sortState.buf), the
// score it sorts by, or the BY value it is compared by with ALPHA.
type sortItem struct {
	off, n  int     // the element's text: buf[off:off+n]
	score   float64 // numeric sort key
	cmpOff  int     // ALPHA with BY: the weight's text, buf[cmpOff:cmpOff+cmpN]
	cmpN    int
	hasCmp  bool // the weight key existed
	fromInt bool // the element was stored as an integer (no matter for order)
}

// sortState holds a SORT's elements and options while they are compared.
type sortState struct {
	buf      []byte
	items    []sortItem
	desc     bool
	alpha    bool
	byPat    bool
	store    bool
	convErr  bool
	patBuf   []byte // scratch for substituted key names
	fieldBuf []byte
}

func (st *sortState) obj(it *sortItem) []byte { return st.buf[it.off : it.off+it.n] }

func (st *sortState) cmpObj(it *sortItem) []byte { return st.buf[it.cmpOff : it.cmpOff+it.cmpN] }

// addItem appends an element's text.
func (st *sortState) addItem(s []byte) {
	st.items = append(st.items, sortItem{off: len(st.buf), n: len(s)})
	st.buf = append(st.buf, s...)
}

// cstr is b as a C string: up to its first NUL byte.
func cstr(b []byte) []byte {
	if i := bytes.IndexByte(b, 0); i >= 0 {
		return b[:i]
	}
	return b
}

// collate compares as strcoll does in Valkey's C.UTF-8 locale: bytewise,
// up to each string's first NUL.
func collate(a, b []byte) int { return bytes.Compare(cstr(a), cstr(b)) }

// compare orders two items as Valkey's sortCompare.
func (st *sortState) compare(a, b *sortItem) int {
	var cmp int
	switch {
	case !st.alpha:
		switch {
		case a.score > b.score:
			cmp = 1
		case a.score < b.score:
			cmp = -1
		default:
			// Equal scores fall back to the elements, so the result is
			// deterministic.
			cmp = bytes.Compare(st.obj(a), st.obj(b))
		}
	case st.byPat:
		switch {
		case !a.hasCmp || !b.hasCmp:
			switch {
			case a.hasCmp == b.hasCmp:
				cmp = 0
			case !a.hasCmp:
				cmp = -1
			default:
				cmp = 1
			}
		case st.store:
			cmp = bytes.Compare(st.cmpObj(a), st.cmpObj(b))
		default:
			cmp = collate(st.cmpObj(a), st.cmpObj(b))
		}
	case st.store:
		cmp = bytes.Compare(st.obj(a), st.obj(b))
	default:
		cmp = collate(st.obj(a), st.obj(b))
	}
	if st.desc {
		return -cmp
	}
	return cmp
}

func (st *sortState) Len() int           { return len(st.items) }
func (st *sortState) Swap(i, j int)      { st.items[i], st.items[j] = st.items[j], st.items[i] }
func (st *sortState) Less(i, j int) bool { return st.compare(&st.items[i], &st.items[j]) < 0 }

// sortOp is a GET pattern.
type sortOp struct{ pattern []byte }

// isSubstPattern reports whether pattern is "#": the element itself.
func isSubstPattern(p []byte) bool { return len(cstr(p)) == 1 && p[0] == '#' }

// lookupByPattern resolves a BY or GET pattern for element subst, as
// Valkey's lookupKeyByPattern: "#" is the element; otherwise the first
// '*' is replaced by the element to name a key, whose string value is the
// result, or, with "->field" after the '*', that field of the hash at the
// key. ok is false when there is nothing (no '*', no key, wrong type, no
// field). The result is copied into dst.
func (st *sortState) lookupByPattern(c *Client, pattern, subst []byte, dst []byte) ([]byte, bool) {
	if isSubstPattern(pattern) {
		return append(dst, subst...), true
	}
	cp := cstr(pattern)
	star := bytes.IndexByte(cp, '*')
	if star < 0 {
		return dst, false
	}
	var field []byte
	fieldLen := 0
	if f := bytes.Index(cp[star+1:], []byte("->")); f >= 0 && star+1+f+2 < len(cp) {
		at := star + 1 + f
		fieldLen = len(pattern) - at - 2
		field = pattern[at+2:]
	}
	postLen := len(pattern) - (star + 1)
	if fieldLen > 0 {
		postLen -= fieldLen + 2
	}
	key := append(st.patBuf[:0], pattern[:star]...)
	key = append(key, subst...)
	key = append(key, pattern[star+1:star+1+postLen]...)
	st.patBuf = key
	e, ok := c.db().Lookup(key)
	if !ok {
		return dst, false
	}
	if field != nil {
		if typeOf(e) != TypeHash {
			return dst, false
		}
		v, ok := hashRefOf(e).get(field, c.srv.Now())
		if !ok {
			return dst, false
		}
		if v.isInt {
			var nb [20]byte
			return append(dst, memberText(nil, v.n, true, &nb)...), true
		}
		return append(dst, v.s...), true
	}
	if typeOf(e) != TypeString {
		return dst, false
	}
	return append(dst, e.Value()...), true
}

// sortScore parses a weight as SORT does (strtod over the C string): the
// whole text must be a number, neither NaN nor out of range.
func sortScore(b []byte) (float64, bool) {
	b = cstr(b)
	f, n, erange := cnum.Strtod(b)
	if n != len(b) || erange || math.IsNaN(f) {
		return f, false
	}
	return f, true
}

// keySlot is the cluster hash slot of key (keyHashSlot).
func keySlot(key []byte) int {
	if s := bytes.IndexByte(key, '{'); s >= 0 {
		if e := bytes.IndexByte(key[s+1:], '}'); e > 0 {
			return int(crc16(key[s+1:s+1+e]) & 0x3fff)
		}
	}
	return int(crc16(key) & 0x3fff)
}

// patternSlot is the one slot every key matching a glob pattern hashes
// to, or -1 if they may be in several (patternHashSlot).
func patternSlot(p []byte) int {
	s := -1
	for i, ch := range p {
		switch {
		case ch == '*' || ch == '?' || ch == '[' || ch == '\\':
			return -1
		case s == -1 && ch == '{':
			s = i
		case s >= 0 && ch == '}' && i == s+1:
			s = -2
		case s >= 0 && ch == '}':
			return int(crc16(p[s+1:i]) & 0x3fff)
		}
	}
	return int(crc16(p) & 0x3fff)
}

// crc16 is CRC-16/XMODEM, the cluster's key hash.
func crc16(b []byte) uint16 {
	var crc uint16
	for _, ch := range b {
		crc ^= uint16(ch) << 8
		for range 8 {
			if crc&0x8000 != 0 {
				crc = crc<<1 ^ 0x1021
			} else {
				crc <<= 1
			}
		}
	}
	return crc
}

func sortGeneric(c *Client, readonly bool) {
	s := c.srv
	argv := c.Argv
	var st sortState
	var ops []sortOp
	limitStart, limitCount := int64(0), int64(-1)
	var sortBy, storeKey []byte
	dontSort := false
	for j := 2; j < len(argv); j++ {
		left := len(argv) - j - 1
		arg := argv[j]
		switch {
		case equalFoldASCII(arg, "asc"):
			st.desc = false
		case equalFoldASCII(arg, "desc"):
			st.desc = true
		case equalFoldASCII(arg, "alpha"):
			st.alpha = true
		case equalFoldASCII(arg, "limit") && left >= 2:
			var ok bool
			if limitStart, ok = parseInt(argv[j+1]); !ok {
				c.AddError(ErrNotInteger)
				return
			}
			if limitCount, ok = parseInt(argv[j+2]); !ok {
				c.AddError(ErrNotInteger)
				return
			}
			j += 2
		case !readonly && equalFoldASCII(arg, "store") && left >= 1:
			storeKey = argv[j+1]
			j++
		case equalFoldASCII(arg, "by") && left >= 1:
			sortBy = argv[j+1]
			if bytes.IndexByte(cstr(sortBy), '*') < 0 {
				// A constant pattern: nothing to weigh, keep the order.
				dontSort = true
			} else if s.Cfg.ClusterEnabled && patternSlot(sortBy) != keySlot(argv[1]) {
				c.AddError("ERR BY option of SORT denied in Cluster mode when keys formed by the pattern may be in different slots.")
				return
			} else if !s.aclFullKeyAccess(c) { // the pattern's keys escape the ACL check (acl_check.go)
				c.AddError("ERR BY option of SORT denied due to insufficient ACL permissions.")
				return
			}
			j++
		case equalFoldASCII(arg, "get") && left >= 1:
			p := argv[j+1]
			if s.Cfg.ClusterEnabled && !isSubstPattern(p) && patternSlot(p) != keySlot(argv[1]) {
				c.AddError("ERR GET option of SORT denied in Cluster mode when keys formed by the pattern may be in different slots.")
				return
			}
			if !s.aclFullKeyAccess(c) {
				c.AddError("ERR GET option of SORT denied due to insufficient ACL permissions.")
				return
			}
			ops = append(ops, sortOp{pattern: p})
			j++
		default:
			c.AddError(ErrSyntax)
			return
		}
	}

	db := c.db()
	e, found := db.Lookup(argv[1])
	typ := uint8(TypeList) // a missing key sorts as an empty list
	if found {
		typ = typeOf(e)
		if typ != TypeSet && typ != TypeList && typ != TypeZSet {
			c.AddError(ErrWrongType)
			return
		}
	}

	// An unsorted set would come out in an order that depends on its
	// encoding and history; when it is stored, or returned to a script, it
	// is sorted alphabetically instead, so that what is written (or what a
	// script decides on) is the same on every server.
	if dontSort && typ == TypeSet && (storeKey != nil || c.inScript()) {
		dontSort, st.alpha, sortBy = false, true, nil
	}

	var zs zset
	if found && typ == TypeZSet {
		// Valkey converts a listpack sorted set to a skiplist here, for
		// good: OBJECT ENCODING shows it.
		zs = zsetOf(e)
		if zs.isListpack() {
			zs.toSkiplist(zs.len())
			e = db.Set(argv[1], zs.value(), true)
		}
	}

	vectorLen := 0
	if found {
		switch typ {
		case TypeList:
			vectorLen = sortListLen(e)
		case TypeSet:
			sv := setOf(e)
			vectorLen = sv.size()
		case TypeZSet:
			vectorLen = zs.len()
		}
	}

	// LIMIT, clamped to the elements there are.
	start := min(max(limitStart, 0), int64(vectorLen))
	count := min(max(limitCount, -1), int64(vectorLen))
	end := start + count - 1
	if count < 0 {
		end = int64(vectorLen) - 1
	}
	if start >= int64(vectorLen) {
		start = int64(vectorLen) - 1
		end = int64(vectorLen) - 2
	}
	if end >= int64(vectorLen) {
		end = int64(vectorLen) - 1
	}
	// Lists and sorted sets keep their own order when not sorting: load
	// only the range asked for.
	if (typ == TypeZSet || typ == TypeList) && dontSort && (start != 0 || end != int64(vectorLen)-1) {
		vectorLen = int(end - start + 1)
		if vectorLen < 0 {
			vectorLen = 0
		}
	}

	st.items = make([]sortItem, 0, vectorLen)
	if found {
		switch {
		case typ == TypeList:
			if !dontSort {
				sortLoadList(&st, e, 0, -1, false)
			} else if end >= start {
				sortLoadList(&st, e, int(start), vectorLen, st.desc)
				end -= start
				start = 0
			}
		case typ == TypeSet:
			sv := setOf(e)
			it := sv.iter()
			var nb [20]byte
			for {
				str, v, isInt, ok := it.next()
				if !ok {
					break
				}
				st.addItem(memberText(str, v, isInt, &nb))
			}
		case typ == TypeZSet && dontSort:
			z := zs.z
			var n *zslNode
			if st.desc {
				n = z.tail
				if start > 0 {
					n = z.byRank(z.length - int(start))
				}
			} else {
				n = z.first()
				if start > 0 {
					n = z.byRank(int(start) + 1)
				}
			}
			for i := 0; i < vectorLen && n != nil; i++ {
				st.addItem(zbytes(n.ele()))
				if st.desc {
					n = n.backward()
				} else {
					n = n.succ()
				}
			}
			end -= start
			start = 0
		case typ == TypeZSet:
			for n := zs.z.first(); n != nil; n = n.succ() {
				st.addItem(zbytes(n.ele()))
			}
		}
	}

	if !dontSort {
		st.byPat = sortBy != nil
		st.store = storeKey != nil
		var wbuf []byte
		for i := range st.items {
			it := &st.items[i]
			var w []byte
			if sortBy != nil {
				var ok bool
				// The weight is looked up with the element's text, which
				// buf may move under: copy it first.
				elem := append(st.fieldBuf[:0], st.obj(it)...)
				st.fieldBuf = elem
				if wbuf, ok = st.lookupByPattern(c, sortBy, elem, wbuf[:0]); !ok {
					continue
				}
				w = wbuf
			} else {
				w = st.obj(it)
			}
			if st.alpha {
				if sortBy != nil {
					it.cmpOff, it.cmpN, it.hasCmp = len(st.buf), len(w), true
					st.buf = append(st.buf, w...)
				}
				continue
			}
			f, ok := sortScore(w)
			it.score = f
			if !ok {
				st.convErr = true
			}
		}
		sort.Stable(&st)
	}

	outputLen := int(end - start + 1)
	if len(ops) > 0 {
		outputLen *= len(ops)
	}
	switch {
	case st.convErr:
		c.AddError("ERR One or more scores can't be converted into double")
	case storeKey == nil:
		c.AddArrayLen(outputLen)
		var vbuf []byte
		for j := start; j <= end; j++ {
			it := &st.items[j]
			if len(ops) == 0 {
				c.AddBulkCopy(st.obj(it))
			}
			for _, op := range ops {
				var ok bool
				if vbuf, ok = st.lookupByPattern(c, op.pattern, st.obj(it), vbuf[:0]); ok {
					c.AddBulkCopy(vbuf)
				} else {
					c.AddNull()
				}
			}
		}
	default:
		var out [][]byte
		var vbuf []byte
		for j := start; j <= end; j++ {
			it := &st.items[j]
			if len(ops) == 0 {
				out = append(out, append([]byte(nil), st.obj(it)...))
				continue
			}
			for _, op := range ops {
				vbuf, _ = st.lookupByPattern(c, op.pattern, st.obj(it), vbuf[:0])
				out = append(out, append([]byte(nil), vbuf...)) // a missing value is stored empty
			}
		}
		if outputLen > 0 {
			if !sortStoreList(c, storeKey, out) {
				return
			}
			s.keyModified(db, storeKey)
			s.notifyKeyspaceEvent(config.NotifyList, "sortstore", storeKey, db.ID)
			s.Dirty += int64(outputLen)
		} else if db.Delete(storeKey) {
			s.keyModified(db, storeKey)
			s.notifyKeyspaceEvent(config.NotifyGeneric, "del", storeKey, db.ID)
			s.Dirty++
		}
		c.AddInt(int64(outputLen))
	}
}
