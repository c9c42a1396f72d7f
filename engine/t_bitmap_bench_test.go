package engine

import (
	"os"
	"strconv"
	"strings"
	"testing"
)

// The hot loops of the bitmap and HyperLogLog commands, in the engine
// alone, through the dispatcher.
func BenchmarkBitmapHLL(b *testing.B) {
	e := newTestEnv(b)
	c := e.newClient()
	dense, err := os.ReadFile("testdata/hll/dense5000.hll")
	if err != nil {
		b.Fatal(err)
	}
	mb := strings.Repeat("\x00\x01\x80\xff", 1<<18) // 1 MiB
	e.do(c, "set", "big", mb)
	e.do(c, "set", "big2", mb)
	e.do(c, "set", "small", strings.Repeat("\x5a", 4096))
	for i := range 3 {
		e.do(c, "set", "d"+strconv.Itoa(i), string(dense))
		e.do(c, "pfadd", "d"+strconv.Itoa(i), "x"+strconv.Itoa(i))
	}
	e.do(c, "pfadd", "sparse", "a", "b", "c", "d", "e")
	// run times one command; vary rewrites the argument at index at
	// (nothing if at is 0) with the iteration number, without allocating.
	run := func(name string, at int, prefix string, mod int, args ...string) {
		argv := make([][]byte, len(args))
		for j, a := range args {
			argv[j] = []byte(a)
		}
		num := make([]byte, 0, 32)
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			for i := 0; b.Loop(); i++ {
				if at > 0 {
					num = append(append(num[:0], prefix...), strconv.Itoa(i%mod)...)
					argv[at] = num
				}
				e.srv.Call(c, argv)
				c.Out.Reset()
			}
		})
	}
	run("SETBIT", 2, "", 32768, "setbit", "small", "0", "1")
	// A write every time: the bit at the offset flips each iteration. The
	// value is unreferenced (edited in place), or referenced by a pending
	// GET reply (copied once per iteration, the cost before pins).
	for _, pinned := range []bool{false, true} {
		name := "SETBIT/1MiB-flip"
		if pinned {
			name += "-after-GET"
		}
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			get := [][]byte{[]byte("get"), []byte("big")}
			on := [][]byte{[]byte("setbit"), []byte("big"), []byte("4242"), []byte("1")}
			off := [][]byte{[]byte("setbit"), []byte("big"), []byte("4242"), []byte("0")}
			for i := 0; b.Loop(); i++ {
				if pinned {
					e.srv.Call(c, get)
				}
				if i&1 == 0 {
					e.srv.Call(c, on)
				} else {
					e.srv.Call(c, off)
				}
				c.Out.Reset()
			}
		})
	}
	// Growing a 1 MiB key by a byte each time (bitmaps indexed by a rising
	// id): every growth stores the whole value anew.
	b.Run("SETBIT/1MiB-grow", func(b *testing.B) {
		b.ReportAllocs()
		e.do(c, "set", "grow", mb)
		argv := [][]byte{[]byte("setbit"), []byte("grow"), nil, []byte("1")}
		num := make([]byte, 0, 32)
		for i := 0; b.Loop(); i++ {
			num = strconv.AppendInt(num[:0], int64(len(mb)+i)*8, 10)
			argv[2] = num
			e.srv.Call(c, argv)
			c.Out.Reset()
		}
	})
	run("GETBIT", 2, "", 32768, "getbit", "small", "0")
	run("BITCOUNT/1MiB", 0, "", 1, "bitcount", "big")
	run("BITCOUNT/4KiB-bit-range", 0, "", 1, "bitcount", "small", "3", "-3", "bit")
	run("BITPOS/1MiB", 0, "", 1, "bitpos", "big", "1", "1", "-1")
	run("BITOP-AND/1MiB", 0, "", 1, "bitop", "and", "dest", "big", "big2")
	run("BITFIELD", 0, "", 1, "bitfield", "small", "incrby", "u12", "#7", "1", "get", "i40", "100")
	run("PFADD/dense", 2, "el", 1<<30, "pfadd", "d0", "")
	run("PFADD/sparse", 2, "s", 200, "pfadd", "sparse", "")
	run("PFCOUNT/3-keys", 0, "", 1, "pfcount", "d0", "d1", "d2")
	run("PFMERGE/3-keys", 0, "", 1, "pfmerge", "m", "d0", "d1", "d2")
	b.Run("PFCOUNT/dense-uncached", func(b *testing.B) {
		b.ReportAllocs()
		argv := [][]byte{[]byte("pfcount"), []byte("d1")}
		for b.Loop() {
			en, _ := e.srv.DB(0).Keys().Get([]byte("d1"))
			hllInvalidateCache(en.Value())
			e.srv.Call(c, argv)
			c.Out.Reset()
		}
	})
}
