package engine

// Sorting GEO results as Valkey does, ties included. A full sort is
// glibc's qsort, a stable merge sort. A sort for the first COUNT results
// only is Valkey's partial quicksort: Bentley and McIlroy's three-way
// partitioning quicksort ("Engineering a Sort Function", 1993) that only
// descends into partitions overlapping the wanted range. It is not
// stable, so points at equal distances come out in its order, and which
// of them make the cut depends on it; this follows its steps exactly.

// geoPartialSort sorts points so that positions lo..hi (inclusive) hold
// what a full sort would put there, by cmp.
func geoPartialSort(points []geoPoint, lo, hi int, cmp func(a, b *geoPoint) int) {
	bmSort(points, 0, lo, hi, cmp)
}

// bmSort sorts a, which starts at position base of the whole array, as
// far as positions lo..hi need.
func bmSort(a []geoPoint, base, lo, hi int, cmp func(a, b *geoPoint) int) {
	// wanted reports whether the range [from, from+n) overlaps lo..hi.
	wanted := func(from, n int) bool {
		to := from + n
		return !((lo < from && hi < from) || (lo >= to && hi >= to))
	}
	for {
		n := len(a)
		if n < 7 {
			for m := 1; m < n; m++ {
				for l := m; l > 0 && cmp(&a[l-1], &a[l]) > 0; l-- {
					a[l], a[l-1] = a[l-1], a[l]
				}
			}
			return
		}
		med3 := func(i, j, k int) int {
			if cmp(&a[i], &a[j]) < 0 {
				if cmp(&a[j], &a[k]) < 0 {
					return j
				}
				if cmp(&a[i], &a[k]) < 0 {
					return k
				}
				return i
			}
			if cmp(&a[j], &a[k]) > 0 {
				return j
			}
			if cmp(&a[i], &a[k]) < 0 {
				return i
			}
			return k
		}
		pm := n / 2
		if n > 7 {
			pl, pn := 0, n-1
			if n > 40 {
				d := n / 8
				pl = med3(pl, pl+d, pl+2*d)
				pm = med3(pm-d, pm, pm+d)
				pn = med3(pn-2*d, pn-d, pn)
			}
			pm = med3(pl, pm, pn)
		}
		a[0], a[pm] = a[pm], a[0]

		// Partition: equal keys gather at both ends, smaller and larger
		// ones in the middle, then the equal ones swap into the center.
		pa, pb := 1, 1
		pc, pd := n-1, n-1
		for {
			for pb <= pc {
				r := cmp(&a[pb], &a[0])
				if r > 0 {
					break
				}
				if r == 0 {
					a[pa], a[pb] = a[pb], a[pa]
					pa++
				}
				pb++
			}
			for pb <= pc {
				r := cmp(&a[pc], &a[0])
				if r < 0 {
					break
				}
				if r == 0 {
					a[pc], a[pd] = a[pd], a[pc]
					pd--
				}
				pc--
			}
			if pb > pc {
				break
			}
			a[pb], a[pc] = a[pc], a[pb]
			pb++
			pc--
		}
		r := min(pa, pb-pa)
		swapRuns(a, 0, pb-r, r)
		r = min(pd-pc, n-pd-1)
		swapRuns(a, pb, n-r, r)

		if r = pb - pa; r > 1 && wanted(base, r) {
			bmSort(a[:r], base, lo, hi, cmp)
		}
		r = pd - pc
		if r <= 1 {
			return
		}
		base += n - r
		a = a[n-r:]
		if !wanted(base, r) {
			return
		}
	}
}

// swapRuns exchanges the n elements from i with the n from j.
func swapRuns(a []geoPoint, i, j, n int) {
	for k := 0; k < n; k++ {
		a[i+k], a[j+k] = a[j+k], a[i+k]
	}
}
