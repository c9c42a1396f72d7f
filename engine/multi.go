package engine

import (
	"slices"
	"strings"
)

// Transactions (MULTI, EXEC, DISCARD) and optimistic locking (WATCH,
// UNWATCH), as Valkey's multi.c and the MULTI parts of processCommand.
//
// While a client is in MULTI, Call queues every command it would run
// (all but EXEC, DISCARD, QUIT and RESET; MULTI and WATCH carry the
// no-multi flag and are rejected) and replies +QUEUED. A command Call
// rejects while queuing (unknown, wrong arity, no-multi, ...) flags the
// transaction DirtyExec, and EXEC then replies -EXECABORT. EXEC runs the
// queue back to back with s.blocking.nested raised, so blocking commands
// inside answer at once as if they timed out, and clients blocked on keys
// the transaction filled are served after it, in one pass (blocking.go).
//
// WATCH records, per database, the clients watching each key. Every key a
// command changes reaches keyModified, which marks its watchers DirtyCAS
// and EXEC then replies a null array. FLUSHDB, FLUSHALL and SWAPDB touch
// the watched keys of whole databases (touchAllWatchedKeysInDb). A key that
// was logically expired when watched is remembered as such: its deletion
// is no change, and a watched key that expires before EXEC is one.

// multiState is a client's transaction state, made by its first MULTI or
// WATCH and kept until it disconnects (CLIENT LIST reports multi=-1 until
// then, as Valkey does).
type multiState struct {
	cmds    []queuedCmd   // cmds[:n] are queued; the rest keep buffers for reuse
	n       int           // commands queued
	watched []*watchedKey // the keys this client watches, in WATCH order

	// invFlags is the union of the queued commands' missing flags (Valkey's
	// mstate cmd_inv_flags): a flag in it is one some command lacks. The
	// union of the flags they have is c.Counts.MultiFlags.
	invFlags Flags

	// While EXEC runs the queue: EXEC itself, which CLIENT LIST keeps
	// showing (Valkey's lastcmd and argv-mem stay EXEC's).
	execCmd  *Spec
	execArgv [][]byte
}

// queuedCmd is one queued command. Its arguments are copied into one
// buffer of its own (argv is only valid during Call), which the next
// transaction reuses.
type queuedCmd struct {
	cmd  *Spec
	argv [][]byte // slices of buf
	buf  []byte
}

// Limits on what a client keeps between transactions, so that one huge
// transaction does not pin its memory for the life of the connection.
const (
	maxKeptQueuedBuf = 16 << 10 // a queued command's argument bytes
	maxKeptQueued    = 64       // queued command slots
)

// watchedKey is one client watching one key in one database. It is both
// in the client's list and in the database's key -> watchers table.
type watchedKey struct {
	c       *Client
	db      *DB
	key     string
	expired bool // the key was logically expired when watched
}

// multiState returns c's transaction state, creating it.
func (c *Client) multiState() *multiState {
	if c.multi == nil {
		c.multi = &multiState{}
	}
	return c.multi
}

// runsInMulti reports whether cmd runs at once inside MULTI instead of
// being queued (processCommand's exception list).
func runsInMulti(cmd *Spec) bool {
	switch cmd.FullName {
	case "exec", "discard", "quit", "reset":
		return true
	}
	return false
}

// queueMultiCommand appends argv to c's transaction, flags being the
// command's as the dispatcher judged them (commandFlags: a script's
// declared flags count, as Valkey's getCommandFlags at queue time). A
// transaction that is already doomed (dirty) keeps nothing, as Valkey
// saves the memory.
func (s *Server) queueMultiCommand(c *Client, cmd *Spec, argv [][]byte, flags Flags) {
	if c.Flags&(ClientDirtyCAS|ClientDirtyExec) != 0 {
		return
	}
	ms := c.multiState()
	if ms.n == len(ms.cmds) {
		ms.cmds = append(ms.cmds, queuedCmd{})
	}
	q := &ms.cmds[ms.n]
	ms.n++
	size := 0
	for _, a := range argv {
		size += len(a)
	}
	if cap(q.buf) < size {
		q.buf = make([]byte, 0, size)
	}
	buf := q.buf[:0]
	hdrs := q.argv[:0]
	for _, a := range argv {
		off := len(buf)
		buf = append(buf, a...)
		hdrs = append(hdrs, buf[off:len(buf):len(buf)])
	}
	q.buf, q.argv, q.cmd = buf, hdrs, cmd
	c.Counts.Multi = ms.n
	c.Counts.MultiMem += size + 8*len(argv) // Valkey's argv_len_sums: bytes plus a pointer per argument
	c.Counts.MultiFlags |= flags
	ms.invFlags |= ^flags
}

// resetMultiCommands drops c's queued commands (resetClientMultiState),
// keeping modest buffers for the next transaction.
func (c *Client) resetMultiCommands() {
	c.Counts.Multi, c.Counts.MultiMem, c.Counts.MultiFlags = 0, 0, 0
	ms := c.multi
	if ms != nil {
		ms.invFlags = 0
	}
	if ms == nil || ms.n == 0 {
		return
	}
	if len(ms.cmds) > maxKeptQueued {
		ms.cmds = nil
	} else {
		for i := range ms.cmds[:ms.n] {
			q := &ms.cmds[i]
			q.cmd = nil
			if cap(q.buf) > maxKeptQueuedBuf || cap(q.argv) > maxKeptQueuedBuf/8 {
				q.buf, q.argv = nil, nil
			}
		}
	}
	ms.n = 0
}

// discardTransaction ends c's transaction, if any, and unwatches its keys.
func (s *Server) discardTransaction(c *Client) {
	c.resetMultiCommands()
	c.Flags &^= ClientMulti | ClientDirtyCAS | ClientDirtyExec
	s.unwatchAllKeys(c)
}

// flagTransaction dooms c's transaction after an error while queuing.
func (c *Client) flagTransaction() {
	if c.Flags&ClientMulti != 0 {
		c.Flags |= ClientDirtyExec
		c.resetMultiCommands()
	}
}

// rejectCommand replies the error msg for a command Call does not run
// (rejectCommand): it dooms a transaction being queued, and a rejected
// EXEC aborts its transaction, naming the reason.
func (s *Server) rejectCommand(c *Client, cmd *Spec, argv [][]byte, msg string) {
	c.flagTransaction()
	if cmd == nil {
		c.AddError(msg)
		return
	}
	s.cmdStats[cmd.ID].Rejected++
	if msg == errRedirectLater {
		msg = s.redirectError() // not held back by Paused: should not happen
	}
	if cmd.FullName != "exec" {
		c.AddError(msg)
		return
	}
	s.discardTransaction(c)
	if strings.HasPrefix(msg, "REDIRECT ") {
		c.AddError(msg) // the transaction goes to the primary whole
		return
	}
	// Valkey's reason is the bare message: the ERR code a plain error
	// would get is not part of it; other codes (NOAUTH ...) are.
	c.AddError("EXECABORT Transaction discarded because of: " + strings.TrimPrefix(msg, "ERR "))
	// MONITOR saw MULTI; it sees the EXEC that ended it, not the queue.
	if len(s.monitors) > 0 {
		s.FeedMonitors(c, cmd, argv)
	}
}

func cmdMulti(c *Client) {
	c.multiState()
	c.Flags |= ClientMulti
	c.AddOK()
}

func cmdDiscard(c *Client) {
	if c.Flags&ClientMulti == 0 {
		c.AddError("ERR DISCARD without MULTI")
		return
	}
	c.srv.discardTransaction(c)
	c.AddOK()
}

func cmdExec(c *Client) {
	s := c.srv
	if c.Flags&ClientMulti == 0 {
		c.AddError("ERR EXEC without MULTI")
		return
	}
	if s.watchedKeyExpired(c) {
		c.Flags |= ClientDirtyCAS
	}
	if c.Flags&(ClientDirtyCAS|ClientDirtyExec) != 0 {
		if c.Flags&ClientDirtyExec != 0 {
			c.AddError(ErrExecAbort)
		} else {
			c.AddNullArray()
		}
		s.discardTransaction(c)
		return
	}
	s.unwatchAllKeys(c) // nothing the transaction does can fail it now
	ms := c.multi
	queued := ms.cmds[:ms.n]
	argv, cmd := c.Argv, c.Cmd
	ms.execCmd, ms.execArgv = cmd, argv
	s.blocking.nested++
	c.AddArrayLen(len(queued))
	for i := range queued {
		s.execQueued(c, &queued[i])
	}
	s.blocking.nested--
	ms.execCmd, ms.execArgv = nil, nil
	c.Argv, c.Cmd = argv, cmd
	c.errored = false // the queued commands' errors are theirs, not EXEC's
	s.discardTransaction(c)
}

// execQueued runs one queued command inside EXEC, with the bookkeeping
// Valkey's call() does for it: statistics, the command logs and MONITOR.
func (s *Server) execQueued(c *Client, q *queuedCmd) {
	c.Argv, c.Cmd = q.argv, q.cmd
	c.errored = false
	if msg := s.aclExecRejection(c, q.cmd, q.argv); msg != "" { // rules changed since queued (acl_check.go)
		c.AddError(msg)
		return
	}
	start := s.mono.now()
	outBefore := c.Out.Len()
	if s.prop.on {
		s.callPropagating(c, q.cmd)
	} else {
		q.cmd.Handler(c)
	}
	s.commandCompleted(c, q.cmd, start, s.mono.now(), c.Out.Len()-outBefore)
	if c.Flags&ClientTracking != 0 {
		s.trackingRemember(c, q.cmd, q.argv)
	}
}

func cmdWatch(c *Client) {
	// A transaction already doomed has nothing to watch for.
	if c.Flags&ClientDirtyCAS == 0 {
		for _, k := range c.Argv[1:] {
			c.srv.watchForKey(c, k)
		}
	}
	c.AddOK()
}

func cmdUnwatch(c *Client) {
	c.srv.unwatchAllKeys(c)
	c.Flags &^= ClientDirtyCAS
	c.AddOK()
}

// watchForKey adds key in c's database to the keys c watches.
func (s *Server) watchForKey(c *Client, key []byte) {
	ms := c.multiState()
	db := c.db()
	for _, wk := range db.watched[string(key)] {
		if wk.c == c {
			return
		}
	}
	wk := &watchedKey{c: c, db: db, key: string(key), expired: s.keyIsExpired(db, key)}
	if db.watched == nil {
		db.watched = make(map[string][]*watchedKey)
	}
	db.watched[wk.key] = append(db.watched[wk.key], wk)
	ms.watched = append(ms.watched, wk)
	c.Counts.Watch = len(ms.watched)
}

// unwatchAllKeys drops every key c watches. Clearing DirtyCAS is the
// caller's business.
func (s *Server) unwatchAllKeys(c *Client) {
	ms := c.multi
	if ms == nil || len(ms.watched) == 0 {
		return
	}
	for _, wk := range ms.watched {
		l := wk.db.watched[wk.key]
		if i := slices.Index(l, wk); i >= 0 {
			l = slices.Delete(l, i, i+1)
		}
		if len(l) == 0 {
			delete(wk.db.watched, wk.key)
		} else {
			wk.db.watched[wk.key] = l
		}
	}
	clear(ms.watched)
	ms.watched = ms.watched[:0]
	c.Counts.Watch = 0
}

// keyIsExpired reports whether key exists in db with an expiry time that
// has passed, without deleting it (keyIsExpired): an import source in
// import-mode sees no key expired (expiredNow).
func (s *Server) keyIsExpired(db *DB, key []byte) bool {
	e, ok := db.keys.Get(key)
	return ok && s.expiredNow(e)
}

// watchedKeyExpired reports whether a key c watches has expired since it
// was watched (isWatchedKeyExpired); EXEC then fails as if it changed.
func (s *Server) watchedKeyExpired(c *Client) bool {
	ms := c.multi
	if ms == nil {
		return false
	}
	for _, wk := range ms.watched {
		if !wk.expired && s.keyIsExpired(wk.db, []byte(wk.key)) {
			return true
		}
	}
	return false
}

// touchWatchedKey marks the clients watching key in db as DirtyCAS
// (touchWatchedKey). keyModified calls it for every change.
func (s *Server) touchWatchedKey(db *DB, key []byte) {
	l := db.watched[string(key)]
	if len(l) == 0 {
		return
	}
	// Dirtying a client unwatches all its keys, which edits l: walk a copy.
	s.watchScratch = append(s.watchScratch[:0], l...)
	for _, wk := range s.watchScratch {
		if wk.expired {
			// The key was logically expired when watched: its deletion is
			// no change (and it is no longer expired, but missing).
			if _, found := db.keys.Get(key); !found {
				wk.expired = false
				continue
			}
			// Valkey 9.0 stops at the first such watcher without marking
			// it or those after it (touchWatchedKey's break); kept so
			// that EXEC fails exactly when Valkey's does.
			break
		}
		c := wk.c
		c.Flags |= ClientDirtyCAS
		c.resetMultiCommands()
		s.unwatchAllKeys(c) // no need to be told again
	}
	clear(s.watchScratch)
}

// touchAllWatchedKeysInDb marks DirtyCAS the clients watching keys of
// emptied that are about to be flushed (replacedWith nil) or swapped with
// replacedWith's (SWAPDB). A watched key counts as changed if it exists
// in either; a logically expired key that stays missing or expired is no
// change.
func (s *Server) touchAllWatchedKeysInDb(emptied, replacedWith *DB) {
	if len(emptied.watched) == 0 {
		return
	}
	for key, l := range emptied.watched {
		k := []byte(key)
		_, inEmptied := emptied.keys.Get(k)
		inReplaced := false
		if replacedWith != nil {
			_, inReplaced = replacedWith.keys.Get(k)
		}
		if !inEmptied && !inReplaced {
			continue
		}
		for _, wk := range l {
			if wk.expired {
				if !inReplaced {
					wk.expired = false // deleted: no longer expired, but missing
					continue
				}
				if s.keyIsExpired(replacedWith, k) {
					continue // expired before and after
				}
			} else if !inEmptied && s.keyIsExpired(replacedWith, k) {
				wk.expired = true // missing, replaced by an expired key
				continue
			}
			// Unwatching here would edit the table being walked; the
			// client's keys go at EXEC, DISCARD or UNWATCH.
			wk.c.Flags |= ClientDirtyCAS
			wk.c.resetMultiCommands()
		}
	}
}

// WatchedKeys returns INFO's total_watched_keys: the keys watched by at
// least one client, over all databases.
func (s *Server) WatchedKeys() int {
	n := 0
	for _, db := range s.dbs {
		n += len(db.watched)
	}
	return n
}

// freeMultiState forgets a disconnecting client's transaction and watches.
func (s *Server) freeMultiState(c *Client) {
	if c.multi == nil {
		return
	}
	s.unwatchAllKeys(c)
	c.multi = nil
}

var multiHandlers = map[string]Handler{
	"multi":   cmdMulti,
	"exec":    cmdExec,
	"discard": cmdDiscard,
	"watch":   cmdWatch,
	"unwatch": cmdUnwatch,
}
