//go:build !race

package rdb

import (
	"bytes"
	"encoding/binary"
	"io"
	"runtime"
	"testing"
)

// Saving must not allocate per string once the Writer's buffers have
// grown: the compressor comes from a pool and the output scratch is kept.
func TestWriterDoesNotAllocate(t *testing.T) {
	w := NewWriter(io.Discard)
	compressible := bytes.Repeat([]byte("abcdefgh"), 500)
	plain := []byte("a string of some length that will not compress at all, 0123456789")
	huge := make([]byte, writeBufSize+1) // written around the buffer
	key, num := []byte("key:12345"), []byte("12345")
	step := func() {
		w.Byte(TypeString)
		w.String(key)
		w.String(compressible)
		w.String(plain)
		w.String(num)
		w.Int(1 << 40)
		w.Len(1 << 20)
		w.BinaryDouble(2.5)
		w.Expire(1700000000000)
		w.AuxInt("ctime", 1700000000)
		w.Aux("repl-id", "0123456789abcdef0123456789abcdef01234567")
		w.Raw(huge)
	}
	step()
	if n := testing.AllocsPerRun(100, step); n != 0 {
		t.Errorf("%v allocations per step", n)
	}
	if n := testing.AllocsPerRun(10, func() { w.Footer() }); n != 0 {
		t.Errorf("Footer: %v allocations", n)
	}
}

// Loading allocates the strings it returns, and nothing else.
func TestReaderAllocatesOnlyResults(t *testing.T) {
	var buf bytes.Buffer
	w := NewWriter(&buf)
	w.String(bytes.Repeat([]byte("abcdefgh"), 500))
	w.String([]byte("a plain string"))
	w.Int(1000)
	w.Len(77)
	w.BinaryDouble(1.5)
	w.Flush()
	data := buf.Bytes()
	r := NewReaderBytes(data)
	br := bytes.NewReader(data)
	sr := NewReader(br)
	for _, rd := range []func() *Reader{
		func() *Reader { *r = Reader{buf: data, err: io.ErrUnexpectedEOF}; return r },
		func() *Reader { br.Reset(data); sr.r, sr.buf, sr.pos, sr.err = br, sr.buf[:0], 0, nil; return sr },
	} {
		n := testing.AllocsPerRun(100, func() {
			r := rd()
			r.String() // one: the decompressed string
			r.String() // one: the copy
			r.Int()
			r.Len()
			r.BinaryDouble()
		})
		if n != 2 {
			t.Errorf("%v allocations, want 2", n)
		}
	}
}

// TestReaderForgedLengthAllocates: a string claiming 2^40 bytes, followed
// by 300 KiB of data, allocates in proportion to the data.
func TestReaderForgedLengthAllocates(t *testing.T) {
	data := binary.BigEndian.AppendUint64([]byte{0x81}, 1<<40)
	data = append(data, make([]byte, 300<<10)...)
	lzf := append([]byte{0xC3, 0x81}, binary.BigEndian.AppendUint64(nil, 1<<40)...)
	lzf = append(lzf, 0x81)
	lzf = binary.BigEndian.AppendUint64(lzf, 1<<40)
	lzf = append(lzf, make([]byte, 300<<10)...)
	for _, in := range [][]byte{data, lzf} {
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		_, err := NewReader(bytes.NewReader(in)).String()
		runtime.ReadMemStats(&after)
		if err != io.ErrUnexpectedEOF {
			t.Fatalf("err = %v", err)
		}
		if got := after.TotalAlloc - before.TotalAlloc; got > 4<<20 {
			t.Errorf("allocated %d bytes for a %d-byte input", got, len(in))
		}
	}
}
