package engine

import (
	"strconv"

	"github.com/volleydb/volley/engine/resp"
	"github.com/volleydb/volley/engine/stream"
)

// Propagation: what a write did, as commands that redo it.
//
// The AOF (and, later, replicas) receive the effect of each command that
// changed the dataset, not the command as the client sent it: replaying
// the stream must give the same dataset whenever it is replayed. So a
// command whose outcome depends on the clock or on chance says what it
// did instead (Valkey's rewriteClientCommandVector): EXPIRE k 10 becomes
// PEXPIREAT k <ms>, SPOP becomes SREM of the members it took, BLPOP
// becomes LPOP. A command may also add commands of its own
// (alsoPropagate), and keys deleted by expiry or eviction become DEL or
// UNLINK.
//
// Everything one execution unit propagates (a command with the deletions
// it caused, EXEC's queued commands, a script's calls) is gathered in
// propState and sent out when the outermost unit ends: one command alone,
// several wrapped in MULTI/EXEC so that they apply atomically, each with
// a SELECT first when its database is not the one the stream last
// selected. Outside any unit (active expiry, eviction between commands)
// a command goes out at once.
//
// The cost when nothing consumes propagation (appendonly no, no
// replicas) is the s.prop.on test in the dispatcher; the rewrite helpers
// return at once too.

// propState is the propagation of the running execution unit.
type propState struct {
	on      bool        // something consumes propagation: the AOF or the replication backlog
	frames  []propFrame // one per nested command being executed
	depth   int         // frames in use
	ops     []propOp    // the unit's commands so far
	buf     []byte      // their RESP encoding, op after op
	num     []byte      // scratch for rewritten arguments: numbers, copied members
	batch   propBatch   // newPropBatch's reused batch
	callOff uint8       // targets the running script's commands may not reach (server.set_repl); 0: none barred
	scratch [][]byte    // argument lists built for rewriteArgv
}

// propOp is one propagated command: its database (-1 for none), where
// its encoding ends in propState.buf (it starts where the previous ends),
// and where it goes.
type propOp struct {
	db  int
	end int
	to  uint8 // its targets: propAOF, propRepl
}

// Propagation targets, a mask (Valkey's PROPAGATE_AOF and
// PROPAGATE_REPL, which server.set_repl's REPL_AOF and REPL_REPLICA
// equal): the AOF, the replication stream, both or neither.
const (
	propAOF  uint8 = 1
	propRepl uint8 = 2
	propAll        = propAOF | propRepl
)

// propFrame is one executing command's propagation settings.
type propFrame struct {
	dirty   int64    // s.Dirty when it started: changed means propagate everywhere
	prevent bool     // the command propagates itself through alsoPropagate (or not at all)
	force   uint8    // targets it goes to even if nothing changed (FLUSHALL: all; PUBLISH: replicas)
	argsSet bool     // args holds what to propagate instead of the command
	args    [][]byte // the rewritten command's arguments
}

// Encoded MULTI and EXEC, which wrap a unit of several commands.
const (
	propMulti = "*1\r\n$5\r\nMULTI\r\n"
	propExec  = "*1\r\n$4\r\nEXEC\r\n"
)

// Common command names of rewrites, as Valkey spells them.
var (
	argDEL        = []byte("DEL")
	argUNLINK     = []byte("UNLINK")
	argSET        = []byte("SET")
	argPEXPIREAT  = []byte("PEXPIREAT")
	argPERSIST    = []byte("PERSIST")
	argPXAT       = []byte("PXAT")
	argKEEPTTL    = []byte("KEEPTTL")
	argSREM       = []byte("SREM")
	argHDEL       = []byte("HDEL")
	argHSET       = []byte("HSET")
	argLPOP       = []byte("LPOP")
	argRPOP       = []byte("RPOP")
	argZPOPMIN    = []byte("ZPOPMIN")
	argZPOPMAX    = []byte("ZPOPMAX")
	argABSTTL     = []byte("ABSTTL")
	argLMOVE      = []byte("LMOVE")
	argRPOPLPUSH  = []byte("RPOPLPUSH")
	argHPEXPIREAT = []byte("HPEXPIREAT")
	argHPERSIST   = []byte("HPERSIST")
	argFIELDS     = []byte("FIELDS")
	argZADD       = []byte("zadd")
)

// appendCommand appends args to dst as a RESP array of bulk strings.
func appendCommand(dst []byte, args [][]byte) []byte {
	dst = resp.AppendArrayLen(dst, len(args))
	for _, a := range args {
		dst = resp.AppendBulk(dst, a)
	}
	return dst
}

// propagating reports whether commands' effects are being recorded; the
// rewrites below do nothing otherwise.
func (s *Server) propagating() bool { return s.prop.on }

// propID formats a stream ID as propInt does.
func (s *Server) propID(ms, seq uint64) []byte {
	p := &s.prop
	if !p.on {
		return nil
	}
	start := len(p.num)
	p.num = stream.ID{Ms: ms, Seq: seq}.Append(p.num)
	return p.num[start:len(p.num):len(p.num)]
}

// propInt formats n for a rewritten argument. The bytes are valid until
// the running top-level command ends. With propagation off it returns
// nil: the caller's rewrite is dropped anyway, and nothing would empty
// the scratch buffer.
func (s *Server) propInt(n int64) []byte {
	p := &s.prop
	if !p.on {
		return nil
	}
	start := len(p.num)
	p.num = strconv.AppendInt(p.num, n, 10)
	return p.num[start:len(p.num):len(p.num)]
}

// propCopy copies b for a rewritten argument, for bytes that do not last
// until the command ends (a member it removed). The copy is valid until
// the running top-level command ends; nil with propagation off.
func (s *Server) propCopy(b []byte) []byte {
	p := &s.prop
	if !p.on {
		return nil
	}
	start := len(p.num)
	p.num = append(p.num, b...)
	return p.num[start:len(p.num):len(p.num)]
}

// rewriteArgv makes the running command propagate as args instead of as
// it was called (Valkey's rewriteClientCommandVector). The arguments are
// not copied: each must stay unchanged until the command ends, as
// rewriteArg's v must.
func (c *Client) rewriteArgv(args ...[]byte) {
	p := &c.srv.prop
	if !p.on || p.depth == 0 {
		return
	}
	f := &p.frames[p.depth-1]
	f.args = append(f.args[:0], args...)
	f.argsSet = true
}

// rewriteArg makes the running command propagate with its argument i
// replaced by v, or v appended when i is the argument count (Valkey's
// rewriteClientCommandArgument). v must stay unchanged until the command
// ends: a constant, an argument, or propInt's or propCopy's bytes.
func (c *Client) rewriteArg(i int, v []byte) {
	f := c.rewriteFrame()
	if f == nil {
		return
	}
	if i == len(f.args) {
		f.args = append(f.args, v)
	} else {
		f.args[i] = v
	}
}

// rewriteFrame returns the running command's propagation frame with its
// arguments to propagate set (the command's own until rewritten), or nil
// when nothing is propagated.
func (c *Client) rewriteFrame() *propFrame {
	p := &c.srv.prop
	if !p.on || p.depth == 0 {
		return nil
	}
	f := &p.frames[p.depth-1]
	if !f.argsSet {
		f.args = append(f.args[:0], c.Argv...)
		f.argsSet = true
	}
	return f
}

// propagateWithout drops from the running command's propagation the
// arguments before index end for which drop is true (options that only
// decided whether it ran, such as HSETEX's FNX). Indexes are those of
// c.Argv; earlier rewriteArg replacements are kept.
func (c *Client) propagateWithout(end int, drop func(arg []byte) bool) {
	f := c.rewriteFrame()
	if f == nil {
		return
	}
	kept := f.args[:0]
	for j, a := range f.args {
		if j < end && drop(a) {
			continue
		}
		kept = append(kept, a)
	}
	clear(f.args[len(kept):])
	f.args = kept
}

// propagateWithoutGet makes SET ... GET propagate without its GET
// arguments, which only shaped the reply.
func (c *Client) propagateWithoutGet() {
	p := &c.srv.prop
	if !p.on || p.depth == 0 {
		return
	}
	f := &p.frames[p.depth-1]
	f.args = f.args[:0]
	for j, a := range c.Argv {
		if j >= 3 && equalFoldASCII(a, "get") {
			continue
		}
		f.args = append(f.args, a)
	}
	f.argsSet = true
}

// delOrUnlink is the command a server-side deletion propagates as.
func delOrUnlink(lazy bool) []byte {
	if lazy {
		return argUNLINK
	}
	return argDEL
}

// preventPropagation keeps the running command itself from being
// propagated: it propagated what it did with alsoPropagate, or it
// changed nothing worth replaying.
func (c *Client) preventPropagation() {
	p := &c.srv.prop
	if p.depth > 0 {
		p.frames[p.depth-1].prevent = true
	}
}

// forcePropagation propagates the running command even if it changed no
// key (FLUSHALL of an empty dataset).
func (c *Client) forcePropagation() {
	p := &c.srv.prop
	if p.depth > 0 {
		p.frames[p.depth-1].force |= propAll
	}
}

// forcePropagationToReplicas propagates the running command to the
// replicas, not the AOF, even if it changed nothing (PUBLISH, so that
// subscribers of replicas get the message).
func (c *Client) forcePropagationToReplicas() {
	p := &c.srv.prop
	if p.depth > 0 {
		p.frames[p.depth-1].force |= propRepl
	}
}

// alsoPropagate adds a command to the running unit's propagation, in
// database db (-1: not tied to a database). Outside any unit it is
// propagated at once. args are copied.
func (s *Server) alsoPropagate(db int, args ...[]byte) {
	p := &s.prop
	if !p.on {
		return
	}
	s.queueProp(db, args, propAll)
	if p.depth == 0 {
		s.propagatePending()
	}
}

// queueProp adds a command for targets to to the running unit's
// propagation, unless none of them consumes it now (Valkey's
// shouldPropagate): with no replication backlog, a command for the
// replicas only is not even encoded. args are copied.
func (s *Server) queueProp(db int, args [][]byte, to uint8) {
	if to&s.propTargets() == 0 {
		return
	}
	p := &s.prop
	p.buf = appendCommand(p.buf, args)
	p.ops = append(p.ops, propOp{db: db, end: len(p.buf), to: to})
}

// propTargets is where propagation goes now: the AOF when it is on, the
// replication stream when this primary has a backlog (a replica's
// stream is its primary's, which replFeedRaw passes on).
func (s *Server) propTargets() uint8 {
	var t uint8
	if s.aof.status != aofOff && s.aof.w != nil {
		t |= propAOF
	}
	if s.repl.backlog != nil && s.Cfg.ReplicaOfHost == "" {
		t |= propRepl
	}
	return t
}

// propagateDeletion propagates the deletion of a key the server removed
// by itself (expiry, eviction) as DEL, or UNLINK when lazy.
func (s *Server) propagateDeletion(db int, key []byte, lazy bool) {
	if !s.prop.on {
		return
	}
	s.alsoPropagate(db, delOrUnlink(lazy), key)
}

// enterUnit starts an execution unit: what is propagated until the
// matching exitUnit goes out together, unless an outer unit is running,
// which then takes it.
func (s *Server) enterUnit() {
	p := &s.prop
	if p.depth == len(p.frames) {
		p.frames = append(p.frames, propFrame{})
	}
	f := &p.frames[p.depth]
	f.dirty, f.prevent, f.force, f.argsSet = s.Dirty, false, 0, false
	p.depth++
}

// exitUnit ends the unit enterUnit started; the outermost one propagates
// everything gathered.
func (s *Server) exitUnit() {
	p := &s.prop
	p.depth--
	if p.depth == 0 {
		s.propagatePending()
		p.num = p.num[:0]
	}
}

// callPropagating runs cmd's handler for c as a propagating execution
// unit: what it changed is recorded, and when it is the outermost unit
// everything gathered is propagated.
func (s *Server) callPropagating(c *Client, cmd *Spec) {
	p := &s.prop
	s.enterUnit()
	cmd.Handler(c)
	f := &p.frames[p.depth-1] // frames may have grown under nested commands
	// Where it goes, as Valkey's call() works it out: everywhere if it
	// changed the dataset, plus where it forced itself, less where the
	// caller may not propagate (a script's server.set_repl). Dirty going
	// down (SAVE resets it) is no change: as in Valkey, such a command is
	// not propagated (a replica must not SAVE, or SHUTDOWN).
	if !f.prevent && cmd.Name != "exec" && p.on {
		to := f.force
		if s.Dirty > f.dirty {
			to = propAll
		}
		to &^= p.callOff
		if to != 0 {
			args := c.Argv
			if f.argsSet {
				args = f.args
			}
			if p.depth == 1 && len(p.ops) == 0 {
				// The unit is this command alone: it is encoded once,
				// where it is consumed, not first in p.buf.
				s.propagateArgs(c.DB, args, to)
			} else {
				s.queueProp(c.DB, args, to)
			}
		}
	}
	if f.argsSet {
		clear(f.args) // do not keep the arguments' memory alive
	}
	s.exitUnit()
}

// propagatePending sends the unit's commands out: one alone, several as
// a transaction, unless the command touches keys it did not name (KEYS
// and SCAN expiring keys on the way), whose deletions go out one by one
// as active expiry's do.
func (s *Server) propagatePending() {
	p := &s.prop
	if len(p.ops) == 0 {
		return
	}
	if !p.on {
		p.ops, p.buf = p.ops[:0], p.buf[:0]
		return
	}
	tx := len(p.ops) > 1
	if c := s.current; c != nil && c.Cmd != nil && c.Cmd.Flags&FlagTouchesArbitraryKeys != 0 {
		tx = false
	}
	if tx {
		s.propagateNow(-1, []byte(propMulti))
	}
	start := 0
	for _, op := range p.ops {
		if op.to&propAOF != 0 {
			s.aofFeed(op.db, p.buf[start:op.end])
		}
		if op.to&propRepl != 0 {
			s.replFeed(op.db, p.buf[start:op.end])
		}
		start = op.end
	}
	if tx {
		s.propagateNow(-1, []byte(propExec))
	}
	p.ops, p.buf = p.ops[:0], p.buf[:0]
	if cap(p.buf) > 1<<20 {
		p.buf = nil // a huge unit's buffer is not kept
	}
}

// propagateNow hands one encoded command to the consumers: the AOF and
// the replication stream.
func (s *Server) propagateNow(db int, cmd []byte) {
	s.aofFeed(db, cmd)
	s.replFeed(db, cmd)
}

// propagateArgs sends a command not encoded yet to targets to. When the
// replication stream does not take it the AOF encodes it straight into
// its buffer (if it is for the AOF); otherwise it is encoded once for
// both.
func (s *Server) propagateArgs(db int, args [][]byte, to uint8) {
	if to&propRepl == 0 || s.propTargets()&propRepl == 0 {
		if to&propAOF != 0 {
			s.aofFeedArgs(db, args)
		}
		return
	}
	p := &s.prop
	start := len(p.buf)
	p.buf = appendCommand(p.buf, args)
	cmd := p.buf[start:]
	if to&propAOF != 0 {
		s.aofFeed(db, cmd)
	}
	s.replFeed(db, cmd)
	p.buf = p.buf[:start]
}

// setPropagating switches propagation on or off, as the consumers come
// and go.
func (s *Server) setPropagating(on bool) {
	s.prop.on = on
	if !on {
		s.prop.ops, s.prop.buf = s.prop.ops[:0], s.prop.buf[:0]
	}
}

// propBatchMax is how many members one propagated SREM (or HDEL) names
// at most (Valkey's SPOP_MOVE_STRATEGY batch and EXPIRE_BULK_LIMIT).
const propBatchMax = 1024

// propBatch gathers the members a command removed into commands of at
// most propBatchMax of them, each propagated as it fills (SPOP with a
// count propagates as SREMs).
type propBatch struct {
	s     *Server
	db    int
	n     int      // members in args
	args  [][]byte // command, key, members: slices of store
	ends  []int    // where each argument ends in store
	store []byte
}

// newPropBatch starts a batch of cmd key member..., or returns nil when
// nothing is propagated (its methods accept nil).
func (s *Server) newPropBatch(db int, cmd, key []byte) *propBatch {
	if !s.prop.on {
		return nil
	}
	b := &s.prop.batch
	b.s, b.db, b.n = s, db, 0
	b.store = append(b.store[:0], cmd...)
	b.ends = append(b.ends[:0], len(b.store))
	b.store = append(b.store, key...)
	b.ends = append(b.ends, len(b.store))
	return b
}

// add adds a member (copied).
func (b *propBatch) add(m []byte) {
	if b == nil {
		return
	}
	b.store = append(b.store, m...)
	b.ends = append(b.ends, len(b.store))
	b.n++
	if b.n == propBatchMax {
		b.flush()
	}
}

// addMember adds a set member in any of its encodings.
func (b *propBatch) addMember(str []byte, v int64, isInt bool) {
	if b == nil {
		return
	}
	if isInt {
		var num [20]byte
		b.add(strconv.AppendInt(num[:0], v, 10))
		return
	}
	b.add(str)
}

// flush propagates what the batch holds.
func (b *propBatch) flush() {
	if b == nil || b.n == 0 {
		return
	}
	b.args = b.args[:0]
	start := 0
	for _, end := range b.ends {
		b.args = append(b.args, b.store[start:end])
		start = end
	}
	b.s.alsoPropagate(b.db, b.args...)
	keyEnd := b.ends[1]
	b.store, b.ends, b.n = b.store[:keyEnd], b.ends[:2], 0
}
