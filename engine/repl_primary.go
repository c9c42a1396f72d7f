package engine

// The primary side of replication: SYNC/PSYNC, streaming to replicas,
// REPLCONF, WAIT. (Being built.)

// replFeedReplicas hands b, just added to the stream, to the replicas.
func (s *Server) replFeedReplicas(b []byte) {}

// infoReplicas writes INFO replication's connected_slaves, the replicas
// and replicas_waiting_psync.
func (s *Server) infoReplicas(w *infoWriter) {
	w.int("connected_slaves", 0)
	w.int("replicas_waiting_psync", 0)
}
