package rdb

import (
	"bytes"
	"fmt"
	"testing"

	"github.com/volleydb/volley/engine/listpack"
	"github.com/volleydb/volley/engine/resp"
)

// readOps applies the operations named by ops (cycled) to r until an
// error, returning a transcript of results to compare across readers.
func readOps(r *Reader, ops []byte) string {
	if len(ops) == 0 {
		ops = []byte{0}
	}
	var out bytes.Buffer
	for i := 0; i < 1000; i++ {
		var v any
		var err error
		switch ops[i%len(ops)] % 10 {
		case 0:
			v, err = r.String()
		case 1:
			var n uint64
			var enc bool
			n, enc, err = r.Len()
			v = fmt.Sprint(n, enc)
		case 2:
			v, err = r.Int()
		case 3:
			var f float64
			f, err = r.Double()
			v = fmt.Sprintf("%x", f)
		case 4:
			v, err = r.BinaryDouble()
			v = fmt.Sprintf("%x", v)
		case 5:
			v, err = r.Byte()
		case 6:
			v, err = r.Header()
		case 7:
			err = r.Footer(Version, true)
		case 8:
			v, err = r.SecondTime()
		case 9:
			v, err = r.Raw(int(ops[(i+1)%len(ops)]))
		}
		if err != nil { // the position after an error is unspecified
			fmt.Fprintf(&out, "%v|", err)
			return out.String()
		}
		fmt.Fprintf(&out, "%v %d|", v, r.Offset())
	}
	return out.String()
}

func FuzzReaderString(f *testing.F) {
	f.Add([]byte("\x03abc\xc0\x05\xc1\x00\x80\xc3\x06\x15\x01aa\xe0\x0a\x00"), []byte{0})
	f.Add([]byte("VALKEY080\xfa\x0aredis-bits\xc0\x40\xff"), []byte{6, 5, 0, 0, 5, 7})
	f.Add([]byte("\x81\x00\x00\x01\x00\x00\x00\x00\x00abc"), []byte{0})
	f.Add([]byte("\x031.5\xfd\x05-0.25"), []byte{3})
	f.Add([]byte("\xc3\x82\x05\x01ab"), []byte{0, 1, 2})
	f.Fuzz(func(t *testing.T, data, ops []byte) {
		if len(ops) > 64 {
			ops = ops[:64]
		}
		whole := readOps(NewReaderBytes(data), ops)
		streamed := readOps(NewReader(bytes.NewReader(data)), ops)
		split := readOps(NewReader(&chunkReader{data: data, sizes: []int{1, 3, 7}}), ops)
		if whole != streamed || whole != split {
			t.Fatalf("readers disagree:\n bytes  %s\n stream %s\n split  %s", whole, streamed, split)
		}

		// Any byte string survives a write and a read, compressed or not.
		for _, compress := range []bool{false, true} {
			var buf bytes.Buffer
			w := NewWriter(&buf)
			w.SetCompress(compress)
			w.String(data)
			w.Flush()
			r := NewReaderBytes(buf.Bytes())
			back, err := r.String()
			if err != nil || !bytes.Equal(back, data) || r.Offset() != int64(buf.Len()) {
				t.Fatalf("round trip (compress %v): %v", compress, err)
			}
			if v, ok := resp.ParseInt(data); ok {
				if got, err := NewReaderBytes(buf.Bytes()).Int(); err != nil || got != v {
					t.Fatalf("Int round trip: %d, %v", got, err)
				}
			}
		}
	})
}

func FuzzLZFDecompress(f *testing.F) {
	f.Add([]byte("\x01aa\xe0\x0a\x00"), uint16(21))
	f.Add([]byte("\x00a\xe0\x00\x00"), uint16(10))
	f.Add([]byte("\x1fabcdefghijklmnopqrstuvwxyz012345"), uint16(32))
	f.Add([]byte("\x20\x00"), uint16(100))
	f.Fuzz(func(t *testing.T, data []byte, size uint16) {
		out := make([]byte, size)
		n, err := LZFDecompress(data, out)
		if n < 0 || n > len(out) {
			t.Fatalf("n = %d for a %d-byte buffer", n, len(out))
		}
		grown, gerr := lzfDecompress(data, nil, int(size))
		if (err == nil) != (gerr == nil) || err == nil && !bytes.Equal(grown, out[:n]) {
			t.Fatalf("growing decompressor disagrees: %v / %v", err, gerr)
		}

		// Compression round trip, and the limit rule: any limit gives
		// either 0 or the one result.
		c := make([]byte, len(data)+len(data)/16+64)
		cn := LZFCompress(data, c)
		if len(data) > 0 && cn == 0 {
			t.Fatalf("%d bytes did not fit in %d", len(data), len(c))
		}
		back := make([]byte, len(data))
		if m, err := LZFDecompress(c[:cn], back); err != nil || m != len(data) || !bytes.Equal(back, data) {
			t.Fatalf("round trip: %d, %v", m, err)
		}
		if lim := int(size) % (len(c) + 1); lim > 0 {
			got := make([]byte, lim)
			if k := LZFCompress(data, got); k != 0 && (k != cn || !bytes.Equal(got[:k], c[:cn])) {
				t.Fatalf("limit %d: %d bytes, unlimited %d", lim, k, cn)
			}
		}
	})
}

func FuzzZiplist(f *testing.F) {
	f.Add(buildZiplist(zi(2), zi(5)), []byte("a\x00123\x00-7"))
	f.Add(buildZiplist(zs("hello"), zi(-1000), zi(1<<40), zs(string(bytes.Repeat([]byte("x"), 300)))), []byte{})
	f.Add(buildZiplist(), []byte("\x00\x00"))
	f.Fuzz(func(t *testing.T, zl, parts []byte) {
		if lp, err := ZiplistToListpack(zl); err == nil {
			if !listpack.ValidateIntegrity(lp) {
				t.Fatalf("invalid listpack from %x", zl)
			}
			// Encoding the entries again gives the same listpack.
			var entries []zlEntry
			for _, s := range lpTexts(lp) {
				entries = append(entries, zs(s))
			}
			again, err := ZiplistToListpack(buildZiplist(entries...))
			if err != nil || !bytes.Equal(again, lp) {
				t.Fatalf("re-encoded ziplist converts differently: %v", err)
			}
		}

		// Entries from parts, split at NULs: the converted listpack holds
		// them in order.
		var entries []zlEntry
		var want []string
		for _, s := range bytes.Split(parts, []byte{0}) {
			if v, ok := resp.ParseInt(s); ok {
				entries = append(entries, zi(v))
			} else {
				entries = append(entries, zs(string(s)))
			}
			want = append(want, string(s))
		}
		lp, err := ZiplistToListpack(buildZiplist(entries...))
		if err != nil || fmt.Sprintf("%q", lpTexts(lp)) != fmt.Sprintf("%q", want) {
			t.Fatalf("built ziplist: %v, %q want %q", err, lpTexts(lp), want)
		}
	})
}

func FuzzZipmap(f *testing.F) {
	f.Add([]byte("\x02\x03foo\x03\x00bar\x05hello\x05\x00world\xff"), []byte("a\x00b"))
	f.Add(buildZipmap(zmPair{f: string(bytes.Repeat([]byte("f"), 300)), v: "v", free: 2}), []byte{})
	f.Fuzz(func(t *testing.T, zm, parts []byte) {
		if lp, err := ZipmapToListpack(zm); err == nil {
			texts := lpTexts(lp)
			if !listpack.ValidateIntegrity(lp) || len(texts) == 0 || len(texts)%2 != 0 {
				t.Fatalf("bad listpack from %x", zm)
			}
			seen := map[string]bool{}
			for i := 0; i < len(texts); i += 2 {
				if seen[texts[i]] {
					t.Fatalf("duplicate field %q accepted", texts[i])
				}
				seen[texts[i]] = true
			}
		}

		// Pairs from parts: distinct fields convert to the same pairs.
		var pairs []zmPair
		var want []string
		seen := map[string]bool{}
		fields := bytes.Split(parts, []byte{0})
		for i, s := range fields {
			if seen[string(s)] {
				continue
			}
			seen[string(s)] = true
			v := string(fields[len(fields)-1-i])
			pairs = append(pairs, zmPair{f: string(s), v: v, free: len(s) % 3})
			want = append(want, string(s), v)
		}
		lp, err := ZipmapToListpack(buildZipmap(pairs...))
		if err != nil || fmt.Sprintf("%q", lpTexts(lp)) != fmt.Sprintf("%q", want) {
			t.Fatalf("built zipmap: %v, %q want %q", err, lpTexts(lp), want)
		}
	})
}

func FuzzVerifyDumpPayload(f *testing.F) {
	f.Add(AppendDumpTrailer([]byte{0, 3, 'f', 'o', 'o'}), false)
	f.Add([]byte("short"), false)
	f.Add(withVersion([]byte{0}, 12), true)
	f.Fuzz(func(t *testing.T, p []byte, skip bool) {
		obj, v, err := VerifyDumpPayload(p, skip, false)
		if err == nil && (len(obj) != len(p)-10 || !bytes.Equal(obj, p[:len(obj)]) || !versionAccepted(v, false, false, false)) {
			t.Fatalf("accepted %x as %x version %d", p, obj, v)
		}
		full := AppendDumpTrailer(bytes.Clone(p))
		obj, v, err = VerifyDumpPayload(full, false, false)
		if err != nil || v != Version || !bytes.Equal(obj, p) {
			t.Fatalf("own trailer refused: %v", err)
		}
		// Any single corrupted byte is caught by the CRC.
		if len(p) > 0 {
			bad := bytes.Clone(full)
			bad[len(p)/2] ^= 0x80
			if _, _, err := VerifyDumpPayload(bad, false, false); err != ErrPayloadChecksum {
				t.Fatalf("corruption: %v", err)
			}
		}
	})
}
