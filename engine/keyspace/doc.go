// Package keyspace holds the keys: Table, the hash table each database's
// main and expires dictionaries (and, in cluster mode, each slot's) are built
// on, and Arena, the memory its records live in. The databases, expiry
// policies and commands are built on top of it in this package.
//
// # Concurrency
//
// Nothing here is safe for concurrent use. Only the goroutine holding the
// engine (the coordinator) touches a Table, its Arena, and the Entries and
// slices they hand out. The one exception is Arena.Release, which may run on
// another goroutine once the coordinator has let go of the Arena.
//
// # The table
//
// Table follows Valkey 9's hashtable: 64-byte buckets of seven slots with a
// byte of hash per slot, chained through the last slot when full; a seeded
// hash (hash/maphash) so clients cannot aim collisions; incremental rehashing
// into a second table, one bucket per lookup or write plus RehashStep from the
// cron, so no command ever waits for a resize; growth at 100% fill and
// shrinking at 13%; SCAN with the reverse-binary cursor, which returns every
// key present for the whole scan across any resizes; random sampling built on
// that scan. Hash, BucketAddr, EntryHint and GetHashed let the batch executor
// hash a batch's keys and prefetch buckets and records before it looks up.
//
// # Memory layout
//
// The goal is Valkey's memory per key or less, with a garbage collector that
// does not notice the keyspace. A Go map[string]*T costs three heap objects
// per key (key string, entry struct, value bytes) that the GC must mark on
// every cycle, plus the map's own slots: for DEBUG POPULATE 1000000 key 100
// (10-byte keys, 100-byte values) that is 232 heap bytes and 279 resident
// bytes per key and 0.2 s per full GC on this machine, and the heap goal of
// GOGC=100 lets the resident set run up to twice the live heap. Valkey 9 needs
// about 163 resident bytes per key for the same data.
//
// So nothing the table holds is a Go pointer:
//
//   - A record is one key with its value: a 7-byte header (24-bit LRU clock
//     and 8-bit LFU counter, flags, the engine's type tag, a snapshot mark),
//     the key and value lengths in 1, 2 or 4 bytes each, an optional 8-byte
//     expiry, an optional 4-byte object index, then the key and value bytes.
//     See record.go.
//   - Records sit in slots of size-classed slabs (8-byte steps up to 256,
//     four classes per doubling up to 32 KiB) carved from 256 KiB chunks. A
//     bucket slot holds a ref, chunk index and offset in 64 bits, not a
//     pointer; resolving it is one load from a chunk table that stays in L1.
//     Child buckets and small bucket arrays live in the same slabs.
//   - On Linux the chunks and large bucket arrays are mapped from the kernel
//     outside the Go heap (osmem_linux.go): the GC neither scans nor paces on
//     them, and an emptied chunk's pages go back to the OS at once. Elsewhere
//     they are noscan heap allocations, a few hundred objects in all.
//   - Values that contain Go pointers (lists, hashes, sets ... in their large
//     encodings) are kept as an index into the Arena's []any, so the GC sees
//     one reference per such value and none for strings. Records over 32 KiB
//     (or the SetLargeRecord limit) get a block of their own, on Linux
//     outside the Go heap as well when it is 16 KiB or more
//     (largemem_linux.go), else a noscan heap object; their value bytes are
//     Stable and may be sent by reference, pinned until written (see Pin).
//
// Measured with BenchmarkMemory1M (1M keys "key:N", 100-byte values, table
// sized up front as DEBUG POPULATE does): 120-byte record slots plus 16.8
// bytes of buckets, 137.6 bytes per key held by the Arena and 142.5
// resident; the Go heap grows by 0.02 bytes per key and a full GC takes the
// 2-5 ms it takes in an empty process here, whatever the key count.
//
// The price is discipline: an Entry and the slices it returns alias slab
// memory, and stay valid only until their key is written (see Entry); a slot
// is reused as soon as it is freed. Copy before that, or rely on Stable.
//
// # Snapshots
//
// Go cannot fork, so snapshots are taken by the coordinator a few buckets at
// a time with a copy-ahead rule; each record carries the epoch in which it was
// last saved, and the table calls the running snapshot's hook with any unsaved
// record before it changes it. See snapshot.go.
package keyspace
