package main

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"errors"
	"flag"
	"io"
	"math"
	"os"
	"reflect"
	"strings"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

const csvHeader = `"test","rps","avg_latency_ms","min_latency_ms","p50_latency_ms","p95_latency_ms","p99_latency_ms","max_latency_ms"`

// cannedRuns is a small matrix as the harness would have recorded it: three
// servers alternating over three repeats, with a client-bound cell, a server
// that lost one repeat and a cell the server under test could not run.
var cannedRuns = []struct {
	server            string
	test              string
	clients, pipeline int
	size, rep, n      int
	cpu, clientCPU    float64 // seconds
	wall              float64 // seconds
	row               string  // the tool's CSV line, "" when the run failed
	err               string
}{
	{"volley", "ping_mbulk", 50, 1, 0, 0, 150000, 0.62, 0.97, 1.04, `"PING_MBULK","150000.00","0.310","0.080","0.287","0.455","0.623","1.903"`, ""},
	{"valkey", "ping_mbulk", 50, 1, 0, 0, 150000, 0.81, 0.94, 1.29, `"PING_MBULK","120000.00","0.390","0.096","0.351","0.607","0.815","2.207"`, ""},
	{"redis", "ping_mbulk", 50, 1, 0, 0, 150000, 0.86, 0.93, 1.40, `"PING_MBULK","110091.74","0.428","0.104","0.383","0.671","0.903","2.511"`, ""},
	{"valkey", "ping_mbulk", 50, 1, 0, 1, 150000, 0.80, 0.95, 1.27, `"PING_MBULK","121951.22","0.383","0.088","0.343","0.599","0.799","1.999"`, ""},
	{"redis", "ping_mbulk", 50, 1, 0, 1, 150000, 0.88, 0.92, 1.42, `"PING_MBULK","108695.65","0.433","0.096","0.391","0.687","0.927","2.303"`, ""},
	{"volley", "ping_mbulk", 50, 1, 0, 1, 150000, 0.60, 0.98, 1.02, `"PING_MBULK","153061.22","0.304","0.072","0.279","0.447","0.607","1.799"`, ""},
	{"redis", "ping_mbulk", 50, 1, 0, 2, 150000, 0.85, 0.93, 1.37, `"PING_MBULK","112781.95","0.419","0.096","0.375","0.663","0.895","2.415"`, ""},
	{"volley", "ping_mbulk", 50, 1, 0, 2, 150000, 0.63, 0.96, 1.06, `"PING_MBULK","147058.82","0.316","0.080","0.295","0.463","0.639","2.007"`, ""},
	{"valkey", "ping_mbulk", 50, 1, 0, 2, 150000, 0.83, 0.94, 1.31, `"PING_MBULK","117647.06","0.398","0.096","0.359","0.615","0.831","2.103"`, ""},

	{"volley", "set", 50, 1, 16, 0, 120000, 0.71, 0.80, 1.03, `"SET","117647.06","0.398","0.104","0.367","0.599","0.791","2.703"`, ""},
	{"valkey", "set", 50, 1, 16, 0, 120000, 0.86, 0.74, 1.24, `"SET","98360.66","0.478","0.120","0.439","0.727","0.959","3.111"`, ""},
	{"redis", "set", 50, 1, 16, 0, 120000, 0.90, 0.73, 1.29, `"SET","94488.19","0.497","0.128","0.455","0.751","0.991","2.895"`, ""},
	{"valkey", "set", 50, 1, 16, 1, 120000, 0.85, 0.75, 1.22, `"SET","100000.00","0.471","0.112","0.431","0.719","0.951","2.999"`, ""},
	{"redis", "set", 50, 1, 16, 1, 120000, 0.91, 0.72, 1.31, `"SET","93023.26","0.505","0.128","0.463","0.759","1.007","3.207"`, ""},
	{"volley", "set", 50, 1, 16, 1, 120000, 0.70, 0.81, 1.01, `"SET","120000.00","0.390","0.096","0.359","0.591","0.783","2.599"`, ""},
	{"redis", "set", 50, 1, 16, 2, 120000, 0.89, 0.73, 1.28, `"SET","95238.10","0.492","0.120","0.447","0.743","0.983","3.015"`, ""},
	{"volley", "set", 50, 1, 16, 2, 120000, 0.73, 0.79, 1.05, `"SET","115384.62","0.406","0.104","0.375","0.607","0.807","2.807"`, ""},
	{"valkey", "set", 50, 1, 16, 2, 120000, 0.87, 0.74, 1.26, `"SET","96774.19","0.486","0.120","0.447","0.735","0.967","3.103"`, ""},

	{"volley", "set", 50, 16, 16, 0, 1000000, 0.81, 0.69, 1.05, `"SET","980392.19","0.767","0.208","0.735","1.143","1.463","3.503"`, ""},
	{"valkey", "set", 50, 16, 16, 0, 1000000, 1.22, 0.55, 1.29, `"SET","787401.56","0.959","0.256","0.919","1.431","1.807","4.111"`, ""},
	{"redis", "set", 50, 16, 16, 0, 1000000, 1.31, 0.51, 1.39, `"SET","729927.00","1.031","0.272","0.991","1.535","1.943","4.607"`, ""},
	{"valkey", "set", 50, 16, 16, 1, 1000000, 1.20, 0.56, 1.27, `"SET","800000.00","0.943","0.248","0.903","1.407","1.783","3.999"`, ""},
	{"redis", "set", 50, 16, 16, 1, 1000000, 1.33, 0.50, 1.41, `"SET","719424.44","1.047","0.280","1.007","1.559","1.967","4.703"`, ""},
	{"volley", "set", 50, 16, 16, 1, 1000000, 0.79, 0.70, 1.03, `"SET","1000000.00","0.751","0.200","0.719","1.127","1.439","3.407"`, ""},
	{"redis", "set", 50, 16, 16, 2, 1000000, 1.30, 0.51, 1.38, `"SET","735294.12","1.023","0.272","0.983","1.527","1.935","4.511"`, ""},
	{"volley", "set", 50, 16, 16, 2, 1000000, 0.82, 0.69, 1.06, `"SET","970873.81","0.775","0.208","0.743","1.151","1.479","3.599"`, ""},
	{"valkey", "set", 50, 16, 16, 2, 1000000, 0.40, 0.20, 0.41, "", "valkey exited during the run (signal: killed)"},

	{"volley", "get", 500, 16, 512, 0, 900000, 0.01, 0.01, 0.02, "", "valkey-benchmark: exit status 1: Error from server: ERR unknown command 'GET'"},
	{"valkey", "get", 500, 16, 512, 0, 900000, 1.05, 0.71, 1.21, `"GET","743801.62","9.871","0.904","9.455","14.111","17.023","31.391"`, ""},
	{"redis", "get", 500, 16, 512, 0, 900000, 1.10, 0.69, 1.27, `"GET","708661.44","10.359","0.952","9.951","14.815","17.887","33.023"`, ""},
	{"valkey", "get", 500, 16, 512, 1, 900000, 1.04, 0.72, 1.19, `"GET","756302.50","9.703","0.888","9.295","13.871","16.751","30.207"`, ""},
	{"redis", "get", 500, 16, 512, 1, 900000, 1.12, 0.68, 1.29, `"GET","697674.44","10.527","0.968","10.111","15.055","18.175","34.111"`, ""},
	{"volley", "get", 500, 16, 512, 1, 900000, 0.01, 0.01, 0.02, "", "valkey-benchmark: exit status 1: Error from server: ERR unknown command 'GET'"},
	{"redis", "get", 500, 16, 512, 2, 900000, 1.09, 0.69, 1.26, `"GET","714285.69","10.287","0.944","9.887","14.719","17.759","32.607"`, ""},
	{"volley", "get", 500, 16, 512, 2, 900000, 0.01, 0.01, 0.02, "", "valkey-benchmark: exit status 1: Error from server: ERR unknown command 'GET'"},
	{"valkey", "get", 500, 16, 512, 2, 900000, 1.06, 0.70, 1.22, `"GET","737704.94","9.951","0.912","9.535","14.239","17.151","31.807"`, ""},
}

// cannedResults builds Results the way the harness does: each run's CSV line
// goes through parseCSV and newRun.
func cannedResults(t *testing.T) *Results {
	t.Helper()
	res := &Results{
		Started: "2025-01-02 03:04 UTC",
		Host:    Host{CPUs: 2, Kernel: "6.1.0-test", GoVersion: "go1.26.0", LoadAvg: 0.12},
		Tool:    ToolInfo{Path: "/opt/valkey/valkey-benchmark", Version: "valkey-benchmark 9.0.4 (git:b3867a25)"},
		Settings: Settings{Repeat: 3, TargetSeconds: 3, Keyspace: 1000000, DataBudgetMB: 512,
			ServerCPUs: "0", ClientCPUs: "1"},
		Servers: []ServerInfo{
			{Name: "volley", Role: roleVolley, Path: "/opt/volley/volley-server", Version: "volley 9.0.0", Args: []string{"--io-threads", "2"},
				Notes: []string{"FLUSHALL failed (ERR unknown command 'FLUSHALL'): its runs do not start from an empty server"}},
			{Name: "valkey", Role: roleReference, Path: "/opt/valkey/valkey-server", Version: "valkey 9.0.4"},
			{Name: "redis", Role: roleReference, Path: "/usr/bin/redis-server", Version: "redis 7.0.15"},
		},
		Memory: []MemoryResult{
			{Scenario: "strings", Server: "volley", Method: "SET pipeline", Keys: 1000000, ValueSize: 100, Encoding: "embstr",
				RSSBefore: 9 << 20, RSSAfter: 9<<20 + 131_000_000, RSSPerKey: 131,
				UsedMemoryBefore: 1_000_000, UsedMemoryAfter: 119_000_000, UsedMemoryPerKey: 118},
			{Scenario: "strings", Server: "valkey", Method: "DEBUG POPULATE", Keys: 1000000, ValueSize: 100, Encoding: "raw",
				RSSBefore: 7 << 20, RSSAfter: 7<<20 + 154_400_000, RSSPerKey: 154.4,
				UsedMemoryBefore: 950_000, UsedMemoryAfter: 145_950_000, UsedMemoryPerKey: 145},
			{Scenario: "strings", Server: "redis", Method: "DEBUG POPULATE", Keys: 1000000, ValueSize: 100, Error: "ERR DEBUG command not allowed"},
			{Scenario: "hash", Server: "volley", Method: "HSET pipeline", Keys: 1000000, Fields: 10, Encoding: "listpack",
				RSSBefore: 9 << 20, RSSAfter: 9<<20 + 170_000_000, RSSPerKey: 170,
				UsedMemoryBefore: 1_000_000, UsedMemoryAfter: 151_000_000, UsedMemoryPerKey: 150},
			{Scenario: "hash", Server: "valkey", Method: "HSET pipeline", Keys: 1000000, Fields: 10, Encoding: "listpack",
				RSSBefore: 7 << 20, RSSAfter: 7<<20 + 180_000_000, RSSPerKey: 180,
				UsedMemoryBefore: 950_000, UsedMemoryAfter: 160_950_000, UsedMemoryPerKey: 160},
			{Scenario: "overwrite", Server: "volley", Method: "SET pipeline ×3", Keys: 8192, ValueSize: 65536, Encoding: "raw",
				RSSBefore: 9 << 20, RSSAfter: 9<<20 + 570_425_344, RSSPerKey: 69632,
				UsedMemoryBefore: 1_000_000, UsedMemoryAfter: 571_425_344, UsedMemoryPerKey: 69632},
			{Scenario: "overwrite", Server: "valkey", Method: "SET pipeline ×3", Keys: 8192, ValueSize: 65536, Encoding: "raw",
				RSSBefore: 7 << 20, RSSAfter: 7<<20 + 671_088_640, RSSPerKey: 81920,
				UsedMemoryBefore: 950_000, UsedMemoryAfter: 672_038_640, UsedMemoryPerKey: 81920},
		},
	}
	ports := map[string]int{"volley": 40001, "valkey": 40002, "redis": 40003}
	tl := tool{path: res.Tool.Path}
	for _, cr := range cannedRuns {
		spec, ok := lookupTest(cr.test)
		if !ok {
			t.Fatalf("unknown test %q", cr.test)
		}
		h := harness{cfg: config{keyspace: 1000000, budgetMB: 512}}
		c := cell{Test: cr.test, Clients: cr.clients, Pipeline: cr.pipeline, Size: cr.size}
		keys := h.keyspace(spec, cr.size)
		inv := invocation{
			args:      tl.args(spec, c, ports[cr.server], cr.n, keys),
			wall:      time.Duration(cr.wall * float64(time.Second)),
			serverCPU: cr.cpu,
			clientCPU: cr.clientCPU,
		}
		if cr.server == "redis" && cr.test == "ping_mbulk" {
			inv.otherCPU = 0.3 // a compile on the pinned CPUs: ‡
		}
		var err error
		if cr.err != "" {
			err = errors.New(cr.err)
		} else {
			rows, perr := parseCSV(strings.NewReader(csvHeader + "\n" + cr.row + "\n"))
			if perr != nil {
				t.Fatal(perr)
			}
			inv.row = rows[0]
		}
		res.Runs = append(res.Runs, newRun(cr.server, c, cr.rep, cr.n, keys, inv, err))
	}
	return res
}

func TestAggregate(t *testing.T) {
	res := cannedResults(t)
	aggs := aggregate(res)
	var cells []cell
	for _, a := range aggs {
		cells = append(cells, a.cell)
	}
	wantCells := []cell{
		{"ping_mbulk", 50, 1, 0},
		{"set", 50, 1, 16},
		{"set", 50, 16, 16},
		{"get", 500, 16, 512},
	}
	if !reflect.DeepEqual(cells, wantCells) {
		t.Fatalf("cells: got %+v, want %+v", cells, wantCells)
	}
	for _, a := range aggs {
		if len(a.ByServer) != len(res.Servers) {
			t.Fatalf("%+v: %d servers, want %d", a.cell, len(a.ByServer), len(res.Servers))
		}
	}

	// ping_mbulk, volley: three repeats, the tool ≥ 90 % busy.
	got := aggs[0].ByServer[0]
	if got.N != 3 || got.Failed != 0 || got.RPS != 150000 || got.RPSMin != 147058.82 || got.RPSMax != 153061.22 ||
		got.P50 != 0.287 || got.P99 != 0.623 || got.PerCPU != 241935 || !got.ClientBusy {
		t.Errorf("ping_mbulk volley: %+v", got)
	}
	// ping_mbulk, valkey: the tool 75 % busy, the machine quiet.
	if st := aggs[0].ByServer[1]; st.ClientBusy || st.Noisy {
		t.Errorf("ping_mbulk valkey flagged: %+v", st)
	}
	// ping_mbulk, redis: other processes took about 21 % of the pinned CPUs.
	if st := aggs[0].ByServer[2]; !st.Noisy {
		t.Errorf("ping_mbulk redis not flagged noisy: %+v", st)
	}
	// set -P 16, valkey: one repeat lost, so the median of two is their mean.
	got = aggs[2].ByServer[1]
	if got.N != 2 || got.Failed != 1 || got.RPS != (787401.56+800000.00)/2 || got.RPSMin != 787401.56 ||
		got.RPSMax != 800000 || got.P50 != (0.919+0.903)/2 {
		t.Errorf("set -P 16 valkey: %+v", got)
	}
	// get, volley: every repeat failed.
	if got := aggs[3].ByServer[0]; got.N != 0 || got.Failed != 3 || got.RPS != 0 {
		t.Errorf("get volley: %+v", got)
	}

	// Ratios pair the repeats: ping_mbulk volley/valkey is 1.25, 1.2551
	// and 1.25 repeat by repeat.
	if r := aggs[0].Ratios[1]; r.Pairs != 3 || math.Abs(r.RPS-1.25) > 1e-9 {
		t.Errorf("ping_mbulk volley/valkey: %+v", r)
	}
	if r := aggs[0].Ratios[0]; r != (ratio{}) {
		t.Errorf("volley/volley: %+v, want none", r)
	}
	// set -P 16: valkey lost repeat 2, so two pairs, and their mean.
	want := (980392.19/787401.56 + 1000000.00/800000.00) / 2
	if r := aggs[2].Ratios[1]; r.Pairs != 2 || math.Abs(r.RPS-want) > 1e-9 {
		t.Errorf("set -P 16 volley/valkey: %+v, want rps %v over 2 pairs", r, want)
	}
	// get: volley never ran, so no ratio.
	if r := aggs[3].Ratios[2]; r.Pairs != 0 || r.RPS != 0 || r.PerCPU != 0 {
		t.Errorf("get volley/redis: %+v", r)
	}
}

// A machine that drifts between repeats: the reference caught a fast
// spell alone in repeat 3, which drags its median up, so the servers'
// separate medians put Volley behind though it led in four repeats of
// five. The paired ratio compares each repeat with itself.
func TestPairedRatioFollowsTheRepeats(t *testing.T) {
	runs := func(server string, rps ...float64) []Run {
		var rs []Run
		for i, x := range rps {
			rs = append(rs, Run{Server: server, Repeat: i, RPS: x, RPSPerCPUSec: x * 1.1})
		}
		return rs
	}
	v := runs("volley", 500, 900, 910, 505, 520)
	o := runs("valkey", 480, 880, 870, 860, 495)
	if sep := median([]float64{500, 900, 910, 505, 520}) / median([]float64{480, 880, 870, 860, 495}); sep >= 1 {
		t.Fatalf("the separate medians' ratio is %v; the case needs it below 1", sep)
	}
	r := pairedRatio(v, o)
	// Per repeat: 1.042, 1.023, 1.046, 0.587, 1.051; the median is 500/480.
	if r.Pairs != 5 || math.Abs(r.RPS-500.0/480) > 1e-9 || math.Abs(r.PerCPU-500.0/480) > 1e-9 {
		t.Fatalf("paired ratio %+v, want %v over 5 pairs", r, 500.0/480)
	}
	// A failed run drops its repeat from the pairs.
	o[3].Error, o[3].RPS, o[3].RPSPerCPUSec = "killed", 0, 0
	if r := pairedRatio(v, o); r.Pairs != 4 || math.Abs(r.RPS-(500.0/480+910.0/870)/2) > 1e-9 {
		t.Fatalf("with repeat 3 failed: %+v", r)
	}
}

func TestMedian(t *testing.T) {
	for _, tt := range []struct {
		in   []float64
		want float64
	}{
		{nil, 0},
		{[]float64{5}, 5},
		{[]float64{3, 1, 2}, 2},
		{[]float64{4, 1, 3, 2}, 2.5},
	} {
		in := append([]float64(nil), tt.in...)
		if got := median(tt.in); got != tt.want {
			t.Errorf("median(%v) = %v, want %v", tt.in, got, tt.want)
		}
		if !reflect.DeepEqual(in, tt.in) {
			t.Errorf("median reordered its input: %v", tt.in)
		}
	}
}

// golden compares got with testdata/name, or rewrites it with -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := "testdata/" + name
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		gl, wl := strings.Split(string(got), "\n"), strings.Split(string(want), "\n")
		for i := 0; i < max(len(gl), len(wl)); i++ {
			var g, w string
			if i < len(gl) {
				g = gl[i]
			}
			if i < len(wl) {
				w = wl[i]
			}
			if g != w {
				t.Fatalf("%s differs at line %d (go test -run %s -update to rewrite):\n got %q\nwant %q", path, i+1, t.Name(), g, w)
			}
		}
	}
}

func TestMarkdown(t *testing.T) {
	res := cannedResults(t)
	var b bytes.Buffer
	writeMarkdown(&b, res, aggregate(res))
	golden(t, "report.md", b.Bytes())
}

func TestJSON(t *testing.T) {
	res := cannedResults(t)
	var b bytes.Buffer
	if err := writeJSON(&b, res); err != nil {
		t.Fatal(err)
	}
	golden(t, "results.json", b.Bytes())

	// And it reads back to the same results.
	var back Results
	if err := json.Unmarshal(b.Bytes(), &back); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(&back, res) {
		t.Errorf("results.json does not read back to the same results")
	}
}

func TestSVG(t *testing.T) {
	res := cannedResults(t)
	aggs := aggregate(res)
	for _, test := range []string{"ping_mbulk", "set", "get"} {
		var b bytes.Buffer
		writeSVG(&b, test, aggs, res.Servers)
		d := xml.NewDecoder(&b)
		var bars int
		for {
			tok, err := d.Token()
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatalf("%s: SVG is not well-formed XML: %v", test, err)
			}
			if se, ok := tok.(xml.StartElement); ok && se.Name.Local == "title" {
				bars++
			}
		}
		// One bar per server with results per cell of the test.
		want := map[string]int{"ping_mbulk": 3, "set": 6, "get": 2}[test]
		if bars != want {
			t.Errorf("%s: %d bars, want %d", test, bars, want)
		}
	}
}
