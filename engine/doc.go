// Package engine is everything a command means: the command table and
// its dispatcher, clients and their replies, and the command groups, each
// in files named for its Valkey group.
//
// A Server is not safe for concurrent use. Exactly one goroutine at a
// time holds it, through loop.Coordinator: an I/O loop executing a batch,
// or the cron timer. Every exported method, every handler and every
// Client method runs on that holder. The only exception is Logger, which
// is safe anywhere.
//
// The command specs (spec_*.go) are data: name, arity, flags, key specs,
// ACL categories and docs, one file per group. Handlers are code, kept
// beside the rest of their group's logic and joined to the specs by
// name in registry.go, so the facts COMMAND reports and the code that
// runs cannot drift apart silently: an unknown name fails at start-up.
//
// Subsystems with a boundary of their own live in subpackages: resp (the
// wire codec), config (directives), keyspace (the hash table).
package engine
