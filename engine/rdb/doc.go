// Package rdb owns the byte-level RDB format of Valkey 9.0: what RDB
// files, replication snapshots and DUMP/RESTORE payloads are made of,
// kept byte-identical to what Valkey writes because those bytes are
// exchanged with real Valkey servers.
//
// It holds the pieces below the object layer:
//
//   - Writer and Reader: lengths, strings in every encoding (integer,
//     LZF, plain), doubles, times, opcodes, the header and the CRC64
//     footer, with a running checksum of the stream;
//   - CRC64, Valkey's Jones CRC-64;
//   - LZFCompress and LZFDecompress, liblzf as Valkey builds it;
//   - the DUMP payload trailer (AppendDumpTrailer, VerifyDumpPayload);
//   - the legacy encodings older files carry and Valkey converts on load:
//     ziplists and zipmaps to listpacks, and intset validation.
//
// How each value type lays out its fields, and what to do with a loaded
// key, belongs to the engine; saving and loading whole files (forks,
// temp files, replication transfer) belongs to the persistence code.
//
// Everything that reads bytes from outside (Reader, LZFDecompress,
// VerifyDumpPayload, the legacy converters) is written for untrusted
// input: it returns an error rather than panic, and never allocates
// far ahead of the data it has actually received.
//
// A Writer or Reader belongs to one goroutine at a time. The package
// functions keep no shared state that callers can see and are safe for
// concurrent use.
package rdb
