package engine

import (
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"

	"github.com/volleydb/volley/engine/resp"
)

// Times of TestStreamGroupPropagation: setups run at propB, the commands
// under test at propN.
const (
	propB = 1_700_000_000_000
	propN = propB + 1000
)

// encodeLines encodes commands given one a line, arguments separated by
// spaces, as RESP arrays of bulk strings, independently of the server's
// encoder.
func encodeLines(lines []string) string {
	var b strings.Builder
	for _, l := range lines {
		args := strings.Fields(l)
		fmt.Fprintf(&b, "*%d\r\n", len(args))
		for _, a := range args {
			fmt.Fprintf(&b, "$%d\r\n%s\r\n", len(a), a)
		}
	}
	return b.String()
}

// TestStreamGroupPropagation: what consumer-group commands write to the
// AOF, byte for byte as Valkey 9.0.4 writes it for the same commands
// (checked by hand against its incr file; times are those of the fake
// clock here). A setup line starting with "@2 " runs on a second client.
func TestStreamGroupPropagation(t *testing.T) {
	base := []string{"xadd s 1-0 a 1", "xadd s 2-0 b 2", "xadd s 3-0 c 3", "xgroup create s g 0"}
	plus := func(a []string, more ...string) []string { return append(a[:len(a):len(a)], more...) } // never shared
	read := plus(base, "xreadgroup group g c1 streams s >")                                         // 1-0..3-0 pending for c1 since propB
	xclaim := func(cons, id, time, count, lastID string) string {
		return "XCLAIM s g " + cons + " 0 " + id + " TIME " + time + " RETRYCOUNT " + count + " FORCE JUSTID LASTID " + lastID
	}
	b, n := strconv.Itoa(propB), strconv.Itoa(propN)
	for _, tc := range []struct {
		name  string
		setup []string
		cmds  []string
		want  []string
	}{
		{"read delivers", base, []string{"xreadgroup group g c1 count 2 streams s >"}, []string{
			"MULTI", xclaim("c1", "1-0", n, "1", "1-0"), xclaim("c1", "2-0", n, "1", "2-0"),
			"XGROUP SETID s g 2-0 ENTRIESREAD 2", "EXEC"}},
		{"noack read by a new consumer", base, []string{"xreadgroup group g c2 noack streams s >"}, []string{
			"MULTI", "XGROUP CREATECONSUMER s g c2", "XGROUP SETID s g 3-0 ENTRIESREAD 3", "EXEC"}},
		{"noack read", plus(base, "xgroup createconsumer s g c2"), []string{"xreadgroup group g c2 noack count 1 streams s >"}, []string{
			"XGROUP SETID s g 1-0 ENTRIESREAD 1"}},
		{"noack read of nothing by a new consumer", plus(base, "xgroup setid s g $"), []string{"xreadgroup group g c2 noack streams s >"}, []string{
			"XGROUP CREATECONSUMER s g c2"}},
		{"read of nothing by a new consumer", plus(base, "xgroup setid s g $"), []string{"xreadgroup group g c2 streams s >"}, nil},
		{"history read", read, []string{"xreadgroup group g c1 streams s 0"}, nil},
		{"read moves an entry to another consumer", plus(base, "xreadgroup group g c1 count 1 streams s >", "xgroup setid s g 0"),
			[]string{"xreadgroup group g c2 count 1 streams s >"}, []string{
				"MULTI", xclaim("c2", "1-0", n, "1", "1-0"), "XGROUP SETID s g 1-0 ENTRIESREAD 1", "EXEC"}},
		{"read of two streams", plus(base, "xadd t 5-0 x 1", "xgroup create t g 0"),
			[]string{"xreadgroup group g c1 count 1 streams s t > >"}, []string{
				"MULTI", xclaim("c1", "1-0", n, "1", "1-0"), "XGROUP SETID s g 1-0 ENTRIESREAD 1",
				"XCLAIM t g c1 0 5-0 TIME " + n + " RETRYCOUNT 1 FORCE JUSTID LASTID 5-0", "XGROUP SETID t g 5-0 ENTRIESREAD 1", "EXEC"}},
		{"blocked read served", plus(base, "xgroup setid s g $", "@2 xreadgroup group g cb block 0 streams s >"),
			[]string{"xadd s 9-0 z 1"}, []string{
				"xadd s 9-0 z 1", "MULTI", xclaim("cb", "9-0", n, "1", "9-0"), "XGROUP SETID s g 9-0 ENTRIESREAD 4", "EXEC"}},
		{"blocked noack read served", plus(base, "xgroup setid s g $", "@2 xreadgroup group g cb noack block 0 streams s >"),
			[]string{"xadd s 9-0 z 1"}, []string{
				"xadd s 9-0 z 1", "XGROUP SETID s g 9-0 ENTRIESREAD 4"}},
		{"read in a transaction", base, []string{"multi", "xadd s 4-0 d 4", "xreadgroup group g c1 noack streams s >", "exec"}, []string{
			"MULTI", "xadd s 4-0 d 4", "XGROUP CREATECONSUMER s g c1", "XGROUP SETID s g 4-0 ENTRIESREAD 4", "EXEC"}},
		{"read in a script", base, []string{"eval \"return redis.call('xreadgroup','group','g','c1','count','1','streams',KEYS[1],'>')\" 1 s"}, []string{
			"MULTI", xclaim("c1", "1-0", n, "1", "1-0"), "XGROUP SETID s g 1-0 ENTRIESREAD 1", "EXEC"}},

		{"claim names IDs as given", read, []string{"xclaim s g c2 0 1 00002-0"}, []string{
			"MULTI", xclaim("c2", "1", n, "2", "3-0"), xclaim("c2", "00002-0", n, "2", "3-0"), "EXEC"}},
		{"claim idle retrycount justid", read, []string{"xclaim s g c2 0 1-0 idle 5 retrycount 7 justid"}, []string{
			xclaim("c2", "1-0", strconv.Itoa(propN-5), "7", "3-0")}},
		{"claim time justid", read, []string{"xclaim s g c2 0 1-0 time 1000 justid"}, []string{
			xclaim("c2", "1-0", "1000", "1", "3-0")}},
		{"claim force", plus(read, "xack s g 2-0"), []string{"xclaim s g c2 0 2-0 force"}, []string{
			xclaim("c2", "2-0", n, "2", "3-0")}},
		{"claim moving lastid alone", read, []string{"xclaim s g c2 0 9-9 lastid 5-0"}, []string{
			"XGROUP SETID s g 5-0 ENTRIESREAD 3"}},
		{"claim moving lastid", read, []string{"xclaim s g c2 0 1-0 lastid 5-0"}, []string{
			xclaim("c2", "1-0", n, "2", "5-0")}},
		{"claim of a deleted entry", plus(read, "xdel s 2-0"), []string{"xclaim s g c2 0 2-0 lastid 5-0"}, []string{
			xclaim("c1", "2-0", b, "1", "5-0")}},
		{"claim of entries not idle enough", read, []string{"xclaim s g c2 100000 1-0"}, nil},
		{"autoclaim", plus(read, "xdel s 2-0"), []string{"xautoclaim s g c2 0 0"}, []string{
			"MULTI", xclaim("c2", "1-0", n, "2", "3-0"), xclaim("c1", "2-0", b, "1", "3-0"), xclaim("c2", "3-0", n, "2", "3-0"), "EXEC"}},
		{"autoclaim justid count", read, []string{"xautoclaim s g c2 0 0 count 1 justid"}, []string{
			xclaim("c2", "1-0", n, "1", "3-0")}},
		{"autoclaim of entries not idle enough", read, []string{"xautoclaim s g c2 100000 0"}, nil},
		{"createconsumer", base, []string{"xgroup createconsumer s g c9", "xgroup createconsumer s g c9"}, []string{
			"xgroup createconsumer s g c9"}},
		{"ack", read, []string{"xack s g 1-0 7-0"}, []string{"xack s g 1-0 7-0"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e, clk := aofEnv(t)
			clk.Ms = propB
			c, c2 := e.newClient(), e.newClient()
			run := func(c *Client, line string) {
				args, err := resp.SplitArgs([]byte(line))
				if err != nil {
					t.Fatal(err)
				}
				c.Out.Reset()
				e.srv.Call(c, args)
			}
			for _, l := range tc.setup {
				if rest, ok := strings.CutPrefix(l, "@2 "); ok {
					run(c2, rest)
				} else {
					run(c, l)
				}
			}
			before := len(e.incrFile(t))
			clk.Ms = propN
			for _, l := range tc.cmds {
				run(c, l)
			}
			got := string(e.incrFile(t)[before:])
			if want := encodeLines(tc.want); got != want {
				t.Fatalf("propagated\n%q\nwant\n%q", got, want)
			}
		})
	}
}

// groupState describes the consumer groups of the streams named, as
// replaying the AOF must restore them: everything but the consumers'
// seen and active times (the replaying side's clock sets them) and the
// consumers owning nothing (Valkey does not propagate a consumer that a
// read or claim created without delivering to it), followed by XPENDING's
// replies, which the same clock makes comparable byte for byte.
func groupState(e *testEnv, keys ...string) string {
	var b strings.Builder
	c := e.newClient()
	for _, key := range keys {
		st, _ := streamLookupRead(c, []byte(key))
		if st == nil {
			fmt.Fprintf(&b, "%s: none\n", key)
			continue
		}
		for _, g := range st.Groups {
			fmt.Fprintf(&b, "%s %s last %s read %d pel %d\n", key, g.Name, g.LastID, g.EntriesRead, g.PEL.Len())
			for i := range g.PEL.Len() {
				id, nack := g.PEL.At(i)
				fmt.Fprintf(&b, "  %s %s %d %d\n", id, nack.Consumer.Name, nack.DeliveryTime, nack.DeliveryCount)
			}
			for _, cons := range g.Consumers {
				if cons.PEL.Len() == 0 {
					continue
				}
				fmt.Fprintf(&b, "  consumer %s:", cons.Name)
				for i := range cons.PEL.Len() {
					id, nack := cons.PEL.At(i)
					if nack.Consumer != cons {
						fmt.Fprintf(&b, " (owner %s)", nack.Consumer.Name)
					}
					fmt.Fprintf(&b, " %s", id)
				}
				b.WriteByte('\n')
			}
			fmt.Fprintf(&b, "  %q\n", e.do(c, "xpending", key, g.Name))
			fmt.Fprintf(&b, "  %q\n", e.do(c, "xpending", key, g.Name, "-", "+", "1000"))
		}
	}
	return b.String()
}

// TestStreamGroupAOFRoundTrip: a random workload of consumer-group
// commands (reads acked and not, blocked reads, claims with every
// option, deletions, transactions) replayed from the AOF gives the same
// groups. Reads of a consumer's history are left out: they change its
// entries' delivery time and count, which Valkey does not propagate.
func TestStreamGroupAOFRoundTrip(t *testing.T) {
	for seed := uint64(1); seed <= 4; seed++ {
		e, clk := aofEnv(t)
		groupWorkload(e, clk, rand.New(rand.NewPCG(seed, 11)), 700)
		before, digest := groupState(e, "s0", "s1"), e.digest()
		n := e.reopen(t, clk)
		if after := groupState(n, "s0", "s1"); after != before {
			t.Fatalf("seed %d: groups after replay\n%s\nbefore\n%s", seed, after, before)
		}
		if d := n.digest(); d != digest {
			t.Fatalf("seed %d: digest after replay %s, before %s", seed, d, digest)
		}
		if !strings.Contains(before, "  consumer ") {
			t.Fatalf("seed %d: the workload left nothing pending:\n%s", seed, before)
		}
		e.srv.CloseAOF()
	}
}

// groupWorkload runs n random consumer-group commands on streams s0 and
// s1, advancing the clock.
func groupWorkload(e *testEnv, clk *FakeClock, r *rand.Rand, n int) {
	c, blocker := e.newClient(), e.newClient()
	pick := func(xs ...string) string { return xs[r.IntN(len(xs))] }
	key := func() string { return "s" + strconv.Itoa(r.IntN(2)) }
	group := func() string { return pick("g1", "g2") }
	cons := func() string { return pick("c1", "c2", "c3", "c4") }
	id := func() string {
		return strconv.Itoa(1+r.IntN(int(clk.Ms-propB)/10+2)) + "-" + strconv.Itoa(r.IntN(2))
	}
	clk.Ms = propB
	for _, k := range []string{"s0", "s1"} {
		for _, g := range []string{"g1", "g2"} {
			e.do(c, "xgroup", "create", k, g, "0", "mkstream")
		}
	}
	for i := 0; i < n; i++ {
		clk.Ms += int64(1 + r.IntN(20))
		// IDs grow with the clock, slower: id() names ones near them.
		nextID := strconv.FormatInt((clk.Ms-propB)/10, 10) + "-*"
		var args []string
		switch r.IntN(16) {
		case 0, 1, 2:
			args = []string{"xadd", key(), nextID, "f", strconv.Itoa(i)}
		case 3, 4:
			args = []string{"xreadgroup", "group", group(), cons(), "count", strconv.Itoa(1 + r.IntN(3)), "streams", key(), ">"}
		case 5:
			args = []string{"xreadgroup", "group", group(), cons(), "noack", "count", strconv.Itoa(1 + r.IntN(3)), "streams", "s0", "s1", ">", ">"}
		case 6:
			if blocker.blocked != nil {
				continue
			}
			a := []string{"xreadgroup", "group", group(), cons(), "block", "0"}
			if r.IntN(2) == 0 {
				a = append(a, "noack")
			}
			args = append(a, "streams", key(), ">")
			e.do(blocker, args...) // may be served at once, or block until an XADD
			continue
		case 7, 8:
			args = []string{"xclaim", key(), group(), cons(), strconv.Itoa(r.IntN(3) * 50), id(), id()}
			for _, opt := range r.Perm(6)[:r.IntN(4)] {
				switch opt {
				case 0:
					args = append(args, "idle", strconv.Itoa(r.IntN(100)))
				case 1:
					args = append(args, "time", strconv.FormatInt(clk.Ms-int64(r.IntN(100)), 10))
				case 2:
					args = append(args, "retrycount", strconv.Itoa(r.IntN(5)))
				case 3:
					args = append(args, "force")
				case 4:
					args = append(args, "justid")
				case 5:
					args = append(args, "lastid", id())
				}
			}
		case 9:
			args = []string{"xautoclaim", key(), group(), cons(), strconv.Itoa(r.IntN(3) * 50), id(), "count", strconv.Itoa(1 + r.IntN(4))}
			if r.IntN(2) == 0 {
				args = append(args, "justid")
			}
		case 10:
			args = []string{"xack", key(), group(), id(), id(), id()}
		case 11:
			args = []string{"xdel", key(), id(), id()}
		case 12:
			args = []string{"xtrim", key(), "maxlen", strconv.Itoa(5 + r.IntN(20))}
		case 13:
			switch r.IntN(4) {
			case 0:
				args = []string{"xgroup", "setid", key(), group(), "$"}
			case 1:
				args = []string{"xgroup", "setid", key(), group(), id(), "entriesread", strconv.Itoa(r.IntN(10))}
			case 2:
				args = []string{"xgroup", "createconsumer", key(), group(), cons()}
			case 3:
				args = []string{"xgroup", "delconsumer", key(), group(), cons()}
			}
		case 14:
			k, g := key(), group()
			e.do(c, "xgroup", "destroy", k, g)
			args = []string{"xgroup", "create", k, g, pick("0", "$")}
		case 15:
			e.do(c, "multi")
			e.do(c, "xadd", "s0", nextID, "m", strconv.Itoa(i))
			e.do(c, "xreadgroup", "group", group(), cons(), "streams", "s0", ">")
			e.do(c, "xclaim", "s0", group(), cons(), "0", id(), "justid")
			args = []string{"exec"}
		}
		e.do(c, args...)
		if i%5 == 0 {
			e.srv.BeforeSleep()
		}
	}
}
