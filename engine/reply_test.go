package engine

import (
	"bytes"
	"testing"
)

func TestReplyKeepsOrderAcrossReferences(t *testing.T) {
	var r Reply
	r.buf = append(r.buf, "+a\r\n"...)
	big := bytes.Repeat([]byte{'x'}, 100)
	r.buf = append(r.buf, "$100\r\n"...)
	r.appendRef(big)
	r.buf = append(r.buf, "\r\n:1\r\n"...)
	want := "+a\r\n$100\r\n" + string(big) + "\r\n:1\r\n"
	if got := string(r.Bytes()); got != want {
		t.Fatalf("got %q\nwant %q", got, want)
	}
	if r.Len() != len(want) {
		t.Fatalf("Len %d, want %d", r.Len(), len(want))
	}
	vec := r.Vec()
	if len(vec) != 3 || &vec[1][0] != &big[0] {
		t.Fatalf("the value must be sent by reference as its own segment, got %d segments", len(vec))
	}
	r.Reset()
	if !r.Empty() || r.Len() != 0 || len(r.Bytes()) != 0 {
		t.Fatal("Reset left output behind")
	}
}

func TestReplyDeferredLengths(t *testing.T) {
	var r Reply
	r.buf = append(r.buf, "+first\r\n"...)
	outer := r.deferLen()
	r.buf = append(r.buf, ":1\r\n"...)
	inner := r.deferLen()
	r.buf = append(r.buf, ":2\r\n:3\r\n"...)
	r.setDeferredLen(inner, '*', 2)
	r.setDeferredLen(outer, '*', 2)
	want := "+first\r\n*2\r\n:1\r\n*2\r\n:2\r\n:3\r\n"
	if got := string(r.Bytes()); got != want {
		t.Fatalf("got %q, want %q", got, want)
	}
	if r.Len() != len(want) {
		t.Fatalf("Len %d, want %d", r.Len(), len(want))
	}
}

func TestReplyResetDropsHugeBuffers(t *testing.T) {
	var r Reply
	r.buf = make([]byte, 0, 2*maxKeptReplyBuf)
	r.Reset()
	if cap(r.buf) > maxKeptReplyBuf {
		t.Fatal("a huge buffer was kept after Reset")
	}
}
