package repllink

import (
	"bufio"
	"bytes"
	"io"
	"strings"
	"testing"
	"testing/iotest"
)

func TestParsePayloadHeader(t *testing.T) {
	mark := strings.Repeat("ab", 20)
	for _, tc := range []struct {
		line string
		want Payload
		err  bool
	}{
		{"$123", Payload{Size: 123}, false},
		{"$EOF:" + mark, Payload{Mark: []byte(mark)}, false},
		{"$EOF:" + mark + "xyz", Payload{Mark: []byte(mark)}, false}, // the first 40 bytes are the mark
		{"$EOF:" + mark[:39], Payload{}, true},                       // too short for a mark, not a number
		{"$0", Payload{}, true},
		{"$-5", Payload{}, true},
		{"$", Payload{}, true},
		{"+OK", Payload{}, true},
	} {
		got, err := ParsePayloadHeader(tc.line)
		if (err != nil) != tc.err || got.Size != tc.want.Size || !bytes.Equal(got.Mark, tc.want.Mark) {
			t.Errorf("%q: %+v, %v; want %+v, error %v", tc.line, got, err, tc.want, tc.err)
		}
	}
}

func TestParsePsyncReply(t *testing.T) {
	id := strings.Repeat("a", 40)
	id2 := strings.Repeat("b", 40)
	for _, tc := range []struct {
		line string
		want PsyncReply
	}{
		{"", PsyncReply{Kind: PsyncWait}},
		{"+FULLRESYNC " + id + " 1234", PsyncReply{Kind: PsyncFull, ID: id, Offset: 1234}},
		{"+FULLRESYNC " + id + " -1", PsyncReply{Kind: PsyncFull, ID: id, Offset: -1}},
		{"+FULLRESYNC " + id[:39] + " 1", PsyncReply{Kind: PsyncBadFull}},
		{"+FULLRESYNC " + id, PsyncReply{Kind: PsyncBadFull}},
		{"+FULLRESYNC", PsyncReply{Kind: PsyncBadFull}},
		{"+CONTINUE", PsyncReply{Kind: PsyncContinue}},
		{"+CONTINUE " + id2, PsyncReply{Kind: PsyncContinue, ID: id2}},
		{"+CONTINUE " + id2 + "x", PsyncReply{Kind: PsyncContinue}},
		{"-NOMASTERLINK Can't SYNC while not connected with my master", PsyncReply{Kind: PsyncTryLater}},
		{"-LOADING Valkey is loading the dataset in memory", PsyncReply{Kind: PsyncTryLater}},
		{"-ERR unknown command 'PSYNC'", PsyncReply{Kind: PsyncNotSupported}},
		{"+DUALCHANNELSYNC", PsyncReply{Kind: PsyncDualChannel}},
		{"$5", PsyncReply{Kind: PsyncNotSupported}},
	} {
		if got := ParsePsyncReply(tc.line); got != tc.want {
			t.Errorf("%q: %+v, want %+v", tc.line, got, tc.want)
		}
	}
}

func TestReadLine(t *testing.T) {
	r := bufio.NewReaderSize(strings.NewReader("+PONG\r\n\n-ERR x\r\n"+strings.Repeat("x", LineMax+10)+"\r\n+tail"), 16)
	for _, want := range []string{"+PONG", "", "-ERR x"} {
		if got, err := ReadLine(r); got != want || err != nil {
			t.Fatalf("%q, %v; want %q", got, err, want)
		}
	}
	if _, err := ReadLine(r); err != ErrLineTooLong {
		t.Fatalf("a long line: %v", err)
	}
	r = bufio.NewReader(strings.NewReader("+partial"))
	if _, err := ReadLine(r); err != io.ErrUnexpectedEOF {
		t.Fatalf("a cut line: %v", err)
	}
}

// copyThrough runs CopyPayload over src read a byte at a time (so every
// split of the mark is met) and in one piece, checking both.
func copyThrough(t *testing.T, src []byte, p Payload) (out []byte, rest []byte, err error) {
	t.Helper()
	var outs [2][]byte
	var rests [2][]byte
	var errs [2]error
	for i, rd := range []io.Reader{iotest.OneByteReader(bytes.NewReader(src)), bytes.NewReader(src)} {
		r := bufio.NewReaderSize(rd, 16)
		var w bytes.Buffer
		var last int64
		n, err := CopyPayload(&w, r, p, func(read int64) {
			if read < last {
				t.Fatalf("progress went back from %d to %d", last, read)
			}
			last = read
		})
		if err == nil && n != int64(w.Len()) {
			t.Fatalf("copied %d, wrote %d", n, w.Len())
		}
		outs[i], errs[i] = w.Bytes(), err
		rests[i], _ = io.ReadAll(r)
		if err == nil && last != int64(len(src)-len(rests[i])) {
			t.Fatalf("progress %d, consumed %d", last, len(src)-len(rests[i]))
		}
	}
	if (errs[0] == nil) != (errs[1] == nil) || errs[0] == nil && (!bytes.Equal(outs[0], outs[1]) || !bytes.Equal(rests[0], rests[1])) {
		t.Fatalf("byte by byte: %q %q %v; whole: %q %q %v", outs[0], rests[0], errs[0], outs[1], rests[1], errs[1])
	}
	return outs[1], rests[1], errs[1]
}

func TestCopyPayload(t *testing.T) {
	mark := []byte(strings.Repeat("0123456789", 4))
	body := []byte("REDIS0011" + strings.Repeat("payload ", 20))
	// The EOF form: the body, the mark, then the stream that follows.
	src := append(append(append([]byte{}, body...), mark...), "*1\r\n$4\r\nPING\r\n"...)
	out, rest, err := copyThrough(t, src, Payload{Mark: mark})
	if err != nil || !bytes.Equal(out, body) || string(rest) != "*1\r\n$4\r\nPING\r\n" {
		t.Fatalf("marked: %q %q %v", out, rest, err)
	}
	// A body shorter than the mark.
	src = append([]byte("ab"), mark...)
	if out, rest, err = copyThrough(t, src, Payload{Mark: mark}); err != nil || string(out) != "ab" || len(rest) != 0 {
		t.Fatalf("short: %q %q %v", out, rest, err)
	}
	// The mark's first bytes inside the body do not end it.
	src = append(append(append([]byte{}, mark[:39]...), 'x'), mark...)
	if out, _, err = copyThrough(t, src, Payload{Mark: mark}); err != nil || !bytes.Equal(out, src[:40]) {
		t.Fatalf("near mark: %q %v", out, err)
	}
	// Cut before the mark.
	if _, _, err = copyThrough(t, body, Payload{Mark: mark}); err != io.ErrUnexpectedEOF {
		t.Fatalf("cut marked: %v", err)
	}
	// The sized form leaves what follows.
	src = append(append([]byte{}, body...), "+more"...)
	if out, rest, err = copyThrough(t, src, Payload{Size: int64(len(body))}); err != nil || !bytes.Equal(out, body) || string(rest) != "+more" {
		t.Fatalf("sized: %q %q %v", out, rest, err)
	}
	if _, _, err = copyThrough(t, body, Payload{Size: int64(len(body)) + 1}); err != io.ErrUnexpectedEOF {
		t.Fatalf("cut sized: %v", err)
	}
}

func FuzzCopyPayload(f *testing.F) {
	f.Add([]byte("REDIS0011abc"), []byte("trailer"), uint8(3))
	f.Add([]byte(""), []byte(""), uint8(1))
	f.Add([]byte(strings.Repeat("0123456789", 4)), []byte("x"), uint8(7))
	f.Fuzz(func(t *testing.T, body, after []byte, chunk uint8) {
		mark := []byte(strings.Repeat("0123456789", 4))
		if bytes.Contains(append(append([]byte{}, body...), mark[:39]...), mark) {
			return // the body would hold the mark itself
		}
		src := append(append(append([]byte{}, body...), mark...), after...)
		n := int(chunk%64) + 1
		r := bufio.NewReaderSize(&chunkReader{src: src, n: n}, 16)
		var w bytes.Buffer
		if _, err := CopyPayload(&w, r, Payload{Mark: mark}, nil); err != nil {
			t.Fatal(err)
		}
		rest, _ := io.ReadAll(r)
		if !bytes.Equal(w.Bytes(), body) || !bytes.Equal(rest, after) {
			t.Fatalf("body %q rest %q; want %q %q", w.Bytes(), rest, body, after)
		}
		if len(body) > 0 {
			r = bufio.NewReaderSize(&chunkReader{src: src, n: n}, 16)
			w.Reset()
			if _, err := CopyPayload(&w, r, Payload{Size: int64(len(body))}, nil); err != nil || !bytes.Equal(w.Bytes(), body) {
				t.Fatalf("sized: %q %v", w.Bytes(), err)
			}
		}
	})
}

func FuzzParsers(f *testing.F) {
	f.Add("+FULLRESYNC " + strings.Repeat("a", 40) + " 99")
	f.Add("+CONTINUE " + strings.Repeat("b", 40))
	f.Add("$EOF:" + strings.Repeat("c", 40))
	f.Add("$12345")
	f.Fuzz(func(t *testing.T, line string) {
		rep := ParsePsyncReply(line)
		if rep.Kind == PsyncFull && len(rep.ID) != MarkSize {
			t.Fatalf("%q: id %q", line, rep.ID)
		}
		if p, err := ParsePayloadHeader(line); err == nil && (p.Mark == nil) == (p.Size <= 0) {
			t.Fatalf("%q: %+v", line, p)
		}
		r := bufio.NewReaderSize(strings.NewReader(line+"\n"), 16)
		if got, err := ReadLine(r); err == nil && strings.ContainsAny(got, "\n") {
			t.Fatalf("%q: line %q", line, got)
		}
	})
}

// chunkReader returns src n bytes at a time.
type chunkReader struct {
	src []byte
	n   int
}

func (c *chunkReader) Read(p []byte) (int, error) {
	if len(c.src) == 0 {
		return 0, io.EOF
	}
	k := min(len(p), c.n, len(c.src))
	copy(p, c.src[:k])
	c.src = c.src[k:]
	return k, nil
}
