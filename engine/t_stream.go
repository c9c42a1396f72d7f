package engine

import (
	"math"

	"github.com/volleydb/volley/engine/config"
	"github.com/volleydb/volley/engine/keyspace"
	"github.com/volleydb/volley/engine/stream"
)

// The stream group, as Valkey 9.0's t_stream.c: XADD and the range
// commands, trimming, blocking XREAD, and consumer groups. The value is a
// *stream.Stream in Value.Obj (engine/stream keeps Valkey's node layout,
// so OBJECT ENCODING is "stream" and the RDB form is Valkey's).

var streamHandlers = map[string]Handler{
	"xadd":                  cmdXadd,
	"xlen":                  cmdXlen,
	"xrange":                func(c *Client) { xrangeGeneric(c, false) },
	"xrevrange":             func(c *Client) { xrangeGeneric(c, true) },
	"xdel":                  cmdXdel,
	"xtrim":                 cmdXtrim,
	"xsetid":                cmdXsetid,
	"xread":                 cmdXread,
	"xreadgroup":            cmdXread,
	"xgroup|create":         cmdXgroup,
	"xgroup|createconsumer": cmdXgroup,
	"xgroup|delconsumer":    cmdXgroup,
	"xgroup|destroy":        cmdXgroup,
	"xgroup|setid":          cmdXgroup,
	"xgroup|help":           cmdXgroup,
	"xack":                  cmdXack,
	"xpending":              cmdXpending,
	"xclaim":                cmdXclaim,
	"xautoclaim":            cmdXautoclaim,
	"xinfo|stream":          cmdXinfo,
	"xinfo|groups":          cmdXinfo,
	"xinfo|consumers":       cmdXinfo,
	"xinfo|help":            cmdXinfo,
}

const kindStream = TypeStream | EncStream

// Error replies of the stream group.
const (
	errStreamID         = "ERR Invalid stream ID specified as stream command argument"
	errStreamIDSmall    = "ERR The ID specified in XADD is equal or smaller than the target stream top item"
	errStreamIDZero     = "ERR The ID specified in XADD must be greater than 0-0"
	errStreamExhausted  = "ERR The stream has exhausted the last possible ID, unable to add more items"
	errStreamTooLarge   = "ERR Elements are too large to be stored"
	errStreamTrimBoth   = "ERR syntax error, MAXLEN and MINID options at the same time are not compatible"
	errStreamMaxlenNeg  = "ERR The MAXLEN argument must be >= 0."
	errStreamLimitNeg   = "ERR The LIMIT argument must be >= 0."
	errStreamLimitNoTrm = "ERR syntax error, LIMIT cannot be used without specifying a trimming strategy"
	errStreamXtrimNoStr = "ERR syntax error, XTRIM must be called with a trimming strategy"
	errStreamLimitNoApx = "ERR syntax error, LIMIT cannot be used without the special ~ option"
	errStreamStartID    = "ERR invalid start ID for the interval"
	errStreamEndID      = "ERR invalid end ID for the interval"
	errStreamNoKeyGroup = "ERR The XGROUP subcommand requires the key to exist. Note that for CREATE you may want to use the MKSTREAM option to create an empty stream automatically."
	errStreamBusyGroup  = "BUSYGROUP Consumer Group name already exists"
)

// streamOf is the stream in e.
func streamOf(e keyspace.Entry) *stream.Stream { return e.Obj().(*stream.Stream) }

func (s *Server) streamConfig() stream.Config {
	return stream.Config{NodeMaxBytes: int64(s.Cfg.StreamNodeMaxBytes), NodeMaxEntries: s.Cfg.StreamNodeMaxEntries}
}

// streamLookupRead finds a stream for reading: ok is false (a reply
// sent) if key holds another type; st is nil if it is missing.
func streamLookupRead(c *Client, key []byte) (st *stream.Stream, ok bool) {
	e, found := c.db().Lookup(key)
	return streamFound(c, e, found)
}

// streamFound is the stream a lookup found, as streamLookupRead says.
func streamFound(c *Client, e keyspace.Entry, found bool) (*stream.Stream, bool) {
	if !found {
		return nil, true
	}
	if typeOf(e) != TypeStream {
		c.AddError(ErrWrongType)
		return nil, false
	}
	return streamOf(e), true
}

// streamLookupReadForWrite is streamLookupRead (a read in Valkey's
// statistics) for the group commands that change the group state: a
// running snapshot captures the stream first.
func streamLookupReadForWrite(c *Client, key []byte) (st *stream.Stream, ok bool) {
	st, ok = streamLookupRead(c, key)
	if st != nil {
		c.db().Keys().GetForWrite(key)
	}
	return st, ok
}

// streamLookupWrite is streamLookupRead before a write.
func streamLookupWrite(c *Client, key []byte) (st *stream.Stream, ok bool) {
	e, found := c.db().LookupWrite(key)
	return streamFound(c, e, found)
}

// parseStreamID parses an ID argument, replying the error if it is
// invalid. strict refuses "-" and "+".
func parseStreamID(c *Client, arg []byte, missingSeq uint64, strict bool) (stream.ID, bool) {
	id, _, ok := stream.ParseID(arg, missingSeq, strict, false)
	if !ok {
		c.AddError(errStreamID)
	}
	return id, ok
}

// parseIntervalID parses a range bound: "(" makes it exclusive (and then
// "-" and "+" are invalid).
func parseIntervalID(c *Client, arg []byte, missingSeq uint64) (id stream.ID, exclusive, ok bool) {
	if len(arg) > 1 && arg[0] == '(' {
		id, ok = parseStreamID(c, arg[1:], missingSeq, true)
		return id, true, ok
	}
	id, ok = parseStreamID(c, arg, missingSeq, false)
	return id, false, ok
}

// addStreamID replies an ID as a bulk string.
func addStreamID(c *Client, id stream.ID) {
	var buf [48]byte
	c.AddBulkCopy(id.Append(buf[:0]))
}

func (s *Server) notifyStream(event string, key []byte, db *DB) {
	s.notifyKeyspaceEvent(config.NotifyStream, event, key, db.ID)
}

// ---- XADD, XTRIM ----

// addTrimArgs are XADD's and XTRIM's parsed options.
type addTrimArgs struct {
	trim       stream.TrimArgs
	trimArg    int // the MAXLEN count's or MINID's argument
	id         stream.ID
	idGiven    bool
	seqGiven   bool
	noMkstream bool
}

// parseAddTrimArgs parses the options of XADD (xadd) or XTRIM from
// argument 2, returning the position of XADD's ID argument.
func parseAddTrimArgs(c *Client, a *addTrimArgs, xadd bool) (int, bool) {
	argv := c.Argv
	limitGiven := false
	i := 2
	for ; i < len(argv); i++ {
		more := len(argv) - 1 - i
		opt := argv[i]
		switch {
		case xadd && len(opt) == 1 && opt[0] == '*':
			return finishAddTrimArgs(c, a, i, xadd, limitGiven)
		case argIs(opt, "maxlen") && more > 0, argIs(opt, "minid") && more > 0:
			maxlen := argIs(opt, "maxlen")
			if a.trim.Strategy != stream.TrimNone {
				c.AddError(errStreamTrimBoth)
				return 0, false
			}
			a.trim.Approx = false
			next := argv[i+1]
			if more >= 2 && len(next) == 1 && next[0] == '~' {
				a.trim.Approx = true
				i++
			} else if more >= 2 && len(next) == 1 && next[0] == '=' {
				i++
			}
			if maxlen {
				v, ok := parseInt(argv[i+1])
				if !ok {
					c.AddError(ErrNotInteger)
					return 0, false
				}
				if v < 0 {
					c.AddError(errStreamMaxlenNeg)
					return 0, false
				}
				a.trim.MaxLen = v
				a.trim.Strategy = stream.TrimMaxLen
			} else {
				id, ok := parseStreamID(c, argv[i+1], 0, true)
				if !ok {
					return 0, false
				}
				a.trim.MinID = id
				a.trim.Strategy = stream.TrimMinID
			}
			i++
			a.trimArg = i
		case argIs(opt, "limit") && more > 0:
			v, ok := parseInt(argv[i+1])
			if !ok {
				c.AddError(ErrNotInteger)
				return 0, false
			}
			if v < 0 {
				c.AddError(errStreamLimitNeg)
				return 0, false
			}
			a.trim.Limit = v
			limitGiven = true
			i++
		case xadd && argIs(opt, "nomkstream"):
			a.noMkstream = true
		case xadd:
			id, seqGiven, ok := stream.ParseID(opt, 0, true, true)
			if !ok {
				c.AddError(errStreamID)
				return 0, false
			}
			a.id, a.seqGiven, a.idGiven = id, seqGiven, true
			return finishAddTrimArgs(c, a, i, xadd, limitGiven)
		default:
			c.AddError(ErrSyntax)
			return 0, false
		}
	}
	return finishAddTrimArgs(c, a, i, xadd, limitGiven)
}

func finishAddTrimArgs(c *Client, a *addTrimArgs, i int, xadd, limitGiven bool) (int, bool) {
	if a.trim.Limit != 0 && a.trim.Strategy == stream.TrimNone {
		c.AddError(errStreamLimitNoTrm)
		return 0, false
	}
	if !xadd && a.trim.Strategy == stream.TrimNone {
		c.AddError(errStreamXtrimNoStr)
		return 0, false
	}
	if c.Flags&ClientPrimary != 0 || c.srv.loading {
		// Replayed: an approximate trim was propagated as the exact one
		// it did, LIMIT kept, and must now trim exactly that.
		a.trim.Limit = 0
	} else if limitGiven {
		if !a.trim.Approx {
			c.AddError(errStreamLimitNoApx)
			return 0, false
		}
	} else if a.trim.Approx {
		a.trim.Limit = stream.DefaultApproxLimit(c.srv.Cfg.StreamNodeMaxEntries)
	} else {
		a.trim.Limit = 0
	}
	return i, true
}

var argEquals = []byte("=")

// rewriteApproxTrim makes an approximate trim propagate as the exact
// trim it did, "MAXLEN = <length>" or "MINID = <first ID>" (tombstones
// counted), so that a replica or the AOF, whose nodes may be cut
// differently, removes the same entries (streamRewriteApproxSpecifier,
// streamRewriteTrimArgument).
func rewriteApproxTrim(c *Client, st *stream.Stream, a *addTrimArgs) {
	s := c.srv
	if !a.trim.Approx || !s.propagating() {
		return
	}
	c.rewriteArg(a.trimArg-1, argEquals)
	if a.trim.Strategy == stream.TrimMaxLen {
		c.rewriteArg(a.trimArg, s.propInt(int64(st.Length)))
		return
	}
	first := st.EdgeID(true, false)
	c.rewriteArg(a.trimArg, s.propID(first.Ms, first.Seq))
}

func cmdXadd(c *Client) {
	var a addTrimArgs
	idPos, ok := parseAddTrimArgs(c, &a, true)
	if !ok {
		return
	}
	fieldPos := idPos + 1
	if n := len(c.Argv) - fieldPos; n < 2 || n%2 == 1 {
		addArityError(c)
		return
	}
	if a.idGiven && a.seqGiven && a.id.IsZero() {
		c.AddError(errStreamIDZero)
		return
	}
	key := c.Argv[1]
	st, ok := streamLookupWrite(c, key)
	if !ok {
		return
	}
	s, db := c.srv, c.db()
	if st == nil {
		if a.noMkstream {
			c.AddNull()
			return
		}
		st = stream.New()
		db.Set(key, keyspace.Value{Kind: kindStream, Obj: st}, false)
	}
	if st.LastID == stream.MaxID {
		c.AddError(errStreamExhausted)
		return
	}
	id := a.id
	seqGiven := a.seqGiven
	if !a.idGiven {
		id = st.NextID(uint64(s.Now()))
		seqGiven = true
	}
	id, aerr := st.Append(s.streamConfig(), c.Argv[fieldPos:], id, seqGiven)
	switch aerr {
	case stream.AppendIDSmall:
		c.AddError(errStreamIDSmall)
		return
	case stream.AppendTooBig:
		c.AddError(errStreamTooLarge)
		return
	}
	s.notifyStream("xadd", key, db)
	s.Dirty++
	addStreamID(c, id)
	if !a.idGiven || !a.seqGiven {
		c.rewriteArg(idPos, s.propID(id.Ms, id.Seq)) // the ID the clock gave, for replay
	}
	if a.trim.Strategy != stream.TrimNone {
		if st.Trim(a.trim) > 0 {
			s.notifyStream("xtrim", key, db)
		}
		rewriteApproxTrim(c, st, &a)
	}
	s.keyModified(db, key)
	s.signalKeyAsReady(db, key, TypeStream)
}

func cmdXtrim(c *Client) {
	var a addTrimArgs
	if _, ok := parseAddTrimArgs(c, &a, false); !ok {
		return
	}
	key := c.Argv[1]
	st, ok := streamLookupWrite(c, key)
	if !ok {
		return
	}
	if st == nil {
		c.AddInt(0)
		return
	}
	s, db := c.srv, c.db()
	deleted := st.Trim(a.trim)
	if deleted > 0 {
		s.notifyStream("xtrim", key, db)
		rewriteApproxTrim(c, st, &a)
		s.keyModified(db, key)
		s.Dirty += deleted
	}
	c.AddInt(deleted)
}

// ---- XRANGE, XREVRANGE, XLEN, XDEL, XSETID ----

func xrangeGeneric(c *Client, rev bool) {
	startArg, endArg := c.Argv[2], c.Argv[3]
	if rev {
		startArg, endArg = endArg, startArg
	}
	start, startEx, ok := parseIntervalID(c, startArg, 0)
	if !ok {
		return
	}
	if startEx && !start.Incr() {
		c.AddError(errStreamStartID)
		return
	}
	end, endEx, ok := parseIntervalID(c, endArg, math.MaxUint64)
	if !ok {
		return
	}
	if endEx && !end.Decr() {
		c.AddError(errStreamEndID)
		return
	}
	count := int64(-1)
	for j := 4; j < len(c.Argv); j++ {
		if argIs(c.Argv[j], "count") && j+1 < len(c.Argv) {
			v, ok := parseInt(c.Argv[j+1])
			if !ok {
				c.AddError(ErrNotInteger)
				return
			}
			count = max(v, 0)
			j++
		} else {
			c.AddError(ErrSyntax)
			return
		}
	}
	st, ok := streamLookupRead(c, c.Argv[1])
	if !ok {
		return
	}
	if st == nil {
		c.AddArrayLen(0)
		return
	}
	if count == 0 {
		c.AddNullArray()
		return
	}
	if count == -1 {
		count = 0
	}
	replyStreamRange(c, st, &start, &end, count, rev, nil)
}

func cmdXlen(c *Client) {
	st, ok := streamLookupRead(c, c.Argv[1])
	if !ok {
		return
	}
	if st == nil {
		c.AddInt(0)
		return
	}
	c.AddInt(int64(st.Length))
}

func cmdXdel(c *Client) {
	key := c.Argv[1]
	st, ok := streamLookupWrite(c, key)
	if !ok {
		return
	}
	if st == nil {
		c.AddInt(0)
		return
	}
	ids := make([]stream.ID, 0, len(c.Argv)-2)
	for _, arg := range c.Argv[2:] {
		id, ok := parseStreamID(c, arg, 0, true)
		if !ok {
			return
		}
		ids = append(ids, id)
	}
	deleted := 0
	firstEntry := false
	for _, id := range ids {
		if st.Delete(id) {
			if id == st.FirstID {
				firstEntry = true
			}
			if id.Cmp(st.MaxDeletedID) > 0 {
				st.MaxDeletedID = id
			}
			deleted++
		}
	}
	if deleted > 0 {
		if st.Length == 0 {
			st.FirstID = stream.ID{}
		} else if firstEntry {
			st.FirstID = st.EdgeID(true, true)
		}
		s, db := c.srv, c.db()
		s.keyModified(db, key)
		s.notifyStream("xdel", key, db)
		s.Dirty += int64(deleted)
	}
	c.AddInt(int64(deleted))
}

func cmdXsetid(c *Client) {
	id, ok := parseStreamID(c, c.Argv[2], 0, true)
	if !ok {
		return
	}
	var maxDel stream.ID
	entriesAdded := int64(-1)
	for i := 3; i < len(c.Argv); i += 2 {
		more := len(c.Argv) - 1 - i
		switch {
		case argIs(c.Argv[i], "entriesadded") && more > 0:
			v, ok := parseInt(c.Argv[i+1])
			if !ok {
				c.AddError(ErrNotInteger)
				return
			}
			if v < 0 {
				c.AddError("ERR entries_added must be positive")
				return
			}
			entriesAdded = v
		case argIs(c.Argv[i], "maxdeletedid") && more > 0:
			v, ok := parseStreamID(c, c.Argv[i+1], 0, true)
			if !ok {
				return
			}
			if id.Cmp(v) < 0 {
				c.AddError("ERR The ID specified in XSETID is smaller than the provided max_deleted_entry_id")
				return
			}
			maxDel = v
		default:
			c.AddError(ErrSyntax)
			return
		}
	}
	key := c.Argv[1]
	st, ok := streamLookupWrite(c, key)
	if !ok {
		return
	}
	if st == nil {
		c.AddError(ErrNoKey)
		return
	}
	if id.Cmp(st.MaxDeletedID) < 0 {
		c.AddError("ERR The ID specified in XSETID is smaller than current max_deleted_entry_id")
		return
	}
	if st.Length > 0 {
		if id.Cmp(st.LastValidID()) < 0 {
			c.AddError("ERR The ID specified in XSETID is smaller than the target stream top item")
			return
		}
		if entriesAdded != -1 && st.Length > uint64(entriesAdded) {
			c.AddError("ERR The entries_added specified in XSETID is smaller than the target stream length")
			return
		}
	}
	st.LastID = id
	if entriesAdded != -1 {
		st.EntriesAdded = uint64(entriesAdded)
	}
	if !maxDel.IsZero() {
		st.MaxDeletedID = maxDel
	}
	s, db := c.srv, c.db()
	s.Dirty++
	s.notifyStream("xsetid", key, db)
	c.AddOK()
}

// streamConsumer returns g's consumer called name, creating it (a change,
// with its keyspace event) if missing, and marks it seen now. created
// says it was missing.
func (s *Server) streamConsumer(g *stream.Group, name, key []byte, db *DB, now int64) (cons *stream.Consumer, created bool) {
	cons = g.Consumer(name)
	if cons == nil {
		cons = g.CreateConsumer(name, now)
		s.Dirty++
		s.notifyStream("xgroup-createconsumer", key, db)
		created = true
	}
	cons.SeenTime = now
	return cons, created
}

// ---- Replying entries ----

// rangeGroup is what replyStreamRange does for XREADGROUP: the group and
// consumer served, the flags, and the names the deliveries propagate
// with.
type rangeGroup struct {
	g       *stream.Group
	cons    *stream.Consumer
	noack   bool
	history bool
	db      int    // the client's database index
	key     []byte // the stream's key, as the command named it
	group   []byte // the group's name, likewise
}

// replyStreamRange replies the entries from start to end (nil: the
// edges), at most count (0: all), reversed if rev, as an array; with a
// group it delivers them to the consumer (streamReplyWithRange). It
// returns the number of entries sent.
func replyStreamRange(c *Client, st *stream.Stream, start, end *stream.ID, count int64, rev bool, rg *rangeGroup) int64 {
	if rg != nil && rg.history {
		return replyConsumerPEL(c, st, *start, end, count, rg.cons)
	}
	d := c.AddDeferredLen()
	n := streamEmitRange(c, st, start, end, count, rev, rg)
	c.SetDeferredArrayLen(d, int(n))
	return n
}

// streamEmitRange sends the entries without the array header.
func streamEmitRange(c *Client, st *stream.Stream, start, end *stream.ID, count int64, rev bool, rg *rangeGroup) int64 {
	var it stream.Iterator
	it.Start(st, start, end, rev)
	var n int64
	s := c.srv
	now := s.Now()
	lastIDMoved := false
	for {
		id, nf, ok := it.Next()
		if !ok {
			break
		}
		if rg != nil {
			g := rg.g
			if id.Cmp(g.LastID) > 0 {
				if g.EntriesRead != stream.InvalidEntriesRead && g.LastID.Cmp(st.FirstID) >= 0 && !st.HasTombstonesIn(&g.LastID, nil) {
					g.EntriesRead++
				} else if st.EntriesAdded > 0 {
					g.EntriesRead = st.EstimateDistance(id)
				}
				g.LastID = id
				lastIDMoved = true
			}
		}
		c.AddArrayLen(2)
		addStreamID(c, id)
		c.AddArrayLen(int(nf * 2))
		for ; nf > 0; nf-- {
			f, v := it.Field()
			c.AddBulkCopy(f)
			c.AddBulkCopy(v)
		}
		if rg != nil && !rg.noack {
			nack, found := rg.g.PEL.Find(id)
			if !found {
				nack = &stream.NACK{}
				rg.g.PEL.Insert(id, nack)
			}
			nack.DeliveryTime, nack.DeliveryCount = now, 1
			nack.Assign(id, rg.cons)
			rg.cons.ActiveTime = now
			s.propagateXclaimID(rg.db, rg.key, rg.group, rg.g, id, nack)
		}
		n++
		if count != 0 && n == count {
			break
		}
	}
	if lastIDMoved {
		s.propagateGroupID(rg.db, rg.key, rg.group, rg.g)
	}
	return n
}

// replyConsumerPEL replies a consumer's history: its pending entries from
// start to end, each with its fields, or a null for an entry deleted
// since (streamReplyWithRangeFromConsumerPEL).
func replyConsumerPEL(c *Client, st *stream.Stream, start stream.ID, end *stream.ID, count int64, cons *stream.Consumer) int64 {
	d := c.AddDeferredLen()
	var n int64
	now := c.srv.Now()
	for i := cons.PEL.Seek(start); i < cons.PEL.Len() && (count == 0 || n < count); i++ {
		id, nack := cons.PEL.At(i)
		if end != nil && id.Cmp(*end) > 0 {
			break
		}
		if streamEmitRange(c, st, &id, &id, 1, false, nil) == 0 {
			c.AddArrayLen(2)
			addStreamID(c, id)
			c.AddNullArray()
		} else {
			nack.DeliveryTime = now
			nack.DeliveryCount++
		}
		n++
	}
	c.SetDeferredArrayLen(d, int(n))
	return n
}
