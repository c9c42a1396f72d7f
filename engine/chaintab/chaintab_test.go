package chaintab

import (
	"math/rand/v2"
	"testing"
)

// entry is a test entry: a key filed by a hash the test chooses, so that
// chains of any length can be built.
type entry struct {
	key  int
	h    uint64
	next *entry
}

func (e *entry) Link() **entry { return &e.next }
func (e *entry) Hash() uint64  { return e.h }

// set is a minimal owner, as hashObj and zsetObj use a Table: grow when
// full, shrink under an eighth, one Step per change.
type set struct {
	t Table[entry, *entry]
	n int
}

func (s *set) find(key int, h uint64) (**entry, *entry) {
	if s.t.Buckets() == 0 {
		return nil, nil
	}
	p := s.t.Slot(h)
	for e := *p; e != nil; p, e = &e.next, e.next {
		if e.key == key {
			return p, e
		}
	}
	return nil, nil
}

func (s *set) add(key int, h uint64) {
	if s.n >= s.t.Buckets() {
		s.t.Resize(Size(s.n+1), s.n == 0)
	}
	s.t.Step()
	slot := s.t.Slot(h)
	*slot = &entry{key: key, h: h, next: *slot}
	s.n++
}

func (s *set) remove(key int, h uint64) bool {
	p, e := s.find(key, h)
	if e == nil {
		return false
	}
	*p, e.next = e.next, nil
	s.n--
	if b := s.t.Buckets(); b > 4 && s.n*8 < b {
		s.t.Resize(Size(s.n), s.n == 0)
	}
	s.t.Step()
	return true
}

func mix(k int) uint64 { return uint64(k) * 0x9e3779b97f4a7c15 }

// check compares s with the oracle: every key is found through Slot, and
// Each visits each exactly once.
func check(t *testing.T, s *set, oracle map[int]bool, hash func(int) uint64) {
	t.Helper()
	for k := range oracle {
		if _, e := s.find(k, hash(k)); e == nil {
			t.Fatalf("key %d not found (buckets %d, resizing %v)", k, s.t.Buckets(), s.t.Resizing())
		}
	}
	seen := map[int]int{}
	s.t.Each(func(e *entry) bool { seen[e.key]++; return true })
	if len(seen) != len(oracle) {
		t.Fatalf("Each visits %d keys, want %d", len(seen), len(oracle))
	}
	for k, c := range seen {
		if c != 1 || !oracle[k] {
			t.Fatalf("Each visits key %d %d times (in oracle: %v)", k, c, oracle[k])
		}
	}
}

func TestTableAgainstOracle(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	s := &set{}
	oracle := map[int]bool{}
	resizes := 0
	for i := range 200000 {
		// Grow to a few thousand, then drain, twice: both directions of
		// resize, each checked while under way.
		grow := (i/50000)%2 == 0
		k := r.IntN(5000)
		if grow == (r.IntN(4) != 0) {
			if !oracle[k] {
				s.add(k, mix(k))
				oracle[k] = true
			}
		} else if s.remove(k, mix(k)) != oracle[k] {
			t.Fatalf("remove %d disagrees with the oracle", k)
		} else {
			delete(oracle, k)
		}
		if s.t.Resizing() {
			resizes++
			if resizes%97 == 0 {
				check(t, s, oracle, mix)
			}
		}
	}
	check(t, s, oracle, mix)
	if resizes == 0 {
		t.Fatal("no change happened under a resize")
	}
}

// A resize is spread over the changes after it: the change that starts
// one moves no more than stepMoves chains.
func TestResizeIsIncremental(t *testing.T) {
	s := &set{}
	for k := range 1 << 12 {
		s.add(k, mix(k))
	}
	if s.t.Resizing() {
		t.Fatal("the previous resize has not ended by the time the table is full")
	}
	s.add(-1, mix(-1)) // 4097 entries in 4096 buckets: grow
	if !s.t.Resizing() || s.t.Buckets() != 1<<13 {
		t.Fatalf("after growth: resizing %v, %d buckets", s.t.Resizing(), s.t.Buckets())
	}
	inNew := 0
	for _, e := range s.t.tab {
		for ; e != nil; e = e.next {
			inNew++
		}
	}
	if inNew > 1+8*stepMoves { // the new entry, and the chains moved by one step
		t.Fatalf("the growing add moved %d entries at once", inNew-1)
	}
	// Doubling again is due after 4096 more adds; the resize ends first.
	for k := range 1 << 12 {
		s.add(1<<20+k, mix(1<<20+k))
		if !s.t.Resizing() {
			if k > 1<<12/stepMoves {
				t.Fatalf("the resize ended only after %d adds", k)
			}
			return
		}
	}
	t.Fatal("the resize never ended")
}

// A scan returns every entry present for its whole length, with resizes
// in both directions starting and stepping between its calls.
func TestScanAcrossResizes(t *testing.T) {
	for _, dir := range []string{"grow", "shrink"} {
		t.Run(dir, func(t *testing.T) {
			s := &set{}
			const stay = 600
			for k := range stay {
				s.add(k, mix(k))
			}
			extra := 0
			if dir == "shrink" {
				for k := range 6000 {
					s.add(stay+k, mix(stay+k))
				}
				s.t.Finish()
				extra = 6000
			}
			seen := map[int]bool{}
			cursor, calls := uint64(0), 0
			for {
				cursor = s.t.Scan(cursor, func(e *entry) { seen[e.key] = true })
				calls++
				// Between calls, churn entries other than the staying ones.
				for j := range 40 {
					if dir == "grow" && calls <= 100 { // to 4600: three doublings
						k := stay + calls*40 + j
						s.add(k, mix(k))
					} else if extra > 0 {
						extra--
						s.remove(stay+extra, mix(stay+extra))
					}
				}
				if cursor == 0 {
					break
				}
				if calls > 1<<16 {
					t.Fatal("the scan does not end")
				}
			}
			for k := range stay {
				if !seen[k] {
					t.Fatalf("scan missed key %d (%d calls)", k, calls)
				}
			}
		})
	}
}

// Random picks every entry about equally often, also in the middle of a
// resize, when entries are spread over two arrays of different sizes.
func TestRandomIsUniformDuringResize(t *testing.T) {
	s := &set{}
	const n = 1025
	for k := range n {
		s.add(k, mix(k))
	}
	if !s.t.Resizing() {
		t.Fatal("expected a resize under way after the 1025th add")
	}
	r := rand.New(rand.NewPCG(3, 4))
	counts := make([]int, n)
	const draws = 400 * n
	for range draws {
		counts[s.t.Random(r).key]++
	}
	// Chi-squared with n-1 degrees of freedom: mean n-1, sd sqrt(2(n-1))
	// ≈ 45. A skew toward one array would put it in the thousands.
	var chi2 float64
	for _, c := range counts {
		d := float64(c) - draws/n
		chi2 += d * d / (draws / n)
	}
	if chi2 > n+300 {
		t.Fatalf("chi-squared %.0f over %d entries: not uniform", chi2, n)
	}
}

// Long chains (one hash for all) stay reachable through resizes.
func TestOneChain(t *testing.T) {
	s := &set{}
	oracle := map[int]bool{}
	same := func(int) uint64 { return 42 }
	for k := range 100 {
		s.add(k, 42)
		oracle[k] = true
	}
	check(t, s, oracle, same)
	for k := range 95 {
		if !s.remove(k, 42) {
			t.Fatalf("remove %d", k)
		}
		delete(oracle, k)
	}
	check(t, s, oracle, same)
	if got := s.t.Random(rand.New(rand.NewPCG(1, 1))).key; !oracle[got] {
		t.Fatalf("Random returned removed key %d", got)
	}
}

func BenchmarkAddGrowing(b *testing.B) {
	keys := make([]uint64, 1<<20)
	for i := range keys {
		keys[i] = mix(i)
	}
	b.ReportAllocs()
	for b.Loop() {
		s := &set{}
		for i, h := range keys {
			s.add(i, h)
		}
	}
}
