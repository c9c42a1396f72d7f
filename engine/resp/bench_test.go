package resp

import (
	"bytes"
	"testing"
)

func benchmarkParse(b *testing.B, input []byte) {
	var p Parser
	argv := make([][]byte, 0, 8)
	b.SetBytes(int64(len(input)))
	b.ReportAllocs()
	for b.Loop() {
		for buf := input; len(buf) > 0; {
			var n int
			var err error
			argv, n, err = p.Parse(buf, argv)
			if err != nil || n == 0 {
				b.Fatalf("Parse: %d, %v", n, err)
			}
			buf = buf[n:]
		}
	}
}

func BenchmarkParseGET(b *testing.B) {
	benchmarkParse(b, []byte("*2\r\n$3\r\nGET\r\n$16\r\nkey:000000000001\r\n"))
}

func BenchmarkParseSET(b *testing.B) {
	benchmarkParse(b, []byte("*3\r\n$3\r\nSET\r\n$16\r\nkey:000000000001\r\n$3\r\nxxx\r\n"))
}

// BenchmarkParsePipeline16 parses what valkey-benchmark -P 16 sends for SET.
func BenchmarkParsePipeline16(b *testing.B) {
	benchmarkParse(b, bytes.Repeat([]byte("*3\r\n$3\r\nSET\r\n$16\r\nkey:000000000001\r\n$3\r\nxxx\r\n"), 16))
}

func BenchmarkParseInline(b *testing.B) {
	benchmarkParse(b, []byte("PING\r\n"))
}

func BenchmarkParseInlineArgs(b *testing.B) {
	benchmarkParse(b, []byte("SET key:000000000001 xxx\r\n"))
}

// BenchmarkParseResume feeds a 1 MiB argument in 16 KiB reads: the cost of
// each incomplete call must not grow with what is already buffered.
func BenchmarkParseResume(b *testing.B) {
	payload := bytes.Repeat([]byte{'v'}, 1<<20)
	input := AppendBulk(AppendBulkString(AppendArrayLen(nil, 2), "SET"), payload)
	buf := make([]byte, 0, len(input))
	var p Parser
	var argv [][]byte
	b.SetBytes(int64(len(input)))
	b.ReportAllocs()
	for b.Loop() {
		buf = buf[:0]
		for off := 0; off < len(input); {
			end := min(off+16<<10, len(input))
			buf = append(buf, input[off:end]...)
			off = end
			var err error
			if argv, _, err = p.Parse(buf, argv); err != nil {
				b.Fatal(err)
			}
		}
	}
}

func BenchmarkSplitArgs(b *testing.B) {
	line := []byte(`SET "key with spaces" 'value\'s' plain \x41`)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := SplitArgs(line); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkFormatDouble(b *testing.B) {
	for _, bc := range []struct {
		name string
		v    float64
	}{
		{"integer", 12345},
		{"fraction", 3.14159},
		{"shortest17", 0.1 + 0.2},
		{"exponent", 1.5e-300},
	} {
		b.Run(bc.name, func(b *testing.B) {
			var dst [32]byte
			b.ReportAllocs()
			for b.Loop() {
				FormatDouble(dst[:0], bc.v)
			}
		})
	}
}

func BenchmarkAppendBulk(b *testing.B) {
	dst := make([]byte, 0, 64)
	v := []byte("value-0123456789")
	b.ReportAllocs()
	for b.Loop() {
		dst = AppendBulk(dst[:0], v)
	}
}
