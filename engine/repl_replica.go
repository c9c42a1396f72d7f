package engine

// The replica side of replication: REPLICAOF and the link to a primary.
// (Being built.)

// infoPrimaryLink writes INFO replication's fields of a replica's link
// to its primary, from master_host to replica_announced.
func (s *Server) infoPrimaryLink(w *infoWriter) {}
