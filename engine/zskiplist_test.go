package engine

import (
	"fmt"
	"math/rand/v2"
	"runtime"
	"sort"
	"strconv"
	"testing"
	"unsafe"
)

// zOracle is the reference a skiplist is checked against: members sorted
// by (score, member).
type zOracle []zPair

type zPair struct {
	ele   string
	score float64
}

func (o zOracle) sorted() zOracle {
	sort.Slice(o, func(i, j int) bool {
		if o[i].score != o[j].score {
			return o[i].score < o[j].score
		}
		return o[i].ele < o[j].ele
	})
	return o
}

func (o zOracle) index(ele string) int {
	for i, p := range o {
		if p.ele == ele {
			return i
		}
	}
	return -1
}

// checkZset verifies z against the oracle: order both ways, spans and
// ranks, and the member table.
func checkZset(t *testing.T, z *zsetObj, o zOracle) {
	t.Helper()
	if z.Len() != len(o) {
		t.Fatalf("len %d, want %d", z.Len(), len(o))
	}
	i := 0
	var prev *zslNode
	for n := z.first(); n != nil; n = n.succ() {
		if i >= len(o) || n.ele() != o[i].ele || n.score != o[i].score {
			t.Fatalf("node %d = %q/%v, want %v", i, n.ele(), n.score, o[i])
		}
		if n.backward() != prev {
			t.Fatalf("node %d: wrong backward link", i)
		}
		if r := z.rankOf(n); r != i+1 {
			t.Fatalf("rankOf(%q) = %d, want %d", n.ele(), r, i+1)
		}
		if b := z.byRank(i + 1); b != n {
			t.Fatalf("byRank(%d) wrong", i+1)
		}
		if f := z.find(zbytes(n.ele())); f != n {
			t.Fatalf("find(%q) wrong", n.ele())
		}
		if n.hash != zsetHash(zbytes(n.ele())) {
			t.Fatalf("node %q: stale hash", n.ele())
		}
		prev = n
		i++
	}
	if z.tail != prev {
		t.Fatal("wrong tail")
	}
	// Spans at every level add up to the ranks of the nodes they reach.
	for lvl := 0; lvl < z.level; lvl++ {
		rank := 0
		for x := z.header; x != nil; x = x.level(lvl).forward {
			if x.level(lvl).forward == nil {
				break
			}
			rank += x.level(lvl).span
			if got := z.rankOf(x.level(lvl).forward); got != rank {
				t.Fatalf("level %d: span sum %d, rank %d", lvl, rank, got)
			}
		}
	}
	n := 0
	z.tab.Each(func(*zslNode) bool { n++; return true })
	if n != len(o) {
		t.Fatalf("member table holds %d, want %d", n, len(o))
	}
}

func TestZskiplistAgainstOracle(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for round := 0; round < 30; round++ {
		z := newZsetObj(0)
		var o zOracle
		nops := 50 + r.IntN(300)
		for op := 0; op < nops; op++ {
			ele := fmt.Sprintf("m%d", r.IntN(120))
			score := float64(r.IntN(20)) // many ties: order by member
			i := o.index(ele)
			switch r.IntN(4) {
			case 0, 1:
				if i < 0 {
					z.add(ele, score)
					o = append(o, zPair{ele, score}).sorted()
				} else {
					z.updateScore(z.find([]byte(ele)), score)
					o[i].score = score
					o = o.sorted()
				}
			case 2:
				if i >= 0 && r.IntN(2) == 0 {
					z.removeNode(z.find([]byte(ele)))
				} else if z.remove([]byte(ele)) != (i >= 0) {
					t.Fatalf("remove(%q) disagrees", ele)
				}
				if i >= 0 {
					o = append(o[:i], o[i+1:]...)
				}
			case 3:
				if i >= 0 {
					z.updateScore(z.find([]byte(ele)), o[i].score+float64(r.IntN(3))-1)
					o[i].score = z.find([]byte(ele)).score
					o = o.sorted()
				}
			}
		}
		checkZset(t, z, o)

		// Score ranges: the n-th in range, both directions.
		for k := 0; k < 50; k++ {
			rs := zrangeSpec{min: float64(r.IntN(22) - 1), max: float64(r.IntN(22) - 1), minex: r.IntN(2) == 0, maxex: r.IntN(2) == 0}
			var in []int
			for j, p := range o {
				if rs.gteMin(p.score) && rs.lteMax(p.score) {
					in = append(in, j)
				}
			}
			for _, n := range []int{0, 1, 2, 5, 11, 30, -1, -2, -12, -40} {
				node, rank := z.nthInRange(&rs, n)
				want := n
				if n < 0 {
					want = len(in) + n
				}
				if want < 0 || want >= len(in) {
					if node != nil {
						t.Fatalf("range %+v n=%d: got %q, want none", rs, n, node.ele())
					}
					continue
				}
				if node == nil || node.ele() != o[in[want]].ele || rank != in[want] {
					t.Fatalf("range %+v n=%d: got %v rank %d, want %v rank %d", rs, n, node, rank, o[in[want]], in[want])
				}
			}
		}
		// Lex ranges, over the same members all at one score (the only
		// case where lex ranges are defined).
		zl := newZsetObj(0)
		var ol zOracle
		for _, p := range o {
			zl.add(p.ele, 0)
			ol = append(ol, zPair{p.ele, 0})
		}
		ol = ol.sorted()
		for k := 0; k < 30; k++ {
			ls := zlexSpec{min: []byte(fmt.Sprintf("m%d", r.IntN(120))), max: []byte(fmt.Sprintf("m%d", r.IntN(120))),
				minex: r.IntN(2) == 0, maxex: r.IntN(2) == 0}
			if r.IntN(5) == 0 {
				ls.minKind, ls.min = lexMin, nil
			}
			if r.IntN(5) == 0 {
				ls.maxKind, ls.max = lexMax, nil
			}
			var in []int
			for j, p := range ol {
				if ls.gteMin([]byte(p.ele)) && ls.lteMax([]byte(p.ele)) {
					in = append(in, j)
				}
			}
			for _, n := range []int{0, 1, 3, 12, 40, -1, -3, -11, -50} {
				node, rank := zl.nthInLexRange(&ls, n)
				want := n
				if n < 0 {
					want = len(in) + n
				}
				if want < 0 || want >= len(in) {
					if node != nil {
						t.Fatalf("lex %+v n=%d: got %q, want none", ls, n, node.ele())
					}
					continue
				}
				if node == nil || node.ele() != ol[in[want]].ele || rank != in[want] {
					t.Fatalf("lex %+v n=%d: got %v, want %v", ls, n, node, ol[in[want]])
				}
			}
		}
		checkZsetScan(t, z, o)

		// Range deletions.
		switch round % 3 {
		case 0:
			rs := zrangeSpec{min: 3, max: 9, minex: true}
			want := o[:0:0]
			for _, p := range o {
				if !(p.score > 3 && p.score <= 9) {
					want = append(want, p)
				}
			}
			if n := z.deleteRangeByScore(&rs); n != len(o)-len(want) {
				t.Fatalf("deleteRangeByScore removed %d, want %d", n, len(o)-len(want))
			}
			o = want
		case 1:
			if len(o) > 5 {
				if n := z.deleteRangeByRank(2, 5); n != 4 {
					t.Fatalf("deleteRangeByRank removed %d", n)
				}
				o = append(o[:1], o[5:]...)
			}
		case 2:
			// All scores equal, so lex order is the list order.
			z = newZsetObj(0)
			o = nil
			for j := 0; j < 100; j++ {
				ele := fmt.Sprintf("e%03d", j)
				z.add(ele, 0)
				o = append(o, zPair{ele, 0})
			}
			ls := zlexSpec{min: []byte("e010"), max: []byte("e050"), maxex: true}
			if n := z.deleteRangeByLex(&ls); n != 40 {
				t.Fatalf("deleteRangeByLex removed %d", n)
			}
			o = append(o[:10], o[50:]...)
		}
		checkZset(t, z, o)
	}
}

// checkZsetScan scans z with a table resize in the middle and checks that
// every member is returned.
func checkZsetScan(t *testing.T, z *zsetObj, o zOracle) {
	t.Helper()
	seen := map[string]bool{}
	cursor := uint64(0)
	steps := 0
	for {
		cursor = z.scan(cursor, func(n *zslNode) { seen[n.ele()] = true })
		steps++
		if steps == 3 {
			z.tab.Rebuild(z.tab.Buckets() * 2)
		}
		if cursor == 0 {
			break
		}
	}
	for _, p := range o {
		if !seen[p.ele] {
			t.Fatalf("scan missed %q", p.ele)
		}
	}
}

func TestZskiplistLevels(t *testing.T) {
	counts := make([]int, zslMaxLevel+1)
	for i := 0; i < 100000; i++ {
		l := zslRandomLevel()
		if l < 1 || l > zslMaxLevel {
			t.Fatalf("level %d", l)
		}
		counts[l]++
	}
	// About 3/4 of the nodes have height 1 and 3/16 height 2.
	if counts[1] < 73000 || counts[1] > 77000 || counts[2] < 17500 || counts[2] > 20000 {
		t.Fatalf("level distribution %v", counts[:6])
	}
}

func TestZskiplistClone(t *testing.T) {
	z := newZsetObj(0)
	for i := 0; i < 200; i++ {
		z.add(fmt.Sprint(i), float64(i%7))
	}
	c := z.Clone().(*zsetObj)
	z.remove([]byte("5"))
	var o zOracle
	for i := 0; i < 200; i++ {
		o = append(o, zPair{fmt.Sprint(i), float64(i % 7)})
	}
	checkZset(t, c, o.sorted())
	if c.MemUsage(0) <= 0 {
		t.Fatal("MemUsage")
	}
}

// Every height's allocation holds all its levels and its tail: writing
// each level and the tail of a node of every height stays inside the node
// (under -race, checkptr checks each address), pointers written there
// survive a collection, and the score shares a 64-byte line with levels 0
// to 2.
func TestZskiplistNodeLayout(t *testing.T) {
	if off := unsafe.Offsetof(zslNode{}.lv0); off+3*zslLevelBytes > 64 {
		t.Fatalf("level 2 ends at byte %d", off+3*zslLevelBytes)
	}
	if zslNodeBytes != 64 {
		t.Fatalf("a node of height 1 takes %d bytes", zslNodeBytes)
	}
	peer := newZslNode(1, 0, "peer")
	for h := 1; h <= zslMaxLevel; h++ {
		n := newZslNode(h, float64(h), strconv.Itoa(h))
		if int(n.height) != h || n.score != float64(h) || n.ele() != strconv.Itoa(h) || n.backward() != nil {
			t.Fatalf("height %d: node %+v", h, n)
		}
		for i := 0; i < h; i++ {
			if *n.level(i) != (zslLevel{}) {
				t.Fatalf("height %d: level %d not zeroed", h, i)
			}
			*n.level(i) = zslLevel{forward: peer, span: i + 1}
		}
		n.tail().backward, n.tail().next = peer, peer
		end := uintptr(unsafe.Pointer(n.tail())) + unsafe.Sizeof(zslTail{})
		if want := uintptr(unsafe.Pointer(n)) + uintptr(zslNodeBytes) + uintptr(h-1)*zslLevelBytes; end != want {
			t.Fatalf("height %d: node ends at %#x, want %#x", h, end, want)
		}
		runtime.GC()
		for i := 0; i < h; i++ {
			if l := n.level(i); l.forward != peer || l.forward.ele() != "peer" || l.span != i+1 {
				t.Fatalf("height %d: level %d = %+v", h, i, *l)
			}
		}
		if n.ele() != strconv.Itoa(h) || n.backward() != peer || n.tail().next != peer {
			t.Fatalf("height %d: tail %+v", h, *n.tail())
		}
		func() {
			defer func() {
				if recover() == nil {
					t.Fatalf("height %d: level(%d) did not panic", h, h)
				}
			}()
			n.level(h)
		}()
	}
}

// zsetBench builds a skiplist-encoded set of size members named as
// valkey-benchmark names them (element:<n>), scored 0..999999 at random,
// with the member names to use.
func zsetBench(b *testing.B, size int) (*zsetObj, []string) {
	b.Helper()
	r := rand.New(rand.NewPCG(7, 8))
	names := make([]string, 1000000)
	for i := range names {
		names[i] = "element:" + strconv.Itoa(i)
	}
	z := newZsetObj(0)
	for z.Len() < size {
		ele := names[r.IntN(len(names))]
		if z.find(zbytes(ele)) == nil {
			z.add(ele, float64(r.IntN(1000000)))
		}
	}
	runtime.GC()
	return z, names
}

// ZADD myzset <random score> element:<random> on a set of about 1M, as
// valkey-benchmark's zadd test does once the set has grown: a member is
// moved or added.
func BenchmarkZsetAdd1M(b *testing.B) {
	z, names := zsetBench(b, 1000000)
	r := rand.New(rand.NewPCG(9, 10))
	for b.Loop() {
		ele := names[r.IntN(len(names))]
		score := float64(r.IntN(1000000))
		if n := z.find(zbytes(ele)); n != nil {
			z.updateScore(n, score)
		} else {
			z.add(ele, score)
		}
	}
}

// Insert new members into a set of 1M and remove them again (ZADD of a
// new member, ZREM).
func BenchmarkZsetInsertRemove1M(b *testing.B) {
	z, _ := zsetBench(b, 1000000)
	r := rand.New(rand.NewPCG(11, 12))
	fresh := make([]string, 4096)
	for i := range fresh {
		fresh[i] = "fresh:" + strconv.Itoa(i)
	}
	i := 0
	for b.Loop() {
		ele := fresh[i&4095]
		if i&4096 == 0 {
			z.add(ele, float64(r.IntN(1000000)))
		} else {
			z.remove(zbytes(ele))
		}
		i++
	}
}

// ZPOPMIN: remove the first member of a set of 1M (refilled when empty).
func BenchmarkZsetPopMin1M(b *testing.B) {
	z, names := zsetBench(b, 1000000)
	for b.Loop() {
		n := z.first()
		if n == nil {
			b.StopTimer()
			z, names = zsetBench(b, 1000000)
			b.StartTimer()
			n = z.first()
		}
		z.remove(zbytes(n.ele()))
	}
	_ = names
}

// ZRANK of a random member of a set of 1M.
func BenchmarkZsetRank1M(b *testing.B) {
	z, _ := zsetBench(b, 1000000)
	members := make([]*zslNode, 0, z.Len())
	for n := z.first(); n != nil; n = n.succ() {
		members = append(members, n)
	}
	r := rand.New(rand.NewPCG(13, 14))
	sum := 0
	for b.Loop() {
		n := z.find(zbytes(members[r.IntN(len(members))].ele()))
		sum += z.rankOf(n)
	}
	_ = sum
}

// ZRANGE at a random rank: find the node by rank and walk 10 members.
func BenchmarkZsetRange1M(b *testing.B) {
	z, _ := zsetBench(b, 1000000)
	r := rand.New(rand.NewPCG(15, 16))
	sum := 0.0
	for b.Loop() {
		n := z.byRank(1 + r.IntN(z.Len()-10))
		for j := 0; j < 10; j++ {
			sum += n.score
			n = n.succ()
		}
	}
	_ = sum
}

// zsetObj.Hint names the loads a member-table lookup makes: the bucket,
// its first node, that node's tail, the member's bytes.
func TestZsetHintFollowsTheLookup(t *testing.T) {
	z := newZsetObj(0)
	if z.Hint(z.Hash([]byte("m")), 0) != nil {
		t.Fatal("an empty sorted set has no bucket to hint")
	}
	for i := range 300 {
		z.add("m"+strconv.Itoa(i), float64(i))
	}
	for _, m := range []string{"m0", "m150", "m299"} {
		h := z.Hash([]byte(m))
		slot := z.tab.Slot(h)
		first := *slot
		for step, want := range []unsafe.Pointer{unsafe.Pointer(slot), unsafe.Pointer(first),
			unsafe.Pointer(first.tail()), unsafe.Pointer(unsafe.StringData(first.ele())), nil} {
			if got := z.Hint(h, step); got != want {
				t.Fatalf("%s: step %d is %v, want %v", m, step, got, want)
			}
		}
	}
}
