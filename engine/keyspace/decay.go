package keyspace

// DecayMs is how long memory kept for reuse stays once nothing has taken
// any: kept chunks and the pages of freed large blocks are there to absorb
// churn, and when it stops they are resident memory nobody uses. jemalloc,
// under Valkey, lets freed pages decay the same way, in 10 s by default.
const DecayMs = 10_000

// A decayClock tells when an allocation counter has stood still for
// DecayMs.
type decayClock struct {
	seen   int64 // the counter when it last changed, or when the clock last fired
	seenMs int64 // and when that was; 0 before the first look
}

// idle records count at nowMs and reports whether it has not changed for
// DecayMs. Having fired, the clock waits a whole DecayMs again, so that
// what its owner gives back is looked for at most once per period.
func (d *decayClock) idle(count, nowMs int64) bool {
	if count != d.seen || d.seenMs == 0 {
		d.seen, d.seenMs = count, nowMs
		return false
	}
	if nowMs-d.seenMs < DecayMs {
		return false
	}
	d.seenMs = nowMs
	return true
}
