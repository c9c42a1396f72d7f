package engine

import (
	"testing"
	"time"
)

// The counter-based clock agrees with nanotime once calibrated.
func TestMonoClockTracksNanotime(t *testing.T) {
	var m monoClock
	m.init()
	if !m.usable {
		t.Skip("no constant-rate time-stamp counter here")
	}
	if m.ready {
		t.Fatal("ready before calibration")
	}
	time.Sleep(calibrationNs * time.Nanosecond)
	m.tick()
	if !m.ready {
		t.Fatal("not calibrated after the calibration span")
	}
	time.Sleep(20 * time.Millisecond)
	a, b := m.now(), nanotime()
	if d := b - a; d < -time.Millisecond.Nanoseconds() || d > time.Millisecond.Nanoseconds() {
		t.Fatalf("counter clock %d ns off nanotime after 20ms", d)
	}
	// Monotonic across a re-anchor.
	x := m.now()
	m.tick()
	if y := m.now(); y < x-int64(time.Millisecond) {
		t.Fatalf("clock went back %d ns across a re-anchor", x-y)
	}
}
