package engine

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"time"

	"github.com/volleydb/volley/engine/rdb"
	"github.com/volleydb/volley/engine/repllink"
)

// Diskless load (repl-diskless-load): the replica reads its primary's
// snapshot straight into memory instead of through a temporary file
// (Valkey's replicaLoadPrimaryRDBFromSocket).
//
//   - on-empty-db: when the dataset is empty as the transfer starts;
//     otherwise the snapshot goes through a file as with disabled.
//   - flush-before-load: always, after emptying the dataset.
//   - swapdb: always, into a scratch set of databases and function
//     libraries while the old ones stay. The loaded set is swapped in once
//     the load succeeded and dropped if it failed, so that a failed
//     transfer leaves the old data in place. When the primary's
//     replication ID is this server's own (a full resynchronization
//     within one history), the old dataset is served meanwhile (async
//     loading): commands run as usual, except those flagged
//     no_async_loading, which get -LOADING. Otherwise clients get -LOADING
//     as during any load.
//
// The load holds the engine, but not while it waits for the primary's
// bytes: each read of the link waits without it, for at most
// repl-timeout. Every loading-process-events-interval-bytes it also lets
// the I/O loops have the engine (loading.go), as a load from disk does.
// A script that timed out meanwhile runs to its end before the load goes
// on, as Valkey's nested event processing has it. (Valkey blocks in
// the read itself, so that a slow primary stalls every client.)
//
// A snapshot that ends early (the primary went, or the link timed out)
// is a failed synchronization: the link reconnects. So is a corrupt one,
// where Valkey exits; a replica that keeps running and tries again is
// the better end for data its primary will send anew.

// errLinkGone ends a load whose link was dropped while it let others
// have the engine.
var errLinkGone = errors.New("the link with the primary was dropped")

// useDisklessLoad reports whether the transfer about to start is read
// into memory directly (useDisklessLoad).
func (s *Server) useDisklessLoad() bool {
	v, _ := s.Cfg.Value("repl-diskless-load")
	switch v {
	case "swapdb", "flush-before-load":
		return true
	case "on-empty-db":
		for _, db := range s.dbs {
			if db.Len() > 0 {
				return false
			}
		}
		return true
	}
	return false
}

// linkSource is a diskless load's reader of the link. Each read has
// repl-timeout to arrive and waits without the engine; the bytes read
// show in INFO and keep the cron's transfer timeout away.
type linkSource struct {
	l       *linkIO
	timeout time.Duration
	err     error // the first error of the link: the snapshot was cut short
}

func (src *linkSource) Read(p []byte) (n int, err error) {
	l, s := src.l, src.l.s
	if l.br.Buffered() > 0 || s.YieldWhile == nil {
		n, err = l.br.Read(p)
	} else {
		s.YieldWhile(func() {
			_ = l.conn.SetReadDeadline(time.Now().Add(src.timeout))
			n, err = l.br.Read(p)
		})
		if e := src.regain(); e != nil && err == nil {
			err = e
		}
	}
	s.replica.transferRead.Add(int64(n))
	s.replica.progressed.Store(true)
	if err != nil && src.err == nil {
		src.err = err
	}
	return n, err
}

// regain is the load's step on having the engine back from others: a
// script that timed out meanwhile runs to its end first, and a link
// dropped meanwhile ends the load.
func (src *linkSource) regain() error {
	s := src.l.s
	for s.script.busy.timedOut && s.Yield != nil {
		s.Yield()
	}
	if s.replica.gen != src.l.gen {
		return errLinkGone
	}
	return nil
}

// loadFromSocket loads the snapshot whose header was p from the link,
// holding the engine, and reports whether the link goes on to the
// stream.
func (s *Server) loadFromSocket(l *linkIO, p repllink.Payload) bool {
	r := &s.replica
	if p.Mark != nil {
		s.Log.Noticef("PRIMARY <-> REPLICA sync: receiving streamed RDB from primary with EOF to parser")
	} else {
		s.Log.Noticef("PRIMARY <-> REPLICA sync: receiving %d bytes from primary to parser", p.Size)
	}
	s.beforeLoadFromPrimary(true)
	mode, _ := s.Cfg.Value("repl-diskless-load")
	swap := mode == "swapdb"
	tgt := loadTarget{dbs: s.dbs}
	if swap {
		tgt = s.scratchTarget()
	} else {
		s.attachToNewPrimary()
		s.Log.Noticef("PRIMARY <-> REPLICA sync: Flushing old data")
		s.emptyForSync()
	}
	src := &linkSource{l: l, timeout: time.Duration(max(s.Cfg.ReplTimeout, 1)) * time.Second}
	var in io.Reader = src
	if p.Mark == nil {
		// A sized transfer ends at its size: an RDB that wants more is
		// corrupt, and the stream that follows is not read as its part.
		in = io.LimitReader(src, p.Size)
	}

	s.Log.Noticef("PRIMARY <-> REPLICA sync: Loading DB in memory")
	r.socketLoad = true
	s.BeginLoading()
	s.load.async = swap && s.repl.id == r.fullID
	if s.Yield != nil {
		s.SetLoadYield(func() error {
			s.Yield()
			return src.regain()
		})
	}
	rd := rdb.NewReader(s.loadInput(in, p.Size))
	st, err := s.loadRDB(rd, p.Size, false, tgt)
	if err != nil {
		s.logLoadError(err, st, src.err != nil, true)
	} else if p.Mark != nil {
		if mark, e := rd.Raw(len(p.Mark)); e != nil || !bytes.Equal(mark, p.Mark) {
			s.Log.Warningf("Replication stream EOF marker is broken")
			err = errors.New("broken EOF mark")
		}
	}
	s.EndLoading()
	r.socketLoad = false
	_ = l.conn.SetReadDeadline(time.Time{})

	if err != nil {
		s.Log.Warningf("Failed trying to load the PRIMARY synchronization DB from socket, check server logs.")
		if swap {
			s.discardLoadTarget(tgt)
			s.Log.Noticef("PRIMARY <-> REPLICA sync: Discarding temporary DB in background")
		} else {
			s.Log.Noticef("PRIMARY <-> REPLICA sync: Discarding the half-loaded data")
			s.emptyForSync()
		}
		s.Log.Warningf("Failed to load RDB")
		if r.gen == l.gen { // else the link was dropped meanwhile, and what follows with it
			s.cancelHandshake(true)
		}
		return false
	}
	if swap {
		s.attachToNewPrimary()
		s.Log.Noticef("PRIMARY <-> REPLICA sync: Swapping active DB with loaded DB")
		s.swapInLoaded(tgt)
		s.discardLoadTarget(tgt)
		s.Log.Noticef("PRIMARY <-> REPLICA sync: Discarding old DB in background")
	}
	// No file of the new dataset was written: a save has something to do.
	s.Dirty++
	if rest := rd.Buffered(); len(rest) > 0 {
		// Bytes of the stream the RDB reader took in with the snapshot's
		// end (a primary that did not wait for the first ACK) come first.
		l.br = bufio.NewReaderSize(io.MultiReader(bytes.NewReader(rest), l.br), 64<<10)
	}
	s.afterLoadFromPrimary(l)
	return true
}

// scratchTarget is an empty set of databases and function libraries for
// a swapdb load (disklessLoadInitTempDb, disklessLoadFunctionsLibCtxCreate).
func (s *Server) scratchTarget() loadTarget {
	dbs := make([]*DB, len(s.dbs))
	for i := range dbs {
		dbs[i] = newDB(s, i, s.seed)
	}
	funcs := &functionsState{}
	funcs.init()
	return loadTarget{dbs: dbs, funcs: funcs}
}

// swapInLoaded makes what a swapdb load read the dataset, and leaves the
// old one in tgt (swapMainDbWithTempDb, functionsLibCtxSwapWithCurrent).
// Clients stay in their databases: transactions watching a key there
// fail, and clients blocked on a key that now exists are served.
func (s *Server) swapInLoaded(tgt loadTarget) {
	for i, db := range s.dbs {
		db.swapContents(tgt.dbs[i])
		s.scanDatabaseForReadyKeys(db)
	}
	st := s.scripting()
	st.funcs, *tgt.funcs = *tgt.funcs, st.funcs
	s.trackingFlushed()
	s.forgetReplicaKeys()
}

// discardLoadTarget frees a scratch set's databases in the background
// (disklessLoadDiscardTempDb).
func (s *Server) discardLoadTarget(tgt loadTarget) {
	for _, db := range tgt.dbs {
		db.Flush(true)
	}
}
