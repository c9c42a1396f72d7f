package intset

import (
	"bytes"
	"encoding/hex"
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

func elements(is []byte) []int64 {
	out := make([]int64, Len(is))
	for i := range out {
		out[i] = Get(is, i)
	}
	return out
}

func TestBytesMatchValkey(t *testing.T) {
	// SADD s 1 2 3, then 70000, then -5000000000: the blobs Valkey's DUMP
	// carries for each.
	is := New()
	for _, v := range []int64{3, 1, 2} {
		is, _ = Add(is, v)
	}
	if got := hex.EncodeToString(is); got != "0200000003000000010002000300" {
		t.Fatalf("int16 blob %s", got)
	}
	is, _ = Add(is, 70000)
	if got := hex.EncodeToString(is); got != "040000000400000001000000020000000300000070110100" {
		t.Fatalf("int32 blob %s", got)
	}
	is, _ = Add(is, -5000000000)
	want := "0800000005000000" + "000efad5feffffff" + "0100000000000000" + "0200000000000000" + "0300000000000000" + "7011010000000000"
	if got := hex.EncodeToString(is); got != want {
		t.Fatalf("int64 blob %s\nwant %s", got, want)
	}
	is, _ = Remove(is, -5000000000)
	if Encoding(is) != Enc64 || Len(is) != 4 || BlobLen(is) != len(is) {
		t.Fatalf("removal narrowed or miscounted: enc %d len %d", Encoding(is), Len(is))
	}
}

func TestAgainstModel(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	values := []int64{0, 1, -1, math.MaxInt16, math.MinInt16, math.MaxInt16 + 1, math.MinInt16 - 1,
		math.MaxInt32, math.MinInt32, math.MaxInt32 + 1, math.MinInt32 - 1, math.MaxInt64, math.MinInt64}
	for round := 0; round < 50; round++ {
		is := New()
		model := map[int64]bool{}
		for step := 0; step < 300; step++ {
			var v int64
			switch r.IntN(4) {
			case 0:
				v = values[r.IntN(len(values))]
			case 1:
				v = int64(r.IntN(200)) - 100
			case 2:
				v = int64(r.Int32())
			default:
				v = int64(r.Uint64())
			}
			if r.IntN(3) == 0 {
				var ok bool
				is, ok = Remove(is, v)
				if ok != model[v] {
					t.Fatalf("Remove(%d) = %v", v, ok)
				}
				delete(model, v)
			} else {
				var ok bool
				is, ok = Add(is, v)
				if ok == model[v] {
					t.Fatalf("Add(%d) = %v", v, ok)
				}
				model[v] = true
			}
			want := make([]int64, 0, len(model))
			for k := range model {
				want = append(want, k)
			}
			slices.Sort(want)
			if got := elements(is); !slices.Equal(got, want) {
				t.Fatalf("elements %v, want %v", got, want)
			}
			if len(is) != BlobLen(is) {
				t.Fatalf("slice length %d, blob %d", len(is), BlobLen(is))
			}
			if Len(is) > 0 && (!Validate(is, true) || Min(is) != want[0] || Max(is) != want[len(want)-1]) {
				t.Fatal("Validate, Min or Max wrong")
			}
			for _, k := range want {
				if !Find(is, k) {
					t.Fatalf("Find(%d) false", k)
				}
			}
		}
	}
}

func TestValidate(t *testing.T) {
	good, _ := Add(New(), 5)
	for _, tc := range []struct {
		b    []byte
		deep bool
		ok   bool
	}{
		{good, true, true},
		{New(), false, false},                                     // empty
		{good[:7], false, false},                                  // short header
		{append(bytes.Clone(good), 0), false, false},              // size mismatch
		{[]byte{3, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0}, false, false},   // bad width
		{[]byte{2, 0, 0, 0, 2, 0, 0, 0, 5, 0, 5, 0}, false, true}, // duplicate: shallow passes
		{[]byte{2, 0, 0, 0, 2, 0, 0, 0, 5, 0, 5, 0}, true, false},
		{[]byte{2, 0, 0, 0, 2, 0, 0, 0, 6, 0, 5, 0}, true, false}, // descending
	} {
		if got := Validate(tc.b, tc.deep); got != tc.ok {
			t.Errorf("Validate(%x, %v) = %v", tc.b, tc.deep, got)
		}
	}
}

func FuzzValidateAndOps(f *testing.F) {
	f.Add([]byte{2, 0, 0, 0, 1, 0, 0, 0, 5, 0}, int64(7))
	f.Fuzz(func(t *testing.T, b []byte, v int64) {
		if !Validate(b, true) {
			return
		}
		before := elements(b)
		is, added := Add(bytes.Clone(b), v)
		if added == slices.Contains(before, v) || !Find(is, v) || !Validate(is, true) {
			t.Fatal("Add broke the set")
		}
		is, removed := Remove(is, v)
		if !removed || Find(is, v) {
			t.Fatal("Remove failed")
		}
		after := elements(is)
		want := slices.DeleteFunc(before, func(x int64) bool { return x == v })
		if !slices.Equal(after, want) {
			t.Fatalf("got %v want %v", after, want)
		}
	})
}
