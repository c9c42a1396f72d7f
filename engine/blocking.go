package engine

// signalKeyAsReady tells clients blocked on key in db that it may now
// serve them (a push, a rename or a move onto the key), as Valkey's
// signalKeyAsReady. typ is the type of the value now at key.
func (s *Server) signalKeyAsReady(db *DB, key []byte, typ uint8) {}

// scanDatabaseForReadyKeys signals every key of db that blocked clients
// wait for and that now holds a value (after SWAPDB).
func (s *Server) scanDatabaseForReadyKeys(db *DB) {}
