//go:build !race

package keyspace

import (
	"bytes"
	"testing"
)

// The hot paths allocate nothing: a GET is a hash, a bucket and a record.
func TestAllocs(t *testing.T) {
	tb := NewTable()
	for i := 0; i < 10_000; i++ {
		tb.Set(key(i), Value{Bytes: bytes.Repeat([]byte{'v'}, 100)})
	}
	k, k2, missing := key(42), key(43), []byte("missing")
	val := bytes.Repeat([]byte{'w'}, 100)
	obj := &struct{ n int }{1}
	h := tb.Hash(k)
	dst := make([]Entry, 5)
	cases := []struct {
		name string
		fn   func()
	}{
		{"Get", func() { tb.Get(k) }},
		{"GetMissing", func() { tb.Get(missing) }},
		{"GetHashed", func() { tb.GetHashed(k, h) }},
		{"BucketAddr", func() { tb.BucketAddr(h); tb.EntryHint(h) }},
		{"SetExisting", func() { tb.Set(k, Value{Bytes: val}) }},
		{"SetExistingObj", func() { tb.Set(k2, Value{Obj: obj}) }},
		{"SetExpire", func() { tb.SetExpire(k, 12345) }},
		{"SetDelete", func() { tb.Set(missing, Value{Bytes: val}); tb.Delete(missing) }},
		{"Access", func() {
			e, _ := tb.Get(k)
			e.SetLRU(e.LRU() + 1)
		}},
		{"Random", func() { tb.Random() }},
		{"Sample", func() { tb.Sample(dst) }},
		{"Scan", func() { tb.Scan(12345, func(Entry) {}) }},
	}
	for _, c := range cases {
		c.fn() // warm up: chunks, object slots
		if n := testing.AllocsPerRun(200, c.fn); n != 0 {
			t.Errorf("%s: %v allocs per run, want 0", c.name, n)
		}
	}
}
