package engine

import (
	"bufio"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// infoText runs INFO with args and returns the payload of its RESP2 bulk
// reply, checking the framing.
func infoText(t testing.TB, e *testEnv, c *Client, args ...string) string {
	t.Helper()
	out := e.do(c, append([]string{"info"}, args...)...)
	if !strings.HasPrefix(out, "$") {
		t.Fatalf("INFO %q: not a bulk string: %q", args, out)
	}
	head, body, _ := strings.Cut(out, "\r\n")
	n, err := strconv.Atoi(head[1:])
	if err != nil || len(body) != n+2 || !strings.HasSuffix(body, "\r\n") {
		t.Fatalf("INFO %q: bad framing %q", args, out[:min(len(out), 64)])
	}
	return body[:n]
}

// infoFields parses INFO text into its section titles and fields, failing
// on any line out of format.
func infoFields(t testing.TB, text string) (sections []string, fields map[string]string) {
	t.Helper()
	fields = make(map[string]string)
	if text == "" {
		return nil, fields
	}
	if !strings.HasSuffix(text, "\r\n") {
		t.Fatalf("INFO text does not end with CRLF: %q", text[max(0, len(text)-20):])
	}
	lines := strings.Split(strings.TrimSuffix(text, "\r\n"), "\r\n")
	for i, l := range lines {
		switch {
		case strings.HasPrefix(l, "# "):
			if i > 0 && lines[i-1] != "" {
				t.Errorf("section %q not preceded by an empty line", l)
			}
			sections = append(sections, l[2:])
		case l == "":
			if i+1 >= len(lines) || !strings.HasPrefix(lines[i+1], "# ") {
				t.Errorf("empty line %d not followed by a section", i)
			}
		default:
			name, value, ok := strings.Cut(l, ":")
			if !ok || name == "" || strings.ContainsAny(l, "\r\n") {
				t.Errorf("bad INFO line %q", l)
				continue
			}
			if _, dup := fields[name]; dup {
				t.Errorf("field %q twice", name)
			}
			fields[name] = value
		}
	}
	return sections, fields
}

// infoFieldsMissingOnPurpose are the fields of the golden list Volley
// does not print, with the reason.
var infoFieldsMissingOnPurpose = map[string]string{}

func TestInfoEverythingHasValkeyFields(t *testing.T) {
	e := newTestEnv(t)
	c := e.newClient()
	_, fields := infoFields(t, infoText(t, e, c, "everything"))
	f, err := os.Open("testdata/info_fields.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var wantSections []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		switch {
		case strings.HasPrefix(line, "# ") && !strings.Contains(line[2:], " "):
			wantSections = append(wantSections, line[2:])
		case strings.HasPrefix(line, "#") || line == "":
		default:
			if _, ok := fields[line]; !ok && infoFieldsMissingOnPurpose[line] == "" {
				t.Errorf("INFO everything lacks %q", line)
			}
		}
	}
	sections, _ := infoFields(t, infoText(t, e, c, "everything"))
	if strings.Join(sections, ",") != strings.Join(wantSections, ",") {
		t.Errorf("sections %q, want %q", sections, wantSections)
	}
}

func TestInfoSections(t *testing.T) {
	e := newTestEnv(t)
	c := e.newClient()
	defaults := "Server,Clients,Memory,Persistence,Stats,Replication,CPU,Modules,Errorstats,Cluster,Keyspace"
	all := "Server,Clients,Memory,Persistence,Stats,Replication,CPU,Modules,Commandstats,Errorstats,Latencystats,Cluster,Keyspace"
	for _, tc := range []struct {
		args []string
		want string
	}{
		{nil, defaults},
		{[]string{"default"}, defaults},
		{[]string{"all"}, all},
		{[]string{"everything"}, all},
		{[]string{"ALL", "debug"}, all + ",Debug"},
		{[]string{"SERVER"}, "Server"},
		{[]string{"cluster", "cluster"}, "Cluster"},
		{[]string{"keyspace", "server"}, "Server,Keyspace"},
		{[]string{"commandstats", "latencystats"}, "Commandstats,Latencystats"},
		{[]string{"modules"}, "Modules"},
		{[]string{"module_list"}, "Modules"},
		{[]string{"debug"}, "Debug"},
		{[]string{"foo"}, ""},
		{[]string{"foo", "bar"}, ""},
	} {
		sections, _ := infoFields(t, infoText(t, e, c, tc.args...))
		if got := strings.Join(sections, ","); got != tc.want {
			t.Errorf("INFO %q: sections %q, want %q", tc.args, got, tc.want)
		}
	}
	if got := e.do(c, "info", "cluster"); got != "$30\r\n# Cluster\r\ncluster_enabled:0\r\n\r\n" {
		t.Errorf("INFO cluster = %q", got)
	}
	e.do(c, "hello", "3")
	if got := e.do(c, "info", "cluster"); got != "=34\r\ntxt:# Cluster\r\ncluster_enabled:0\r\n\r\n" {
		t.Errorf("RESP3 INFO cluster = %q", got)
	}
	if got := e.do(c, "info", "foo"); got != "=4\r\ntxt:\r\n" {
		t.Errorf("RESP3 INFO foo = %q", got)
	}
}

func TestInfoServerFields(t *testing.T) {
	e := newTestEnv(t)
	e.srv.Cfg.Port = 7777
	e.srv.Cfg.Bind = []string{"127.0.0.1", "-::1"}
	c := e.newClient()
	_, f := infoFields(t, infoText(t, e, c, "server"))
	for name, want := range map[string]string{
		"redis_version":        "7.2.4",
		"server_name":          "valkey",
		"valkey_version":       Version,
		"valkey_release_stage": "ga",
		"volley_version":       VolleyVersion,
		"server_mode":          "standalone",
		"multiplexing_api":     "epoll",
		"arch_bits":            "64",
		"run_id":               e.srv.RunID,
		"tcp_port":             "7777",
		"hz":                   "10",
		"configured_hz":        "10",
		"process_id":           strconv.Itoa(os.Getpid()),
		"process_supervised":   "no",
		"io_threads_active":    "0",
		"config_file":          "",
		"listener0":            "name=tcp,bind=127.0.0.1,bind=-::1,port=7777",
	} {
		if got := f[name]; got != want {
			t.Errorf("%s = %q, want %q", name, got, want)
		}
	}
	if !regexp.MustCompile(`^\d{16}$`).MatchString(f["server_time_usec"]) {
		t.Errorf("server_time_usec = %q", f["server_time_usec"])
	}
	if lru, err := strconv.Atoi(f["lru_clock"]); err != nil || lru < 0 || lru > lruClockMax {
		t.Errorf("lru_clock = %q", f["lru_clock"])
	}
}

func TestInfoStatsSections(t *testing.T) {
	e := newTestEnv(t)
	c := e.newClient()
	e.do(c, "ping")
	e.do(c, "ping")
	e.do(c, "ping", "a", "b")      // wrong arity: rejected
	e.do(c, "config", "get")       // rejected
	e.do(c, "lolwut", "x")         // executed, failed
	e.do(c, "nosuch")              // unknown
	e.do(c, "slowlog", "get", "x") // failed
	text := infoText(t, e, c, "commandstats", "errorstats")
	for _, re := range []string{
		`(?m)^cmdstat_ping:calls=3,usec=\d+,usec_per_call=\d+\.\d\d,rejected_calls=0,failed_calls=1\r$`,
		`(?m)^cmdstat_config\|get:calls=0,usec=0,usec_per_call=0\.00,rejected_calls=1,failed_calls=0\r$`,
		`(?m)^cmdstat_lolwut:calls=1,usec=\d+,usec_per_call=\d+\.\d\d,rejected_calls=0,failed_calls=1\r$`,
		`(?m)^cmdstat_slowlog\|get:calls=1,usec=\d+,usec_per_call=\d+\.\d\d,rejected_calls=0,failed_calls=1\r$`,
		`(?m)^errorstat_ERR:count=5\r$`,
	} {
		if !regexp.MustCompile(re).MatchString(text) {
			t.Errorf("no line matching %s in\n%s", re, text)
		}
	}
	if strings.Contains(text, "cmdstat_nosuch") {
		t.Error("unknown command in commandstats")
	}
	_, f := infoFields(t, infoText(t, e, c, "stats"))
	if f["total_error_replies"] != "5" || f["total_commands_processed"] != "6" {
		t.Errorf("stats: total_error_replies=%s total_commands_processed=%s", f["total_error_replies"], f["total_commands_processed"])
	}
	e.do(c, "config", "resetstat")
	text = infoText(t, e, c, "commandstats", "errorstats", "latencystats")
	if want := "# Commandstats\r\ncmdstat_config|resetstat:"; !strings.HasPrefix(text, want) {
		t.Errorf("after RESETSTAT: %q", text)
	}
	if strings.Contains(text, "errorstat_") || strings.Contains(text, "cmdstat_ping") {
		t.Errorf("RESETSTAT left counters: %q", text)
	}
}

func TestInfoLatencyStats(t *testing.T) {
	e := newTestEnv(t)
	c := e.newClient()
	st := e.srv.CommandStats(e.srv.specByFullName("ping"))
	for i := 0; i < 100; i++ {
		st.Latency.Record(20_000) // 20 µs
	}
	st.Latency.Record(5_000_000)
	text := infoText(t, e, c, "latencystats")
	re := regexp.MustCompile(`(?m)^latency_percentiles_usec_ping:p50=(\d+\.\d{3}),p99=(\d+\.\d{3}),p99\.9=(\d+\.\d{3})\r$`)
	m := re.FindStringSubmatch(text)
	if m == nil {
		t.Fatalf("no ping percentiles in %q", text)
	}
	p50, _ := strconv.ParseFloat(m[1], 64)
	p999, _ := strconv.ParseFloat(m[3], 64)
	if p50 < 20 || p50 > 21 || p999 < 5000 || p999 > 5200 {
		t.Errorf("p50=%v p99.9=%v", p50, p999)
	}
	e.do(c, "config", "set", "latency-tracking-info-percentiles", "50 99.99 100")
	if text := infoText(t, e, c, "latencystats"); !regexp.MustCompile(`(?m)^latency_percentiles_usec_ping:p50=\d+\.\d{3},p99\.99=\d+\.\d{3},p100=\d+\.\d{3}\r$`).MatchString(text) {
		t.Errorf("custom percentiles: %q", text)
	}
	e.do(c, "config", "set", "latency-tracking", "no")
	if text := infoText(t, e, c, "latencystats"); text != "# Latencystats\r\n" {
		t.Errorf("latency-tracking no: %q", text)
	}
}

func TestInfoMemoryAndCPUValues(t *testing.T) {
	e := newTestEnv(t)
	c := e.newClient()
	_, f := infoFields(t, infoText(t, e, c, "memory", "cpu", "replication", "persistence", "clients"))
	num := func(name string) float64 {
		t.Helper()
		v, err := strconv.ParseFloat(strings.TrimSuffix(f[name], "%"), 64)
		if err != nil {
			t.Errorf("%s = %q", name, f[name])
		}
		return v
	}
	if used := num("used_memory"); used <= 0 || num("used_memory_peak") < used || num("used_memory_rss") <= 0 {
		t.Errorf("used_memory %v, peak %v, rss %v", used, num("used_memory_peak"), num("used_memory_rss"))
	}
	num("mem_fragmentation_ratio")
	num("used_memory_peak_perc")
	if !regexp.MustCompile(`^\d+\.\d{6}$`).MatchString(f["used_cpu_user_main_thread"]) {
		t.Errorf("used_cpu_user_main_thread = %q", f["used_cpu_user_main_thread"])
	}
	if f["used_cpu_sys_children"] != "0.000000" || f["role"] != "master" || len(f["master_replid"]) != 40 ||
		f["master_replid"] == e.srv.RunID || f["second_repl_offset"] != "-1" || f["maxmemory_policy"] != "noeviction" ||
		f["rdb_changes_since_last_save"] != "0" || f["connected_clients"] != "1" || f["paused_reason"] != "none" {
		t.Errorf("unexpected values: %v", f)
	}
}

// TestInfoScriptCounts: the script cache counts every script, SCRIPT
// LOAD's as EVAL's (scripting.tcl's "SCRIPTING FLUSH ASYNC" and eviction
// tests); the values are Valkey 9.0's for the same commands.
func TestInfoScriptCounts(t *testing.T) {
	e := newTestEnv(t)
	c := e.newClient()
	check := func(want map[string]string) {
		t.Helper()
		_, f := infoFields(t, infoText(t, e, c, "memory", "stats"))
		for name, v := range want {
			if f[name] != v {
				t.Errorf("%s = %q, want %q", name, f[name], v)
			}
		}
		if total, eval, fn := atoi(f["used_memory_scripts"]), atoi(f["used_memory_scripts_eval"]), atoi(f["used_memory_functions"]); total != eval+fn {
			t.Errorf("used_memory_scripts %d, used_memory_scripts_eval %d + used_memory_functions %d", total, eval, fn)
		}
		if total, eval, fn := atoi(f["used_memory_vm_total"]), atoi(f["used_memory_vm_eval"]), atoi(f["used_memory_vm_functions"]); total != eval+fn || f["used_memory_lua"] != f["used_memory_vm_eval"] {
			t.Errorf("used_memory_vm_total %d, used_memory_vm_eval %d + used_memory_vm_functions %d, used_memory_lua %s", total, eval, fn, f["used_memory_lua"])
		}
	}
	check(map[string]string{
		"number_of_cached_scripts": "0", "used_memory_scripts_eval": "0", "used_memory_scripts_human": "0B",
		"evicted_scripts": "0", "number_of_functions": "0", "number_of_libraries": "0",
	})
	for j := range 100 {
		e.do(c, "script", "load", "return "+strconv.Itoa(j))
	}
	check(map[string]string{"number_of_cached_scripts": "100"})
	_, f := infoFields(t, infoText(t, e, c, "memory"))
	if n, _ := strconv.Atoi(f["used_memory_scripts_eval"]); n < 100*(40+len("return 0")) {
		t.Errorf("used_memory_scripts_eval = %q for 100 scripts", f["used_memory_scripts_eval"])
	}
	if stats := e.do(c, "memory", "stats"); !strings.Contains(stats, "$10\r\nlua.caches\r\n:"+f["used_memory_scripts_eval"]+"\r\n") {
		t.Errorf("MEMORY STATS lua.caches is not used_memory_scripts_eval %s: %q", f["used_memory_scripts_eval"], stats)
	}
	e.do(c, "eval", "return 0", "0") // cached by SCRIPT LOAD already
	e.do(c, "eval", "return 'new'", "0")
	check(map[string]string{"number_of_cached_scripts": "101"})
	if got := e.do(c, "script", "flush", "async"); got != "+OK\r\n" {
		t.Fatalf("SCRIPT FLUSH ASYNC: %q", got)
	}
	check(map[string]string{"number_of_cached_scripts": "0", "used_memory_scripts_eval": "0", "used_memory_scripts_human": "0B"})

	// EVAL keeps 500 scripts, evicting the least recently used.
	for j := 1; j <= 502; j++ {
		e.do(c, "eval", "return "+strconv.Itoa(j), "0")
	}
	check(map[string]string{"number_of_cached_scripts": "500", "evicted_scripts": "2"})
	e.do(c, "config", "resetstat")
	check(map[string]string{"number_of_cached_scripts": "500", "evicted_scripts": "0"})

	lib := "#!lua name=l1\nredis.register_function('f1', function() return 1 end)\nredis.register_function('f2', function() return 2 end)"
	if got := e.do(c, "function", "load", lib); got != "$2\r\nl1\r\n" {
		t.Fatalf("FUNCTION LOAD: %q", got)
	}
	check(map[string]string{"number_of_functions": "2", "number_of_libraries": "1", "number_of_cached_scripts": "500"})
	// The VM figures are estimates (gopher-lua's objects are on the Go
	// heap): something while a library is loaded, nothing once flushed,
	// as functions.tcl checks that a flush lowers them.
	_, f = infoFields(t, infoText(t, e, c, "memory"))
	if atoi(f["used_memory_vm_functions"]) <= 0 || atoi(f["used_memory_functions"]) < len(lib) || atoi(f["used_memory_vm_eval"]) <= 0 {
		t.Errorf("with a library and 500 scripts: used_memory_vm_functions %s, used_memory_functions %s, used_memory_vm_eval %s",
			f["used_memory_vm_functions"], f["used_memory_functions"], f["used_memory_vm_eval"])
	}
	e.do(c, "function", "flush")
	check(map[string]string{"number_of_functions": "0", "number_of_libraries": "0", "used_memory_vm_functions": "0", "used_memory_functions": "0"})
	e.do(c, "script", "flush")
	check(map[string]string{"used_memory_vm_eval": "0", "used_memory_lua": "0", "used_memory_vm_total": "0", "used_memory_scripts": "0"})
}

func atoi(s string) int {
	n, _ := strconv.Atoi(s)
	return n
}

func TestBytesToHuman(t *testing.T) {
	for n, want := range map[uint64]string{
		0: "0B", 1023: "1023B", 1024: "1.00K", 922936: "901.30K", 7352320: "7.01M",
		25276026880: "23.54G", 1 << 40: "1.00T",
	} {
		if got := bytesToHuman(n); got != want {
			t.Errorf("bytesToHuman(%d) = %q, want %q", n, got, want)
		}
	}
}

// TestExtendedRedisCompatibility: the config makes HELLO, INFO and LOLWUT
// name Redis and its version, as Valkey 9.0 does (unit/other checks the
// same), and turning it off restores them.
func TestExtendedRedisCompatibility(t *testing.T) {
	e := newTestEnv(t)
	c := e.newClient()
	check := func(redis bool) {
		t.Helper()
		hello := e.do(c, "hello", "3")
		info := e.do(c, "info", "server")
		lolwut := e.do(c, "lolwut")
		server, version, mode, ver := "valkey", Version, "server_mode:", "Valkey ver. "+Version+"\n"
		if redis {
			server, version, mode, ver = "redis", RedisVersion, "redis_mode:", "Redis ver. "+RedisVersion+"\n"
		}
		if want := "$6\r\nserver\r\n" + bulk(server) + "$7\r\nversion\r\n" + bulk(version); !strings.Contains(hello, want) {
			t.Errorf("HELLO %q lacks %q", hello, want)
		}
		if !strings.Contains(info, "\r\n"+mode+"standalone\r\n") {
			t.Errorf("INFO server lacks %s:\n%s", mode, info)
		}
		if !strings.HasSuffix(lolwut, ver+"\r\n") {
			t.Errorf("LOLWUT ends %q, want %q", lolwut[max(len(lolwut)-40, 0):], ver)
		}
	}
	check(false)
	e.do(c, "config", "set", "extended-redis-compatibility", "yes")
	check(true)
	e.do(c, "config", "set", "extended-redis-compatibility", "no")
	check(false)
}

// TestInfoErrorStatsOverflow: codes a script makes up stop getting their
// own line at 128 codes and go under ERRORSTATS_OVERFLOW, while the
// server's own codes and codes already seen keep counting.
func TestInfoErrorStatsOverflow(t *testing.T) {
	e := newTestEnv(t)
	c := e.newClient()
	for j := 1; j <= 130; j++ {
		n := strconv.Itoa(j)
		want := "-" + n + " my error\r\n"
		if got := e.do(c, "eval", "return {err=ARGV[1]..' my error'}", "0", n); got != want {
			t.Fatalf("eval %d = %q, want %q", j, got, want)
		}
	}
	e.do(c, "set", "a", "b", "c")                       // ERR syntax error: a server code, not capped
	e.do(c, "eval", "return {err='1 again'}", "0")      // code 1 seen already
	e.do(c, "eval", "return {err='nospaceatall'}", "0") // no code: ERR
	text := infoText(t, e, c, "errorstats")
	for _, want := range []string{
		"errorstat_1:count=2\r\n",
		"errorstat_128:count=1\r\n",
		"errorstat_ERRORSTATS_OVERFLOW:count=2\r\n",
		"errorstat_ERR:count=2\r\n",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("errorstats lacks %q:\n%s", want, text)
		}
	}
	if strings.Contains(text, "errorstat_129:") || strings.Contains(text, "errorstat_nospaceatall") {
		t.Errorf("errorstats over the cap:\n%s", text)
	}
}

// TestInfoEventLoop: a hold on the engine is an event loop cycle; its
// commands, its length and the cron's steps show in INFO stats and
// debug, and RESETSTAT zeroes them.
func TestInfoEventLoop(t *testing.T) {
	e := newTestEnv(t)
	c := e.newClient()
	s := e.srv
	s.Acquired()
	for range 3 {
		e.do(c, "ping")
	}
	s.Released()
	s.Acquired()
	e.do(c, "ping")
	s.Released()
	if s.el.cycle.cnt != 2 || s.el.cmdPerCycleMax != 3 || s.el.cmd.cnt != 4 || s.el.cmd.sum <= 0 {
		t.Fatalf("after two holds: %+v", s.el)
	}
	if s.el.cycle.max <= 0 || s.el.cycle.sum < s.el.cycle.max {
		t.Fatalf("cycle durations: %+v", s.el.cycle)
	}
	s.Cron()
	if s.el.cron.cnt != 1 || s.el.cron.sum <= 0 {
		t.Fatalf("cron: %+v", s.el.cron)
	}
	_, f := infoFields(t, infoText(t, e, c, "stats"))
	if f["eventloop_cycles"] != "2" {
		t.Errorf("eventloop_cycles = %q", f["eventloop_cycles"])
	}
	if _, f := infoFields(t, infoText(t, e, c)); f["eventloop_cmd_per_cycle_max"] != "" {
		t.Error("INFO default shows the debug section")
	}
	_, f = infoFields(t, infoText(t, e, c, "debug"))
	if f["eventloop_cmd_per_cycle_max"] != "3" || f["eventloop_duration_aof_sum"] != "0" ||
		f["eventloop_duration_max"] != strconv.FormatInt(s.el.cycle.max/1000, 10) {
		t.Errorf("INFO debug: %v", f)
	}

	// Rates: 20 cycles of 2 ms in 100 ms are 200 cycles a second of
	// 2000 µs, one sample of the 16 the rates average.
	s.inst.reset() // forget the cron's sample
	s.el.cycle = durationStat{}
	base := int64(1e12)
	s.StatsCron(base)
	s.el.cycle = durationStat{cnt: 20, sum: 40e6}
	s.StatsCron(base + 100)
	_, f = infoFields(t, infoText(t, e, c, "stats"))
	if f["instantaneous_eventloop_cycles_per_sec"] != "12" || f["instantaneous_eventloop_duration_usec"] != "125" ||
		f["eventloop_duration_sum"] != "40000" {
		t.Errorf("rates: cycles/s %s, µs/cycle %s, sum %s", f["instantaneous_eventloop_cycles_per_sec"],
			f["instantaneous_eventloop_duration_usec"], f["eventloop_duration_sum"])
	}

	e.do(c, "config", "resetstat")
	_, f = infoFields(t, infoText(t, e, c, "stats", "debug"))
	for _, k := range []string{"eventloop_cycles", "eventloop_duration_sum", "instantaneous_eventloop_cycles_per_sec",
		"eventloop_duration_cron_sum", "eventloop_cmd_per_cycle_max"} {
		if f[k] != "0" {
			t.Errorf("after RESETSTAT %s = %q", k, f[k])
		}
	}
}
