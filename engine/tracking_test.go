package engine

import (
	"strconv"
	"strings"
	"testing"
)

// invalidate3 is a RESP3 invalidation push for keys.
func invalidate3(keys ...string) string {
	s := ">2\r\n" + bulk("invalidate") + "*" + strconv.Itoa(len(keys)) + "\r\n"
	for _, k := range keys {
		s += bulk(k)
	}
	return s
}

func TestTrackingDefaultMode(t *testing.T) {
	e := newTestEnv(t)
	a, b := e.newClient(), e.newClient()
	e.do(a, "hello", "3")
	e.expect(a, []replyCase{
		rc("client tracking on", "+OK\r\n"),
		rc("get k1", "_\r\n"),
		rc("mget k2 k3", "*2\r\n_\r\n_\r\n"),
	})
	e.do(b, "set", "k1", "x")
	if got := pending(a); got != invalidate3("k1") {
		t.Fatalf("after another client's SET: %q", got)
	}
	e.do(b, "set", "k1", "y") // not read again since: no second message
	if got := pending(a); got != "" {
		t.Fatalf("invalidated twice: %q", got)
	}
	e.expect(a, []replyCase{
		// Its own write: the invalidation follows the reply.
		rc("set k2 self", "+OK\r\n"+invalidate3("k2")),
		rc("get k2", bulk("self")),
		rc("client tracking on noloop", "+OK\r\n"),
		rc("set k2 again", "+OK\r\n"),
		rc("client trackinginfo", "%3\r\n"+bulk("flags")+"~2\r\n"+bulk("on")+bulk("noloop")+bulk("redirect")+":0\r\n"+bulk("prefixes")+"*0\r\n"),
		rc("client getredir", ":0\r\n"),
	})
	if f := e.do(b, "client", "list", "id", strconv.FormatInt(a.ID, 10)); !strings.Contains(f, " flags=t ") {
		t.Errorf("client list: %q", f)
	}
	// Expiry and deletion invalidate too; FLUSHALL invalidates everything.
	e.do(b, "set", "k3", "v")
	pending(a)
	e.do(a, "get", "k3")
	e.do(b, "del", "k3")
	if got := pending(a); got != invalidate3("k3") {
		t.Errorf("after DEL: %q", got)
	}
	e.do(b, "flushall")
	if got := pending(a); got != ">2\r\n"+bulk("invalidate")+"_\r\n" {
		t.Errorf("after FLUSHALL: %q", got)
	}
	if info := e.do(b, "info", "stats"); !strings.Contains(info, "tracking_total_keys:0\r\n") {
		t.Errorf("table not emptied by FLUSHALL")
	}
	e.expect(a, []replyCase{rc("client tracking off", "+OK\r\n"), rc("get k1", "_\r\n")})
	e.do(b, "set", "k1", "z")
	if got := pending(a); got != "" {
		t.Errorf("invalidated after tracking off: %q", got)
	}
}

func TestTrackingOptInOptOut(t *testing.T) {
	e := newTestEnv(t)
	a, b := e.newClient(), e.newClient()
	e.do(a, "hello", "3")
	e.expect(a, []replyCase{
		rc("client tracking on optin", "+OK\r\n"),
		rc("client tracking on optout", errReply("ERR You can't switch OPTIN/OPTOUT mode before disabling tracking for this client, and then re-enabling it with a different mode.")),
		rc("client caching no", errReply("ERR CLIENT CACHING NO is only valid when tracking is enabled in OPTOUT mode.")),
		rc("get o1", "_\r\n"), // not opted in: not tracked
		rc("client caching yes", "+OK\r\n"),
		rc("client trackinginfo", "%3\r\n"+bulk("flags")+"~3\r\n"+bulk("on")+bulk("optin")+bulk("caching-yes")+bulk("redirect")+":0\r\n"+bulk("prefixes")+"*0\r\n"),
		rc("get o2", "_\r\n"),
		rc("get o3", "_\r\n"), // CACHING YES covered only the command after it
	})
	e.do(b, "mset", "o1", "1", "o2", "2", "o3", "3")
	if got := pending(a); got != invalidate3("o2") {
		t.Errorf("optin: %q", got)
	}
	e.expect(a, []replyCase{
		rc("client tracking off", "+OK\r\n"),
		rc("client tracking on optout", "+OK\r\n"),
		rc("client caching no", "+OK\r\n"),
		rc("get p1", "_\r\n"), // opted out
		rc("get p2", "_\r\n"),
	})
	e.do(b, "mset", "p1", "1", "p2", "2")
	if got := pending(a); got != invalidate3("p2") {
		t.Errorf("optout: %q", got)
	}
}

func TestTrackingBroadcast(t *testing.T) {
	e := newTestEnv(t)
	a, b := e.newClient(), e.newClient()
	e.do(a, "hello", "3")
	e.expect(a, []replyCase{
		rc("client tracking on bcast prefix user: prefix cart:", "+OK\r\n"),
		rc("client tracking on bcast prefix us", errReply("ERR Prefix 'us' overlaps with an existing prefix 'user:'. Prefixes for a single client must not overlap.")),
		rc("client tracking on", errReply("ERR You can't switch BCAST mode on/off before disabling tracking for this client, and then re-enabling it with a different mode.")),
		rc("client trackinginfo", "%3\r\n"+bulk("flags")+"~2\r\n"+bulk("on")+bulk("bcast")+bulk("redirect")+":0\r\n"+bulk("prefixes")+"*2\r\n"+bulk("cart:")+bulk("user:")),
	})
	e.do(b, "mset", "user:2", "b", "user:1", "a", "other", "c", "cart:9", "d")
	if got := pending(a); got != "" {
		t.Fatalf("broadcast before the engine was released: %q", got)
	}
	e.srv.BeforeSleep()
	if got, want := pending(a), invalidate3("cart:9")+invalidate3("user:1", "user:2"); got != want {
		t.Errorf("broadcast:\n got %q\nwant %q", got, want)
	}
	if f := e.do(b, "client", "list", "id", strconv.FormatInt(a.ID, 10)); !strings.Contains(f, " flags=tB ") {
		t.Errorf("client list: %q", f)
	}
	if info := e.do(b, "info", "stats"); !strings.Contains(info, "tracking_total_prefixes:2\r\n") {
		t.Errorf("INFO lacks the prefixes")
	}
	e.srv.FreeClient(a)
	if info := e.do(b, "info", "stats"); !strings.Contains(info, "tracking_total_prefixes:0\r\n") {
		t.Errorf("prefixes left after the client went away")
	}
}

// A RESP2 client's invalidations go to a client subscribed to
// __redis__:invalidate; once that one is gone the redirect is broken.
func TestTrackingRedirect(t *testing.T) {
	e := newTestEnv(t)
	a, b, r := e.newClient(), e.newClient(), e.newClient()
	e.do(r, "subscribe", "__redis__:invalidate")
	e.expect(a, []replyCase{
		rc("client tracking on redirect "+strconv.FormatInt(r.ID, 10), "+OK\r\n"),
		rc("client getredir", ":"+strconv.FormatInt(r.ID, 10)+"\r\n"),
		rc("get rk", "$-1\r\n"),
	})
	e.do(b, "set", "rk", "v")
	if got, want := pending(r), "*3\r\n"+bulk("message")+bulk("__redis__:invalidate")+"*1\r\n"+bulk("rk"); got != want {
		t.Errorf("redirected: %q, want %q", got, want)
	}
	if got := pending(a); got != "" {
		t.Errorf("the tracking client got %q itself", got)
	}
	e.srv.FreeClient(r)
	e.do(a, "get", "rk")
	e.do(b, "set", "rk", "w")
	if f := e.do(b, "client", "list", "id", strconv.FormatInt(a.ID, 10)); !strings.Contains(f, " flags=tR ") {
		t.Errorf("client list after the redirect went away: %q", f)
	}
}

// tracking-table-max-keys: past the limit, keys leave the table with an
// invalidation before the next command.
func TestTrackingTableLimit(t *testing.T) {
	e := newTestEnv(t)
	a := e.newClient()
	e.do(a, "hello", "3")
	e.do(a, "client", "tracking", "on")
	for i := range 10 {
		e.do(a, "get", "key"+strconv.Itoa(i))
	}
	e.do(a, "config", "set", "tracking-table-max-keys", "4")
	out := e.do(a, "ping")
	if n := strings.Count(out, "invalidate"); n != 6 {
		t.Errorf("%d invalidations for a table of 10 over a limit of 4: %q", n, out)
	}
	if keys, items, _ := e.srv.TrackingCounts(); keys != 4 || items != 4 {
		t.Errorf("table holds %d keys, %d items, want 4 and 4", keys, items)
	}
}

// A script tracks the keys its read commands read, for the client that
// ran it; its declared keys are not tracked, EVAL_RO's neither.
func TestTrackingScripts(t *testing.T) {
	e := newTestEnv(t)
	a, b := e.newClient(), e.newClient()
	e.do(a, "hello", "3")
	e.do(a, "client", "tracking", "on")
	for _, eval := range []string{"eval", "eval_ro"} {
		e.do(a, eval, "redis.call('ping')", "2", "k1", "k2")
		e.do(b, "mset", "k1", "1", "k2", "1")
		if got := pending(a); got != "" {
			t.Fatalf("%s without reads tracked its keys: %q", eval, got)
		}
		e.do(a, eval, "redis.call('get', 'k2')", "2", "k1", "k3")
		e.do(b, "mset", "k1", "2", "k2", "2", "k3", "2")
		if got := pending(a); got != invalidate3("k2") {
			t.Fatalf("%s reading k2: %q", eval, got)
		}
	}
}
