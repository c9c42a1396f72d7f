// Package config is Volley's configuration, as data: the table of every
// directive Valkey 9.0 knows (name, alias, kind, range, default, flags),
// the typed Config the server reads, and the behaviour users see through
// it — valkey.conf parsing with includes and command-line overrides, the
// exact fatal start-up errors, CONFIG GET, CONFIG SET and CONFIG REWRITE.
//
// Each directive in the table is bound either to a typed field of Config
// (the ones the server reads often) or to a slot of a generic store, so
// there is one source of truth: parsing, CONFIG GET formatting, CONFIG SET
// validation and rollback, and rewriting all go through the table.
// Directives Volley does not act on are still accepted, stored, reported
// and rewritten, so that CONFIG GET * lists the same names as Valkey;
// Directive.Implemented tells them apart.
//
// The package does not touch the process: it does not chdir (Config.Dir
// holds the directory to use), open listeners, or change GOMEMLIMIT. The
// server does that at start-up from the fields, and at run time from
// functions registered with Config.OnChange, which CONFIG SET calls after
// a change and whose error rolls the change back.
//
// Goroutines: a Config is owned by the engine goroutine. The engine reads
// its fields directly; Set and Rewrite are called only while holding the
// engine, and nothing in the package locks. Load runs before the engine
// starts.
package config
