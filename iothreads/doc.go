// Package iothreads runs the client-facing event loops on gnet.
//
// Each connection belongs to one event loop, which owns its query buffer,
// parser state and spare reply buffer. On readable data the loop parses
// every complete command into one batch (arguments are slices of the
// read buffer, not copies), holds the engine once for the whole batch,
// swaps the client's reply buffer for its spare, lets go of the engine,
// and writes all the replies with one writev. A partial command's bytes
// are kept in the connection's own query buffer, grown once to the size
// a large bulk argument needs.
//
// The engine reaches a connection only through engine.Link: Wake to have
// the loop flush output that another client's command produced (pub/sub,
// unblocking), and Close.
//
// TLS connections (tls-port; gnet has no TLS) are served by crypto/tls on
// standard listeners, a few goroutines per connection, through the same
// conn code: conn reaches its connection only through the transport
// interface, which gnet.Conn and tlsConn both implement (tls.go).
package iothreads
