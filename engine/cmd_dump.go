package engine

import (
	"bytes"
	"math"
	"strconv"

	"github.com/volleydb/volley/engine/config"
	"github.com/volleydb/volley/engine/keyspace"
	"github.com/volleydb/volley/engine/rdb"
)

// DUMP and RESTORE: one value in Valkey's DUMP format, which is the RDB
// encoding of the value after its type byte, then the RDB version (2
// bytes) and a CRC64 of everything before (8 bytes), both little-endian.
// A payload from Valkey 9.0 restores here and one made here restores in
// Valkey.

// Error replies of RESTORE.
const (
	errRestoreIdle    = "ERR Invalid IDLETIME value, must be >= 0"
	errRestoreFreq    = "ERR Invalid FREQ value, must be >= 0 and <= 255"
	errRestoreTTL     = "ERR Invalid TTL value, must be >= 0"
	errRestorePayload = "ERR DUMP payload version or checksum are wrong"
	errBadDataFormat  = "ERR Bad data format"
)

// dumpState is DUMP's writer and buffer, kept across calls: a Writer
// carries a 64 KiB buffer, too much to allocate for every DUMP.
type dumpState struct {
	w   *rdb.Writer
	buf bytes.Buffer
}

// dumpPayload serializes e's value for DUMP, into a new slice: a large
// reply is sent from it by reference.
func (s *Server) dumpPayload(e keyspace.Entry) []byte {
	d := &s.dump
	d.buf.Reset()
	// A string's payload is about its length: sized at once, a large one
	// is built without growing through copies of itself.
	d.buf.Grow(len(e.Value()) + 32)
	if d.w == nil {
		d.w = rdb.NewWriter(&d.buf)
	} else {
		d.w.Reset(&d.buf)
	}
	d.w.SetCompress(s.Cfg.RDBCompression)
	d.w.SetChecksum(false) // the trailer has a checksum of its own
	rdbSaveValue(d.w, e, nil)
	_ = d.w.Flush() // a bytes.Buffer does not fail
	if d.buf.Cap() > 1<<20 {
		// A huge value's buffer is not kept: it becomes the payload.
		p := d.buf.Bytes()
		d.buf = bytes.Buffer{}
		return rdb.AppendDumpTrailer(p)
	}
	p := make([]byte, d.buf.Len(), d.buf.Len()+10)
	copy(p, d.buf.Bytes())
	return rdb.AppendDumpTrailer(p)
}

// DUMP key
func cmdDump(c *Client) {
	e, ok := c.db().Lookup(c.Argv[1])
	if !ok {
		c.AddNull()
		return
	}
	c.AddBulk(c.srv.dumpPayload(e))
}

// RESTORE key ttl serialized-value [REPLACE] [ABSTTL] [IDLETIME seconds] [FREQ frequency]
func cmdRestore(c *Client) {
	s, db := c.srv, c.db()
	replace, absTTL, ok := false, false, true
	idle, freq := int64(-1), int64(-1)
	for j := 4; j < len(c.Argv); j++ {
		more := len(c.Argv) - j - 1
		switch arg := c.Argv[j]; {
		case equalFoldASCII(arg, "replace"):
			replace = true
		case equalFoldASCII(arg, "absttl"):
			absTTL = true
		case equalFoldASCII(arg, "idletime") && more >= 1 && freq == -1:
			j++
			if idle, ok = restoreOptArg(c, c.Argv[j], math.MaxInt64, errRestoreIdle); !ok {
				return
			}
		case equalFoldASCII(arg, "freq") && more >= 1 && idle == -1:
			j++
			if freq, ok = restoreOptArg(c, c.Argv[j], 255, errRestoreFreq); !ok {
				return
			}
		default:
			c.AddError(ErrSyntax)
			return
		}
	}
	key := c.Argv[1]
	if _, exists := db.LookupWrite(key); exists && !replace {
		c.AddError(ErrBusyKey)
		return
	}
	ttl, ok := parseInt(c.Argv[2])
	if !ok {
		c.AddError(ErrNotInteger)
		return
	}
	if ttl < 0 {
		c.AddError(errRestoreTTL)
		return
	}
	obj, version, err := rdb.VerifyDumpPayload(c.Argv[3], s.skipChecksum, s.Cfg.RDBVersionRelaxed != 0)
	if err != nil {
		c.AddError(errRestorePayload)
		return
	}
	r := rdb.NewReaderBytes(obj)
	typ, err := r.Byte()
	if err != nil || !rdb.IsObjectType(typ) {
		c.AddError(errBadDataFormat)
		return
	}
	// A payload of a foreign format (a version another server line uses)
	// may only hold the old types that format shares with Valkey's.
	if rdb.IsForeignVersion(version) && rdb.IsForeignType(typ) {
		c.AddError("ERR Unsupported foreign data type: " + strconv.Itoa(int(typ)))
		return
	}
	v, err := rdbLoad{cfg: s.Cfg}.value(r, typ, key, ttl != 0)
	if err != nil {
		c.AddError(errBadDataFormat)
		return
	}
	deleted := replace && db.Delete(key)
	if ttl != 0 && !absTTL {
		ttl += s.Now()
		c.rewriteArg(2, s.propInt(ttl)) // propagated with the absolute time
		c.rewriteArg(len(c.Argv), argABSTTL)
	}
	if ttl != 0 && pastExpiry(s, ttl) {
		// The value would be gone at once: only the REPLACE's deletion
		// happens.
		if deleted {
			c.rewriteArgv(delOrUnlink(s.Cfg.LazyfreeLazyServerDel), key) // replicas delete it too
			s.keyModified(db, key)
			s.notifyKeyspaceEvent(config.NotifyGeneric, "del", key, db.ID)
			s.Dirty++
		}
		c.AddOK()
		return
	}
	v.Expire = ttl
	e := db.Set(key, v, false)
	s.setAccessFrom(e, int(freq), idle)
	s.signalKeyAsReady(db, key, v.Kind&typeMask)
	s.keyModified(db, key)
	s.notifyKeyspaceEvent(config.NotifyGeneric, "restore", key, db.ID)
	s.Dirty++
	c.AddOK()
}

// restoreOptArg parses IDLETIME's or FREQ's value, which must be an
// integer from 0 to hi; it replies the error and returns false otherwise.
func restoreOptArg(c *Client, arg []byte, hi int64, rangeErr string) (int64, bool) {
	v, ok := parseInt(arg)
	switch {
	case !ok:
		c.AddError(ErrNotInteger)
	case v < 0 || v > hi:
		c.AddError(rangeErr)
	default:
		return v, true
	}
	return 0, false
}
