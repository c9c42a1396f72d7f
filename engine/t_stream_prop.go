package engine

import (
	"strconv"

	"github.com/volleydb/volley/engine/stream"
)

// Propagation of consumer groups. What XREADGROUP, XCLAIM and XAUTOCLAIM
// do to a group depends on the clock and on what the group held, so they
// never propagate as called. Each states what it did, in forms that give
// the same group whenever they are replayed, byte for byte as Valkey
// writes them:
//
//	XCLAIM key group consumer 0 id TIME ms RETRYCOUNT n FORCE JUSTID LASTID id
//
// for every pending entry a read or a claim created, moved or found
// deleted (on the replaying side, a deleted entry's XCLAIM drops it from
// the PEL as it did here);
//
//	XGROUP SETID key group id ENTRIESREAD n
//
// for a read that moved the group's last-delivered ID (XCLAIM's LASTID
// does not carry the read counter), and for an XCLAIM LASTID that moved it
// without claiming anything;
//
//	XGROUP CREATECONSUMER key group consumer
//
// for a consumer a NOACK read created: no XCLAIM names it. A consumer a
// read or claim creates without delivering anything is not propagated at
// all, nor is a history read's new delivery time and count: Valkey does
// not, and its replicas' groups are what Volley's must equal.

// Argument spellings of the group propagation, as Valkey's shared strings.
var (
	argXCLAIM         = []byte("XCLAIM")
	argXGROUP         = []byte("XGROUP")
	argTIME           = []byte("TIME")
	argRETRYCOUNT     = []byte("RETRYCOUNT")
	argFORCE          = []byte("FORCE")
	argJUSTID         = []byte("JUSTID")
	argLASTID         = []byte("LASTID")
	argSETID          = []byte("SETID")
	argENTRIESREAD    = []byte("ENTRIESREAD")
	argCREATECONSUMER = []byte("CREATECONSUMER")
	argZero           = []byte("0")
)

// propagateXclaim propagates the state of the pending entry id (as idArg
// spells it) of group g: its consumer, delivery time and count, and the
// group's last-delivered ID (streamPropagateXCLAIM).
func (s *Server) propagateXclaim(db int, key, group []byte, g *stream.Group, idArg []byte, nack *stream.NACK) {
	if !s.prop.on {
		return
	}
	// Two IDs and two integers fit: at most 2*41 + 2*20 bytes.
	var scratch [128]byte
	b := strconv.AppendInt(scratch[:0], nack.DeliveryTime, 10)
	t := len(b)
	b = strconv.AppendInt(b, int64(nack.DeliveryCount), 10) // Valkey prints it as a long long
	n := len(b)
	b = g.LastID.Append(b)
	s.alsoPropagate(db, argXCLAIM, key, group, bstr(nack.Consumer.Name), argZero, idArg,
		argTIME, b[:t], argRETRYCOUNT, b[t:n], argFORCE, argJUSTID, argLASTID, b[n:])
}

// propagateXclaimID is propagateXclaim of an entry known by its ID.
func (s *Server) propagateXclaimID(db int, key, group []byte, g *stream.Group, id stream.ID, nack *stream.NACK) {
	if !s.prop.on {
		return
	}
	var scratch [41]byte
	s.propagateXclaim(db, key, group, g, id.Append(scratch[:0]), nack)
}

// propagateGroupID propagates g's last-delivered ID and read counter
// (streamPropagateGroupID).
func (s *Server) propagateGroupID(db int, key, group []byte, g *stream.Group) {
	if !s.prop.on {
		return
	}
	var scratch [64]byte
	b := g.LastID.Append(scratch[:0])
	n := len(b)
	b = strconv.AppendInt(b, g.EntriesRead, 10)
	s.alsoPropagate(db, argXGROUP, argSETID, key, group, b[:n], argENTRIESREAD, b[n:])
}

// propagateConsumerCreation propagates the creation of consumer
// (streamPropagateConsumerCreation).
func (s *Server) propagateConsumerCreation(db int, key, group, consumer []byte) {
	s.alsoPropagate(db, argXGROUP, argCREATECONSUMER, key, group, consumer)
}
