package main

import (
	"encoding/json"
	"fmt"
	"html"
	"io"
	"math"
	"slices"
	"strings"
)

// Results is everything one harness invocation measured; it is written as
// results.json and is the only input of the markdown report and the charts.
type Results struct {
	Started  string         `json:"started"`
	Host     Host           `json:"host"`
	Tool     ToolInfo       `json:"tool"`
	Settings Settings       `json:"settings"`
	Servers  []ServerInfo   `json:"servers"` // the volley server first
	Memory   []MemoryResult `json:"memory,omitempty"`
	Runs     []Run          `json:"runs"`
}

type Host struct {
	CPUs      int     `json:"cpus"`
	Kernel    string  `json:"kernel"`
	GoVersion string  `json:"go_version"`
	LoadAvg   float64 `json:"load_avg"` // one-minute load average when the harness started
}

type ToolInfo struct {
	Path    string `json:"path"`
	Version string `json:"version"`
}

type Settings struct {
	Repeat        int     `json:"repeat"`
	TargetSeconds float64 `json:"target_seconds"` // per run, when -n is sized automatically
	Requests      int     `json:"requests"`       // fixed -n, 0 when sized automatically
	Keyspace      int     `json:"keyspace"`       // largest -r
	DataBudgetMB  int     `json:"data_budget_mb"` // caps -r and -n so that keys × size fits
	ServerCPUs    string  `json:"server_cpus"`    // taskset list, "" when not pinned
	ClientCPUs    string  `json:"client_cpus"`
	// ServerCPUQuota is the CPUs each server could use (a cgroup quota), 0
	// when uncapped.
	ServerCPUQuota float64 `json:"server_cpu_quota,omitempty"`
}

type ServerInfo struct {
	Name    string   `json:"name"`
	Role    string   `json:"role"` // "volley" or "reference"
	Path    string   `json:"path"`
	Version string   `json:"version"`
	Args    []string `json:"args,omitempty"`  // extra arguments beyond the harness's own
	Notes   []string `json:"notes,omitempty"` // caveats found while running, e.g. a missing FLUSHALL
}

// Run is one invocation of the benchmark tool against one server.
type Run struct {
	Server string `json:"server"`
	cell
	Repeat       int      `json:"repeat"` // 0-based
	Requests     int      `json:"requests"`
	Keyspace     int      `json:"keyspace,omitempty"`
	RPS          float64  `json:"rps"`
	AvgMs        float64  `json:"avg_latency_ms"`
	MinMs        float64  `json:"min_latency_ms"`
	P50Ms        float64  `json:"p50_latency_ms"`
	P95Ms        float64  `json:"p95_latency_ms"`
	P99Ms        float64  `json:"p99_latency_ms"`
	MaxMs        float64  `json:"max_latency_ms"`
	ServerCPUSec float64  `json:"server_cpu_s"`    // utime+stime of the server during the run
	RPSPerCPUSec float64  `json:"rps_per_cpu_s"`   // requests / server_cpu_s; 0 if no CPU time was seen
	WallSec      float64  `json:"wall_s"`          // the tool's whole run, connection set-up included
	ClientCPUSec float64  `json:"client_cpu_s"`    // the tool's own CPU time
	OtherCPUSec  float64  `json:"other_cpu_s"`     // CPU time other processes took on the pinned CPUs
	Args         []string `json:"args"`            // the tool's arguments
	Error        string   `json:"error,omitempty"` // set when the run failed; the numbers are then zero
}

// MemoryResult is the --memory scenario for one server.
type MemoryResult struct {
	Scenario         string  `json:"scenario"` // "strings", "hash" or "overwrite"
	Server           string  `json:"server"`
	Method           string  `json:"method"` // "DEBUG POPULATE", "SET pipeline" where DEBUG is unavailable, "HSET pipeline"
	Keys             int     `json:"keys"`
	ValueSize        int     `json:"value_size,omitempty"` // strings: bytes per value
	Fields           int     `json:"fields,omitempty"`     // hash: fields per key
	Encoding         string  `json:"encoding,omitempty"`   // OBJECT ENCODING of key:0
	RSSBefore        int64   `json:"rss_before"`
	RSSAfter         int64   `json:"rss_after"`
	RSSPerKey        float64 `json:"rss_per_key"`
	UsedMemoryBefore int64   `json:"used_memory_before"`
	UsedMemoryAfter  int64   `json:"used_memory_after"`
	UsedMemoryPerKey float64 `json:"used_memory_per_key"`
	Error            string  `json:"error,omitempty"`
}

func writeJSON(w io.Writer, res *Results) error {
	b, err := json.MarshalIndent(res, "", "  ")
	if err != nil {
		return err
	}
	_, err = w.Write(append(b, '\n'))
	return err
}

// stat summarizes the repeats of one cell on one server.
type stat struct {
	N, Failed          int     // successful and failed runs
	RPS                float64 // median
	RPSMin, RPSMax     float64
	P50, P99           float64  // medians, ms
	PerCPU             float64  // median requests per server CPU-second, 0 if unknown
	ClientBusy         bool     // the tool was ≥ 90 % busy: the cell may measure the client
	Noisy              bool     // other processes took ≥ 10 % of a pinned CPU during the runs
	Errors             []string // distinct first lines of the failed runs' errors
	clientBusyFraction float64
}

// noiseThreshold is the share of the runs' wall time that other processes may
// take on the pinned CPUs before a cell is flagged as disturbed.
const noiseThreshold = 0.1

// clientBusyThreshold is the fraction of the run's duration the tool spent on
// CPU above which a cell is flagged as possibly limited by the load generator.
const clientBusyThreshold = 0.9

// cellAgg is one row of a report table: one cell, every server.
type cellAgg struct {
	cell
	ByServer []stat  // parallel to Results.Servers
	Ratios   []ratio // parallel to Results.Servers: the server under test over each
}

// ratio is the server under test's figure over another server's, as the
// median over the repeats that both ran of the ratio within the repeat.
// A repeat's runs follow each other, so when the machine's speed drifts
// between repeats (a VM whose neighbours come and go) both sides of each
// ratio move together; the ratio of the two servers' separate medians can
// instead compare a fast run of one with a slow run of the other.
type ratio struct {
	RPS, PerCPU float64 // 0 when no repeat has both figures
	Pairs       int     // repeats both servers ran
}

// pairedRatio is the ratio of v's runs over o's, paired by repeat.
func pairedRatio(v, o []Run) ratio {
	var rps, perCPU []float64
	for _, a := range v {
		if a.Error != "" {
			continue
		}
		i := slices.IndexFunc(o, func(b Run) bool { return b.Repeat == a.Repeat && b.Error == "" })
		if i < 0 {
			continue
		}
		b := o[i]
		if a.RPS > 0 && b.RPS > 0 {
			rps = append(rps, a.RPS/b.RPS)
		}
		if a.RPSPerCPUSec > 0 && b.RPSPerCPUSec > 0 {
			perCPU = append(perCPU, a.RPSPerCPUSec/b.RPSPerCPUSec)
		}
	}
	return ratio{RPS: median(rps), PerCPU: median(perCPU), Pairs: len(rps)}
}

// aggregate groups the runs by cell, in the order the cells were first run,
// and summarizes each server's repeats.
func aggregate(res *Results) []cellAgg {
	var aggs []cellAgg
	runs := map[cell][][]Run{}
	for _, r := range res.Runs {
		si := slices.IndexFunc(res.Servers, func(s ServerInfo) bool { return s.Name == r.Server })
		if si < 0 {
			continue
		}
		if _, ok := runs[r.cell]; !ok {
			runs[r.cell] = make([][]Run, len(res.Servers))
			aggs = append(aggs, cellAgg{cell: r.cell})
		}
		runs[r.cell][si] = append(runs[r.cell][si], r)
	}
	vi := volleyIndex(res.Servers)
	for i := range aggs {
		byServer := runs[aggs[i].cell]
		for j, rs := range byServer {
			aggs[i].ByServer = append(aggs[i].ByServer, summarize(rs))
			var r ratio
			if vi >= 0 && j != vi {
				r = pairedRatio(byServer[vi], rs)
			}
			aggs[i].Ratios = append(aggs[i].Ratios, r)
		}
	}
	return aggs
}

func summarize(rs []Run) stat {
	var st stat
	var rps, p50, p99, perCPU, busy, noise []float64
	for _, r := range rs {
		if r.Error != "" {
			st.Failed++
			if msg := firstLine(r.Error); !slices.Contains(st.Errors, msg) {
				st.Errors = append(st.Errors, msg)
			}
			continue
		}
		rps = append(rps, r.RPS)
		p50 = append(p50, r.P50Ms)
		p99 = append(p99, r.P99Ms)
		if r.RPSPerCPUSec > 0 {
			perCPU = append(perCPU, r.RPSPerCPUSec)
		}
		if r.RPS > 0 {
			busy = append(busy, r.ClientCPUSec/(float64(r.Requests)/r.RPS))
		}
		if r.WallSec > 0 {
			noise = append(noise, r.OtherCPUSec/r.WallSec)
		}
	}
	st.N = len(rps)
	if st.N == 0 {
		return st
	}
	st.RPS, st.RPSMin, st.RPSMax = median(rps), slices.Min(rps), slices.Max(rps)
	st.P50, st.P99, st.PerCPU = median(p50), median(p99), median(perCPU)
	st.clientBusyFraction = median(busy)
	st.ClientBusy = st.clientBusyFraction >= clientBusyThreshold
	st.Noisy = median(noise) >= noiseThreshold
	return st
}

// median of xs; the mean of the middle two for an even count; 0 for none.
func median(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	m := len(s) / 2
	if len(s)%2 == 1 {
		return s[m]
	}
	return (s[m-1] + s[m]) / 2
}

// fmtRate prints a rate compactly: 950, 41.2k, 1.25M.
func fmtRate(x float64) string {
	switch {
	case x <= 0:
		return "-"
	case x < 1e3:
		return fmt.Sprintf("%.0f", x)
	case x < 999.95e3:
		return fmt.Sprintf("%.1fk", x/1e3)
	default:
		return fmt.Sprintf("%.2fM", x/1e6)
	}
}

// fmtRatio prints a/b as fmtX does, - when either is missing.
func fmtRatio(a, b float64) string {
	if b <= 0 {
		return "-"
	}
	return fmtX(a / b)
}

// fmtX prints a ratio: 1.25×, or - for none.
func fmtX(r float64) string {
	if r <= 0 {
		return "-"
	}
	return fmt.Sprintf("%.2f×", r)
}

func fmtBytes(b int64) string {
	return fmt.Sprintf("%.1f MiB", float64(b)/(1<<20))
}

func fmtSize(size int) string {
	if size == 0 {
		return "-"
	}
	return fmt.Sprint(size)
}

// volleyIndex returns the index of the server under test, or -1.
func volleyIndex(servers []ServerInfo) int {
	return slices.IndexFunc(servers, func(s ServerInfo) bool { return s.Role == roleVolley })
}

// writeMarkdown renders the report: a header saying what ran where, the
// memory table if measured, and one table per test.
func writeMarkdown(w io.Writer, res *Results, aggs []cellAgg) {
	p := func(format string, a ...any) { fmt.Fprintf(w, format, a...) }
	p("# Volley side-by-side benchmark\n\n")
	p("Started %s on %d CPUs (load average %.2f), Linux %s, %s.\n", res.Started, res.Host.CPUs, res.Host.LoadAvg, res.Host.Kernel, res.Host.GoVersion)
	p("Load generator: %s (`%s`)", orDash(res.Tool.Version), res.Tool.Path)
	if res.Settings.ServerCPUs != "" {
		p("; servers pinned to CPU %s, load generator to CPU %s (taskset)", res.Settings.ServerCPUs, res.Settings.ClientCPUs)
	} else {
		p("; no CPU pinning")
	}
	p(".\n")
	if q := res.Settings.ServerCPUQuota; q > 0 {
		p("Each server was capped at %g of a CPU by a cgroup quota, so that the servers are the bottleneck: compare rps; the quota makes a server run in bursts, so its latencies are not its own.\n", q)
	}
	if len(res.Runs) > 0 {
		if res.Settings.Requests > 0 {
			p("Each run sends -n %d requests", res.Settings.Requests)
		} else {
			p("Each run's -n is sized to take about %gs", res.Settings.TargetSeconds)
		}
		p("; -r up to %d keys, capped so that keys × -d stays within %d MiB.\n", res.Settings.Keyspace, res.Settings.DataBudgetMB)
		p("%d repeat(s) per cell, servers alternating.\n", res.Settings.Repeat)
	}
	p("\n")

	p("| server | role | binary | version | extra args |\n|---|---|---|---|---|\n")
	for _, s := range res.Servers {
		p("| %s | %s | `%s` | %s | %s |\n", s.Name, s.Role, s.Path, orDash(s.Version), orDash(strings.Join(s.Args, " ")))
	}
	var notes bool
	for _, s := range res.Servers {
		for _, n := range s.Notes {
			if !notes {
				p("\n")
				notes = true
			}
			p("- **%s**: %s\n", s.Name, n)
		}
	}
	if len(res.Runs) > 0 {
		writeColumns(w)
	}
	if len(res.Memory) > 0 {
		writeMemory(w, res)
	}

	vi := volleyIndex(res.Servers)
	var tests []string
	for _, a := range aggs {
		if !slices.Contains(tests, a.Test) {
			tests = append(tests, a.Test)
		}
	}
	for _, test := range tests {
		p("\n## %s\n\n", test)
		p("| test | -c | -P | -d |")
		for _, s := range res.Servers {
			p(" %[1]s rps | %[1]s p50 | %[1]s p99 | %[1]s rps/CPU-s |", s.Name)
		}
		for j, s := range res.Servers {
			if vi >= 0 && j != vi {
				p(" %[1]s/%[2]s rps | %[1]s/%[2]s rps/CPU-s |", res.Servers[vi].Name, s.Name)
			}
		}
		p("\n|---|--:|--:|--:|")
		for j := range res.Servers {
			p("--:|--:|--:|--:|")
			if vi >= 0 && j != vi {
				p("--:|--:|")
			}
		}
		p("\n")
		var busy, noisy, partial bool
		for _, a := range aggs {
			if a.Test != test {
				continue
			}
			p("| %s | %d | %d | %s |", a.Test, a.Clients, a.Pipeline, fmtSize(a.Size))
			for _, st := range a.ByServer {
				if st.N == 0 {
					p(" error | - | - | - |")
					continue
				}
				mark := ""
				if st.ClientBusy {
					mark, busy = "†", true
				}
				if st.Noisy {
					mark, noisy = mark+"‡", true
				}
				if st.Failed > 0 {
					mark, partial = mark+"*", true
				}
				rps := fmtRate(st.RPS)
				if st.N > 1 {
					rps += fmt.Sprintf(" [%s–%s]", fmtRate(st.RPSMin), fmtRate(st.RPSMax))
				}
				p(" %s%s | %.3f | %.3f | %s |", rps, mark, st.P50, st.P99, fmtRate(st.PerCPU))
			}
			for j, r := range a.Ratios {
				if vi >= 0 && j != vi {
					p(" %s | %s |", fmtX(r.RPS), fmtX(r.PerCPU))
				}
			}
			p("\n")
		}
		var failures []string
		for _, a := range aggs {
			if a.Test != test {
				continue
			}
			for j, st := range a.ByServer {
				for _, e := range st.Errors {
					failures = append(failures, fmt.Sprintf("- %s failed %d of %d runs of -c %d -P %d -d %s: %s\n", res.Servers[j].Name,
						st.Failed, st.N+st.Failed, a.Clients, a.Pipeline, fmtSize(a.Size), strings.ReplaceAll(e, "|", "\\|")))
				}
			}
		}
		if len(failures) > 0 {
			p("\n%s", strings.Join(failures, ""))
		}
		if busy {
			p("\n† the load generator was at least %.0f%% busy on its CPU: this rps may measure the client rather than the server; compare rps/CPU-s.\n", clientBusyThreshold*100)
		}
		if noisy {
			p("\n‡ other processes took at least %.0f%% of a pinned CPU during these runs: the numbers are disturbed; rerun on a quiet machine.\n", noiseThreshold*100)
		}
		if partial {
			p("\n\\* some repeats failed; see results.json.\n")
		}
	}
}

func writeColumns(w io.Writer) {
	fmt.Fprint(w, "\nColumns: **rps** is the median of the repeats' requests per second, [min–max] across repeats; "+
		"**p50**/**p99** are the medians of the tool's latency percentiles, in ms; "+
		"**rps/CPU-s** is requests per second of server CPU time (user+system, all threads, from /proc), "+
		"the efficiency that still means something when the load generator is the bottleneck; "+
		"**volley/X** is the median, over the repeats both servers ran, of Volley's figure divided by server X's in the same repeat "+
		"(a repeat's runs follow each other, so a machine that speeds up or slows down between repeats moves both sides of each ratio together); "+
		"above 1 means Volley is ahead.\n")
}

func writeMemory(w io.Writer, res *Results) {
	var scenarios []string
	for _, m := range res.Memory {
		if !slices.Contains(scenarios, m.Scenario) {
			scenarios = append(scenarios, m.Scenario)
		}
	}
	for _, sc := range scenarios {
		var ms []MemoryResult
		for _, m := range res.Memory {
			if m.Scenario == sc {
				ms = append(ms, m)
			}
		}
		writeMemoryScenario(w, res, ms)
	}
}

// writeMemoryScenario writes the table of one memory scenario.
func writeMemoryScenario(w io.Writer, res *Results, ms []MemoryResult) {
	p := func(format string, a ...any) { fmt.Fprintf(w, format, a...) }
	m0 := ms[0]
	switch m0.Scenario {
	case "hash":
		p("\n## Memory: %d hashes of %d fields (HSET key:N f0 v0 … f%d v%d, pipelined)\n\n", m0.Keys, m0.Fields, m0.Fields-1, m0.Fields-1)
	case "overwrite":
		p("\n## Memory: %d keys of %d bytes, each SET %d times (pipelined)\n\n", m0.Keys, m0.ValueSize, overwritePasses)
	default:
		p("\n## Memory: DEBUG POPULATE %d key %d\n\n", m0.Keys, m0.ValueSize)
	}
	var v *MemoryResult
	for i := range ms {
		si := slices.IndexFunc(res.Servers, func(s ServerInfo) bool { return s.Name == ms[i].Server })
		if si >= 0 && res.Servers[si].Role == roleVolley {
			v = &ms[i]
		}
	}
	p("| server | method | encoding | RSS before | RSS after | RSS bytes/key | used_memory bytes/key | volley/server RSS per key | volley/server used_memory per key |\n")
	p("|---|---|---|--:|--:|--:|--:|--:|--:|\n")
	for _, m := range ms {
		if m.Error != "" {
			p("| %s | %s | | error: %s | | | | | |\n", m.Server, m.Method, strings.ReplaceAll(m.Error, "|", "\\|"))
			continue
		}
		rr, ur := "-", "-"
		if v != nil && v.Error == "" {
			rr, ur = fmtRatio(v.RSSPerKey, m.RSSPerKey), fmtRatio(v.UsedMemoryPerKey, m.UsedMemoryPerKey)
		}
		p("| %s | %s | %s | %s | %s | %.1f | %.1f | %s | %s |\n", m.Server, m.Method, orDash(m.Encoding),
			fmtBytes(m.RSSBefore), fmtBytes(m.RSSAfter), m.RSSPerKey, m.UsedMemoryPerKey, rr, ur)
	}
	p("\nRSS per key is (VmRSS after − VmRSS before) / keys, from /proc; used_memory per key is the same difference of INFO memory's used_memory. Below 1× means Volley uses less.\n")
}

// firstLine cuts an error message to its first line, at most 200 bytes,
// without the part of a server's error that names the random key.
func firstLine(s string) string {
	s, _, _ = strings.Cut(s, "\n")
	s, _, _ = strings.Cut(s, ", with args beginning with")
	if len(s) > 200 {
		s = s[:200] + "…"
	}
	return s
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// palette colours the servers in charts, Volley first.
var palette = []string{"#d62728", "#1f77b4", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b"}

// writeSVG draws one test's rps by pipeline depth: a panel per (-c, -d), a
// group of bars per -P, a bar per server (the median) with a whisker from min
// to max. Each panel has its own scale, since -c and -d move rps by orders of
// magnitude. Hovering a bar shows its numbers.
func writeSVG(w io.Writer, test string, aggs []cellAgg, servers []ServerInfo) {
	var clients, sizes, pipes []int
	for _, a := range aggs {
		if a.Test != test {
			continue
		}
		if !slices.Contains(clients, a.Clients) {
			clients = append(clients, a.Clients)
		}
		if !slices.Contains(sizes, a.Size) {
			sizes = append(sizes, a.Size)
		}
		if !slices.Contains(pipes, a.Pipeline) {
			pipes = append(pipes, a.Pipeline)
		}
	}
	const (
		panelW, panelH = 320.0, 220.0
		gap            = 20.0
		header         = 64.0
		padL, padR     = 58.0, 10.0
		padT, padB     = 28.0, 34.0
	)
	width := max(gap+float64(len(sizes))*(panelW+gap), 640)
	height := header + float64(len(clients))*(panelH+gap)
	p := func(format string, a ...any) { fmt.Fprintf(w, format, a...) }
	esc := html.EscapeString

	p(`<svg xmlns="http://www.w3.org/2000/svg" width="%.0f" height="%.0f" viewBox="0 0 %.0f %.0f" font-family="sans-serif" font-size="11">`+"\n", width, height, width, height)
	p(`<rect width="100%%" height="100%%" fill="white"/>` + "\n")
	p(`<text x="%.0f" y="22" font-size="15" font-weight="bold">%s: requests/s by pipeline depth (median; whiskers min–max)</text>`+"\n", gap, esc(test))
	for i, s := range servers {
		x := gap + float64(i)*130
		p(`<rect x="%.0f" y="34" width="12" height="12" fill="%s"/><text x="%.0f" y="44">%s</text>`+"\n", x, palette[i%len(palette)], x+16, esc(s.Name))
	}
	for ri, c := range clients {
		for ci, d := range sizes {
			x0 := gap + float64(ci)*(panelW+gap)
			y0 := header + float64(ri)*(panelH+gap)
			left, right := x0+padL, x0+panelW-padR
			top, bottom := y0+padT, y0+panelH-padB
			title := fmt.Sprintf("-c %d", c)
			if d > 0 {
				title += fmt.Sprintf(", -d %d", d)
			}
			p(`<g>`+"\n"+`<text x="%.1f" y="%.1f" text-anchor="middle" font-weight="bold">%s</text>`+"\n", (left+right)/2, y0+16, esc(title))

			var maxV float64
			for _, a := range aggs {
				if a.Test == test && a.Clients == c && a.Size == d {
					for _, st := range a.ByServer {
						maxV = max(maxV, st.RPSMax)
					}
				}
			}
			// Headroom above the tallest whisker for the value labels.
			step := niceStep(maxV * 1.2 / 4)
			scaleTop := math.Ceil(maxV*1.2/step) * step
			y := func(v float64) float64 { return bottom - v/scaleTop*(bottom-top) }
			for v := 0.0; v <= scaleTop+step/2; v += step {
				p(`<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="#ddd"/>`, left, y(v), right, y(v))
				label := "0"
				if v > 0 {
					label = fmtRate(v)
				}
				p(`<text x="%.1f" y="%.1f" text-anchor="end">%s</text>`+"\n", left-4, y(v)+4, label)
			}
			groupW := (right - left) / float64(len(pipes))
			barW := groupW * 0.8 / float64(max(len(servers), 1))
			for gi, pp := range pipes {
				gx := left + float64(gi)*groupW
				p(`<text x="%.1f" y="%.1f" text-anchor="middle">-P %d</text>`+"\n", gx+groupW/2, bottom+14, pp)
				i := slices.IndexFunc(aggs, func(a cellAgg) bool {
					return a.Test == test && a.Clients == c && a.Size == d && a.Pipeline == pp
				})
				if i < 0 {
					continue
				}
				for si, st := range aggs[i].ByServer {
					if st.N == 0 {
						continue
					}
					bx := gx + groupW*0.1 + float64(si)*barW
					p(`<rect x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="%s"><title>%s -P %d: %s rps (%s–%s), %s rps/CPU-s</title></rect>`+"\n",
						bx, y(st.RPS), barW*0.9, bottom-y(st.RPS), palette[si%len(palette)],
						esc(servers[si].Name), pp, fmtRate(st.RPS), fmtRate(st.RPSMin), fmtRate(st.RPSMax), fmtRate(st.PerCPU))
					cx := bx + barW*0.45
					if st.RPSMax > st.RPSMin {
						p(`<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="black"/>`+"\n", cx, y(st.RPSMin), cx, y(st.RPSMax))
					}
					ly := y(st.RPSMax) - 3
					p(`<text x="%.1f" y="%.1f" font-size="9" transform="rotate(-90 %.1f %.1f)">%s</text>`+"\n", cx+3, ly, cx+3, ly, fmtRate(st.RPS))
				}
			}
			p(`<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="black"/>`+"\n", left, bottom, right, bottom)
			p(`<text x="%.1f" y="%.1f" text-anchor="middle" fill="#555">pipeline depth</text>`+"\n", (left+right)/2, bottom+28)
			p("</g>\n")
		}
	}
	p("</svg>\n")
}

// niceStep rounds x up to 1, 2 or 5 times a power of ten.
func niceStep(x float64) float64 {
	if x <= 0 {
		return 1
	}
	e := math.Pow(10, math.Floor(math.Log10(x)))
	switch f := x / e; {
	case f <= 1:
		return e
	case f <= 2:
		return 2 * e
	case f <= 5:
		return 5 * e
	default:
		return 10 * e
	}
}
