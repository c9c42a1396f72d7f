package engine

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"strconv"
	"testing"

	"github.com/volleydb/volley/simd"
)

// Replies of the bitmap group, taken from valkey-server 9.0.4 by sending
// the same commands to both servers.

func TestBitmapSetbitGetbitBitcountBitpos(t *testing.T) {
	e := newTestEnv(t)
	c := e.newClient()
	e.expect(c, []replyCase{
		rcs(":0\r\n", "setbit", "k", "7", "1"),
		rcs(":1\r\n", "setbit", "k", "7", "1"),
		rcs(":1\r\n", "setbit", "k", "7", "0"),
		rcs(":0\r\n", "setbit", "k", "100", "1"),
		rcs(":1\r\n", "getbit", "k", "100"),
		rcs(":0\r\n", "getbit", "k", "101"),
		rcs(":0\r\n", "getbit", "k", "1000000"),
		rcs(":0\r\n", "getbit", "nokey", "0"),
		rcs(":13\r\n", "strlen", "k"),
		rcs("-ERR bit offset is not an integer or out of range\r\n", "setbit", "k", "-1", "1"),
		rcs("-ERR bit offset is not an integer or out of range\r\n", "setbit", "k", "x", "1"),
		rcs("-ERR bit is not an integer or out of range\r\n", "setbit", "k", "1", "2"),
		rcs("-ERR bit is not an integer or out of range\r\n", "setbit", "k", "1", "-1"),
		rcs("-ERR bit is not an integer or out of range\r\n", "setbit", "k", "1", "01"),
		rcs("-ERR bit offset is not an integer or out of range\r\n", "setbit", "k", "4294967296", "1"),
		rcs("-ERR bit offset is not an integer or out of range\r\n", "getbit", "k", "4294967296"),
		rcs("-ERR bit offset is not an integer or out of range\r\n", "getbit", "k", "-1"),
		rcs("+OK\r\n", "set", "n", "12"),
		rcs(":1\r\n", "getbit", "n", "2"),
		rcs(":1\r\n", "getbit", "n", "3"),
		rcs(":0\r\n", "getbit", "n", "16"),
		rcs(":1\r\n", "setbit", "n", "7", "0"),
		rcs("$2\r\n02\r\n", "get", "n"),
		rcs(":1\r\n", "bitcount", "k"),
		rcs(":1\r\n", "bitcount", "k", "0"),
		rcs(":1\r\n", "bitcount", "k", "0", "-1"),
		rcs(":1\r\n", "bitcount", "k", "0", "-1", "bit"),
		rcs(":0\r\n", "bitcount", "k", "1", "12", "bit"),
		rcs(":1\r\n", "bitcount", "k", "-5", "-1", "bit"),
		rcs(":0\r\n", "bitcount", "k", "-1", "-2"),
		rcs(":0\r\n", "bitcount", "k", "5", "2"),
		rcs("-ERR syntax error\r\n", "bitcount", "k", "0", "1", "2"),
		rcs("-ERR syntax error\r\n", "bitcount", "k", "0", "1", "bit", "1"),
		rcs("-ERR value is not an integer or out of range\r\n", "bitcount", "k", "x"),
		rcs("-ERR value is not an integer or out of range\r\n", "bitcount", "k", "0", "x"),
		rcs("-ERR syntax error\r\n", "bitcount", "k", "0", "x", "foo"),
		rcs("-ERR syntax error\r\n", "bitcount", "k", "0", "1", "bits"),
		rcs(":0\r\n", "bitcount", "nokey"),
		rcs(":0\r\n", "bitcount", "nokey", "0", "5", "bit"),
		rcs("+OK\r\n", "set", "s", "foobar"),
		rcs(":26\r\n", "bitcount", "s"),
		rcs(":6\r\n", "bitcount", "s", "1", "1"),
		rcs(":17\r\n", "bitcount", "s", "5", "30", "bit"),
		rcs(":4\r\n", "bitcount", "s", "-8", "-1", "BIT"),
		rcs(":1\r\n", "bitpos", "s", "1"),
		rcs(":0\r\n", "bitpos", "s", "0"),
		rcs(":16\r\n", "bitpos", "s", "0", "2"),
		rcs(":17\r\n", "bitpos", "s", "1", "2", "-1", "byte"),
		rcs(":9\r\n", "bitpos", "s", "1", "7", "15", "bit"),
		rcs(":0\r\n", "bitpos", "s", "0", "0", "-1", "bit"),
		rcs(":46\r\n", "bitpos", "s", "1", "-3", "-1", "bit"),
		rcs(":-1\r\n", "bitpos", "s", "1", "10", "5"),
		rcs("-ERR The bit argument must be 1 or 0.\r\n", "bitpos", "s", "2"),
		rcs("-ERR value is not an integer or out of range\r\n", "bitpos", "s", "x"),
		rcs("-ERR value is not an integer or out of range\r\n", "bitpos", "s", "1", "x"),
		rcs("-ERR value is not an integer or out of range\r\n", "bitpos", "s", "1", "0", "x"),
		rcs("-ERR syntax error\r\n", "bitpos", "s", "1", "0", "1", "foo"),
		rcs("-ERR syntax error\r\n", "bitpos", "s", "1", "0", "1", "bit", "4"),
		rcs(":0\r\n", "bitpos", "nokey", "0"),
		rcs(":-1\r\n", "bitpos", "nokey", "1"),
		rcs(":0\r\n", "bitpos", "nokey", "0", "5", "10", "bit"),
		rcs("+OK\r\n", "set", "ones", "\xff\xff\xff"),
		rcs(":24\r\n", "bitpos", "ones", "0"),
		rcs(":24\r\n", "bitpos", "ones", "0", "0"),
		rcs(":-1\r\n", "bitpos", "ones", "0", "0", "-1"),
		rcs(":-1\r\n", "bitpos", "ones", "0", "0", "-1", "bit"),
		rcs(":16\r\n", "bitpos", "ones", "1", "2"),
		rcs("+OK\r\n", "set", "zeros", "\x00\x00\x00"),
		rcs(":-1\r\n", "bitpos", "zeros", "1"),
		rcs(":8\r\n", "bitpos", "zeros", "0", "1"),
		rcs(":-1\r\n", "bitpos", "zeros", "1", "3", "20", "bit"),
	})
}

func TestBitmapBitopBitfield(t *testing.T) {
	e := newTestEnv(t)
	c := e.newClient()
	e.expect(c, []replyCase{
		rcs("+OK\r\n", "set", "a", "\xff\x0f"),
		rcs("+OK\r\n", "set", "b", "\xf0"),
		rcs("+OK\r\n", "set", "c", "12"),
		rcs(":2\r\n", "bitop", "and", "d", "a", "b"),
		rcs("$2\r\n\xf0\x00\r\n", "get", "d"),
		rcs(":2\r\n", "bitop", "or", "d", "a", "b", "c"),
		rcs("$2\r\n\xff?\r\n", "get", "d"),
		rcs(":2\r\n", "bitop", "xor", "d", "a", "b", "c"),
		rcs("$2\r\n>=\r\n", "get", "d"),
		rcs(":2\r\n", "bitop", "not", "d", "a"),
		rcs("$2\r\n\x00\xf0\r\n", "get", "d"),
		rcs(":0\r\n", "bitop", "NOT", "d", "nokey"),
		rcs(":0\r\n", "exists", "d"),
		rcs(":2\r\n", "bitop", "and", "d", "nokey", "a"),
		rcs("$2\r\n\x00\x00\r\n", "get", "d"),
		rcs("-ERR BITOP NOT must be called with a single source key.\r\n", "bitop", "not", "d", "a", "b"),
		rcs("-ERR syntax error\r\n", "bitop", "diff", "d", "a", "b"),
		rcs("-ERR syntax error\r\n", "bitop", "foo", "d", "a"),
		rcs(":2\r\n", "bitop", "and", "a", "a", "a"),
		rcs("$2\r\n\xff\x0f\r\n", "get", "a"),
		rcs("*4\r\n:0\r\n:156\r\n:-4\r\n:12\r\n", "bitfield", "f", "set", "i8", "0", "-100", "get", "u8", "0", "get", "i4", "4", "get", "u4", "#1"),
		rcs("*4\r\n:1\r\n:2\r\n:3\r\n:0\r\n", "bitfield", "f", "incrby", "u2", "100", "1", "incrby", "u2", "100", "1", "incrby", "u2", "100", "1", "incrby", "u2", "100", "1"),
		rcs("*4\r\n:1\r\n:2\r\n:3\r\n:0\r\n", "bitfield", "f", "overflow", "sat", "incrby", "u2", "102", "1", "incrby", "u2", "102", "1", "incrby", "u2", "102", "1", "incrby", "u2", "102", "-9"),
		rcs("*5\r\n:127\r\n$-1\r\n:-128\r\n:-128\r\n:127\r\n", "bitfield", "f", "overflow", "fail", "incrby", "i8", "200", "127", "incrby", "i8", "200", "1", "overflow", "wrap", "incrby", "i8", "200", "1", "overflow", "sat", "set", "i8", "200", "200", "set", "i8", "200", "-300"),
		rcs("*4\r\n:0\r\n:9223372036854775807\r\n:9223372036854775806\r\n:9223372036854775805\r\n", "bitfield", "f", "set", "i64", "300", "-9223372036854775808", "incrby", "i64", "300", "-1", "overflow", "sat", "incrby", "i64", "300", "-1", "overflow", "fail", "incrby", "i64", "300", "-1"),
		rcs("*4\r\n:0\r\n:0\r\n:0\r\n$-1\r\n", "bitfield", "f", "set", "u63", "400", "9223372036854775807", "incrby", "u63", "400", "1", "overflow", "sat", "incrby", "u63", "400", "-9223372036854775808", "overflow", "fail", "set", "u63", "400", "-1"),
		rcs("*1\r\n:0\r\n", "bitfield", "f", "get", "u8", "100000"),
		rcs("*0\r\n", "bitfield", "f"),
		rcs("*1\r\n:0\r\n", "bitfield", "nokey", "get", "i8", "0"),
		rcs("*2\r\n:0\r\n:0\r\n", "bitfield_ro", "nokey", "get", "i8", "0", "get", "u8", "#3"),
		rcs("*1\r\n:-100\r\n", "bitfield_ro", "f", "get", "i8", "0"),
		rcs("-ERR BITFIELD_RO only supports the GET subcommand\r\n", "bitfield_ro", "f", "set", "i8", "0", "1"),
		rcs("-ERR BITFIELD_RO only supports the GET subcommand\r\n", "bitfield_ro", "f", "incrby", "i8", "0", "1", "get", "u1", "0"),
		rcs("-ERR Invalid bitfield type. Use something like i16 u8. Note that u64 is not supported but i64 is.\r\n", "bitfield", "f", "get", "u64", "0"),
		rcs("-ERR Invalid bitfield type. Use something like i16 u8. Note that u64 is not supported but i64 is.\r\n", "bitfield", "f", "get", "i65", "0"),
		rcs("-ERR Invalid bitfield type. Use something like i16 u8. Note that u64 is not supported but i64 is.\r\n", "bitfield", "f", "get", "i0", "0"),
		rcs("-ERR Invalid bitfield type. Use something like i16 u8. Note that u64 is not supported but i64 is.\r\n", "bitfield", "f", "get", "f8", "0"),
		rcs("-ERR Invalid bitfield type. Use something like i16 u8. Note that u64 is not supported but i64 is.\r\n", "bitfield", "f", "get", "u", "0"),
		rcs("-ERR bit offset is not an integer or out of range\r\n", "bitfield", "f", "get", "u8", "-1"),
		rcs("-ERR bit offset is not an integer or out of range\r\n", "bitfield", "f", "get", "u8", "#-1"),
		rcs("-ERR bit offset is not an integer or out of range\r\n", "bitfield", "f", "get", "u8", "x"),
		rcs("-ERR bit offset is not an integer or out of range\r\n", "bitfield", "f", "get", "u8", "#x"),
		rcs("-ERR bit offset is not an integer or out of range\r\n", "bitfield", "f", "get", "u8", "##1"),
		rcs("-ERR bit offset is not an integer or out of range\r\n", "bitfield", "f", "get", "u8", "4294967296"),
		rcs("-ERR bit offset is not an integer or out of range\r\n", "bitfield", "f", "get", "u8", "#536870912"),
		rcs("-ERR bit offset is not an integer or out of range\r\n", "bitfield", "f", "get", "i64", "#67108864"),
		rcs("-ERR value is not an integer or out of range\r\n", "bitfield", "f", "set", "u8", "0", "x"),
		rcs("-ERR syntax error\r\n", "bitfield", "f", "set", "u8", "0", "1", "get", "u8"),
		rcs("-ERR Invalid OVERFLOW type specified\r\n", "bitfield", "f", "overflow", "up"),
		rcs("-ERR syntax error\r\n", "bitfield", "f", "overflow"),
		rcs("-ERR syntax error\r\n", "bitfield", "f", "bar"),
		rcs("-ERR Invalid OVERFLOW type specified\r\n", "bitfield", "f", "get", "u8", "0", "overflow", "foo", "set", "u8", "0", "x"),
		rcs("-ERR syntax error\r\n", "bitfield", "f", "incrby", "u8", "0"),
		rcs(":0\r\n", "exists", "nf"),
		rcs("*1\r\n$-1\r\n", "bitfield", "nf", "overflow", "fail", "set", "u2", "0", "7"),
		rcs(":1\r\n", "exists", "nf"),
		rcs("$1\r\n\x00\r\n", "get", "nf"),
	})
}

func TestBitmapWrongType(t *testing.T) {
	e := newTestEnv(t)
	c := e.newClient()
	addList(e, "l")
	e.expect(c, []replyCase{
		rcs(wrongType, "setbit", "l", "0", "1"),
		rcs(wrongType, "getbit", "l", "0"),
		rcs(wrongType, "bitcount", "l"),
		rcs(wrongType, "bitcount", "l", "0", "1"),
		rcs(wrongType, "bitpos", "l", "1"),
		rcs(wrongType, "bitpos", "l", "1", "0", "1", "bit"),
		rcs(wrongType, "bitop", "and", "d", "nokey", "l"),
		rcs(wrongType, "bitfield", "l", "get", "u8", "0"),
		rcs(wrongType, "bitfield", "l", "set", "u8", "0", "1"),
		rcs(wrongType, "bitfield_ro", "l", "get", "u8", "0"),
		// Parsing comes before the lookup.
		rcs(errReply(errBitOffset), "setbit", "l", "x", "1"),
		rcs("*0\r\n", "bitfield", "nokey"),
		rcs(syntaxErr, "bitcount", "l", "0", "1", "bit", "x"),
		// BITOP overwrites a destination of any type.
		rcs(okReply, "set", "s", "a"),
		rcs(":1\r\n", "bitop", "not", "l", "s"),
		rcs("+string\r\n", "type", "l"),
	})
}

// TestBitmapEncodingAndExpiry checks that bit writes leave a raw string
// and keep the key's time to live, while BITOP replaces both.
func TestBitmapEncodingAndExpiry(t *testing.T) {
	e, _ := fakeClockEnv(t)
	c := e.newClient()
	for _, tc := range []struct {
		init, cmd []string
	}{
		{[]string{"set", "k", "123"}, []string{"setbit", "k", "0", "0"}},               // int, bit unchanged
		{[]string{"set", "k", "abc"}, []string{"setbit", "k", "1", "0"}},               // embstr, bit changed
		{[]string{"set", "k", "abc"}, []string{"setbit", "k", "100", "0"}},             // grown
		{[]string{"set", "k", "12"}, []string{"bitfield", "k", "set", "u1", "0", "0"}}, // unchanged
		{[]string{"set", "k", "12"}, []string{"bitfield", "k", "overflow", "fail", "set", "u1", "0", "5"}},
	} {
		e.do(c, tc.init...)
		e.do(c, "pexpire", "k", "100000")
		e.do(c, tc.cmd...)
		if got := e.do(c, "object", "encoding", "k"); got != bulk("raw") {
			t.Errorf("%q: encoding %q", tc.cmd, got)
		}
		if got := e.do(c, "pttl", "k"); got != ":100000\r\n" {
			t.Errorf("%q: pttl %q", tc.cmd, got)
		}
	}
	// BITOP stores a raw string without the destination's old expiry.
	e.do(c, "bitop", "or", "k", "k")
	if got := e.do(c, "pttl", "k"); got != ":-1\r\n" {
		t.Errorf("after BITOP pttl %q", got)
	}
	if got := e.do(c, "object", "encoding", "k"); got != bulk("raw") {
		t.Errorf("after BITOP encoding %q", got)
	}
}

// TestBitmapDirty checks that writes count as Valkey counts them: SETBIT
// once per change, BITFIELD once per changed field, nothing when a bit
// already had the value (unless the string had to grow).
func TestBitmapDirty(t *testing.T) {
	e := newTestEnv(t)
	c := e.newClient()
	s := e.srv
	for _, tc := range []struct {
		cmd   []string
		dirty int64
	}{
		{[]string{"setbit", "k", "0", "0"}, 1}, // created
		{[]string{"setbit", "k", "0", "0"}, 0},
		{[]string{"setbit", "k", "0", "1"}, 1},
		{[]string{"setbit", "k", "15", "0"}, 1}, // grown
		{[]string{"bitfield", "k", "set", "u8", "0", "128"}, 0},
		{[]string{"bitfield", "k", "set", "u8", "0", "1", "incrby", "u8", "0", "1", "get", "u8", "0"}, 2},
		{[]string{"bitfield", "k", "set", "u8", "16", "0", "set", "u8", "0", "2"}, 2}, // grown: every write counts
		{[]string{"bitfield", "k", "overflow", "fail", "incrby", "u8", "0", "255"}, 0},
		{[]string{"bitop", "and", "d", "k"}, 1},
		{[]string{"bitop", "and", "d", "nokey"}, 1}, // deletes d
		{[]string{"bitop", "and", "d", "nokey"}, 0},
	} {
		before := s.Dirty
		e.do(c, tc.cmd...)
		if d := s.Dirty - before; d != tc.dirty {
			t.Errorf("%q: dirty +%d, want +%d", tc.cmd, d, tc.dirty)
		}
	}
}

// TestBitmapPinnedValueCopiedOnWrite writes bits into values large enough
// to be sent by reference while a GET's reply still holds them (as between
// a batch's execution and its writev), and checks that the reply keeps the
// old bytes while the key gets the new ones.
func TestBitmapPinnedValueCopiedOnWrite(t *testing.T) {
	e := newTestEnv(t)
	reader, writer := e.newClient(), e.newClient()
	if got := e.do(writer, "config", "set", "min-string-size-avoid-copy-reply", "64"); got != okReply {
		t.Fatal(got)
	}
	val := string(bytes.Repeat([]byte{0x0f}, 200))
	for _, cmd := range [][]string{
		{"setbit", "k", "0", "1"},
		{"setbit", "k", "4", "0"},
		{"bitfield", "k", "incrby", "u8", "8", "1"},
		{"bitfield", "k", "set", "u4", "0", "15", "get", "u8", "0"},
	} {
		e.do(writer, "set", "k", val)
		en, _ := entry(t, e, "k")
		if !en.Stable() {
			t.Fatal("value not stable")
		}
		reader.Out.Reset()
		e.srv.Call(reader, [][]byte{[]byte("get"), []byte("k")}) // pending, not written
		if en.Mutable() {
			t.Fatalf("%q: a value a reply references is mutable", cmd)
		}
		e.do(writer, cmd...)
		if got := string(reader.Out.Bytes()); got != bulk(val) {
			t.Errorf("%q changed a referenced value in place", cmd)
		}
		en2, _ := entry(t, e, "k")
		if string(en2.Value()) == val || &en2.Value()[0] == &en.Value()[0] {
			t.Errorf("%q: value unchanged or not copied", cmd)
		}
		reader.Out.Reset() // written: the old copy is unpinned
		if !en.Mutable() {
			t.Errorf("%q: still pinned after the reply was reset", cmd)
		}
	}
	// A write that changes nothing leaves the value alone.
	e.do(writer, "set", "k", val)
	e.srv.Call(reader, [][]byte{[]byte("get"), []byte("k")})
	en, _ := entry(t, e, "k")
	before := en.Value()
	if got := e.do(writer, "setbit", "k", "4", "1"); got != ":1\r\n" {
		t.Fatal(got)
	}
	en, _ = entry(t, e, "k")
	if &en.Value()[0] != &before[0] {
		t.Error("an unchanged stable value was copied")
	}
	reader.Out.Reset()
}

// TestBitmapUnpinnedStableValueWrittenInPlace: once no reply references a
// Stable value, SETBIT and BITFIELD change its bytes where they are instead
// of copying the whole value; growing it still makes a new one.
func TestBitmapUnpinnedStableValueWrittenInPlace(t *testing.T) {
	e := newTestEnv(t)
	c := e.newClient()
	e.do(c, "config", "set", "min-string-size-avoid-copy-reply", "64")
	val := bytes.Repeat([]byte{0x0f}, 200)
	e.do(c, "set", "k", string(val))
	// A GET whose reply has been written (Reset) leaves no reference.
	if got := e.do(c, "get", "k"); got != bulk(string(val)) {
		t.Fatal(got)
	}
	en, _ := entry(t, e, "k")
	addr := &en.Value()[0]
	e.expect(c, []replyCase{
		rcs(":0\r\n", "setbit", "k", "0", "1"),
		rcs("*2\r\n:16\r\n:1\r\n", "bitfield", "k", "incrby", "u8", "8", "1", "get", "u1", "0"),
		rcs(":1\r\n", "setbit", "k", "7", "0"),
		rcs(bulk("raw"), "object", "encoding", "k"),
	})
	en, _ = entry(t, e, "k")
	if &en.Value()[0] != addr {
		t.Error("an unreferenced stable value was copied")
	}
	want := append([]byte{0x8e, 0x10}, val[2:]...)
	if got := e.do(c, "get", "k"); got != bulk(string(want)) {
		t.Errorf("get %q", got)
	}
	if got := e.do(c, "setbit", "k", "1600", "1"); got != ":0\r\n" {
		t.Fatal(got)
	}
	if got := e.do(c, "strlen", "k"); got != ":201\r\n" {
		t.Errorf("strlen after growing %q", got)
	}
}

// TestBitmapGrowthInPlace: a large value lengthened by SETBIT or BITFIELD
// is stored once with room to grow, and then lengthened where it is until
// the room runs out, keeping its TTL; a pending reply still gets the old
// bytes, because a referenced value is copied instead.
func TestBitmapGrowthInPlace(t *testing.T) {
	e := newTestEnv(t)
	c, reader := e.newClient(), e.newClient()
	e.do(c, "config", "set", "min-string-size-avoid-copy-reply", "64")
	val := string(bytes.Repeat([]byte{0xaa}, 1000))
	e.do(c, "set", "k", val, "px", "100000")
	if got := e.do(c, "setbit", "k", "8000", "1"); got != ":0\r\n" { // grows to 1001: copied, with room
		t.Fatal(got)
	}
	en, _ := entry(t, e, "k")
	addr := &en.Value()[0]
	e.expect(c, []replyCase{
		rcs(":0\r\n", "setbit", "k", "8015", "1"),
		rcs("*1\r\n:0\r\n", "bitfield", "k", "set", "u8", "#1005", "255"),
		rcs(":1006\r\n", "strlen", "k"),
		rcs(bulk("\x80\x01\x00\x00\x00\xff"), "getrange", "k", "1000", "-1"),
		rcs(bulk("raw"), "object", "encoding", "k"),
	})
	if en, _ = entry(t, e, "k"); &en.Value()[0] != addr {
		t.Error("growth within the room copied the value")
	}
	if got := e.do(c, "pttl", "k"); got == ":-1\r\n" || got == ":-2\r\n" {
		t.Errorf("ttl lost: %q", got)
	}
	// Referenced: copied, the reply keeps the old bytes.
	e.srv.Call(reader, [][]byte{[]byte("get"), []byte("k")})
	old := string(en.Value())
	if got := e.do(c, "setbit", "k", "8063", "1"); got != ":0\r\n" {
		t.Fatal(got)
	}
	if got := string(reader.Out.Bytes()); got != bulk(old) {
		t.Error("a pending reply changed")
	}
	reader.Out.Reset()
	en, _ = entry(t, e, "k")
	if &en.Value()[0] == addr || len(en.Value()) != 1008 || en.Value()[1007] != 1 {
		t.Errorf("referenced growth: len %d", len(en.Value()))
	}
	// Past the room (1001 bytes of it): copied again, with new room.
	if got := e.do(c, "setbit", "k", "40000", "1"); got != ":0\r\n" {
		t.Fatal(got)
	}
	if got := e.do(c, "strlen", "k"); got != ":5001\r\n" {
		t.Error(got)
	}
	if got := e.do(c, "bitcount", "k"); got != ":"+strconv.Itoa(4000+1+1+8+1+1)+"\r\n" {
		t.Errorf("bitcount %q", got)
	}
}

// TestBitmapBitopInPlace: BITOP writes its result straight into an
// existing dest of the result's length, whatever place dest takes among
// the sources, and gives the same replies and values as the copying path:
// dest twice among the sources, a dest a pending reply references, a dest
// of another length or type, all fall back to computing a copy. The TTL
// goes, as with SET.
func TestBitmapBitopInPlace(t *testing.T) {
	e := newTestEnv(t)
	c, reader := e.newClient(), e.newClient()
	e.do(c, "config", "set", "min-string-size-avoid-copy-reply", "64")
	rnd := rand.New(rand.NewPCG(1, 2))
	val := func(n int) string {
		b := make([]byte, n)
		for i := range b {
			b[i] = byte(rnd.Uint32())
		}
		return string(b)
	}
	ref := func(op string, srcs ...string) string {
		n := 0
		for _, s := range srcs {
			n = max(n, len(s))
		}
		out := make([]byte, n)
		for i := range out {
			var acc byte
			for k, s := range srcs {
				var b byte
				if i < len(s) {
					b = s[i]
				}
				switch {
				case k == 0:
					acc = b
				case op == "and":
					acc &= b
				case op == "or":
					acc |= b
				case op == "xor":
					acc ^= b
				}
			}
			if op == "not" {
				acc = ^acc
			}
			out[i] = acc
		}
		return string(out)
	}
	for _, n := range []int{3, 100, 40000} { // slab record, Stable, beyond a slab
		for _, op := range []string{"and", "or", "xor", "not"} {
			for _, tc := range []struct {
				keys  []string // "d" is dest
				dLen  int      // dest's length before, 0 for missing
				inPl  bool     // expected in place
				other string   // dest of another type
				pin   bool
			}{
				{keys: []string{"a", "b"}, dLen: n, inPl: true},
				{keys: []string{"d", "a"}, dLen: n, inPl: true},
				{keys: []string{"a", "d"}, dLen: n, inPl: true},
				{keys: []string{"a", "b", "d"}, dLen: n, inPl: true},
				{keys: []string{"d", "a", "d"}, dLen: n},
				{keys: []string{"a", "b"}, dLen: n + 1},
				{keys: []string{"a", "b"}},
				{keys: []string{"a", "b"}, dLen: n, pin: true},
				{keys: []string{"a", "b"}, other: "list"},
			} {
				keys := tc.keys
				if op == "not" {
					if len(keys) > 2 {
						continue
					}
					keys = keys[1:]
				}
				e.do(c, "flushall")
				vals := map[string]string{"a": val(n), "b": val(n)}
				switch {
				case tc.other != "":
					e.do(c, "rpush", "d", "x")
				case tc.dLen > 0:
					vals["d"] = val(tc.dLen)
					e.do(c, "set", "d", vals["d"], "px", "100000")
				}
				e.do(c, "set", "a", vals["a"])
				e.do(c, "set", "b", vals["b"])
				var srcs []string
				for _, k := range keys {
					srcs = append(srcs, vals[k])
				}
				want := ref(op, srcs...)
				var before []byte
				if en, ok := entry(t, e, "d"); ok && tc.other == "" {
					before = en.Value()
				}
				if tc.pin {
					reader.Out.Reset()
					e.srv.Call(reader, [][]byte{[]byte("get"), []byte("d")})
				}
				args := append([]string{"bitop", op, "d"}, keys...)
				name := fmt.Sprintf("n=%d %q", n, args)
				if got := e.do(c, args...); got != ":"+strconv.Itoa(len(want))+"\r\n" {
					t.Fatalf("%s: %q", name, got)
				}
				if got := e.do(c, "get", "d"); got != bulk(want) {
					t.Fatalf("%s: wrong result", name)
				}
				if got := e.do(c, "pttl", "d"); got != ":-1\r\n" {
					t.Errorf("%s: pttl %q", name, got)
				}
				if got := e.do(c, "object", "encoding", "d"); got != bulk("raw") {
					t.Errorf("%s: encoding %q", name, got)
				}
				en, _ := entry(t, e, "d")
				wantIn := tc.inPl || (tc.pin && n < 64) // a small value is copied into the reply, not pinned
				if inPlace := before != nil && &en.Value()[0] == &before[0]; inPlace != wantIn {
					t.Errorf("%s: in place %v, want %v", name, inPlace, wantIn)
				}
				if tc.pin {
					if got := string(reader.Out.Bytes()); got != bulk(vals["d"]) {
						t.Errorf("%s: a pending reply changed", name)
					}
					reader.Out.Reset()
				}
			}
		}
	}
}

func TestBitmapOffsetLimit(t *testing.T) {
	e := newTestEnv(t)
	c := e.newClient()
	e.expect(c, []replyCase{
		rcs(okReply, "config", "set", "proto-max-bulk-len", "1048576"),
		rcs(errReply(errBitOffset), "setbit", "k", "8388608", "1"),
		rcs(errReply(errBitOffset), "getbit", "k", "8388608"),
		rcs(errReply(errBitOffset), "bitfield", "k", "get", "u8", "#1048576"),
		rcs(":0\r\n", "setbit", "k", "8388607", "1"),
		rcs(":1048576\r\n", "strlen", "k"),
		// The offset is checked, not offset+width: a field may end past it.
		rcs("*1\r\n:128\r\n", "bitfield", "k", "set", "u8", "8388607", "255"),
		rcs(":1048577\r\n", "strlen", "k"),
	})
}

// bitposNaive and bitcountNaive are BITPOS and BITCOUNT over a bit range
// written the obvious way, one bit at a time.
func bitAt(v []byte, i int64) int64 { return int64(v[i>>3] >> (7 - i&7) & 1) }

func bitRange(v []byte, start, end int64, isBit, endGiven bool) (lo, hi int64, ok bool) {
	total := int64(len(v))
	if !endGiven {
		end = total - 1
	}
	if isBit {
		total *= 8
	}
	if start < 0 {
		start += total
	}
	if end < 0 {
		end += total
	}
	start, end = max(start, 0), max(end, 0)
	end = min(end, total-1)
	if start > end {
		return 0, 0, false
	}
	if !isBit {
		return start * 8, end*8 + 7, true
	}
	return start, end, true
}

func bitcountNaive(v []byte, start, end int64, isBit, endGiven bool) int64 {
	if start < 0 && end < 0 && start > end && endGiven {
		return 0
	}
	lo, hi, ok := bitRange(v, start, end, isBit, endGiven)
	if !ok {
		return 0
	}
	var n int64
	for i := lo; i <= hi; i++ {
		n += bitAt(v, i)
	}
	return n
}

func bitposNaive(v []byte, bit, start, end int64, isBit, endGiven bool) int64 {
	lo, hi, ok := bitRange(v, start, end, isBit, endGiven)
	if !ok {
		return -1
	}
	for i := lo; i <= hi; i++ {
		if bitAt(v, i) == bit {
			return i
		}
	}
	if bit == 0 && !endGiven {
		return hi + 1
	}
	return -1
}

// FuzzBitmapRanges checks BITCOUNT and BITPOS with every kind of range
// against the bit-at-a-time versions.
func FuzzBitmapRanges(f *testing.F) {
	f.Add([]byte("foobar"), int64(0), int64(-1), uint8(0))
	f.Add([]byte{0xff, 0xff, 0x00, 0x01}, int64(3), int64(20), uint8(7))
	f.Add([]byte{0, 0, 0}, int64(-5), int64(-30), uint8(3))
	e := newTestEnv(f)
	c := e.newClient()
	f.Fuzz(func(t *testing.T, v []byte, start, end int64, mode uint8) {
		e.t = t
		start %= 1 << 40
		end %= 1 << 40
		isBit, endGiven, bit := mode&1 != 0, mode&2 != 0, int64(mode>>2&1)
		e.srv.DB(0).Flush(false)
		if len(v) > 0 {
			e.do(c, "set", "k", string(v))
		}
		s, en := strconv.FormatInt(start, 10), strconv.FormatInt(end, 10)
		unit := "byte"
		if isBit {
			unit = "bit"
		}
		var cnt, pos []string
		switch {
		case isBit:
			cnt = []string{"bitcount", "k", s, en, unit}
			pos = []string{"bitpos", "k", strconv.FormatInt(bit, 10), s, en, unit}
		case endGiven:
			cnt = []string{"bitcount", "k", s, en}
			pos = []string{"bitpos", "k", strconv.FormatInt(bit, 10), s, en}
		default:
			cnt = []string{"bitcount", "k", s}
			pos = []string{"bitpos", "k", strconv.FormatInt(bit, 10), s}
		}
		endGiven = endGiven || isBit
		wantCnt := bitcountNaive(v, start, end, isBit, endGiven)
		if got := e.do(c, cnt...); got != intReply(wantCnt) {
			t.Fatalf("%q on %x: got %q want %d", cnt, v, got, wantCnt)
		}
		wantPos := bitposNaive(v, bit, start, end, isBit, endGiven)
		if len(v) == 0 {
			wantPos = -bit
		}
		if got := e.do(c, pos...); got != intReply(wantPos) {
			t.Fatalf("%q on %x: got %q want %d", pos, v, got, wantPos)
		}
	})
}

func TestBitmapRangesRandom(t *testing.T) {
	e := newTestEnv(t)
	c := e.newClient()
	r := rand.New(rand.NewPCG(1, 2))
	for range 2000 {
		v := make([]byte, r.IntN(80))
		for i := range v {
			switch r.IntN(3) {
			case 0:
				v[i] = 0xff
			case 1:
				v[i] = byte(r.IntN(256))
			}
		}
		start, end := int64(r.IntN(700)-350), int64(r.IntN(700)-350)
		mode := uint8(r.IntN(8))
		if len(v) > 0 {
			e.do(c, "set", "k", string(v))
		} else {
			e.do(c, "del", "k")
		}
		isBit, endGiven, bit := mode&1 != 0, mode&2 != 0 || mode&1 != 0, int64(mode>>2&1)
		unit := "byte"
		if isBit {
			unit = "bit"
		}
		args := []string{"bitcount", "k", strconv.FormatInt(start, 10), strconv.FormatInt(end, 10), unit}
		if got, want := e.do(c, args...), intReply(bitcountNaive(v, start, end, isBit, true)); got != want {
			t.Fatalf("%q on %x: got %q want %q", args, v, got, want)
		}
		args = []string{"bitpos", "k", strconv.FormatInt(bit, 10), strconv.FormatInt(start, 10)}
		if endGiven {
			args = append(args, strconv.FormatInt(end, 10), unit)
		}
		want := bitposNaive(v, bit, start, end, isBit, endGiven)
		if len(v) == 0 {
			want = -bit
		}
		if got := e.do(c, args...); got != intReply(want) {
			t.Fatalf("%q on %x: got %q want %d", args, v, got, want)
		}
	}
}

// getBitfieldNaive reads a field bit by bit, as Valkey does.
func getBitfieldNaive(p []byte, off uint64, width uint) uint64 {
	var v uint64
	for j := uint(0); j < width; j++ {
		var b uint64
		if i := off >> 3; i < uint64(len(p)) {
			b = uint64(p[i] >> (7 - off&7) & 1)
		}
		v = v<<1 | b
		off++
	}
	return v
}

func FuzzBitfieldGetSet(f *testing.F) {
	f.Add([]byte{0xde, 0xad, 0xbe, 0xef, 1, 2, 3, 4, 5, 6, 7}, uint16(3), uint8(64), uint64(0x0123456789abcdef))
	f.Add([]byte{0xff}, uint16(7), uint8(1), uint64(0))
	f.Fuzz(func(t *testing.T, p []byte, off uint16, width uint8, v uint64) {
		w := uint(width%64) + 1
		o := uint64(off) % (uint64(len(p))*8 + 80)
		if got, want := getBitfield(p, o, w), getBitfieldNaive(p, o, w); got != want {
			t.Fatalf("get %d bits at %d of %x: %x, want %x", w, o, p, got, want)
		}
		need := int((o+uint64(w)-1)>>3) + 1
		buf := make([]byte, max(len(p), need))
		copy(buf, p)
		before := bytes.Clone(buf)
		setBitfield(buf, o, w, v)
		mask := uint64(1)<<w - 1
		if w == 64 {
			mask = ^uint64(0)
		}
		if got := getBitfield(buf, o, w); got != v&mask {
			t.Fatalf("set %d bits at %d to %x: read back %x", w, o, v, got)
		}
		// Nothing outside the field moved.
		for i := uint64(0); i < uint64(len(buf))*8; i++ {
			if i >= o && i < o+uint64(w) {
				continue
			}
			if buf[i>>3]>>(7-i&7)&1 != before[i>>3]>>(7-i&7)&1 {
				t.Fatalf("set %d bits at %d changed bit %d", w, o, i)
			}
		}
	})
}

// TestBitmapGenericKernels runs the commands on the pure-Go kernels too.
func TestBitmapGenericKernels(t *testing.T) {
	defer simd.SetLevel(simd.LevelGeneric)()
	TestBitmapSetbitGetbitBitcountBitpos(t)
	TestBitmapBitopBitfield(t)
	TestBitmapRangesRandom(t)
}
