package engine

import (
	"strconv"
	"strings"
	"unsafe"
)

// ClientCounts are the per-client counters CLIENT LIST reports for state
// other subsystems own. Each owner keeps its counters current; CLIENT
// LIST only reads them.
type ClientCounts struct {
	Multi      int   // MULTI: commands queued (reported from the client's first MULTI or WATCH)
	MultiMem   int   // MULTI: bytes of the queued commands' arguments
	MultiFlags Flags // MULTI: union of the queued commands' flags (CLIENT PAUSE WRITE holds EXEC back by them)
	Watch      int   // WATCH: keys watched
}

// ClientCapa is the set of capabilities a client declared with CLIENT CAPA.
type ClientCapa uint8

const (
	// CapaRedirect: the client follows -REDIRECT replies from a replica
	// to its primary in standalone mode.
	CapaRedirect ClientCapa = 1 << iota
)

// ClientType is the class CLIENT LIST/KILL TYPE filters on.
type ClientType int8

const (
	ClientTypeNormal ClientType = iota
	ClientTypeReplica
	ClientTypePubSub
	ClientTypePrimary
)

// clientTypeByName parses a TYPE filter; ok is false for an unknown name.
func clientTypeByName(name []byte) (ClientType, bool) {
	switch n := string(name); {
	case strings.EqualFold(n, "normal"):
		return ClientTypeNormal, true
	case strings.EqualFold(n, "slave"), strings.EqualFold(n, "replica"):
		return ClientTypeReplica, true
	case strings.EqualFold(n, "pubsub"):
		return ClientTypePubSub, true
	case strings.EqualFold(n, "master"), strings.EqualFold(n, "primary"):
		return ClientTypePrimary, true
	}
	return 0, false
}

// clientType classifies c as Valkey's getClientType does: MONITOR
// clients count as normal ones.
func clientType(c *Client) ClientType {
	switch {
	case c.Flags&ClientPrimary != 0:
		return ClientTypePrimary
	case c.Flags&ClientReplica != 0 && c.Flags&ClientMonitor == 0:
		return ClientTypeReplica
	case c.Flags&ClientPubSub != 0:
		return ClientTypePubSub
	}
	return ClientTypeNormal
}

// clientFlagLetters is the flags= alphabet in the order CLIENT LIST
// prints it. S and O are handled apart (a MONITOR client is a replica
// printed as O). Letters Valkey defines for state Volley does not have
// yet (i, E: atomic slot migration) are accepted by the FLAGS filters
// but never printed.
var clientFlagLetters = [...]struct {
	f      ClientFlags
	letter byte
}{
	{ClientPrimary, 'M'},
	{ClientPubSub, 'P'},
	{ClientMulti, 'x'},
	{ClientBlocked, 'b'},
	{ClientTracking, 't'},
	{ClientTrackingBrokenRedir, 'R'},
	{ClientTrackingBcast, 'B'},
	{ClientDirtyCAS, 'd'},
	{ClientCloseAfterReply, 'c'},
	{ClientUnblocked, 'u'},
	{ClientCloseASAP, 'A'},
	{ClientUnixSocket, 'U'},
	{ClientReadonly, 'r'},
	{ClientNoEvict, 'e'},
	{ClientNoTouch, 'T'},
	{ClientImportSource, 'I'},
}

// appendClientFlags appends c's flags= letters, N for none.
func appendClientFlags(dst []byte, c *Client) []byte {
	start := len(dst)
	if c.Flags&(ClientReplica|ClientMonitor) != 0 {
		if c.Flags&ClientMonitor != 0 {
			dst = append(dst, 'O')
		} else {
			dst = append(dst, 'S')
		}
	}
	for _, fl := range clientFlagLetters {
		if c.Flags&fl.f != 0 {
			dst = append(dst, fl.letter)
		}
	}
	if len(dst) == start {
		dst = append(dst, 'N')
	}
	return dst
}

// clientHasFlagLetter reports whether c has the state letter stands for,
// as the FLAGS filters test it. N means no flag at all.
func clientHasFlagLetter(c *Client, letter byte) bool {
	switch letter {
	case 'O':
		return c.Flags&ClientMonitor != 0
	case 'S':
		return c.Flags&(ClientReplica|ClientMonitor) != 0
	case 'N':
		var any ClientFlags = ClientReplica | ClientMonitor
		for _, fl := range clientFlagLetters {
			any |= fl.f
		}
		return c.Flags&any == 0
	}
	for _, fl := range clientFlagLetters {
		if fl.letter == letter {
			return c.Flags&fl.f != 0
		}
	}
	return false // R, B, i, E: states Volley has no client in yet
}

// validFlagLetters are the letters the FLAGS and NOT-FLAGS filters accept.
const validFlagLetters = "OSMPxbtRBdcuAUreTIiEN"

// clientStructSize is a client's fixed footprint for tot-mem.
const clientStructSize = int(unsafe.Sizeof(Client{}))

// argvMem returns the bytes of the arguments c is executing (or, when
// postponed by a pause, waiting to execute).
func argvMem(c *Client) int {
	if c.Argv == nil {
		return c.ArgvMem
	}
	argv := c.Argv
	if c.multi != nil && c.multi.execArgv != nil {
		argv = c.multi.execArgv // running a transaction: EXEC's, as Valkey counts it
	}
	n := 0
	for _, a := range argv {
		n += len(a)
	}
	return n
}

// appendClientInfo appends c's CLIENT LIST / CLIENT INFO line, without
// the trailing newline, field for field as Valkey 9.0 prints it.
//
// The memory fields describe Volley's own buffers: rbs is the capacity of
// the reply buffer, rbp and obl the bytes pending in it, oll and omem the
// values queued by reference (zero-copy) beyond it, omem also what the
// connection holds that the socket has not yet taken, qbuf the unparsed
// input the I/O loop holds and qbuf-free the rest of its buffer, and
// tot-mem their sum plus the client's fixed size.
func (s *Server) appendClientInfo(dst []byte, c *Client, now int64) []byte {
	dst = append(dst, "id="...)
	dst = strconv.AppendInt(dst, c.ID, 10)
	dst = append(dst, " addr="...)
	dst = append(dst, c.Addr...)
	dst = append(dst, " laddr="...)
	dst = append(dst, c.LAddr...)
	dst = append(dst, " fd="...)
	dst = strconv.AppendInt(dst, int64(c.Fd), 10)
	dst = append(dst, " name="...)
	dst = append(dst, c.Name...)
	// Valkey keeps creation and last-interaction times in whole seconds.
	dst = append(dst, " age="...)
	dst = strconv.AppendInt(dst, now/1000-c.Created/1000, 10)
	dst = append(dst, " idle="...)
	dst = strconv.AppendInt(dst, now/1000-c.LastInteraction/1000, 10)
	dst = append(dst, " flags="...)
	dst = appendClientFlags(dst, c)
	dst = append(dst, " capa="...)
	if c.Capa&CapaRedirect != 0 {
		dst = append(dst, 'r')
	}
	dst = append(dst, " db="...)
	dst = strconv.AppendInt(dst, int64(c.DB), 10)
	dst = append(dst, " sub="...)
	dst = strconv.AppendInt(dst, int64(c.subs(kindChannel)), 10)
	dst = append(dst, " psub="...)
	dst = strconv.AppendInt(dst, int64(c.subs(kindPattern)), 10)
	dst = append(dst, " ssub="...)
	dst = strconv.AppendInt(dst, int64(c.subs(kindShard)), 10)
	multi, multiMem := -1, 0
	if c.multi != nil { // Valkey reports a client's queue from its first MULTI or WATCH on
		multi, multiMem = c.Counts.Multi, c.Counts.MultiMem
	}
	dst = append(dst, " multi="...)
	dst = strconv.AppendInt(dst, int64(multi), 10)
	dst = append(dst, " watch="...)
	dst = strconv.AppendInt(dst, int64(c.Counts.Watch), 10)
	qbuf, qbufFree := c.QueryBuf()
	dst = append(dst, " qbuf="...)
	dst = strconv.AppendInt(dst, int64(qbuf), 10)
	dst = append(dst, " qbuf-free="...)
	dst = strconv.AppendInt(dst, int64(qbufFree), 10)
	argv := argvMem(c)
	dst = append(dst, " argv-mem="...)
	dst = strconv.AppendInt(dst, int64(argv), 10)
	dst = append(dst, " multi-mem="...)
	dst = strconv.AppendInt(dst, int64(multiMem), 10)

	out := &c.Out
	pending := len(out.buf) + len(out.hdrs) // bytes in the buffer, not referenced values
	oll, omem := 0, 0
	if out.refLen > 0 {
		oll, omem = len(out.segs), out.refLen
	}
	held := c.sendPending() // sent on by the connection, not yet taken by the socket
	omem += held
	dst = append(dst, " rbs="...)
	dst = strconv.AppendInt(dst, int64(cap(out.buf)), 10)
	dst = append(dst, " rbp="...)
	dst = strconv.AppendInt(dst, int64(pending), 10)
	dst = append(dst, " obl="...)
	dst = strconv.AppendInt(dst, int64(pending), 10)
	dst = append(dst, " oll="...)
	dst = strconv.AppendInt(dst, int64(oll), 10)
	dst = append(dst, " omem="...)
	dst = strconv.AppendInt(dst, int64(omem), 10)
	totMem := clientStructSize + out.Cap() + omem + qbuf + qbufFree + argv + multiMem
	dst = append(dst, " tot-mem="...)
	dst = strconv.AppendInt(dst, int64(totMem), 10)
	dst = append(dst, " events="...)
	if c.link != nil {
		dst = append(dst, 'r')
	}
	if held > 0 { // Valkey waits for the socket to take the rest with a write handler
		dst = append(dst, 'w')
	}
	dst = append(dst, " cmd="...)
	cmd := c.Cmd
	if c.multi != nil && c.multi.execCmd != nil {
		cmd = c.multi.execCmd // running a transaction: EXEC, as Valkey shows it
	}
	if cmd != nil {
		dst = append(dst, cmd.FullName...)
	} else {
		dst = append(dst, "NULL"...)
	}
	dst = append(dst, " user="...)
	dst = append(dst, c.User.Name...)
	dst = append(dst, " redir=-1"...) // no client tracks keys yet (see CLIENT TRACKING)
	dst = append(dst, " resp="...)
	dst = strconv.AppendInt(dst, int64(c.Proto), 10)
	dst = append(dst, " lib-name="...)
	dst = append(dst, c.LibName...)
	dst = append(dst, " lib-ver="...)
	dst = append(dst, c.LibVer...)
	dst = append(dst, " tot-net-in="...)
	dst = strconv.AppendInt(dst, c.NetIn, 10)
	dst = append(dst, " tot-net-out="...)
	dst = strconv.AppendInt(dst, c.NetOut, 10)
	dst = append(dst, " tot-cmds="...)
	dst = strconv.AppendInt(dst, c.TotCmds, 10)
	return dst
}
