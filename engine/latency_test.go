package engine

import (
	"strings"
	"testing"
)

func TestLatencyMonitor(t *testing.T) {
	e := newTestEnv(t)
	clock := &FakeClock{Ms: 1_700_000_000_000}
	e.srv.Clock = clock
	c := e.newClient()
	e.expect(c, []replyCase{
		rc("latency latest", "*0\r\n"),
		rc("latency history command", "*0\r\n"),
		rc("latency graph command", errReply("ERR No samples available for event 'command'")),
		rc("latency reset", ":0\r\n"),
		rc("latency reset a b", ":0\r\n"),
		rc("latency foo", errReply("ERR unknown subcommand 'foo'. Try LATENCY HELP.")),
		rc("latency latest x", errReply("ERR wrong number of arguments for 'latency|latest' command")),
		rc("latency doctor", "$179\r\nLatency monitoring is disabled in this Volley instance, so there is nothing to analyze. Enable it with \"CONFIG SET latency-monitor-threshold <milliseconds>.\" and ask again later.\n\r\n"),
	})

	// Below the threshold, or with the monitor off, nothing is recorded.
	e.srv.LatencyAddSampleIfNeeded("expire-cycle", 50_000)
	e.srv.Cfg.LatencyMonitorThreshold = 100
	e.srv.LatencyAddSampleIfNeeded("expire-cycle", 99_999)
	if len(e.srv.latency.series) != 0 {
		t.Fatal("a sample below the threshold was recorded")
	}
	e.srv.LatencyAddSampleIfNeeded("command", 150_000)
	e.srv.LatencyAddSampleIfNeeded("command", 120_000) // same second: keeps the worst
	clock.Advance(2e9)                                 // 2 s
	e.srv.LatencyAddSampleIfNeeded("command", 300_000)
	e.srv.LatencyAddSampleIfNeeded("fast-command", 100_000)
	e.expect(c, []replyCase{
		rc("latency latest", "*2\r\n"+
			"*6\r\n$7\r\ncommand\r\n:1700000002\r\n:300\r\n:300\r\n:570\r\n:3\r\n"+
			"*6\r\n$12\r\nfast-command\r\n:1700000002\r\n:100\r\n:100\r\n:100\r\n:1\r\n"),
		rc("latency history command", "*2\r\n*2\r\n:1700000000\r\n:150\r\n*2\r\n:1700000002\r\n:300\r\n"),
		rc("latency history COMMAND", "*0\r\n"),
	})
	graph := e.do(c, "latency", "graph", "command")
	if !strings.Contains(graph, "command - high 300 ms, low 150 ms (all time high 300 ms)\n"+strings.Repeat("-", 80)+"\n") {
		t.Errorf("graph header: %q", graph)
	}
	doctor := e.do(c, "latency", "doctor")
	if !strings.Contains(doctor, "1. command: 2 latency spikes (average 225ms, mean deviation 75ms, period 1.00 sec). Worst all time event 300ms.") {
		t.Errorf("doctor: %q", doctor)
	}
	e.expect(c, []replyCase{
		rc("latency reset COMMAND nosuch", ":1\r\n"),
		rc("latency reset", ":1\r\n"),
		rc("latency latest", "*0\r\n"),
	})
}

func TestLatencyGraphDrawing(t *testing.T) {
	ts := &latencySeries{name: "x"}
	var m latencyMonitor
	m.series = append(m.series, ts)
	for i, ms := range []int64{10, 20, 40} {
		m.add("x", ms, 1000+int64(i))
	}
	got := string(latencyGraph(nil, ts, 1002))
	// Levels 0, 4 and 11 of 12: the bottom row's '_', the third row's 'o'
	// over a full bottom, and a full column topped by '#'.
	want := "x - high 40 ms, low 10 ms (all time high 40 ms)\n" + strings.Repeat("-", 80) + "\n" +
		"  #\n" +
		"  |\n" +
		" o|\n" +
		"_||\n" +
		"   \n" +
		"210\n" +
		"sss\n"
	if got != want {
		t.Errorf("graph:\n%s\nwant:\n%s", got, want)
	}
}

// The bucket bounds are those valkey-server 9.0.4 reports: a 20 µs call
// lands in the 33 µs bucket, a 4.1 µs one in the 4 µs bucket.
func TestLatencyHistogram(t *testing.T) {
	e := newTestEnv(t)
	c := e.newClient()
	e.srv.cmdStats[e.srv.specByFullName("ping").ID].Latency.Record(20_000)
	lat := &e.srv.cmdStats[e.srv.specByFullName("config|get").ID].Latency
	for _, ns := range []int64{500, 4_100, 20_000, 20_000, 2_000_000_000} {
		lat.Record(ns)
	}
	pingCDF := "$4\r\nping\r\n*4\r\n$5\r\ncalls\r\n:1\r\n$14\r\nhistogram_usec\r\n*2\r\n:33\r\n:1\r\n"
	configCDF := "$10\r\nconfig|get\r\n*4\r\n$5\r\ncalls\r\n:5\r\n$14\r\nhistogram_usec\r\n*8\r\n:1\r\n:1\r\n:4\r\n:2\r\n:33\r\n:4\r\n:1073741\r\n:5\r\n"
	e.expect(c, []replyCase{
		rc("latency histogram ping", "*2\r\n"+pingCDF),
		rc("latency histogram nosuch PING", "*2\r\n"+pingCDF),
		rc("latency histogram config", "*2\r\n"+configCDF),
		rc("latency histogram set", "*0\r\n"),
	})
	// Without arguments every command with data is listed (this very
	// LATENCY HISTOGRAM has run before, so it is listed too).
	all := e.do(c, "latency", "histogram")
	if !strings.Contains(all, pingCDF) || !strings.Contains(all, configCDF) || !strings.HasPrefix(all, "*6\r\n") {
		t.Errorf("all histograms: %q", all)
	}
	e.do(c, "hello", "3")
	if got := e.do(c, "latency", "histogram", "ping"); got != "%1\r\n$4\r\nping\r\n%2\r\n$5\r\ncalls\r\n:1\r\n$14\r\nhistogram_usec\r\n%1\r\n:33\r\n:1\r\n" {
		t.Errorf("RESP3: %q", got)
	}
	if got := e.do(c, "latency", "histogram", "set"); got != "%0\r\n" {
		t.Errorf("RESP3 empty: %q", got)
	}
}

func TestLatencyHelp(t *testing.T) {
	e := newTestEnv(t)
	c := e.newClient()
	e.expect(c, []replyCase{
		rc("latency help", "*17\r\n+LATENCY <subcommand> [<arg> [value] [opt] ...]. Subcommands are:\r\n+DOCTOR\r\n+    Return a human readable latency analysis report.\r\n+GRAPH <event>\r\n+    Return an ASCII latency graph for the <event> class.\r\n+HISTORY <event>\r\n+    Return time-latency samples for the <event> class.\r\n+LATEST\r\n+    Return the latest latency samples for all events.\r\n+RESET [<event> ...]\r\n+    Reset latency data of one or more <event> classes.\r\n+    (default: reset all data for all event classes)\r\n+HISTOGRAM [COMMAND ...]\r\n+    Return a cumulative distribution of latencies in the format of a histogram for the specified command names.\r\n+    If no commands are specified then all histograms are replied.\r\n+HELP\r\n+    Print this help.\r\n"),
	})
}

func TestLatencyMonitorFromDispatcher(t *testing.T) {
	e := newTestEnv(t)
	e.srv.Cfg.EnableDebugCommand = 1
	c := e.newClient()
	e.do(c, "config", "set", "latency-monitor-threshold", "1")
	e.do(c, "debug", "sleep", "0.002")
	got := e.do(c, "latency", "latest")
	if !strings.HasPrefix(got, "*1\r\n*6\r\n$7\r\ncommand\r\n") {
		t.Errorf("latency latest after DEBUG SLEEP: %q", got)
	}
}
