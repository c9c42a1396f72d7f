package main

import (
	"bufio"
	"io"
	"net"
	"os"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestParseCSV(t *testing.T) {
	tests := []struct {
		file string
		want []csvRow
	}{
		{
			// valkey-benchmark 9.0.4 -t ping_inline,set,lrange_100,mset --csv: the
			// LRANGE prefill row is dropped.
			file: "testdata/valkey-benchmark.csv",
			want: []csvRow{
				{"PING_INLINE", 30303.03, 1.014, 0.312, 0.903, 1.607, 4.871, 5.183},
				{"SET", 27397.26, 1.178, 0.312, 1.055, 1.919, 5.479, 5.823},
				{"LRANGE_100 (first 100 elements)", 22222.22, 1.365, 0.416, 1.255, 2.359, 3.543, 4.175},
				{"MSET (10 keys)", 25974.03, 1.222, 0.376, 1.151, 1.903, 3.711, 4.759},
			},
		},
		{
			// redis-benchmark 7.0.15 -t ping_mbulk,get -P 16 --csv.
			file: "testdata/redis-benchmark.csv",
			want: []csvRow{
				{"PING_MBULK", 249999.98, 2.350, 0.528, 2.039, 4.495, 4.591, 4.655},
				{"GET", 200000.00, 2.649, 0.528, 2.983, 3.783, 3.935, 3.951},
			},
		},
	}
	for _, tt := range tests {
		f, err := os.Open(tt.file)
		if err != nil {
			t.Fatal(err)
		}
		got, err := parseCSV(f)
		f.Close()
		if err != nil {
			t.Fatalf("%s: %v", tt.file, err)
		}
		if !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%s:\n got %+v\nwant %+v", tt.file, got, tt.want)
		}
	}
}

func TestParseCSVReorderedColumns(t *testing.T) {
	in := `"rps","test","max_latency_ms","avg_latency_ms","min_latency_ms","p50_latency_ms","p95_latency_ms","p99_latency_ms","extra"
"1000.00","GET","9","2","1","3","4","5","x"
`
	got, err := parseCSV(strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	want := []csvRow{{"GET", 1000, 2, 1, 3, 4, 5, 9}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %+v, want %+v", got, want)
	}
}

func TestParseCSVErrors(t *testing.T) {
	header := `"test","rps","avg_latency_ms","min_latency_ms","p50_latency_ms","p95_latency_ms","p99_latency_ms","max_latency_ms"` + "\n"
	for name, in := range map[string]string{
		"empty":          "",
		"header only":    header,
		"missing column": `"test","rps"` + "\n" + `"GET","1"` + "\n",
		"bad number":     header + `"GET","fast","1","1","1","1","1","1"` + "\n",
		"short row":      header + `"GET","1","1"` + "\n",
		"prefill only":   header + `"LPUSH (needed to benchmark LRANGE)","1","1","1","1","1","1","1"` + "\n",
		"not a number":   header + `"GET","NaN","1","1","1","1","1","1"` + "\n",
	} {
		if rows, err := parseCSV(strings.NewReader(in)); err == nil {
			t.Errorf("%s: got %+v, want an error", name, rows)
		}
	}
}

func TestParseProcStat(t *testing.T) {
	// A command name with spaces and parentheses; utime 1234, stime 566.
	line := "4242 (valkey (x) y) S 1 4242 4242 0 -1 4194560 1000 0 0 0 1234 566 0 0 20 0 4 0 100 1000 200\n"
	got, err := parseProcStat([]byte(line))
	if err != nil {
		t.Fatal(err)
	}
	if got != 18 {
		t.Errorf("got %v s, want 18 s", got)
	}
	if _, err := parseProcStat([]byte("4242 (x) S 1 2")); err == nil {
		t.Error("short line: want an error")
	}
}

func TestToolArgs(t *testing.T) {
	tl := tool{path: "valkey-benchmark"}
	set, _ := lookupTest("set")
	got := tl.args(set, cell{Test: "set", Clients: 50, Pipeline: 16, Size: 512}, 7000, 90000, 1000000)
	want := strings.Fields("-h 127.0.0.1 -p 7000 -c 50 -n 90000 -P 16 -d 512 -r 1000000 --csv -t set")
	if !slices.Equal(got, want) {
		t.Errorf("set: got %q, want %q", got, want)
	}
	lr, _ := lookupTest("lrange_300")
	got = tl.args(lr, cell{Test: "lrange_300", Clients: 500, Pipeline: 1, Size: 16}, 7000, 1000, 0)
	want = strings.Fields("-h 127.0.0.1 -p 7000 -c 500 -n 1000 -P 1 -d 16 --csv LRANGE mylist 0 299")
	if !slices.Equal(got, want) {
		t.Errorf("lrange_300: got %q, want %q", got, want)
	}
}

func TestRoundRequests(t *testing.T) {
	for in, want := range map[float64]int{42.2: 43, 1234: 1200, 98765: 99000, 1_049_999: 1_000_000, 3_456_789: 3_500_000} {
		if got := roundRequests(in); got != want {
			t.Errorf("roundRequests(%v) = %d, want %d", in, got, want)
		}
	}
}

func TestServerArgs(t *testing.T) {
	got := serverArgs([]string{"io-threads 2", "--maxmemory 1gb", "  "})
	want := []string{"--io-threads", "2", "--maxmemory", "1gb"}
	if !slices.Equal(got, want) {
		t.Errorf("got %q, want %q", got, want)
	}
}

func TestQuickFlags(t *testing.T) {
	cfg, err := parseFlags([]string{"--quick", "--tests", "incr", "--redis", "none"}, os.Stderr)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.repeat != 1 || !slices.Equal(cfg.clients, []int{50}) || !slices.Equal(cfg.pipelines, []int{1, 16}) ||
		!slices.Equal(cfg.sizes, []int{16}) || cfg.seconds != 1 {
		t.Errorf("quick defaults not applied: %+v", cfg)
	}
	if !slices.Equal(cfg.tests, []string{"incr"}) {
		t.Errorf("explicit --tests overridden by --quick: %q", cfg.tests)
	}
	if _, err := parseFlags([]string{"--tests", "set,nosuch"}, os.Stderr); err == nil {
		t.Error("unknown test: want an error")
	}
}

func TestMemoryScenarioFlags(t *testing.T) {
	cfg, err := parseFlags(nil, io.Discard)
	if err != nil || !slices.Equal(cfg.memoryScenarios, []string{"strings"}) || cfg.memoryFields != 10 {
		t.Errorf("defaults: %q %d %v", cfg.memoryScenarios, cfg.memoryFields, err)
	}
	cfg, err = parseFlags([]string{"--memory", "--memory-scenarios", "hash,strings", "--memory-fields", "4"}, io.Discard)
	if err != nil || !slices.Equal(cfg.memoryScenarios, []string{"hash", "strings"}) || cfg.memoryFields != 4 {
		t.Errorf("got %q %d %v", cfg.memoryScenarios, cfg.memoryFields, err)
	}
	for _, args := range [][]string{{"--memory-scenarios", "zset"}, {"--memory-fields", "0"}} {
		if _, err := parseFlags(args, io.Discard); err == nil {
			t.Errorf("%q: want an error", args)
		}
	}
}

func TestParseCPUList(t *testing.T) {
	for in, want := range map[string][]int{"0": {0}, "1": {1}, "0-2": {0, 1, 2}, "0,2-3": {0, 2, 3}} {
		got, err := parseCPUList(in)
		if err != nil || !slices.Equal(got, want) {
			t.Errorf("parseCPUList(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, in := range []string{"", "a", "3-1", "0,"} {
		if got, err := parseCPUList(in); err == nil {
			t.Errorf("parseCPUList(%q) = %v, want an error", in, got)
		}
	}
}

func TestParseCPUBusy(t *testing.T) {
	stat := []byte(`cpu  300 20 100 9000 5 0 7 0 0 0
cpu0 100 10 50 4500 2 0 3 0 0 0
cpu1 200 10 50 4500 3 0 4 0 0 0
cpu10 1000 0 0 0 0 0 0 0 0 0
intr 1 2 3
`)
	for _, tt := range []struct {
		cpus []int
		want float64
	}{{[]int{0}, 1.6}, {[]int{1}, 2.6}, {[]int{0, 1}, 4.2}, {[]int{10}, 10}} {
		got, err := parseCPUBusy(stat, tt.cpus)
		if err != nil || got != tt.want {
			t.Errorf("CPUs %v: got %v, %v; want %v", tt.cpus, got, err, tt.want)
		}
	}
	if _, err := parseCPUBusy(stat, []int{2}); err == nil {
		t.Error("missing CPU: want an error")
	}
}

// fakeServer answers every command with +OK over loopback TCP (whose
// buffers let the client pipeline) and records the commands, for the
// prefill functions.
func fakeServer(t *testing.T) (*client, func() [][]string) {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	var got [][]string
	done := make(chan struct{})
	accepted := make(chan net.Conn, 1)
	go func() {
		defer close(done)
		b, err := l.Accept()
		accepted <- b
		if err != nil {
			return
		}
		r := bufio.NewReader(b)
		for {
			line, err := r.ReadString('\n')
			if err != nil {
				return
			}
			n, _ := strconv.Atoi(strings.TrimSpace(line[1:]))
			cmd := make([]string, n)
			for i := range cmd {
				line, _ = r.ReadString('\n')
				l, _ := strconv.Atoi(strings.TrimSpace(line[1:]))
				buf := make([]byte, l+2)
				if _, err := io.ReadFull(r, buf); err != nil {
					return
				}
				cmd[i] = string(buf[:l])
			}
			got = append(got, cmd)
			if _, err := b.Write([]byte("+OK\r\n")); err != nil {
				return
			}
		}
	}()
	c, err := dial(l.Addr().(*net.TCPAddr).Port, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	b := <-accepted
	return c, func() [][]string {
		c.Close()
		<-done
		if b != nil {
			b.Close()
		}
		return got
	}
}

func TestPrefillBitmapAndHLL(t *testing.T) {
	c, cmds := fakeServer(t)
	if err := prefillBitmap(c, 0, 0, 0); err != nil {
		t.Fatal(err)
	}
	if err := prefillDenseHLLs(c, 0, 0, 0); err != nil {
		t.Fatal(err)
	}
	got := cmds()
	if len(got) != 1+3*denseHLLElements/500 {
		t.Fatalf("%d commands", len(got))
	}
	if set := got[0]; len(set) != 3 || set[0] != "SET" || set[1] != "bitkey" || len(set[2]) != bitmapSize ||
		strings.Count(set[2], "\x00") > bitmapSize/100 {
		t.Fatalf("bitmap prefill %q %q, %d bytes", set[0], set[1], len(set[len(set)-1]))
	}
	seen := map[string]map[string]bool{}
	for _, cmd := range got[1:] {
		if cmd[0] != "PFADD" || len(cmd) != 2+500 {
			t.Fatalf("%q with %d args", cmd[0], len(cmd))
		}
		if seen[cmd[1]] == nil {
			seen[cmd[1]] = map[string]bool{}
		}
		for _, el := range cmd[2:] {
			seen[cmd[1]][el] = true
		}
	}
	for _, k := range []string{"hll:1", "hll:2", "hll:3"} {
		if len(seen[k]) != denseHLLElements {
			t.Errorf("%s: %d distinct elements", k, len(seen[k]))
		}
	}
	for _, name := range []string{"bitcount", "pfadd", "pfcount", "pfmerge"} {
		spec, ok := lookupTest(name)
		if !ok || spec.command == nil {
			t.Fatalf("%s: no custom command", name)
		}
		args := (tool{}).args(spec, cell{Clients: 50, Pipeline: 16}, 7000, 1000, 100)
		if name == "pfadd" && !slices.Contains(args, "-r") {
			t.Errorf("pfadd without -r: %q", args)
		}
		if !slices.Equal(args[len(args)-len(spec.command):], spec.command) {
			t.Errorf("%s: args %q", name, args)
		}
	}
}
