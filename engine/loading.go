package engine

import (
	"io"
	"time"
)

// Loading the dataset at start-up while clients are already served, as
// Valkey does: the listeners are open before the load starts, and every
// loading-process-events-interval-bytes of input the loader lets the I/O
// loops have the engine for a moment. Their commands are answered with
// -LOADING unless flagged to run while loading (INFO, PING, CONFIG GET,
// ...), so that clients and health checks see a server that is loading,
// not one that refuses connections.
//
// The loader holds the engine throughout (through the coordinator), and
// the hook SetLoadYield installs hands it over and takes it back, as a
// busy script does. Cron and the before-sleep work do not run meanwhile:
// no key expires or is evicted under the loader's feet.

// loadState is the load in progress, for INFO persistence's loading_*
// fields and the yields.
type loadState struct {
	active    bool         // BeginLoading was called and EndLoading not yet
	async     bool         // the old dataset is served meanwhile (a diskless swapdb load): INFO async_loading
	start     int64        // loading_start_time: unix seconds
	total     int64        // loading_total_bytes: the files' sizes
	loaded    int64        // loading_loaded_bytes
	yield     func() error // hands the engine to waiting I/O loops, nil when no one can wait; an error ends the load
	nextYield int64        // loaded count at which to yield next

	// The replication aux fields of the RDB file loaded at start-up.
	replID     string
	replOffset int64 // -1 when absent
	replDB     int   // -1 when absent
}

// BeginLoading marks the start of the start-up load: from now on commands
// not allowed while loading are refused with LOADING.
func (s *Server) BeginLoading() {
	s.load = loadState{active: true, start: time.Now().Unix(), replOffset: -1, replDB: -1}
	s.loading = true
}

// EndLoading ends what BeginLoading started.
func (s *Server) EndLoading() {
	s.load = loadState{}
	s.loading = false
}

// SetLoadYield gives the loader the means to let others have the engine
// while it holds it: the coordinator's Yield.
func (s *Server) SetLoadYield(yield func() error) {
	s.load.yield = yield
	s.load.nextYield = s.load.loaded + s.loadInterval()
}

func (s *Server) loadInterval() int64 {
	return max(s.cfgInt("loading-process-events-interval-bytes"), 1024)
}

// loadReader counts what a start-up load reads, and yields the engine
// every loading-process-events-interval-bytes.
type loadReader struct {
	s *Server
	r io.Reader
}

// loadInput wraps r for a load of size more bytes.
func (s *Server) loadInput(r io.Reader, size int64) io.Reader {
	if !s.load.active {
		return r
	}
	s.load.total += size
	return loadReader{s, r}
}

func (lr loadReader) Read(p []byte) (int, error) {
	// Read no more than an interval at a time, so that a large buffered
	// read does not skip a yield.
	ld := &lr.s.load
	if ld.yield != nil && int64(len(p)) > ld.nextYield-ld.loaded && ld.nextYield > ld.loaded {
		p = p[:ld.nextYield-ld.loaded]
	}
	n, err := lr.r.Read(p)
	ld.loaded += int64(n)
	if ld.yield != nil && ld.loaded >= ld.nextYield {
		ld.nextYield = ld.loaded + lr.s.loadInterval()
		if yerr := ld.yield(); yerr != nil {
			return n, yerr
		}
	}
	return n, err
}

// keyLoadDelay waits key-load-delay microseconds after a key is loaded (a
// negative value -n waits one microsecond once in n keys on average, as
// Valkey's debugDelay), to make loads slow enough for tests to observe.
func (s *Server) keyLoadDelay(us int64) {
	if us < 0 {
		if s.rand.Int64N(-us) != 0 {
			return
		}
		us = 1
	}
	time.Sleep(time.Duration(us) * time.Microsecond)
}

// loadReplAux takes note of an RDB's replication aux field during the
// start-up load.
func (s *Server) loadReplAux(k, v string) {
	if !s.load.active {
		return
	}
	switch k {
	case "repl-id":
		if len(v) == len(replIDZero) {
			s.load.replID = v
		}
	case "repl-offset":
		if n, ok := parseInt([]byte(v)); ok {
			s.load.replOffset = n
		}
	case "repl-stream-db":
		if n, ok := parseInt([]byte(v)); ok {
			s.load.replDB = int(n)
		}
	}
}

// restoreReplInfo continues the replication history the RDB file loaded
// at start-up recorded, so that a restart does not cost a full
// resynchronization: a replica keeps it as its cached primary, to ask
// its primary to continue; a primary keeps it as its second history,
// which its replicas may continue from.
func (s *Server) restoreReplInfo() {
	ld := &s.load
	r := &s.repl
	if ld.replID == "" || ld.replOffset < 0 || ld.replDB < 0 {
		if s.Cfg.ReplicaOfHost == "" && r.backlog != nil {
			s.freeReplBacklog() // no history to continue: the DELs of the load serve no one
		}
		return
	}
	if s.Cfg.ReplicaOfHost != "" {
		r.id, r.offset = ld.replID, ld.replOffset
		s.replica.hist = primaryHist{id: ld.replID, off: ld.replOffset, readOff: ld.replOffset, db: ld.replDB}
		s.replica.histOK = true
		return
	}
	// The stream so far (the load's DELs) continues the file's history:
	// the offsets move up by the file's offset.
	r.id2, r.secondOffset = ld.replID, ld.replOffset+1
	r.offset += ld.replOffset
	if r.backlog == nil {
		s.createReplBacklog()
	} else {
		r.backlog.start = r.offset - r.backlog.histlen + 1
	}
	r.noReplicasSince = s.unixNow()
}

// loadExpiredDel feeds the deletion of a key the start-up load of a
// primary found expired to the backlog, for replicas that continue the
// file's history and still hold the key.
func (s *Server) loadExpiredDel(db int, key []byte) {
	if !s.load.active || s.repl.backlog == nil || s.Cfg.ReplicaOfHost != "" {
		return
	}
	var cmd []byte
	cmd = appendCommand(cmd, [][]byte{delOrUnlink(s.Cfg.LazyfreeLazyExpire), key})
	s.replFeed(db, cmd)
}

// infoLoading writes INFO persistence's loading_* fields during a load.
func (s *Server) infoLoading(w *infoWriter) {
	ld := &s.load
	var perc float64
	remaining := int64(1)
	if ld.total > 0 {
		perc = float64(ld.loaded) / float64(ld.total) * 100
		remaining = ld.total - ld.loaded
	}
	eta := int64(1) // Valkey's figure when nothing can be said yet
	if elapsed := time.Now().Unix() - ld.start; elapsed > 0 {
		eta = elapsed * remaining / (ld.loaded + 1)
	}
	w.int("loading_start_time", ld.start)
	w.int("loading_total_bytes", ld.total)
	w.int("loading_rdb_used_mem", 0)
	w.int("loading_loaded_bytes", ld.loaded)
	w.fixed("loading_loaded_perc", perc, 2)
	w.int("loading_eta_seconds", eta)
}
