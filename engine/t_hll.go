package engine

import (
	"math"
	"math/rand/v2"
	"strconv"
	"strings"

	"github.com/volleydb/volley/engine/config"
	"github.com/volleydb/volley/engine/keyspace"
	"github.com/volleydb/volley/simd"
)

// hllHandlers are the hyperloglog group.
var hllHandlers = map[string]Handler{
	"pfadd":      cmdPfadd,
	"pfcount":    cmdPfcount,
	"pfmerge":    cmdPfmerge,
	"pfdebug":    cmdPfdebug,
	"pfselftest": cmdPfselftest,
}

// Error replies of the hyperloglog commands, with Valkey's text.
const (
	errNotHLL      = "WRONGTYPE Key is not a valid HyperLogLog string value."
	errInvalidHLL  = "INVALIDOBJ Corrupted HLL object detected"
	errPfdebugNoKy = "ERR The specified key does not exist"
	errHLLNotSprse = "ERR HLL encoding is not sparse"
)

// checkHLL checks a found key's value as isHLLObjectOrReply does,
// replying WRONGTYPE (of either kind) and reporting false when it is not
// a HyperLogLog.
func checkHLL(c *Client, e keyspace.Entry) bool {
	if typeOf(e) != TypeString {
		c.AddError(ErrWrongType)
		return false
	}
	if !isHLL(e.Kind(), e.Value()) {
		c.AddError(errNotHLL)
		return false
	}
	return true
}

// makeRaw gives a HyperLogLog key the raw encoding, as Valkey's
// dbUnshareStringValue does before any HyperLogLog command uses it; the
// kind is in the record header, so no value bytes move.
func makeRaw(e keyspace.Entry) {
	if e.Kind() != KindRaw {
		e.SetKind(KindRaw)
	}
}

// cmdPfadd is PFADD key [element ...].
func cmdPfadd(c *Client) {
	db := c.db()
	key := c.Argv[1]
	var v []byte
	updated := 0
	inPlace := false // v is the stored value itself
	e, found := db.LookupWrite(key)
	if !found {
		v = newHLL()
		updated++
	} else {
		if !checkHLL(c, e) {
			return
		}
		makeRaw(e)
		if val := e.Value(); val[4] == hllEncDense && e.Mutable() {
			v, inPlace = val, true // fixed size: update the registers where they are
		} else {
			v = append(make([]byte, 0, len(val)+8), val...)
		}
	}
	maxBytes := c.srv.Cfg.HllSparseMaxBytes
	for _, ele := range c.Argv[2:] {
		var r int
		v, r = hllAdd(v, ele, maxBytes)
		switch r {
		case 1:
			updated++
		case -1:
			// Registers set before the corruption was found stay set, as
			// in Valkey, which edits the value in place.
			if updated > 0 && !inPlace {
				db.Set(key, keyspace.Value{Kind: KindRaw, Bytes: v}, true)
			}
			c.AddError(errInvalidHLL)
			return
		}
	}
	if updated > 0 {
		hllInvalidateCache(v)
		if !inPlace {
			db.Set(key, keyspace.Value{Kind: KindRaw, Bytes: v}, true)
		}
		s := c.srv
		s.keyModified(db, key)
		s.notifyKeyspaceEvent(config.NotifyString, "pfadd", key, db.ID)
		s.Dirty += int64(updated)
		c.AddInt(1)
		return
	}
	c.AddInt(0)
}

// cmdPfcount is PFCOUNT key [key ...].
func cmdPfcount(c *Client) {
	db := c.db()
	if len(c.Argv) > 2 {
		// The cardinality of the union: merge into one register per byte.
		var regs [hllRegisters]uint8
		for _, key := range c.Argv[1:] {
			e, found := db.Lookup(key)
			if !found {
				continue
			}
			if !checkHLL(c, e) {
				return
			}
			if !hllMerge(&regs, e.Value()) {
				c.AddError(errInvalidHLL)
				return
			}
		}
		var hist [64]uint32
		simd.HLLRawHistogram(&regs, &hist)
		c.AddInt(int64(hllEstimate(&hist)))
		return
	}

	key := c.Argv[1]
	e, found := db.Lookup(key)
	if !found {
		c.AddInt(0)
		return
	}
	if !checkHLL(c, e) {
		return
	}
	v := e.Value()
	if hllCacheValid(v) && e.Kind() == KindRaw {
		c.AddInt(int64(le64(v[8:16])))
		return
	}
	// PFCOUNT is a read, but it writes the cache (and the encoding): look
	// the key up again as a write so a running snapshot sees it first.
	e, _ = db.LookupFlags(key, lookupWrite|lookupNoTouch)
	makeRaw(e)
	v = e.Value()
	if hllCacheValid(v) {
		c.AddInt(int64(le64(v[8:16])))
		return
	}
	card, ok := hllCount(v)
	if !ok {
		c.AddError(errInvalidHLL)
		return
	}
	if !e.Mutable() {
		v = append([]byte(nil), v...)
		putLE64(v[8:16], card)
		db.Set(key, keyspace.Value{Kind: KindRaw, Bytes: v}, true)
	} else {
		putLE64(v[8:16], card)
	}
	c.srv.keyModified(db, key)
	c.srv.Dirty++
	c.AddInt(int64(card))
}

func putLE64(b []byte, x uint64) {
	_ = b[7]
	for i := range 8 {
		b[i] = byte(x >> (8 * i))
	}
}

// cmdPfmerge is PFMERGE destkey [sourcekey ...]. The destination is one
// of the inputs.
func cmdPfmerge(c *Client) {
	db := c.db()
	var regs [hllRegisters]uint8
	useDense := false
	for _, key := range c.Argv[1:] {
		e, found := db.Lookup(key)
		if !found {
			continue
		}
		if !checkHLL(c, e) {
			return
		}
		v := e.Value()
		if v[4] == hllEncDense {
			useDense = true // a dense input makes a dense result
		}
		if !hllMerge(&regs, v) {
			c.AddError(errInvalidHLL)
			return
		}
	}

	dest := c.Argv[1]
	var v []byte
	e, found := db.LookupWrite(dest)
	if found && useDense && e.Value()[4] == hllEncDense && e.Mutable() {
		// The common case: rewrite the dense registers where they are.
		makeRaw(e)
		v = e.Value()
		simd.HLLDensePack(v[hllHdrSize:], &regs)
		hllInvalidateCache(v)
		pfmergeDone(c, db, dest)
		return
	}
	if found {
		v = append([]byte(nil), e.Value()...)
	} else {
		v = newHLL()
	}
	if useDense {
		if v[4] == hllEncSparse {
			d, ok := sparseToDense(v)
			if !ok {
				c.AddError(errInvalidHLL)
				return
			}
			v = d
		}
		simd.HLLDensePack(v[hllHdrSize:], &regs)
	} else {
		maxBytes := c.srv.Cfg.HllSparseMaxBytes
		for j, r := range regs {
			if r == 0 {
				continue
			}
			if v[4] == hllEncDense {
				denseAdd(v[hllHdrSize:], j, r)
			} else {
				v, _ = sparseSet(v, j, r, maxBytes)
			}
		}
	}
	hllInvalidateCache(v)
	db.Set(dest, keyspace.Value{Kind: KindRaw, Bytes: v}, true)
	pfmergeDone(c, db, dest)
}

// pfmergeDone accounts for PFMERGE's write and replies.
func pfmergeDone(c *Client, db *DB, dest []byte) {
	s := c.srv
	s.keyModified(db, dest)
	// PFMERGE announces itself as a PFADD, as in Valkey.
	s.notifyKeyspaceEvent(config.NotifyString, "pfadd", dest, db.ID)
	s.Dirty++
	c.AddOK()
}

// cmdPfdebug is PFDEBUG GETREG|DECODE|ENCODING|TODENSE key and PFDEBUG
// SIMD ON|OFF.
func cmdPfdebug(c *Client) {
	sub := c.Argv[1]
	if argIs(sub, "simd") {
		switch arg := c.Argv[2]; {
		case argIs(arg, "on"):
			simd.SetLevel(simd.Supported())
		case argIs(arg, "off"):
			simd.SetLevel(simd.LevelGeneric)
		default:
			// Valkey replies with the error and then the status too.
			c.AddError("ERR Argument must be ON or OFF")
		}
		if simd.Active() >= simd.LevelAVX2 {
			c.AddSimple("enabled")
		} else {
			c.AddSimple("disabled")
		}
		return
	}

	db := c.db()
	key := c.Argv[2]
	e, found := db.LookupWrite(key)
	if !found {
		c.AddError(errPfdebugNoKy)
		return
	}
	if !checkHLL(c, e) {
		return
	}
	makeRaw(e)
	v := e.Value()
	// toDense converts a sparse key to dense in the keyspace.
	toDense := func() ([]byte, bool) {
		d, ok := sparseToDense(v)
		if !ok {
			c.AddError(errInvalidHLL)
			return nil, false
		}
		db.Set(key, keyspace.Value{Kind: KindRaw, Bytes: d}, true)
		c.srv.Dirty++
		return d, true
	}
	switch {
	case argIs(sub, "getreg"):
		if v[4] == hllEncSparse {
			var ok bool
			if v, ok = toDense(); !ok {
				return
			}
		}
		regs := v[hllHdrSize:]
		c.AddArrayLen(hllRegisters)
		for i := range hllRegisters {
			c.AddInt(int64(denseGet(regs, i)))
		}
	case argIs(sub, "decode"):
		if v[4] != hllEncSparse {
			c.AddError(errHLLNotSprse)
			return
		}
		var out []byte
		s := v[hllHdrSize:]
		for p := 0; p < len(s); {
			run, val, size := sparseOp(s, p)
			switch {
			case val > 0:
				out = append(out, "v:"...)
				out = strconv.AppendInt(out, int64(val), 10)
				out = append(out, ',')
			case size == 2:
				out = append(out, "Z:"...)
			default:
				out = append(out, "z:"...)
			}
			out = strconv.AppendInt(out, int64(run), 10)
			out = append(out, ' ')
			p += size
		}
		c.AddBulkCopy([]byte(strings.TrimRight(string(out), " ")))
	case argIs(sub, "encoding"):
		if v[4] == hllEncDense {
			c.AddSimple("dense")
		} else {
			c.AddSimple("sparse")
		}
	case argIs(sub, "todense"):
		if v[4] == hllEncSparse {
			if _, ok := toDense(); !ok {
				return
			}
			c.AddInt(1)
			return
		}
		c.AddInt(0)
	default:
		c.AddError("ERR Unknown PFDEBUG subcommand '" + sanitizeErrArg(sub) + "'")
	}
}

// sanitizeErrArg is an argument quoted in an error reply, with line breaks
// turned into spaces as Valkey's addReplyErrorFormat does.
func sanitizeErrArg(b []byte) string {
	return strings.Map(func(r rune) rune {
		if r == '\r' || r == '\n' {
			return ' '
		}
		return r
	}, string(b))
}

// cmdPfselftest is PFSELFTEST: the register accessors keep every value
// and leave their neighbours alone, and the estimates of a dense and a
// sparse HyperLogLog fed the same elements agree and stay within a few
// standard errors up to ten million elements.
func cmdPfselftest(c *Client) {
	if msg := hllSelfTest(c.srv.Cfg.HllSparseMaxBytes); msg != "" {
		c.AddError(msg)
		return
	}
	c.AddOK()
}

func hllSelfTest(sparseMaxBytes int) string {
	const cycles = 1000
	regs := make([]byte, simd.HLLDenseBytes)
	var want [hllRegisters]uint8
	rng := rand.New(rand.NewPCG(rand.Uint64(), rand.Uint64()))
	for range cycles {
		for i := range want {
			r := uint8(rng.Uint32() & 63)
			want[i] = r
			denseSet(regs, i, r)
		}
		for i, w := range want {
			if got := denseGet(regs, i); got != w {
				return "TESTFAILED Register " + strconv.Itoa(i) + " should be " + strconv.Itoa(int(w)) +
					" but is " + strconv.Itoa(int(got))
			}
		}
	}

	dense := make([]byte, hllDenseSize)
	copy(dense, "HYLL")
	sparse := newHLL()
	relErr := 1.04 / 128 // 1.04/sqrt(registers)
	checkpoint := uint64(1)
	seed := rng.Uint64()
	var ele [8]byte
	for j := uint64(1); j <= 10_000_000; j++ {
		putLE64(ele[:], j^seed)
		idx, cnt := hllPatLen(ele[:])
		denseAdd(dense[hllHdrSize:], idx, cnt)
		sparse, _ = hllAdd(sparse, ele[:], sparseMaxBytes)
		if j != checkpoint {
			continue
		}
		if j < uint64(sparseMaxBytes)/2 && sparse[4] != hllEncSparse {
			return "TESTFAILED sparse encoding not used"
		}
		dc, _ := hllCount(dense)
		sc, _ := hllCount(sparse)
		if dc != sc {
			return "TESTFAILED dense/sparse disagree"
		}
		abs := int64(checkpoint) - int64(dc)
		maxErr := uint64(math.Ceil(relErr * 6 * float64(checkpoint)))
		if j == 10 {
			maxErr = 1
		}
		if abs < 0 {
			abs = -abs
		}
		if abs > int64(maxErr) {
			return "TESTFAILED Too big error. card:" + strconv.FormatUint(checkpoint, 10) +
				" abserr:" + strconv.FormatInt(abs, 10)
		}
		checkpoint *= 10
	}
	return ""
}
