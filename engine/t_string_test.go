package engine

import (
	"crypto/sha256"
	"encoding/hex"
	"math"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"

	"github.com/volleydb/volley/engine/config"
	"github.com/volleydb/volley/engine/keyspace"
)

// Replies and state of the string group, compared byte for byte with what
// Valkey 9.0.4 sends (the expected replies were taken from valkey-server).

const (
	nullBulk   = "$-1\r\n"
	emptyBulk  = "$0\r\n\r\n"
	okReply    = "+OK\r\n"
	wrongType  = "-" + ErrWrongType + "\r\n"
	syntaxErr  = "-" + ErrSyntax + "\r\n"
	notInteger = "-" + ErrNotInteger + "\r\n"
)

func rcs(want string, args ...string) replyCase { return replyCase{args, want} }

func intReply(n int64) string { return ":" + strconv.FormatInt(n, 10) + "\r\n" }

// addList stores a non-string value under key, for WRONGTYPE paths.
func addList(e *testEnv, key string) {
	e.srv.DB(0).Set([]byte(key), keyspace.Value{Kind: TypeList | EncListpack, Bytes: []byte{0}}, false)
}

// entry returns key's stored entry in database 0, without touching it.
func entry(t *testing.T, e *testEnv, key string) (keyspace.Entry, bool) {
	t.Helper()
	return e.srv.DB(0).Keys().Get([]byte(key))
}

func wantEncoding(t *testing.T, e *testEnv, key, want string) {
	t.Helper()
	en, ok := entry(t, e, key)
	if !ok {
		t.Fatalf("%s: missing, want encoding %s", key, want)
	}
	if got := EncodingName(en.Kind()); got != want || typeOf(en) != TypeString {
		t.Errorf("%s: encoding %s (type %s), want string %s", key, got, TypeName(en.Kind()), want)
	}
}

func wantExpire(t *testing.T, e *testEnv, key string, want int64) {
	t.Helper()
	en, ok := entry(t, e, key)
	if !ok {
		t.Fatalf("%s: missing", key)
	}
	if en.Expire() != want {
		t.Errorf("%s: expire %d, want %d", key, en.Expire(), want)
	}
	_, indexed := e.srv.DB(0).Expires().Get([]byte(key))
	if indexed != (want != 0) {
		t.Errorf("%s: in expires index %v, want %v", key, indexed, want != 0)
	}
}

func wantMissing(t *testing.T, e *testEnv, key string) {
	t.Helper()
	if _, ok := entry(t, e, key); ok {
		t.Errorf("%s: exists, want missing", key)
	}
}

func TestStringGetSet(t *testing.T) {
	e := newTestEnv(t)
	c := e.newClient()
	addList(e, "list")
	e.expect(c, []replyCase{
		rc("get nokey", nullBulk),
		rc("set k v", okReply),
		rc("get k", bulk("v")),
		rcs(okReply, "set", "k", ""),
		rc("get k", emptyBulk),
		rcs(okReply, "set", "bin", "a\x00b\r\nc"),
		rc("get bin", bulk("a\x00b\r\nc")),
		rc("get list", wrongType),
		rc("set list v", okReply), // SET replaces any type
		rc("get list", bulk("v")),
		rc("GET k", emptyBulk),
	})
	c.Proto = 3
	e.expect(c, []replyCase{
		rc("get nokey", "_\r\n"),
		rc("get list", bulk("v")),
	})
}

func TestStringSetOptions(t *testing.T) {
	e := newTestEnv(t)
	c := e.newClient()
	addList(e, "list")
	e.expect(c, []replyCase{
		// NX / XX
		rc("set k v nx", okReply),
		rc("set k w nx", nullBulk),
		rc("get k", bulk("v")),
		rc("set k w xx", okReply),
		rc("set nk w xx", nullBulk),
		rc("get nk", nullBulk),
		rc("set k v NX XX", syntaxErr),
		rc("set k v xx nx", syntaxErr),
		rc("set k v nx nx", nullBulk), // repeating an option is allowed
		// GET
		rc("set k v1 get", bulk("w")),
		rc("set g v get", nullBulk),
		rc("set k v2 get nx", bulk("v1")),
		rc("get k", bulk("v1")),
		rc("set k v3 get xx", bulk("v1")),
		rc("set k3 v get xx", nullBulk),
		rc("get k3", nullBulk),
		rc("set k v4 get get", bulk("v3")),
		rc("set list v get", wrongType),
		rc("set list v get nx", wrongType),
		// Option names compare as C strings, up to a NUL byte.
		rcs(okReply, "set", "z", "v", "Nx\x00zz"),
		rcs(syntaxErr, "set", "z", "v", "nxx"),
		rc("set k v foo", syntaxErr),
		rc("set k v persist", syntaxErr),
		rc("set k v ex", syntaxErr),
		rc("set k v ifeq", syntaxErr),
		rc("set k v ex 10 px 10", syntaxErr),
		rc("set k v ex 10 keepttl", syntaxErr),
		rc("set k v keepttl ex 10", syntaxErr),
		rc("set k v keepttl keepttl", okReply),
		rc("set k v ex 10 ex 20", okReply),
		// Expire validation
		rc("set k v ex 0", "-ERR invalid expire time in 'set' command\r\n"),
		rc("set k v ex -1", "-ERR invalid expire time in 'set' command\r\n"),
		rc("set k v px 0", "-ERR invalid expire time in 'set' command\r\n"),
		rc("set k v exat 0", "-ERR invalid expire time in 'set' command\r\n"),
		rc("set k v pxat -5", "-ERR invalid expire time in 'set' command\r\n"),
		rc("set k v ex abc", notInteger),
		rc("set k v ex 1.5", notInteger),
		rc("set k v ex 9223372036854776", "-ERR invalid expire time in 'set' command\r\n"),
		rc("set k v px 9223372036854775807", "-ERR invalid expire time in 'set' command\r\n"),
		rc("set k v exat 9223372036854775", okReply),
		rc("set k v ex 9223372036854775", "-ERR invalid expire time in 'set' command\r\n"),
		// The expire is validated before GET replies.
		rc("set k v get ex 0", "-ERR invalid expire time in 'set' command\r\n"),
	})
}

func TestStringSetIfeq(t *testing.T) {
	e := newTestEnv(t)
	c := e.newClient()
	addList(e, "list")
	e.expect(c, []replyCase{
		rc("set k a", okReply),
		rc("set k b ifeq a", okReply),
		rc("get k", bulk("b")),
		rc("set k c ifeq a", nullBulk),
		rc("get k", bulk("b")),
		rc("set nope c ifeq a", nullBulk),
		rc("get nope", nullBulk),
		rc("set k c ifeq b get", bulk("b")),
		rc("get k", bulk("c")),
		rc("set k d ifeq x get", bulk("c")), // not equal: old value, no set
		rc("get k", bulk("c")),
		rc("set nope d ifeq c get", nullBulk),
		rc("get nope", nullBulk),
		rc("set list d ifeq c", wrongType),
		rc("set list d ifeq c get", wrongType),
		rc("set k d ifeq c nx", syntaxErr),
		rc("set k d nx ifeq c", syntaxErr),
		rc("set k d xx ifeq c", syntaxErr),
		rc("set k d ifeq c ifeq c", syntaxErr),
		rc("set k 12 ifeq c", okReply),
		rc("set k 13 ifeq 12", okReply), // compares the integer's text
		rc("get k", bulk("13")),
	})
	c.Proto = 3
	e.expect(c, []replyCase{
		rc("set k x ifeq nomatch", "_\r\n"),
		rc("set k x nx", "_\r\n"),
		rc("set none x ifeq a get", "_\r\n"),
	})
}

func TestStringSetExpiry(t *testing.T) {
	e, clk := fakeClockEnv(t)
	c := e.newClient()
	now := clk.Ms
	e.expect(c, []replyCase{rc("set k v ex 10", okReply)})
	wantExpire(t, e, "k", now+10_000)
	e.expect(c, []replyCase{rc("set k v px 1500", okReply)})
	wantExpire(t, e, "k", now+1500)
	e.expect(c, []replyCase{rc("set k v2 keepttl", okReply)})
	wantExpire(t, e, "k", now+1500)
	e.expect(c, []replyCase{rc("set k v3", okReply)})
	wantExpire(t, e, "k", 0)
	e.expect(c, []replyCase{rc("set k v exat "+strconv.FormatInt(now/1000+100, 10), okReply)})
	wantExpire(t, e, "k", (now/1000+100)*1000)
	e.expect(c, []replyCase{rc("set k v pxat "+strconv.FormatInt(now+7, 10), okReply)})
	wantExpire(t, e, "k", now+7)
	e.expect(c, []replyCase{rc("setex k 3 v", okReply)})
	wantExpire(t, e, "k", now+3000)
	e.expect(c, []replyCase{rc("psetex k 30 v", okReply)})
	wantExpire(t, e, "k", now+30)
	e.expect(c, []replyCase{rc("set k v ex 100 keepttl", syntaxErr)})
	wantExpire(t, e, "k", now+30)

	// Expired after its time, not at it.
	clk.Ms = now + 30
	e.expect(c, []replyCase{rc("get k", bulk("v"))})
	clk.Ms = now + 31
	e.expect(c, []replyCase{rc("get k", nullBulk), rc("set k v xx", nullBulk)})

	// An absolute time already past deletes the key as an expiration.
	s := e.srv
	e.expect(c, []replyCase{rc("set k v", okReply)})
	dirty, expired := s.Dirty, s.Stats.ExpiredKeys
	past := strconv.FormatInt(clk.Ms, 10) // at the current time counts as past
	e.expect(c, []replyCase{rc("set k w pxat "+past, okReply)})
	wantMissing(t, e, "k")
	if s.Dirty != dirty+1 || s.Stats.ExpiredKeys != expired+1 {
		t.Errorf("past PXAT on a key: dirty +%d expired +%d, want +1 +1", s.Dirty-dirty, s.Stats.ExpiredKeys-expired)
	}
	e.expect(c, []replyCase{rc("set k w pxat "+past, okReply)}) // missing key: nothing to delete
	if s.Dirty != dirty+1 || s.Stats.ExpiredKeys != expired+1 {
		t.Errorf("past PXAT on a missing key changed counters")
	}
	e.expect(c, []replyCase{
		rc("set k v", okReply),
		rc("set k w exat 1 get", bulk("v")),
		rc("get k", nullBulk),
		rc("set k v", okReply),
		rc("set k w exat 1 nx", nullBulk), // the condition comes first
		rc("get k", bulk("v")),
	})

	// Relative times that overflow.
	clk.Ms = math.MaxInt64 - 500
	e.expect(c, []replyCase{
		rc("set k v px 1000", "-ERR invalid expire time in 'set' command\r\n"),
		rc("setex k 1 v", "-ERR invalid expire time in 'setex' command\r\n"),
		rc("psetex k 1000 v", "-ERR invalid expire time in 'psetex' command\r\n"),
	})
}

func TestStringSetnxSetexPsetex(t *testing.T) {
	e := newTestEnv(t)
	c := e.newClient()
	addList(e, "list")
	e.expect(c, []replyCase{
		rc("setnx k 1", intReply(1)),
		rc("setnx k 2", intReply(0)),
		rc("get k", bulk("1")),
		rc("setnx list 2", intReply(0)),
		rc("setex k 10 v", okReply),
		rc("get k", bulk("v")),
		rc("setex k 0 v", "-ERR invalid expire time in 'setex' command\r\n"),
		rc("setex k -10 v", "-ERR invalid expire time in 'setex' command\r\n"),
		rc("setex k x v", notInteger),
		rc("setex k 9223372036854776 v", "-ERR invalid expire time in 'setex' command\r\n"),
		rc("psetex k 0 v", "-ERR invalid expire time in 'psetex' command\r\n"),
		rc("psetex k 1000 w", okReply),
		rc("get k", bulk("w")),
		rc("setex list 10 v", okReply),
		rc("setex k", "-ERR wrong number of arguments for 'setex' command\r\n"),
	})
}

func TestStringGetsetGetdel(t *testing.T) {
	e, clk := fakeClockEnv(t)
	c := e.newClient()
	addList(e, "list")
	e.expect(c, []replyCase{
		rc("getset k 1", nullBulk),
		rc("getset k 2", bulk("1")),
		rc("get k", bulk("2")),
		rc("getset list x", wrongType),
		rc("set t v ex 100", okReply),
		rc("getset t w", bulk("v")),
	})
	wantExpire(t, e, "t", 0) // GETSET clears the time to live
	e.expect(c, []replyCase{
		rc("getdel k", bulk("2")),
		rc("getdel k", nullBulk),
		rc("get k", nullBulk),
		rc("getdel list", wrongType),
	})
	if _, ok := entry(t, e, "list"); !ok {
		t.Error("GETDEL of a list deleted it")
	}
	_ = clk
	c.Proto = 3
	e.expect(c, []replyCase{rc("getdel none", "_\r\n"), rc("getset none2 x", "_\r\n")})
}

func TestStringGetex(t *testing.T) {
	e, clk := fakeClockEnv(t)
	c := e.newClient()
	s := e.srv
	now := clk.Ms
	addList(e, "list")
	e.expect(c, []replyCase{
		rc("set k v", okReply),
		rc("getex k", bulk("v")),
		rc("getex k ex 100", bulk("v")),
	})
	wantExpire(t, e, "k", now+100_000)
	e.expect(c, []replyCase{rc("getex k px 1234", bulk("v"))})
	wantExpire(t, e, "k", now+1234)
	e.expect(c, []replyCase{rc("getex k exat 99999999999", bulk("v"))})
	wantExpire(t, e, "k", 99999999999000)
	e.expect(c, []replyCase{rc("getex k pxat 99999999999999", bulk("v"))})
	wantExpire(t, e, "k", 99999999999999)
	dirty := s.Dirty
	e.expect(c, []replyCase{rc("getex k persist", bulk("v"))})
	wantExpire(t, e, "k", 0)
	e.expect(c, []replyCase{rc("getex k persist persist", bulk("v"))}) // nothing to remove
	if s.Dirty != dirty+1 {
		t.Errorf("two PERSISTs: dirty +%d, want +1", s.Dirty-dirty)
	}
	e.expect(c, []replyCase{
		rc("getex k ex 0", "-ERR invalid expire time in 'getex' command\r\n"),
		rc("getex k ex -1", "-ERR invalid expire time in 'getex' command\r\n"),
		rc("getex k ex x", notInteger),
		rc("getex k persist ex 10", syntaxErr),
		rc("getex k ex 10 persist", syntaxErr),
		rc("getex k ex 10 px 10", syntaxErr),
		rc("getex k keepttl", syntaxErr),
		rc("getex k nx", syntaxErr),
		rc("getex k get", syntaxErr),
		rc("getex k ex", syntaxErr),
		rc("getex k foo", syntaxErr),
		// A missing key replies null before the expire is checked.
		rc("getex nokey ex -1", nullBulk),
		rc("getex nokey foo", syntaxErr),
		rc("getex list", wrongType),
		rc("getex list ex -1", wrongType),
	})
	wantExpire(t, e, "k", 0)

	// A past absolute time returns the value and deletes the key.
	expired := s.Stats.ExpiredKeys
	e.expect(c, []replyCase{
		rc("getex k exat 1", bulk("v")),
		rc("get k", nullBulk),
		rc("set k v", okReply),
		rc("getex k pxat "+strconv.FormatInt(clk.Ms, 10), bulk("v")),
		rc("get k", nullBulk),
	})
	if s.Stats.ExpiredKeys != expired+2 {
		t.Errorf("expired_keys +%d, want +2", s.Stats.ExpiredKeys-expired)
	}
	c.Proto = 3
	e.expect(c, []replyCase{rc("getex nokey", "_\r\n")})
}

func TestStringMgetMset(t *testing.T) {
	e := newTestEnv(t)
	c := e.newClient()
	addList(e, "list")
	e.expect(c, []replyCase{
		rc("mset a 1 b 2 c 3", okReply),
		rc("mget a b c nokey list", "*5\r\n"+bulk("1")+bulk("2")+bulk("3")+nullBulk+nullBulk),
		rc("mset a 1 b", "-ERR wrong number of arguments for 'mset' command\r\n"),
		rc("msetnx a 1 b", "-ERR wrong number of arguments for 'msetnx' command\r\n"),
		rc("mset", "-ERR wrong number of arguments for 'mset' command\r\n"),
		rc("msetnx x1 1 a 2", intReply(0)),
		rc("get x1", nullBulk),
		rc("get a", bulk("1")),
		rc("msetnx x1 1 x2 2", intReply(1)),
		rc("mget x1 x2", "*2\r\n"+bulk("1")+bulk("2")),
		rc("msetnx y1 1 y1 2", intReply(1)),
		rc("get y1", bulk("2")),
		rc("msetnx list 1 z 2", intReply(0)),
		rc("mset a 1 a 2", okReply),
		rc("get a", bulk("2")),
		rc("mset list s", okReply),
		rc("get list", bulk("s")),
	})
	c.Proto = 3
	e.expect(c, []replyCase{rc("mget a nokey", "*2\r\n"+bulk("2")+"_\r\n")})
}

func TestStringAppendStrlen(t *testing.T) {
	e, clk := fakeClockEnv(t)
	c := e.newClient()
	addList(e, "list")
	e.expect(c, []replyCase{
		rc("append k 12", intReply(2)),
		rc("append k 34", intReply(4)),
		rc("get k", bulk("1234")),
		rcs(intReply(4), "append", "k", ""),
		rc("strlen k", intReply(4)),
		rc("strlen nokey", intReply(0)),
		rc("strlen list", wrongType),
		rc("append list x", wrongType),
		rc("set n 12345", okReply),
		rc("strlen n", intReply(5)),
		rcs(intReply(0), "append", "e", ""),
		rc("get e", emptyBulk),
		rc("set t v ex 100", okReply),
		rc("append t w", intReply(2)),
	})
	wantExpire(t, e, "t", clk.Ms+100_000) // APPEND keeps the time to live

	// Values that grow past the slab size and the zero-copy threshold.
	big := strings.Repeat("x", 40_000)
	e.expect(c, []replyCase{rcs(intReply(40_002), "append", "t", big)})
	if got := e.do(c, "get", "t"); got != bulk("vw"+big) {
		t.Errorf("GET after a large APPEND: %d bytes", len(got))
	}
	e.expect(c, []replyCase{rc("append t yz", intReply(40_004))})
	wantExpire(t, e, "t", clk.Ms+100_000)
	if got := e.do(c, "get", "t"); got != bulk("vw"+big+"yz") {
		t.Errorf("GET after appending to a large value: %d bytes", len(got))
	}

	// The result may not exceed proto-max-bulk-len.
	e.srv.Cfg.ProtoMaxBulkLen = 10
	e.expect(c, []replyCase{
		rc("set s 12345", okReply),
		rc("append s 67890", intReply(10)),
		rc("append s x", "-"+errStringTooLong+"\r\n"),
		rc("get s", bulk("1234567890")),
	})
	// The primary's stream is obeyed past the limit, but not past what a
	// record can hold.
	p := e.newClient()
	p.Flags |= ClientPrimary
	e.expect(p, []replyCase{
		rc("append s x", intReply(11)),
		rc("setrange s 20 y", intReply(21)),
		rc("setrange s 9223372036854775807 y", "-"+errStringTooLong+"\r\n"),
		rc("setrange s 4294967295 y", "-"+errStringTooLong+"\r\n"),
	})
}

func TestStringSetrangeGetrange(t *testing.T) {
	e, clk := fakeClockEnv(t)
	e.srv.Cfg.ProtoMaxBulkLen = 1 << 20
	c := e.newClient()
	addList(e, "list")
	e.expect(c, []replyCase{
		rc("setrange sr 5 hello", intReply(10)),
		rc("get sr", bulk("\x00\x00\x00\x00\x00hello")),
		rc("setrange sr 0 HE", intReply(10)),
		rc("get sr", bulk("HE\x00\x00\x00hello")),
		rc("setrange sr 8 xyzw", intReply(12)),
		rc("get sr", bulk("HE\x00\x00\x00helxyzw")),
		rc("setrange sr -1 x", "-ERR offset is out of range\r\n"),
		rc("setrange sr x x", notInteger),
		rcs(intReply(12), "setrange", "sr", "0", ""),
		rcs(intReply(0), "setrange", "nokey", "0", ""),
		rcs(intReply(0), "setrange", "nokey", "100", ""),
		rc("get nokey", nullBulk),
		rc("setrange sr 1048575 x", intReply(1048576)), // proto-max-bulk-len is 1MB here
		rc("setrange sr 1048576 x", "-"+errStringTooLong+"\r\n"),
		rc("setrange sr 9223372036854775807 x", "-"+errStringTooLong+"\r\n"),
		rc("setrange nokey2 1048576 x", "-"+errStringTooLong+"\r\n"),
		rc("setrange nokey2 1048575 x", intReply(1048576)),
		rc("setrange list 0 x", wrongType),
		rcs(wrongType, "setrange", "list", "0", ""),
		rc("set t 123 ex 100", okReply),
		rc("setrange t 1 9", intReply(3)),
		rc("get t", bulk("193")),
	})
	wantExpire(t, e, "t", clk.Ms+100_000)
	e.expect(c, []replyCase{
		rc("set gr Hello_World", okReply),
		rc("getrange gr 0 3", bulk("Hell")),
		rc("getrange gr -3 -1", bulk("rld")),
		rc("getrange gr 0 -1", bulk("Hello_World")),
		rc("getrange gr 5 3", emptyBulk),
		rc("getrange gr -1 -5", emptyBulk),
		rc("getrange gr 100 200", emptyBulk),
		rc("getrange gr -100 100", bulk("Hello_World")),
		rc("getrange gr 0 4294967297", bulk("Hello_World")),
		rc("getrange gr -9223372036854775808 9223372036854775807", bulk("Hello_World")),
		rc("getrange gr x 1", notInteger),
		rc("getrange gr 1 x", notInteger),
		rc("getrange nokey 0 1", emptyBulk),
		rc("getrange nokey x 1", notInteger),
		rc("getrange list 0 1", wrongType),
		rc("substr gr 0 3", bulk("Hell")),
		rc("set gi 1234", okReply),
		rc("getrange gi 1 2", bulk("23")),
		rcs(okReply, "set", "ge", ""),
		rc("getrange ge 0 -1", emptyBulk),
		rc("getrange ge 0 0", emptyBulk),
	})
}

func TestStringIncrDecr(t *testing.T) {
	e, clk := fakeClockEnv(t)
	c := e.newClient()
	addList(e, "list")
	e.expect(c, []replyCase{
		rc("incr i", intReply(1)),
		rc("incr i", intReply(2)),
		rc("decr i", intReply(1)),
		rc("incrby i 100", intReply(101)),
		rc("decrby i 50", intReply(51)),
		rc("get i", bulk("51")),
		rc("incrby i x", notInteger),
		rc("incrby i 1.5", notInteger),
		rc("decrby i x", notInteger),
		rc("decrby i -9223372036854775808", "-ERR decrement would overflow\r\n"),
		rc("decrby nk 1", intReply(-1)),
		rc("set i 9223372036854775807", okReply),
		rc("incr i", "-ERR increment or decrement would overflow\r\n"),
		rc("set i -9223372036854775808", okReply),
		rc("decr i", "-ERR increment or decrement would overflow\r\n"),
		rc("incrby i -1", "-ERR increment or decrement would overflow\r\n"),
		rc("incrby i 9223372036854775807", intReply(-1)),
		rcs(okReply, "set", "i", " 1"),
		rc("incr i", notInteger),
		rcs(okReply, "set", "i", "1 "),
		rc("incr i", notInteger),
		rc("set i 01", okReply),
		rc("incr i", notInteger),
		rc("set i -0", okReply),
		rc("incr i", notInteger),
		rc("set i 123456789012345678901", okReply),
		rc("incr i", notInteger),
		rc("incr list", wrongType),
		rc("set i 99", okReply),
		rc("incr i", intReply(100)), // longer: a new record
		rc("incr i", intReply(101)), // same length: in place
		rc("get i", bulk("101")),
		rc("set t 10 ex 100", okReply),
		rc("incr t", intReply(11)),
		rc("incrby t 1000", intReply(1011)),
	})
	wantExpire(t, e, "t", clk.Ms+100_000) // INCR keeps the time to live
	for _, cmd := range [][]string{{"incr", "i", "v"}, {"decr", "i", "v"}, {"incrby", "i"}, {"decrby", "i"}} {
		want := "-ERR wrong number of arguments for '" + cmd[0] + "' command\r\n"
		if got := e.do(c, cmd...); got != want {
			t.Errorf("%q: %q", cmd, got)
		}
	}
}

// INCRBYFLOAT's results, taken from valkey-server 9.0.4 on x86-64 (long
// double arithmetic, "%.17Lf" output with trailing zeros trimmed).
var incrbyfloatCases = []struct{ cur, incr, want string }{
	{"0", "0.1", "0.1"},
	{"0.1", "0.2", "0.3"},
	{"10.5", "0.1", "10.6"},
	{"1", "1e10", "10000000001"},
	{"3.0e3", "1", "3001"},
	{"1", "-1", "0"},
	{"5", "1.5e-7", "5.00000015"},
	{"1.23456789012345678901", "0", "1.23456789012345679"},
	{"0", "0x1p3", "8"},
	{"0", "1.", "1"},
	{"0", ".5", "0.5"},
	{"0", "+.5", "0.5"},
	{"0", "-0", "0"},
	{"-0", "-0", "0"},
	{"0", "9223372036854775807", "9223372036854775807"},
	{"9223372036854775807", "1", "9223372036854775808"},
	{"0", "0.000003814697265625", "0.00000381469726562"}, // a tie: to even
	{"0", "0.000011444091796875", "0.00001144409179688"},
	{"0", "0x1.8p1", "3"},
	{"0", "0X1.8P1", "3"},
	{"1", "0x.8", "1.5"},
	{"0", "3e-4951", "0"},
	{"0", "0x1p-16445", "0"},
	{"0", "0x1.8p-16446", "0"},
	{"0", "1e-4940", "0"},
	{"0", "123456789.123456789", "123456789.12345678899873747"},
	{"0", "-123456789.987654321", "-123456789.98765432099753525"},
	{"2.5", "-2.5", "0"},
	{"1", "0.00000000000000001", "1.00000000000000001"},
	{"1", "0.000000000000000001", "1"},
	{"0.1", "-0.1", "0"},
	{"1e308", "1e308", "199999999999999999993371759311691291321120199694831134415594095989843469737676123744200253843777078640893494450108026446304269499187921167194841628860392837535918200039206381557326219209014213335878306791577877829121087126122536729803237260434173178506889763247582601711514636284849020905456510092687857156096"},
	{"0", "1e400", "10000000000000000000281880683947586514586453433629052038625910693539685534008629862039363994848324160522094053927317616200295822777259255734023828976593340661017797447434546173917862448116674971723778943824391593338047470675026246684401359237513603830343735485505244955964979021825038280091068414947402456898653040951017512658092615827588920183472511643316591362664138176309734806343732497430221946880"},
}

func TestStringIncrbyfloat(t *testing.T) {
	e, clk := fakeClockEnv(t)
	c := e.newClient()
	for _, tc := range incrbyfloatCases {
		e.do(c, "set", "f", tc.cur)
		if got := e.do(c, "incrbyfloat", "f", tc.incr); got != bulk(tc.want) {
			t.Errorf("%s + %s: %q, want %q", tc.cur, tc.incr, got, tc.want)
		}
		if got := e.do(c, "get", "f"); got != bulk(tc.want) {
			t.Errorf("%s + %s: stored %q", tc.cur, tc.incr, got)
		}
	}
	notFloat := "-" + ErrNotFloat + "\r\n"
	nan := "-" + errIncrNaN + "\r\n"
	addList(e, "list")
	for _, bad := range []string{" 1", "1 ", "nan", "NaN", "1e-5000", "abc", "1e", ".", "", "1/2", "0b1", "1_0", "0x", "0x1p", "1e+", "0x1p-16446", "1e4933", "--1", "1\x002", "0x1.8p-16500", "1.18973149535723176509e+4932"} {
		e.do(c, "set", "f", "1")
		if got := e.do(c, "incrbyfloat", "f", bad); got != notFloat {
			t.Errorf("increment %q: %q, want %q", bad, got, notFloat)
		}
		e.do(c, "set", "f", bad)
		if got := e.do(c, "incrbyfloat", "f", "1"); got != notFloat {
			t.Errorf("value %q: %q, want %q", bad, got, notFloat)
		}
	}
	for _, inf := range []string{"inf", "-INF", "infinity", "+Infinity"} {
		e.do(c, "set", "f", "1")
		if got := e.do(c, "incrbyfloat", "f", inf); got != nan {
			t.Errorf("increment %q: %q, want %q", inf, got, nan)
		}
	}
	e.do(c, "set", "f", "1e4932")
	if got := e.do(c, "incrbyfloat", "f", "1e4932"); got != nan {
		t.Errorf("overflowing sum: %q", got)
	}
	// The maximum long double is accepted; a key with a TTL keeps it.
	e.do(c, "set", "f", "0")
	got := e.do(c, "incrbyfloat", "f", "1.18973149535723176502e+4932")
	sum := sha256.Sum256([]byte(strings.TrimSuffix(got[strings.IndexByte(got, '\n')+1:], "\r\n")))
	if !strings.HasPrefix(got, "$4933\r\n1189731495357231765021263853030970205169") ||
		hex.EncodeToString(sum[:]) != "39319dad6400899a3385cef1c62991c21106f7f12a7dea6f3849a857ad9131a6" {
		t.Errorf("largest long double: %.60q...", got)
	}
	e.expect(c, []replyCase{
		rc("set t 1 ex 100", okReply),
		rc("incrbyfloat t 1.5", bulk("2.5")),
		rc("incrbyfloat nokey 1", bulk("1")),
		rc("incrbyfloat list 1", wrongType),
		rc("incrbyfloat t x", notFloat),
	})
	wantExpire(t, e, "t", clk.Ms+100_000)
	c.Proto = 3
	e.expect(c, []replyCase{rc("incrbyfloat t 1", bulk("3.5"))})
}

// OBJECT ENCODING after each sequence, as valkey-server 9.0.4 reports it.
// A short string is embstr only when the 64-byte object can hold the key,
// the value and, if the key has or had a time to live, the expiry field.
func TestStringEncodings(t *testing.T) {
	x := func(n int) string { return strings.Repeat("x", n) }
	cases := []struct {
		name string
		cmds [][]string
		key  string
		want string
	}{
		{"set int", [][]string{{"set", "k", "12345"}}, "k", "int"},
		{"set -0", [][]string{{"set", "k", "-0"}}, "k", "embstr"},
		{"set 01", [][]string{{"set", "k", "01"}}, "k", "embstr"},
		{"set 20 digits beyond int64", [][]string{{"set", "k", "12345678901234567890"}}, "k", "embstr"},
		{"set max int64", [][]string{{"set", "k", "9223372036854775807"}}, "k", "int"},
		{"set empty", [][]string{{"set", "k", ""}}, "k", "embstr"},
		{"set 40 bytes", [][]string{{"set", "k", x(40)}}, "k", "embstr"},
		{"set 41 bytes", [][]string{{"set", "k", x(41)}}, "k", "raw"},
		{"set 38 bytes, 3-byte key", [][]string{{"set", "foo", x(38)}}, "foo", "embstr"},
		{"set 39 bytes, 3-byte key", [][]string{{"set", "foo", x(39)}}, "foo", "raw"},
		{"31-byte key, 10 bytes", [][]string{{"set", strings.Repeat("K", 31), x(10)}}, strings.Repeat("K", 31), "embstr"},
		{"31-byte key, 11 bytes", [][]string{{"set", strings.Repeat("K", 31), x(11)}}, strings.Repeat("K", 31), "raw"},
		{"32-byte key, 7 bytes", [][]string{{"set", strings.Repeat("K", 32), x(7)}}, strings.Repeat("K", 32), "embstr"},
		{"32-byte key, 8 bytes", [][]string{{"set", strings.Repeat("K", 32), x(8)}}, strings.Repeat("K", 32), "raw"},
		{"set ex 32", [][]string{{"set", "k", x(32), "ex", "100"}}, "k", "embstr"},
		{"set ex 33", [][]string{{"set", "k", x(33), "ex", "100"}}, "k", "raw"},
		{"set over a ttl 33", [][]string{{"set", "k", "v", "ex", "100"}, {"set", "k", x(33)}}, "k", "raw"},
		{"set keepttl 34", [][]string{{"set", "k", "v", "ex", "100"}, {"set", "k", x(34), "keepttl"}}, "k", "raw"},
		{"setex 34", [][]string{{"setex", "k", "100", x(34)}}, "k", "raw"},
		{"psetex 33", [][]string{{"psetex", "k", "100000", x(33)}}, "k", "raw"},
		{"setnx int", [][]string{{"setnx", "k", "5"}}, "k", "int"},
		{"getset over a ttl 34", [][]string{{"set", "k", "v", "ex", "100"}, {"getset", "k", x(34)}}, "k", "raw"},
		{"mset over a ttl 34", [][]string{{"set", "k", "v", "ex", "100"}, {"mset", "k", x(34)}}, "k", "raw"},
		{"mset 40", [][]string{{"mset", "k", x(40)}}, "k", "embstr"},
		{"msetnx 38", [][]string{{"msetnx", "k", x(38)}}, "k", "embstr"},
		{"getex ex 32", [][]string{{"set", "k", x(32)}, {"getex", "k", "ex", "100"}}, "k", "embstr"},
		{"getex ex 33", [][]string{{"set", "k", x(33)}, {"getex", "k", "ex", "100"}}, "k", "raw"},
		{"getex persist stays raw", [][]string{{"set", "k", x(34)}, {"getex", "k", "ex", "100"}, {"getex", "k", "persist"}}, "k", "raw"},
		{"set after persist", [][]string{{"set", "k", x(34)}, {"getex", "k", "ex", "100"}, {"getex", "k", "persist"}, {"set", "k", x(34)}}, "k", "embstr"},
		{"set ifeq", [][]string{{"set", "k", "a"}, {"set", "k", x(34), "ifeq", "a"}}, "k", "embstr"},
		{"set get int", [][]string{{"set", "k", "a"}, {"set", "k", "77", "get"}}, "k", "int"},
		{"append new int", [][]string{{"append", "k", "12"}}, "k", "int"},
		{"append new string", [][]string{{"append", "k", "ab"}}, "k", "embstr"},
		{"append new 41", [][]string{{"append", "k", x(41)}}, "k", "raw"},
		{"append existing", [][]string{{"set", "k", "ab"}, {"append", "k", "c"}}, "k", "raw"},
		{"append nothing to an int", [][]string{{"set", "k", "1"}, {"append", "k", ""}}, "k", "raw"},
		{"setrange new", [][]string{{"setrange", "k", "0", "12"}}, "k", "raw"},
		{"setrange int in place", [][]string{{"set", "k", "123"}, {"setrange", "k", "0", "4"}}, "k", "raw"},
		{"setrange nothing on an int", [][]string{{"set", "k", "123"}, {"setrange", "k", "0", ""}}, "k", "int"},
		{"incr new", [][]string{{"incr", "k"}}, "k", "int"},
		{"incr raw", [][]string{{"set", "k", "1"}, {"append", "k", "2"}, {"incr", "k"}}, "k", "int"},
		{"incr embstr", [][]string{{"incrbyfloat", "k", "1"}, {"incr", "k"}}, "k", "int"},
		{"incrbyfloat new", [][]string{{"incrbyfloat", "k", "1"}}, "k", "embstr"},
		{"incrbyfloat int", [][]string{{"set", "k", "5"}, {"incrbyfloat", "k", "1.5"}}, "k", "embstr"},
		{"incrbyfloat 40 chars", [][]string{{"incrbyfloat", "k", "1e40"}}, "k", "embstr"},
		{"incrbyfloat 41 chars", [][]string{{"incrbyfloat", "k", "1e41"}}, "k", "raw"},
		{"incrbyfloat with ttl", [][]string{{"set", "k", "1", "ex", "100"}, {"incrbyfloat", "k", "123456789012345.5"}}, "k", "embstr"},
		{"incrbyfloat with ttl, 33 chars", [][]string{{"set", "k", "1", "ex", "100"}, {"incrbyfloat", "k", "1e32"}}, "k", "raw"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := newTestEnv(t)
			c := e.newClient()
			for _, cmd := range tc.cmds {
				if got := e.do(c, cmd...); strings.HasPrefix(got, "-") {
					t.Fatalf("%q: %q", cmd, got)
				}
			}
			wantEncoding(t, e, tc.key, tc.want)
		})
	}
}

func TestStringDelifeq(t *testing.T) {
	e := newTestEnv(t)
	c := e.newClient()
	addList(e, "list")
	e.expect(c, []replyCase{
		rc("delifeq nokey test", intReply(0)),
		rc("set k test", okReply),
		rc("delifeq k nope", intReply(0)),
		rc("get k", bulk("test")),
		rc("delifeq k test", intReply(1)),
		rc("get k", nullBulk),
		rc("delifeq list x", wrongType),
		rc("set n 12", okReply),
		rc("delifeq n 12", intReply(1)),
		rc("delifeq a", "-ERR wrong number of arguments for 'delifeq' command\r\n"),
	})
}

func TestStringLCS(t *testing.T) {
	e := newTestEnv(t)
	c := e.newClient()
	addList(e, "list")
	matches := "*2\r\n*2\r\n*2\r\n:4\r\n:7\r\n*2\r\n:5\r\n:8\r\n*2\r\n*2\r\n:2\r\n:3\r\n*2\r\n:0\r\n:1\r\n"
	withLen := "*2\r\n*3\r\n*2\r\n:4\r\n:7\r\n*2\r\n:5\r\n:8\r\n:4\r\n*3\r\n*2\r\n:2\r\n:3\r\n*2\r\n:0\r\n:1\r\n:2\r\n"
	e.expect(c, []replyCase{
		rc("set a ohmytext", okReply),
		rc("set b mynewtext", okReply),
		rc("lcs a b", bulk("mytext")),
		rc("lcs a b len", intReply(6)),
		rc("lcs a b LEN len", intReply(6)),
		rc("lcs a b idx", "*4\r\n"+bulk("matches")+matches+bulk("len")+intReply(6)),
		rc("lcs a b idx withmatchlen", "*4\r\n"+bulk("matches")+withLen+bulk("len")+intReply(6)),
		rc("lcs a b idx minmatchlen 4", "*4\r\n"+bulk("matches")+"*1\r\n*2\r\n*2\r\n:4\r\n:7\r\n*2\r\n:5\r\n:8\r\n"+bulk("len")+intReply(6)),
		rc("lcs a b idx minmatchlen -5", "*4\r\n"+bulk("matches")+matches+bulk("len")+intReply(6)),
		rc("lcs a b idx len", "-ERR If you want both the length and indexes, please just use IDX.\r\n"),
		rc("lcs a b foo", syntaxErr),
		rc("lcs a b minmatchlen", syntaxErr),
		rc("lcs a b minmatchlen x", notInteger),
		rc("lcs a nokey", emptyBulk),
		rc("lcs nokey nokey idx", "*4\r\n"+bulk("matches")+"*0\r\n"+bulk("len")+intReply(0)),
		rc("lcs a list", "-ERR The specified keys must contain string values\r\n"),
		rc("lcs list nokey foo", "-ERR The specified keys must contain string values\r\n"),
		rc("lcs a", "-ERR wrong number of arguments for 'lcs' command\r\n"),
	})
	c.Proto = 3
	e.expect(c, []replyCase{
		rc("lcs a b idx withmatchlen", "%2\r\n"+bulk("matches")+withLen+bulk("len")+intReply(6)),
		rc("lcs a b len", intReply(6)),
	})
	// The DP table may not exceed proto-max-bulk-len.
	c.Proto = 2
	e.srv.Cfg.ProtoMaxBulkLen = 1 << 20
	long := strings.Repeat("ab", 300)
	e.do(c, "set", "l1", long)
	e.do(c, "set", "l2", long)
	e.expect(c, []replyCase{rc("lcs l1 l2 len", "-"+errLCSMemory+"\r\n")})
}

// The longer example of Valkey's own LCS tests, checked for the ranges'
// order and contents.
func TestStringLCSRanges(t *testing.T) {
	e := newTestEnv(t)
	c := e.newClient()
	rna1 := "CACCTTCCCAGGTAACAAACCAACCAACTTTCGATCTCTTGTAGATCTGTTCTCTAAACGAACTTTAAAATCTGTGTGGCTGTCACTCGGCTGCATGCTTAGTGCACTCACGCAGTATAATTAATAACTAATTACTGTCGTTGACAGGACACGAGTAACTCGTCTATCTTCTGCAGGCTGCTTACGGTTTCGTCCGTGTTGCAGCCGATCATCAGCACATCTAGGTTTCGTCCGGGTGTG"
	rna2 := "ATTAAAGGTTTATACCTTCCCAGGTAACAAACCAACCAACTTTCGATCTCTTGTAGATCTGTTCTCTAAACGAACTTTAAAATCTGTGTGGCTGTCACTCGGCTGCATGCTTAGTGCACTCACGCAGTATAATTAATAACTAATTACTGTCGTTGACAGGACACGAGTAACTCGTCTATCTTCTGCAGGCTGCTTACGGTTTCGTCCGTGTTGCAGCCGATCATCAGCACATCTAGGTTT"
	e.do(c, "set", "v1", rna1)
	e.do(c, "set", "v2", rna2)
	r := func(a0, a1, b0, b1, n int64) string {
		return "*3\r\n*2\r\n" + intReply(a0) + intReply(a1) + "*2\r\n" + intReply(b0) + intReply(b1) + intReply(n)
	}
	want := "*4\r\n" + bulk("matches") + "*5\r\n" + r(238, 238, 239, 239, 1) + r(236, 236, 238, 238, 1) +
		r(229, 230, 236, 237, 2) + r(224, 224, 235, 235, 1) + r(1, 222, 13, 234, 222) + bulk("len") + intReply(227)
	e.expect(c, []replyCase{rc("lcs v1 v2 idx withmatchlen", want)})
}

func TestStringWrongType(t *testing.T) {
	e := newTestEnv(t)
	c := e.newClient()
	addList(e, "l")
	for _, line := range []string{
		"get l", "getdel l", "getex l", "getex l persist", "getset l v", "set l v get", "set l v ifeq x",
		"append l x", "strlen l", "getrange l 0 1", "substr l 0 1", "setrange l 0 x",
		"incr l", "decr l", "incrby l 1", "decrby l 1", "incrbyfloat l 1", "delifeq l x",
	} {
		if got := e.do(c, strings.Fields(line)...); got != wrongType {
			t.Errorf("%s: %q", line, got)
		}
	}
	if en, ok := entry(t, e, "l"); !ok || typeOf(en) != TypeList {
		t.Fatal("a WRONGTYPE command changed the list")
	}
}

// Every write counts in dirty and sends Valkey's keyspace events, in
// Valkey's order; failed and no-op commands send none.
func TestStringNotificationsAndDirty(t *testing.T) {
	e, clk := fakeClockEnv(t)
	c := e.newClient()
	s := e.srv
	s.Cfg.NotifyKeyspaceEvents = config.NotifyAll | config.NotifyKeyMiss | config.NotifyNew | config.NotifyKeyspace | config.NotifyKeyevent
	var events []string
	e.keyEventSpy(func(event, key string, _ int) { events = append(events, event+":"+key) })
	addList(e, "list")
	past := strconv.FormatInt(clk.Ms-1, 10)
	cases := []struct {
		line   string
		events string
		dirty  int64
	}{
		{"set k v", "new:k set:k", 1},
		{"set k v ex 10", "set:k expire:k", 1},
		{"set k v nx", "", 0},
		{"set k v pxat " + past, "expired:k", 1},
		{"set k v pxat " + past, "", 0},
		{"set k v get", "keymiss:k new:k set:k", 1},
		{"setnx k v", "", 0},
		{"setex k 10 v", "set:k expire:k", 1},
		{"getset k w", "set:k", 1},
		{"getex k", "", 0},
		{"getex k px 100", "expire:k", 1},
		{"getex k persist", "persist:k", 1},
		{"getex k persist", "", 0},
		{"getex k exat 1", "expired:k", 1},
		{"mset a 1 b 2", "new:a set:a new:b set:b", 2},
		{"msetnx a 1 c 2", "", 0},
		{"append a x", "append:a", 1},
		{"setrange a 0 y", "setrange:a", 1},
		{"setrange a 0 ", "", 0},
		{"incr n", "new:n incrby:n", 1},
		{"decrby n 5", "incrby:n", 1},
		{"incrbyfloat n 1.5", "incrbyfloat:n", 1},
		{"getdel n", "del:n", 1},
		{"getdel n", "keymiss:n", 0},
		{"delifeq a nope", "", 0},
		{"delifeq a yx", "del:a", 1},
		{"get nokey", "keymiss:nokey", 0},
		{"incr list", "", 0},
	}
	for _, tc := range cases {
		events = events[:0]
		before := s.Dirty
		e.do(c, strings.Fields(tc.line)...)
		if got := strings.Join(events, " "); got != tc.events {
			t.Errorf("%s: events %q, want %q", tc.line, got, tc.events)
		}
		if s.Dirty-before != tc.dirty {
			t.Errorf("%s: dirty +%d, want +%d", tc.line, s.Dirty-before, tc.dirty)
		}
	}
}

// Large values are stored in records of their own and sent by reference;
// rewriting them must never change a reply already queued.
func TestStringLargeValuesAndPendingReplies(t *testing.T) {
	e := newTestEnv(t)
	c := e.newClient()
	big := strings.Repeat("a", 64<<10)
	e.do(c, "set", "k", big)
	c.Out.Reset()
	e.srv.Call(c, [][]byte{[]byte("get"), []byte("k")})
	e.srv.Call(c, [][]byte{[]byte("getrange"), []byte("k"), []byte("0"), []byte("-1")})
	e.srv.Call(c, [][]byte{[]byte("setrange"), []byte("k"), []byte("0"), []byte("bbbb")})
	e.srv.Call(c, [][]byte{[]byte("append"), []byte("k"), []byte("c")})
	e.srv.Call(c, [][]byte{[]byte("incrbyfloat"), []byte("k"), []byte("1")})
	want := bulk(big) + bulk(big) + intReply(64<<10) + intReply(64<<10+1) + "-" + ErrNotFloat + "\r\n"
	if got := string(c.Out.Bytes()); got != want {
		t.Fatalf("queued replies changed: %d bytes, want %d", len(got), len(want))
	}
	c.Out.Reset()
	if got := e.do(c, "get", "k"); got != bulk("bbbb"+big[4:]+"c") {
		t.Fatalf("value after edits: %d bytes", len(got))
	}
}

func FuzzParseLongDouble(f *testing.F) {
	for _, tc := range incrbyfloatCases {
		f.Add(tc.cur)
		f.Add(tc.incr)
	}
	for _, s := range []string{"inf", "nan", "0x1p-16446", "1e-5000", "1e4933", "0x", "1e", "-.e1", "0x.p1", "1e99999999999999999999"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		x, ok := parseLongDouble([]byte(s))
		if !ok {
			return
		}
		if x.IsInf() {
			return
		}
		// What strconv reads as a float64 must agree to within the double's
		// precision (long double holds more, and rounds once more here).
		if d, err := strconv.ParseFloat(s, 64); err == nil && !math.IsInf(d, 0) && math.Abs(d) > 1e-300 {
			ld, _ := x.Float64()
			if ld != d && math.Abs(ld-d) > math.Abs(d)*1e-15 {
				t.Fatalf("%q: long double %v, float64 %v", s, ld, d)
			}
		}
		out := formatLongDoubleHuman(x)
		if len(out) == 0 || strings.HasSuffix(string(out), ".") || string(out) == "-0" {
			t.Fatalf("%q formats as %q", s, out)
		}
	})
}

// SET's and GETEX's option parser takes any arguments without panicking
// and leaves the key as SET's reply says.
func FuzzSetOptions(f *testing.F) {
	for _, s := range []string{"nx", "xx get", "ifeq a", "ex 10", "px 5 nx get", "keepttl", "exat 1", "pxat 1 get", "ifeq", "get get ex 1 ex 2"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, opts string) {
		e, _ := fakeClockEnv(t)
		c := e.newClient()
		e.do(c, "set", "k", "a")
		args := append([]string{"set", "k", "b"}, strings.Fields(opts)...)
		got := e.do(c, args...)
		v := e.do(c, "get", "k")
		switch {
		case got == okReply && v != bulk("b") && v != nullBulk:
			t.Fatalf("%q replied OK but left %q", args, v)
		case strings.HasPrefix(got, "-") && v != bulk("a"):
			t.Fatalf("%q failed (%q) but changed the key to %q", args, got, v)
		}
		e.do(c, append([]string{"getex", "k"}, strings.Fields(opts)...)...)
	})
}

// Any command giving a key a time to live converts an embedded string that
// cannot hold the expiry field, as Valkey 9 does.
func TestStringEmbstrGainsTTL(t *testing.T) {
	e := newTestEnv(t)
	c := e.newClient()
	for _, tc := range []struct {
		n    int
		want string
	}{{32, "embstr"}, {33, "raw"}} {
		e.do(c, "set", "k", strings.Repeat("x", tc.n))
		e.srv.DB(0).SetExpire([]byte("k"), e.srv.Now()+100_000)
		wantEncoding(t, e, "k", tc.want)
	}
	if got := rekeyedKind(KindEmbstr, 20, 31, false); got != KindRaw {
		t.Errorf("embstr of 31 bytes renamed to a 20-byte key: %s, want raw", EncodingName(got))
	}
	if got := rekeyedKind(KindInt, 100, 5, true); got != KindInt {
		t.Errorf("int renamed: %s, want int", EncodingName(got))
	}
}

// A replica keeps a key given a past expiry time; its primary's DEL removes it.
func TestStringPastExpiryOnReplica(t *testing.T) {
	e, clk := fakeClockEnv(t)
	c := e.newClient()
	e.srv.Cfg.ReplicaOfHost = "127.0.0.1"
	c.Flags |= ClientPrimary // the write comes from the primary: a read-only replica takes no other
	e.expect(c, []replyCase{rc("set k v pxat "+strconv.FormatInt(clk.Ms-1, 10), okReply)})
	wantExpire(t, e, "k", clk.Ms-1)
}

// slowIncrByFloat is INCRBYFLOAT's general path alone.
func slowIncrByFloat(cur, incr []byte) (string, bool) {
	x, ok := parseLongDouble(cur)
	if !ok {
		return "", false
	}
	y, ok := parseLongDouble(incr)
	if !ok {
		return "", false
	}
	sum, ok := ldAdd(x, y)
	if !ok {
		return "", false
	}
	return string(formatLongDoubleHuman(sum)), true
}

// The fast path agrees with the general one wherever it answers.
func TestIncrbyfloatFastPathAgrees(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	decimal := func() string {
		var b strings.Builder
		if rng.IntN(3) == 0 {
			b.WriteByte('-')
		}
		intDigits, fracDigits := rng.IntN(20), rng.IntN(21)
		for range intDigits {
			b.WriteByte(byte('0' + rng.IntN(10)))
		}
		if fracDigits > 0 || intDigits == 0 {
			b.WriteByte('.')
			for range max(fracDigits, 1) {
				b.WriteByte(byte('0' + rng.IntN(10)))
			}
		}
		if rng.IntN(5) == 0 {
			b.WriteString("e" + strconv.Itoa(rng.IntN(40)-20))
		}
		return b.String()
	}
	handled := 0
	for range 20000 {
		a, b := decimal(), decimal()
		if rng.IntN(4) == 0 {
			b = "-" + strings.TrimPrefix(a, "-") // cancellation
		}
		fast, ok := fastIncrByFloat([]byte(a), []byte(b))
		if !ok {
			continue
		}
		handled++
		if slow, _ := slowIncrByFloat([]byte(a), []byte(b)); string(fast) != slow {
			t.Fatalf("%s + %s: fast %q, general %q", a, b, fast, slow)
		}
	}
	if handled < 10000 {
		t.Errorf("fast path took only %d of 20000 pairs", handled)
	}
	// Chains, as counters grow: each result is the next value.
	for range 20 {
		cur := []byte(decimal())
		for range 100 {
			incr := []byte(decimal())
			slow, ok := slowIncrByFloat(cur, incr)
			if !ok {
				break
			}
			if fast, ok := fastIncrByFloat(cur, incr); ok && string(fast) != slow {
				t.Fatalf("%s + %s: fast %q, general %q", cur, incr, fast, slow)
			}
			cur = []byte(slow)
		}
	}
	for _, tc := range incrbyfloatCases {
		if fast, ok := fastIncrByFloat([]byte(tc.cur), []byte(tc.incr)); ok && string(fast) != tc.want {
			t.Errorf("%s + %s: fast %q, want %q", tc.cur, tc.incr, fast, tc.want)
		}
	}
}

func FuzzIncrbyfloatFastPath(f *testing.F) {
	for _, tc := range incrbyfloatCases {
		f.Add(tc.cur, tc.incr)
	}
	f.Fuzz(func(t *testing.T, a, b string) {
		fast, ok := fastIncrByFloat([]byte(a), []byte(b))
		if !ok {
			return
		}
		if slow, ok := slowIncrByFloat([]byte(a), []byte(b)); !ok || string(fast) != slow {
			t.Fatalf("%q + %q: fast %q, general %q (%v)", a, b, fast, slow, ok)
		}
	})
}
