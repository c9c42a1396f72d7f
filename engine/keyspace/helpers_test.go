package keyspace

import (
	"fmt"
	"math/bits"
	"testing"
)

// checkInvariants walks every bucket and checks the table's bookkeeping.
func checkInvariants(tb testing.TB, t *Table) {
	tb.Helper()
	seen := map[string]bool{}
	for tab := 0; tab < 2; tab++ {
		if t.exp[tab] < 0 {
			if t.arr[tab].p != nil || t.used[tab] != 0 || t.children[tab] != 0 {
				tb.Fatalf("table %d: no buckets but p=%v used=%d children=%d", tab, t.arr[tab].p, t.used[tab], t.children[tab])
			}
			continue
		}
		if tab == 1 && t.rehashIdx < 0 {
			tb.Fatalf("table 1 present while not rehashing")
		}
		used, children := 0, 0
		for idx := 0; idx < numBuckets(t.exp[tab]); idx++ {
			b := t.bucket(tab, uint64(idx))
			for depth := 0; ; depth++ {
				if b.meta&chainedBit != 0 && b.meta&(1<<linkSlot) != 0 {
					tb.Fatalf("table %d bucket %d: chained with slot 6 present", tab, idx)
				}
				for p := b.meta & presenceMask; p != 0; p &= p - 1 {
					pos := bits.TrailingZeros64(p)
					e := Entry{t.a.ptr(b.slots[pos]), t.a}
					k := string(e.Key())
					if seen[k] {
						tb.Fatalf("key %q stored twice", k)
					}
					seen[k] = true
					h := t.Hash(e.Key())
					if h&t.mask[tab] != uint64(idx) {
						tb.Fatalf("key %q in bucket %d of table %d, hash says %d", k, idx, tab, h&t.mask[tab])
					}
					if uint8(b.meta>>(uint(pos+1)*8)) != uint8(h>>56) {
						tb.Fatalf("key %q: wrong hash byte", k)
					}
					if tab == 0 && t.rehashIdx >= 0 && int64(idx) < t.rehashIdx {
						tb.Fatalf("key %q in already rehashed bucket %d", k, idx)
					}
					used++
				}
				if b.meta&chainedBit == 0 {
					break
				}
				children++
				b = t.child(b)
			}
		}
		if used != t.used[tab] || children != t.children[tab] {
			tb.Fatalf("table %d: counted %d entries %d children, recorded %d %d", tab, used, children, t.used[tab], t.children[tab])
		}
	}
}

func key(i int) []byte { return fmt.Appendf(nil, "key:%d", i) }
