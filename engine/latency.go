package engine

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/valyala/bytebufferpool"
)

// The latency monitor keeps, per event ("command", "fast-command",
// "expire-cycle", ...), the worst latency of each of the last
// latencySeriesLen seconds in which the event went over
// latency-monitor-threshold, plus all-time max, sum and count. Anything
// that can stall the engine reports through LatencyAddSampleIfNeeded.

const latencySeriesLen = 160

// latencySample is one second's worst latency.
type latencySample struct {
	time    int64 // unix seconds; 0 marks an unused slot
	latency int64 // milliseconds
}

// latencySeries is one event's history: a ring of samples.
type latencySeries struct {
	name    string
	next    int // the slot the next new second goes to
	max     int64
	sum     int64
	count   int64
	samples [latencySeriesLen]latencySample
}

// latencyMonitor holds the series in the order their events first
// happened.
type latencyMonitor struct {
	series []*latencySeries
}

func (m *latencyMonitor) find(event string) *latencySeries {
	for _, ts := range m.series {
		if ts.name == event {
			return ts
		}
	}
	return nil
}

// LatencyAddSampleIfNeeded records an event that took us microseconds if
// the latency monitor is on and us reaches its threshold.
func (s *Server) LatencyAddSampleIfNeeded(event string, us int64) {
	if t := s.Cfg.LatencyMonitorThreshold; t > 0 && us >= t*1000 {
		s.LatencyAddSample(event, us)
	}
}

// LatencyAddSample records an event that took us microseconds.
func (s *Server) LatencyAddSample(event string, us int64) {
	s.latency.add(event, us/1000, s.Clock.NowMs()/1000)
}

func (m *latencyMonitor) add(event string, ms, now int64) {
	ts := m.find(event)
	if ts == nil {
		ts = &latencySeries{name: event}
		m.series = append(m.series, ts)
	}
	ts.max = max(ts.max, ms)
	ts.sum += ms
	ts.count++
	prev := &ts.samples[(ts.next+latencySeriesLen-1)%latencySeriesLen]
	if prev.time == now {
		prev.latency = max(prev.latency, ms)
		return
	}
	ts.samples[ts.next] = latencySample{time: now, latency: ms}
	ts.next = (ts.next + 1) % latencySeriesLen
}

// reset forgets one event (case-insensitively) or, for "", all of them,
// and returns how many it forgot.
func (m *latencyMonitor) reset(event string) int {
	n := 0
	kept := m.series[:0]
	for _, ts := range m.series {
		if event == "" || strings.EqualFold(ts.name, event) {
			n++
			continue
		}
		kept = append(kept, ts)
	}
	clear(m.series[len(kept):])
	m.series = kept
	return n
}

// each calls fn for the series' samples, oldest first.
func (ts *latencySeries) each(fn func(latencySample)) {
	for j := 0; j < latencySeriesLen; j++ {
		sm := ts.samples[(ts.next+j)%latencySeriesLen]
		if sm.time != 0 {
			fn(sm)
		}
	}
}

// LATENCY LATEST: per event, its latest sample, all-time max, sum and
// count.
func cmdLatencyLatest(c *Client) {
	series := c.srv.latency.series
	c.AddArrayLen(len(series))
	for _, ts := range series {
		last := ts.samples[(ts.next+latencySeriesLen-1)%latencySeriesLen]
		c.AddArrayLen(6)
		c.AddBulkString(ts.name)
		c.AddInt(last.time)
		c.AddInt(last.latency)
		c.AddInt(ts.max)
		c.AddInt(ts.sum)
		c.AddInt(ts.count)
	}
}

// LATENCY HISTORY event: the event's samples, oldest first.
func cmdLatencyHistory(c *Client) {
	ts := c.srv.latency.find(string(c.Argv[2]))
	if ts == nil {
		c.AddArrayLen(0)
		return
	}
	d := c.AddDeferredLen()
	n := 0
	ts.each(func(sm latencySample) {
		c.AddArrayLen(2)
		c.AddInt(sm.time)
		c.AddInt(sm.latency)
		n++
	})
	c.SetDeferredArrayLen(d, n)
}

// LATENCY RESET [event ...]: the number of events forgotten.
func cmdLatencyReset(c *Client) {
	m := &c.srv.latency
	if len(c.Argv) == 2 {
		c.AddInt(int64(m.reset("")))
		return
	}
	n := 0
	for _, ev := range c.Argv[2:] {
		if len(ev) > 0 {
			n += m.reset(string(ev))
		}
	}
	c.AddInt(int64(n))
}

// LATENCY GRAPH event: an ASCII chart of the event's samples.
func cmdLatencyGraph(c *Client) {
	ts := c.srv.latency.find(string(c.Argv[2]))
	if ts == nil {
		c.AddError("ERR No samples available for event '" + string(c.Argv[2]) + "'")
		return
	}
	b := bytebufferpool.Get()
	defer bytebufferpool.Put(b)
	b.B = latencyGraph(b.B, ts, c.srv.Clock.NowMs()/1000)
	c.AddVerbatim(b.B)
}

// latencyGraphCols and latencyGraphRows size LATENCY GRAPH's chart.
const (
	latencyGraphCols = 80
	latencyGraphRows = 4
)

// latencyGraph draws the samples as Valkey's LATENCY GRAPH does: one
// column per sample, latencyGraphRows rows high, each row cell showing a
// third of its height ('_', 'o', '#') and '|' below a cell that is full;
// the lowest sample at the bottom and the highest at the top. Below the
// chart, after an empty line, each column is labelled vertically with how
// long ago its sample was taken ("15s", "3m", "2h", "1d"). Series longer
// than latencyGraphCols continue in further charts.
func latencyGraph(dst []byte, ts *latencySeries, now int64) []byte {
	var vals []int64
	var labels []string
	lo, hi := int64(0), int64(0)
	ts.each(func(sm latencySample) {
		if len(vals) == 0 || sm.latency < lo {
			lo = sm.latency
		}
		if len(vals) == 0 || sm.latency > hi {
			hi = sm.latency
		}
		vals = append(vals, sm.latency)
		labels = append(labels, agoLabel(now-sm.time))
	})
	dst = fmt.Appendf(dst, "%s - high %d ms, low %d ms (all time high %d ms)\n", ts.name, hi, lo, ts.max)
	dst = append(dst, strings.Repeat("-", latencyGraphCols)...)
	dst = append(dst, '\n')

	const fill = "_o#"
	const levels = len(fill)
	span := float64(hi - lo)
	if span == 0 {
		span = 1
	}
	for start := 0; start < len(vals); start += latencyGraphCols {
		if start > 0 {
			dst = append(dst, '\n')
		}
		end := min(start+latencyGraphCols, len(vals))
		// level: 0 .. levels*rows-1, how far up the column reaches.
		level := make([]int, end-start)
		for i, v := range vals[start:end] {
			l := int(float64(int64(float64(v-lo)*float64(levels*latencyGraphRows))) / span)
			level[i] = min(max(l, 0), levels*latencyGraphRows-1)
		}
		for row := 0; row < latencyGraphRows; row++ {
			base := (latencyGraphRows - row - 1) * levels
			for _, l := range level {
				switch k := l - base; {
				case k >= levels:
					dst = append(dst, '|')
				case k >= 0:
					dst = append(dst, fill[k])
				default:
					dst = append(dst, ' ')
				}
			}
			dst = append(dst, '\n')
		}
		dst = append(dst, strings.Repeat(" ", end-start)...)
		dst = append(dst, '\n')
		for k := 0; ; k++ {
			line := make([]byte, 0, end-start)
			any := false
			for _, l := range labels[start:end] {
				if k < len(l) {
					line = append(line, l[k])
					any = true
				} else {
					line = append(line, ' ')
				}
			}
			if !any {
				break
			}
			dst = append(dst, line...)
			dst = append(dst, '\n')
		}
	}
	return dst
}

// agoLabel formats an age in seconds in its largest whole unit.
func agoLabel(secs int64) string {
	switch {
	case secs < 60:
		return strconv.FormatInt(secs, 10) + "s"
	case secs < 3600:
		return strconv.FormatInt(secs/60, 10) + "m"
	case secs < 86400:
		return strconv.FormatInt(secs/3600, 10) + "h"
	}
	return strconv.FormatInt(secs/86400, 10) + "d"
}

// latencyStats summarizes an event's samples for LATENCY DOCTOR.
type latencyStats struct {
	samples       int
	avg, mad      int64 // ms; mad is the mean absolute deviation
	min, max      int64
	periodSeconds int64 // from the oldest sample to now, at least 1
}

func analyzeLatency(ts *latencySeries, now int64) latencyStats {
	var st latencyStats
	var sum, oldest int64
	ts.each(func(sm latencySample) {
		if st.samples == 0 || sm.latency < st.min {
			st.min = sm.latency
		}
		st.max = max(st.max, sm.latency)
		if oldest == 0 || sm.time < oldest {
			oldest = sm.time
		}
		sum += sm.latency
		st.samples++
	})
	if st.samples == 0 {
		return st
	}
	st.avg = sum / int64(st.samples)
	st.periodSeconds = max(now-oldest, 1)
	var dev int64
	ts.each(func(sm latencySample) {
		d := sm.latency - st.avg
		if d < 0 {
			d = -d
		}
		dev += d
	})
	st.mad = dev / int64(st.samples)
	return st
}

// LATENCY DOCTOR: a report in prose of what the monitor saw and what
// might help.
func cmdLatencyDoctor(c *Client) {
	b := bytebufferpool.Get()
	defer bytebufferpool.Put(b)
	b.B = c.srv.latencyReport(b.B, c.srv.Clock.NowMs()/1000)
	c.AddVerbatim(b.B)
}

func (s *Server) latencyReport(dst []byte, now int64) []byte {
	m := &s.latency
	threshold := s.Cfg.LatencyMonitorThreshold
	if len(m.series) == 0 && threshold == 0 {
		return append(dst, "Latency monitoring is disabled in this Volley instance, so there is nothing to analyze. "+
			"Enable it with \"CONFIG SET latency-monitor-threshold <milliseconds>.\" and ask again later.\n"...)
	}
	if len(m.series) == 0 {
		return fmt.Appendf(dst, "No latency spikes were observed so far: no event took %d ms or more "+
			"(latency-monitor-threshold) since the monitor was enabled or last reset.\n", threshold)
	}
	dst = append(dst, "Latency spikes were observed in this Volley instance.\n\n"...)
	commands := false
	for i, ts := range m.series {
		st := analyzeLatency(ts, now)
		dst = fmt.Appendf(dst, "%d. %s: %d latency spikes (average %dms, mean deviation %dms, period %.2f sec). Worst all time event %dms.\n",
			i+1, ts.name, st.samples, st.avg, st.mad, float64(st.periodSeconds)/float64(max(st.samples, 1)), ts.max)
		if ts.name == "command" || ts.name == "fast-command" {
			commands = true
		}
	}
	dst = append(dst, "\nWhat may help:\n\n"...)
	if commands {
		slow, slowLen := s.Cfg.CommandlogExecutionSlowerThan, s.Cfg.CommandlogSlowExecutionMaxLen
		switch {
		case slow < 0 || slowLen <= 0:
			dst = append(dst, "- Commands took long to run, but the slow log is off. Enable it (commandlog-execution-slower-than, commandlog-slow-execution-max-len) and read it with COMMANDLOG GET <count> slow to see which ones.\n"...)
		case slow > threshold*1000:
			dst = fmt.Appendf(dst, "- Commands took long to run, but the slow log only records commands slower than %d µs, above latency-monitor-threshold. Lower commandlog-execution-slower-than to see them in COMMANDLOG GET <count> slow.\n", slow)
		default:
			dst = append(dst, "- Commands took long to run: COMMANDLOG GET <count> slow lists them. Look for O(N) commands on big values (KEYS, SMEMBERS, HGETALL, LRANGE 0 -1, SORT, DEL of large keys) and prefer SCAN, incremental access or UNLINK.\n"...)
		}
	}
	dst = append(dst, "- LATENCY HISTOGRAM shows per-command latency distributions, and INFO latencystats their percentiles.\n"...)
	dst = append(dst, "- On virtual machines, measure the intrinsic latency of the host (valkey-cli --intrinsic-latency 100): Volley cannot be faster than the machine it runs on.\n"...)
	return dst
}

// LATENCY HISTOGRAM [command ...]: per command, its call count and the
// cumulative distribution of its latencies in Valkey's buckets.
func cmdLatencyHistogram(c *Client) {
	s := c.srv
	d := c.AddDeferredLen()
	n := 0
	emit := func(sp *Spec) {
		st := &s.cmdStats[sp.ID]
		if st.Latency.Count() == 0 {
			return
		}
		c.AddBulkString(sp.FullName)
		addLatencyCDF(c, &st.Latency)
		n++
	}
	if len(c.Argv) == 2 {
		for _, sp := range s.cmdByID {
			emit(sp)
		}
	} else {
		for _, name := range c.Argv[2:] {
			sp := s.commandByFullName(name)
			if sp == nil {
				continue
			}
			emit(sp)
			for _, sub := range sp.Subs {
				emit(sub)
			}
		}
	}
	c.SetDeferredMapLen(d, n)
}

// Valkey reports latency histograms in buckets that double from 1024 ns.
// A bucket's reported bound (in µs) is that of HdrHistogram's cell holding
// the power of two (2 significant digits, 128 cells per half-octave), so
// the bucket at 2^k ns takes in values up to 2^k + 2^k/128 - 1 ns, and is
// reported as that bound divided by 1000. Above one second everything
// falls in the last bucket, as Valkey clamps recorded values there.
const (
	latencyCDFFirst = 1024
	latencyCDFMax   = 1_000_000_000
)

// latencyCDFBound returns the inclusive upper bound (ns) of the bucket
// whose reporting level is level.
func latencyCDFBound(level int64) int64 { return level + level/128 - 1 }

// addLatencyCDF writes {calls, histogram_usec} for h: bound → cumulative
// count, for the buckets where the count grows. Our histogram's cells
// are coarser than HdrHistogram's, so a cell is counted in the first
// bucket whose bound is at or above the cell's lowest value.
func addLatencyCDF(c *Client, h *Histogram) {
	c.AddMapLen(2)
	c.AddBulkString("calls")
	c.AddInt(int64(h.Count()))
	c.AddBulkString("histogram_usec")
	d := c.AddDeferredLen()
	pairs := 0
	var cum, reported uint64
	cell := 0
	for level := int64(latencyCDFFirst); ; level *= 2 {
		bound := latencyCDFBound(level)
		last := level > latencyCDFMax
		for ; h.counts != nil && cell < len(h.counts); cell++ {
			lo := int64(0)
			if cell > 0 {
				lo = histUpper(cell-1) + 1
			}
			if !last && min(lo, latencyCDFMax) > bound {
				break
			}
			cum += uint64(h.counts[cell])
		}
		if last {
			bound = level - 1 // HdrHistogram's last cell ends at 2^30-1
		}
		if cum > reported {
			c.AddInt(bound / 1000)
			c.AddInt(int64(cum))
			pairs++
			reported = cum
		}
		if last || cum >= h.total {
			break
		}
	}
	c.SetDeferredMapLen(d, pairs)
}

func cmdLatencyHelp(c *Client) {
	c.AddHelp(strings.ToUpper(string(c.Argv[0])), []string{
		"DOCTOR",
		"    Return a human readable latency analysis report.",
		"GRAPH <event>",
		"    Return an ASCII latency graph for the <event> class.",
		"HISTORY <event>",
		"    Return time-latency samples for the <event> class.",
		"LATEST",
		"    Return the latest latency samples for all events.",
		"RESET [<event> ...]",
		"    Reset latency data of one or more <event> classes.",
		"    (default: reset all data for all event classes)",
		"HISTOGRAM [COMMAND ...]",
		"    Return a cumulative distribution of latencies in the format of a histogram for the specified command names.",
		"    If no commands are specified then all histograms are replied.",
	})
}
