package engine

import (
	"math"

	"github.com/volleydb/volley/engine/keyspace"
	"github.com/volleydb/volley/engine/stream"
)

// Consumer groups: XGROUP, XACK, XPENDING, XCLAIM, XAUTOCLAIM, XINFO.

var xgroupHelp = []string{
	"CREATE <key> <groupname> <id|$> [option]",
	"    Create a new consumer group. Options are:",
	"    * MKSTREAM",
	"      Create the empty stream if it does not exist.",
	"    * ENTRIESREAD entries_read",
	"      Set the group's entries_read counter (internal use).",
	"CREATECONSUMER <key> <groupname> <consumer>",
	"    Create a new consumer in the specified group.",
	"DELCONSUMER <key> <groupname> <consumer>",
	"    Remove the specified consumer.",
	"DESTROY <key> <groupname>",
	"    Remove the specified group.",
	"SETID <key> <groupname> <id|$> [ENTRIESREAD entries_read]",
	"    Set the current group ID and entries_read counter.",
}

var xinfoHelp = []string{
	"CONSUMERS <key> <groupname>",
	"    Show consumers of <groupname>.",
	"GROUPS <key>",
	"    Show the stream consumer groups.",
	"STREAM <key> [FULL [COUNT <count>]",
	"    Show information about the stream.",
}

// addNoGroupError replies that key has no group called group (XGROUP,
// XINFO).
func addNoGroupError(c *Client, key, group []byte) {
	c.AddError("NOGROUP No such consumer group '" + string(group) + "' for key name '" + string(key) + "'")
}

// addNoKeyOrGroupError replies that the key (argument 1) or its group
// (argument 2) is missing (XPENDING, XCLAIM, XAUTOCLAIM).
func addNoKeyOrGroupError(c *Client) {
	c.AddError("NOGROUP No such key '" + string(c.Argv[1]) + "' or consumer group '" + string(c.Argv[2]) + "'")
}

func cmdXgroup(c *Client) {
	argv := c.Argv
	opt := argv[1]
	s, db := c.srv, c.db()
	var st *stream.Stream
	var cg *stream.Group
	mkstream := false
	entriesRead := int64(stream.InvalidEntriesRead)
	if len(argv) >= 4 {
		create, setid := argIs(opt, "create"), argIs(opt, "setid")
		for i := 5; i < len(argv); {
			switch {
			case create && argIs(argv[i], "mkstream"):
				mkstream = true
				i++
			case (create || setid) && argIs(argv[i], "entriesread") && i+1 < len(argv):
				v, ok := parseInt(argv[i+1])
				if !ok {
					c.AddError(ErrNotInteger)
					return
				}
				if v < 0 && v != stream.InvalidEntriesRead {
					c.AddError("ERR value for ENTRIESREAD must be positive or -1")
					return
				}
				entriesRead = v
				i += 2
			default:
				subcommandSyntaxError(c)
				return
			}
		}
		var ok bool
		if st, ok = streamLookupWrite(c, argv[2]); !ok {
			return
		}
	}
	if len(argv) >= 4 && !mkstream {
		if st == nil {
			c.AddError(errStreamNoKeyGroup)
			return
		}
		cg = st.Group(argv[3])
		if cg == nil && (argIs(opt, "setid") || argIs(opt, "createconsumer") || argIs(opt, "delconsumer")) {
			addNoGroupError(c, argv[2], argv[3])
			return
		}
	}
	switch {
	case len(argv) == 2 && argIs(opt, "help"):
		c.AddHelp("XGROUP", xgroupHelp)
	case argIs(opt, "create") && len(argv) >= 5 && len(argv) <= 8:
		var id stream.ID
		if a := argv[4]; len(a) == 1 && a[0] == '$' {
			if st != nil {
				id = st.LastID
			}
		} else {
			var ok bool
			if id, ok = parseStreamID(c, a, 0, true); !ok {
				return
			}
		}
		if st == nil {
			st = stream.New()
			db.Set(argv[2], keyspace.Value{Kind: kindStream, Obj: st}, false)
			s.keyModified(db, argv[2])
		}
		if st.CreateGroup(argv[3], id, entriesRead) != nil {
			s.Dirty++
			s.notifyStream("xgroup-create", argv[2], db)
			c.AddOK()
		} else {
			c.AddError(errStreamBusyGroup)
		}
	case argIs(opt, "setid") && (len(argv) == 5 || len(argv) == 7):
		var id stream.ID
		if a := argv[4]; len(a) == 1 && a[0] == '$' {
			id = st.LastID
		} else {
			var ok bool
			if id, ok = parseStreamID(c, a, 0, false); !ok {
				return
			}
		}
		cg.LastID = id
		cg.EntriesRead = entriesRead
		s.Dirty++
		s.notifyStream("xgroup-setid", argv[2], db)
		c.AddOK()
	case argIs(opt, "destroy") && len(argv) == 4:
		if cg != nil {
			st.DestroyGroup(argv[3])
			s.Dirty++
			s.notifyStream("xgroup-destroy", argv[2], db)
			c.AddInt(1)
			// Blocked XREADGROUP clients of the group get -NOGROUP.
			s.signalKeyAsReady(db, argv[2], TypeStream)
		} else {
			c.AddInt(0)
		}
	case argIs(opt, "createconsumer") && len(argv) == 5:
		if cg.CreateConsumer(argv[4], s.Now()) != nil {
			s.Dirty++
			s.notifyStream("xgroup-createconsumer", argv[2], db)
			c.AddInt(1)
		} else {
			c.AddInt(0)
		}
	case argIs(opt, "delconsumer") && len(argv) == 5:
		var pending int64
		if cons := cg.Consumer(argv[4]); cons != nil {
			pending = int64(cons.PEL.Len())
			cg.DeleteConsumer(cons)
			s.Dirty++
			s.notifyStream("xgroup-delconsumer", argv[2], db)
		}
		c.AddInt(pending)
	default:
		subcommandSyntaxError(c)
	}
}

// streamGroupOf finds key's stream and its group for XACK and XCLAIM:
// st or g nil if missing; ok false after a WRONGTYPE reply.
func streamGroupOf(c *Client, key, group []byte) (st *stream.Stream, g *stream.Group, ok bool) {
	st, ok = streamLookupReadForWrite(c, key)
	if !ok || st == nil {
		return st, nil, ok
	}
	return st, st.Group(group), true
}

func cmdXack(c *Client) {
	st, g, ok := streamGroupOf(c, c.Argv[1], c.Argv[2])
	if !ok {
		return
	}
	if st == nil || g == nil {
		c.AddInt(0)
		return
	}
	ids := make([]stream.ID, 0, len(c.Argv)-3)
	for _, a := range c.Argv[3:] {
		id, ok := parseStreamID(c, a, 0, true)
		if !ok {
			return
		}
		ids = append(ids, id)
	}
	acked := 0
	for _, id := range ids {
		if g.Ack(id) {
			acked++
			c.srv.Dirty++
		}
	}
	c.AddInt(int64(acked))
}

func cmdXpending(c *Client) {
	argv := c.Argv
	justInfo := len(argv) == 3
	if len(argv) != 3 && (len(argv) < 6 || len(argv) > 9) {
		c.AddError(ErrSyntax)
		return
	}
	var start, end stream.ID
	var count, minIdle int64
	var consumerName []byte
	if len(argv) >= 6 {
		si := 3
		if argIs(argv[3], "idle") {
			v, ok := parseInt(argv[4])
			if !ok {
				c.AddError(ErrNotInteger)
				return
			}
			minIdle = v
			if len(argv) < 8 {
				c.AddError(ErrSyntax)
				return
			}
			si += 2
		}
		v, ok := parseInt(argv[si+2])
		if !ok {
			c.AddError(ErrNotInteger)
			return
		}
		count = max(v, 0)
		var ex bool
		if start, ex, ok = parseIntervalID(c, argv[si], 0); !ok {
			return
		}
		if ex && !start.Incr() {
			c.AddError(errStreamStartID)
			return
		}
		if end, ex, ok = parseIntervalID(c, argv[si+1], math.MaxUint64); !ok {
			return
		}
		if ex && !end.Decr() {
			c.AddError(errStreamEndID)
			return
		}
		if si+3 < len(argv) {
			consumerName = argv[si+3]
		}
	}
	st, ok := streamLookupRead(c, argv[1])
	if !ok {
		return
	}
	var g *stream.Group
	if st != nil {
		g = st.Group(argv[2])
	}
	if g == nil {
		addNoKeyOrGroupError(c)
		return
	}
	if justInfo {
		c.AddArrayLen(4)
		n := g.PEL.Len()
		c.AddInt(int64(n))
		if n == 0 {
			c.AddNull()
			c.AddNull()
			c.AddNullArray()
			return
		}
		first, _ := g.PEL.At(0)
		last, _ := g.PEL.At(n - 1)
		addStreamID(c, first)
		addStreamID(c, last)
		d := c.AddDeferredLen()
		k := 0
		for _, cons := range g.Consumers {
			if cons.PEL.Len() == 0 {
				continue
			}
			c.AddArrayLen(2)
			c.AddBulkString(cons.Name)
			c.AddBulkInt(int64(cons.PEL.Len()))
			k++
		}
		c.SetDeferredArrayLen(d, k)
		return
	}
	pel := &g.PEL
	if consumerName != nil {
		cons := g.Consumer(consumerName)
		if cons == nil {
			c.AddArrayLen(0)
			return
		}
		pel = &cons.PEL
	}
	now := c.srv.Now()
	d := c.AddDeferredLen()
	k := 0
	for i := pel.Seek(start); count > 0 && i < pel.Len(); i++ {
		id, nack := pel.At(i)
		if id.Cmp(end) > 0 {
			break
		}
		if minIdle != 0 && now-nack.DeliveryTime < minIdle {
			continue
		}
		k++
		count--
		c.AddArrayLen(4)
		addStreamID(c, id)
		c.AddBulkString(nack.Consumer.Name)
		c.AddInt(max(now-nack.DeliveryTime, 0))
		c.AddInt(int64(nack.DeliveryCount))
	}
	c.SetDeferredArrayLen(d, k)
}

func cmdXclaim(c *Client) {
	c.preventPropagation() // it propagates the claims (t_stream_prop.go)
	argv := c.Argv
	st, g, ok := streamGroupOf(c, argv[1], argv[2])
	if !ok {
		return
	}
	if st == nil || g == nil {
		addNoKeyOrGroupError(c)
		return
	}
	minIdle, ok := parseInt(argv[4])
	if !ok {
		c.AddError("ERR Invalid min-idle-time argument for XCLAIM")
		return
	}
	minIdle = max(minIdle, 0)
	ids := make([]stream.ID, 0, len(argv)-5)
	j := 5
	for ; j < len(argv); j++ {
		id, _, ok := stream.ParseID(argv[j], 0, true, false)
		if !ok {
			break
		}
		ids = append(ids, id)
	}
	s := c.srv
	now := s.Now()
	deliveryTime, retryCount := int64(-1), int64(-1)
	force, justID := false, false
	var lastID stream.ID
	for ; j < len(argv); j++ {
		more := len(argv) - 1 - j
		opt := argv[j]
		switch {
		case argIs(opt, "force"):
			force = true
		case argIs(opt, "justid"):
			justID = true
		case argIs(opt, "idle") && more > 0:
			j++
			v, ok := parseInt(argv[j])
			if !ok {
				c.AddError("ERR Invalid IDLE option argument for XCLAIM")
				return
			}
			deliveryTime = now - v
		case argIs(opt, "time") && more > 0:
			j++
			v, ok := parseInt(argv[j])
			if !ok {
				c.AddError("ERR Invalid TIME option argument for XCLAIM")
				return
			}
			deliveryTime = v
		case argIs(opt, "retrycount") && more > 0:
			j++
			v, ok := parseInt(argv[j])
			if !ok {
				c.AddError("ERR Invalid RETRYCOUNT option argument for XCLAIM")
				return
			}
			retryCount = v
		case argIs(opt, "lastid") && more > 0:
			j++
			id, ok := parseStreamID(c, argv[j], 0, true)
			if !ok {
				return
			}
			lastID = id
		default:
			c.AddError("ERR Unrecognized XCLAIM option '" + string(opt) + "'")
			return
		}
	}
	lastIDMoved := false
	if lastID.Cmp(g.LastID) > 0 {
		g.LastID = lastID
		lastIDMoved = true
	}
	if deliveryTime != -1 {
		if deliveryTime < 0 || deliveryTime > now {
			deliveryTime = now
		}
	} else {
		deliveryTime = now
	}
	cons, _ := s.streamConsumer(g, argv[3], argv[1], c.db(), now)
	d := c.AddDeferredLen()
	n := 0
	for k, id := range ids {
		idArg := argv[5+k] // propagated as the client spelled it
		nack, _ := g.PEL.Find(id)
		if !st.Exists(id) {
			if nack != nil {
				// The replaying side drops it too, finding it deleted.
				s.propagateXclaim(c.DB, argv[1], argv[2], g, idArg, nack)
				s.Dirty++
				lastIDMoved = false // LASTID carries it
				g.Ack(id)
			}
			continue
		}
		if force && nack == nil {
			nack = &stream.NACK{DeliveryTime: now, DeliveryCount: 1}
			g.PEL.Insert(id, nack)
		}
		if nack == nil {
			continue
		}
		if nack.Consumer != nil && minIdle != 0 && now-nack.DeliveryTime < minIdle {
			continue
		}
		nack.DeliveryTime = deliveryTime
		if retryCount >= 0 {
			nack.DeliveryCount = uint64(retryCount)
		} else if !justID {
			nack.DeliveryCount++
		}
		nack.Assign(id, cons)
		replyClaimed(c, st, id, justID)
		n++
		cons.ActiveTime = now
		s.propagateXclaim(c.DB, argv[1], argv[2], g, idArg, nack)
		lastIDMoved = false // LASTID carries it
		s.Dirty++
	}
	if lastIDMoved {
		s.propagateGroupID(c.DB, argv[1], argv[2], g)
		s.Dirty++
	}
	c.SetDeferredArrayLen(d, n)
}

func cmdXautoclaim(c *Client) {
	c.preventPropagation() // it propagates the claims (t_stream_prop.go)
	argv := c.Argv
	minIdle, ok := parseInt(argv[4])
	if !ok {
		c.AddError("ERR Invalid min-idle-time argument for XAUTOCLAIM")
		return
	}
	minIdle = max(minIdle, 0)
	start, ex, ok := parseIntervalID(c, argv[5], 0)
	if !ok {
		return
	}
	if ex && !start.Incr() {
		c.AddError(errStreamStartID)
		return
	}
	count := int64(100)
	justID := false
	const attemptsFactor = 10
	for j := 6; j < len(argv); j++ {
		more := len(argv) - 1 - j
		switch {
		case argIs(argv[j], "count") && more > 0:
			v, ok := parseInt(argv[j+1])
			if !ok || v < 1 || v > math.MaxInt64/16 {
				c.AddError("ERR COUNT must be > 0")
				return
			}
			count = v
			j++
		case argIs(argv[j], "justid"):
			justID = true
		default:
			c.AddError(ErrSyntax)
			return
		}
	}
	st, g, ok := streamGroupOf(c, argv[1], argv[2])
	if !ok {
		return
	}
	if st == nil || g == nil {
		addNoKeyOrGroupError(c)
		return
	}
	s := c.srv
	now := s.Now()
	cons, _ := s.streamConsumer(g, argv[3], argv[1], c.db(), now)
	attempts := count * attemptsFactor
	// The cursor comes first in the reply but is known only at the end:
	// claim first, then reply.
	var deleted, got []stream.ID
	i := g.PEL.Seek(start)
	for ; attempts > 0 && count > 0 && i < g.PEL.Len(); attempts-- {
		id, nack := g.PEL.At(i)
		if !st.Exists(id) {
			s.propagateXclaimID(c.DB, argv[1], argv[2], g, id, nack)
			s.Dirty++
			g.Ack(id)
			deleted = append(deleted, id)
			count--
			continue // the PEL moved up: i names the next entry
		}
		i++
		if minIdle != 0 && now-nack.DeliveryTime < minIdle {
			continue
		}
		nack.DeliveryTime = now
		if !justID {
			nack.DeliveryCount++
		}
		nack.Assign(id, cons)
		got = append(got, id)
		count--
		cons.ActiveTime = now
		s.propagateXclaimID(c.DB, argv[1], argv[2], g, id, nack)
		s.Dirty++
	}
	var next stream.ID
	if i < g.PEL.Len() {
		next, _ = g.PEL.At(i)
	}
	c.AddArrayLen(3)
	addStreamID(c, next)
	c.AddArrayLen(len(got))
	for _, id := range got {
		replyClaimed(c, st, id, justID)
	}
	c.AddArrayLen(len(deleted))
	for _, id := range deleted {
		addStreamID(c, id)
	}
}

// replyClaimed replies an entry XCLAIM or XAUTOCLAIM claimed: its ID
// alone with JUSTID, else the entry.
func replyClaimed(c *Client, st *stream.Stream, id stream.ID, justID bool) {
	if justID {
		addStreamID(c, id)
	} else {
		streamEmitRange(c, st, &id, &id, 1, false, nil)
	}
}

func cmdXinfo(c *Client) {
	argv := c.Argv
	if argIs(argv[1], "help") {
		c.AddHelp("XINFO", xinfoHelp)
		return
	}
	opt, key := argv[1], argv[2]
	st, ok := streamLookupRead(c, key)
	if !ok {
		return
	}
	if st == nil {
		c.AddError(ErrNoKey)
		return
	}
	switch {
	case argIs(opt, "consumers") && len(argv) == 4:
		g := st.Group(argv[3])
		if g == nil {
			addNoGroupError(c, key, argv[3])
			return
		}
		now := c.srv.Now()
		c.AddArrayLen(len(g.Consumers))
		for _, cons := range g.Consumers {
			inactive := cons.ActiveTime
			if inactive != -1 {
				inactive = now - cons.ActiveTime
			}
			c.AddMapLen(4)
			c.AddBulkString("name")
			c.AddBulkString(cons.Name)
			c.AddBulkString("pending")
			c.AddInt(int64(cons.PEL.Len()))
			c.AddBulkString("idle")
			c.AddInt(max(now-cons.SeenTime, 0))
			c.AddBulkString("inactive")
			c.AddInt(inactive)
		}
	case argIs(opt, "groups") && len(argv) == 3:
		c.AddArrayLen(len(st.Groups))
		for _, g := range st.Groups {
			c.AddMapLen(6)
			c.AddBulkString("name")
			c.AddBulkString(g.Name)
			c.AddBulkString("consumers")
			c.AddInt(int64(len(g.Consumers)))
			c.AddBulkString("pending")
			c.AddInt(int64(g.PEL.Len()))
			c.AddBulkString("last-delivered-id")
			addStreamID(c, g.LastID)
			c.AddBulkString("entries-read")
			addEntriesRead(c, g)
			c.AddBulkString("lag")
			addGroupLag(c, st, g)
		}
	case argIs(opt, "stream"):
		xinfoStream(c, st)
	default:
		subcommandSyntaxError(c)
	}
}

func addEntriesRead(c *Client, g *stream.Group) {
	if g.EntriesRead != stream.InvalidEntriesRead {
		c.AddInt(g.EntriesRead)
	} else {
		c.AddNull()
	}
}

func addGroupLag(c *Client, st *stream.Stream, g *stream.Group) {
	if lag, ok := st.Lag(g); ok {
		c.AddInt(lag)
	} else {
		c.AddNull()
	}
}

// xinfoStream is XINFO STREAM key [FULL [COUNT n]].
func xinfoStream(c *Client, st *stream.Stream) {
	opts := c.Argv[3:]
	full := len(opts) > 0
	count := int64(10)
	if full {
		if len(opts) != 1 && len(opts) != 3 || !argIs(opts[0], "full") {
			subcommandSyntaxError(c)
			return
		}
		if len(opts) == 3 {
			if !argIs(opts[1], "count") {
				subcommandSyntaxError(c)
				return
			}
			v, ok := parseInt(opts[2])
			if !ok {
				c.AddError(ErrNotInteger)
				return
			}
			if v < 0 {
				v = 10
			}
			count = v
		}
	}
	if full {
		c.AddMapLen(9)
	} else {
		c.AddMapLen(10)
	}
	c.AddBulkString("length")
	c.AddInt(int64(st.Length))
	c.AddBulkString("radix-tree-keys")
	c.AddInt(int64(len(st.Nodes)))
	c.AddBulkString("radix-tree-nodes")
	c.AddInt(int64(st.RaxNodes()))
	c.AddBulkString("last-generated-id")
	addStreamID(c, st.LastID)
	c.AddBulkString("max-deleted-entry-id")
	addStreamID(c, st.MaxDeletedID)
	c.AddBulkString("entries-added")
	c.AddInt(int64(st.EntriesAdded))
	c.AddBulkString("recorded-first-entry-id")
	addStreamID(c, st.FirstID)
	if !full {
		c.AddBulkString("groups")
		c.AddInt(int64(len(st.Groups)))
		first, last := stream.ID{}, stream.MaxID
		c.AddBulkString("first-entry")
		if streamEmitRange(c, st, &first, &last, 1, false, nil) == 0 {
			c.AddNull()
		}
		c.AddBulkString("last-entry")
		if streamEmitRange(c, st, &first, &last, 1, true, nil) == 0 {
			c.AddNull()
		}
		return
	}
	c.AddBulkString("entries")
	replyStreamRange(c, st, nil, nil, count, false, nil)
	c.AddBulkString("groups")
	c.AddArrayLen(len(st.Groups))
	for _, g := range st.Groups {
		c.AddMapLen(7)
		c.AddBulkString("name")
		c.AddBulkString(g.Name)
		c.AddBulkString("last-delivered-id")
		addStreamID(c, g.LastID)
		c.AddBulkString("entries-read")
		addEntriesRead(c, g)
		c.AddBulkString("lag")
		addGroupLag(c, st, g)
		c.AddBulkString("pel-count")
		c.AddInt(int64(g.PEL.Len()))
		c.AddBulkString("pending")
		n := g.PEL.Len()
		if count != 0 {
			n = min(n, int(count))
		}
		c.AddArrayLen(n)
		for i := range n {
			id, nack := g.PEL.At(i)
			c.AddArrayLen(4)
			addStreamID(c, id)
			c.AddBulkString(nack.Consumer.Name)
			c.AddInt(nack.DeliveryTime)
			c.AddInt(int64(nack.DeliveryCount))
		}
		c.AddBulkString("consumers")
		c.AddArrayLen(len(g.Consumers))
		for _, cons := range g.Consumers {
			c.AddMapLen(5)
			c.AddBulkString("name")
			c.AddBulkString(cons.Name)
			c.AddBulkString("seen-time")
			c.AddInt(cons.SeenTime)
			c.AddBulkString("active-time")
			c.AddInt(cons.ActiveTime)
			c.AddBulkString("pel-count")
			c.AddInt(int64(cons.PEL.Len()))
			c.AddBulkString("pending")
			n := cons.PEL.Len()
			if count != 0 {
				n = min(n, int(count))
			}
			c.AddArrayLen(n)
			for i := range n {
				id, nack := cons.PEL.At(i)
				c.AddArrayLen(3)
				addStreamID(c, id)
				c.AddInt(nack.DeliveryTime)
				c.AddInt(int64(nack.DeliveryCount))
			}
		}
	}
}
