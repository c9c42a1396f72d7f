package engine

import "math/bits"

// Histogram records durations in nanoseconds in log-linear buckets: each
// power of two is split into histSub linear steps, so a percentile is
// exact to within 1/histSub of its value. Storage is allocated on the
// first Record, so commands never called cost nothing.
type Histogram struct {
	counts *[histOctaves * histSub]uint32
	total  uint64
}

const (
	histSubBits = 5
	histSub     = 1 << histSubBits
	histOctaves = 40 // up to 2^40 ns, about 18 minutes
)

func histIndex(v int64) int {
	if v < histSub {
		if v < 0 {
			v = 0
		}
		return int(v)
	}
	u := uint64(v)
	e := bits.Len64(u) - histSubBits // e >= 1
	if e >= histOctaves {
		return histOctaves*histSub - 1
	}
	return e*histSub + int((u>>(e-1))&(histSub-1))
}

// histUpper returns the largest value that maps to bucket i.
func histUpper(i int) int64 {
	e, sub := i/histSub, i%histSub
	if e == 0 {
		return int64(sub)
	}
	lo := (uint64(histSub) | uint64(sub)) << (e - 1)
	return int64(lo + (1 << (e - 1)) - 1)
}

// Record adds one observation.
func (h *Histogram) Record(ns int64) {
	if h.counts == nil {
		h.counts = new([histOctaves * histSub]uint32)
	}
	h.counts[histIndex(ns)]++
	h.total++
}

// Count returns the number of observations.
func (h *Histogram) Count() uint64 { return h.total }

// Percentile returns the value (ns) at or below which p percent of the
// observations fall.
func (h *Histogram) Percentile(p float64) int64 {
	if h.total == 0 {
		return 0
	}
	want := uint64(p / 100 * float64(h.total))
	if want == 0 {
		want = 1
	}
	var seen uint64
	for i, n := range h.counts {
		seen += uint64(n)
		if seen >= want {
			return histUpper(i)
		}
	}
	return histUpper(len(h.counts) - 1)
}

// Reset forgets every observation.
func (h *Histogram) Reset() { *h = Histogram{} }
