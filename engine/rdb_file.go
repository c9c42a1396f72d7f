package engine

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"
	"unsafe"

	"github.com/volleydb/volley/engine/cnum"
	"github.com/volleydb/volley/engine/config"
	"github.com/volleydb/volley/engine/keyspace"
	"github.com/volleydb/volley/engine/rdb"
	"github.com/volleydb/volley/simd"
)

// RDB files: the whole dataset in Valkey's RDB format, as rdb.c's rdbSave
// and rdbLoad. A file written here loads in Valkey 9.0 and a file written
// by Valkey (or by Redis up to 7.x) loads here.
//
// Saving is done by the engine's owner while it holds the engine, so the
// image is the dataset at one moment (SAVE, the shutdown save, DEBUG
// RELOAD, FLUSHALL with save points). It is written to a temporary file in
// dir, synced and renamed over dbfilename, so a crash mid-save leaves the
// previous file whole.

// persistState is the RDB bookkeeping INFO persistence reports.
type persistState struct {
	lastSave    int64 // unix seconds of the last successful save; the start time until one
	saves       int64 // rdb_saves: SAVE commands (and, later, background saves) started
	loadedKeys  int64 // rdb_last_load_keys_loaded
	expiredKeys int64 // rdb_last_load_keys_expired
}

// removeInBackground unlinks path on another goroutine: the last link to
// a large file costs the time to free its blocks (bg_unlink).
func removeInBackground(path string) {
	go func() { _ = os.Remove(path) }()
}

// rdbPath is where dbfilename lives: in dir, which the process has
// changed into; joined explicitly so that an engine used without that
// (tests) still writes where dir says.
func (s *Server) rdbPath() string { return filepath.Join(s.Cfg.Dir, s.Cfg.DBFilename) }

// SaveRDB writes the dataset to dbfilename in the foreground (Valkey's
// rdbSave): on success the changes count restarts and LASTSAVE moves; a
// failure is only logged, as a foreground save leaves
// rdb_last_bgsave_status alone.
func (s *Server) SaveRDB() error {
	if err := s.writeRDBFile(s.rdbPath()); err != nil {
		s.Log.Warningf("Error saving DB on disk: %v", err)
		return err
	}
	s.Log.Noticef("DB saved on disk")
	s.Dirty = 0
	s.persist.lastSave = s.Clock.NowMs() / 1000
	return nil
}

// writeRDBFile writes the dataset to a temporary file next to path, syncs
// it and renames it over path.
func (s *Server) writeRDBFile(path string) error {
	tmp := filepath.Join(filepath.Dir(path), fmt.Sprintf("temp-%d.rdb", os.Getpid()))
	f, err := os.Create(tmp)
	if err != nil {
		return fmt.Errorf("failed opening the temp RDB file %s (in server root dir %s) for saving: %w", filepath.Base(tmp), filepath.Dir(path), err)
	}
	return commitTemp(f, tmp, path, s.writeRDB(f))
}

// commitTemp finishes a file written through the temporary file tmp, as
// every file the server replaces is (RDB, AOF base and manifest, ACL
// file): unless writing failed (err), f is synced and closed, tmp renamed
// over path and the directory synced, so that a crash leaves either the
// old file or the whole new one. On any failure tmp is removed and the
// first error returned.
func commitTemp(f *os.File, tmp, path string, err error) error {
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		_ = os.Remove(tmp)
		return err
	}
	if d, derr := os.Open(filepath.Dir(path)); derr == nil {
		_ = d.Sync() // the rename is durable once the directory is
		_ = d.Close()
	}
	return nil
}

// writeRDB writes the whole dataset as an RDB stream: the header and aux
// fields, each non-empty database, and the checksummed end.
func (s *Server) writeRDB(out io.Writer) error { return s.writeRDBStream(out, false) }

// writeRDBStream is writeRDB, for an AOF base (aofBase) too.
func (s *Server) writeRDBStream(out io.Writer, aofBase bool) error {
	im := s.newRDBImageFor(rdb.NewWriter(out), false, aofBase)
	for !im.done() {
		im.scanGroup(0)
	}
	return im.w.Footer()
}

// rdbImage writes the databases to an RDB stream, in steps: all at once
// for a foreground save, between batches of commands for a background
// one (bgsave.go), whose tables are then snapshotting.
type rdbImage struct {
	srv      *Server
	w        *rdb.Writer
	snapshot bool        // the tables snapshot: write only what Capture says is unsaved
	tables   []snapTable // the databases not empty at the start, in order
	next     int         // index in tables of the one being scanned
	cursor   uint64      // its Scan cursor
	began    bool        // tables[next]'s SELECTDB and RESIZEDB are written
	dbNow    int         // database of the last SELECTDB written, -1 before any

	processed, total int64                // keys written, and the keys at the start
	keys             int                  // keys written since the caller last reset it
	collect          func(keyspace.Entry) // Scan's callback: appends to batch
	batch            []keyspace.Entry     // the entries of the group being written
	addrs            []unsafe.Pointer     // addresses to prefetch
}

// snapTable is one database's table as the image found it.
type snapTable struct {
	id int
	t  *keyspace.Table
	n  int // keys at the start
	ex int // keys with an expiry at the start
}

// scanGroupSteps is how many buckets scanGroup scans, prefetches and
// writes in one pass.
const scanGroupSteps = 8

// newRDBImage writes the header and aux fields to w and sets up the scan
// of every non-empty database. With snapshot the tables begin a snapshot
// whose copy-ahead hook writes a key about to change.
func (s *Server) newRDBImage(w *rdb.Writer, snapshot bool) *rdbImage {
	return s.newRDBImageFor(w, snapshot, false)
}

// newRDBImageFor is newRDBImage for an AOF base too (aofBase: the aof-base
// aux field says so).
func (s *Server) newRDBImageFor(w *rdb.Writer, snapshot, aofBase bool) *rdbImage {
	im := &rdbImage{srv: s, w: w, snapshot: snapshot, dbNow: -1}
	im.collect = func(e keyspace.Entry) { im.batch = append(im.batch, e) }
	for _, db := range s.dbs {
		if n := db.Len(); n > 0 {
			im.tables = append(im.tables, snapTable{id: db.ID, t: db.keys, n: n, ex: db.ExpiresLen()})
			im.total += int64(n)
		}
	}
	if snapshot {
		for i := range im.tables {
			id := im.tables[i].id
			im.tables[i].t.BeginSnapshot(func(e keyspace.Entry) { im.writeKey(id, e) })
		}
	}
	s.writeRDBPreamble(w, aofBase)
	return im
}

// done reports whether every table has been scanned.
func (im *rdbImage) done() bool { return im.next == len(im.tables) }

// abandon ends the snapshots of the tables not yet scanned.
func (im *rdbImage) abandon() {
	if im.snapshot {
		for _, tb := range im.tables[im.next:] {
			tb.t.EndSnapshot(false)
		}
	}
}

// scanGroup scans the next scanGroupSteps buckets (one with delay, the
// rdb-key-save-delay) and writes their keys. The work is bound by memory
// latency, every bucket and record being a cache miss of its own, so it
// goes in passes: the next group's buckets are prefetched, this group's
// entries collected (which does not read the records), their records
// prefetched, and only then read and written.
func (im *rdbImage) scanGroup(delay int) {
	tb := &im.tables[im.next]
	if !im.began {
		im.selectDB(tb.id)
		im.w.ResizeDB(uint64(tb.n), uint64(tb.ex))
		im.began = true
	}
	steps := scanGroupSteps
	if delay != 0 {
		steps = 1
	}
	im.addrs = tb.t.BucketsAhead(im.cursor, 2*steps, im.addrs[:0])
	if len(im.addrs) > steps {
		simd.PrefetchN(im.addrs[steps:])
	}
	im.batch = im.batch[:0]
	for range steps {
		if im.cursor = tb.t.Scan(im.cursor, im.collect); im.cursor == 0 {
			break
		}
	}
	im.addrs = im.addrs[:0]
	for _, e := range im.batch {
		im.addrs = append(im.addrs, e.Addr())
	}
	simd.PrefetchN(im.addrs)
	for _, e := range im.batch {
		// Without a snapshot nothing changes the table between two Scan
		// calls, so no entry comes twice.
		if !im.snapshot || tb.t.Capture(e) {
			im.writeKey(tb.id, e)
		}
	}
	if im.cursor == 0 {
		if im.snapshot {
			tb.t.EndSnapshot(true)
		}
		im.next++
		im.began = false
	}
}

// writeKey writes e, a key of database id, under the right SELECTDB.
func (im *rdbImage) writeKey(id int, e keyspace.Entry) {
	im.selectDB(id)
	im.srv.writeRDBKey(im.w, e)
	im.processed++
	im.keys++
}

// selectDB writes a SELECTDB when the last one named another database:
// a key a snapshot saves ahead of its scan may belong to another
// database, and the scan's next key then selects its own again.
func (im *rdbImage) selectDB(id int) {
	if im.dbNow != id {
		im.w.SelectDB(id)
		im.dbNow = id
	}
}

// writeRDBPreamble sets w up as the configuration asks and writes what
// comes before the databases: the header and the aux fields.
func (s *Server) writeRDBPreamble(w *rdb.Writer, aofBase bool) {
	w.SetCompress(s.Cfg.RDBCompression)
	w.SetChecksum(s.Cfg.RDBChecksum)
	w.Header()
	w.Aux("valkey-ver", Version)
	w.AuxInt("redis-bits", 64)
	w.AuxInt("ctime", s.Clock.NowMs()/1000)
	w.AuxInt("used-mem", int64(s.usedMemory(true)))
	if db, ok := s.replSaveInfo(); ok && !aofBase {
		w.AuxInt("repl-stream-db", int64(db))
		w.Aux("repl-id", s.repl.id)
		w.AuxInt("repl-offset", s.repl.offset)
	}
	w.AuxInt("aof-base", int64(boolInt(aofBase)))
	s.SaveFunctions(w) // function libraries come before the databases, as in Valkey
}

// writeRDBKey writes one key: its expiry, its access information when the
// eviction policy uses it, then type, name and value.
func (s *Server) writeRDBKey(w *rdb.Writer, e keyspace.Entry) {
	if at := e.Expire(); at != 0 {
		w.Expire(at)
	}
	switch s.Cfg.MaxMemoryPolicy {
	case config.VolatileLRU, config.AllKeysLRU:
		w.Byte(rdb.OpIdle)
		w.Len(uint64(max(s.idleMs(e), 0) / 1000))
	case config.VolatileLFU, config.AllKeysLFU:
		w.Byte(rdb.OpFreq)
		w.Byte(s.lfuDecr(e))
	}
	rdbSaveValue(w, e, e.Key())
}

// errDBIndex is returned when a file selects a database this server does
// not have.
var errDBIndex = errors.New("the RDB file was created with a server configured to handle more databases")

// errUnknownType is returned by a load under rdb-version-check relaxed
// for a value type this server does not know.
var errUnknownType = errors.New("unknown type or opcode when loading DB")

// foreignTypeError is returned for a type of the foreign range in a file
// of a foreign version: what it means there is not known.
type foreignTypeError struct {
	typ     byte
	version int
}

func (e *foreignTypeError) Error() string {
	return fmt.Sprintf("can't handle foreign type or opcode %d in RDB with version %d", e.typ, e.version)
}

// logLoadError logs why the load of an RDB stream failed, in the words of
// Valkey's rdbLoad and rdbReportError; short says the stream ended early.
// A refused stream (signature, version, type) is reported in one line; a
// cut or corrupt one as an internal error at its offset, and it reports
// true then. From a socket (a diskless replica's load) the line says
// whether the sync will be tried again.
func (s *Server) logLoadError(err error, st loadStats, short, socket bool) (internal bool) {
	var sum *rdb.ChecksumError
	var foreign *foreignTypeError
	reason := ""
	switch {
	case errors.Is(err, rdb.ErrSignature):
		s.Log.Warningf("Wrong signature trying to load DB from file")
		return false
	case errors.Is(err, rdb.ErrVersion):
		s.Log.Warningf("Can't handle RDB format version %d", st.version)
		return false
	case errors.Is(err, errUnknownType):
		s.Log.Warningf("Unknown type or opcode when loading DB. Unrecoverable error, aborting now.")
		return false
	case errors.As(err, &foreign):
		s.Log.Warningf("Can't handle foreign type or opcode %d in RDB with version %d", foreign.typ, foreign.version)
		return false
	case short:
		s.Log.Warningf("Short read or OOM loading DB. Unrecoverable error, aborting now.")
		reason = "Unexpected EOF reading RDB file"
	case errors.As(err, &sum):
		s.Log.Warningf("Wrong RDB checksum expected: (%x) but got (%x). Aborting now.", sum.Expected, sum.Got)
		reason = "RDB CRC error"
	default:
		reason = sentence(err.Error())
	}
	msg := fmt.Sprintf("Internal error in RDB reading offset %d -> %s", st.offset, reason)
	switch {
	case !socket:
		s.Log.Warningf("%s", msg)
	case short:
		s.Log.Warningf("%s. Failure loading rdb format from socket, assuming connection error, resuming operation.", msg)
	default:
		s.Log.Warningf("%s. Failure loading rdb format", msg)
	}
	return true
}

// sentence is an error's text as a log line starts it: Go's error
// strings are lower case, Valkey's messages are not.
func sentence(msg string) string {
	if msg == "" {
		return msg
	}
	return strings.ToUpper(msg[:1]) + msg[1:]
}

// errDuplicateKey is returned when a file holds a key twice.
var errDuplicateKey = errors.New("the RDB file has a duplicated key")

// loadStats is what a load reports.
type loadStats struct {
	loaded, expired, empty int64
	version                int
	offset                 int64 // where the RDB ended in the stream (an AOF's preamble)
}

// LoadRDB loads dbfilename into the (empty) dataset at start-up. A missing
// file is not an error: the server starts empty.
func (s *Server) LoadRDB() error {
	path := s.rdbPath()
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("fatal error loading the DB, check server logs: %w", err)
	}
	defer f.Close()
	start := time.Now()
	if s.load.active && s.Cfg.ReplicaOfHost == "" {
		s.createReplBacklog() // for the DELs of keys found expired; dropped if the file has no history
	}
	st, err := s.readRDB(f, fileSize(f), false)
	if err != nil {
		// Valkey exits through its RDB checker after an internal error.
		if s.logLoadError(err, st, errors.Is(err, io.ErrUnexpectedEOF), false) {
			return errors.New("terminating server after rdb file reading failure.")
		}
		return errors.New("fatal error loading the DB, check server logs. Exiting.")
	}
	s.restoreReplInfo()
	s.Log.Noticef("DB loaded from disk: %.3f seconds", time.Since(start).Seconds())
	return nil
}

// readRDB loads an RDB stream of size bytes (0 if unknown) into the
// databases. With merge a key that exists already is replaced (DEBUG
// RELOAD MERGE); otherwise a duplicate is an error.
func (s *Server) readRDB(in io.Reader, size int64, merge bool) (loadStats, error) {
	return s.loadRDB(rdb.NewReader(s.loadInput(in, size)), size, merge, loadTarget{dbs: s.dbs})
}

// loadTarget is where a load puts what it reads: the server's databases
// and function libraries, or a scratch set of both that a diskless
// swapdb load fills while the old ones are still served.
type loadTarget struct {
	dbs   []*DB
	funcs *functionsState // nil: the server's own
}

// loadRDB reads an RDB stream of size bytes (0 if unknown) from r into
// tgt, up to and with its checksum; r may have read ahead of it. On an
// error st has the version read and the offset reached, for
// logLoadError.
func (s *Server) loadRDB(r *rdb.Reader, size int64, merge bool, tgt loadTarget) (st loadStats, err error) {
	defer func() {
		if err != nil {
			st.offset = r.Offset()
		}
	}()
	keyDelay := s.cfgInt("key-load-delay")
	r.SetRelaxedVersionCheck(s.Cfg.RDBVersionRelaxed != 0)
	ver, err := r.Header()
	st.version = ver
	if err != nil {
		return st, err
	}
	ld := rdbLoad{cfg: s.Cfg}
	db := tgt.dbs[0]
	now := s.Clock.NowMs()
	expire, idle, freq := int64(-1), int64(-1), -1
	for {
		typ, err := r.Byte()
		if err != nil {
			return st, err
		}
		switch typ {
		case rdb.OpExpireTime:
			secs, err := r.SecondTime()
			if err != nil {
				return st, err
			}
			expire = secs * 1000
			continue
		case rdb.OpExpireTimeMs:
			if expire, err = r.MillisecondTime(); err != nil {
				return st, err
			}
			continue
		case rdb.OpFreq:
			b, err := r.Byte()
			if err != nil {
				return st, err
			}
			freq = int(b)
			continue
		case rdb.OpIdle:
			n, err := rdbLen(r)
			if err != nil {
				return st, err
			}
			idle = int64(min(n, 1<<40))
			continue
		case rdb.OpEOF:
			if err := r.Footer(ver, s.Cfg.RDBChecksum && !s.skipChecksum); err != nil {
				return st, err
			}
			st.offset = r.Offset()
			s.persist.loadedKeys, s.persist.expiredKeys = st.loaded, st.expired
			if st.empty > 0 {
				s.Log.Noticef("Done loading RDB, keys loaded: %d, keys expired: %d, empty keys skipped: %d.", st.loaded, st.expired, st.empty)
			} else {
				s.Log.Noticef("Done loading RDB, keys loaded: %d, keys expired: %d.", st.loaded, st.expired)
			}
			return st, nil
		case rdb.OpSelectDB:
			n, err := rdbLen(r)
			if err != nil {
				return st, err
			}
			if n >= uint64(len(tgt.dbs)) {
				return st, fmt.Errorf("%w than %d", errDBIndex, len(tgt.dbs))
			}
			db = tgt.dbs[n]
			continue
		case rdb.OpResizeDB:
			keys, err := rdbLen(r)
			if err != nil {
				return st, err
			}
			expires, err := rdbLen(r)
			if err != nil {
				return st, err
			}
			// Sizing the tables for what follows saves every rehash on
			// the way. A key takes at least 3 bytes of the stream, which
			// bounds what a forged hint can make us allocate; a stream of
			// unknown length (a diskless transfer) is trusted with a
			// million keys.
			limit := uint64(size / 3)
			if size == 0 {
				limit = 1 << 20
			}
			if keys <= limit {
				db.keys.Expand(int(keys))
				db.expires.Expand(int(min(expires, keys)))
			}
			continue
		case rdb.OpSlotInfo:
			for range 3 {
				if _, err := rdbLen(r); err != nil {
					return st, err
				}
			}
			continue
		case rdb.OpAux:
			k, err := r.String()
			if err != nil {
				return st, err
			}
			v, err := r.String()
			if err != nil {
				return st, err
			}
			s.rdbAux(string(k), string(v))
			continue
		case rdb.OpFunction2:
			code, err := r.String()
			if err != nil {
				return st, err
			}
			funcs := tgt.funcs
			if funcs == nil {
				funcs = &s.scripting().funcs
			}
			if _, err := s.createLibrary(funcs, string(code), true, 0); err != nil {
				return st, fmt.Errorf("failed loading a function library: %w", err)
			}
			continue
		case rdb.OpModuleAux, rdb.OpFunctionPreGA, rdb.OpSlotImport:
			return st, fmt.Errorf("the RDB file holds data of a kind this server cannot load (opcode %d)", typ)
		}
		if rdb.IsForeignVersion(ver) && rdb.IsForeignType(typ) {
			return st, &foreignTypeError{typ: typ, version: ver}
		}
		if !rdb.IsObjectType(typ) {
			if s.Cfg.RDBVersionRelaxed != 0 {
				return st, errUnknownType // a future type, which relaxed lets through to here
			}
			return st, fmt.Errorf("unknown RDB encoding type %d", typ)
		}
		key, err := r.String()
		if err != nil {
			return st, err
		}
		v, err := ld.value(r, typ, key, expire != -1)
		switch {
		case errors.Is(err, errEmptyKey):
			s.Log.Warningf("rdbLoadObject skipping empty key: %s", key)
			st.empty++
		case err != nil:
			return st, fmt.Errorf("loading key %q: %w", key, err)
		case expire != -1 && expire < now:
			// A primary drops what expired while the file was at rest,
			// and at start-up tells the replicas that may continue from
			// the file's history to drop it too.
			st.expired++
			s.loadExpiredDel(db.ID, key)
		default:
			if expire != -1 {
				v.Expire = expire
			}
			e, replaced := db.set(key, db.keys.Hash(key), v, false, false)
			if replaced && !merge {
				return st, fmt.Errorf("%w '%s' in DB %d", errDuplicateKey, key, db.ID)
			}
			s.setAccessFrom(e, freq, idle)
			st.loaded++
			if keyDelay != 0 {
				s.keyLoadDelay(keyDelay)
			}
		}
		expire, idle, freq = -1, -1, -1
	}
}

// rdbAux takes note of an aux field, as rdbLoad logs the interesting ones.
func (s *Server) rdbAux(k, v string) {
	s.loadReplAux(k, v)
	switch k {
	case "redis-ver":
		s.Log.Noticef("Loading RDB produced by Redis version %s", v)
	case "valkey-ver":
		s.Log.Noticef("Loading RDB produced by Valkey version %s", v)
	case "ctime":
		if t, ok := parseInt([]byte(v)); ok {
			s.Log.Noticef("RDB age %d seconds", max(s.Clock.NowMs()/1000-t, 0))
		}
	case "used-mem":
		if n, ok := parseInt([]byte(v)); ok {
			s.Log.Noticef("RDB memory usage when created %.2f Mb", float64(n)/(1024*1024))
		}
	}
}

// setAccessFrom sets a key's access word from a saved LFU counter (freq,
// -1 for none) or idle time in seconds (idle, -1 for none), as
// objectSetLRUOrLFU does: the counter under an LFU policy, the idle time
// under any other.
func (s *Server) setAccessFrom(e keyspace.Entry, freq int, idle int64) {
	if s.lfuMode() {
		if freq >= 0 {
			e.SetAccess(uint32(freq)<<24 | s.lfuMinutes())
		}
		return
	}
	if idle < 0 {
		return
	}
	// The clock is 24 bits of seconds and wraps; an access time before
	// its start is taken from its end, as Valkey does.
	abs := int64(s.lruClock) - idle
	if abs < 0 {
		abs += 1<<24 - 1
	}
	e.SetLRU(uint32(abs) & 0xffffff)
}

// DEBUG RELOAD [MERGE] [NOFLUSH] [NOSAVE]: save the dataset, empty it and
// load the file back, to prove that a restart keeps everything.
func debugReload(c *Client) {
	s := c.srv
	flush, save, merge := true, true, false
	for _, opt := range c.Argv[2:] {
		switch {
		case equalFoldASCII(opt, "merge"):
			merge = true
		case equalFoldASCII(opt, "noflush"):
			flush = false
		case equalFoldASCII(opt, "nosave"):
			save = false
		default:
			c.AddError("ERR DEBUG RELOAD only supports the MERGE, NOFLUSH and NOSAVE options.")
			return
		}
	}
	if save && s.SaveRDB() != nil {
		c.AddError("ERR")
		return
	}
	if flush {
		for _, db := range s.dbs {
			db.Flush(false)
		}
		s.trackingFlushed()
	}
	if err := s.reloadRDB(merge); err != nil {
		s.Log.Warningf("DEBUG RELOAD: %v", err)
		c.AddError("ERR Error trying to load the RDB dump, check server logs.")
		return
	}
	s.Log.Noticef("DB reloaded by DEBUG RELOAD")
	c.AddOK()
}

// reloadRDB loads dbfilename into the current dataset.
func (s *Server) reloadRDB(merge bool) error {
	f, err := os.Open(s.rdbPath())
	if err != nil {
		return err
	}
	defer f.Close()
	_, err = s.readRDB(f, fileSize(f), merge)
	return err
}

// DEBUG SET-SKIP-CHECKSUM-VALIDATION <0|1>
func debugSetSkipChecksum(c *Client) {
	c.srv.skipChecksum = cnum.Atoi(c.Argv[2]) != 0
	c.AddOK()
}

// PrepareShutdown saves the dataset before the process exits, as Valkey's
// prepareForShutdown does: when save points are configured and NOSAVE is
// not given, or when SAVE is. A failed save stops the shutdown, unless
// FORCE.
func (s *Server) PrepareShutdown(flags ShutdownFlags) error {
	s.logReplicasAtShutdown()
	if s.aof.status != aofOff {
		if s.aof.status == aofWaitRewrite && s.aofRewriteRunning() {
			if flags&ShutdownForce == 0 {
				s.Log.Warningf("Writing initial AOF, can't exit.")
				return errors.New("writing initial AOF")
			}
			s.Log.Warningf("Writing initial AOF. Exit anyway.")
		}
		if s.aofRewriteStop() {
			s.Log.Warningf("There is a child rewriting the AOF. Killing it!")
		}
		s.Log.Noticef("Calling fsync() on the AOF file.")
		s.FlushAOF()
	}
	save := (len(s.Cfg.Save) > 0 && flags&ShutdownNoSave == 0) || flags&ShutdownSave != 0
	if !save || s.loading { // a partial dataset must not replace the file it is read from
		return nil
	}
	s.Log.Noticef("Saving the final RDB snapshot before exiting.")
	s.aofRewriteStop()
	// A background save finishing later would overwrite this one.
	s.bgsaveStop("There is a background save in progress. Stopping it!")
	if err := s.SaveRDB(); err != nil {
		if flags&ShutdownForce != 0 {
			s.Log.Warningf("Error trying to save the DB. Exit anyway.")
			return nil
		}
		s.Log.Warningf("Error trying to save the DB, can't exit.")
		return err
	}
	return nil
}

// fileSize is f's size, or 0 if it cannot be told.
func fileSize(f *os.File) int64 {
	if fi, err := f.Stat(); err == nil {
		return fi.Size()
	}
	return 0
}
