package stream

import (
	"math/rand/v2"
	"slices"
	"strconv"
	"testing"
)

type modelEntry struct {
	id ID
	fv []string
}

// TestStreamAgainstModel runs random appends, deletions, trims and range
// reads on a stream with small nodes and on a sorted slice, which must
// agree; every node must stay a valid stream listpack.
func TestStreamAgainstModel(t *testing.T) {
	for seed := uint64(1); seed <= 20; seed++ {
		r := rand.New(rand.NewPCG(seed, 0))
		cfg := Config{NodeMaxBytes: int64(r.IntN(300)), NodeMaxEntries: int64(r.IntN(8))}
		s := New()
		var m []modelEntry
		next := ID{1, 0}
		for op := 0; op < 600; op++ {
			switch k := r.IntN(10); {
			case k < 6:
				n := 1 + r.IntN(3)
				var fv [][]byte
				var fs []string
				for i := 0; i < n; i++ {
					f := "f" + strconv.Itoa(r.IntN(2)+i*2)
					v := strconv.Itoa(r.IntN(1000) - 500)
					if r.IntN(3) == 0 {
						v = "val" + v
					}
					fv = append(fv, []byte(f), []byte(v))
					fs = append(fs, f, v)
				}
				next.Seq += uint64(r.IntN(3))
				if r.IntN(4) == 0 {
					next.Ms += uint64(r.IntN(1000))
				}
				id, err := s.Append(cfg, fv, next, true)
				if err != AppendOK || id != next {
					t.Fatalf("seed %d: append %v: %v %v", seed, next, id, err)
				}
				m = append(m, modelEntry{id, fs})
				next.Incr()
			case k < 8 && len(m) > 0:
				i := r.IntN(len(m))
				if !s.Delete(m[i].id) {
					t.Fatalf("seed %d: delete %v failed", seed, m[i].id)
				}
				// XDEL keeps the first ID, as Valkey's xdelCommand.
				if s.Length == 0 {
					s.FirstID = ID{}
				} else if m[i].id == s.FirstID {
					s.FirstID = s.EdgeID(true, true)
				}
				m = slices.Delete(m, i, i+1)
			case k == 8:
				maxlen := int64(r.IntN(len(m) + 1))
				got := s.Trim(TrimArgs{Strategy: TrimMaxLen, MaxLen: maxlen})
				want := max(0, int64(len(m))-maxlen)
				if got != want {
					t.Fatalf("seed %d: trim maxlen %d removed %d, want %d", seed, maxlen, got, want)
				}
				m = m[want:]
			default:
				if len(m) == 0 {
					continue
				}
				min := m[r.IntN(len(m))].id
				got := s.Trim(TrimArgs{Strategy: TrimMinID, MinID: min})
				i := slices.IndexFunc(m, func(e modelEntry) bool { return e.id.Cmp(min) >= 0 })
				if got != int64(i) {
					t.Fatalf("seed %d: trim minid %v removed %d, want %d", seed, min, got, i)
				}
				m = m[i:]
			}
			if s.Length != uint64(len(m)) {
				t.Fatalf("seed %d op %d: length %d, model %d", seed, op, s.Length, len(m))
			}
			for _, n := range s.Nodes {
				if !ValidateListpack(n.LP) {
					t.Fatalf("seed %d op %d: node %v invalid", seed, op, n.Master)
				}
			}
			if len(m) > 0 && s.FirstID != m[0].id {
				t.Fatalf("seed %d op %d: first %v, model %v", seed, op, s.FirstID, m[0].id)
			}
			// A random range, both ways.
			var lo, hi ID
			if len(m) > 0 {
				lo, hi = m[r.IntN(len(m))].id, m[r.IntN(len(m))].id
				lo.Seq -= min(lo.Seq, uint64(r.IntN(2)))
				hi.Seq += uint64(r.IntN(2))
			} else {
				hi = MaxID
			}
			var want []modelEntry
			for _, e := range m {
				if e.id.Cmp(lo) >= 0 && e.id.Cmp(hi) <= 0 {
					want = append(want, e)
				}
			}
			for _, rev := range []bool{false, true} {
				var it Iterator
				it.Start(s, &lo, &hi, rev)
				var got []modelEntry
				for {
					id, nf, ok := it.Next()
					if !ok {
						break
					}
					e := modelEntry{id: id}
					// Read the fields only sometimes: the iterator must
					// find the next entry either way.
					if r.IntN(4) != 0 {
						for ; nf > 0; nf-- {
							f, v := it.Field()
							e.fv = append(e.fv, string(f), string(v))
						}
					} else {
						e.fv = nil
					}
					got = append(got, e)
				}
				w := slices.Clone(want)
				if rev {
					slices.Reverse(w)
				}
				if len(got) != len(w) {
					t.Fatalf("seed %d op %d rev %v: range %v..%v gave %d entries, want %d", seed, op, rev, lo, hi, len(got), len(w))
				}
				for i := range got {
					if got[i].id != w[i].id || got[i].fv != nil && !slices.Equal(got[i].fv, w[i].fv) {
						t.Fatalf("seed %d op %d rev %v: entry %d is %v, want %v", seed, op, rev, i, got[i], w[i])
					}
				}
			}
		}
	}
}

func TestRaxNodesCount(t *testing.T) {
	s := New()
	if s.RaxNodes() != 1 {
		t.Fatalf("empty: %d", s.RaxNodes())
	}
	s.Nodes = []Node{{Master: ID{1, 0}}}
	if s.RaxNodes() != 2 {
		t.Fatalf("one key: %d", s.RaxNodes())
	}
}
