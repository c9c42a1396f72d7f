// Package loop is the coordinator: it owns the engine.
//
// Exactly one goroutine at a time holds the engine, by holding the
// Coordinator. An I/O loop holds it for a whole batch of parsed commands
// (every command a client sent in one read), so commands run one at a
// time, atomically and in arrival order, as in Valkey, and MULTI/EXEC,
// scripts, WATCH, blocking commands and keyspace notifications need no
// locks of their own. The cron goroutine holds it for each timer step
// (client timeouts, active expiry, statistics).
//
// With io-threads 1 there is one I/O loop, so the hold is uncontended
// except against cron: parsing, execution and the reply write all happen
// inline on that loop with no hand-off. With io-threads N the loops
// parse and write in parallel and take turns executing.
package loop
