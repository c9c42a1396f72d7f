package config

import (
	"bytes"
	"math"
	"net/netip"
	"os"
	"sort"
	"strconv"
	"strings"
)

// C limits the ranges are written in.
const (
	intMin   = math.MinInt32
	intMax   = math.MaxInt32
	uintMax  = math.MaxUint32
	longMax  = math.MaxInt64
	ulongMax = -1 // 2^64-1 once compared as unsigned
)

// directiveTable indexes the directives.
type directiveTable struct {
	list   []*Directive          // definition order, which is CONFIG REWRITE's append order
	sorted []*Directive          // by name
	byName map[string]*Directive // names and aliases
	names  []nameEntry           // every name and alias, for pattern matching
	layout storeLayout
}

type nameEntry struct {
	name string
	d    *Directive
}

var table = buildTable()

func buildTable() *directiveTable {
	t := &directiveTable{byName: make(map[string]*Directive)}
	t.list = directives()
	for i, d := range t.list {
		d.index = i
		if d.Kind != KindSpecial {
			d.finish(&t.layout)
		} else if d.save == nil {
			panic("config: special directive " + d.Name + " is incomplete")
		}
		for _, n := range []string{d.Name, d.Alias} {
			if n == "" {
				continue
			}
			if t.byName[n] != nil {
				panic("config: duplicate directive " + n)
			}
			t.byName[n] = d
			t.names = append(t.names, nameEntry{n, d})
		}
	}
	t.sorted = append([]*Directive(nil), t.list...)
	sort.Slice(t.sorted, func(i, j int) bool { return t.sorted[i].Name < t.sorted[j].Name })
	return t
}

// Builders for the table below. Each returns the directive so that the
// optional parts chain.

func boolean(name string, def bool) *Directive {
	d := &Directive{Name: name, Kind: KindBool}
	if def {
		d.def = 1
	}
	return d
}

func number(kind Kind, name string, min, max, def int64) *Directive {
	return &Directive{Name: name, Kind: kind, Min: min, Max: max, def: def}
}

func integer(name string, min, max, def int64) *Directive {
	return number(KindInt, name, min, max, def)
}

func memory(name string, min, max, def int64) *Directive {
	return number(KindMemory, name, min, max, def)
}

func enum(name string, values []EnumValue, def int64) *Directive {
	return &Directive{Name: name, Kind: KindEnum, Enum: values, def: def}
}

// text is a string directive where "" is an ordinary value.
func text(name, def string) *Directive {
	return &Directive{Name: name, Kind: KindString, defStr: def}
}

// optional is a string directive that is unset by default, "" unsetting it.
func optional(name string) *Directive {
	return &Directive{Name: name, Kind: KindString, emptyIsNull: true}
}

func (d *Directive) alias(a string) *Directive  { d.Alias = a; return d }
func (d *Directive) with(f Flag) *Directive     { d.Flags |= f; return d }
func (d *Directive) impl() *Directive           { d.Implemented = true; return d }
func (d *Directive) unsigned() *Directive       { d.Unsigned = true; return d }
func (d *Directive) flagSet() *Directive        { d.Kind = KindEnumFlags; return d }
func (d *Directive) to(n numBinding) *Directive { d.numRef = n; return d }

func (d *Directive) toBool(f func(*Config) *bool) *Directive     { d.boolRef = f; return d }
func (d *Directive) toString(f func(*Config) *string) *Directive { d.strRef = f; return d }

func (d *Directive) check(f func(c *Config, v string) string) *Directive {
	d.validate = f
	return d
}

func (d *Directive) checkFlags(f func(int64) string) *Directive {
	d.validFlags = f
	return d
}

func (d *Directive) always(f func(c *Config, d *Directive) string) *Directive {
	d.builtin = f
	return d
}

// directives is Valkey 9.0's standard configuration table, grouped by
// subsystem. Defaults, ranges, aliases and flags are Valkey's.
func directives() []*Directive {
	return []*Directive{
		// Networking.
		integer("port", 0, 65535, 6379).to(num(func(c *Config) *int { return &c.Port })).impl(),
		bindDirective(),
		optional("unixsocket").with(Immutable).toString(func(c *Config) *string { return &c.UnixSocket }).impl(),
		optional("unixsocketgroup").with(Immutable),
		number(KindOctal, "unixsocketperm", 0, 0o777, 0).unsigned().with(Immutable).to(num(func(c *Config) *uint32 { return &c.UnixSocketPerm })).impl(),
		integer("tcp-backlog", 0, intMax, 511).with(Immutable).to(num(func(c *Config) *int { return &c.TCPBacklog })).impl(),
		integer("tcp-keepalive", 0, intMax, 300).to(num(func(c *Config) *int { return &c.TCPKeepAlive })).impl(),
		boolean("protected-mode", true).toBool(func(c *Config) *bool { return &c.ProtectedMode }).impl(),
		integer("maxclients", 1, uintMax, 10000).unsigned().to(num(func(c *Config) *int { return &c.MaxClients })).impl(),
		integer("timeout", 0, intMax, 0).to(num(func(c *Config) *int64 { return &c.Timeout })).impl(),
		integer("io-threads", 1, 256, 1).with(Debug).to(num(func(c *Config) *int { return &c.IOThreads })).impl(),
		integer("events-per-io-thread", 0, intMax, 2).with(Hidden),
		integer("min-io-threads-avoid-copy-reply", 0, intMax, 7).with(Hidden),
		integer("min-string-size-avoid-copy-reply", 0, intMax, 16384).with(Hidden).to(num(func(c *Config) *int { return &c.MinStringSizeAvoidCopyReply })).impl(),
		integer("min-string-size-avoid-copy-reply-threaded", 0, intMax, 65536).with(Hidden),
		integer("prefetch-batch-max-size", 0, 128, 16).to(num(func(c *Config) *int { return &c.PrefetchBatchMaxSize })).impl(),
		integer("max-new-connections-per-cycle", 1, 1000, 10).unsigned(),
		integer("max-new-tls-connections-per-cycle", 1, 1000, 1).unsigned(),
		optional("bind-source-addr"),
		integer("socket-mark-id", 0, uintMax, 0).unsigned().with(Immutable),
		boolean("mptcp", false).with(Immutable),
		memory("proto-max-bulk-len", 1<<20, longMax, 512<<20).with(Debug).to(num(func(c *Config) *int64 { return &c.ProtoMaxBulkLen })).impl(),
		memory("client-query-buffer-limit", 1<<20, longMax, 1<<30).unsigned().with(Debug).to(num(func(c *Config) *int64 { return &c.ClientQueryBufferLimit })).impl(),
		outputBufferLimitDirective(),
		number(KindMemoryPercent, "maxmemory-clients", -100, longMax, 0).to(num(func(c *Config) *int64 { return &c.MaxMemoryClients })),

		// Security.
		optional("requirepass").with(Sensitive).toString(func(c *Config) *string { return &c.RequirePass }).impl(),
		text("aclfile", "").with(Immutable).toString(func(c *Config) *string { return &c.AclFile }).impl(),
		integer("acllog-max-len", 0, longMax, 128).unsigned().to(num(func(c *Config) *int64 { return &c.AclLogMaxLen })).impl(),
		enum("acl-pubsub-default", aclPubsubDefaults, 0).impl(),
		enum("enable-protected-configs", permissions, int64(PermitNo)).with(Immutable).to(num(func(c *Config) *Permission { return &c.EnableProtectedConfigs })).impl(),
		enum("enable-debug-command", permissions, int64(PermitNo)).with(Immutable).to(num(func(c *Config) *Permission { return &c.EnableDebugCommand })).impl(),
		enum("enable-module-command", permissions, int64(PermitNo)).with(Immutable).to(num(func(c *Config) *Permission { return &c.EnableModuleCommand })),
		enum("sanitize-dump-payload", sanitizeModes, 0).with(Debug),
		boolean("hide-user-data-from-log", true),
		boolean("lua-enable-insecure-api", false).alias("lua-enable-deprecated-api").with(Hidden | Protected).toBool(func(c *Config) *bool { return &c.LuaEnableInsecureAPI }).impl(),

		// Process and logging.
		boolean("daemonize", false).with(Immutable).toBool(func(c *Config) *bool { return &c.Daemonize }).impl(),
		enum("supervised", supervisedModes, 0).with(Immutable),
		optional("pidfile").with(Immutable).toString(func(c *Config) *string { return &c.PidFile }).impl(),
		enum("loglevel", logLevels, int64(LogNotice)).to(num(func(c *Config) *LogLevel { return &c.LogLevel })).impl(),
		text("logfile", "").with(Immutable).toString(func(c *Config) *string { return &c.LogFile }).impl(),
		enum("log-format", logFormats, 0),
		enum("log-timestamp-format", timestampFormats, 0),
		boolean("syslog-enabled", false).with(Immutable),
		text("syslog-ident", "valkey").with(Immutable),
		enum("syslog-facility", syslogFacilities, 1).with(Immutable),
		boolean("always-show-logo", false).with(Immutable),
		boolean("set-proc-title", true).with(Immutable).impl(),
		boolean("crash-log-enabled", true),
		boolean("crash-memcheck-enabled", true),
		boolean("use-exit-on-panic", false).with(Hidden),
		boolean("enable-debug-assert", false).with(Immutable | Hidden),
		text("debug-context", "").with(Debug | Hidden),
		text("ignore-warnings", ""),
		text("locale-collate", "").always(applyLocale),
		dirDirective(),
		integer("hz", 0, intMax, 10).to(clampedHz()).impl(),
		enum("shutdown-on-sigint", shutdownModifiers, 0).flagSet().checkFlags(validShutdown).to(num(func(c *Config) *ShutdownFlags { return &c.ShutdownOnSigint })).impl(),
		enum("shutdown-on-sigterm", shutdownModifiers, 0).flagSet().checkFlags(validShutdown).to(num(func(c *Config) *ShutdownFlags { return &c.ShutdownOnSigterm })).impl(),
		integer("shutdown-timeout", 0, intMax, 10).to(num(func(c *Config) *int { return &c.ShutdownTimeout })).impl(),
		integer("watchdog-period", 0, intMax, 0).with(Hidden).always(applyWatchdogPeriod),
		enum("oom-score-adj", oomScoreAdjModes, 0),
		oomScoreAdjValuesDirective(),
		boolean("disable-thp", true).with(Immutable),
		boolean("jemalloc-bg-thread", true),
		optional("server-cpulist").alias("server_cpulist").with(Immutable),
		optional("bio-cpulist").alias("bio_cpulist").with(Immutable),
		optional("aof-rewrite-cpulist").alias("aof_rewrite_cpulist").with(Immutable),
		optional("bgsave-cpulist").alias("bgsave_cpulist").with(Immutable),
		text("availability-zone", ""),
		boolean("extended-redis-compatibility", false).toBool(func(c *Config) *bool { return &c.ExtendedRedisCompat }).impl(),

		// Keyspace and memory.
		integer("databases", 1, intMax, 16).with(Immutable).to(num(func(c *Config) *int { return &c.Databases })).impl(),
		integer("cluster-databases", 1, intMax, 1).with(Immutable).to(num(func(c *Config) *int { return &c.ClusterDatabases })).impl(),
		memory("maxmemory", 0, ulongMax, 0).unsigned().to(num(func(c *Config) *uint64 { return &c.MaxMemory })).impl(),
		enum("maxmemory-policy", evictionPolicies, int64(NoEviction)).to(num(func(c *Config) *EvictionPolicy { return &c.MaxMemoryPolicy })).impl(),
		integer("maxmemory-samples", 1, 64, 5).to(num(func(c *Config) *int { return &c.MaxMemorySamples })).impl(),
		integer("maxmemory-eviction-tenacity", 0, 100, 10).to(num(func(c *Config) *int { return &c.MaxMemoryEvictionTenacity })).impl(),
		integer("active-expire-effort", 1, 10, 1).to(num(func(c *Config) *int { return &c.ActiveExpireEffort })).impl(),
		boolean("activerehashing", true).toBool(func(c *Config) *bool { return &c.ActiveRehashing }).impl(),
		notifyKeyspaceEventsDirective(),
		boolean("lazyfree-lazy-eviction", true).with(Debug).toBool(func(c *Config) *bool { return &c.LazyfreeLazyEviction }),
		boolean("lazyfree-lazy-expire", true).with(Debug).toBool(func(c *Config) *bool { return &c.LazyfreeLazyExpire }),
		boolean("lazyfree-lazy-server-del", true).with(Debug).toBool(func(c *Config) *bool { return &c.LazyfreeLazyServerDel }),
		boolean("lazyfree-lazy-user-del", true).with(Debug).toBool(func(c *Config) *bool { return &c.LazyfreeLazyUserDel }),
		boolean("lazyfree-lazy-user-flush", true).with(Debug).toBool(func(c *Config) *bool { return &c.LazyfreeLazyUserFlush }),
		integer("lfu-log-factor", 0, intMax, 10).to(num(func(c *Config) *int { return &c.LFULogFactor })).impl(),
		integer("lfu-decay-time", 0, intMax, 1).to(num(func(c *Config) *int { return &c.LFUDecayTime })).impl(),
		integer("tracking-table-max-keys", 0, longMax, 1000000).unsigned().to(num(func(c *Config) *int { return &c.TrackingTableMaxKeys })).impl(),
		integer("busy-reply-threshold", 0, longMax, 5000).alias("lua-time-limit").to(num(func(c *Config) *int64 { return &c.BusyReplyThreshold })).impl(),
		boolean("activedefrag", false).with(Debug),
		integer("active-defrag-cycle-min", 1, 99, 1),
		integer("active-defrag-cycle-max", 1, 99, 25),
		integer("active-defrag-threshold-lower", 0, 1000, 10),
		integer("active-defrag-threshold-upper", 0, 1000, 100),
		integer("active-defrag-cycle-us", 0, 100000, 500),
		memory("active-defrag-ignore-bytes", 1, longMax, 100<<20).unsigned(),
		integer("active-defrag-max-scan-fields", 1, longMax, 1000).unsigned(),
		boolean("import-mode", false).with(Debug).toBool(func(c *Config) *bool { return &c.ImportMode }).impl(),

		// Encodings.
		integer("list-max-listpack-size", intMin, intMax, -2).alias("list-max-ziplist-size").to(num(func(c *Config) *int { return &c.ListMaxListpackSize })).impl(),
		integer("list-compress-depth", 0, intMax, 0).with(Debug).to(num(func(c *Config) *int { return &c.ListCompressDepth })).impl(),
		integer("hash-max-listpack-entries", 0, longMax, 512).unsigned().alias("hash-max-ziplist-entries").to(num(func(c *Config) *int { return &c.HashMaxListpackEntries })).impl(),
		memory("hash-max-listpack-value", 0, longMax, 64).unsigned().alias("hash-max-ziplist-value").to(num(func(c *Config) *int { return &c.HashMaxListpackValue })).impl(),
		integer("set-max-intset-entries", 0, longMax, 512).unsigned().to(num(func(c *Config) *int { return &c.SetMaxIntsetEntries })).impl(),
		integer("set-max-listpack-entries", 0, longMax, 128).unsigned().to(num(func(c *Config) *int { return &c.SetMaxListpackEntries })).impl(),
		integer("set-max-listpack-value", 0, longMax, 64).unsigned().to(num(func(c *Config) *int { return &c.SetMaxListpackValue })).impl(),
		integer("zset-max-listpack-entries", 0, longMax, 128).unsigned().alias("zset-max-ziplist-entries").to(num(func(c *Config) *int { return &c.ZsetMaxListpackEntries })).impl(),
		memory("zset-max-listpack-value", 0, longMax, 64).unsigned().alias("zset-max-ziplist-value").to(num(func(c *Config) *int { return &c.ZsetMaxListpackValue })).impl(),
		memory("stream-node-max-bytes", 0, longMax, 4096).unsigned().to(num(func(c *Config) *int { return &c.StreamNodeMaxBytes })).impl(),
		integer("stream-node-max-entries", 0, longMax, 100).to(num(func(c *Config) *int64 { return &c.StreamNodeMaxEntries })).impl(),
		memory("hll-sparse-max-bytes", 0, longMax, 3000).unsigned().to(num(func(c *Config) *int { return &c.HllSparseMaxBytes })).impl(),

		// Snapshots.
		saveDirective(),
		text("dbfilename", "dump.rdb").with(Protected).check(validBaseName("dbfilename", "filename")).toString(func(c *Config) *string { return &c.DBFilename }).impl(),
		boolean("rdbcompression", true).toBool(func(c *Config) *bool { return &c.RDBCompression }).impl(),
		boolean("rdbchecksum", true).with(Immutable).toBool(func(c *Config) *bool { return &c.RDBChecksum }).impl(),
		boolean("stop-writes-on-bgsave-error", true).toBool(func(c *Config) *bool { return &c.StopWritesOnBgsaveError }).impl(),
		boolean("rdb-del-sync-files", false),
		boolean("rdb-save-incremental-fsync", true),
		enum("rdb-version-check", rdbVersionChecks, 0).to(num(func(c *Config) *int { return &c.RDBVersionRelaxed })).impl(),
		integer("rdb-key-save-delay", intMin, intMax, 0).with(Hidden).to(num(func(c *Config) *int { return &c.RDBKeySaveDelay })).impl(),
		integer("key-load-delay", intMin, intMax, 0).with(Hidden),
		integer("loading-process-events-interval-bytes", 1024, intMax, 2<<20).with(Hidden),

		// Append-only file.
		boolean("appendonly", false).with(DenyLoading).toBool(func(c *Config) *bool { return &c.AppendOnly }).impl(),
		text("appendfilename", "appendonly.aof").with(Immutable).check(validBaseName("appendfilename", "filename")).toString(func(c *Config) *string { return &c.AppendFilename }).impl(),
		text("appenddirname", "appendonlydir").with(Immutable).check(validBaseName("appenddirname", "dirname")).toString(func(c *Config) *string { return &c.AppendDirname }).impl(),
		enum("appendfsync", fsyncPolicies, int64(FsyncEverysec)).to(num(func(c *Config) *FsyncPolicy { return &c.AppendFsync })).impl(),
		boolean("no-appendfsync-on-rewrite", false),
		integer("auto-aof-rewrite-percentage", 0, intMax, 100),
		memory("auto-aof-rewrite-min-size", 0, longMax, 64<<20),
		boolean("aof-rewrite-incremental-fsync", true),
		boolean("aof-load-truncated", true),
		boolean("aof-use-rdb-preamble", true),
		boolean("aof-timestamp-enabled", false),
		boolean("aof-disable-auto-gc", false).with(Hidden),

		// Replication.
		replicaOfDirective(),
		optional("primaryauth").alias("masterauth").with(Sensitive).toString(func(c *Config) *string { return &c.PrimaryAuth }).impl(),
		optional("primaryuser").alias("masteruser").with(Sensitive).toString(func(c *Config) *string { return &c.PrimaryUser }).impl(),
		boolean("replica-read-only", true).alias("slave-read-only").with(Debug).toBool(func(c *Config) *bool { return &c.ReplicaReadOnly }).impl(),
		boolean("replica-serve-stale-data", true).alias("slave-serve-stale-data").toBool(func(c *Config) *bool { return &c.ReplicaServeStaleData }).impl(),
		boolean("replica-lazy-flush", true).alias("slave-lazy-flush"),
		boolean("replica-ignore-maxmemory", true).alias("slave-ignore-maxmemory").toBool(func(c *Config) *bool { return &c.ReplicaIgnoreMaxmemory }).impl(),
		boolean("replica-ignore-disk-write-errors", false),
		boolean("replica-announced", true),
		optional("replica-announce-ip").alias("slave-announce-ip"),
		integer("replica-announce-port", 0, 65535, 0).alias("slave-announce-port"),
		integer("replica-priority", 0, intMax, 100).alias("slave-priority"),
		memory("repl-backlog-size", 1, longMax, 10<<20).to(num(func(c *Config) *int64 { return &c.ReplBacklogSize })).impl(),
		integer("repl-backlog-ttl", 0, longMax, 3600).to(num(func(c *Config) *int64 { return &c.ReplBacklogTTL })).impl(),
		integer("repl-timeout", 1, intMax, 60).to(num(func(c *Config) *int { return &c.ReplTimeout })).impl(),
		integer("repl-ping-replica-period", 1, intMax, 10).alias("repl-ping-slave-period").to(num(func(c *Config) *int { return &c.ReplPingReplicaPeriod })).impl(),
		boolean("repl-disable-tcp-nodelay", false),
		boolean("repl-diskless-sync", true).with(Debug).toBool(func(c *Config) *bool { return &c.ReplDisklessSync }).impl(),
		integer("repl-diskless-sync-delay", 0, intMax, 5).to(num(func(c *Config) *int { return &c.ReplDisklessSyncDelay })).impl(),
		integer("repl-diskless-sync-max-replicas", 0, intMax, 0).to(num(func(c *Config) *int { return &c.ReplDisklessSyncMaxReplicas })).impl(),
		enum("repl-diskless-load", disklessLoadModes, 0).with(Debug | DenyLoading),
		boolean("repl-mptcp", false).with(Immutable),
		boolean("dual-channel-replication-enabled", false).with(Debug),
		integer("min-replicas-to-write", 0, intMax, 0).alias("min-slaves-to-write").to(num(func(c *Config) *int { return &c.MinReplicasToWrite })).impl(),
		integer("min-replicas-max-lag", 0, intMax, 10).alias("min-slaves-max-lag").to(num(func(c *Config) *int { return &c.MinReplicasMaxLag })).impl(),
		enum("propagation-error-behavior", propagationErrors, 0),

		// Cluster.
		boolean("cluster-enabled", false).with(Immutable).toBool(func(c *Config) *bool { return &c.ClusterEnabled }).impl(),
		text("cluster-config-file", "nodes.conf").with(Immutable).check(validClusterConfigFile).toString(func(c *Config) *string { return &c.ClusterConfigFile }).impl(),
		integer("cluster-node-timeout", 0, longMax, 15000).to(num(func(c *Config) *int64 { return &c.ClusterNodeTimeout })).impl(),
		integer("cluster-port", 0, 65535, 0).with(Immutable).to(num(func(c *Config) *int { return &c.ClusterPort })).impl(),
		integer("cluster-ping-interval", 0, longMax, 0).with(Hidden),
		integer("cluster-replica-validity-factor", 0, intMax, 10).alias("cluster-slave-validity-factor"),
		integer("cluster-migration-barrier", 0, intMax, 1),
		boolean("cluster-replica-no-failover", false).alias("cluster-slave-no-failover"),
		boolean("cluster-require-full-coverage", true),
		boolean("cluster-allow-reads-when-down", false),
		boolean("cluster-allow-pubsubshard-when-down", true),
		boolean("cluster-allow-replica-migration", true),
		boolean("cluster-slot-stats-enabled", false),
		integer("cluster-announce-bus-port", 0, 65535, 0),
		integer("cluster-announce-port", 0, 65535, 0),
		integer("cluster-announce-tls-port", 0, 65535, 0),
		integer("cluster-announce-client-port", 0, 65535, 0),
		integer("cluster-announce-client-tls-port", 0, 65535, 0),
		optional("cluster-announce-ip"),
		optional("cluster-announce-client-ipv4").check(validIP(false)),
		optional("cluster-announce-client-ipv6").check(validIP(true)),
		optional("cluster-announce-hostname").check(validHostname),
		optional("cluster-announce-human-nodename").check(validNodename),
		enum("cluster-preferred-endpoint-type", endpointTypes, 0),
		integer("cluster-blacklist-ttl", 0, ulongMax, 60).unsigned(),
		integer("cluster-manual-failover-timeout", 1, intMax, 5000),
		memory("cluster-link-sendbuf-limit", 0, ulongMax, 0).unsigned(),
		integer("cluster-slot-migration-log-max-len", 0, longMax, 1000).unsigned(),
		memory("slot-migration-max-failover-repl-bytes", -1, longMax, 0),

		// Diagnostics.
		integer("commandlog-execution-slower-than", -1, longMax, 10000).alias("slowlog-log-slower-than").to(num(func(c *Config) *int64 { return &c.CommandlogExecutionSlowerThan })).impl(),
		integer("commandlog-slow-execution-max-len", 0, longMax, 128).unsigned().alias("slowlog-max-len").to(num(func(c *Config) *int64 { return &c.CommandlogSlowExecutionMaxLen })).impl(),
		integer("commandlog-request-larger-than", -1, longMax, 1<<20).to(num(func(c *Config) *int64 { return &c.CommandlogRequestLargerThan })).impl(),
		integer("commandlog-large-request-max-len", 0, longMax, 128).unsigned().to(num(func(c *Config) *int64 { return &c.CommandlogLargeRequestMaxLen })).impl(),
		integer("commandlog-reply-larger-than", -1, longMax, 1<<20).to(num(func(c *Config) *int64 { return &c.CommandlogReplyLargerThan })).impl(),
		integer("commandlog-large-reply-max-len", 0, longMax, 128).unsigned().to(num(func(c *Config) *int64 { return &c.CommandlogLargeReplyMaxLen })).impl(),
		integer("latency-monitor-threshold", 0, longMax, 0).to(num(func(c *Config) *int64 { return &c.LatencyMonitorThreshold })).impl(),
		boolean("latency-tracking", true).toBool(func(c *Config) *bool { return &c.LatencyTracking }).impl(),
		percentilesDirective(),

		// TLS.
		integer("tls-port", 0, 65535, 0).to(num(func(c *Config) *int { return &c.TLSPort })).impl(),
		optional("tls-cert-file").with(Volatile).impl(),
		optional("tls-key-file").with(Volatile).impl(),
		optional("tls-key-file-pass").with(Sensitive).impl(),
		optional("tls-client-cert-file").with(Volatile),
		optional("tls-client-key-file").with(Volatile),
		optional("tls-client-key-file-pass").with(Sensitive),
		optional("tls-dh-params-file").with(Volatile),
		optional("tls-ca-cert-file").with(Volatile).impl(),
		optional("tls-ca-cert-dir").with(Volatile).impl(),
		optional("tls-protocols").impl(),
		optional("tls-ciphers"),
		optional("tls-ciphersuites"),
		enum("tls-auth-clients", tlsAuthClients, 1).impl(),
		enum("tls-auth-clients-user", tlsAuthUser, 0).impl(),
		boolean("tls-replication", false),
		boolean("tls-cluster", false),
		boolean("tls-prefer-server-ciphers", false),
		boolean("tls-session-caching", true),
		integer("tls-session-cache-size", 0, intMax, 20*1024),
		integer("tls-session-cache-timeout", 0, intMax, 300),

		// Last, because its check depends on cluster-enabled and
		// unixsocket, which a rewritten file must set first.
		text("proc-title-template", "{title} {listen-addr} {server-mode}").check(validProcTitle).impl(),

		// RDMA, which Volley does not have: values are stored, but a
		// listener change is refused as a server built without it does.
		rdmaBindDirective(),
		integer("rdma-port", 0, 65535, 0).always(noRDMA),
		integer("rdma-rx-size", 64*1024, 16*1024*1024, 1024*1024).with(Immutable),
		integer("rdma-completion-vector", -1, 1024, -1).with(Immutable),
	}
}

// clampedHz binds hz, which accepts any non-negative number but keeps it
// within 1..500, as Valkey treats it as a hint.
func clampedHz() numBinding {
	return numBinding{
		get: func(c *Config) int64 { return int64(c.Hz) },
		set: func(c *Config, v int64) { c.Hz = int(min(max(v, 1), 500)) },
	}
}

func noRDMA(*Config, *Directive) string { return "No RDMA building support." }

// applyWatchdogPeriod raises a non-zero watchdog-period to two cron ticks,
// the shortest period the watchdog can keep, as Valkey does when it is
// set.
func applyWatchdogPeriod(c *Config, d *Directive) string {
	ref := d.numRef
	if p := ref.get(c); p != 0 {
		if least := int64(1000/c.Hz) * 2; p < least {
			ref.set(c, least)
		}
	}
	return ""
}

func applyLocale(c *Config, d *Directive) string {
	if !ValidLocale(*d.strRef(c)) {
		return "Invalid locale name"
	}
	return ""
}

// ValidLocale reports whether the C library would accept name as a
// collation locale: "" (the environment's), C, POSIX, C.UTF-8, or a
// locale installed under /usr/lib/locale. At start-up Valkey exits when
// locale-collate names an invalid locale, logging "Failed to configure
// LOCALE for invalid locale name."
func ValidLocale(name string) bool {
	switch name {
	case "", "C", "POSIX":
		return true
	}
	lang, codeset, hasCodeset := strings.Cut(name, ".")
	if hasCodeset {
		// glibc's normal form of a codeset: lower case, letters and digits.
		var b strings.Builder
		for _, r := range strings.ToLower(codeset) {
			if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
				b.WriteRune(r)
			}
		}
		codeset = b.String()
		if lang == "C" && codeset == "utf8" {
			return true
		}
	}
	for _, n := range []string{name, lang + "." + codeset} {
		if strings.Contains(n, "/") {
			return false
		}
		if fi, err := os.Stat("/usr/lib/locale/" + n); err == nil && fi.IsDir() {
			return true
		}
	}
	archive, err := os.ReadFile("/usr/lib/locale/locale-archive")
	return err == nil && hasCodeset && bytes.Contains(archive, []byte(lang+"."+codeset+"\x00"))
}

func validShutdown(v int64) string {
	if v&int64(ShutdownSave) != 0 && v&int64(ShutdownNoSave) != 0 {
		return "shutdown options SAVE and NOSAVE can't be used simultaneously"
	}
	return ""
}

func validBaseName(name, what string) func(*Config, string) string {
	return func(_ *Config, v string) string {
		if v == "" {
			return name + " can't be empty"
		}
		if strings.ContainsAny(v, `/\`) {
			return name + " can't be a path, just a " + what
		}
		return ""
	}
}

func validClusterConfigFile(_ *Config, v string) string {
	if v == "" {
		return "cluster-config-file can't be empty"
	}
	return ""
}

// validIP accepts "" (unset) and an address of one family in the plain
// form inet_pton reads: no zone, no leading zeros in IPv4.
func validIP(v6 bool) func(*Config, string) string {
	return func(_ *Config, v string) string {
		if v == "" {
			return ""
		}
		a, err := netip.ParseAddr(v)
		ok := err == nil && a.Zone() == ""
		if v6 {
			ok = ok && a.Is6()
			if !ok {
				return "Invalid IPv6 address"
			}
		} else if ok = ok && a.Is4(); !ok {
			return "Invalid IPv4 address"
		}
		return ""
	}
}

func validHostname(_ *Config, v string) string {
	if len(v) >= 256 {
		return "Hostnames must be less than 256 characters"
	}
	for i := 0; i < len(v); i++ {
		c := v[i]
		if !(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '.') {
			return "Hostnames may only contain alphanumeric characters, hyphens or dots"
		}
	}
	return ""
}

func validNodename(_ *Config, v string) string {
	if strings.ContainsAny(v, "!#$%&()*+;<>?@[]^{|}~") {
		return "Announced human node name contained invalid character"
	}
	return ""
}

// validProcTitle checks a proc-title-template as Valkey does: it expands,
// with an empty title, to something not blank (every {variable} known,
// braces balanced).
func validProcTitle(c *Config, v string) string {
	if t, ok := c.expandProcTitle(v, ""); !ok || t == "" {
		return "template format is invalid or contains unknown variables"
	}
	return ""
}

// ProcTitle is the process title proc-title-template gives, title being
// the executable's name as invoked (ps and /proc/PID/cmdline show it).
func (c *Config) ProcTitle(title string) string {
	tmpl, _ := c.Value("proc-title-template")
	t, _ := c.expandProcTitle(tmpl, title)
	return t
}

// expandProcTitle expands tmpl's variables from the configuration.
func (c *Config) expandProcTitle(tmpl, title string) (string, bool) {
	return expandTemplate(tmpl, func(name string) (string, bool) {
		switch name {
		case "title":
			return title, true
		case "listen-addr":
			if c.Port == 0 && c.TLSPort == 0 {
				return "unixsocket:" + c.UnixSocket, true
			}
			addr := "*"
			if len(c.Bind) > 0 {
				addr = c.Bind[0]
			}
			port := c.Port
			if port == 0 {
				port = c.TLSPort
			}
			return addr + ":" + strconv.Itoa(port), true
		case "server-mode":
			return c.serverMode(), true
		case "config-file":
			if c.ConfigFile == "" {
				return "-", true
			}
			return c.ConfigFile, true
		case "port":
			return strconv.Itoa(c.Port), true
		case "tls-port":
			return strconv.Itoa(c.TLSPort), true
		case "unixsocket":
			return c.UnixSocket, true
		}
		return "", false
	})
}

func (c *Config) serverMode() string {
	if c.ClusterEnabled {
		return "[cluster]"
	}
	return ""
}

// expandTemplate expands a proc-title-template's {variables} ("{{" and
// "}}" are braces) with vars and trims the spaces around the result, as
// Valkey's sdstemplate and sdstrim; false for an unknown variable or an
// unbalanced brace.
func expandTemplate(tmpl string, vars func(name string) (string, bool)) (string, bool) {
	var out strings.Builder
	for p := tmpl; p != ""; {
		i := strings.IndexAny(p, "{}")
		if i < 0 {
			out.WriteString(p)
			break
		}
		out.WriteString(p[:i])
		brace := p[i]
		p = p[i+1:]
		if p != "" && p[0] == brace {
			out.WriteByte(brace) // {{ or }}
			p = p[1:]
			continue
		}
		if brace == '}' {
			return "", false
		}
		j := strings.IndexByte(p, '}')
		if j < 0 {
			return "", false
		}
		v, ok := vars(p[:j])
		if !ok {
			return "", false
		}
		out.WriteString(v)
		p = p[j+1:]
	}
	return strings.Trim(out.String(), " "), true
}
