package engine

import (
	"strconv"
	"sync"

	"github.com/volleydb/volley/engine/config"
	"github.com/volleydb/volley/engine/keyspace"
	"github.com/volleydb/volley/engine/listpack"
)

// The list group, as Valkey 9.0's t_list.c.
//
// A list is a listpack in the record's value bytes (kindListListpack)
// while it fits list-max-listpack-size, and a quicklist in Value.Obj
// (kindListQuicklist, t_list_quicklist.go) beyond. Pushes convert before
// adding when the listpack would go over the limit; removals convert back
// when the quicklist is down to one packed node under half the limits, as
// Valkey 9 does, so OBJECT ENCODING follows Valkey step by step. An
// emptied list deletes its key.
//
// Writes to a listpack list work on a copy in a pooled buffer and store it
// back with db.Set; a quicklist is changed in place after LookupWrite.

const (
	kindListListpack  = TypeList | EncListpack
	kindListQuicklist = TypeList | EncQuicklist
)

// listHandlers are the list group.
var listHandlers = map[string]Handler{
	"lpush":      func(c *Client) { listPush(c, true, false) },
	"rpush":      func(c *Client) { listPush(c, false, false) },
	"lpushx":     func(c *Client) { listPush(c, true, true) },
	"rpushx":     func(c *Client) { listPush(c, false, true) },
	"lpop":       func(c *Client) { listPop(c, true) },
	"rpop":       func(c *Client) { listPop(c, false) },
	"llen":       cmdLlen,
	"lrange":     cmdLrange,
	"lindex":     cmdLindex,
	"lset":       cmdLset,
	"linsert":    cmdLinsert,
	"lrem":       cmdLrem,
	"ltrim":      cmdLtrim,
	"lpos":       cmdLpos,
	"lmove":      cmdLmove,
	"rpoplpush":  func(c *Client) { listMove(c, false, true) },
	"lmpop":      func(c *Client) { listMpop(c, 1, false) },
	"blpop":      func(c *Client) { listBlockingPop(c, c.Argv[1:len(c.Argv)-1], true, len(c.Argv)-1, -1) },
	"brpop":      func(c *Client) { listBlockingPop(c, c.Argv[1:len(c.Argv)-1], false, len(c.Argv)-1, -1) },
	"blmove":     cmdBlmove,
	"brpoplpush": cmdBrpoplpush,
	"blmpop":     func(c *Client) { listMpop(c, 2, true) },
}

// Error replies of the list group, with Valkey's text.
const (
	errLposRank       = "ERR RANK can't be zero: use 1 to start from the first match, 2 from the second ... or use negative to start from the end of the list"
	errLposCount      = "ERR COUNT can't be negative"
	errLposMaxlen     = "ERR MAXLEN can't be negative"
	errNumkeys        = "ERR numkeys should be greater than 0"
	errCountPositive  = "ERR count should be greater than 0"
	emptyArrayReply   = "*0\r\n"
	longMax           = 1<<63 - 1
	listScratchMaxCap = 64 << 10
)

// ---- Reading a list: one view over both encodings ----

// listRef is a list in either encoding: lp for a listpack, ql for a
// quicklist. Positions are qlPos values; a listpack has the one node 0.
type listRef struct {
	lp []byte
	ql *quicklist
}

func listRefOf(e keyspace.Entry) listRef {
	if e.Kind() == kindListQuicklist {
		return listRef{ql: e.Obj().(*quicklist)}
	}
	return listRef{lp: e.Value()}
}

// release ends a read: a quicklist compresses again the nodes the read
// expanded.
func (l *listRef) release() {
	if l.ql != nil {
		l.ql.release()
	}
}

func (l *listRef) length() int {
	if l.ql != nil {
		return l.ql.count
	}
	return listpack.Len(l.lp)
}

// index returns the position of element i (negative from the end).
func (l *listRef) index(i int) qlPos {
	if l.ql != nil {
		return l.ql.index(i)
	}
	p := listpack.Seek(l.lp, i)
	if p < 0 {
		return qlPos{ni: -1}
	}
	if i < 0 {
		i += listpack.Len(l.lp)
	}
	return qlPos{off: i, p: p}
}

// first and last are the positions of the ends (invalid when empty).
func (l *listRef) first() qlPos { return l.index(0) }
func (l *listRef) last() qlPos  { return l.index(-1) }

func (l *listRef) next(pos qlPos) qlPos {
	if l.ql != nil {
		return l.ql.next(pos)
	}
	p := listpack.Next(l.lp, pos.p)
	if p < 0 {
		return qlPos{ni: -1}
	}
	return qlPos{off: pos.off + 1, p: p}
}

func (l *listRef) prev(pos qlPos) qlPos {
	if l.ql != nil {
		return l.ql.prev(pos)
	}
	p := listpack.Prev(l.lp, pos.p)
	if p < 0 {
		return qlPos{ni: -1}
	}
	return qlPos{off: pos.off - 1, p: p}
}

// step moves forward (towards the tail) or backward.
func (l *listRef) step(pos qlPos, forward bool) qlPos {
	if forward {
		return l.next(pos)
	}
	return l.prev(pos)
}

func (l *listRef) get(pos qlPos) (s []byte, v int64, isInt bool) {
	if l.ql != nil {
		return l.ql.get(pos)
	}
	return listpack.Get(l.lp, pos.p)
}

func (l *listRef) equal(pos qlPos, s []byte) bool {
	if l.ql != nil {
		return l.ql.equal(pos, s)
	}
	return listpack.Equal(l.lp, pos.p, s)
}

// addValue replies with the element at pos. Plain quicklist nodes are
// never changed in place, so their (large) elements go by reference.
func (l *listRef) addValue(c *Client, pos qlPos) {
	if l.ql != nil && l.ql.node(pos.ni).plain {
		c.AddBulk(l.ql.raw(pos.ni).lp)
		return
	}
	s, v, isInt := l.get(pos)
	if isInt {
		c.AddBulkInt(v)
		return
	}
	c.AddBulkCopy(s)
}

// appendValue appends the element at pos as text to dst.
func (l *listRef) appendValue(dst []byte, pos qlPos) []byte {
	s, v, isInt := l.get(pos)
	if isInt {
		return strconv.AppendInt(dst, v, 10)
	}
	return append(dst, s...)
}

// addRange replies with elements start..end (inclusive, negative from the
// end), reversed if asked (addListRangeReply).
func (l *listRef) addRange(c *Client, start, end int64, reverse bool) {
	llen := int64(l.length())
	if start < 0 {
		start += llen
	}
	if end < 0 {
		end += llen
	}
	if start < 0 {
		start = 0
	}
	if start > end || start >= llen {
		c.AddRawString(emptyArrayReply)
		return
	}
	if end >= llen {
		end = llen - 1
	}
	n := int(end - start + 1)
	from := start
	if reverse {
		from = end
	}
	c.AddArrayLen(n)
	pos := l.index(int(from))
	if !reverse {
		l.addForward(c, pos, n)
		return
	}
	for ; n > 0 && pos.valid(); n-- {
		l.addValue(c, pos)
		pos = l.step(pos, false)
	}
}

// addForward replies with n elements from pos towards the tail. It walks
// each listpack node's entries directly instead of stepping a position
// through the list per element: LRANGE's hot loop.
func (l *listRef) addForward(c *Client, pos qlPos, n int) {
	for n > 0 && pos.valid() {
		lp := l.lp
		if l.ql != nil {
			nd := l.ql.raw(pos.ni)
			if nd.plain {
				l.addValue(c, pos)
				n--
				pos = l.ql.next(pos)
				continue
			}
			lp = nd.lp
		}
		for p := pos.p; n > 0 && p >= 0; p = listpack.Next(lp, p) {
			if s, v, isInt := listpack.Get(lp, p); isInt {
				c.AddBulkInt(v)
			} else {
				c.AddBulkCopy(s)
			}
			n--
		}
		if n == 0 || l.ql == nil || pos.ni+1 >= l.ql.numNodes() {
			return
		}
		l.ql.settle(pos.ni + 1) // the walk leaves pos.ni, as next does
		pos = l.ql.posIn(pos.ni+1, true)
	}
}

// lookupListRead finds key for reading. ok is false when it replied
// WRONGTYPE; found is false for a missing key.
func lookupListRead(c *Client, key []byte) (l listRef, found, ok bool) {
	e, found := c.db().Lookup(key)
	if !found {
		return listRef{}, false, true
	}
	if typeOf(e) != TypeList {
		c.AddError(ErrWrongType)
		return listRef{}, true, false
	}
	return listRefOf(e), true, true
}

// ---- Writing a list ----

// listScratch holds the buffers listpack lists are edited in.
var listScratch = sync.Pool{New: func() any { b := make([]byte, 0, 512); return &b }}

// listW is a list one command changes. Open it with openListW, change it,
// then finish (or store) it.
type listW struct {
	listRef
	c      *Client
	db     *DB
	key    []byte
	buf    *[]byte // the pooled buffer lp was copied into, nil if lp is not pooled
	found  bool    // the key held a list when opened
	stored bool    // the key holds what this handle describes (no store needed)
}

// openListW looks key up for writing. ok is false when it replied
// WRONGTYPE. A missing key gives a handle with no list (found false).
func openListW(c *Client, key []byte) (w listW, ok bool) {
	db := c.db()
	w = listW{c: c, db: db, key: key}
	e, found := db.LookupWrite(key)
	if !found {
		return w, true
	}
	if typeOf(e) != TypeList {
		c.AddError(ErrWrongType)
		return w, false
	}
	w.found, w.stored = true, true
	if e.Kind() == kindListQuicklist {
		w.ql = e.Obj().(*quicklist)
		return w, true
	}
	w.buf = listScratch.Get().(*[]byte)
	w.lp = append((*w.buf)[:0], e.Value()...)
	return w, true
}

// exists reports whether the handle holds a list (found or created).
func (w *listW) exists() bool { return w.lp != nil || w.ql != nil }

// create gives a missing key an empty listpack list (createListListpackObject).
func (w *listW) create() {
	w.buf = listScratch.Get().(*[]byte)
	w.lp = append((*w.buf)[:0], listpack.New(0)...)
	w.stored = false
}

// growFor converts a listpack to a quicklist if adding args would take it
// over list-max-listpack-size (listTypeTryConvertListpack).
func (w *listW) growFor(args ...[]byte) {
	if w.lp == nil {
		return
	}
	add := 0
	for _, a := range args {
		add += len(a)
	}
	fill := w.c.srv.Cfg.ListMaxListpackSize
	if !nodeExceedsLimit(fill, len(w.lp)+add, listpack.Len(w.lp)+len(args)) {
		return
	}
	ql := newQuicklist(fill, w.c.srv.Cfg.ListCompressDepth)
	if listpack.Len(w.lp) > 0 {
		ql.appendListpack(append(make([]byte, 0, len(w.lp)), w.lp...))
	}
	w.releaseBuf()
	w.lp, w.ql = nil, ql
	w.stored = false
}

// shrink converts a quicklist back to a listpack when it is one packed
// node under half the limits (listTypeTryConvertQuicklist, shrinking).
func (w *listW) shrink() {
	q := w.ql
	if q == nil || q.numNodes() != 1 || q.node(0).plain {
		return
	}
	szLimit, countLimit := nodeLimit(w.c.srv.Cfg.ListMaxListpackSize)
	n := q.raw(0)
	if (szLimit >= 0 && n.sz > szLimit/2) || (countLimit >= 0 && q.count > countLimit/2) {
		return
	}
	w.lp, w.ql = n.lp, nil
	w.stored = false
}

// push adds v at the head or tail (listTypePush).
func (w *listW) push(v []byte, head bool) {
	if w.ql != nil {
		if head {
			w.ql.pushHead(v)
		} else {
			w.ql.pushTail(v)
		}
		return
	}
	if head {
		w.lp = listpack.Prepend(w.lp, v)
	} else {
		w.lp = listpack.Append(w.lp, v)
	}
	w.stored = false
}

// popEnd deletes the first or last element.
func (w *listW) popEnd(head bool) {
	if w.ql != nil {
		w.ql.pop(head)
		return
	}
	p := listpack.First(w.lp)
	if !head {
		p = listpack.Last(w.lp)
	}
	if p >= 0 {
		w.lp = listpack.Delete(w.lp, p)
		w.stored = false
	}
}

// delRange deletes count elements from index start (listTypeDelRange).
func (w *listW) delRange(start, count int) {
	if count <= 0 {
		return
	}
	if w.ql != nil {
		w.ql.delRange(start, count)
		return
	}
	w.lp = listpack.DeleteRangeIndex(w.lp, start, count)
	w.stored = false
}

// store writes the list back: a listpack's bytes, or a quicklist new to
// the key. The key keeps its time to live.
func (w *listW) store() {
	if w.stored {
		return
	}
	if w.ql != nil {
		w.db.Set(w.key, keyspace.Value{Kind: kindListQuicklist, Obj: w.ql}, true)
	} else {
		w.db.Set(w.key, keyspace.Value{Kind: kindListListpack, Bytes: w.lp}, true)
	}
	w.stored = true
}

// releaseBuf returns the pooled buffer; lp must not be used afterwards.
func (w *listW) releaseBuf() {
	if w.ql != nil {
		w.ql.release()
	}
	if w.buf == nil {
		return
	}
	if cap(w.lp) <= listScratchMaxCap {
		*w.buf = w.lp[:0]
		listScratch.Put(w.buf)
	}
	w.buf = nil
}

// removed does what follows taking n elements from the head or tail
// (listElementsRemoved): the pop event, the key deleted if emptied or
// else converted back and stored, the change counted. It reports whether
// the key was deleted.
func (w *listW) removed(head bool, n int) (deleted bool) {
	s := w.c.srv
	event := "rpop"
	if head {
		event = "lpop"
	}
	s.notifyKeyspaceEvent(config.NotifyList, event, w.key, w.db.ID)
	deleted = w.deleteIfEmpty()
	s.keyModified(w.db, w.key)
	s.Dirty += int64(n)
	return deleted
}

// deleteIfEmpty deletes an emptied list's key with the "del" event, or
// converts back and stores a list that still has elements.
func (w *listW) deleteIfEmpty() bool {
	if w.length() == 0 {
		if w.found {
			w.db.Delete(w.key)
		}
		w.c.srv.notifyKeyspaceEvent(config.NotifyGeneric, "del", w.key, w.db.ID)
		w.stored = true
		return true
	}
	w.shrink()
	w.store()
	return false
}

// pushed does what follows a push: signals clients blocked on a key this
// command created, the key change and the push event.
func (w *listW) pushed(head bool) {
	s := w.c.srv
	w.store()
	if !w.found {
		s.signalKeyAsReady(w.db, w.key, TypeList)
		w.found = true
	}
	s.keyModified(w.db, w.key)
	event := "rpush"
	if head {
		event = "lpush"
	}
	s.notifyKeyspaceEvent(config.NotifyList, event, w.key, w.db.ID)
}

// ---- Argument parsing ----

// parseListWhere parses LEFT or RIGHT; head is true for LEFT.
func parseListWhere(c *Client, arg []byte) (head, ok bool) {
	switch {
	case argIs(arg, "left"):
		return true, true
	case argIs(arg, "right"):
		return false, true
	}
	c.AddError(ErrSyntax)
	return false, false
}

func addArityError(c *Client) {
	c.AddError("ERR wrong number of arguments for '" + c.Cmd.FullName + "' command")
}

// ---- Commands ----

// listPush is LPUSH, RPUSH, LPUSHX and RPUSHX (pushGenericCommand).
func listPush(c *Client, head, xx bool) {
	key := c.Argv[1]
	w, ok := openListW(c, key)
	if !ok {
		return
	}
	defer w.releaseBuf()
	if !w.exists() {
		if xx {
			c.AddInt(0)
			return
		}
		w.create()
	}
	vals := c.Argv[2:]
	w.growFor(vals...)
	for _, v := range vals {
		w.push(v, head)
	}
	c.srv.Dirty += int64(len(vals))
	w.pushed(head)
	c.AddInt(int64(w.length()))
}

// listPop is LPOP and RPOP (popGenericCommand).
func listPop(c *Client, head bool) {
	if len(c.Argv) > 3 {
		addArityError(c)
		return
	}
	hasCount := len(c.Argv) == 3
	var count int64
	if hasCount {
		var ok bool
		if count, ok = parseRangeLongArg(c, c.Argv[2], 0, longMax, ErrNegativeCount); !ok {
			return
		}
	}
	w, ok := openListW(c, c.Argv[1])
	if !ok {
		return
	}
	defer w.releaseBuf()
	if !w.exists() {
		if hasCount {
			c.AddNullArray()
		} else {
			c.AddNull()
		}
		return
	}
	if hasCount && count == 0 {
		c.AddRawString(emptyArrayReply)
		return
	}
	if !hasCount {
		pos := w.first()
		if !head {
			pos = w.last()
		}
		w.addValue(c, pos)
		w.popEnd(head)
		w.removed(head, 1)
		return
	}
	w.popRangeReply(c, head, count)
}

// popRangeReply replies with up to count elements from one end, in the
// order they are popped, and pops them.
func (w *listW) popRangeReply(c *Client, head bool, count int64) int {
	llen := int64(w.length())
	n := min(count, llen)
	if head {
		w.addRange(c, 0, n-1, false)
		w.delRange(0, int(n))
	} else {
		w.addRange(c, -n, -1, true)
		w.delRange(int(-n), int(n))
	}
	w.removed(head, int(n))
	return int(n)
}

func cmdLlen(c *Client) {
	l, found, ok := lookupListRead(c, c.Argv[1])
	switch {
	case !ok:
	case !found:
		c.AddInt(0)
	default:
		c.AddInt(int64(l.length()))
	}
}

func cmdLindex(c *Client) {
	l, found, ok := lookupListRead(c, c.Argv[1])
	if !ok {
		return
	}
	if !found {
		c.AddNull()
		return
	}
	idx, ok := parseLongArg(c, c.Argv[2], "")
	if !ok {
		return
	}
	pos := l.index(int(idx))
	if !pos.valid() {
		c.AddNull()
		return
	}
	l.addValue(c, pos)
	l.release()
}

func cmdLrange(c *Client) {
	start, ok := parseLongArg(c, c.Argv[2], "")
	if !ok {
		return
	}
	end, ok := parseLongArg(c, c.Argv[3], "")
	if !ok {
		return
	}
	l, found, ok := lookupListRead(c, c.Argv[1])
	switch {
	case !ok:
	case !found:
		c.AddRawString(emptyArrayReply)
	default:
		l.addRange(c, start, end, false)
		l.release()
	}
}

func cmdLset(c *Client) {
	w, ok := openListW(c, c.Argv[1])
	if !ok {
		return
	}
	defer w.releaseBuf()
	if !w.exists() {
		c.AddError(ErrNoKey)
		return
	}
	idx, ok := parseLongArg(c, c.Argv[2], "")
	if !ok {
		return
	}
	v := c.Argv[3]
	w.growFor(v)
	// Valkey passes the index on as a C int (listTypeReplaceAtIndex), so
	// only its low 32 bits count: LSET k 4294967296 v sets the head, and
	// -4294967297 the tail. The same, so that a stream from a Valkey
	// primary lands the same.
	pos := w.index(int(int32(idx)))
	if !pos.valid() {
		w.store() // a conversion made above stays, as in Valkey
		c.AddError(ErrOutOfRange)
		return
	}
	if w.ql != nil {
		w.ql.replace(pos, v)
	} else {
		w.lp = listpack.Replace(w.lp, pos.p, v)
		w.stored = false
	}
	w.shrink()
	w.store()
	s := c.srv
	s.keyModified(w.db, w.key)
	s.notifyKeyspaceEvent(config.NotifyList, "lset", w.key, w.db.ID)
	s.Dirty++
	c.AddOK()
}

func cmdLinsert(c *Client) {
	var after bool
	switch {
	case argIs(c.Argv[2], "after"):
		after = true
	case argIs(c.Argv[2], "before"):
	default:
		c.AddError(ErrSyntax)
		return
	}
	w, ok := openListW(c, c.Argv[1])
	if !ok {
		return
	}
	defer w.releaseBuf()
	if !w.exists() {
		c.AddInt(0)
		return
	}
	pivot, v := c.Argv[3], c.Argv[4]
	w.growFor(v)
	inserted := false
	for pos := w.first(); pos.valid(); pos = w.next(pos) {
		if w.equal(pos, pivot) {
			if w.ql != nil {
				w.ql.insert(pos, v, after)
			} else {
				w.lp = listpack.Insert(w.lp, pos.p, v, after)
				w.stored = false
			}
			inserted = true
			break
		}
	}
	w.store()
	if !inserted {
		c.AddInt(-1)
		return
	}
	s := c.srv
	s.keyModified(w.db, w.key)
	s.notifyKeyspaceEvent(config.NotifyList, "linsert", w.key, w.db.ID)
	s.Dirty++
	c.AddInt(int64(w.length()))
}

func cmdLtrim(c *Client) {
	start, ok := parseLongArg(c, c.Argv[2], "")
	if !ok {
		return
	}
	end, ok := parseLongArg(c, c.Argv[3], "")
	if !ok {
		return
	}
	w, ok := openListW(c, c.Argv[1])
	if !ok {
		return
	}
	defer w.releaseBuf()
	if !w.exists() {
		c.AddOK()
		return
	}
	llen := int64(w.length())
	if start < 0 {
		start += llen
	}
	if end < 0 {
		end += llen
	}
	if start < 0 {
		start = 0
	}
	var ltrim, rtrim int64
	if start > end || start >= llen {
		ltrim, rtrim = llen, 0
	} else {
		if end >= llen {
			end = llen - 1
		}
		ltrim, rtrim = start, llen-end-1
	}
	w.delRange(0, int(ltrim))
	w.delRange(int(-rtrim), int(rtrim))
	s := c.srv
	s.notifyKeyspaceEvent(config.NotifyList, "ltrim", w.key, w.db.ID)
	w.deleteIfEmpty()
	if ltrim+rtrim > 0 {
		s.keyModified(w.db, w.key)
	}
	s.Dirty += ltrim + rtrim
	c.AddOK()
}

func cmdLpos(c *Client) {
	ele := c.Argv[2]
	rank, count, maxlen := int64(1), int64(-1), int64(0)
	for j := 3; j < len(c.Argv); j++ {
		opt := c.Argv[j]
		more := j < len(c.Argv)-1
		var ok bool
		switch {
		case argIs(opt, "rank") && more:
			j++
			if rank, ok = parseRangeLongArg(c, c.Argv[j], -longMax, longMax, ""); !ok {
				return
			}
			if rank == 0 {
				c.AddError(errLposRank)
				return
			}
		case argIs(opt, "count") && more:
			j++
			if count, ok = parseRangeLongArg(c, c.Argv[j], 0, longMax, errLposCount); !ok {
				return
			}
		case argIs(opt, "maxlen") && more:
			j++
			if maxlen, ok = parseRangeLongArg(c, c.Argv[j], 0, longMax, errLposMaxlen); !ok {
				return
			}
		default:
			c.AddError(ErrSyntax)
			return
		}
	}
	forward := true
	if rank < 0 {
		rank, forward = -rank, false
	}
	l, found, ok := lookupListRead(c, c.Argv[1])
	if !ok {
		return
	}
	if !found {
		if count != -1 {
			c.AddRawString(emptyArrayReply)
		} else {
			c.AddNull()
		}
		return
	}
	defer l.release()
	var d Deferred
	if count != -1 {
		d = c.AddDeferredLen()
	}
	llen := int64(l.length())
	var index, matches, arraylen int64
	matchIndex := int64(-1)
	pos := l.first()
	if !forward {
		pos = l.last()
	}
	for ; pos.valid() && (maxlen == 0 || index < maxlen); pos = l.step(pos, forward) {
		if l.equal(pos, ele) {
			matches++
			if forward {
				matchIndex = index
			} else {
				matchIndex = llen - index - 1
			}
			if matches >= rank {
				if count == -1 {
					break
				}
				arraylen++
				c.AddInt(matchIndex)
				if count != 0 && matches-rank+1 >= count {
					break
				}
			}
		}
		index++
		matchIndex = -1
	}
	if count != -1 {
		c.SetDeferredArrayLen(d, int(arraylen))
		return
	}
	if matchIndex != -1 {
		c.AddInt(matchIndex)
	} else {
		c.AddNull()
	}
}

func cmdLrem(c *Client) {
	toremove, ok := parseRangeLongArg(c, c.Argv[2], -longMax, longMax, "")
	if !ok {
		return
	}
	ele := c.Argv[3]
	w, ok := openListW(c, c.Argv[1])
	if !ok {
		return
	}
	defer w.releaseBuf()
	if !w.exists() {
		c.AddInt(0)
		return
	}
	forward := toremove >= 0
	if !forward {
		toremove = -toremove
	}
	var removed int64
	pos := w.first()
	if !forward {
		pos = w.last()
	}
	for pos.valid() {
		if !w.equal(pos, ele) {
			pos = w.step(pos, forward)
			continue
		}
		pos = w.deleteAt(pos, forward)
		removed++
		if toremove != 0 && removed == toremove {
			break
		}
	}
	s := c.srv
	s.Dirty += removed
	if removed > 0 {
		s.notifyKeyspaceEvent(config.NotifyList, "lrem", w.key, w.db.ID)
		w.deleteIfEmpty()
		s.keyModified(w.db, w.key)
	}
	c.AddInt(removed)
}

// deleteAt deletes the element at pos and returns the position of the
// element an iteration in the given direction visits next.
func (w *listW) deleteAt(pos qlPos, forward bool) qlPos {
	if w.ql != nil {
		q := w.ql
		gone := q.delAt(pos)
		switch {
		case gone && forward:
			if pos.ni < q.numNodes() {
				return q.posIn(pos.ni, true)
			}
			return qlPos{ni: -1}
		case gone:
			if pos.ni > 0 {
				return q.posIn(pos.ni-1, false)
			}
			return qlPos{ni: -1}
		case forward:
			if listpack.AtEnd(q.raw(pos.ni).lp, pos.p) {
				if pos.ni+1 < q.numNodes() {
					return q.posIn(pos.ni+1, true)
				}
				return qlPos{ni: -1}
			}
			return pos // the next element moved into pos
		default:
			n := q.raw(pos.ni)
			if p := listpack.Prev(n.lp, pos.p); p >= 0 {
				return qlPos{ni: pos.ni, off: pos.off - 1, p: p}
			}
			if pos.ni > 0 {
				return q.posIn(pos.ni-1, false)
			}
			return qlPos{ni: -1}
		}
	}
	w.lp = listpack.Delete(w.lp, pos.p)
	w.stored = false
	if forward {
		if listpack.AtEnd(w.lp, pos.p) {
			return qlPos{ni: -1}
		}
		return pos
	}
	if p := listpack.Prev(w.lp, pos.p); p >= 0 {
		return qlPos{off: pos.off - 1, p: p}
	}
	return qlPos{ni: -1}
}

func cmdLmove(c *Client) {
	from, ok := parseListWhere(c, c.Argv[3])
	if !ok {
		return
	}
	to, ok := parseListWhere(c, c.Argv[4])
	if !ok {
		return
	}
	listMove(c, from, to)
}

// listMove is LMOVE and RPOPLPUSH (lmoveGenericCommand): it pops from
// the source's from end and pushes onto the destination's to end.
func listMove(c *Client, fromHead, toHead bool) {
	srcW, ok := openListW(c, c.Argv[1])
	if !ok {
		return
	}
	src := &srcW
	defer src.releaseBuf()
	if !src.exists() || src.length() == 0 {
		c.AddNull()
		return
	}
	dstKey := c.Argv[2]
	dst := src
	if string(dstKey) != string(c.Argv[1]) {
		dstW, ok := openListW(c, dstKey)
		if !ok {
			return
		}
		dst = &dstW
		defer dst.releaseBuf()
	}
	pos := src.first()
	if !fromHead {
		pos = src.last()
	}
	var vbuf [64]byte
	v := src.appendValue(vbuf[:0], pos)
	src.popEnd(fromHead)

	// lmoveHandlePush
	if !dst.exists() {
		dst.create()
	}
	dst.growFor(v)
	dst.push(v, toHead)
	dst.pushed(toHead)
	c.AddBulkCopy(v)
	src.removed(fromHead, 1)
}

// listMpop is LMPOP (numkeysIdx 1) and BLMPOP (numkeysIdx 2).
func listMpop(c *Client, numkeysIdx int, block bool) {
	numkeys, ok := parseRangeLongArg(c, c.Argv[numkeysIdx], 1, longMax, errNumkeys)
	if !ok {
		return
	}
	// Compared before the sum, which a numkeys near LONG_MAX overflows.
	if numkeys >= int64(len(c.Argv)-numkeysIdx-1) {
		c.AddError(ErrSyntax)
		return
	}
	whereIdx := int64(numkeysIdx) + numkeys + 1
	head, ok := parseListWhere(c, c.Argv[whereIdx])
	if !ok {
		return
	}
	count := int64(-1)
	for j := int(whereIdx) + 1; j < len(c.Argv); j++ {
		if count == -1 && argIs(c.Argv[j], "count") && j < len(c.Argv)-1 {
			j++
			if count, ok = parseRangeLongArg(c, c.Argv[j], 1, longMax, errCountPositive); !ok {
				return
			}
			continue
		}
		c.AddError(ErrSyntax)
		return
	}
	if count == -1 {
		count = 1
	}
	keys := c.Argv[numkeysIdx+1 : whereIdx]
	if block {
		listBlockingPop(c, keys, head, 1, count)
		return
	}
	for _, key := range keys {
		w, ok := openListW(c, key)
		if !ok {
			return
		}
		if !w.exists() || w.length() == 0 {
			w.releaseBuf()
			continue
		}
		c.AddArrayLen(2)
		c.AddBulkCopy(key)
		popped := min(count, int64(w.length())) // propagated as what was popped, as in Valkey
		w.popRangeReply(c, head, count)
		w.releaseBuf()
		c.rewriteArgv(popCommand(head), key, c.srv.propInt(popped))
		return
	}
	c.AddNullArray()
}

// popCommand is the non-blocking pop a list pop propagates as.
func popCommand(head bool) []byte {
	if head {
		return argLPOP
	}
	return argRPOP
}

// listBlockingPop is BLPOP, BRPOP and BLMPOP (blockingPopGenericCommand):
// count -1 pops one element and replies [key, element]; otherwise up to
// count, replying [key, [elements]].
func listBlockingPop(c *Client, keys [][]byte, head bool, timeoutIdx int, count int64) {
	timeout, ok := parseBlockTimeout(c, c.Argv[timeoutIdx])
	if !ok {
		return
	}
	for _, key := range keys {
		w, ok := openListW(c, key)
		if !ok {
			return
		}
		if !w.exists() || w.length() == 0 {
			w.releaseBuf()
			continue
		}
		c.AddArrayLen(2)
		c.AddBulkCopy(key)
		if count != -1 {
			popped := min(count, int64(w.length()))
			w.popRangeReply(c, head, count)
			c.rewriteArgv(popCommand(head), key, c.srv.propInt(popped))
		} else {
			c.rewriteArgv(popCommand(head), key)
			pos := w.first()
			if !head {
				pos = w.last()
			}
			w.addValue(c, pos)
			w.popEnd(head)
			w.removed(head, 1)
		}
		w.releaseBuf()
		return
	}
	if c.srv.blockingDenied(c) {
		c.AddNullArray()
		return
	}
	c.srv.blockForKeys(c, blockList, keys, timeout)
}

func cmdBlmove(c *Client) {
	from, ok := parseListWhere(c, c.Argv[3])
	if !ok {
		return
	}
	to, ok := parseListWhere(c, c.Argv[4])
	if !ok {
		return
	}
	timeout, ok := parseBlockTimeout(c, c.Argv[5])
	if !ok {
		return
	}
	listBlockingMove(c, from, to, timeout)
}

func cmdBrpoplpush(c *Client) {
	timeout, ok := parseBlockTimeout(c, c.Argv[3])
	if !ok {
		return
	}
	listBlockingMove(c, false, true, timeout)
}

// listBlockingMove is blmoveGenericCommand: LMOVE if the source has
// elements, else block on it.
func listBlockingMove(c *Client, fromHead, toHead bool, timeout int64) {
	e, found := c.db().LookupWrite(c.Argv[1])
	if found && typeOf(e) != TypeList {
		c.AddError(ErrWrongType)
		return
	}
	if found {
		listMove(c, fromHead, toHead)
		if a := c.Argv; len(a) == 6 {
			c.rewriteArgv(argLMOVE, a[1], a[2], a[3], a[4])
		} else {
			c.rewriteArgv(argRPOPLPUSH, a[1], a[2])
		}
		return
	}
	if c.srv.blockingDenied(c) {
		c.AddNull()
		return
	}
	c.srv.blockForKeys(c, blockList, c.Argv[1:2], timeout)
}

// ---- SORT's list hooks (sort.go) ----

// sortListLen is the length of the list at e.
func sortListLen(e keyspace.Entry) int {
	l := listRefOf(e)
	return l.length()
}

// sortLoadList adds n elements of the list at e from index start (counted
// from the tail end with reverse; n < 0 for all) to st.
func sortLoadList(st *sortState, e keyspace.Entry, start, n int, reverse bool) {
	l := listRefOf(e)
	idx := start
	if reverse {
		idx = l.length() - start - 1
	}
	var nb [20]byte
	for pos := l.index(idx); pos.valid() && n != 0; n-- {
		s, v, isInt := l.get(pos)
		if isInt {
			s = strconv.AppendInt(nb[:0], v, 10)
		}
		st.addItem(s)
		pos = l.step(pos, !reverse)
	}
	l.release()
}

// sortStoreList stores elems as a list at key, replacing what was there
// and its time to live, as SORT ... STORE does: built as a quicklist, then
// converted to a listpack if it fits (LIST_CONV_AUTO). It reports false
// after replying with an error if it cannot (it always can).
func sortStoreList(c *Client, key []byte, elems [][]byte) bool {
	s := c.srv
	fill := s.Cfg.ListMaxListpackSize
	q := newQuicklist(fill, s.Cfg.ListCompressDepth)
	for _, el := range elems {
		q.pushTail(el)
	}
	v := keyspace.Value{Kind: kindListQuicklist, Obj: q}
	if q.numNodes() == 1 && !q.node(0).plain {
		szLimit, countLimit := nodeLimit(fill)
		n := q.raw(0)
		if (szLimit < 0 || n.sz <= szLimit) && (countLimit < 0 || q.count <= countLimit) {
			v = keyspace.Value{Kind: kindListListpack, Bytes: n.lp}
		}
	}
	db := c.db()
	existed := db.Exists(key)
	db.Set(key, v, false)
	if !existed {
		s.signalKeyAsReady(db, key, TypeList)
	}
	return true
}
