package strset

import (
	"math/rand/v2"
	"sort"
	"strconv"
	"testing"
	"unsafe"
)

// check compares s with the model: members, Len, Has, and the chain
// structure (every node reachable exactly once from its own bucket).
func check(t *testing.T, s *Set, model map[string]bool) {
	t.Helper()
	if s.Len() != len(model) {
		t.Fatalf("Len %d, want %d", s.Len(), len(model))
	}
	seen := map[string]bool{}
	for i := 0; i < s.Len(); i++ {
		m := string(s.At(i))
		if !model[m] || seen[m] {
			t.Fatalf("At(%d) = %q: not in model or repeated", i, m)
		}
		seen[m] = true
	}
	reached := 0
	for ti, table := range [][]uint32{s.heads, s.old} {
		for b, h := range table {
			if h != 0 && ti == 1 && b < s.moved {
				t.Fatalf("old bucket %d holds a chain, but buckets below %d have moved", b, s.moved)
			}
			for i := h; i != 0; i = s.node(i - 1).next {
				reached++
				if got := int(hash(s.At(int(i-1))) & uint64(len(table)-1)); got != b {
					t.Fatalf("node %d in bucket %d, hashes to %d", i-1, b, got)
				}
			}
		}
	}
	if reached != s.Len() {
		t.Fatalf("%d nodes reachable, want %d", reached, s.Len())
	}
	checkStorage(t, s)
	for m := range model {
		if !s.Has([]byte(m)) {
			t.Fatalf("Has(%q) false", m)
		}
	}
}

func TestSetAgainstModel(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	s := New(0)
	model := map[string]bool{}
	for step := 0; step < 20000; step++ {
		m := strconv.Itoa(r.IntN(3000))
		if r.IntN(10) < 3 {
			m += "-long-member-padding-" + m
		}
		switch r.IntN(5) {
		case 0, 1, 2:
			if got, want := s.Add([]byte(m)), !model[m]; got != want {
				t.Fatalf("Add(%q) = %v, want %v", m, got, want)
			}
			model[m] = true
		case 3:
			if got, want := s.Remove([]byte(m)), model[m]; got != want {
				t.Fatalf("Remove(%q) = %v, want %v", m, got, want)
			}
			delete(model, m)
		case 4:
			if s.Len() > 0 {
				i := r.IntN(s.Len())
				delete(model, string(s.At(i)))
				s.RemoveAt(i)
			}
		}
		if step%997 == 0 {
			check(t, s, model)
		}
	}
	check(t, s, model)
	c := s.Clone().(*Set)
	check(t, c, model)
	for m := range model {
		s.Remove([]byte(m))
	}
	check(t, s, map[string]bool{})
	check(t, c, model)
	// An emptied set keeps its open chunk, emptied, and nothing else.
	if len(s.data) > 1 || s.held != 0 || s.dataCap > chunkSize || len(s.heads) != minBuckets || len(s.nodes) != 1 {
		t.Fatalf("emptied set keeps %d data chunks of %d bytes (%d used), %d buckets, %d node chunks",
			len(s.data), s.dataCap, s.held, len(s.heads), len(s.nodes))
	}
}

// A member present for the whole scan is returned at least once, even
// when the table grows or shrinks between calls.
func TestScanAcrossResizes(t *testing.T) {
	s := New(0)
	for i := 0; i < 500; i++ {
		s.Add([]byte("keep" + strconv.Itoa(i)))
	}
	seen := map[string]bool{}
	cursor, calls := uint64(0), 0
	for {
		cursor = s.Scan(cursor, func(m []byte) { seen[string(m)] = true })
		calls++
		switch calls {
		case 20: // grow
			for i := 0; i < 3000; i++ {
				s.Add([]byte("tmp" + strconv.Itoa(i)))
			}
		case 200: // shrink back
			for i := 0; i < 3000; i++ {
				s.Remove([]byte("tmp" + strconv.Itoa(i)))
			}
		}
		if cursor == 0 {
			break
		}
	}
	for i := 0; i < 500; i++ {
		if !seen["keep"+strconv.Itoa(i)] {
			t.Fatalf("keep%d never returned", i)
		}
	}
}

func TestScanVisitsEveryBucketOnce(t *testing.T) {
	s := New(0)
	var want []string
	for i := 0; i < 1000; i++ {
		m := strconv.Itoa(i)
		s.Add([]byte(m))
		want = append(want, m)
	}
	var got []string
	cursor := uint64(0)
	for {
		cursor = s.Scan(cursor, func(m []byte) { got = append(got, string(m)) })
		if cursor == 0 {
			break
		}
	}
	sort.Strings(got)
	sort.Strings(want)
	if len(got) != len(want) {
		t.Fatalf("scan returned %d members, want %d (no resize, so no repeats)", len(got), len(want))
	}
	for i := range got {
		if got[i] != want[i] {
			t.Fatalf("scan member %d = %q, want %q", i, got[i], want[i])
		}
	}
}

func TestEmptyMemberAndExpand(t *testing.T) {
	s := New(200)
	if len(s.heads) != 256 {
		t.Fatalf("New(200) made %d buckets, want 256", len(s.heads))
	}
	if !s.Add(nil) || s.Add([]byte{}) || !s.Has(nil) || s.Len() != 1 {
		t.Fatal("the empty string is one member")
	}
	s.Expand(5000)
	if len(s.heads) != 8192 || !s.Has(nil) {
		t.Fatalf("Expand(5000): %d buckets", len(s.heads))
	}
}

func FuzzSet(f *testing.F) {
	f.Add([]byte("a\x00b\x01a\x02\x00"))
	f.Fuzz(func(t *testing.T, ops []byte) {
		s := New(0)
		model := map[string]bool{}
		for i := 0; i+1 < len(ops); i += 2 {
			m := []byte{ops[i+1] & 0x3f}
			switch ops[i] % 3 {
			case 0:
				if s.Add(m) == model[string(m)] {
					t.Fatal("Add disagrees")
				}
				model[string(m)] = true
			case 1:
				if s.Remove(m) != model[string(m)] {
					t.Fatal("Remove disagrees")
				}
				delete(model, string(m))
			case 2:
				if s.Len() > 0 {
					j := int(ops[i+1]) % s.Len()
					delete(model, string(s.At(j)))
					s.RemoveAt(j)
				}
			}
		}
		check(t, s, model)
	})
}

// Hint names the loads a lookup makes, in order: the bucket, the bucket's
// first node, that node's bytes.
func TestHintFollowsTheLookup(t *testing.T) {
	s := New(0)
	if s.Hint(s.Hash([]byte("a")), 0) != nil {
		t.Fatal("an empty set has no bucket to hint")
	}
	for i := range 1000 {
		s.Add([]byte("m" + strconv.Itoa(i)))
	}
	for _, m := range []string{"m0", "m517", "m999"} {
		h := s.Hash([]byte(m))
		head := &s.heads[h&uint64(len(s.heads)-1)]
		if s.Hint(h, 0) != unsafe.Pointer(head) {
			t.Fatalf("%s: step 0 is not its bucket", m)
		}
		n := s.node(*head - 1)
		if s.Hint(h, 1) != unsafe.Pointer(n) {
			t.Fatalf("%s: step 1 is not its bucket's first node", m)
		}
		if s.Hint(h, 2) != unsafe.Pointer(&s.data[n.chunk].b[n.off]) {
			t.Fatalf("%s: step 2 is not that node's bytes", m)
		}
		if s.Hint(h, 3) != nil {
			t.Fatalf("%s: a lookup has no fourth load", m)
		}
	}
	// A bucket with no members ends the lookup at step 0.
	for b := range s.heads {
		if s.heads[b] == 0 {
			if s.Hint(uint64(b), 0) == nil || s.Hint(uint64(b), 1) != nil {
				t.Fatalf("empty bucket %d: hints %v, %v", b, s.Hint(uint64(b), 0), s.Hint(uint64(b), 1))
			}
			break
		}
	}
}

// Growing past the table's size starts a resize that moves a few chains
// per change instead of all of them: the Add that starts it moves none,
// each later change at most rehashStep, and lookups, hints, scans and
// clones see every member meanwhile. The resize ends before the next is
// due.
func TestResizeIsIncremental(t *testing.T) {
	s := New(0)
	model := map[string]bool{}
	add := func(m string) {
		t.Helper()
		s.Add([]byte(m))
		model[m] = true
	}
	for i := 0; s.Len() < len(s.heads) || len(s.heads) < 1024; i++ {
		add("m" + strconv.Itoa(i))
	}
	oldLen := len(s.heads)
	add("starts-the-resize")
	if s.old == nil || len(s.heads) != 2*oldLen || s.moved != 0 {
		t.Fatalf("after the growing Add: old %d buckets, heads %d, moved %d", len(s.old), len(s.heads), s.moved)
	}
	check(t, s, model)

	// Mid-resize: everything is found, the hints follow the chains, a
	// clone is whole, and a scan with no changes meets each member once.
	add("mid-1")
	add("mid-2")
	if s.old == nil || s.moved > 2*rehashVisits {
		t.Fatalf("two changes moved up to bucket %d", s.moved)
	}
	check(t, s, model)
	for m := range model {
		h := s.Hash([]byte(m))
		if s.Hint(h, 0) != unsafe.Pointer(s.bucket(h)) {
			t.Fatalf("%s: the hint is not its bucket under the resize", m)
		}
	}
	check(t, s.Clone().(*Set), model)
	seen := scanAll(s)
	if len(seen) != len(model) {
		t.Fatalf("scan under a resize met %d members of %d", len(seen), len(model))
	}
	for m, n := range seen {
		if n != 1 || !model[m] {
			t.Fatalf("scan under a resize met %q %d times", m, n)
		}
	}

	// The resize ends after about as many changes as old buckets / step.
	for i := 0; s.old != nil; i++ {
		if i > oldLen {
			t.Fatalf("the resize still runs after %d more adds", i)
		}
		add("after" + strconv.Itoa(i))
	}
	check(t, s, model)

	// Removals shrink the table the same way.
	for m := range model {
		s.Remove([]byte(m))
		delete(model, m)
		if len(model) == 100 {
			break
		}
	}
	check(t, s, model)
}
