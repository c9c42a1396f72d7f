package strset

import (
	"math/rand/v2"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"unsafe"
)

// checkStorage checks the chunks against the nodes: every member's bytes
// lie inside a live chunk, the chunks' member counts and the byte totals
// match, freed chunks are on the free list, a compaction pass has left no
// member behind it in an older chunk, and MemUsage is the sum of the
// allocations.
func checkStorage(t *testing.T, s *Set) {
	t.Helper()
	if s.n > s.nodeCap() {
		t.Fatalf("%d members in room for %d nodes", s.n, s.nodeCap())
	}
	if k := len(s.nodes); k > 1 && s.n <= (k-1)*nodeChunk-nodeChunk/2 {
		t.Fatalf("%d node chunks kept for %d members", k, s.n)
	}
	for k, ch := range s.nodes {
		if len(s.nodes) > 1 && len(ch) != nodeChunk || len(ch) > nodeChunk {
			t.Fatalf("node chunk %d of %d holds %d nodes", k, len(s.nodes), len(ch))
		}
	}
	counts := make([]uint32, len(s.data))
	big := make([]bool, len(s.data))
	live := 0
	for i := range uint32(s.n) {
		n := s.node(i)
		if int(n.chunk) >= len(s.data) || s.data[n.chunk].b == nil {
			t.Fatalf("node %d in chunk %d, which is free", i, n.chunk)
		}
		ch := &s.data[n.chunk]
		counts[n.chunk]++
		if n.ln == bigLen {
			big[n.chunk] = true
			if len(ch.b) <= bigMember || cap(ch.b) != len(ch.b) || ch.n != 1 {
				t.Fatalf("node %d: big chunk of %d bytes (cap %d) with %d members", i, len(ch.b), cap(ch.b), ch.n)
			}
			continue
		}
		if n.ln > bigMember || int(n.off)+int(n.ln) > len(ch.b) || cap(ch.b) > chunkSize {
			t.Fatalf("node %d: %d bytes at %d in a chunk of %d (cap %d)", i, n.ln, n.off, len(ch.b), cap(ch.b))
		}
		live += int(n.ln)
		if int(i) >= s.cur && s.cur > 0 && ch.epoch != s.epoch {
			t.Fatalf("node %d, above the cursor %d, is in a chunk of epoch %d, not %d", i, s.cur, ch.epoch, s.epoch)
		}
	}
	onFree := map[uint32]bool{}
	for _, c := range s.free {
		if onFree[c] || int(c) >= len(s.data) || s.data[c].b != nil {
			t.Fatalf("free list entry %d is repeated or in use", c)
		}
		onFree[c] = true
	}
	held, dataCap := 0, 0
	for c := range s.data {
		ch := &s.data[c]
		if ch.b == nil {
			if !onFree[uint32(c)] {
				t.Fatalf("chunk %d is free but not on the free list", c)
			}
			continue
		}
		if counts[c] != ch.n {
			t.Fatalf("chunk %d counts %d members, holds %d", c, ch.n, counts[c])
		}
		if ch.n == 0 && uint32(c)+1 != s.open {
			t.Fatalf("chunk %d is empty but kept", c)
		}
		dataCap += cap(ch.b)
		if big[c] {
			continue
		}
		held += len(ch.b)
		if s.cur == 0 && ch.epoch != s.epoch {
			t.Fatalf("no pass runs, yet chunk %d is of epoch %d, not %d", c, ch.epoch, s.epoch)
		}
	}
	if s.open != 0 && (s.data[s.open-1].b == nil || s.data[s.open-1].epoch != s.epoch) {
		t.Fatalf("open chunk %d is free or of an older epoch", s.open-1)
	}
	if live != s.live || held != s.held || dataCap != s.dataCap {
		t.Fatalf("live %d held %d cap %d bytes, the set counts %d, %d, %d", live, held, dataCap, s.live, s.held, s.dataCap)
	}
	want := int(unsafe.Sizeof(*s)) + 4*(cap(s.heads)+cap(s.old)) + 24*cap(s.nodes) +
		cap(s.data)*int(unsafe.Sizeof(chunk{})) + 4*cap(s.free) + dataCap + cap(s.spare)
	for _, ch := range s.nodes {
		want += cap(ch) * int(unsafe.Sizeof(node{}))
	}
	if got := s.MemUsage(0); got != int64(want) {
		t.Fatalf("MemUsage %d, the allocations add up to %d", got, want)
	}
}

// scanAll runs a whole scan and counts the times it meets each member.
func scanAll(s *Set) map[string]int {
	seen := map[string]int{}
	for cursor := s.Scan(0, func(m []byte) { seen[string(m)]++ }); cursor != 0; {
		cursor = s.Scan(cursor, func(m []byte) { seen[string(m)]++ })
	}
	return seen
}

// memberOf is member k's text: its length varies with k, from empty (k
// 0) to past bigMember (every 97th), and its bytes are k's own, so that a
// member copied wrong or overwritten does not match the model.
func memberOf(k int) string {
	if k == 0 {
		return ""
	}
	id := strconv.Itoa(k) + ":"
	switch {
	case k%97 == 0:
		return id + strings.Repeat(id, bigMember/len(id)+1)
	case k%13 == 0:
		return id + strings.Repeat(id, 300/len(id))
	}
	return id + strings.Repeat("x", k%23)
}

// Random adds and removes, in waves that grow the set to tens of
// thousands of members and shrink it to a few hundred or none, cross node
// chunks and data chunks both ways and run many compaction passes; the
// set matches the model throughout, and a scan without changes meets
// every member once.
func TestChunksAgainstModel(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	s := New(0)
	model := map[string]bool{}
	maxNodeChunks, maxDataChunks, waves := 0, 0, 0
	steps := 400_000
	if testing.Short() {
		steps = 100_000
	}
	growing, target := true, 30_000
	for step := range steps {
		if growing && s.Len() >= target || !growing && s.Len() <= target {
			growing = !growing
			if target = 8_000 + r.IntN(24_000); !growing {
				target = r.IntN(500)
				waves++
			}
		}
		// Nine changes in ten go the wave's way.
		switch op := r.IntN(20); {
		case growing == (op < 18):
			m := memberOf(r.IntN(60_000))
			if got, want := s.Add([]byte(m)), !model[m]; got != want {
				t.Fatalf("step %d: Add(%q) = %v, want %v", step, m, got, want)
			}
			model[m] = true
		case op%2 == 0 && s.Len() > 0:
			i := r.IntN(s.Len())
			m := string(s.At(i)) // by name, as SREM
			if !s.Remove([]byte(m)) || !model[m] {
				t.Fatalf("step %d: Remove(%q) found nothing", step, m)
			}
			delete(model, m)
		case s.Len() > 0:
			i := r.IntN(s.Len())
			delete(model, string(s.At(i)))
			s.RemoveAt(i)
		}
		maxNodeChunks = max(maxNodeChunks, len(s.nodes))
		maxDataChunks = max(maxDataChunks, len(s.data)-len(s.free))
		if step%4999 == 0 || s.Len() == 0 {
			check(t, s, model)
			seen := scanAll(s)
			if len(seen) != len(model) {
				t.Fatalf("step %d: scan met %d members of %d", step, len(seen), len(model))
			}
			for m, n := range seen {
				if n != 1 || !model[m] {
					t.Fatalf("step %d: scan met %q %d times", step, m, n)
				}
			}
		}
	}
	check(t, s, model)
	if !testing.Short() && (waves < 5 || maxNodeChunks < 5 || maxDataChunks < 50 || s.epoch < 20) {
		t.Fatalf("the test ran %d waves, reached %d node chunks and %d data chunks, and ran %d compaction passes: too few to test them",
			waves, maxNodeChunks, maxDataChunks, s.epoch)
	}
	t.Logf("%d waves, %d node chunks, %d data chunks, %d compaction passes", waves, maxNodeChunks, maxDataChunks, s.epoch)
}

// A pass walks the nodes down, and every change steps it before removing
// a node, so a removal below the cursor fills the hole with the last
// node, one the pass has already copied. When the cursor reaches 0 no
// member is left in an older chunk, and those chunks have been freed.
func TestCompactionPassFillsHoles(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	s := New(0)
	model := map[string]bool{}
	for k := 1; k <= 20_000; k++ {
		m := "member:" + strconv.Itoa(k)
		s.Add([]byte(m))
		model[m] = true
	}
	for s.cur == 0 {
		i := r.IntN(s.Len())
		delete(model, string(s.At(i)))
		s.RemoveAt(i)
	}
	if s.cur != s.Len() {
		t.Fatalf("the pass starts at %d, not at the last node %d", s.cur, s.Len())
	}
	epoch := s.epoch
	// Holes as far below the cursor as can be, then anywhere in the lower
	// half of what it has still to walk.
	for i := 0; i < 5; i++ {
		delete(model, string(s.At(0)))
		s.RemoveAt(0)
	}
	check(t, s, model)
	for steps := 0; s.cur > 0; steps++ {
		if steps > s.Len() {
			t.Fatalf("the pass runs for %d changes", steps)
		}
		i := r.IntN(max(1, s.cur/2))
		delete(model, string(s.At(i)))
		s.RemoveAt(i)
		if steps%500 == 0 {
			check(t, s, model)
		}
	}
	if s.epoch != epoch {
		t.Fatalf("another pass began (%d, then %d) before the first was checked", epoch, s.epoch)
	}
	check(t, s, model) // no pass runs: every chunk is of the new epoch
	if g := s.held - s.live; g > s.live {
		t.Fatalf("after the pass, %d removed bytes beside %d live", g, s.live)
	}
}

// Growth adds chunks and never copies one: once the first node chunk has
// reached its full size and the first data chunk has stopped growing,
// neither member 0's bytes nor its node move again over a million adds,
// nor does any other chunk once it is full.
func TestGrowthCopiesNoChunk(t *testing.T) {
	total := 1 << 20
	if testing.Short() {
		total = 1 << 17
	}
	s := New(0)
	buf := append(make([]byte, 0, 32), "member:"...)
	add := func(k int) {
		if !s.Add(strconv.AppendInt(buf[:7], int64(k), 10)) {
			t.Fatalf("member:%d not added", k)
		}
	}
	k := 0
	for ; s.nodeCap() < nodeChunk || len(s.data) < 2; k++ {
		add(k)
	}
	member0, node0 := unsafe.Pointer(&s.At(0)[0]), unsafe.Pointer(s.node(0))
	nodeBases := map[int]unsafe.Pointer{}
	dataBases := map[int]unsafe.Pointer{}
	for ; k < total; k++ {
		add(k)
		if unsafe.Pointer(&s.At(0)[0]) != member0 || unsafe.Pointer(s.node(0)) != node0 {
			t.Fatalf("add %d moved member 0's bytes or node", k)
		}
		if k%1000 != 0 && k != total-1 {
			continue
		}
		for c, ch := range s.nodes {
			base, seen := nodeBases[c]
			if seen && unsafe.Pointer(&ch[0]) != base {
				t.Fatalf("by add %d, node chunk %d moved", k, c)
			}
			nodeBases[c] = unsafe.Pointer(&ch[0])
		}
		for c, ch := range s.data {
			if c+1 == int(s.open) {
				continue // still filling: a small one may grow
			}
			base, seen := dataBases[c]
			if seen && unsafe.Pointer(unsafe.SliceData(ch.b)) != base {
				t.Fatalf("by add %d, data chunk %d moved", k, c)
			}
			dataBases[c] = unsafe.Pointer(unsafe.SliceData(ch.b))
		}
	}
	if string(s.At(0)) != "member:0" || string(s.At(total-1)) != "member:"+strconv.Itoa(total-1) {
		t.Fatalf("members 0 and %d read %q, %q", total-1, s.At(0), s.At(total-1))
	}
	if len(s.nodes) != total/nodeChunk || len(s.data) < total*8/chunkSize || len(dataBases) < len(s.data)-1 {
		t.Fatalf("%d node chunks and %d data chunks (%d checked) for %d members", len(s.nodes), len(s.data), len(dataBases), total)
	}
	checkStorage(t, s)
}

// Removed members' bytes do not pile up: under steady churn, and while
// nine members in ten are removed in random order, the removed bytes stay
// within a few times the live ones, and the memory held within a little
// of the bytes used.
func TestGarbageStaysBounded(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	s := New(0)
	next := 0
	newMember := func() []byte {
		next++
		return []byte(strconv.Itoa(next) + strings.Repeat("-", r.IntN(50)))
	}
	bounded := func(what string, step int) {
		t.Helper()
		garbage := s.held - s.live
		if garbage > 3*s.live+2*chunkSize || s.dataCap > s.held+s.held/16+2*chunkSize {
			t.Fatalf("%s, step %d: %d live bytes, %d removed, %d allocated", what, step, s.live, garbage, s.dataCap)
		}
	}
	for range 50_000 {
		s.Add(newMember())
	}
	for step := range 500_000 {
		if step%2 == 0 {
			s.RemoveAt(r.IntN(s.Len()))
		} else {
			s.Add(newMember())
		}
		bounded("churn", step)
	}
	if s.epoch < 3 {
		t.Fatalf("churn ran %d compaction passes", s.epoch)
	}
	checkStorage(t, s)

	for s.Len() < 200_000 {
		s.Add(newMember())
	}
	members := make([]string, s.Len())
	for i := range members {
		members[i] = string(s.At(i))
	}
	r.Shuffle(len(members), func(i, j int) { members[i], members[j] = members[j], members[i] })
	for step, m := range members[:len(members)*9/10] {
		if !s.Remove([]byte(m)) {
			t.Fatalf("Remove(%q) found nothing", m)
		}
		bounded("removal", step)
	}
	checkStorage(t, s)
}

// A small set takes small chunks, through its growth and through churn.
func TestSmallSetStaysSmall(t *testing.T) {
	s := New(0)
	for k := range 200 {
		s.Add([]byte("small:" + strconv.Itoa(k)))
	}
	if got := s.MemUsage(0); got > 8<<10 {
		t.Fatalf("200 members of 10 bytes use %d bytes", got)
	}
	for k := 200; k < 20_000; k++ {
		s.RemoveAt(k % s.Len())
		s.Add([]byte("small:" + strconv.Itoa(k)))
	}
	checkStorage(t, s)
	if got := s.MemUsage(0); got > 12<<10 {
		t.Fatalf("after churn, 200 members of 10 bytes use %d bytes", got)
	}
}

// A clone shares no memory with its original, holds no removed bytes,
// and stays as it was however either is changed after, whether the
// original was cloned under a resize, a compaction pass, or neither.
func TestCloneIsIndependent(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 10))
	s := New(0)
	model := map[string]bool{}
	type snapshot struct {
		c     *Set
		model map[string]bool
	}
	var clones []snapshot
	var underResize, underPass bool
	for step := range 120_000 {
		if step < 60_000 || r.IntN(3) == 0 {
			m := memberOf(r.IntN(100_000))
			s.Add([]byte(m))
			model[m] = true
		} else if s.Len() > 0 {
			i := r.IntN(s.Len())
			delete(model, string(s.At(i)))
			s.RemoveAt(i)
		}
		if step%7919 != 0 && !(s.old != nil && !underResize) && !(s.cur > 0 && !underPass) {
			continue
		}
		underResize = underResize || s.old != nil
		underPass = underPass || s.cur > 0
		c := s.Clone().(*Set)
		check(t, c, model)
		if c.held != c.live || c.cur != 0 {
			t.Fatalf("a clone holds %d removed bytes, pass cursor %d", c.held-c.live, c.cur)
		}
		checkDisjoint(t, s, c)
		cm := make(map[string]bool, len(model))
		for m := range model {
			cm[m] = true
		}
		clones = append(clones, snapshot{c, cm})
	}
	if !underResize || !underPass {
		t.Fatalf("no clone was taken under a resize (%v) or under a pass (%v)", underResize, underPass)
	}
	// Empty the original and fill it anew, so that its old chunks are freed
	// and their memory may be reused; then change each clone.
	for s.Len() > 0 {
		s.RemoveAt(0)
	}
	for k := range 30_000 {
		s.Add([]byte(memberOf(100_000 + k)))
	}
	runtime.GC()
	for i, snap := range clones {
		check(t, snap.c, snap.model)
		for k := range 1000 {
			m := memberOf(200_000 + i*1000 + k)
			snap.c.Add([]byte(m))
			snap.model[m] = true
		}
		for m := range snap.model {
			if len(snap.model) < 500 {
				break
			}
			snap.c.Remove([]byte(m))
			delete(snap.model, m)
		}
		check(t, snap.c, snap.model)
	}
}

// checkDisjoint fails if any chunk of a overlaps any chunk of b.
func checkDisjoint(t *testing.T, a, b *Set) {
	t.Helper()
	type span struct{ lo, hi uintptr }
	spans := func(s *Set) []span {
		var out []span
		for _, ch := range s.nodes {
			if cap(ch) > 0 {
				lo := uintptr(unsafe.Pointer(unsafe.SliceData(ch)))
				out = append(out, span{lo, lo + uintptr(cap(ch))*unsafe.Sizeof(node{})})
			}
		}
		for _, ch := range s.data {
			if cap(ch.b) > 0 {
				lo := uintptr(unsafe.Pointer(unsafe.SliceData(ch.b)))
				out = append(out, span{lo, lo + uintptr(cap(ch.b))})
			}
		}
		return out
	}
	bs := spans(b)
	for _, x := range spans(a) {
		for _, y := range bs {
			if x.lo < y.hi && y.lo < x.hi {
				t.Fatal("the clone shares memory with its original")
			}
		}
	}
}

func BenchmarkAdd(b *testing.B) {
	b.ReportAllocs()
	s := New(0)
	buf := append(make([]byte, 0, 32), "member:"...)
	for i := 0; i < b.N; i++ {
		s.Add(strconv.AppendInt(buf[:7], int64(i), 10))
	}
}

// numbered returns a set of the members "member:0" to "member:n-1", and
// the buffer it made them in, which holds "member:" for more.
func numbered(n int) (*Set, []byte) {
	s := New(0)
	buf := append(make([]byte, 0, 32), "member:"...)
	for i := range n {
		s.Add(strconv.AppendInt(buf[:7], int64(i), 10))
	}
	return s, buf
}

func BenchmarkHas(b *testing.B) {
	const n = 1 << 20
	s, buf := numbered(n)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		s.Has(strconv.AppendInt(buf[:7], int64(i*7919%n), 10))
	}
}

// BenchmarkChurn removes a random member and adds a new one, at a steady
// size: the compaction passes' cost.
func BenchmarkChurn(b *testing.B) {
	for _, n := range []int{1000, 100_000} {
		b.Run(strconv.Itoa(n), func(b *testing.B) {
			r := rand.New(rand.NewPCG(1, 1))
			s, buf := numbered(n)
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				s.RemoveAt(r.IntN(n))
				s.Add(strconv.AppendInt(buf[:7], int64(n+i), 10))
			}
		})
	}
}

func BenchmarkIterate(b *testing.B) {
	const n = 1 << 16
	s, _ := numbered(n)
	b.ReportAllocs()
	b.ResetTimer()
	total := 0
	for i := 0; i < b.N; i++ {
		total += len(s.At(i & (n - 1)))
	}
	if total < 0 {
		b.Fatal(total)
	}
}
