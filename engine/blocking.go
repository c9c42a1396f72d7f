package engine

import (
	"math"
	"math/big"
	"slices"
)

// Blocking commands (BLPOP, BLMOVE, BLMPOP, BZPOPMIN, ...), as Valkey 7+
// does them in blocked.c: a command that finds nothing to serve blocks its
// client on its keys, and when one of those keys may now serve it, the
// whole command runs again for that client, which either completes and
// replies or blocks again.
//
// # Using it from a command (the zset group's BZPOPMIN, BZPOPMAX, BZMPOP)
//
//  1. Parse the timeout with parseBlockTimeout(c, arg): seconds as a long
//     double, Valkey's exact errors, the result in absolute Unix ms (0:
//     wait forever). Parse it where Valkey does (before or after the
//     other arguments), since it decides which error comes first.
//  2. Try to serve from the keys as the non-blocking command would. If one
//     can serve, reply and return: nothing else to do.
//  3. If s.blockingDenied(c) (inside MULTI/EXEC or a script), reply as a
//     timeout would (AddNullArray for the pops) and return.
//  4. Otherwise call s.blockForKeys(c, blockZSet, keys, timeout) and return
//     without replying. The client gets no reply until served, timed out
//     (a null array: replyBlockedTimeout) or unblocked by CLIENT UNBLOCK.
//  5. Every write that can make a missing key hold a value of the awaited
//     type calls s.signalKeyAsReady(db, key, type): the group's "add" paths
//     when they create the key (ZADD, ZUNIONSTORE...); db-level moves
//     (RENAME, MOVE, COPY, RESTORE) already do, and SWAPDB scans with
//     scanDatabaseForReadyKeys. Signalling is cheap when nobody waits.
//
// When a signalled key is served (after the command that signalled it
// completes, see serveReadyKeys), the blocked command is executed again
// through Call with its original arguments, so step 2 does the serving.
// A command that blocks again keeps its original timeout and goes to the
// back of the key's queue, as in Valkey.
//
// # Wiring outside this file
//
//   - Server.Call skips the statistics of a command that blocked (they are
//     counted when it completes) and calls afterCommand when it returns,
//     which serves ready keys and times out clients past their deadline.
//     EXEC and scripts, when they land, must run their inner commands with
//     s.blocking.nested raised, so keys are served after the whole
//     transaction or script, as Valkey does.
//   - Server.Paused reports a blocked client's further commands as waiting:
//     the I/O layer holds them until the client is served and woken.
//   - Server.FreeClient calls forgetBlockedClient; Cron calls blockedCron;
//     CLIENT UNBLOCK calls unblockClientByID.

// blockType is what a blocked client waits for: a key of which type.
type blockType uint8

const (
	blockNone blockType = iota
	blockList
	blockZSet
	blockStream
	blockWait          // WAIT and WAITAOF: replicas' acknowledgements, no keys (repl_primary.go)
	blockShutdown      // SHUTDOWN waiting for the replicas; no timeout, no CLIENT UNBLOCK (shutdown_wait.go)
	blockPsyncFailover // PSYNC FAILOVER waiting for the stream sent before it; no CLIENT UNBLOCK (repl_failover.go)
	numBlockTypes
)

// blockTypeOf is the block type served by a value of type typ.
func blockTypeOf(typ uint8) blockType {
	switch typ {
	case TypeList:
		return blockList
	case TypeZSet:
		return blockZSet
	case TypeStream:
		return blockStream
	}
	return blockNone
}

// blockState is a blocked client's wait.
type blockState struct {
	btype   blockType
	db      *DB
	keys    []string // the distinct keys it waits on
	timeout int64    // absolute Unix ms; 0 waits forever
	argv    [][]byte // a copy of the command, run again when served
	cmd     *Spec
	// unblockOnNoKey: served also when a key it waits on is deleted or
	// changes type (XREADGROUP, which then fails with -NOGROUP or
	// -WRONGTYPE).
	unblockOnNoKey bool
	wait           *waitState // blockWait's offset and counts
}

// readyKey names a key signalled ready in a database.
type readyKey struct {
	db  *DB
	key string
}

// blockingState is the server's blocking bookkeeping.
type blockingState struct {
	waiting  map[*DB]map[string][]*Client // per database: key -> clients in the order they blocked
	clients  []*Client                    // every blocked client, for the timeout scan
	byType   [numBlockTypes]int
	ready    []readyKey // keys signalled since they were last served, in order
	readySet map[readyKey]struct{}
	deadline int64   // the earliest timeout of a blocked client, 0 if none
	handling bool    // inside serveReadyKeys
	nested   int     // > 0 while EXEC or a script runs inner commands
	reexec   *Client // the client whose command is being run again
	reexecTO int64   // its original timeout
}

// parseBlockTimeout parses a blocking command's timeout in seconds
// (getTimeoutFromObjectOrReply with UNIT_SECONDS) into an absolute Unix ms
// time, 0 for none.
func parseBlockTimeout(c *Client, arg []byte) (int64, bool) {
	f, ok := parseLongDouble(arg)
	if !ok {
		c.AddError("ERR timeout is not a float or out of range")
		return 0, false
	}
	if f.IsInf() {
		if f.Sign() > 0 {
			c.AddError("ERR timeout is out of range")
		} else {
			c.AddError("ERR timeout is negative")
		}
		return 0, false
	}
	// The product is rounded to a long double, as C computes it.
	ms := new(big.Float).SetPrec(64).SetMode(big.ToNearestEven).Mul(f, big.NewFloat(1000))
	if ms.Cmp(big.NewFloat(math.MaxInt64)) > 0 {
		c.AddError("ERR timeout is out of range")
		return 0, false
	}
	// ceill, then a conversion to long long.
	i, acc := ms.Int(nil)
	if acc == big.Below {
		i.Add(i, big.NewInt(1))
	}
	if i.Sign() < 0 {
		c.AddError("ERR timeout is negative")
		return 0, false
	}
	if !i.IsInt64() {
		c.AddError("ERR timeout is out of range")
		return 0, false
	}
	return blockDeadline(c, i.Int64())
}

// parseBlockTimeoutMs is parseBlockTimeout for a timeout in integer
// milliseconds (UNIT_MILLISECONDS: XREAD's BLOCK).
func parseBlockTimeoutMs(c *Client, arg []byte) (int64, bool) {
	t, ok := parseInt(arg)
	if !ok {
		c.AddError("ERR timeout is not an integer or out of range")
		return 0, false
	}
	if t < 0 {
		c.AddError("ERR timeout is negative")
		return 0, false
	}
	return blockDeadline(c, t)
}

// blockDeadline turns a non-negative timeout of ms milliseconds into the
// absolute Unix ms time it ends, 0 for none, refusing one past the
// largest time (the tail of getTimeoutFromObjectOrReply).
func blockDeadline(c *Client, ms int64) (int64, bool) {
	if ms > 0 {
		now := c.srv.Now()
		if ms > math.MaxInt64-now {
			c.AddError("ERR timeout is out of range")
			return 0, false
		}
		ms += now
	}
	return ms, true
}

// blockingDenied reports whether c may not block now: inside MULTI/EXEC
// (and, when scripting lands, inside a script), where a blocking command
// behaves as if it timed out at once.
func (s *Server) blockingDenied(c *Client) bool {
	return c.Flags&ClientMulti != 0 || s.blocking.nested > 0
}

// blockForKeys blocks c on keys until one of them can serve it, the
// timeout (absolute Unix ms, 0 for none) passes, or it is unblocked.
func (s *Server) blockForKeys(c *Client, btype blockType, keys [][]byte, timeout int64) {
	b := &s.blocking
	if b.reexec == c {
		timeout = b.reexecTO // a command run again keeps its first deadline
	}
	db := c.db()
	st := &blockState{btype: btype, db: db, timeout: timeout, cmd: c.Cmd}
	st.argv = make([][]byte, len(c.Argv))
	n := 0
	for _, a := range c.Argv {
		n += len(a)
	}
	mem := make([]byte, 0, n)
	for i, a := range c.Argv {
		off := len(mem)
		mem = append(mem, a...)
		st.argv[i] = mem[off:len(mem):len(mem)]
	}
	if b.waiting == nil {
		b.waiting = make(map[*DB]map[string][]*Client)
	}
	m := b.waiting[db]
	if m == nil {
		m = make(map[string][]*Client)
		b.waiting[db] = m
	}
	for _, k := range keys {
		ks := string(k)
		if slices.Contains(st.keys, ks) {
			continue
		}
		st.keys = append(st.keys, ks)
		m[ks] = append(m[ks], c)
	}
	c.blocked = st
	if btype != blockPsyncFailover {
		// A PSYNC FAILOVER's wait for the stream sent before it is
		// Volley's own (Valkey has applied that stream before it reads
		// the PSYNC): not shown as blocked in CLIENT LIST or INFO.
		c.Flags |= ClientBlocked
	}
	c.ArgvMem = n // CLIENT LIST's argv-mem: the kept command, as Valkey keeps its argv
	b.clients = append(b.clients, c)
	if timeout != 0 && (b.deadline == 0 || timeout < b.deadline) {
		b.deadline = timeout
	}
	b.byType[btype]++
}

// release takes c off every key it waits on and clears its blocked state.
func (s *Server) releaseBlocked(c *Client) *blockState {
	st := c.blocked
	if st == nil {
		return nil
	}
	b := &s.blocking
	if m := b.waiting[st.db]; m != nil {
		for _, k := range st.keys {
			l := m[k]
			if i := slices.Index(l, c); i >= 0 {
				l = slices.Delete(l, i, i+1)
			}
			if len(l) == 0 {
				delete(m, k)
			} else {
				m[k] = l
			}
		}
		if len(m) == 0 {
			delete(b.waiting, st.db)
		}
	}
	if i := slices.Index(b.clients, c); i >= 0 {
		b.clients = slices.Delete(b.clients, i, i+1)
	}
	b.byType[st.btype]--
	if st.btype == blockWait {
		// Whatever ends the wait (an ACK, a timeout, CLIENT UNBLOCK, a
		// role change, the client closing), it leaves no stale WAIT behind.
		p := &s.repl.prim
		if i := slices.Index(p.waiting, c); i >= 0 {
			p.waiting = slices.Delete(p.waiting, i, i+1)
		}
	}
	if st.timeout != 0 && st.timeout == b.deadline {
		b.deadline = 0
		for _, o := range b.clients {
			if t := o.blocked.timeout; t != 0 && (b.deadline == 0 || t < b.deadline) {
				b.deadline = t
			}
		}
	}
	c.blocked = nil
	c.Flags &^= ClientBlocked
	c.ArgvMem = 0
	return st
}

// signalKeyAsReady tells clients blocked on key in db that it may now
// serve them (a push, a rename or a move onto the key), as Valkey's
// signalKeyAsReady. typ is the type of the value now at key. The clients
// are served after the current command (serveReadyKeys).
func (s *Server) signalKeyAsReady(db *DB, key []byte, typ uint8) {
	b := &s.blocking
	bt := blockTypeOf(typ)
	if bt == blockNone || b.byType[bt] == 0 {
		return
	}
	m := b.waiting[db]
	if m == nil {
		return
	}
	if _, ok := m[string(key)]; !ok {
		return
	}
	rk := readyKey{db, string(key)}
	if b.readySet == nil {
		b.readySet = make(map[readyKey]struct{})
	}
	if _, dup := b.readySet[rk]; dup {
		return
	}
	b.readySet[rk] = struct{}{}
	b.ready = append(b.ready, rk)
}

// signalDeletedKeyAsReady is signalKeyAsReady for a key deleted or
// overwritten: it matters only to clients that want to hear of it
// (unblockOnNoKey, XREADGROUP). The database calls it when a key goes
// while such clients wait.
func (s *Server) signalDeletedKeyAsReady(db *DB, key []byte) {
	if s.blocking.byType[blockStream] == 0 {
		return
	}
	s.signalKeyAsReady(db, key, TypeStream)
}

// scanDatabaseForReadyKeys signals every key of db that blocked clients
// wait for and that now holds a value (after SWAPDB).
func (s *Server) scanDatabaseForReadyKeys(db *DB) {
	for k := range s.blocking.waiting[db] {
		key := []byte(k)
		if e, ok := db.LookupFlags(key, lookupNoTouch|lookupNoStats|lookupNoNotify|lookupNoExpire); ok {
			s.signalKeyAsReady(db, key, typeOf(e))
		}
		s.signalDeletedKeyAsReady(db, key) // gone, or maybe of another type now
	}
}

// afterCommand is Call's hook: it serves the keys the command signalled
// and, while clients wait with a deadline, times out those whose deadline
// has passed. Valkey checks deadlines on every event loop iteration, so
// under traffic a timeout fires within milliseconds rather than at the
// next cron tick; checking after each command does the same.
func (s *Server) afterCommand() {
	if len(s.blocking.ready) > 0 && s.blocking.nested == 0 { // not from a command a busy script let in
		s.serveReadyKeys()
	}
	if d := s.blocking.deadline; d != 0 && s.blocking.nested == 0 && !s.blocking.handling && s.Now() > d {
		s.blockedCron(s.Now())
	}
}

// serveReadyKeys serves the clients blocked on the keys signalled ready
// (handleClientsBlockedOnKeys): key by key in the order they were
// signalled, each key's clients in the order they blocked, re-checking
// the key before each. Keys signalled meanwhile (a BLMOVE served onto a
// key others wait for) are served in the same pass. Call runs it after
// every top-level command.
func (s *Server) serveReadyKeys() {
	b := &s.blocking
	if len(b.ready) == 0 || b.handling || b.nested > 0 {
		return
	}
	b.handling = true
	for len(b.ready) > 0 {
		batch := b.ready
		b.ready = nil
		for _, rk := range batch {
			delete(b.readySet, rk)
			s.serveKey(rk)
		}
	}
	b.handling = false
}

// serveKey runs again the commands of the clients blocked on one key that
// its value can serve, at most as many as were waiting when it started.
func (s *Server) serveKey(rk readyKey) {
	m := s.blocking.waiting[rk.db]
	if m == nil {
		return
	}
	waiting := slices.Clone(m[rk.key])
	key := []byte(rk.key)
	for _, c := range waiting {
		st := c.blocked
		if st == nil || st.db != rk.db || !slices.Contains(st.keys, rk.key) {
			continue
		}
		e, ok := rk.db.LookupFlags(key, lookupNoTouch|lookupNoStats|lookupNoNotify|lookupNoExpire)
		if (!ok || blockTypeOf(typeOf(e)) != st.btype) && !st.unblockOnNoKey {
			continue
		}
		s.reexecute(c)
	}
}

// reexecute unblocks c and runs its command again; the command replies,
// or blocks again with its first deadline.
func (s *Server) reexecute(c *Client) {
	st := s.releaseBlocked(c)
	b := &s.blocking
	prevC, prevTO := b.reexec, b.reexecTO
	b.reexec, b.reexecTO = c, st.timeout
	s.Call(c, st.argv)
	b.reexec, b.reexecTO = prevC, prevTO
	if c.blocked == nil {
		s.wakeUnblocked(c)
	}
}

// wakeUnblocked has c's I/O loop send its reply and run the commands it
// queued while blocked.
func (s *Server) wakeUnblocked(c *Client) {
	if c.link != nil && s.clients[c.ID] == c {
		c.link.Wake()
	}
}

// countUnblocked counts a blocked command that ended without running
// again (timeout, CLIENT UNBLOCK) in its statistics (updateStatsOnUnblock).
func (s *Server) countUnblocked(c *Client, st *blockState, rejected bool) {
	if st.cmd == nil {
		return
	}
	cs := &s.cmdStats[st.cmd.ID]
	cs.Calls++
	if rejected {
		cs.Rejected++
	}
	s.Stats.CommandsProcessed++
	c.TotCmds++
	c.LastCmd = st.cmd
}

// replyBlockedTimeout unblocks c with the reply of a timeout: a null
// array for the list, zset and stream commands, the acknowledgements so
// far for WAIT and WAITAOF (replyToBlockedClientTimedOut).
func (s *Server) replyBlockedTimeout(c *Client) {
	st := s.releaseBlocked(c)
	if st == nil {
		return
	}
	if st.wait != nil {
		s.replyWait(c, st.wait) // the acknowledgements so far
	} else {
		c.AddNullArray()
	}
	s.countUnblocked(c, st, false)
	s.wakeUnblocked(c)
}

// unblockClientByID is CLIENT UNBLOCK: it ends the wait of the client
// with that ID if it is one that may time out, replying as a timeout
// would or, with withError, with -UNBLOCKED, and reports whether it did.
// A SHUTDOWN waiting for the replicas stays blocked, as in Valkey.
func (s *Server) unblockClientByID(id int64, withError bool) bool {
	c := s.clients[id]
	if c == nil || c.blocked == nil || !blockedMayTimeout(c.blocked) {
		return false
	}
	if !withError {
		s.replyBlockedTimeout(c)
		return true
	}
	s.countUnblocked(c, s.releaseBlocked(c), true)
	c.AddError("UNBLOCKED client unblocked via CLIENT UNBLOCK")
	s.wakeUnblocked(c)
	return true
}

// blockedMayTimeout reports whether a wait may end as a timeout would
// (blockedClientMayTimeout): not a SHUTDOWN's, which only the shutdown's
// end releases, nor a PSYNC FAILOVER's, which Valkey never blocks.
func blockedMayTimeout(st *blockState) bool {
	return st.btype != blockShutdown && st.btype != blockPsyncFailover
}

// forgetBlockedClient drops a closing client's wait, leaving nothing
// behind. FreeClient calls it.
func (s *Server) forgetBlockedClient(c *Client) {
	s.releaseBlocked(c)
}

// blockedCron times out the blocked clients whose deadline has passed.
// Cron calls it hz times a second, which bounds the precision of a
// timeout as Valkey's event loop does.
func (s *Server) blockedCron(now int64) {
	b := &s.blocking
	if len(b.clients) == 0 {
		return
	}
	var expired []*Client
	for _, c := range b.clients {
		if t := c.blocked.timeout; t != 0 && t < now {
			expired = append(expired, c)
		}
	}
	for _, c := range expired {
		s.replyBlockedTimeout(c)
	}
}

// BlockingKeys returns INFO's total_blocking_keys: the keys at least one
// client waits on, over all databases.
func (s *Server) BlockingKeys() int {
	n := 0
	for _, m := range s.blocking.waiting {
		n += len(m)
	}
	return n
}

// BlockingKeysOnNoKey returns INFO's total_blocking_keys_on_nokey: the
// keys at least one client waits on that must also wake it when deleted
// (XREADGROUP), over all databases.
func (s *Server) BlockingKeysOnNoKey() int {
	n := 0
	for _, m := range s.blocking.waiting {
		for _, cs := range m {
			for _, c := range cs {
				if c.blocked != nil && c.blocked.unblockOnNoKey {
					n++
					break
				}
			}
		}
	}
	return n
}

// BlockedInTimeoutTable returns INFO's clients_in_timeout_table: blocked
// clients with a deadline.
func (s *Server) BlockedInTimeoutTable() int {
	n := 0
	for _, c := range s.blocking.clients {
		if c.blocked.timeout != 0 {
			n++
		}
	}
	return n
}
