// Package resp is Volley's RESP codec: everything that knows how bytes on a
// client connection map to commands and replies, and nothing else.
//
// It owns:
//
//   - Parser, which turns a client's input stream into commands: RESP
//     multibulk requests and inline (telnet-style) lines, with Valkey's exact
//     limits and protocol error replies. It hands out arguments as slices of
//     the caller's buffer and resumes partial commands without rescanning, so
//     parsing costs no allocations in steady state.
//   - SplitArgs, Valkey's rule for splitting a line into quoted arguments,
//     shared by the inline protocol and the configuration file.
//   - The Append* reply writers, RESP2 and RESP3, and FormatDouble, which
//     formats doubles byte for byte as Valkey does.
//   - Reader, a decoder for replies (RESP2 and RESP3) for tests, tools and
//     outbound links.
//
// The package is a leaf: it imports only the standard library, and nothing
// in it holds global state, so any goroutine may use it. A Parser or a Reader
// belongs to one connection and must not be used by two goroutines at once.
package resp
