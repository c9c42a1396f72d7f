//go:build !race

package listpack

import "testing"

func TestListpackReadsDoNotAllocate(t *testing.T) {
	lp := build([]string{"a", "12345", "hello", "-3", "x"})
	lp = Append(lp, []byte("tail")) // leave spare capacity for in-place growth
	var buf [24]byte
	n := testing.AllocsPerRun(200, func() {
		for p := First(lp); p >= 0; p = Next(lp, p) {
			GetString(lp, p, buf[:])
		}
		Find(lp, First(lp), []byte("-3"), 0)
		Seek(lp, -2)
	})
	if n != 0 {
		t.Fatalf("reads allocate %v times", n)
	}
	lp = append(make([]byte, 0, 4096), lp...)
	n = testing.AllocsPerRun(200, func() {
		lp = Append(lp, []byte("abc"))
		lp = Delete(lp, Last(lp))
	})
	if n != 0 {
		t.Fatalf("append/delete within capacity allocates %v times", n)
	}
}
