package engine

import (
	"errors"
	"strconv"
	"strings"

	"github.com/volleydb/volley/engine/config"
)

// serverHandlers are the server group's commands. The keyspace commands
// (DBSIZE, FLUSHDB, FLUSHALL, SWAPDB), ACL, replication and persistence
// live with their subsystems.
var serverHandlers = map[string]Handler{
	"time":         cmdTime,
	"lastsave":     cmdLastSave,
	"save":         cmdSave,
	"bgsave":       cmdBGSave,
	"bgrewriteaof": cmdBGRewriteAOF,
	"shutdown":     cmdShutdown,
	"info":         cmdInfo,
	"monitor":      cmdMonitor,
	"debug":        cmdDebug,
	"lolwut":       cmdLolwut,

	"config|get":       cmdConfigGet,
	"config|set":       cmdConfigSet,
	"config|resetstat": cmdConfigResetStat,
	"config|rewrite":   cmdConfigRewrite,
	"config|help":      cmdConfigHelp,

	"slowlog|get":   cmdSlowlogGet,
	"slowlog|len":   cmdSlowlogLen,
	"slowlog|reset": cmdSlowlogReset,
	"slowlog|help":  cmdSlowlogHelp,

	"commandlog|get":   cmdCommandlogGet,
	"commandlog|len":   cmdCommandlogLen,
	"commandlog|reset": cmdCommandlogReset,
	"commandlog|help":  cmdCommandlogHelp,

	"latency|latest":    cmdLatencyLatest,
	"latency|history":   cmdLatencyHistory,
	"latency|reset":     cmdLatencyReset,
	"latency|graph":     cmdLatencyGraph,
	"latency|doctor":    cmdLatencyDoctor,
	"latency|histogram": cmdLatencyHistogram,
	"latency|help":      cmdLatencyHelp,

	"memory|stats":        cmdMemoryStats,
	"memory|usage":        cmdMemoryUsage,
	"memory|doctor":       cmdMemoryDoctor,
	"memory|malloc-stats": cmdMemoryMallocStats,
	"memory|purge":        cmdMemoryPurge,
	"memory|help":         cmdMemoryHelp,
}

func cmdTime(c *Client) {
	now := nanotimeWall()
	if run := c.srv.script.running; run != nil {
		now = run.wallNs // a script sees one time throughout, as in Valkey
	}
	c.AddArrayLen(2)
	c.AddBulkString(strconv.FormatInt(now/1e9, 10))
	c.AddBulkString(strconv.FormatInt(now%1e9/1e3, 10))
}

// SAVE: write the dataset to dbfilename now, holding the server.
func cmdSave(c *Client) {
	if c.srv.bgsave.run != nil {
		c.AddError("ERR Background save already in progress")
		return
	}
	c.srv.persist.saves++ // counted when started, as Valkey's saveCommand
	if c.srv.SaveRDB() != nil {
		c.AddError("ERR")
		return
	}
	c.AddOK()
}

// LASTSAVE: the unix time of the last successful save.
func cmdLastSave(c *Client) { c.AddInt(c.srv.lastSave()) }

// SHUTDOWN's modifiers beyond those server.go declares.
const (
	ShutdownSafe     = config.ShutdownSafe     // refuse to stop a cluster primary that owns slots, unless FORCE
	ShutdownFailover = config.ShutdownFailover // fail over to a replica first (cluster mode)
)

// SHUTDOWN [NOSAVE|SAVE] [NOW] [FORCE] [SAFE] [FAILOVER] | SHUTDOWN ABORT
func cmdShutdown(c *Client) {
	var flags ShutdownFlags
	abort := false
	for _, a := range c.Argv[1:] {
		switch opt := string(a); {
		case strings.EqualFold(opt, "nosave"):
			flags |= ShutdownNoSave
		case strings.EqualFold(opt, "save"):
			flags |= ShutdownSave
		case strings.EqualFold(opt, "now"):
			flags |= ShutdownNow
		case strings.EqualFold(opt, "force"):
			flags |= ShutdownForce
		case strings.EqualFold(opt, "abort"):
			abort = true
		case strings.EqualFold(opt, "safe"):
			flags |= ShutdownSafe
		case strings.EqualFold(opt, "failover"):
			flags |= ShutdownFailover
		default:
			c.AddError(ErrSyntax)
			return
		}
	}
	if (abort && flags != 0) || (flags&ShutdownNoSave != 0 && flags&ShutdownSave != 0) {
		c.AddError(ErrSyntax)
		return
	}
	if flags&ShutdownFailover != 0 && !c.srv.Cfg.ClusterEnabled {
		c.AddError("ERR SHUTDOWN FAILOVER is only supported in cluster mode.")
		return
	}
	if abort {
		// A shutdown a signal scheduled is the one that can be in
		// progress: SHUTDOWN runs to its end within the command.
		if c.srv.abortSignalShutdown() || c.srv.abortShutdownWait() {
			c.srv.sigShutdown.Store(0)
			c.AddOK()
		} else {
			c.AddError("ERR No shutdown in progress.")
		}
		return
	}
	s := c.srv
	if msg := s.shutdownWhileBusy(flags); msg != "" {
		c.AddError(msg)
		return
	}
	if s.Shutdown == nil {
		c.AddError("ERR Errors trying to SHUTDOWN. Check logs.")
		return
	}
	if s.shutdownWait.active {
		// One is under way already: this SHUTDOWN waits for its end too,
		// as Valkey's prepareForShutdown leaves it blocked, and the
		// first one's flags stand.
		s.blockForShutdown(c)
		return
	}
	s.Log.Noticef("User requested shutdown...")
	if s.waitReplicasBeforeShutdown(c, flags, "") {
		return // blocked until the replicas caught up (shutdown_wait.go)
	}
	if s.finishShutdown(flags) != nil {
		c.AddError("ERR Errors trying to SHUTDOWN. Check logs.")
		return
	}
	// On success the process exits without replying, as Valkey does.
}

// CONFIG GET pattern [pattern ...]: a map, sorted by name.
func cmdConfigGet(c *Client) {
	kvs := c.srv.Cfg.Get(c.Argv[2:])
	c.AddMapLen(len(kvs))
	for _, kv := range kvs {
		c.AddBulkString(kv.Name)
		c.AddBulkString(kv.Value)
	}
}

// CONFIG SET name value [name value ...], applied atomically.
func cmdConfigSet(c *Client) {
	if len(c.Argv)%2 != 0 {
		c.AddError(ErrSyntax)
		return
	}
	pairs := make([][2][]byte, 0, (len(c.Argv)-2)/2)
	for j := 2; j+1 < len(c.Argv); j += 2 {
		pairs = append(pairs, [2][]byte{c.Argv[j], c.Argv[j+1]})
	}
	s := c.srv
	if err := s.Cfg.Set(pairs, config.Caller{Local: isLocalClient(c), Loading: s.loading}); err != nil {
		c.AddError(replyErrorText(err))
		return
	}
	s.applyConfig()
	s.trimCommandLogs()
	c.AddOK()
}

// replyErrorText is the reply for an error from the config package: its
// text when it is a reply already, a generic ERR otherwise.
func replyErrorText(err error) string {
	var re config.ReplyError
	if errors.As(err, &re) {
		return string(re)
	}
	return "ERR " + err.Error()
}

// CONFIG RESETSTAT: zero the counters INFO reports. The command logs, the
// latency monitor's events and the memory peak are kept, as in Valkey.
func cmdConfigResetStat(c *Client) {
	s := c.srv
	s.Stats = Stats{ResetTimeMs: s.Clock.NowMs()}
	s.resetExpireStats()
	s.acl.deniedAuth, s.acl.deniedCmd, s.acl.deniedKey, s.acl.deniedChannel, s.acl.deniedTLSCert = 0, 0, 0, 0, 0
	s.evict.exceededTotal, s.evict.exceededSince = 0, 0
	for i := range s.cmdStats {
		st := &s.cmdStats[i]
		st.Calls, st.Usec, st.Rejected, st.Failed = 0, 0, 0, 0
		st.Latency.Reset()
	}
	clear(s.errStats)
	s.inst.reset()
	s.resetEventLoopStats()
	p := &s.repl.prim
	p.syncFull, p.syncPartialOK, p.syncPartialErr = 0, 0, 0
	s.lazyfreed.Store(0)
	s.script.evicted = 0
	c.AddOK()
}

// configPath is the configuration file the server started with.
func (s *Server) configPath() string {
	if s.ConfigFile != "" {
		return s.ConfigFile
	}
	return s.Cfg.ConfigFile
}

// CONFIG REWRITE: rewrite the configuration file the server started
// with.
func cmdConfigRewrite(c *Client) {
	s := c.srv
	if err := s.Cfg.Rewrite(s.configPath()); err != nil {
		s.Log.Warningf("CONFIG REWRITE failed: %v", err)
		c.AddError(replyErrorText(err))
		return
	}
	s.Log.Noticef("CONFIG REWRITE executed with success.")
	c.AddOK()
}

func cmdConfigHelp(c *Client) {
	c.AddHelp(strings.ToUpper(string(c.Argv[0])), []string{
		"GET <pattern>",
		"    Return parameters matching the glob-like <pattern> and their values.",
		"SET <directive> <value>",
		"    Set the configuration <directive> to <value>.",
		"RESETSTAT",
		"    Reset statistics reported by the INFO command.",
		"REWRITE",
		"    Rewrite the configuration file.",
	})
}
