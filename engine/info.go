package engine

import (
	"hash/fnv"
	"os"
	"runtime"
	"runtime/debug"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/valyala/bytebufferpool"
	"golang.org/x/sys/unix"
)

// INFO [section ...]: the server's state as "field:value" lines grouped
// in "# Section" blocks, with Valkey 9.0's section and field names.
// Fields of subsystems Volley does not have yet report what a fresh
// Valkey reports.

// infoSection is a section INFO can print.
type infoSection uint16

const (
	secServer infoSection = 1 << iota
	secClients
	secMemory
	secPersistence
	secStats
	secReplication
	secCPU
	secModules
	secCommandStats
	secErrorStats
	secLatencyStats
	secCluster
	secKeyspace
	secDebug // only when named

	secDefault = secServer | secClients | secMemory | secPersistence | secStats | secReplication |
		secCPU | secModules | secErrorStats | secCluster | secKeyspace
	secAll = secDefault | secCommandStats | secLatencyStats
)

var infoSectionNames = map[string]infoSection{
	"server":       secServer,
	"clients":      secClients,
	"memory":       secMemory,
	"persistence":  secPersistence,
	"stats":        secStats,
	"replication":  secReplication,
	"cpu":          secCPU,
	"modules":      secModules,
	"module_list":  secModules,
	"commandstats": secCommandStats,
	"errorstats":   secErrorStats,
	"latencystats": secLatencyStats,
	"cluster":      secCluster,
	"keyspace":     secKeyspace,
	"debug":        secDebug,
}

// parseInfoSections turns INFO's arguments into a set of sections; no
// argument means the default ones, an unknown name adds nothing.
func parseInfoSections(args [][]byte) infoSection {
	if len(args) == 0 {
		return secDefault
	}
	var secs infoSection
	for _, a := range args {
		name := strings.ToLower(string(a))
		switch name {
		case "default":
			secs |= secDefault
		case "all", "everything":
			secs |= secAll
		default:
			secs |= infoSectionNames[name]
		}
	}
	return secs
}

func cmdInfo(c *Client) {
	b := bytebufferpool.Get()
	defer bytebufferpool.Put(b)
	b.B = c.srv.appendInfo(b.B, parseInfoSections(c.Argv[1:]))
	c.AddVerbatim(b.B)
}

// Info returns the INFO text for the named sections (none: the default
// ones), for callers outside a command such as a crash report.
func (s *Server) Info(sections ...string) []byte {
	args := make([][]byte, len(sections))
	for i, sec := range sections {
		args[i] = []byte(sec)
	}
	return s.appendInfo(nil, parseInfoSections(args))
}

// infoWriter appends INFO lines.
type infoWriter struct {
	b        []byte
	sections int
}

func (w *infoWriter) section(title string) {
	if w.sections > 0 {
		w.b = append(w.b, '\r', '\n')
	}
	w.sections++
	w.b = append(w.b, "# "...)
	w.b = append(w.b, title...)
	w.b = append(w.b, '\r', '\n')
}

func (w *infoWriter) str(name, v string) {
	w.b = append(w.b, name...)
	w.b = append(w.b, ':')
	w.b = append(w.b, v...)
	w.b = append(w.b, '\r', '\n')
}

func (w *infoWriter) int(name string, v int64) {
	w.b = append(w.b, name...)
	w.b = append(w.b, ':')
	w.b = strconv.AppendInt(w.b, v, 10)
	w.b = append(w.b, '\r', '\n')
}

func (w *infoWriter) uint(name string, v uint64) {
	w.b = append(w.b, name...)
	w.b = append(w.b, ':')
	w.b = strconv.AppendUint(w.b, v, 10)
	w.b = append(w.b, '\r', '\n')
}

// fixed writes v with prec decimals, as printf's %.<prec>f.
func (w *infoWriter) fixed(name string, v float64, prec int) {
	w.b = append(w.b, name...)
	w.b = append(w.b, ':')
	w.b = strconv.AppendFloat(w.b, v, 'f', prec, 64)
	w.b = append(w.b, '\r', '\n')
}

// perc writes v as "%.2f%%".
func (w *infoWriter) perc(name string, v float64) {
	w.b = append(w.b, name...)
	w.b = append(w.b, ':')
	w.b = strconv.AppendFloat(w.b, v, 'f', 2, 64)
	w.b = append(w.b, '%', '\r', '\n')
}

func (w *infoWriter) zeros(names ...string) {
	for _, n := range names {
		w.int(n, 0)
	}
}

// appendInfo appends the INFO text of secs to dst.
func (s *Server) appendInfo(dst []byte, secs infoSection) []byte {
	w := infoWriter{b: dst}
	now := time.Now()
	if secs&secServer != 0 {
		s.infoServer(&w, now)
	}
	if secs&secClients != 0 {
		s.infoClients(&w)
	}
	if secs&secMemory != 0 {
		s.infoMemory(&w)
	}
	if secs&secPersistence != 0 {
		s.infoPersistence(&w)
	}
	if secs&secStats != 0 {
		s.infoStats(&w)
	}
	if secs&secReplication != 0 {
		s.infoReplication(&w)
	}
	if secs&secCPU != 0 {
		infoCPU(&w)
	}
	if secs&secModules != 0 {
		w.section("Modules")
	}
	if secs&secCommandStats != 0 {
		s.infoCommandStats(&w)
	}
	if secs&secErrorStats != 0 {
		s.infoErrorStats(&w)
	}
	if secs&secLatencyStats != 0 {
		s.infoLatencyStats(&w)
	}
	if secs&secCluster != 0 {
		w.section("Cluster")
		w.int("cluster_enabled", boolInt(s.Cfg.ClusterEnabled))
	}
	if secs&secKeyspace != 0 {
		w.section("Keyspace")
		s.infoKeyspace(&w)
	}
	if secs&secDebug != 0 {
		w.section("Debug")
		s.infoEventLoopDebug(&w)
	}
	return w.b
}

func boolInt(b bool) int64 {
	if b {
		return 1
	}
	return 0
}

// lruClockMax and lruClockResolution are Valkey's LRU clock: seconds,
// wrapping at 24 bits.
const (
	lruClockMax        = 1<<24 - 1
	lruClockResolution = 1000
)

// osString is the kernel's identification, read once: it never changes.
var osString = sync.OnceValue(func() string {
	var u unix.Utsname
	if unix.Uname(&u) != nil {
		return runtime.GOOS
	}
	return unix.ByteSliceToString(u.Sysname[:]) + " " + unix.ByteSliceToString(u.Release[:]) + " " + unix.ByteSliceToString(u.Machine[:])
})

// buildIdentity is redis_git_sha1 and redis_build_id: the VCS revision
// Go stamped into the binary, and a hash identifying the build.
var buildIdentity = sync.OnceValues(func() (sha1, id string) {
	sha1 = "00000000"
	h := fnv.New64a()
	h.Write([]byte(VolleyVersion + runtime.Version()))
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, kv := range bi.Settings {
			if kv.Key == "vcs.revision" && len(kv.Value) >= 8 {
				sha1 = kv.Value[:8]
				h.Write([]byte(kv.Value))
			}
		}
	}
	return sha1, strconv.FormatUint(h.Sum64(), 16)
})

func (s *Server) infoServer(w *infoWriter, now time.Time) {
	cfg := s.Cfg
	mode := "standalone"
	if cfg.ClusterEnabled {
		mode = "cluster"
	}
	modeField := "server_mode"
	if cfg.ExtendedRedisCompat {
		modeField = "redis_mode"
	}
	sha1, buildID := buildIdentity()
	port := s.TCPPort
	if port == 0 {
		port = cfg.Port
	}
	if port == 0 {
		port = cfg.TLSPort
	}
	uptime := int64(now.Sub(s.StartTime) / time.Second)
	configFile := s.ConfigFile
	if configFile == "" {
		configFile = cfg.ConfigFile
	}
	zone, _ := cfg.Value("availability-zone")

	w.section("Server")
	w.str("redis_version", RedisVersion)
	w.str("server_name", ServerName)
	w.str("valkey_version", Version)
	w.str("valkey_release_stage", "ga")
	w.str("volley_version", VolleyVersion)
	w.str("redis_git_sha1", sha1)
	w.int("redis_git_dirty", 0)
	w.str("redis_build_id", buildID)
	w.str(modeField, mode)
	w.str("os", osString())
	w.int("arch_bits", strconv.IntSize)
	w.str("monotonic_clock", "POSIX clock_gettime")
	w.str("multiplexing_api", "epoll")
	w.str("gcc_version", "0.0.0")
	w.str("go_version", runtime.Version())
	w.int("process_id", int64(os.Getpid()))
	w.str("process_supervised", "no")
	w.str("run_id", s.RunID)
	w.int("tcp_port", int64(port))
	w.int("server_time_usec", now.UnixMicro())
	w.int("uptime_in_seconds", uptime)
	w.int("uptime_in_days", uptime/86400)
	w.int("hz", int64(cfg.Hz))
	w.int("configured_hz", int64(cfg.Hz))
	w.int("clients_hz", int64(cfg.Hz))
	w.int("lru_clock", now.UnixMilli()/lruClockResolution&lruClockMax)
	w.str("executable", s.Executable)
	w.str("config_file", configFile)
	w.int("io_threads_active", boolInt(s.IOLoops > 1))
	w.str("availability_zone", zone)
	if s.shutdownWait.active { // the time left for the replicas to catch up
		w.int("shutdown_in_milliseconds", s.shutdownWait.deadline-s.Clock.NowMs())
	}
	s.infoListeners(w)
}

// infoListeners writes one line per kind of listener, numbered as Valkey
// numbers its connection types (0 tcp, 1 unix, 2 tls).
func (s *Server) infoListeners(w *infoWriter) {
	cfg := s.Cfg
	line := func(idx int, name string, binds []string, port int) {
		w.b = append(w.b, "listener"...)
		w.b = strconv.AppendInt(w.b, int64(idx), 10)
		w.b = append(w.b, ":name="...)
		w.b = append(w.b, name...)
		for _, b := range binds {
			w.b = append(w.b, ",bind="...)
			w.b = append(w.b, b...)
		}
		if port != 0 {
			w.b = append(w.b, ",port="...)
			w.b = strconv.AppendInt(w.b, int64(port), 10)
		}
		w.b = append(w.b, '\r', '\n')
	}
	if cfg.Port != 0 {
		line(0, "tcp", cfg.Bind, cfg.Port)
	}
	if cfg.UnixSocket != "" {
		line(1, "unix", []string{cfg.UnixSocket}, 0)
	}
	if cfg.TLSPort != 0 {
		line(2, "tls", cfg.Bind, cfg.TLSPort)
	}
}

func (s *Server) infoClients(w *infoWriter) {
	var connected, blocked, tracking, pubsub, watching int64
	var maxIn, maxOut int
	for _, c := range s.clients {
		if c.Flags&ClientReplica == 0 || c.Flags&ClientMonitor != 0 {
			connected++
		}
		if c.Flags&ClientBlocked != 0 {
			blocked++
		}
		if c.Flags&ClientTracking != 0 {
			tracking++
		}
		if c.Flags&ClientPubSub != 0 {
			pubsub++
		}
		if c.Counts.Watch > 0 {
			watching++
		}
		maxIn = max(maxIn, c.queryBufAlloc())
		maxOut = max(maxOut, c.Out.Len())
	}
	reason, actions, timeout := s.PauseInfo()
	w.section("Clients")
	w.int("connected_clients", connected)
	w.int("cluster_connections", 0)
	w.int("maxclients", int64(s.Cfg.MaxClients))
	w.int("client_recent_max_input_buffer", int64(maxIn))
	w.int("client_recent_max_output_buffer", int64(maxOut))
	w.int("blocked_clients", blocked)
	w.int("tracking_clients", tracking)
	w.int("pubsub_clients", pubsub)
	w.int("watching_clients", watching)
	w.int("clients_in_timeout_table", int64(s.BlockedInTimeoutTable()))
	w.int("total_watched_keys", int64(s.WatchedKeys()))
	w.int("total_blocking_keys", int64(s.BlockingKeys()))
	w.int("total_blocking_keys_on_nokey", int64(s.BlockingKeysOnNoKey()))
	w.str("paused_reason", reason)
	w.str("paused_actions", actions)
	w.int("paused_timeout_milliseconds", timeout)
}

// bytesToHuman formats n as Valkey does: "512B", "1.50K", "3.25M", ...
func bytesToHuman(n uint64) string {
	const k = 1024
	switch {
	case n < k:
		return strconv.FormatUint(n, 10) + "B"
	case n < k*k:
		return strconv.FormatFloat(float64(n)/k, 'f', 2, 64) + "K"
	case n < k*k*k:
		return strconv.FormatFloat(float64(n)/(k*k), 'f', 2, 64) + "M"
	case n < k*k*k*k:
		return strconv.FormatFloat(float64(n)/(k*k*k), 'f', 2, 64) + "G"
	case n < k*k*k*k*k:
		return strconv.FormatFloat(float64(n)/(k*k*k*k), 'f', 2, 64) + "T"
	case n < k*k*k*k*k*k:
		return strconv.FormatFloat(float64(n)/(k*k*k*k*k), 'f', 2, 64) + "P"
	}
	return strconv.FormatUint(n, 10) + "B"
}

func (s *Server) infoMemory(w *infoWriter) {
	m := s.memory()
	o := s.overhead(&m)
	used := m.used()
	sysMem := totalSystemMemory()
	policy, _ := s.Cfg.Value("maxmemory-policy")

	w.section("Memory")
	w.uint("used_memory", used)
	w.str("used_memory_human", bytesToHuman(used))
	w.uint("used_memory_rss", m.rss)
	w.str("used_memory_rss_human", bytesToHuman(m.rss))
	w.uint("used_memory_peak", o.peak)
	w.str("used_memory_peak_human", bytesToHuman(o.peak))
	w.perc("used_memory_peak_perc", o.peakPerc)
	w.uint("used_memory_overhead", o.overheadTotal)
	w.uint("used_memory_startup", o.startup)
	w.uint("used_memory_dataset", o.dataset)
	w.perc("used_memory_dataset_perc", o.datasetPerc)
	w.uint("allocator_allocated", m.objects)
	w.uint("allocator_active", m.heap)
	w.uint("allocator_resident", m.resident)
	w.int("allocator_muzzy", 0)
	w.uint("total_system_memory", sysMem)
	w.str("total_system_memory_human", bytesToHuman(sysMem))
	sc := &s.script
	vmEval, vmFunctions := sc.evalVMMemory(), sc.functionsVMMemory() // estimates (script_memory.go)
	w.int("used_memory_lua", vmEval)
	w.int("used_memory_vm_eval", vmEval)
	w.str("used_memory_lua_human", bytesToHuman(uint64(vmEval)))
	w.int("used_memory_scripts_eval", o.luaCaches)
	w.int("number_of_cached_scripts", int64(len(sc.scripts))) // EVAL's and SCRIPT LOAD's alike
	w.int("number_of_functions", int64(len(sc.funcs.funcs)))
	w.int("number_of_libraries", int64(len(sc.funcs.libs)))
	w.int("used_memory_vm_functions", vmFunctions)
	w.int("used_memory_vm_total", vmEval+vmFunctions)
	w.str("used_memory_vm_total_human", bytesToHuman(uint64(vmEval+vmFunctions)))
	w.int("used_memory_functions", o.functionsCaches)
	w.int("used_memory_scripts", o.luaCaches+o.functionsCaches)
	w.str("used_memory_scripts_human", bytesToHuman(uint64(o.luaCaches+o.functionsCaches)))
	w.uint("maxmemory", s.Cfg.MaxMemory)
	w.str("maxmemory_human", bytesToHuman(s.Cfg.MaxMemory))
	w.str("maxmemory_policy", policy)
	w.fixed("allocator_frag_ratio", o.allocFrag, 2)
	w.int("allocator_frag_bytes", o.allocFragBytes)
	w.fixed("allocator_rss_ratio", o.allocRSS, 2)
	w.int("allocator_rss_bytes", o.allocRSSBytes)
	w.fixed("rss_overhead_ratio", o.rssExtra, 2)
	w.int("rss_overhead_bytes", o.rssExtraBytes)
	w.fixed("mem_fragmentation_ratio", o.totalFrag, 2)
	w.int("mem_fragmentation_bytes", o.totalFragBytes)
	w.zeros("mem_not_counted_for_evict")
	w.uint("mem_replication_backlog", o.replBacklog)
	w.uint("mem_total_replication_buffers", o.replBuffersMemory())
	w.uint("mem_clients_slaves", o.clientsReplicas)
	w.uint("mem_clients_normal", o.clientsNormal)
	w.zeros("mem_cluster_links", "mem_cluster_slot_import", "mem_cluster_slot_export", "mem_aof_buffer")
	w.str("mem_allocator", "go-"+strings.TrimPrefix(runtime.Version(), "go"))
	_, rehashingBytes := s.rehashingTables()
	w.int("mem_overhead_db_hashtable_rehashing", rehashingBytes)
	w.int("active_defrag_running", 0)
	w.int("lazyfree_pending_objects", s.lazyfreePending.Load())
	w.int("lazyfreed_objects", s.lazyfreed.Load())
}

// infoPersistence reports the RDB saves and loads. There is no AOF yet.
func (s *Server) infoPersistence(w *infoWriter) {
	w.section("Persistence")
	w.int("loading", boolInt(s.load.active && !s.load.async))
	w.int("async_loading", boolInt(s.load.async))
	w.zeros("current_cow_peak", "current_cow_size", "current_cow_size_age")
	w.fixed("current_fork_perc", 0, 2)
	bg := s.bgsave.run
	var processed, total int64
	current := int64(-1)
	if bg != nil {
		processed, total = bg.processed, bg.total
		current = int64(time.Since(bg.start).Seconds())
	}
	w.int("current_save_keys_processed", processed)
	w.int("current_save_keys_total", total)
	w.int("rdb_changes_since_last_save", s.Dirty)
	w.int("rdb_bgsave_in_progress", boolInt(bg != nil))
	w.int("rdb_last_save_time", s.lastSave())
	w.str("rdb_last_bgsave_status", okErr(!s.bgsave.lastErr))
	w.int("rdb_last_bgsave_time_sec", s.bgsave.lastSecs)
	w.int("rdb_current_bgsave_time_sec", current)
	w.int("rdb_saves", s.persist.saves)
	w.zeros("rdb_last_cow_size")
	w.int("rdb_last_load_keys_expired", s.persist.expiredKeys)
	w.int("rdb_last_load_keys_loaded", s.persist.loadedKeys)
	s.infoAOF(w)
	if s.load.active {
		s.infoLoading(w)
	}
}

// lastSave is the unix time of the last successful save, or of the start
// before the first, as Valkey reports.
func (s *Server) lastSave() int64 {
	if s.persist.lastSave == 0 {
		return s.StartTime.Unix()
	}
	return s.persist.lastSave
}

func (s *Server) infoStats(w *infoWriter) {
	st := &s.Stats
	w.section("Stats")
	w.int("total_connections_received", st.ConnectionsReceived)
	w.int("total_commands_processed", st.CommandsProcessed)
	w.int("instantaneous_ops_per_sec", s.inst.rate(instCommands))
	w.int("total_net_input_bytes", st.NetInputBytes)
	w.int("total_net_output_bytes", st.NetOutputBytes)
	w.int("total_net_repl_input_bytes", st.NetReplInputBytes)
	w.int("total_net_repl_output_bytes", st.NetReplOutputBytes)
	w.zeros("total_net_cluster_slot_import_bytes", "total_net_cluster_slot_export_bytes")
	w.fixed("instantaneous_input_kbps", float64(float32(s.inst.rate(instNetInput))/1024), 2)
	w.fixed("instantaneous_output_kbps", float64(float32(s.inst.rate(instNetOutput))/1024), 2)
	w.fixed("instantaneous_input_repl_kbps", float64(float32(s.inst.rate(instNetReplInput))/1024), 2)
	w.fixed("instantaneous_output_repl_kbps", float64(float32(s.inst.rate(instNetReplOutput))/1024), 2)
	w.int("rejected_connections", st.RejectedConns)
	w.int("sync_full", s.repl.prim.syncFull)
	w.int("sync_partial_ok", s.repl.prim.syncPartialOK)
	w.int("sync_partial_err", s.repl.prim.syncPartialErr)
	w.int("expired_keys", st.ExpiredKeys)
	w.int("expired_fields", s.ExpiredFields())
	w.fixed("expired_stale_perc", st.ExpiredStalePerc*100, 2)
	w.fixed("expired_keys_with_volatile_items_stale_perc", s.ExpiredVolatileStalePerc(), 2)
	w.int("expired_time_cap_reached_count", st.ExpiredTimeCapReached)
	w.int("expire_cycle_cpu_milliseconds", st.ExpireCycleCPUMs)
	w.int("evicted_keys", st.EvictedKeys)
	w.zeros("evicted_clients")
	w.int("evicted_scripts", s.script.evicted)
	exceededTotal, exceededNow := s.evictionExceededMs()
	w.int("total_eviction_exceeded_time", exceededTotal)
	w.int("current_eviction_exceeded_time", exceededNow)
	w.int("keyspace_hits", st.KeyspaceHits)
	w.int("keyspace_misses", st.KeyspaceMisses)
	channels, patterns, shard := s.PubSubCounts()
	w.int("pubsub_channels", int64(channels))
	w.int("pubsub_patterns", int64(patterns))
	w.int("pubsubshard_channels", int64(shard))
	tkeys, titems, tprefixes := s.TrackingCounts()
	w.int("latest_fork_usec", s.bgsave.forkUsec)
	w.int("total_forks", s.bgsave.forks)
	w.int("migrate_cached_sockets", int64(len(s.migrate.conns)))
	w.int("slave_expires_tracked_keys", int64(len(s.replicaKeys)))
	w.zeros(
		"active_defrag_hits", "active_defrag_misses", "active_defrag_key_hits", "active_defrag_key_misses",
		"total_active_defrag_time", "current_active_defrag_time")
	w.int("tracking_total_keys", int64(tkeys))
	w.int("tracking_total_items", int64(titems))
	w.int("tracking_total_prefixes", int64(tprefixes))
	w.int("unexpected_error_replies", st.UnexpectedErrReplies)
	w.int("total_error_replies", st.TotalErrorReplies)
	w.int("dump_payload_sanitizations", 0)
	w.int("total_reads_processed", st.TotalReadsProcessed)
	w.int("total_writes_processed", st.TotalWritesProcessed)
	w.int("io_threaded_reads_processed", st.IOReadsProcessed)
	w.int("io_threaded_writes_processed", st.IOWritesProcessed)
	w.zeros("io_threaded_freed_objects", "io_threaded_accept_processed", "io_threaded_poll_processed",
		"io_threaded_total_prefetch_batches", "io_threaded_total_prefetch_entries")
	w.int("client_query_buffer_limit_disconnections", st.ClientQbufLimitDisc)
	w.int("client_output_buffer_limit_disconnections", st.ClientOutbufLimitDisc)
	w.zeros("reply_buffer_shrinks", "reply_buffer_expands")
	s.infoEventLoopStats(w)
	w.int("acl_access_denied_auth", s.acl.deniedAuth)
	w.int("acl_access_denied_cmd", s.acl.deniedCmd)
	w.int("acl_access_denied_key", s.acl.deniedKey)
	w.int("acl_access_denied_channel", s.acl.deniedChannel)
	w.int("acl_access_denied_tls_cert", s.acl.deniedTLSCert)
}

// infoReplication reports a primary with no replicas.
//
// TODO(replication): replicas, offsets and the backlog.

// rusageThread is RUSAGE_THREAD: the calling thread's usage. The engine's
// holder runs on one thread at a time, which is what Valkey's "main
// thread" figures mean.
const rusageThread = 1

func infoCPU(w *infoWriter) {
	var self, thread syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &self)
	_ = syscall.Getrusage(rusageThread, &thread)
	tv := func(name string, t syscall.Timeval) {
		w.b = append(w.b, name...)
		w.b = append(w.b, ':')
		w.b = strconv.AppendInt(w.b, int64(t.Sec), 10)
		w.b = append(w.b, '.')
		w.b = appendPadded(w.b, int64(t.Usec), 6)
		w.b = append(w.b, '\r', '\n')
	}
	w.section("CPU")
	tv("used_cpu_sys", self.Stime)
	tv("used_cpu_user", self.Utime)
	// Volley never forks: its children use nothing.
	w.str("used_cpu_sys_children", "0.000000")
	w.str("used_cpu_user_children", "0.000000")
	tv("used_cpu_sys_main_thread", thread.Stime)
	tv("used_cpu_user_main_thread", thread.Utime)
}

// infoSafe replaces the characters that would break INFO's format.
func infoSafe(s string) string {
	if !strings.ContainsAny(s, "#:\r\n") {
		return s
	}
	return strings.Map(func(r rune) rune {
		switch r {
		case '#', ':', '\r', '\n':
			return '_'
		}
		return r
	}, s)
}

func (s *Server) infoCommandStats(w *infoWriter) {
	w.section("Commandstats")
	for _, sp := range s.cmdByID {
		st := &s.cmdStats[sp.ID]
		if st.Calls == 0 && st.Failed == 0 && st.Rejected == 0 {
			continue
		}
		perCall := float32(0)
		if st.Calls > 0 {
			perCall = float32(st.Usec) / float32(st.Calls)
		}
		w.b = append(w.b, "cmdstat_"...)
		w.b = append(w.b, infoSafe(sp.FullName)...)
		w.b = append(w.b, ":calls="...)
		w.b = strconv.AppendInt(w.b, st.Calls, 10)
		w.b = append(w.b, ",usec="...)
		w.b = strconv.AppendInt(w.b, st.Usec, 10)
		w.b = append(w.b, ",usec_per_call="...)
		w.b = strconv.AppendFloat(w.b, float64(perCall), 'f', 2, 64)
		w.b = append(w.b, ",rejected_calls="...)
		w.b = strconv.AppendInt(w.b, st.Rejected, 10)
		w.b = append(w.b, ",failed_calls="...)
		w.b = strconv.AppendInt(w.b, st.Failed, 10)
		w.b = append(w.b, '\r', '\n')
	}
}

func (s *Server) infoErrorStats(w *infoWriter) {
	w.section("Errorstats")
	codes := make([]string, 0, len(s.errStats))
	for code := range s.errStats {
		codes = append(codes, code)
	}
	sort.Strings(codes)
	for _, code := range codes {
		w.b = append(w.b, "errorstat_"...)
		w.b = append(w.b, infoSafe(code)...)
		w.b = append(w.b, ":count="...)
		w.b = strconv.AppendInt(w.b, *s.errStats[code], 10)
		w.b = append(w.b, '\r', '\n')
	}
}

func (s *Server) infoLatencyStats(w *infoWriter) {
	w.section("Latencystats")
	if !s.Cfg.LatencyTracking {
		return
	}
	pcts := s.Cfg.LatencyTrackingInfoPercentiles
	for _, sp := range s.cmdByID {
		h := &s.cmdStats[sp.ID].Latency
		if h.Count() == 0 {
			continue
		}
		w.b = append(w.b, "latency_percentiles_usec_"...)
		w.b = append(w.b, infoSafe(sp.FullName)...)
		w.b = append(w.b, ':')
		for j, p := range pcts {
			if j > 0 {
				w.b = append(w.b, ',')
			}
			w.b = append(w.b, 'p')
			w.b = append(w.b, trimFloat(strconv.FormatFloat(p, 'f', 6, 64))...)
			w.b = append(w.b, '=')
			w.b = strconv.AppendFloat(w.b, float64(latencyPercentile(h, p))/1000, 'f', 3, 64)
		}
		w.b = append(w.b, '\r', '\n')
	}
}

// trimFloat drops the trailing zeros of a decimal, and the point if
// nothing follows it ("99.900000" → "99.9", "50.000000" → "50").
func trimFloat(s string) string {
	if !strings.Contains(s, ".") {
		return s
	}
	s = strings.TrimRight(s, "0")
	return strings.TrimSuffix(s, ".")
}

// latencyPercentile returns the upper bound (ns) of the histogram cell
// holding the p-th percentile, rounding the rank as HdrHistogram does.
func latencyPercentile(h *Histogram, p float64) int64 {
	if h.total == 0 {
		return 0
	}
	p = min(p, 100)
	want := uint64(p/100*float64(h.total) + 0.5)
	want = max(want, 1)
	var seen uint64
	for i, n := range h.counts {
		seen += uint64(n)
		if seen >= want {
			return histUpper(i)
		}
	}
	return histUpper(len(h.counts) - 1)
}

// infoKeyspace writes one "dbN:keys=...,expires=...,avg_ttl=...,
// keys_with_volatile_items=..." line per non-empty database.
func (s *Server) infoKeyspace(w *infoWriter) {
	for _, db := range s.dbs {
		keys, vkeys := db.Len(), db.ExpiresLen()
		if keys == 0 && vkeys == 0 {
			continue
		}
		w.str("db"+strconv.Itoa(db.ID), "keys="+strconv.Itoa(keys)+",expires="+strconv.Itoa(vkeys)+
			",avg_ttl="+strconv.FormatInt(db.avgTTL, 10)+",keys_with_volatile_items="+strconv.Itoa(s.KeysWithVolatileItems(db)))
	}
}

// instMetric indexes the instantaneous metrics.
type instMetric int

const (
	instCommands instMetric = iota
	instNetInput
	instNetOutput
	instNetReplInput
	instNetReplOutput
	instELCycles   // event loop cycles a second
	instELDuration // mean µs per cycle: sampled against cycles, not time
	numInstMetrics
)

// instSamples is how many samples an instantaneous rate averages.
const instSamples = 16

// instantaneous tracks per-second rates from samples taken every 100 ms
// or so by StatsCron, as Valkey's trackInstantaneousMetric does.
type instantaneous struct {
	lastMs  int64
	last    [numInstMetrics]int64
	samples [numInstMetrics][instSamples]int64
	idx     int
}

// rate is the average of the samples, per second.
func (in *instantaneous) rate(m instMetric) int64 {
	var sum int64
	for _, v := range in.samples[m] {
		sum += v
	}
	return sum / instSamples
}

// StatsCron samples the counters behind INFO's instantaneous_* rates and
// the memory peak. Cron calls it; it does its work at most every 100 ms.
func (s *Server) StatsCron(nowMs int64) {
	in := &s.inst
	elapsed := nowMs - in.lastMs
	if in.lastMs != 0 && elapsed < 100 {
		return
	}
	cycles := s.el.cycle.cnt
	cur := [numInstMetrics]int64{s.Stats.CommandsProcessed, s.Stats.NetInputBytes, s.Stats.NetOutputBytes,
		s.Stats.NetReplInputBytes, s.Stats.NetReplOutputBytes, cycles, s.el.cycle.sum / 1000}
	if in.lastMs != 0 && elapsed > 0 {
		for m := range instELDuration {
			in.samples[m][in.idx] = (cur[m] - in.last[m]) * 1000 / elapsed
		}
		var perCycle int64
		if n := cycles - in.last[instELCycles]; n > 0 {
			perCycle = (cur[instELDuration] - in.last[instELDuration]) / n
		}
		in.samples[instELDuration][in.idx] = perCycle
		in.idx = (in.idx + 1) % instSamples
	}
	in.last, in.lastMs = cur, nowMs
	s.TrackMemoryPeak()
}

// resetInstantaneous forgets the rate samples (CONFIG RESETSTAT).
func (in *instantaneous) reset() { *in = instantaneous{} }
