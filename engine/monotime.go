package engine

import "math/bits"

// The dispatcher reads a monotonic clock once per command to time it
// (commandstats, latency histograms, the command log). The runtime's
// nanotime goes through the vDSO, and on a VM with kvm-clock that costs
// 27 ns here, against 11 ns for reading the time-stamp counter directly;
// at a million pipelined commands a second per core the difference is a
// few percent of the server's CPU. So where the counter runs at a constant
// rate, monoNs converts it to nanoseconds, anchored to nanotime: the cron
// calibrates the rate and re-anchors hz times a second, so the two clocks
// never drift apart by more than the error of one period. Until the first
// calibration, and where the counter is no clock, monoNs is nanotime.
type monoClock struct {
	usable  bool   // the counter may be used at all
	ready   bool   // calibrated: monoNs uses the counter
	baseTSC uint64 // counter and nanotime at the last anchor
	baseNs  int64
	mult    uint64 // nanoseconds per tick, 32.32 fixed point

	calTSC uint64 // the calibration's first sample
	calNs  int64
}

// calibrationNs is how long the first rate measurement spans.
const calibrationNs = 100e6

// init starts the first calibration.
func (m *monoClock) init() {
	m.usable = tscUsable()
	if m.usable {
		m.calTSC, m.calNs = rdtsc(), nanotime()
	}
}

// now returns monotonic nanoseconds.
func (m *monoClock) now() int64 {
	if !m.ready {
		return nanotime()
	}
	hi, lo := bits.Mul64(rdtsc()-m.baseTSC, m.mult)
	return m.baseNs + int64(hi<<32|lo>>32)
}

// tick calibrates and re-anchors; the cron calls it.
func (m *monoClock) tick() {
	if !m.usable {
		return
	}
	t, ns := rdtsc(), nanotime()
	if dns := ns - m.calNs; dns >= calibrationNs && t > m.calTSC {
		// Refine the rate over everything measured so far.
		hi, lo := bits.Mul64(uint64(dns), 1<<32)
		m.mult, _ = bits.Div64(hi, lo, t-m.calTSC)
		m.ready = m.mult > 0
	}
	m.baseTSC, m.baseNs = t, ns
}
