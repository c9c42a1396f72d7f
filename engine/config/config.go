package config

import (
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// OutputBufferLimit is one class of client-output-buffer-limit: a client
// is disconnected when its pending output reaches Hard bytes, or stays at
// or above Soft bytes for SoftSeconds. Zero disables a limit.
type OutputBufferLimit struct {
	Hard        uint64
	Soft        uint64
	SoftSeconds int64
}

// SavePoint is one "seconds changes" pair of the save directive: snapshot
// when at least Changes writes happened within Seconds.
type SavePoint = [2]int64

// Config is the server's configuration. The exported fields are the
// directives the server reads on its hot paths, typed; every other
// directive lives in a generic store reached through the directive table.
// Both are written only through Load, LoadString and Set, so the table's
// parsing, formatting and rewriting rules hold for every value.
//
// A Config belongs to the engine goroutine: read the fields from it, and
// call Set and Rewrite only while holding the engine.
type Config struct {
	// Networking.
	Port                 int      // port
	Bind                 []string // bind; empty means listen on no TCP address
	UnixSocket           string   // unixsocket
	UnixSocketPerm       uint32   // unixsocketperm
	TCPBacklog           int      // tcp-backlog
	TCPKeepAlive         int      // tcp-keepalive, seconds
	ProtectedMode        bool     // protected-mode
	TLSPort              int      // tls-port
	MaxClients           int      // maxclients
	Timeout              int64    // timeout, seconds idle before closing a normal client
	IOThreads            int      // io-threads
	PrefetchBatchMaxSize int      // prefetch-batch-max-size

	// Protocol limits.
	ProtoMaxBulkLen             int64                         // proto-max-bulk-len
	ClientQueryBufferLimit      int64                         // client-query-buffer-limit
	ClientOutputBufferLimits    [numClasses]OutputBufferLimit // client-output-buffer-limit, by Class*
	MinStringSizeAvoidCopyReply int                           // min-string-size-avoid-copy-reply

	// Security.
	RequirePass            string     // requirepass; "" means none
	AclFile                string     // aclfile
	EnableDebugCommand     Permission // enable-debug-command
	EnableModuleCommand    Permission // enable-module-command
	EnableProtectedConfigs Permission // enable-protected-configs

	// Process and logging.
	Daemonize         bool          // daemonize
	PidFile           string        // pidfile
	LogLevel          LogLevel      // loglevel
	LogFile           string        // logfile; "" means standard output
	Dir               string        // dir: absolute, symlinks resolved; the server chdirs to it
	Hz                int           // hz, already clamped to 1..500
	ShutdownOnSigint  ShutdownFlags // shutdown-on-sigint
	ShutdownOnSigterm ShutdownFlags // shutdown-on-sigterm
	ShutdownTimeout   int           // shutdown-timeout, seconds

	// Keyspace.
	Databases                 int            // databases
	ClusterDatabases          int            // cluster-databases: the databases in cluster mode
	MaxMemory                 uint64         // maxmemory; 0 means no limit
	MaxMemoryPolicy           EvictionPolicy // maxmemory-policy
	MaxMemorySamples          int            // maxmemory-samples
	MaxMemoryEvictionTenacity int            // maxmemory-eviction-tenacity: 0..100, how long one eviction pass may run
	ReplicaIgnoreMaxmemory    bool           // replica-ignore-maxmemory: a replica leaves eviction to its primary
	MaxMemoryClients          int64          // maxmemory-clients; negative is a percentage of maxmemory
	ActiveExpireEffort        int            // active-expire-effort
	ActiveRehashing           bool           // activerehashing
	NotifyKeyspaceEvents      int            // notify-keyspace-events, Notify* bits
	LazyfreeLazyEviction      bool           // lazyfree-lazy-eviction
	LazyfreeLazyExpire        bool           // lazyfree-lazy-expire
	LazyfreeLazyServerDel     bool           // lazyfree-lazy-server-del
	LazyfreeLazyUserDel       bool           // lazyfree-lazy-user-del
	LazyfreeLazyUserFlush     bool           // lazyfree-lazy-user-flush
	LuaEnableInsecureAPI      bool           // lua-enable-insecure-api: scripts get getfenv, setfenv, newproxy
	ImportMode                bool           // import-mode: keys being imported expire only when the import source says
	LFULogFactor              int            // lfu-log-factor
	LFUDecayTime              int            // lfu-decay-time
	TrackingTableMaxKeys      int            // tracking-table-max-keys
	BusyReplyThreshold        int64          // busy-reply-threshold (lua-time-limit), milliseconds

	// Encodings.
	ListMaxListpackSize    int   // list-max-listpack-size; negative: size class, positive: entries
	ListCompressDepth      int   // list-compress-depth
	HashMaxListpackEntries int   // hash-max-listpack-entries
	HashMaxListpackValue   int   // hash-max-listpack-value
	SetMaxIntsetEntries    int   // set-max-intset-entries
	SetMaxListpackEntries  int   // set-max-listpack-entries
	SetMaxListpackValue    int   // set-max-listpack-value
	ZsetMaxListpackEntries int   // zset-max-listpack-entries
	ZsetMaxListpackValue   int   // zset-max-listpack-value
	StreamNodeMaxBytes     int   // stream-node-max-bytes
	StreamNodeMaxEntries   int64 // stream-node-max-entries
	HllSparseMaxBytes      int   // hll-sparse-max-bytes

	ExtendedRedisCompat bool // extended-redis-compatibility: "Redis" instead of "Valkey" in some replies

	// Persistence.
	Save                    []SavePoint // save; empty means no automatic snapshots
	DBFilename              string      // dbfilename
	RDBCompression          bool        // rdbcompression
	RDBChecksum             bool        // rdbchecksum
	RDBVersionRelaxed       int         // rdb-version-check: 0 strict, 1 relaxed (future and foreign RDB versions load)
	StopWritesOnBgsaveError bool        // stop-writes-on-bgsave-error
	RDBKeySaveDelay         int         // rdb-key-save-delay: µs a background save waits per key (a test knob)
	AppendOnly              bool        // appendonly
	AppendFilename          string      // appendfilename
	AppendDirname           string      // appenddirname
	AppendFsync             FsyncPolicy // appendfsync

	// Replication.
	ReplicaOfHost         string // replicaof host; "" when this is a primary
	ReplicaOfPort         int    // replicaof port
	PrimaryAuth           string // primaryauth (masterauth)
	PrimaryUser           string // primaryuser (masteruser)
	ReplicaReadOnly       bool   // replica-read-only
	ReplicaServeStaleData bool   // replica-serve-stale-data
	ReplBacklogSize       int64  // repl-backlog-size
	ReplTimeout           int    // repl-timeout, seconds

	// Replication, the primary's side.
	ReplBacklogTTL              int64 // repl-backlog-ttl: seconds without replicas before the backlog goes
	ReplPingReplicaPeriod       int   // repl-ping-replica-period, seconds
	ReplDisklessSync            bool  // repl-diskless-sync: full syncs stream the RDB to the sockets
	ReplDisklessSyncDelay       int   // repl-diskless-sync-delay, seconds
	ReplDisklessSyncMaxReplicas int   // repl-diskless-sync-max-replicas
	MinReplicasToWrite          int   // min-replicas-to-write
	MinReplicasMaxLag           int   // min-replicas-max-lag, seconds

	// Cluster.
	ClusterEnabled     bool   // cluster-enabled
	ClusterConfigFile  string // cluster-config-file
	ClusterNodeTimeout int64  // cluster-node-timeout, milliseconds
	ClusterPort        int    // cluster-port; 0 means port+10000

	// Diagnostics.
	CommandlogExecutionSlowerThan  int64     // commandlog-execution-slower-than (slowlog-log-slower-than), µs
	CommandlogSlowExecutionMaxLen  int64     // commandlog-slow-execution-max-len (slowlog-max-len)
	CommandlogRequestLargerThan    int64     // commandlog-request-larger-than, bytes
	CommandlogLargeRequestMaxLen   int64     // commandlog-large-request-max-len
	CommandlogReplyLargerThan      int64     // commandlog-reply-larger-than, bytes
	CommandlogLargeReplyMaxLen     int64     // commandlog-large-reply-max-len
	LatencyMonitorThreshold        int64     // latency-monitor-threshold, milliseconds
	LatencyTracking                bool      // latency-tracking
	LatencyTrackingInfoPercentiles []float64 // latency-tracking-info-percentiles
	AclLogMaxLen                   int64     // acllog-max-len

	// Directives that are not key=value settings, in file order.
	RenameCommands [][2]string // rename-command from to ("" to remove)
	Users          [][]string  // user lines, the arguments after "user"
	LoadModules    [][]string  // loadmodule path args...
	ModuleConfigs  []KV        // module.name value lines, one per name

	// ConfigFile is the absolute path of the configuration file the server
	// was started with, "" when there was none.
	ConfigFile string

	OOMScoreAdjValues [3]int // oom-score-adj-values: primary, replica, background child

	rdmaBind []string
	store    store
	hooks    map[*Directive][]ApplyFunc
	users    func() [][]string

	readingFile bool // a file is being parsed: save lines accumulate
	saveLoaded  bool // the first save line of the files has reset the defaults
}

// KV is a name and a value: a CONFIG GET reply entry, or a module
// directive.
type KV struct {
	Name  string
	Value string
}

// ApplyFunc is told that a CONFIG SET changed a directive; old and new are
// its values as CONFIG GET prints them, and the typed fields already hold
// the new value. An error refuses the change: every directive of the
// CONFIG SET is restored and the error's text becomes the reason in the
// reply.
type ApplyFunc func(old, new string) error

// store holds the directives that have no typed field.
type store struct {
	bools []bool
	nums  []int64
	strs  []string
}

type storeLayout struct{ bools, nums, strs int }

var defaultSave = []SavePoint{{3600, 1}, {300, 100}, {60, 10000}}

var defaultOutputBufferLimits = [numClasses]OutputBufferLimit{
	ClassNormal:  {0, 0, 0},
	ClassReplica: {256 << 20, 64 << 20, 60},
	ClassPubSub:  {32 << 20, 8 << 20, 60},
}

var defaultOOMScoreAdjValues = [3]int{0, 200, 800}

var defaultBind = []string{"*", "-::*"}

var defaultPercentiles = []float64{50, 99, 99.9}

// New returns a configuration holding Valkey's defaults, with dir set to
// the current directory.
func New() *Config {
	c := newDefaults()
	if wd, err := os.Getwd(); err == nil {
		if real, err := filepath.EvalSymlinks(wd); err == nil {
			wd = real
		}
		c.Dir = wd
	}
	return c
}

// newDefaults builds a configuration from the table's defaults alone.
func newDefaults() *Config {
	c := &Config{
		store: store{
			bools: make([]bool, table.layout.bools),
			nums:  make([]int64, table.layout.nums),
			strs:  make([]string, table.layout.strs),
		},
	}
	for _, d := range table.list {
		d.reset(c)
	}
	// Setters always build new slices, but the server must not write
	// through these either, so each Config gets its own.
	c.Bind = append([]string(nil), defaultBind...)
	c.Save = append([]SavePoint(nil), defaultSave...)
	c.ClientOutputBufferLimits = defaultOutputBufferLimits
	c.OOMScoreAdjValues = defaultOOMScoreAdjValues
	c.LatencyTrackingInfoPercentiles = append([]float64(nil), defaultPercentiles...)
	return c
}

// Lookup finds a directive by name or alias, in any case.
func Lookup(name string) *Directive {
	return table.byName[strings.ToLower(name)]
}

// Directives lists every directive, sorted by name.
func Directives() []*Directive {
	return table.sorted
}

// Implemented lists the names of the directives Volley acts on, sorted.
func Implemented() []string {
	var names []string
	for _, d := range table.sorted {
		if d.Implemented {
			names = append(names, d.Name)
		}
	}
	return names
}

// DBNum is the number of databases the server has: cluster-databases in
// cluster mode, databases otherwise (Valkey's server.dbnum).
func (c *Config) DBNum() int {
	if c.ClusterEnabled {
		return c.ClusterDatabases
	}
	return c.Databases
}

// Value returns a directive's current value as CONFIG GET prints it.
func (c *Config) Value(name string) (string, bool) {
	d := Lookup(name)
	if d == nil {
		return "", false
	}
	return d.get(c), true
}

// All returns every directive's value under its primary name, hidden ones
// included, sorted by name.
func (c *Config) All() []KV {
	kvs := make([]KV, 0, len(table.sorted))
	for _, d := range table.sorted {
		kvs = append(kvs, KV{d.Name, d.get(c)})
	}
	return kvs
}

// OnChange registers fn to run after CONFIG SET changes the named
// directive (or the directive an alias names). Functions run in the order
// the directives appear in the command, each once. It panics on an
// unknown name, which is a programming error.
func (c *Config) OnChange(name string, fn ApplyFunc) {
	d := Lookup(name)
	if d == nil {
		panic("config: OnChange for unknown directive " + name)
	}
	if c.hooks == nil {
		c.hooks = make(map[*Directive][]ApplyFunc)
	}
	c.hooks[d] = append(c.hooks[d], fn)
}

// SetUserSource gives CONFIG REWRITE the current ACL users: fn returns
// one entry per user, the arguments that follow "user" on its line. Without
// a source the user lines read at start-up are written back.
func (c *Config) SetUserSource(fn func() [][]string) {
	c.users = fn
}

// Get answers CONFIG GET. Each argument is a directive name or a glob
// pattern, matched without regard to case; a directive found by several
// arguments is listed once, under the first spelling that found it, and
// an alias counts as a name of its own. A name is reported as the caller
// spelled it, a pattern match under the table's spelling. Hidden
// directives need an exact name. The reply is sorted by name, byte-wise.
func (c *Config) Get(patterns [][]byte) []KV {
	type match struct {
		name string
		d    *Directive
	}
	var found []match
	seen := make(map[string]bool)
	for _, p := range patterns {
		pat := string(p)
		if !hasGlob(pat) {
			key := strings.ToLower(pat)
			if seen[key] {
				continue
			}
			if d := table.byName[key]; d != nil {
				seen[key] = true
				found = append(found, match{pat, d})
			}
			continue
		}
		for _, e := range table.names {
			if e.d.Flags&Hidden != 0 || seen[e.name] {
				continue
			}
			if globMatch(pat, e.name, true) {
				seen[e.name] = true
				found = append(found, match(e))
			}
		}
	}
	sort.Slice(found, func(i, j int) bool { return found[i].name < found[j].name })
	kvs := make([]KV, len(found))
	for i, m := range found {
		kvs[i] = KV{m.name, m.d.get(c)}
	}
	return kvs
}
