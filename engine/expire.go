package engine

// activeExpireCycle reclaims expired keys in the background, time-boxed.
func (s *Server) activeExpireCycle(nowMs int64) {}
