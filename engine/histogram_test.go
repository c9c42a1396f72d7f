package engine

import "testing"

func TestHistogramBucketsCoverValues(t *testing.T) {
	prev := -1
	for v := int64(0); v < 1<<20; v += 1 + v/97 {
		i := histIndex(v)
		if i < prev {
			t.Fatalf("index of %d went backwards: %d < %d", v, i, prev)
		}
		prev = i
		if up := histUpper(i); up < v {
			t.Fatalf("upper bound of bucket %d is %d, below its member %d", i, up, v)
		}
		if i > 0 && histUpper(i-1) >= v {
			t.Fatalf("%d also fits the previous bucket %d (upper %d)", v, i-1, histUpper(i-1))
		}
	}
}

func TestHistogramPercentiles(t *testing.T) {
	var h Histogram
	if h.Percentile(50) != 0 {
		t.Fatal("empty histogram must report 0")
	}
	for v := int64(1); v <= 1000; v++ {
		h.Record(v * 1000)
	}
	for _, c := range []struct {
		p    float64
		want int64
	}{{50, 500_000}, {99, 990_000}, {100, 1_000_000}} {
		got := h.Percentile(c.p)
		if got < c.want || float64(got) > float64(c.want)*(1+1.0/histSub) {
			t.Errorf("p%v = %d, want within %.1f%% above %d", c.p, got, 100.0/histSub, c.want)
		}
	}
}
