//go:build !linux

package iothreads

import "github.com/volleydb/volley/engine"

// Off Linux a busy script's own loop serves nothing while it runs (the
// poll in busy_linux.go is epoll's); the other loops, the cron and
// background saves still get the engine through the yield.

// busyPoll is unused off Linux.
type busyPoll struct{}

// whileBusy is the engine's busy hook (engine.Server.SetBusyHooks).
func (s *Server) whileBusy(*engine.Server, *engine.Client) { s.co.Yield() }

// busyEnded is the engine's hook for the end of a timed-out script.
func (s *Server) busyEnded(*engine.Server, *engine.Client) {}

// busyServer is nil: off Linux nothing is opened while a script is busy.
func (ls *loopState) busyServer() *engine.Server { return nil }

// busyWatch is never called off Linux.
func (ls *loopState) busyWatch(*conn) {}
