package engine

import (
	"crypto/sha1"
	"encoding/binary"
	"encoding/hex"
	"math"

	"github.com/volleydb/volley/engine/keyspace"
	"github.com/volleydb/volley/engine/resp"
)

// DEBUG DIGEST and DEBUG DIGEST-VALUE: a 20-byte signature of the dataset
// or of single values, computed as Valkey computes it, so that tests can
// compare two values (COPY, RESTORE) or a dataset before and after an
// operation, and so that the same data gives the same digest in Volley
// and in Valkey.
//
// Two ways of adding data to a digest: xorDigest folds SHA1(data) in with
// xor, so the order of unordered elements (set members, hash fields, the
// keys of a database) does not matter; mixDigest also hashes the result,
// so the order of ordered ones (list elements, the parts of one element)
// does.

type digest [sha1.Size]byte

func (d *digest) xor(data []byte) {
	h := sha1.Sum(data)
	for i := range d {
		d[i] ^= h[i]
	}
}

func (d *digest) mix(data []byte) {
	d.xor(data)
	*d = sha1.Sum(d[:])
}

func (d *digest) hex() string { return hex.EncodeToString(d[:]) }

// Valkey's object type numbers, which go into the digest.
var digestTypeCode = map[uint8]uint32{
	TypeString: 0, TypeList: 1, TypeSet: 2, TypeZSet: 3, TypeHash: 4, TypeStream: 6,
}

// digestValue mixes the value of e into d, as Valkey's xorObjectDigest.
func digestValue(d *digest, e keyspace.Entry) {
	var aux [4]byte
	typ := typeOf(e)
	binary.BigEndian.PutUint32(aux[:], digestTypeCode[typ])
	d.mix(aux[:])
	var nb [20]byte
	var buf []byte
	switch typ {
	case TypeString:
		d.mix(e.Value())
	case TypeList:
		l := listRefOf(e)
		for pos := l.first(); pos.valid(); pos = l.next(pos) {
			s, v, isInt := l.get(pos)
			d.mix(memberText(s, v, isInt, &nb))
		}
	case TypeSet:
		sv := setOf(e)
		it := sv.iter()
		for {
			s, v, isInt, ok := it.next()
			if !ok {
				break
			}
			d.xor(memberText(s, v, isInt, &nb))
		}
	case TypeZSet:
		zs := zsetOf(e)
		zs.eachReverse(func(ele []byte, score float64) {
			var el digest
			el.mix(ele)
			buf = resp.AppendDtoa(buf[:0], score)
			el.mix(buf)
			d.xor(el[:])
		})
	case TypeHash:
		field := func(f, v hashElem) bool {
			// text returns the stored bytes themselves unless the element
			// is an integer: never keep its result as a scratch buffer.
			var el digest
			el.mix(f.text(nb[:0]))
			el.mix(v.text(nb[:0]))
			d.xor(el[:])
			return true
		}
		// Every stored field counts, expired or not, as Valkey's.
		if h := hashRefOf(e); h.ht != nil {
			h.ht.each(math.MinInt64, func(f *hashField) bool { return field(fieldElem(f), valueElem(f)) })
		} else {
			lpHashEach(h.lp, field)
		}
	case TypeStream:
		digestStream(d, streamOf(e))
	}
	if e.Expire() != 0 {
		d.xor([]byte("!!expire!!"))
	}
}

// datasetDigest is DEBUG DIGEST's signature of every database: per
// non-empty database its number mixed in, then each key's digest (of its
// name and value) folded in with xor. An empty dataset gives zeros.
func (s *Server) datasetDigest() digest {
	var final digest
	for _, db := range s.dbs {
		if db.Len() == 0 {
			continue
		}
		var aux [4]byte
		binary.BigEndian.PutUint32(aux[:], uint32(db.ID))
		final.mix(aux[:])
		it := db.Keys().Iter()
		for it.Next() {
			e := it.Entry()
			var kd digest
			kd.mix(e.Key())
			digestValue(&kd, e)
			final.xor(kd[:])
		}
	}
	return final
}

// DEBUG DIGEST
func debugDigest(c *Client) {
	d := c.srv.datasetDigest()
	c.AddSimple(d.hex())
}

// DEBUG DIGEST-VALUE key...: one digest per key, zeros for a missing one;
// a logically expired key not yet reclaimed still counts.
func debugDigestValue(c *Client) {
	db := c.db()
	c.AddArrayLen(len(c.Argv) - 2)
	for _, key := range c.Argv[2:] {
		var d digest
		if e, ok := db.Keys().Get(key); ok {
			digestValue(&d, e)
		}
		c.AddSimple(d.hex())
	}
}
