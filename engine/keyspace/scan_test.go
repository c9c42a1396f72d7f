package keyspace

import (
	"fmt"
	"math/rand/v2"
	"strconv"
	"testing"
)

// TestScanGuarantee is the property behind SCAN: whatever the table does
// between two calls (grow, shrink, rehash part-way, pause in the middle of a
// rehash), every key present from the first call to the last is returned at
// least once.
func TestScanGuarantee(t *testing.T) {
	seeds := 200
	if testing.Short() || raceEnabled {
		seeds = 40
	}
	resizes, midRehash := 0, 0
	for seed := 0; seed < seeds; seed++ {
		rng := rand.New(rand.NewPCG(uint64(seed), 99))
		tb := NewTable()
		stable := 1 + rng.IntN(1000)
		for i := 0; i < stable; i++ {
			tb.Set(fmt.Appendf(nil, "s:%d", i), Value{})
		}
		churn, next := map[int]bool{}, 0
		seen := make([]int, stable)
		var cursor uint64
		lastBuckets := tb.Buckets()
		for calls := 0; ; calls++ {
			cursor = tb.Scan(cursor, func(e Entry) {
				k := e.Key()
				i, _ := strconv.Atoi(string(k[2:]))
				if k[0] == 's' {
					seen[i]++
					return
				}
				if rng.IntN(4) == 0 { // the callback may delete what it is given
					delete(churn, i)
					tb.Delete(k)
				}
			})
			if cursor == 0 {
				break
			}
			if calls > 1_000_000 {
				t.Fatal("scan does not terminate")
			}
			switch rng.IntN(8) {
			case 0, 1: // grow, often several times over
				for n := rng.IntN(4 * stable); n > 0 && len(churn) < 8*stable; n-- {
					tb.Set(fmt.Appendf(nil, "c:%d", next), Value{})
					churn[next] = true
					next++
				}
			case 2, 3: // shrink
				for i := range churn {
					if rng.IntN(8) != 0 {
						tb.Delete(fmt.Appendf(nil, "c:%d", i))
						delete(churn, i)
					}
				}
			case 4:
				tb.RehashStep(rng.IntN(64))
			case 5:
				tb.Expand(tb.Len() * (2 + rng.IntN(6)))
			case 6:
				tb.ResizeIfNeeded()
			case 7:
				tb.Get([]byte("s:0"))
			}
			if b := tb.Buckets(); b != lastBuckets {
				resizes++
				lastBuckets = b
			}
			if tb.IsRehashing() {
				midRehash++
			}
		}
		for i, c := range seen {
			if c == 0 {
				t.Fatalf("seed %d: stable key s:%d never returned (%d stable keys)", seed, i, stable)
			}
		}
		checkInvariants(t, tb)
	}
	if resizes < seeds || midRehash < seeds {
		t.Fatalf("too few resizes (%d) or mid-rehash calls (%d) to mean anything", resizes, midRehash)
	}
}

func TestNextCursor(t *testing.T) {
	// With mask 7 the cursor visits 0 4 2 6 1 5 3 7 and wraps to 0.
	want := []uint64{4, 2, 6, 1, 5, 3, 7, 0}
	c := uint64(0)
	for _, w := range want {
		c = nextCursor(c, 7)
		if c != w {
			t.Fatalf("got %d want %d", c, w)
		}
	}
}

// TestBucketsAhead: the addresses are those of the buckets the next Scan
// calls visit, in their order, and none while the table rehashes.
func TestBucketsAhead(t *testing.T) {
	tb := NewTable()
	for i := range 1000 {
		tb.Set([]byte(strconv.Itoa(i)), Value{Bytes: []byte("v")})
	}
	for tb.IsRehashing() {
		tb.RehashStep(100)
	}
	cursor := uint64(0)
	got := tb.BucketsAhead(cursor, 5, nil)
	if len(got) != 5 {
		t.Fatalf("%d addresses, want 5", len(got))
	}
	for i, p := range got {
		if want := tb.BucketAddr(cursor); p != want {
			t.Errorf("address %d: %p, the bucket Scan visits is %p", i, p, want)
		}
		cursor = tb.Scan(cursor, func(Entry) {})
	}
	// The last cursor of a scan has every bit of the mask set; the list
	// ends with its bucket.
	if n := len(tb.BucketsAhead(tb.mask[0], 5, nil)); n != 1 {
		t.Errorf("%d addresses from the last cursor, want 1", n)
	}
	tb.Expand(1 << 14)
	if !tb.IsRehashing() {
		t.Fatal("Expand did not start a rehash")
	}
	if n := len(tb.BucketsAhead(0, 5, nil)); n != 0 {
		t.Errorf("%d addresses while rehashing, want none", n)
	}
}
