package engine

import (
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"

	"github.com/volleydb/volley/engine/config"
)

// push2 and push3 are a RESP2 and a RESP3 pub/sub push of bulk strings,
// with a trailing integer when count >= 0.
func push2(count int, elems ...string) string { return pushOf('*', count, elems) }
func push3(count int, elems ...string) string { return pushOf('>', count, elems) }

func pushOf(kind byte, count int, elems []string) string {
	n := len(elems)
	if count >= 0 {
		n++
	}
	var b strings.Builder
	b.WriteString(string(kind) + strconv.Itoa(n) + "\r\n")
	for _, e := range elems {
		b.WriteString(bulk(e))
	}
	if count >= 0 {
		b.WriteString(":" + strconv.Itoa(count) + "\r\n")
	}
	return b.String()
}

// pending returns and clears what c has been sent outside its own commands.
func pending(c *Client) string {
	out := string(c.Out.Bytes())
	c.Out.Reset()
	return out
}

func TestSubscribePublishRESP2(t *testing.T) {
	e := newTestEnv(t)
	sub, pub := e.newClient(), e.newClient()
	link := sub.link.(*wakeLink)
	e.expect(sub, []replyCase{
		rc("subscribe ch1 ch2", push2(1, "subscribe", "ch1")+push2(2, "subscribe", "ch2")),
		rc("subscribe ch1", push2(2, "subscribe", "ch1")), // already: confirmed, not counted twice
		rc("get x", errReply("ERR Can't execute 'get': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context")),
		rc("ping", "*2\r\n$4\r\npong\r\n$0\r\n\r\n"),
		rc("psubscribe ch*", push2(3, "psubscribe", "ch*")),
	})
	if r := e.do(pub, "publish", "ch1", "hello"); r != ":2\r\n" {
		t.Fatalf("publish = %q, want :2 (a channel and a pattern subscription)", r)
	}
	if link.wakes != 1 {
		t.Errorf("subscriber woken %d times for one publish, want 1", link.wakes)
	}
	want := push2(-1, "message", "ch1", "hello") + push2(-1, "pmessage", "ch*", "ch1", "hello")
	if got := pending(sub); got != want {
		t.Errorf("subscriber got %q, want %q", got, want)
	}
	if r := e.do(pub, "publish", "other", "x"); r != ":0\r\n" {
		t.Errorf("publish to nobody = %q", r)
	}
	if got := pending(sub); got != "" {
		t.Errorf("subscriber got %q from a channel it does not follow", got)
	}
	if f := e.do(pub, "client", "list", "id", strconv.FormatInt(sub.ID, 10)); !strings.Contains(f, " flags=P ") || !strings.Contains(f, " sub=2 psub=1 ssub=0 ") {
		t.Errorf("client list of the subscriber: %q", f)
	}
	e.expect(sub, []replyCase{
		rc("unsubscribe", push2(2, "unsubscribe", "ch1")+push2(1, "unsubscribe", "ch2")),
		rc("unsubscribe", "*3\r\n$11\r\nunsubscribe\r\n$-1\r\n:1\r\n"),
		rc("punsubscribe nope", push2(1, "punsubscribe", "nope")),
		rc("punsubscribe", push2(0, "punsubscribe", "ch*")),
		rc("punsubscribe", "*3\r\n$12\r\npunsubscribe\r\n$-1\r\n:0\r\n"),
		rc("get x", "$-1\r\n"), // out of pub/sub mode
	})
	if sub.Flags&ClientPubSub != 0 {
		t.Error("still flagged pub/sub with no subscription")
	}
}

func TestPubSubIntrospection(t *testing.T) {
	e := newTestEnv(t)
	a, b, q := e.newClient(), e.newClient(), e.newClient()
	e.do(a, "subscribe", "news", "sport")
	e.do(b, "subscribe", "news")
	e.do(b, "psubscribe", "n*", "s*")
	e.do(a, "ssubscribe", "q1")
	e.expect(q, []replyCase{
		rc("pubsub numsub news sport none", "*6\r\n"+bulk("news")+":2\r\n"+bulk("sport")+":1\r\n"+bulk("none")+":0\r\n"),
		rc("pubsub numsub", "*0\r\n"),
		rc("pubsub numpat", ":2\r\n"),
		rc("pubsub channels", "*2\r\n"+bulk("news")+bulk("sport")),
		rc("pubsub channels s*", "*1\r\n"+bulk("sport")),
		rc("pubsub channels a b", errReply("ERR unknown subcommand or wrong number of arguments for 'channels'. Try PUBSUB HELP.")),
		rc("pubsub shardchannels", "*1\r\n"+bulk("q1")),
		rc("pubsub shardchannels x*", "*0\r\n"),
		rc("pubsub shardnumsub q1 news", "*4\r\n"+bulk("q1")+":1\r\n"+bulk("news")+":0\r\n"),
		rc("pubsub foo", errReply("ERR unknown subcommand 'foo'. Try PUBSUB HELP.")),
		rc("spublish q1 m", ":1\r\n"),
		rc("spublish news m", ":0\r\n"), // shard and global channels are apart
		rc("publish q1 m", ":0\r\n"),
	})
	if got, want := pending(a), push2(-1, "smessage", "q1", "m"); got != want {
		t.Errorf("shard subscriber got %q, want %q", got, want)
	}
	info := e.do(q, "info", "stats")
	for _, f := range []string{"pubsub_channels:2\r\n", "pubsub_patterns:2\r\n", "pubsubshard_channels:1\r\n"} {
		if !strings.Contains(info, f) {
			t.Errorf("INFO stats lacks %q", f)
		}
	}
	if info := e.do(q, "info", "clients"); !strings.Contains(info, "pubsub_clients:2\r\n") {
		t.Errorf("INFO clients: %q", info)
	}

	// A client that goes away, or RESETs, leaves nothing behind.
	e.srv.FreeClient(a)
	e.expect(b, []replyCase{rc("reset", "+RESET\r\n")})
	e.expect(q, []replyCase{
		rc("pubsub numsub news sport", "*4\r\n"+bulk("news")+":0\r\n"+bulk("sport")+":0\r\n"),
		rc("pubsub numpat", ":0\r\n"),
		rc("pubsub channels", "*0\r\n"),
		rc("pubsub shardchannels", "*0\r\n"),
		rc("publish news x", ":0\r\n"),
	})
	if b.Flags&ClientPubSub != 0 || b.pubsub != nil {
		t.Error("RESET left the client subscribed")
	}
}

// In RESP3 every command runs while subscribed, and a message a command
// sends to its own client follows that command's reply (after the whole
// EXEC for a transaction).
func TestPubSubRESP3SelfDelivery(t *testing.T) {
	e := newTestEnv(t)
	c := e.newClient()
	e.do(c, "hello", "3")
	e.expect(c, []replyCase{
		rc("subscribe z", push3(1, "subscribe", "z")),
		rc("publish z self", ":1\r\n"+push3(-1, "message", "z", "self")),
		rc("multi", "+OK\r\n"),
		rc("publish z in-multi", "+QUEUED\r\n"),
		rc("set k v", "+QUEUED\r\n"),
		rc("exec", "*2\r\n:1\r\n+OK\r\n"+push3(-1, "message", "z", "in-multi")),
		rc("multi", "+OK\r\n"),
		rc("ssubscribe s1", "+QUEUED\r\n"),
		rc("subscribe z2", "+QUEUED\r\n"),
		// SUBSCRIBE is allowed in EXEC for compatibility, SSUBSCRIBE is not.
		rc("exec", "*2\r\n"+errReply("ERR SSUBSCRIBE isn't allowed for a DENY BLOCKING client")+push3(2, "subscribe", "z2")),
		rc("unsubscribe", push3(1, "unsubscribe", "z")+push3(0, "unsubscribe", "z2")),
		rc("sunsubscribe", ">3\r\n$12\r\nsunsubscribe\r\n_\r\n:0\r\n"),
	})
}

// Pushes are not replies: CLIENT REPLY OFF does not hold them back.
func TestPubSubIgnoresReplyOff(t *testing.T) {
	e := newTestEnv(t)
	sub, pub := e.newClient(), e.newClient()
	e.do(sub, "hello", "3")
	e.expect(sub, []replyCase{
		rc("client reply off", ""),
		rc("subscribe z", push3(1, "subscribe", "z")),
		rc("get k", ""),
	})
	e.do(pub, "publish", "z", "m")
	if got, want := pending(sub), push3(-1, "message", "z", "m"); got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

func TestKeyspaceNotificationsReachSubscribers(t *testing.T) {
	e := newTestEnv(t)
	sub, w := e.newClient(), e.newClient()
	e.do(sub, "subscribe", "__keyspace@0__:foo", "__keyevent@0__:del")
	e.do(sub, "psubscribe", "__keyevent@*__:set")
	pending(sub)

	e.do(w, "set", "foo", "bar") // notifications off by default
	if got := pending(sub); got != "" {
		t.Fatalf("notified with notify-keyspace-events off: %q", got)
	}
	e.srv.Cfg.NotifyKeyspaceEvents = config.NotifyKeyspace | config.NotifyKeyevent | config.NotifyAll
	e.do(w, "set", "foo", "baz")
	e.do(w, "del", "foo")
	want := push2(-1, "message", "__keyspace@0__:foo", "set") +
		push2(-1, "pmessage", "__keyevent@*__:set", "__keyevent@0__:set", "foo") +
		push2(-1, "message", "__keyspace@0__:foo", "del") +
		push2(-1, "message", "__keyevent@0__:del", "foo")
	if got := pending(sub); got != want {
		t.Errorf("got  %q\nwant %q", got, want)
	}
}

// Many clients subscribing and leaving one channel in random order: the
// swap-removal bookkeeping on both sides stays consistent, and a publish
// reaches exactly the clients still subscribed.
func TestPubSubChurn(t *testing.T) {
	e := newTestEnv(t)
	pub := e.newClient()
	rng := rand.New(rand.NewPCG(1, 2))
	clients := make([]*Client, 40)
	for i := range clients {
		clients[i] = e.newClient()
	}
	subscribed := map[*Client]map[string]bool{}
	channels := []string{"a", "b", "c"}
	for step := range 2000 {
		c := clients[rng.IntN(len(clients))]
		ch := channels[rng.IntN(len(channels))]
		if subscribed[c] == nil {
			subscribed[c] = map[string]bool{}
		}
		switch rng.IntN(5) {
		case 0, 1:
			e.do(c, "subscribe", ch)
			subscribed[c][ch] = true
		case 2, 3:
			e.do(c, "unsubscribe", ch)
			delete(subscribed[c], ch)
		case 4:
			e.do(c, "unsubscribe")
			clear(subscribed[c])
		}
		if step%50 != 0 {
			continue
		}
		for _, c := range clients {
			pending(c)
		}
		want := 0
		for _, chs := range subscribed {
			if chs[ch] {
				want++
			}
		}
		if r := e.do(pub, "publish", ch, "m"); r != ":"+strconv.Itoa(want)+"\r\n" {
			t.Fatalf("step %d: publish %s = %q, want %d receivers", step, ch, r, want)
		}
		for _, c := range clients {
			got := pending(c) != ""
			if got != subscribed[c][ch] {
				t.Fatalf("step %d: client %d received=%v, subscribed=%v", step, c.ID, got, subscribed[c][ch])
			}
			if n := len(subscribed[c]); c.subs(kindChannel) != n {
				t.Fatalf("step %d: client %d counts %d subscriptions, want %d", step, c.ID, c.subs(kindChannel), n)
			}
		}
	}
}
