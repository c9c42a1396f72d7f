package engine

import (
	"time"
	_ "unsafe" // for go:linkname
)

// nanotime is the runtime's monotonic clock: cheaper than time.Now, which
// also reads the wall clock. The dispatcher reads it once per command.
//
//go:linkname nanotime runtime.nanotime
func nanotime() int64

// Clock is the wall clock the engine reads for expiry and timestamps.
// Tests replace it with a fake; production uses time.Now.
type Clock interface {
	NowMs() int64
}

type wallClock struct{}

func (wallClock) NowMs() int64 { return time.Now().UnixMilli() }

// FakeClock is a settable clock for tests.
type FakeClock struct{ Ms int64 }

// NowMs returns the clock's current time.
func (f *FakeClock) NowMs() int64 { return f.Ms }

// Advance moves the clock forward.
func (f *FakeClock) Advance(d time.Duration) { f.Ms += d.Milliseconds() }

// nanotimeWall returns the wall clock in Unix nanoseconds.
func nanotimeWall() int64 { return time.Now().UnixNano() }
