package rdb

import (
	"bytes"
	"io"
	"testing"
)

// incompressible returns n bytes LZF cannot shorten.
func incompressible(n int) []byte {
	b := make([]byte, n)
	x := uint32(12345)
	for i := range b {
		x = x*1664525 + 1013904223
		b[i] = byte(x >> 24)
	}
	return b
}

func BenchmarkWriterString(b *testing.B) {
	for _, bc := range []struct {
		name string
		s    []byte
	}{
		{"int", []byte("123456")},
		{"short", []byte("user:1000:name")},
		{"plain100", incompressible(100)},
		{"lzf1k", bytes.Repeat([]byte("some json {\"id\": 12345} "), 42)},
	} {
		b.Run(bc.name, func(b *testing.B) {
			w := NewWriter(io.Discard)
			b.ReportAllocs()
			b.SetBytes(int64(len(bc.s)))
			for b.Loop() {
				w.String(bc.s)
			}
		})
	}
}

func BenchmarkReaderString(b *testing.B) {
	for _, bc := range []struct {
		name     string
		compress bool
		s        []byte
	}{
		{"plain1k", false, bytes.Repeat([]byte("some json {\"id\": 12345} "), 42)},
		{"lzf1k", true, bytes.Repeat([]byte("some json {\"id\": 12345} "), 42)},
	} {
		b.Run(bc.name, func(b *testing.B) {
			var buf bytes.Buffer
			w := NewWriter(&buf)
			w.SetCompress(bc.compress)
			for range 1000 {
				w.String(bc.s)
			}
			w.Flush()
			data := buf.Bytes()
			b.ReportAllocs()
			b.SetBytes(int64(len(bc.s)) * 1000)
			for b.Loop() {
				r := NewReader(bytes.NewReader(data))
				for range 1000 {
					if _, err := r.String(); err != nil {
						b.Fatal(err)
					}
				}
			}
		})
	}
}
