package engine

import "github.com/volleydb/volley/engine/stream"

// XREAD and XREADGROUP (xreadCommand): serve what the streams have past
// the given IDs, or block until an XADD (or a group change) wakes the
// client, which then runs the command again. Before blocking, "$" is
// rewritten to the stream's current last ID, so the command run again
// waits for entries past that one, not past whatever is last then.

func cmdXread(c *Client) {
	// XREADGROUP propagates what it delivered (t_stream_prop.go); XREAD
	// changes nothing.
	c.preventPropagation()
	argv := c.Argv
	xreadgroup := len(argv[0]) == 10
	timeout := int64(-1)
	var count int64
	streamsArg, nstreams := 0, 0
	noack := false
	var groupName, consumerName []byte
	for i := 1; i < len(argv); i++ {
		more := len(argv) - i - 1
		o := argv[i]
		switch {
		case argIs(o, "block") && more > 0:
			i++
			t, ok := parseBlockTimeoutMs(c, argv[i])
			if !ok {
				return
			}
			timeout = t
		case argIs(o, "count") && more > 0:
			i++
			v, ok := parseInt(argv[i])
			if !ok {
				c.AddError(ErrNotInteger)
				return
			}
			count = max(v, 0)
		case argIs(o, "streams") && more > 0:
			streamsArg = i + 1
			nstreams = len(argv) - streamsArg
			if nstreams%2 != 0 {
				sym := "$"
				if xreadgroup {
					sym = ">"
				}
				c.AddError("ERR Unbalanced '" + c.Cmd.FullName + "' list of streams: for each stream key an ID or '" + sym + "' must be specified.")
				return
			}
			nstreams /= 2
			i = len(argv)
		case argIs(o, "group") && more >= 2:
			if !xreadgroup {
				c.AddError("ERR The GROUP option is only supported by XREADGROUP. You called XREAD instead.")
				return
			}
			groupName, consumerName = argv[i+1], argv[i+2]
			i += 2
		case argIs(o, "noack"):
			if !xreadgroup {
				c.AddError("ERR The NOACK option is only supported by XREADGROUP. You called XREAD instead.")
				return
			}
			noack = true
		default:
			c.AddError(ErrSyntax)
			return
		}
	}
	if streamsArg == 0 {
		c.AddError(ErrSyntax)
		return
	}
	if xreadgroup && groupName == nil {
		c.AddError("ERR Missing GROUP option for XREADGROUP")
		return
	}

	db := c.db()
	s := c.srv
	ids := make([]stream.ID, nstreams)
	var groups []*stream.Group
	if groupName != nil {
		groups = make([]*stream.Group, nstreams)
	}
	for i := range nstreams {
		key := argv[streamsArg+i]
		arg := argv[streamsArg+nstreams+i]
		st, ok := streamLookupRead(c, key)
		if !ok {
			return
		}
		if groupName != nil {
			var g *stream.Group
			if st != nil {
				g = st.Group(groupName)
			}
			if g == nil {
				c.AddError("NOGROUP No such key '" + string(key) + "' or consumer group '" + string(groupName) + "' in XREADGROUP with GROUP option")
				return
			}
			groups[i] = g
		}
		switch {
		case len(arg) == 1 && arg[0] == '$':
			if xreadgroup {
				c.AddError("ERR The $ ID is meaningless in the context of XREADGROUP: you want to read the history of this consumer by specifying a proper ID, or use the > ID to get new messages. The $ ID would just return an empty result set.")
				return
			}
			if st != nil {
				ids[i] = st.LastID
			}
		case len(arg) == 1 && arg[0] == '+':
			if xreadgroup {
				c.AddError("ERR The + ID is meaningless in the context of XREADGROUP: you want to read the history of this consumer by specifying a proper ID, or use the > ID to get new messages. The + ID would just return an empty result set.")
				return
			}
			if st != nil && st.Length > 0 {
				ids[i] = st.LastID
				if !ids[i].Decr() {
					c.AddError("ERR the stream last element ID is 0-0")
					return
				}
			}
		case len(arg) == 1 && arg[0] == '>':
			if !xreadgroup {
				c.AddError("ERR The > ID can be specified only when calling XREADGROUP using the GROUP <group> <consumer> option.")
				return
			}
			ids[i] = stream.MaxID
		default:
			id, ok := parseStreamID(c, arg, 0, true)
			if !ok {
				return
			}
			ids[i] = id
		}
	}

	var served int
	var d Deferred
	now := s.Now()
	for i := range nstreams {
		key := argv[streamsArg+i]
		e, found := db.Lookup(key)
		if !found {
			continue
		}
		st := streamOf(e)
		gt := ids[i]
		serve, history := false, false
		var cons *stream.Consumer
		if groups != nil {
			db.Keys().GetForWrite(key) // the group changes: a snapshot saves it first
			g := groups[i]
			if gt != stream.MaxID {
				serve, history = true, true
			} else if st.Length > 0 {
				if st.LastValidID().Cmp(g.LastID) > 0 {
					serve = true
					gt = g.LastID
				}
			}
			var created bool
			cons, created = s.streamConsumer(g, consumerName, key, db, now)
			if created && noack {
				// No XCLAIM will name it.
				s.propagateConsumerCreation(c.DB, key, groupName, consumerName)
			}
		} else if st.Length > 0 {
			serve = st.LastValidID().Cmp(gt) > 0
		}
		if !serve {
			continue
		}
		served++
		if served == 1 {
			d = c.AddDeferredLen()
		}
		start := gt
		start.Incr()
		if c.Proto == 2 {
			c.AddArrayLen(2)
		}
		c.AddBulkCopy(key)
		var rg *rangeGroup
		if groups != nil {
			rg = &rangeGroup{g: groups[i], cons: cons, noack: noack, history: history,
				db: c.DB, key: key, group: groupName}
		}
		replyStreamRange(c, st, &start, nil, count, false, rg)
		if groups != nil {
			s.Dirty++
		}
	}
	if served > 0 {
		if c.Proto == 2 {
			c.SetDeferredArrayLen(d, served)
		} else {
			c.SetDeferredMapLen(d, served)
		}
		return
	}
	if timeout != -1 {
		if s.blockingDenied(c) {
			c.AddNullArray()
			return
		}
		for i := range nstreams {
			at := streamsArg + nstreams + i
			if a := argv[at]; len(a) == 1 && a[0] == '$' {
				argv[at] = ids[i].Append(nil)
			}
		}
		s.blockForKeys(c, blockStream, argv[streamsArg:streamsArg+nstreams], timeout)
		if xreadgroup && c.blocked != nil {
			c.blocked.unblockOnNoKey = true
		}
		return
	}
	c.AddNullArray()
}
