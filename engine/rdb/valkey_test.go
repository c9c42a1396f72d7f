package rdb

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"
)

// These tests check the encoder against a real Valkey. They run only when
// VALKEY_SERVER names a valkey-server binary, e.g.
//
//	VALKEY_SERVER=/path/to/valkey-server go test ./engine/rdb -run Valkey

type valkeyConn struct {
	c  net.Conn
	br *bufio.Reader
}

func startValkey(t *testing.T) *valkeyConn {
	t.Helper()
	bin := os.Getenv("VALKEY_SERVER")
	if bin == "" {
		t.Skip("VALKEY_SERVER not set")
	}
	dir := t.TempDir()
	sock := filepath.Join(dir, "valkey.sock")
	cmd := exec.Command(bin, "--port", "0", "--unixsocket", sock, "--dir", dir,
		"--save", "", "--appendonly", "no", "--logfile", filepath.Join(dir, "log"))
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
	})
	var c net.Conn
	var err error
	for range 100 {
		if c, err = net.Dial("unix", sock); err == nil {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return &valkeyConn{c: c, br: bufio.NewReader(c)}
}

// do sends a command and returns a bulk or simple reply's bytes; an error
// reply fails the test.
func (v *valkeyConn) do(t *testing.T, args ...[]byte) []byte {
	t.Helper()
	var b []byte
	b = fmt.Appendf(b, "*%d\r\n", len(args))
	for _, a := range args {
		b = fmt.Appendf(b, "$%d\r\n", len(a))
		b = append(b, a...)
		b = append(b, "\r\n"...)
	}
	if _, err := v.c.Write(b); err != nil {
		t.Fatal(err)
	}
	line, err := v.br.ReadBytes('\n')
	if err != nil {
		t.Fatal(err)
	}
	line = line[:len(line)-2]
	switch line[0] {
	case '+', ':':
		return line[1:]
	case '$':
		n, _ := strconv.Atoi(string(line[1:]))
		if n < 0 {
			return nil
		}
		data := make([]byte, n+2)
		if _, err := io.ReadFull(v.br, data); err != nil {
			t.Fatal(err)
		}
		return data[:n]
	}
	t.Fatalf("reply %q", line)
	return nil
}

func strs(s ...string) [][]byte {
	out := make([][]byte, len(s))
	for i := range s {
		out[i] = []byte(s[i])
	}
	return out
}

// ourDump is the DUMP payload of a string value as this package writes it.
func ourDump(s []byte, compress bool) []byte {
	var buf bytes.Buffer
	w := NewWriter(&buf)
	w.SetCompress(compress)
	w.Byte(TypeString)
	w.String(s)
	w.Flush()
	return AppendDumpTrailer(buf.Bytes())
}

func TestValkeyDump(t *testing.T) {
	v := startValkey(t)
	r := rand.New(rand.NewPCG(7, 8))
	var inputs [][]byte
	for _, s := range []string{"", "0", "12", "-129", "2147483648", "012", " 1", "-0",
		"aaaaaaaaaaaaaaaaaaaaa", "abcabcabcabcabcabcabcabcabc"} {
		inputs = append(inputs, []byte(s))
	}
	inputs = append(inputs, bytes.Repeat([]byte("0123456789"), 10))
	for n := 15; n <= 45; n++ { // the thresholds: > 20 bytes, saves >= 4
		inputs = append(inputs, bytes.Repeat([]byte("a"), n))
		inputs = append(inputs, append(bytes.Repeat([]byte("ab"), n/2), "xyzw"[:n%4]...))
	}
	alphabets := []string{"a", "ab", "abc", "abcd", "abcdefgh", "0123456789abcdef"}
	for range 3000 {
		n := r.IntN(600)
		if r.IntN(20) == 0 {
			n = r.IntN(70000)
		}
		alpha := alphabets[r.IntN(len(alphabets))]
		s := make([]byte, n)
		for i := range s {
			if r.IntN(8) == 0 {
				s[i] = byte(r.Uint32())
			} else {
				s[i] = alpha[r.IntN(len(alpha))]
			}
		}
		// Repeats of random-length phrases, to exercise matches of every
		// length and the 8 KiB window.
		if r.IntN(3) == 0 && n > 0 {
			k := 1 + r.IntN(min(n, 300))
			for i := k; i < n; i++ {
				if r.IntN(50) != 0 {
					s[i] = s[i-k]
				}
			}
		}
		inputs = append(inputs, s)
	}
	for _, compress := range []bool{true, false} {
		yes := "yes"
		if !compress {
			yes = "no"
		}
		v.do(t, strs("CONFIG", "SET", "rdbcompression", yes)...)
		compressed := 0
		for i, s := range inputs {
			v.do(t, []byte("SET"), []byte("k"), s)
			got := v.do(t, strs("DUMP", "k")...)
			want := ourDump(s, compress)
			if !bytes.Equal(got, want) {
				t.Fatalf("compress=%v input %d (%d bytes): valkey %x\n ours %x", compress, i, len(s), got, want)
			}
			if got[1] == 0xC0|EncLZF {
				compressed++
			}
			back, err := NewReaderBytes(got[1 : len(got)-10]).String()
			if err != nil || !bytes.Equal(back, s) {
				t.Fatalf("reading valkey's DUMP of input %d: %v", i, err)
			}
		}
		t.Logf("compress=%v: %d of %d inputs compressed", compress, compressed, len(inputs))
	}
}

// TestValkeySave reads a file Valkey saved: header, aux fields, the
// keys' strings and the footer checksum.
func TestValkeySave(t *testing.T) {
	v := startValkey(t)
	v.do(t, strs("SET", "int", "12345")...)
	v.do(t, strs("SET", "long", string(bytes.Repeat([]byte("xy"), 100)))...)
	v.do(t, strs("SET", "exp", "v", "PX", "100000000")...)
	v.do(t, strs("SAVE")...)
	path := filepath.Join(filepath.Dir(v.c.RemoteAddr().String()), "dump.rdb")
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r := NewReader(f)
	ver, err := r.Header()
	if err != nil || ver != Version {
		t.Fatalf("Header = %d, %v", ver, err)
	}
	keys := map[string]string{}
	for {
		op, err := r.Byte()
		if err != nil {
			t.Fatal(err)
		}
		switch op {
		case OpAux:
			if _, err := r.String(); err != nil {
				t.Fatal(err)
			}
			if _, err := r.String(); err != nil {
				t.Fatal(err)
			}
		case OpSelectDB:
			r.Len()
		case OpResizeDB:
			r.Len()
			r.Len()
		case OpExpireTimeMs:
			r.MillisecondTime()
		case TypeString:
			k, _ := r.String()
			val, err := r.String()
			if err != nil {
				t.Fatal(err)
			}
			keys[string(k)] = string(val)
		case OpEOF:
			if err := r.Footer(ver, true); err != nil {
				t.Fatal(err)
			}
			if len(keys) != 3 || keys["int"] != "12345" || keys["exp"] != "v" || len(keys["long"]) != 200 {
				t.Fatalf("keys %q", keys)
			}
			return
		default:
			t.Fatalf("unexpected opcode %d", op)
		}
	}
}
