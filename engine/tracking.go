package engine

import (
	"slices"

	"github.com/volleydb/volley/engine/resp"
)

// Client-side caching (CLIENT TRACKING), as Valkey's tracking.c does it.
//
// Default mode: the keys a tracking client reads are remembered in a
// table from key name (whatever the database) to the IDs of the clients
// that read it. When a key is modified, expired, evicted or deleted,
// each of them gets one invalidation and the key leaves the table until
// it is read again. OPTIN tracks only a command right after CLIENT
// CACHING YES, OPTOUT all but one after CLIENT CACHING NO.
//
// BCAST mode: nothing is remembered per key; a client names prefixes
// (none: every key) and gets every modified key under them, gathered
// into one message per prefix when the engine is about to be released
// (Valkey's beforeSleep).
//
// An invalidation is a RESP3 push (>2 invalidate [keys]) on the client's
// own connection, or on the REDIRECT client's: a RESP3 push too, or for
// a RESP2 one subscribed to __redis__:invalidate, a pub/sub message on
// that channel. A FLUSHDB or FLUSHALL invalidates everything with
// a null in place of the keys.

const trackingChannel = "__redis__:invalidate"

// clientTracking is a tracking client's settings. BCAST mode and a
// broken redirect are ClientFlags (ClientTrackingBcast,
// ClientTrackingBrokenRedir), which CLIENT LIST prints.
type clientTracking struct {
	redirect int64 // the client that gets the invalidations, 0 for this one
	optin    bool
	optout   bool
	noloop   bool // not told about its own changes
	caching  bool // CLIENT CACHING was given for the next command
	prefixes []string
}

// trackingState is the server's tracking tables.
type trackingState struct {
	table    map[string]map[int64]struct{} // key → IDs of the clients that read it
	items    int                           // IDs in table, summed over its keys
	prefixes map[string]*bcastPrefix
	keysBuf  []KeyRef
	msg      []byte
	sending  []string // the prefixes a broadcast has keys for
	keys     []string // a prefix's modified keys, in order
	others   []string // those of them a NOLOOP client did not modify
	// limitTries counts the passes in a row that could not bring the
	// table under tracking-table-max-keys; each tries harder.
	limitTries int
}

// bcastPrefix is a BCAST prefix: its clients, and the keys modified
// under it since the last broadcast with the client that modified each.
type bcastPrefix struct {
	clients []*Client
	keys    map[string]*Client
}

// tracking is c's tracking settings: nil when tracking is off, or when c
// is nil (a client that went away).
func (c *Client) tracking() *clientTracking {
	if c == nil {
		return nil
	}
	return c.track
}

func cmdClientTracking(c *Client) {
	var redir int64
	var bcast, optin, optout, noloop bool
	var prefixes [][]byte
	argv := c.Argv
	for j := 3; j < len(argv); j++ {
		more := j < len(argv)-1
		switch opt := argv[j]; {
		case argIs(opt, "redirect") && more:
			j++
			if redir != 0 {
				c.AddError("ERR A client can only redirect to a single other client")
				return
			}
			id, ok := parseInt(argv[j])
			if !ok {
				c.AddError(ErrNotInteger)
				return
			}
			redir = id
			if t := c.srv.clients[id]; t == nil || t.killed {
				c.AddError("ERR The client ID you want redirect to does not exist")
				return
			}
		case argIs(opt, "bcast"):
			bcast = true
		case argIs(opt, "optin"):
			optin = true
		case argIs(opt, "optout"):
			optout = true
		case argIs(opt, "noloop"):
			noloop = true
		case argIs(opt, "prefix") && more:
			j++
			prefixes = append(prefixes, argv[j])
		default:
			c.AddError(ErrSyntax)
			return
		}
	}
	cur := c.tracking()
	switch arg := argv[2]; {
	case argIs(arg, "on"):
		switch {
		case !bcast && len(prefixes) > 0:
			c.AddError("ERR PREFIX option requires BCAST mode to be enabled")
			return
		case cur != nil && (c.Flags&ClientTrackingBcast != 0) != bcast:
			c.AddError("ERR You can't switch BCAST mode on/off before disabling tracking for this client, and then re-enabling it with a different mode.")
			return
		case bcast && (optin || optout):
			c.AddError("ERR OPTIN and OPTOUT are not compatible with BCAST")
			return
		case optin && optout:
			c.AddError("ERR You can't specify both OPTIN mode and OPTOUT mode")
			return
		case cur != nil && (optin && cur.optout || optout && cur.optin):
			c.AddError("ERR You can't switch OPTIN/OPTOUT mode before disabling tracking for this client, and then re-enabling it with a different mode.")
			return
		}
		if bcast && !checkPrefixOverlap(c, cur, prefixes) {
			return
		}
		c.srv.enableTracking(c, redir, bcast, optin, optout, noloop, prefixes)
	case argIs(arg, "off"):
		c.srv.disableTracking(c)
	default:
		c.AddError(ErrSyntax)
		return
	}
	c.AddOK()
}

// checkPrefixOverlap rejects BCAST prefixes of which one is a prefix of
// another, or of one the client has already. Like Valkey, a clash
// between two new prefixes found past the first one is reported but does
// not stop the command.
func checkPrefixOverlap(c *Client, cur *clientTracking, prefixes [][]byte) bool {
	overlap := func(p, q string) bool { n := min(len(p), len(q)); return p[:n] == q[:n] }
	for i, p := range prefixes {
		if cur != nil {
			for _, q := range cur.prefixes {
				if overlap(q, string(p)) {
					c.AddError("ERR Prefix '" + string(p) + "' overlaps with an existing prefix '" +
						q + "'. Prefixes for a single client must not overlap.")
					return false
				}
			}
		}
		for _, q := range prefixes[i+1:] {
			if overlap(string(p), string(q)) {
				c.AddError("ERR Prefix '" + string(p) + "' overlaps with another provided prefix '" +
					string(q) + "'. Prefixes for a single client must not overlap.")
				return i != 0
			}
		}
	}
	return true
}

func (s *Server) enableTracking(c *Client, redir int64, bcast, optin, optout, noloop bool, prefixes [][]byte) {
	t := c.tracking()
	if t == nil {
		t = &clientTracking{}
		c.track = t
		c.Flags |= ClientTracking
	}
	t.redirect = redir
	t.optin, t.optout, t.noloop = optin, optout, noloop
	c.Flags &^= ClientTrackingBrokenRedir
	if !bcast {
		return
	}
	c.Flags |= ClientTrackingBcast
	if len(prefixes) == 0 {
		prefixes = [][]byte{nil}
	}
	for _, p := range prefixes {
		if slices.Contains(t.prefixes, string(p)) {
			continue
		}
		if s.tracking.prefixes == nil {
			s.tracking.prefixes = make(map[string]*bcastPrefix)
		}
		bp := s.tracking.prefixes[string(p)]
		if bp == nil {
			bp = &bcastPrefix{keys: make(map[string]*Client)}
			s.tracking.prefixes[string(p)] = bp
		}
		bp.clients = append(bp.clients, c)
		t.prefixes = append(t.prefixes, string(p))
	}
	slices.Sort(t.prefixes) // TRACKINGINFO lists them in order, as Valkey's radix tree does
}

// disableTracking turns tracking off for c (CLIENT TRACKING OFF, RESET,
// disconnect). Its IDs left in the key table are skipped and dropped
// when those keys are invalidated, as in Valkey.
func (s *Server) disableTracking(c *Client) {
	t := c.tracking()
	if t == nil {
		return
	}
	for _, p := range t.prefixes {
		bp := s.tracking.prefixes[p]
		bp.clients = slices.DeleteFunc(bp.clients, func(x *Client) bool { return x == c })
		if len(bp.clients) == 0 {
			delete(s.tracking.prefixes, p)
		}
	}
	c.track = nil
	c.Flags &^= ClientTracking | ClientTrackingBcast | ClientTrackingBrokenRedir
}

// trackingRemember remembers the keys a read-only command read for the
// tracking client cl (each command of a transaction on its own).
func (s *Server) trackingRemember(cl *Client, cmd *Spec, argv [][]byte) {
	t := cl.tracking()
	if t == nil || cmd.Flags&FlagReadonly == 0 || cl.Flags&ClientTrackingBcast != 0 || t.optin && !t.caching || t.optout && t.caching {
		return
	}
	switch cmd.FullName {
	case "eval_ro", "evalsha_ro", "fcall_ro":
		return // the keys the script's commands read are tracked, not its declared ones
	}
	id := cl.ID
	ts := &s.tracking
	ts.keysBuf = cmd.CallKeys(argv, ts.keysBuf[:0])
	for _, k := range ts.keysBuf {
		key := argv[k.Pos]
		ids := ts.table[string(key)]
		if ids == nil {
			if ts.table == nil {
				ts.table = make(map[string]map[int64]struct{})
			}
			ids = make(map[int64]struct{}, 1)
			ts.table[string(key)] = ids
		}
		if _, ok := ids[id]; !ok {
			ids[id] = struct{}{}
			ts.items++
		}
	}
}

// trackingCommandDone ends a CLIENT CACHING's effect once the command
// after it ran (the whole transaction, inside MULTI).
func (s *Server) trackingCommandDone(cl *Client, cmd *Spec) {
	if cl.Flags&ClientMulti == 0 && (cmd == nil || cmd.Parent == nil || cmd.Parent.Name != "client") {
		cl.track.caching = false
	}
}

// trackingInvalidateKey tells the clients that read key that it changed,
// and queues it for the BCAST prefixes it falls under (unless bcast is
// false: an invalidation the table's size limit forces).
func (s *Server) trackingInvalidateKey(key []byte, bcast bool) {
	ts := &s.tracking
	if bcast && len(ts.prefixes) > 0 {
		for p, bp := range ts.prefixes {
			if len(p) <= len(key) && string(key[:len(p)]) == p {
				bp.keys[string(key)] = s.current
			}
		}
	}
	ids, ok := ts.table[string(key)]
	if !ok {
		return
	}
	keys := s.invalidationKeys(key)
	for id := range ids {
		target := s.clients[id]
		t := target.tracking()
		if t == nil || target.Flags&ClientTrackingBcast != 0 || t.noloop && target == s.current {
			continue
		}
		s.sendInvalidation(target, keys)
	}
	ts.items -= len(ids)
	delete(ts.table, string(key))
}

// invalidationKeys is a one-key array in RESP, in the scratch buffer.
func (s *Server) invalidationKeys(key []byte) []byte {
	s.tracking.msg = resp.AppendBulk(resp.AppendArrayLen(s.tracking.msg[:0], 1), key)
	return s.tracking.msg
}

// sendInvalidation sends keys (an encoded array, or null) to tracking
// client c, or to its redirect client.
func (s *Server) sendInvalidation(c *Client, keys []byte) {
	t := c.track
	to := c
	if t.redirect != 0 {
		to = s.clients[t.redirect]
		if to == nil || to.killed || to.Flags&(ClientCloseAfterReply|ClientCloseASAP) != 0 {
			c.Flags |= ClientTrackingBrokenRedir
			if c.Proto == 3 {
				body := resp.AppendBulkString(s.pubsub.scratch[:0], "tracking-redir-broken")
				s.pubsub.scratch = resp.AppendInt(body, t.redirect)
				s.deliver(c, 2, s.pubsub.scratch)
			}
			return
		}
	}
	switch {
	case to.Proto == 3:
		s.pubsub.scratch = append(resp.AppendBulkString(s.pubsub.scratch[:0], "invalidate"), keys...)
		s.deliver(to, 2, s.pubsub.scratch)
	case to != c && to.Flags&ClientPubSub != 0:
		body := resp.AppendBulkString(s.pubsub.scratch[:0], "message")
		body = resp.AppendBulkString(body, trackingChannel)
		s.pubsub.scratch = append(body, keys...)
		s.deliver(to, 3, s.pubsub.scratch)
	}
}

// trackingFlushed invalidates everything for every tracking client
// (FLUSHDB, FLUSHALL) and empties the key table.
func (s *Server) trackingFlushed() {
	for _, c := range s.clients {
		if c.tracking() == nil {
			continue
		}
		s.tracking.msg = resp.AppendNull(s.tracking.msg[:0], c.Proto)
		s.sendInvalidation(c, s.tracking.msg)
	}
	s.tracking.table = nil
	s.tracking.items = 0
}

// trackingBroadcast sends each BCAST prefix's modified keys to its
// clients, one message per prefix, leaving out for a NOLOOP client the
// keys it modified itself.
func (s *Server) trackingBroadcast() {
	ts := &s.tracking
	ts.sending = ts.sending[:0]
	for p, bp := range ts.prefixes {
		if len(bp.keys) > 0 {
			ts.sending = append(ts.sending, p)
		}
	}
	slices.Sort(ts.sending) // prefix order, as Valkey's radix tree walks them
	for _, p := range ts.sending {
		bp := ts.prefixes[p]
		ts.keys = ts.keys[:0]
		for k := range bp.keys {
			ts.keys = append(ts.keys, k)
		}
		slices.Sort(ts.keys) // key order, as Valkey's radix tree walks them
		for _, c := range bp.clients {
			keys := ts.keys
			if c.track.noloop {
				keys = ts.others[:0]
				for _, k := range ts.keys {
					if bp.keys[k] != c {
						keys = append(keys, k)
					}
				}
				ts.others = keys
				if len(keys) == 0 {
					continue
				}
			}
			msg := resp.AppendArrayLen(ts.msg[:0], len(keys))
			for _, k := range keys {
				msg = resp.AppendBulkString(msg, k)
			}
			ts.msg = msg
			s.sendInvalidation(c, msg)
		}
		clear(bp.keys)
	}
}

// trackingLimit invalidates keys while the table holds more than
// tracking-table-max-keys, as Valkey does before each command, trying
// harder each time it could not get under the limit.
func (s *Server) trackingLimit() {
	limit := s.Cfg.TrackingTableMaxKeys
	ts := &s.tracking
	if limit == 0 || len(ts.table) <= limit {
		ts.limitTries = 0
		return
	}
	effort := 100 * (ts.limitTries + 1)
	for key := range ts.table { // map order: a random walk
		s.trackingInvalidateKey([]byte(key), false)
		effort--
		if len(ts.table) <= limit {
			ts.limitTries = 0
			return
		}
		if effort == 0 {
			break
		}
	}
	ts.limitTries++
}

// TrackingCounts returns INFO's tracking_total_keys,
// tracking_total_items and tracking_total_prefixes.
func (s *Server) TrackingCounts() (keys, items, prefixes int) {
	return len(s.tracking.table), s.tracking.items, len(s.tracking.prefixes)
}

func cmdClientTrackingInfo(c *Client) {
	t := c.tracking()
	c.AddMapLen(3)
	c.AddBulkString("flags")
	var flags []string
	redirect := int64(-1)
	if t == nil {
		flags = append(flags, "off")
	} else {
		redirect = t.redirect
		flags = append(flags, "on")
		if c.Flags&ClientTrackingBcast != 0 {
			flags = append(flags, "bcast")
		}
		if t.optin {
			flags = append(flags, "optin")
			if t.caching {
				flags = append(flags, "caching-yes")
			}
		}
		if t.optout {
			flags = append(flags, "optout")
			if t.caching {
				flags = append(flags, "caching-no")
			}
		}
		if t.noloop {
			flags = append(flags, "noloop")
		}
		if c.Flags&ClientTrackingBrokenRedir != 0 {
			flags = append(flags, "broken_redirect")
		}
	}
	c.AddSetLen(len(flags))
	for _, f := range flags {
		c.AddBulkString(f)
	}
	c.AddBulkString("redirect")
	c.AddInt(redirect)
	c.AddBulkString("prefixes")
	if t == nil {
		c.AddArrayLen(0)
		return
	}
	c.AddArrayLen(len(t.prefixes))
	for _, p := range t.prefixes {
		c.AddBulkString(p)
	}
}

func cmdClientGetRedir(c *Client) {
	if t := c.tracking(); t != nil {
		c.AddInt(t.redirect)
		return
	}
	c.AddInt(-1)
}

func cmdClientCaching(c *Client) {
	t := c.tracking()
	if t == nil {
		c.AddError("ERR CLIENT CACHING can be called only when the client is in tracking mode with OPTIN or OPTOUT mode enabled")
		return
	}
	switch opt := c.Argv[2]; {
	case argIs(opt, "yes"):
		if !t.optin {
			c.AddError("ERR CLIENT CACHING YES is only valid when tracking is enabled in OPTIN mode.")
			return
		}
	case argIs(opt, "no"):
		if !t.optout {
			c.AddError("ERR CLIENT CACHING NO is only valid when tracking is enabled in OPTOUT mode.")
			return
		}
	default:
		c.AddError(ErrSyntax)
		return
	}
	t.caching = true
	c.AddOK()
}
