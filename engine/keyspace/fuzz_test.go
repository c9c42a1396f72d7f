package keyspace

import (
	"bytes"
	"fmt"
	"hash/maphash"
	"testing"
)

type oracleVal struct {
	kind   uint8
	val    string
	obj    any
	expire int64
}

type fuzzObj struct{ id int }

// fuzzKey maps a byte to one of a small set of keys, so operations collide.
func fuzzKey(b byte) []byte {
	switch b % 16 {
	case 0:
		return nil
	case 1:
		return []byte{0}
	case 2:
		return []byte{0, 0xff, '\n'}
	case 15:
		return bytes.Repeat([]byte{'L', b}, 150) // two-byte key length
	}
	return fmt.Appendf(nil, "k%d", b)
}

// fuzzVal returns a value of one of the interesting lengths.
func fuzzVal(b byte, salt int) []byte {
	lengths := [...]int{0, 1, 3, 8, 100, 119, 255, 256, 300, 1000, 4000, 40_000, 70_000, 2, 5, 16}
	n := lengths[b%16]
	v := make([]byte, n)
	for i := range v {
		v[i] = byte(salt + i)
	}
	return v
}

// FuzzTable drives two tables sharing an Arena with a random sequence of
// operations and checks them against a Go map after each one.
func FuzzTable(f *testing.F) {
	f.Add([]byte{0, 0, 1, 4, 0, 2, 5, 1, 1, 6, 0, 0})
	f.Add(bytes.Repeat([]byte{0, 7, 3}, 200))
	f.Add(bytes.Repeat([]byte{0, 1, 9, 0, 33, 4, 2, 1, 0, 5, 200, 1, 6}, 50))
	f.Add(bytes.Repeat([]byte{1, 0, 0, 1, 12, 7, 1, 9, 1}, 80))
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) == 0 {
			return
		}
		a := newArena(data[0]&1 == 1)
		data = data[1:]
		var tabs [2]*Table
		var oracles [2]map[string]oracleVal
		for i := range tabs {
			tabs[i] = NewIn(a, maphash.MakeSeed())
			oracles[i] = map[string]oracleVal{}
		}
		var detached []*Detached
		objID := 0
		next := func() byte {
			if len(data) == 0 {
				return 0
			}
			b := data[0]
			data = data[1:]
			return b
		}
		for step := 0; len(data) > 0; step++ {
			op := next()
			which := int(op>>7) & 1
			tb, orc := tabs[which], oracles[which]
			k := fuzzKey(next())
			switch op % 16 {
			case 0, 1: // Set
				vb := next()
				v := Value{Kind: vb, Bytes: fuzzVal(vb, step)}
				if vb%5 == 0 {
					objID++
					v.Obj = &fuzzObj{objID}
				}
				if vb%3 == 0 {
					v.Expire = int64(step + 1)
				}
				_, had := orc[string(k)]
				e, replaced := tb.Set(k, v)
				if replaced != had || !bytes.Equal(e.Key(), k) || !bytes.Equal(e.Value(), v.Bytes) {
					t.Fatalf("step %d: Set %q: replaced=%v had=%v", step, k, replaced, had)
				}
				orc[string(k)] = oracleVal{v.Kind, string(v.Bytes), v.Obj, v.Expire}
			case 2: // Get
				check(t, step, tb, orc, k)
			case 3: // Delete
				_, had := orc[string(k)]
				if tb.Delete(k) != had {
					t.Fatalf("step %d: Delete %q: want %v", step, k, had)
				}
				delete(orc, string(k))
			case 4: // SetExpire
				at := int64(next())
				o, had := orc[string(k)]
				if tb.SetExpire(k, at) != had {
					t.Fatalf("step %d: SetExpire %q", step, k)
				}
				if had {
					o.expire = at
					orc[string(k)] = o
				}
			case 5:
				tb.RehashStep(int(next()))
			case 6:
				tb.Expand(int(next()) * 7)
			case 7: // full scan, with resizes between calls
				seen := map[string]bool{}
				c := uint64(0)
				for {
					c = tb.Scan(c, func(e Entry) { seen[string(e.Key())] = true })
					if c == 0 {
						break
					}
					if next()%4 == 0 {
						tb.RehashStep(1)
					}
				}
				for key := range orc {
					if !seen[key] {
						t.Fatalf("step %d: scan missed %q", step, key)
					}
				}
			case 8: // iterate, deleting some
				pick := next()
				it := tb.Iter()
				for it.Next() {
					e := it.Entry()
					key := string(e.Key())
					if _, ok := orc[key]; !ok {
						t.Fatalf("step %d: iterator returned unknown %q", step, key)
					}
					if (len(key)+int(pick))%3 == 0 {
						it.Delete()
						delete(orc, key)
					}
				}
			case 9: // Random and Sample
				e, ok := tb.Random()
				if ok != (len(orc) > 0) {
					t.Fatalf("step %d: Random ok=%v with %d keys", step, ok, len(orc))
				}
				if ok {
					if _, in := orc[string(e.Key())]; !in {
						t.Fatalf("step %d: Random returned unknown %q", step, e.Key())
					}
				}
				dst := make([]Entry, int(next()%8))
				n := tb.Sample(dst)
				if n != min(len(dst), len(orc)) {
					t.Fatalf("step %d: Sample = %d", step, n)
				}
				for _, e := range dst[:n] {
					if _, in := orc[string(e.Key())]; !in {
						t.Fatalf("step %d: Sample returned unknown %q", step, e.Key())
					}
				}
			case 10: // Clear, freeing later
				if next()%4 == 0 {
					detached = append(detached, tb.Clear())
					clear(orc)
				}
			case 11: // in-place write
				if e, ok := tb.GetForWrite(k); ok && len(e.Value()) > 0 {
					e.Value()[0] ^= 0xff
					o := orc[string(k)]
					b := []byte(o.val)
					b[0] ^= 0xff
					o.val = string(b)
					orc[string(k)] = o
				}
			case 12: // scan whose callback deletes
				tb.Scan(uint64(next()), func(e Entry) {
					key := string(e.Key())
					if len(key)%2 == 0 {
						tb.Delete(e.Key())
						delete(orc, key)
					}
				})
			case 13: // replace from the entry itself (aliasing)
				if e, ok := tb.Get(k); ok {
					v := e.Value()
					if len(v) > 0 {
						v = v[1:]
					}
					o := orc[string(k)]
					tb.Set(e.Key(), Value{Kind: o.kind, Bytes: v, Obj: o.obj, Expire: o.expire})
					o.val = string(v)
					orc[string(k)] = o
				}
			case 14:
				for _, d := range detached {
					d.Free(int(next()))
				}
			case 15:
				tb.ResizeIfNeeded()
			}
			if tb.Len() != len(orc) {
				t.Fatalf("step %d (op %d): Len = %d, oracle %d", step, op%16, tb.Len(), len(orc))
			}
		}
		objs := 0
		for i, tb := range tabs {
			checkInvariants(t, tb)
			for k := range oracles[i] {
				check(t, -1, tb, oracles[i], []byte(k))
				if oracles[i][k].obj != nil {
					objs++
				}
			}
		}
		for _, d := range detached {
			for !d.Free(100) {
			}
		}
		if got := a.Stats().Objects; got != objs {
			t.Fatalf("arena holds %d objects, oracle %d", got, objs)
		}
	})
}

func check(t *testing.T, step int, tb *Table, orc map[string]oracleVal, k []byte) {
	t.Helper()
	o, had := orc[string(k)]
	e, ok := tb.Get(k)
	if ok != had {
		t.Fatalf("step %d: Get %q: ok=%v want %v", step, k, ok, had)
	}
	if !ok {
		return
	}
	if !bytes.Equal(e.Key(), k) || string(e.Value()) != o.val || e.Kind() != o.kind || e.Obj() != o.obj || e.Expire() != o.expire {
		t.Fatalf("step %d: Get %q: kind %d val %d bytes obj %v exp %d; want kind %d val %d bytes obj %v exp %d",
			step, k, e.Kind(), len(e.Value()), e.Obj(), e.Expire(), o.kind, len(o.val), o.obj, o.expire)
	}
}
