package keyspace

import (
	"bytes"
	"fmt"
	"hash/maphash"
	"math/rand/v2"
	"testing"
)

// forEachMode runs f with an mmap-backed and a heap-backed Arena.
func forEachMode(t *testing.T, f func(t *testing.T, newTable func() *Table)) {
	for _, heap := range []bool{false, true} {
		name := "mmap"
		if heap {
			name = "heap"
		}
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			f(t, func() *Table { return NewIn(newArena(heap), maphash.MakeSeed()) })
		})
	}
}

func TestEdgeKeys(t *testing.T) {
	forEachMode(t, func(t *testing.T, newTable func() *Table) {
		tb := newTable()
		keys := [][]byte{
			{},
			{0},
			{0, 0},
			{0xff, 0, 0xfe},
			[]byte("\r\n$3\r\n"),
			bytes.Repeat([]byte{'k'}, 255),
			bytes.Repeat([]byte{'k'}, 256),
			bytes.Repeat([]byte{'x'}, 70000), // 4-byte key length, large record
		}
		for i, k := range keys {
			if _, replaced := tb.Set(k, Value{Kind: uint8(i), Bytes: []byte(fmt.Sprint(i))}); replaced {
				t.Fatalf("key %d: replaced on first set", i)
			}
		}
		if tb.Len() != len(keys) {
			t.Fatalf("Len = %d, want %d", tb.Len(), len(keys))
		}
		for i, k := range keys {
			e, ok := tb.Get(k)
			if !ok || !bytes.Equal(e.Key(), k) || string(e.Value()) != fmt.Sprint(i) || e.Kind() != uint8(i) {
				t.Fatalf("key %d: got ok=%v", i, ok)
			}
			if e.Stable() != (len(k) > maxSmall) {
				t.Fatalf("key %d: Stable = %v", i, e.Stable())
			}
		}
		if _, ok := tb.Get([]byte{0, 0, 0}); ok {
			t.Fatal("found a key never set")
		}
		checkInvariants(t, tb)
		for i, k := range keys {
			if !tb.Delete(k) || tb.Delete(k) {
				t.Fatalf("key %d: delete", i)
			}
		}
		if tb.Len() != 0 {
			t.Fatal("not empty")
		}
		if st := tb.Arena().Stats(); st.LargeBytes != 0 {
			t.Fatalf("large bytes left: %+v", st)
		}
	})
}

func TestValueSizes(t *testing.T) {
	forEachMode(t, func(t *testing.T, newTable func() *Table) {
		tb := newTable()
		k := []byte("k")
		// Walk through every width code and size class, up and down, so
		// replacement both reuses slots in place and moves records.
		sizes := []int{0, 1, 7, 8, 9, 100, 119, 120, 255, 256, 257, 1000, 65535, 65536, 70000, 32 << 10, 32<<10 - 10, 3, 0}
		for round := 0; round < 2; round++ {
			for _, n := range sizes {
				v := bytes.Repeat([]byte{byte(n)}, n)
				first := tb.Len() == 0
				e, replaced := tb.Set(k, Value{Bytes: v, Expire: int64(n)})
				if replaced == first {
					t.Fatalf("size %d: replaced = %v", n, replaced)
				}
				if !bytes.Equal(e.Value(), v) || !bytes.Equal(e.Key(), k) || e.Expire() != int64(n) {
					t.Fatalf("size %d: bad entry", n)
				}
				g, ok := tb.Get(k)
				if !ok || !bytes.Equal(g.Value(), v) || g.Access() != 0 {
					t.Fatalf("size %d: bad get", n)
				}
			}
		}
		if tb.Len() != 1 {
			t.Fatal(tb.Len())
		}
		tb.Delete(k)
		if st := tb.Arena().Stats(); st.LargeBytes != 0 || st.Objects != 0 {
			t.Fatalf("leak: %+v", st)
		}
	})
}

func TestReplaceAliasing(t *testing.T) {
	forEachMode(t, func(t *testing.T, newTable func() *Table) {
		tb := newTable()
		tb.Set([]byte("alias"), Value{Bytes: []byte("0123456789")})
		for i := 0; i < 8; i++ {
			e, _ := tb.Get([]byte("alias"))
			// Key and value both alias the record being replaced, and the
			// new layout moves them (an expiry field appears).
			v := e.Value()
			tb.Set(e.Key(), Value{Bytes: v[1:], Expire: int64(i + 1)})
			e, ok := tb.Get([]byte("alias"))
			want := "0123456789"[i+1:]
			if !ok || string(e.Value()) != want || string(e.Key()) != "alias" {
				t.Fatalf("round %d: got %q %q", i, e.Key(), e.Value())
			}
		}
	})
}

func TestObjectsAndMetadata(t *testing.T) {
	tb := NewTable()
	type list struct{ _ []string } // holds a pointer, as list values do
	l1, l2 := &list{}, &list{}
	e, _ := tb.Set([]byte("l"), Value{Kind: 3, Obj: l1})
	e.SetLRU(0xabcdef)
	e.SetLFU(200)
	if e.LRU() != 0xabcdef || e.LFU() != 200 || e.Access() != 0xc8abcdef {
		t.Fatalf("access word %x", e.Access())
	}
	e.SetLRU(0x1000001) // only 24 bits kept
	if e.LRU() != 1 || e.LFU() != 200 {
		t.Fatalf("access word %x", e.Access())
	}
	if g, _ := tb.Get([]byte("l")); g.Obj().(*list) != l1 || g.Kind() != 3 {
		t.Fatal("object lost")
	}
	if !e.SetObj(l2) {
		t.Fatal("SetObj")
	}
	if g, _ := tb.Get([]byte("l")); g.Obj().(*list) != l2 {
		t.Fatal("SetObj not visible")
	}
	e.SetKind(4)
	tb.Set([]byte("l"), Value{Kind: 1, Bytes: []byte("plain")})
	g, _ := tb.Get([]byte("l"))
	if g.Obj() != nil || g.SetObj(l1) || string(g.Value()) != "plain" || g.Kind() != 1 {
		t.Fatal("replacing an object with bytes")
	}
	if tb.Arena().Stats().Objects != 0 {
		t.Fatal("object reference leaked")
	}
	tb.Set([]byte("l"), Value{Obj: l1, Bytes: []byte("both")})
	g, _ = tb.Get([]byte("l"))
	if g.Obj().(*list) != l1 || string(g.Value()) != "both" {
		t.Fatal("object and bytes")
	}
	tb.Delete([]byte("l"))
	if tb.Arena().Stats().Objects != 0 {
		t.Fatal("object reference leaked on delete")
	}
}

func TestSetExpire(t *testing.T) {
	tb := NewTable()
	if tb.SetExpire([]byte("none"), 5) {
		t.Fatal("SetExpire on a missing key")
	}
	type obj struct{}
	o := &obj{}
	tb.Set([]byte("k"), Value{Bytes: []byte("v"), Obj: o})
	e, _ := tb.Get([]byte("k"))
	e.SetAccess(77)
	if e.Expire() != 0 {
		t.Fatal("expire on new key")
	}
	if !tb.SetExpire([]byte("k"), 1234) {
		t.Fatal("SetExpire")
	}
	e, _ = tb.Get([]byte("k"))
	if e.Expire() != 1234 || string(e.Value()) != "v" || e.Obj() != any(o) || e.Access() != 77 {
		t.Fatalf("after SetExpire: %d %q %v %d", e.Expire(), e.Value(), e.Obj(), e.Access())
	}
	tb.SetExpire([]byte("k"), 99) // in place
	tb.SetExpire([]byte("k"), 0)  // persist
	e, _ = tb.Get([]byte("k"))
	if e.Expire() != 0 || e.Obj() != any(o) {
		t.Fatal("persist")
	}
	if tb.Arena().Stats().Objects != 1 {
		t.Fatal("object count")
	}
}

func TestGrowShrink(t *testing.T) {
	forEachMode(t, func(t *testing.T, newTable func() *Table) {
		tb := newTable()
		const n = 100_000
		for i := 0; i < n; i++ {
			tb.Set(key(i), Value{Bytes: key(i)})
			if i%9973 == 0 {
				checkInvariants(t, tb)
			}
		}
		for tb.RehashStep(100) {
		}
		checkInvariants(t, tb)
		grown := tb.Buckets()
		if fill := float64(n) / float64(grown*slotsPerBucket); fill > 1 || fill < 0.4 {
			t.Fatalf("fill %.2f with %d buckets", fill, grown)
		}
		for i := 0; i < n; i++ {
			if i%2 == 1 {
				continue
			}
			if !tb.Delete(key(i)) {
				t.Fatalf("delete %d", i)
			}
		}
		for i := 0; i < n; i++ {
			_, ok := tb.Get(key(i))
			if ok != (i%2 == 1) {
				t.Fatalf("get %d: %v", i, ok)
			}
		}
		for i := 1; i < n; i += 2 {
			tb.Delete(key(i))
		}
		for tb.RehashStep(100) || tb.ResizeIfNeeded() {
		}
		checkInvariants(t, tb)
		if tb.Len() != 0 || tb.Buckets() > 8 {
			t.Fatalf("after deleting all: len %d buckets %d", tb.Len(), tb.Buckets())
		}
		st := tb.Arena().Stats()
		if st.SlotBytes != int64(tb.Buckets()*bucketSize) || st.BucketBytes != 0 {
			t.Fatalf("memory left behind: %+v", st)
		}
		tb.Arena().Trim()
		if st := tb.Arena().Stats(); st.SlabBytes != chunkSize {
			t.Fatalf("after Trim: %+v", st)
		}
	})
}

func TestHugeTable(t *testing.T) {
	if testing.Short() {
		t.Skip("1M keys")
	}
	tb := NewTable()
	const n = 1 << 20
	val := bytes.Repeat([]byte{'v'}, 100)
	for i := 0; i < n; i++ {
		tb.Set(key(i), Value{Bytes: val})
	}
	checkInvariants(t, tb)
	for i := 0; i < n; i += 7 {
		if e, ok := tb.Get(key(i)); !ok || !bytes.Equal(e.Value(), val) {
			t.Fatalf("key %d", i)
		}
	}
	count := 0
	tb.ForEach(func(Entry) bool { count++; return true })
	if count != n {
		t.Fatalf("ForEach saw %d", count)
	}
}

func TestChains(t *testing.T) {
	// A table that may not grow piles everything into chains.
	tb := NewTable()
	tb.Set([]byte("first"), Value{})
	tb.SetResizePolicy(ResizeForbid)
	const n = 500
	for i := 0; i < n; i++ {
		tb.Set(key(i), Value{Bytes: key(i)})
	}
	checkInvariants(t, tb)
	if tb.Buckets() != 1 || tb.children[0] < n/slotsPerBucket {
		t.Fatalf("buckets %d children %d", tb.Buckets(), tb.children[0])
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for _, i := range rng.Perm(n) {
		if !tb.Delete(key(i)) {
			t.Fatal(i)
		}
		checkInvariants(t, tb)
	}
	if tb.children[0] != 0 {
		t.Fatalf("children left: %d", tb.children[0])
	}
}

func TestIteratorDelete(t *testing.T) {
	forEachMode(t, func(t *testing.T, newTable func() *Table) {
		tb := newTable()
		const n = 20_000
		for i := 0; i < n; i++ {
			tb.Set(key(i), Value{Bytes: key(i)})
		}
		// Start while a rehash is in progress.
		tb.Expand(4 * n)
		if !tb.IsRehashing() {
			t.Fatal("expected a rehash in progress")
		}
		seen := map[string]int{}
		it := tb.Iter()
		for it.Next() {
			e := it.Entry()
			seen[string(e.Key())]++
			if _, ok := tb.Get(e.Key()); !ok { // lookups are allowed
				t.Fatal("lookup during iteration")
			}
			if e.Key()[len(e.Key())-1]%2 == 0 {
				it.Delete()
			}
		}
		it.Close()
		if len(seen) != n {
			t.Fatalf("iterated %d distinct keys", len(seen))
		}
		for k, c := range seen {
			if c != 1 {
				t.Fatalf("%q seen %d times", k, c)
			}
		}
		checkInvariants(t, tb)
		for i := 0; i < n; i++ {
			k := key(i)
			if _, ok := tb.Get(k); ok != (k[len(k)-1]%2 == 1) {
				t.Fatalf("key %d after delete-while-iterating", i)
			}
		}
		if tb.pause != 0 {
			t.Fatal("rehash still paused")
		}
		// Stop early.
		count := 0
		tb.ForEach(func(Entry) bool { count++; return count < 10 })
		if count != 10 || tb.pause != 0 {
			t.Fatal("ForEach early stop")
		}
		var empty Table = *NewTable()
		empty.ForEach(func(Entry) bool { t.Fatal("entry in empty table"); return false })
	})
}

func TestClearDetached(t *testing.T) {
	forEachMode(t, func(t *testing.T, newTable func() *Table) {
		tb := newTable()
		other := NewIn(tb.Arena(), maphash.MakeSeed())
		other.Set([]byte("stays"), Value{Bytes: []byte("x")})
		type obj struct{ n int }
		for i := 0; i < 50_000; i++ {
			v := Value{Bytes: key(i)}
			if i%3 == 0 {
				v.Obj = &obj{i}
			}
			tb.Set(key(i), v)
		}
		tb.Expand(200_000) // leave a rehash in progress
		d := tb.Clear()
		if tb.Len() != 0 || d.Len() != 50_000 {
			t.Fatalf("len %d detached %d", tb.Len(), d.Len())
		}
		tb.Set([]byte("new"), Value{Bytes: []byte("y")})
		steps := 0
		for !d.Free(64) {
			steps++
		}
		if d.Len() != 0 || steps < 10 {
			t.Fatalf("detached left %d after %d steps", d.Len(), steps)
		}
		st := tb.Arena().Stats()
		if st.Objects != 0 || st.BucketBytes != 0 {
			t.Fatalf("after free: %+v", st)
		}
		if e, ok := other.Get([]byte("stays")); !ok || string(e.Value()) != "x" {
			t.Fatal("other table damaged")
		}
		if e, ok := tb.Get([]byte("new")); !ok || string(e.Value()) != "y" {
			t.Fatal("cleared table unusable")
		}
	})
}

func TestArenaRelease(t *testing.T) {
	tb := NewTable()
	for i := 0; i < 10_000; i++ {
		tb.Set(key(i), Value{Bytes: key(i)})
	}
	a := tb.Arena()
	done := make(chan struct{})
	go func() { a.Release(); close(done) }()
	<-done
}

func TestRandomAndSample(t *testing.T) {
	tb := NewTable()
	if _, ok := tb.Random(); ok {
		t.Fatal("random from empty table")
	}
	if n := tb.Sample(make([]Entry, 5)); n != 0 {
		t.Fatal("sample from empty table")
	}
	const n = 1000
	for i := 0; i < n; i++ {
		tb.Set(key(i), Value{Bytes: key(i)})
	}
	counts := map[string]int{}
	const draws = 200_000
	for i := 0; i < draws; i++ {
		e, ok := tb.Random()
		if !ok {
			t.Fatal("no random entry")
		}
		counts[string(e.Key())]++
	}
	// Every key shows up, and none wildly more than its share (200).
	if len(counts) != n {
		t.Fatalf("Random reached %d of %d keys", len(counts), n)
	}
	for k, c := range counts {
		if c > 5*draws/n {
			t.Fatalf("%q drawn %d times", k, c)
		}
	}
	dst := make([]Entry, 16)
	if got := tb.Sample(dst); got != 16 {
		t.Fatalf("Sample = %d", got)
	}
	uniq := map[string]bool{}
	for _, e := range dst {
		uniq[string(e.Key())] = true
	}
	if len(uniq) != 16 {
		t.Fatalf("Sample returned duplicates: %d distinct", len(uniq))
	}
	big := make([]Entry, 2*n)
	if got := tb.Sample(big); got != n {
		t.Fatalf("Sample of more than Len = %d", got)
	}
	// SampleFunc may delete what it is given.
	deleted := 0
	tb.SampleFunc(100, func(e Entry) {
		if tb.Delete(e.Key()) {
			deleted++
		}
	})
	if deleted == 0 || tb.Len() != n-deleted {
		t.Fatalf("SampleFunc deleted %d, len %d", deleted, tb.Len())
	}
	checkInvariants(t, tb)
}

func TestPrefetchHints(t *testing.T) {
	tb := NewTable()
	if tb.BucketAddr(tb.Hash([]byte("x"))) != nil {
		t.Fatal("bucket address of an empty table")
	}
	for i := 0; i < 5000; i++ {
		tb.Set(key(i), Value{Bytes: key(i)})
	}
	tb.Expand(50_000)
	hits := 0
	for i := 0; i < 5000; i++ {
		h := tb.Hash(key(i))
		if tb.BucketAddr(h) == nil {
			t.Fatal("nil bucket address")
		}
		e, ok := tb.GetHashed(key(i), h)
		if !ok {
			t.Fatal(i)
		}
		if tb.EntryHint(h) == e.Addr() {
			hits++
		}
	}
	if hits < 4000 {
		t.Fatalf("EntryHint matched %d of 5000", hits)
	}
}

func TestSnapshotCopyAhead(t *testing.T) {
	tb := NewTable()
	const n = 3000
	want := map[string]string{}
	for i := 0; i < n; i++ {
		tb.Set(key(i), Value{Bytes: key(i)})
		want[string(key(i))] = string(key(i))
	}
	for round := 0; round < 300; round++ { // cross the 8-bit epoch wrap
		img := map[string]string{}
		save := func(e Entry) {
			k := string(e.Key())
			if _, dup := img[k]; dup {
				t.Fatalf("round %d: %q saved twice", round, k)
			}
			img[k] = string(e.Value())
		}
		tb.BeginSnapshot(save)
		rng := rand.New(rand.NewPCG(uint64(round), 0))
		abandon := round%3 == 1
		cursor := uint64(0)
		for steps := 0; ; steps++ {
			cursor = tb.Scan(cursor, func(e Entry) {
				if tb.Capture(e) {
					save(e)
				}
			})
			if cursor == 0 || abandon && steps == 5 {
				break
			}
			// Writes between steps: overwrite, delete, re-add, write in place.
			for j := 0; j < 5; j++ {
				k := key(rng.IntN(n + 100))
				switch rng.IntN(4) {
				case 0:
					tb.Set(k, Value{Bytes: []byte(fmt.Sprint("r", round))})
				case 1:
					tb.Delete(k)
				case 2:
					if e, ok := tb.GetForWrite(k); ok && len(e.Value()) > 0 {
						e.Value()[0] = '#'
					}
				case 3:
					tb.SetExpire(k, int64(round+1))
				}
			}
		}
		tb.EndSnapshot(!abandon)
		if !abandon {
			if len(img) != len(want) {
				t.Fatalf("round %d: image has %d keys, want %d", round, len(img), len(want))
			}
			for k, v := range want {
				if img[k] != v {
					t.Fatalf("round %d: %q = %q in image, want %q", round, k, img[k], v)
				}
			}
		}
		want = map[string]string{}
		tb.ForEach(func(e Entry) bool { want[string(e.Key())] = string(e.Value()); return true })
	}
}

func TestUpsertKeepsAccessAndExpire(t *testing.T) {
	tb := NewTable()
	k := []byte("k")
	h := tb.Hash(k)
	e, pr := tb.Upsert(k, h, Value{Kind: 1, Bytes: []byte("v1"), Expire: 500}, false)
	if pr.Replaced || e.Access() != 0 || e.Expire() != 500 {
		t.Fatalf("new entry: prior %+v access %d expire %d", pr, e.Access(), e.Expire())
	}
	e.SetAccess(77)
	// Overwrite keeping the expiry: access and expiry survive, kind and value change.
	e, pr = tb.Upsert(k, h, Value{Kind: 2, Bytes: []byte("a longer value than before"), Expire: 9}, true)
	if !pr.Replaced || pr.Kind != 1 || pr.Expire != 500 || pr.Access != 77 {
		t.Fatalf("prior %+v", pr)
	}
	if e.Access() != 77 || e.Expire() != 500 || e.Kind() != 2 || string(e.Value()) != "a longer value than before" {
		t.Fatalf("after keep: access %d expire %d kind %d value %q", e.Access(), e.Expire(), e.Kind(), e.Value())
	}
	// Overwrite dropping the expiry.
	e, pr = tb.Upsert(k, h, Value{Kind: 3, Bytes: []byte("x")}, false)
	if pr.Expire != 500 || e.Expire() != 0 || e.Access() != 77 || tb.Len() != 1 {
		t.Fatalf("after drop: prior %+v expire %d access %d len %d", pr, e.Expire(), e.Access(), tb.Len())
	}
	// keepExpire on a new key stores none.
	e, _ = tb.Upsert([]byte("n"), tb.Hash([]byte("n")), Value{Bytes: []byte("y"), Expire: 5}, true)
	if e.Expire() != 0 {
		t.Fatalf("new key with keepExpire got expiry %d", e.Expire())
	}
}

func TestSetLargeRecordMakesValuesStable(t *testing.T) {
	tb := newLargeRecordTable(t)
	small, _ := tb.Set([]byte("s"), Value{Bytes: make([]byte, 50)})
	big, _ := tb.Set([]byte("b"), Value{Bytes: make([]byte, 200)})
	if small.Stable() || !big.Stable() {
		t.Fatalf("stable: small %v big %v", small.Stable(), big.Stable())
	}
	// An expiry moves the record; it stays large.
	tb.SetExpire([]byte("b"), 5)
	if e, _ := tb.Get([]byte("b")); !e.Stable() || len(e.Value()) != 200 {
		t.Fatalf("after expire: stable %v len %d", e.Stable(), len(e.Value()))
	}
	// A large record is never rewritten in place: the old bytes survive.
	old := big.Value()
	old[0] = 'x'
	tb.Set([]byte("b"), Value{Bytes: make([]byte, 200)})
	if old[0] != 'x' {
		t.Fatal("large record rewritten in place")
	}
}

func TestSetExpireEntryReturnsTheMovedRecord(t *testing.T) {
	tb := NewTable()
	tb.Set([]byte("k"), Value{Kind: 3, Bytes: []byte("v")})
	e, ok := tb.SetExpireEntry([]byte("k"), 77) // moves to a record with an expiry field
	if !ok || e.Expire() != 77 || e.Kind() != 3 || string(e.Value()) != "v" {
		t.Fatalf("first expiry: ok %v expire %d kind %d value %q", ok, e.Expire(), e.Kind(), e.Value())
	}
	if g, _ := tb.Get([]byte("k")); g.Addr() != e.Addr() {
		t.Fatal("returned entry is not the stored record")
	}
	if e, ok = tb.SetExpireEntry([]byte("k"), 78); !ok || e.Expire() != 78 { // in place
		t.Fatalf("in place: %v %d", ok, e.Expire())
	}
	if _, ok = tb.SetExpireEntry([]byte("none"), 1); ok {
		t.Fatal("missing key reported present")
	}
}

func TestPeekHashedChangesNothing(t *testing.T) {
	tb := NewTable()
	const n = 5_000
	for i := 0; i < n; i++ {
		tb.Set(key(i), Value{Bytes: key(i)})
	}
	if e, ok := tb.PeekHashed(key(7), tb.Hash(key(7))); !ok || string(e.Value()) != string(key(7)) {
		t.Fatalf("PeekHashed(%q) = %q, %v", key(7), e.Value(), ok)
	}
	if _, ok := tb.PeekHashed(key(n), tb.Hash(key(n))); ok {
		t.Fatalf("PeekHashed found %q, never set", key(n))
	}
	// While the table rehashes, a peek finds nothing and takes no step.
	tb.Expand(4 * n)
	if !tb.IsRehashing() {
		t.Fatal("expected a rehash in progress")
	}
	idx := tb.rehashIdx
	if _, ok := tb.PeekHashed(key(7), tb.Hash(key(7))); ok {
		t.Fatal("PeekHashed found a key during a rehash")
	}
	if tb.rehashIdx != idx {
		t.Fatalf("PeekHashed moved the rehash from bucket %d to %d", idx, tb.rehashIdx)
	}
	checkInvariants(t, tb)
}
