package engine

import (
	"time"

	glua "github.com/yuin/gopher-lua"
)

// Busy scripts (Valkey's script timeout: script.c's scriptInterrupt and
// the Lua count hook). A script that has run longer than
// busy-reply-threshold does not give the engine back, but it lets other
// clients in between its instructions: their commands are refused with
// -BUSY unless the command table marks them allow_busy (SCRIPT KILL,
// FUNCTION KILL, SHUTDOWN, MULTI, AUTH, ...), and SCRIPT KILL makes the
// script stop where it is.
//
// gopher-lua has no instruction-count hook, but a state with a context
// asks that context for its Done channel before every instruction. The
// context a script runs under is a luaHook, whose Done counts
// instructions down and, every hookInstructions of them, checks the
// script's time and, once the script has timed out, has the I/O layer
// serve the other clients (SetBusyHooks) and raises the kill error when
// asked to stop. Done returns a nil channel, so the VM never stops on its
// own. The cost is an indirect call per instruction, paid by scripts only.
//
// Everything here runs on the goroutine running the script, which holds
// the engine; WhileBusy gives the engine to other goroutines for a
// moment (the coordinator's Yield) and has it back when it returns.

// hookInstructions is how many Lua instructions run between two looks at
// the clock (about a millisecond of a busy loop).
const hookInstructions = 1 << 14

// busyState is the busy-script state of the server's scripting.
type busyState struct {
	countdown int  // instructions left until the next tick
	timedOut  bool // past busy-reply-threshold: others get -BUSY (Valkey's SCRIPT_TIMEDOUT)
	stopping  bool // SHUTDOWN NOSAVE was accepted while timed out: stop the script

	during func(s *Server, caller *Client) // the I/O layer's service of other clients
	ended  func(s *Server, caller *Client) // the I/O layer's end of it
	now    func() int64                    // monotonic ns; tests fake it
}

// SetBusyHooks gives the engine the I/O layer's part of busy scripts:
// during is called every tick of a timed-out script, from the goroutine
// running it, to serve other clients' commands through Call (which
// refuses all but allow_busy ones) and then return; ended is called when
// such a script ends, so that the I/O layer can stop serving that way.
// caller is the client running the script.
func (s *Server) SetBusyHooks(during, ended func(s *Server, caller *Client)) {
	s.script.busy.during = during
	s.script.busy.ended = ended
}

// ScriptTimedOut reports whether a script has run past
// busy-reply-threshold and is serving other clients meanwhile.
func (s *Server) ScriptTimedOut() bool { return s.script.busy.timedOut }

func (b *busyState) clock(s *Server) int64 {
	if b.now != nil {
		return b.now()
	}
	return s.mono.now()
}

// luaHook is the context.Context a Lua thread runs scripts under: its
// Done is the instruction-count hook.
type luaHook struct {
	ls *luaState
	L  *glua.LState // the thread it is installed on: errors are raised there
}

func (h *luaHook) Deadline() (time.Time, bool) { return time.Time{}, false }
func (h *luaHook) Err() error                  { return nil }
func (h *luaHook) Value(any) any               { return nil }

// Done is called by gopher-lua before every instruction.
func (h *luaHook) Done() <-chan struct{} {
	b := &h.ls.srv.script.busy
	b.countdown--
	if b.countdown <= 0 {
		h.ls.srv.scriptTick(h.ls, h.L)
	}
	return nil
}

// startHook installs the hook on ls for a run.
func (ls *luaState) startHook() {
	ls.srv.script.busy.countdown = hookInstructions
	if ls.hook == nil {
		ls.hook = &luaHook{ls: ls, L: ls.L}
	}
	ls.L.SetContext(ls.hook)
}

// scriptTick is the hook's periodic part: time the script out, serve
// the other clients, and stop a killed script.
func (s *Server) scriptTick(ls *luaState, L *glua.LState) {
	st := &s.script
	b := &st.busy
	b.countdown = hookInstructions
	run := st.running
	if run == nil {
		return
	}
	if !b.timedOut {
		elapsed := (b.clock(s) - run.start) / 1e6
		if elapsed < s.Cfg.BusyReplyThreshold {
			return
		}
		s.Log.Warningf("Slow script detected: still in execution after %d milliseconds. You can try killing the script using the %s command. Script name is: %s.", elapsed, kill(run), run.name)
		b.timedOut = true
	}
	s.serveWhileBusy(run)
	if run.killed || b.stopping {
		if run.killed {
			s.Log.Noticef("Script killed by user with %s.", kill(run))
		}
		// Every instruction from now on raises the error again, so that a
		// pcall or a coroutine that caught it cannot keep the script going.
		b.countdown = 1
		L.Error(ls.killError(), 0)
	}
}

// serveWhileBusy lets the I/O layer run other clients' commands. The
// commands run through Call as nested calls, so the per-command state of
// the script's own command is kept aside meanwhile.
func (s *Server) serveWhileBusy(run *scriptRun) {
	b := &s.script.busy
	if b.during == nil {
		return
	}
	// Each nested Call flushes its own pushes before it returns, so the
	// script's are simply put back.
	current, nowMs, tick, push := s.current, s.nowMs, s.tick, s.pendingPush
	s.pendingPush = nil
	s.updateCachedTime(s.Clock.NowMs())
	b.during(s, run.caller)
	s.current, s.nowMs, s.tick, s.pendingPush = current, nowMs, tick, push
}

// endBusy ends a run's timed-out state, if it had one.
func (s *Server) endBusy(run *scriptRun) {
	b := &s.script.busy
	if !b.timedOut {
		return
	}
	b.timedOut = false
	b.stopping = false
	if b.ended != nil {
		b.ended(s, run.caller)
	}
}

// busyError is the -BUSY error a command gets while a script is timed
// out (without its '-').
func (s *Server) busyError() string {
	name := s.serverTitle()
	return "BUSY " + name + " is busy running a script. You can only call " + kill(s.script.running) + " or SHUTDOWN NOSAVE."
}

// kill names the command that kills run.
func kill(run *scriptRun) string {
	if run != nil && run.eval {
		return "SCRIPT KILL"
	}
	return "FUNCTION KILL"
}

// shutdownWhileBusy is SHUTDOWN's check while a script is timed out: only
// NOSAVE may stop the server then, and it stops the script too. It
// returns the error to reply, or "".
func (s *Server) shutdownWhileBusy(flags ShutdownFlags) string {
	if !s.script.busy.timedOut {
		return ""
	}
	if flags&ShutdownNoSave == 0 {
		return s.busyError()
	}
	s.script.busy.stopping = true
	return ""
}

// hookCoroutines makes coroutine.create and coroutine.wrap put the hook
// on the threads they make while a script runs: gopher-lua gives a new
// thread a plain child of its parent's context, which would let a
// coroutine loop forever unseen. It runs before the globals are
// protected.
func (ls *luaState) hookCoroutines() {
	co, ok := ls.globals.RawGetString("coroutine").(*glua.LTable)
	if !ok {
		return
	}
	for _, name := range [...]string{"create", "wrap"} {
		orig, ok := co.RawGetString(name).(*glua.LFunction)
		if !ok || orig.GFunction == nil {
			continue
		}
		co.RawSetString(name, ls.L.NewFunction(func(L *glua.LState) int {
			n := orig.GFunction(L)
			if _, hooked := L.Context().(*luaHook); !hooked || n != 1 {
				return n
			}
			var th *glua.LState
			switch v := L.Get(-1).(type) {
			case *glua.LState:
				th = v
			case *glua.LFunction: // wrap's closure holds its thread
				if len(v.Upvalues) > 0 {
					th, _ = v.Upvalues[0].Value().(*glua.LState)
				}
			}
			if th != nil {
				th.SetContext(&luaHook{ls: ls, L: th})
			}
			return n
		}))
	}
}
