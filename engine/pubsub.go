package engine

import (
	"strconv"

	"github.com/volleydb/volley/engine/config"
	"github.com/volleydb/volley/engine/resp"
)

// Pub/sub: SUBSCRIBE, PSUBSCRIBE and SSUBSCRIBE (shard channels), their
// UNSUBSCRIBE forms, PUBLISH, SPUBLISH, PUBSUB's introspection, and the
// keyspace notifications that ride on them.
//
// The server keeps one table per kind (channels, patterns, shard
// channels) from a name to its subscribers; each client keeps the
// subscriptions it holds, with its own position in each subscriber list,
// so that subscribing and unsubscribing are O(1) however many clients
// share a channel. Lists are unordered: a removal moves the last element
// into the hole, as Valkey's hash tables give no order either.
//
// Delivery appends to the subscriber's output and wakes its connection
// (the MONITOR rule: wake on empty to non-empty). Every pub/sub reply is
// a push: it goes out even under CLIENT REPLY OFF, and one meant for the
// client whose command is running waits until that command's own reply
// is written (after a whole EXEC), as in Valkey, except the subscribe
// family's, which are those commands' replies.

// pubsubKind selects a subscription table.
type pubsubKind uint8

const (
	kindChannel pubsubKind = iota // SUBSCRIBE
	kindPattern                   // PSUBSCRIBE
	kindShard                     // SSUBSCRIBE
	numPubsubKinds
)

// The push's first element for each kind.
var (
	subscribeWord   = [numPubsubKinds]string{"subscribe", "psubscribe", "ssubscribe"}
	unsubscribeWord = [numPubsubKinds]string{"unsubscribe", "punsubscribe", "sunsubscribe"}
)

// subscription is one channel, pattern or shard channel with at least
// one subscriber.
type subscription struct {
	name    string
	raw     []byte // name's bytes, for matching without a conversion
	clients []*Client
	pos     int // index in its table's list
}

// subTable is the server's table of one kind.
type subTable struct {
	byName map[string]*subscription
	list   []*subscription // for PUBSUB CHANNELS and PUBLISH's pattern scan
}

func (t *subTable) get(name []byte) *subscription { return t.byName[string(name)] }

func (t *subTable) add(name []byte) *subscription {
	if t.byName == nil {
		t.byName = make(map[string]*subscription)
	}
	sub := &subscription{name: string(name), pos: len(t.list)}
	sub.raw = []byte(sub.name)
	t.byName[sub.name] = sub
	t.list = append(t.list, sub)
	return sub
}

func (t *subTable) remove(sub *subscription) {
	last := len(t.list) - 1
	t.list[sub.pos] = t.list[last]
	t.list[sub.pos].pos = sub.pos
	t.list[last] = nil
	t.list = t.list[:last]
	delete(t.byName, sub.name)
}

// pubsubState is the server's subscription tables.
type pubsubState struct {
	tables  [numPubsubKinds]subTable
	scratch []byte // a message being built for delivery
	channel []byte // a keyspace notification's channel
	event   []byte // a keyspace notification's event name
}

// subRef is one of a client's subscriptions: the subscription and the
// client's index in its client list.
type subRef struct {
	sub *subscription
	at  int
}

// clientSubs is a client's subscriptions of one kind.
type clientSubs struct {
	index map[string]int // name → position in list
	list  []subRef
}

// clientPubSub is a client's subscriptions, made on its first subscribe.
type clientPubSub struct {
	kinds [numPubsubKinds]clientSubs
}

func (cs *clientSubs) ref(name string) *subRef {
	if i, ok := cs.index[name]; ok {
		return &cs.list[i]
	}
	return nil
}

var pubsubHandlers = map[string]Handler{
	"subscribe":            cmdSubscribe,
	"psubscribe":           cmdPSubscribe,
	"ssubscribe":           cmdSSubscribe,
	"unsubscribe":          func(c *Client) { unsubscribeCommand(c, kindChannel) },
	"punsubscribe":         func(c *Client) { unsubscribeCommand(c, kindPattern) },
	"sunsubscribe":         func(c *Client) { unsubscribeCommand(c, kindShard) },
	"publish":              cmdPublish,
	"spublish":             func(c *Client) { c.AddInt(int64(c.srv.publish(c.Argv[1], c.Argv[2], true))) },
	"pubsub|channels":      func(c *Client) { channelList(c, kindChannel) },
	"pubsub|shardchannels": func(c *Client) { channelList(c, kindShard) },
	"pubsub|numsub":        func(c *Client) { numSub(c, kindChannel) },
	"pubsub|shardnumsub":   func(c *Client) { numSub(c, kindShard) },
	"pubsub|numpat":        func(c *Client) { c.AddInt(int64(len(c.srv.pubsub.tables[kindPattern].list))) },
	"pubsub|help":          cmdPubsubHelp,
}

func cmdSubscribe(c *Client) {
	// A script may not subscribe; inside EXEC SUBSCRIBE is allowed for
	// compatibility, SSUBSCRIBE is not (below).
	if c.srv.blocking.nested > 0 && c.Flags&ClientMulti == 0 {
		c.AddError("ERR SUBSCRIBE isn't allowed for a DENY BLOCKING client")
		return
	}
	subscribeCommand(c, kindChannel)
}

func cmdPSubscribe(c *Client) {
	if c.srv.blocking.nested > 0 && c.Flags&ClientMulti == 0 {
		c.AddError("ERR PSUBSCRIBE isn't allowed for a DENY BLOCKING client")
		return
	}
	subscribeCommand(c, kindPattern)
}

func cmdSSubscribe(c *Client) {
	if c.srv.blockingDenied(c) {
		c.AddError("ERR SSUBSCRIBE isn't allowed for a DENY BLOCKING client")
		return
	}
	subscribeCommand(c, kindShard)
}

func subscribeCommand(c *Client, kind pubsubKind) {
	for _, name := range c.Argv[1:] {
		c.srv.subscribe(c, kind, name)
		c.pushSubscription(subscribeWord[kind], name, kind)
	}
	c.Flags |= ClientPubSub
}

func unsubscribeCommand(c *Client, kind pubsubKind) {
	s := c.srv
	if len(c.Argv) == 1 {
		if s.unsubscribeAll(c, kind, true) == 0 {
			c.pushSubscription(unsubscribeWord[kind], nil, kind)
		}
	} else {
		for _, name := range c.Argv[1:] {
			s.unsubscribe(c, kind, name)
			c.pushSubscription(unsubscribeWord[kind], name, kind)
		}
	}
	c.leavePubSubIfDone()
}

// subs is how many subscriptions of kind c holds (CLIENT LIST's sub=,
// psub= and ssub=).
func (c *Client) subs(kind pubsubKind) int {
	if c.pubsub == nil {
		return 0
	}
	return len(c.pubsub.kinds[kind].list)
}

// subscriptionCount is the count a (un)subscribe reply reports: channels
// and patterns together, shard channels apart.
func (c *Client) subscriptionCount(kind pubsubKind) int {
	if kind == kindShard {
		return c.subs(kindShard)
	}
	return c.subs(kindChannel) + c.subs(kindPattern)
}

// leavePubSubIfDone ends pub/sub mode once nothing is subscribed.
func (c *Client) leavePubSubIfDone() {
	if c.subscriptionCount(kindChannel)+c.subs(kindShard) == 0 {
		c.Flags &^= ClientPubSub
	}
}

// pushSubscription sends a (un)subscribe confirmation: the word, the
// name (null for an UNSUBSCRIBE of nothing) and the count after it. Like
// every push it is written whatever CLIENT REPLY says.
func (c *Client) pushSubscription(word string, name []byte, kind pubsubKind) {
	b := resp.AppendPushLen(c.Out.buf, 3, c.Proto)
	b = resp.AppendBulkString(b, word)
	if name == nil {
		b = resp.AppendNull(b, c.Proto)
	} else {
		b = resp.AppendBulk(b, name)
	}
	c.Out.buf = resp.AppendInt(b, int64(c.subscriptionCount(kind)))
}

// subscribe adds c to name's subscribers of kind, if it is not one yet.
func (s *Server) subscribe(c *Client, kind pubsubKind, name []byte) {
	if c.pubsub == nil {
		c.pubsub = &clientPubSub{}
	}
	cs := &c.pubsub.kinds[kind]
	if cs.ref(string(name)) != nil {
		return
	}
	t := &s.pubsub.tables[kind]
	sub := t.get(name)
	if sub == nil {
		sub = t.add(name)
	}
	if cs.index == nil {
		cs.index = make(map[string]int)
	}
	cs.index[sub.name] = len(cs.list)
	cs.list = append(cs.list, subRef{sub: sub, at: len(sub.clients)})
	sub.clients = append(sub.clients, c)
}

// unsubscribe removes c from name's subscribers of kind, if it is one.
func (s *Server) unsubscribe(c *Client, kind pubsubKind, name []byte) {
	if c.pubsub == nil {
		return
	}
	if i, ok := c.pubsub.kinds[kind].index[string(name)]; ok {
		s.dropRef(c, kind, i)
	}
}

// dropRef removes c's i-th subscription of kind from both sides.
func (s *Server) dropRef(c *Client, kind pubsubKind, i int) {
	cs := &c.pubsub.kinds[kind]
	ref := cs.list[i]
	sub := ref.sub

	// The subscription's client list: move its last client into c's slot.
	last := len(sub.clients) - 1
	if moved := sub.clients[last]; ref.at != last {
		sub.clients[ref.at] = moved
		moved.pubsub.kinds[kind].ref(sub.name).at = ref.at
	}
	sub.clients[last] = nil
	sub.clients = sub.clients[:last]
	if len(sub.clients) == 0 {
		s.pubsub.tables[kind].remove(sub)
	}

	// c's own list: the same move.
	lastRef := len(cs.list) - 1
	if i != lastRef {
		cs.list[i] = cs.list[lastRef]
		cs.index[cs.list[i].sub.name] = i
	}
	cs.list[lastRef] = subRef{}
	cs.list = cs.list[:lastRef]
	delete(cs.index, sub.name)
}

// unsubscribeAll drops every subscription c has of kind. With notify it
// confirms each and returns how many there were.
func (s *Server) unsubscribeAll(c *Client, kind pubsubKind, notify bool) int {
	if c.pubsub == nil {
		return 0
	}
	cs := &c.pubsub.kinds[kind]
	if !notify {
		for len(cs.list) > 0 {
			s.dropRef(c, kind, len(cs.list)-1)
		}
		return 0
	}
	// Confirmed in subscription order (while nothing was dropped yet).
	subs := make([]*subscription, len(cs.list))
	for i, ref := range cs.list {
		subs[i] = ref.sub
	}
	for _, sub := range subs {
		s.dropRef(c, kind, cs.index[sub.name])
		c.pushSubscription(unsubscribeWord[kind], sub.raw, kind)
	}
	return len(subs)
}

// freePubSub drops all of c's subscriptions silently (RESET, disconnect).
func (s *Server) freePubSub(c *Client) {
	if c.pubsub != nil {
		for k := range numPubsubKinds {
			s.unsubscribeAll(c, k, false)
		}
		c.pubsub = nil
	}
	c.Flags &^= ClientPubSub
}

// publish delivers message on channel to its subscribers and, unless
// sharded, to the clients whose patterns match it. It returns how many
// deliveries it made (a client matched by a channel and two patterns
// counts three times, as in Valkey).
func (s *Server) publish(channel, message []byte, sharded bool) int {
	kind, word := kindChannel, "message"
	if sharded {
		kind, word = kindShard, "smessage"
	}
	receivers := 0
	if sub := s.pubsub.tables[kind].get(channel); sub != nil {
		msg := resp.AppendBulkString(s.pubsub.scratch[:0], word)
		msg = resp.AppendBulk(msg, channel)
		receivers += s.deliverAll(sub.clients, 3, resp.AppendBulk(msg, message))
	}
	if sharded {
		return receivers // shard channels have no patterns
	}
	for _, sub := range s.pubsub.tables[kindPattern].list {
		if !globMatch(sub.raw, channel, false) {
			continue
		}
		msg := resp.AppendBulkString(s.pubsub.scratch[:0], "pmessage")
		msg = resp.AppendBulk(msg, sub.raw)
		msg = resp.AppendBulk(msg, channel)
		receivers += s.deliverAll(sub.clients, 4, resp.AppendBulk(msg, message))
	}
	return receivers
}

// deliverAll sends the push msg (n elements, in the scratch buffer) to
// each of clients and returns how many they were.
func (s *Server) deliverAll(clients []*Client, n int, msg []byte) int {
	s.pubsub.scratch = msg
	for _, c := range clients {
		s.deliver(c, n, msg)
	}
	return len(clients)
}

// deliver sends a push of n elements whose encoded elements are body. A
// push for the client whose command is running waits for the end of it.
func (s *Server) deliver(c *Client, n int, body []byte) {
	if c.Flags&ClientCloseAfterReply != 0 {
		return
	}
	if c == s.current && !pushIsReply(c.Cmd) {
		s.pendingPush = append(resp.AppendPushLen(s.pendingPush, n, c.Proto), body...)
		return
	}
	wake := c.Out.Empty()
	c.Out.buf = append(resp.AppendPushLen(c.Out.buf, n, c.Proto), body...)
	if wake && c.link != nil && c != s.current {
		c.link.Wake()
	}
}

// pushIsReply reports whether cmd answers with pushes (the subscribe
// family), so that messages it causes for its own client go out in
// order with them instead of after.
func pushIsReply(cmd *Spec) bool {
	if cmd == nil {
		return false
	}
	switch cmd.FullName {
	case "subscribe", "unsubscribe", "psubscribe", "punsubscribe", "ssubscribe", "sunsubscribe":
		return true
	}
	return false
}

// flushPendingPush appends the pushes the running command caused for its
// own client after the command's reply.
func (s *Server) flushPendingPush(c *Client) {
	c.Out.buf = append(c.Out.buf, s.pendingPush...)
	s.pendingPush = s.pendingPush[:0]
}

// channelList replies with the channels (or shard channels) that have
// subscribers, those matching the optional pattern.
func channelList(c *Client, kind pubsubKind) {
	if len(c.Argv) > 3 {
		subcommandSyntaxError(c)
		return
	}
	var pat []byte
	if len(c.Argv) == 3 {
		pat = c.Argv[2]
	}
	list := c.srv.pubsub.tables[kind].list
	d := c.AddDeferredLen()
	n := 0
	for _, sub := range list {
		if pat == nil || globMatch(pat, sub.raw, false) {
			c.AddBulkString(sub.name)
			n++
		}
	}
	c.SetDeferredArrayLen(d, n)
}

// numSub replies with each named channel and its subscriber count.
func numSub(c *Client, kind pubsubKind) {
	t := &c.srv.pubsub.tables[kind]
	c.AddArrayLen(2 * (len(c.Argv) - 2))
	for _, name := range c.Argv[2:] {
		c.AddBulkCopy(name)
		n := 0
		if sub := t.get(name); sub != nil {
			n = len(sub.clients)
		}
		c.AddInt(int64(n))
	}
}

func cmdPubsubHelp(c *Client) {
	c.AddHelp("PUBSUB", []string{
		"CHANNELS [<pattern>]",
		"    Return the currently active channels matching a <pattern> (default: '*').",
		"NUMPAT",
		"    Return number of subscriptions to patterns.",
		"NUMSUB [<channel> ...]",
		"    Return the number of subscribers for the specified channels, excluding",
		"    pattern subscriptions(default: no channels).",
		"SHARDCHANNELS [<pattern>]",
		"    Return the currently active shard level channels matching a <pattern> (default: '*').",
		"SHARDNUMSUB [<shardchannel> ...]",
		"    Return the number of subscribers for the specified shard level channel(s)",
	})
}

// publishKeyspace sends an enabled keyspace notification: on
// __keyspace@<db>__:<key> with the event as message (K), and on
// __keyevent@<db>__:<event> with the key as message (E).
func (s *Server) publishKeyspace(event string, key []byte, dbID int) {
	if len(s.pubsub.tables[kindChannel].list) == 0 && len(s.pubsub.tables[kindPattern].list) == 0 {
		return // nobody can hear it
	}
	flags := s.Cfg.NotifyKeyspaceEvents
	ps := &s.pubsub
	ps.event = append(ps.event[:0], event...)
	if flags&config.NotifyKeyspace != 0 {
		ps.channel = append(ps.channel[:0], "__keyspace@"...)
		ps.channel = strconv.AppendInt(ps.channel, int64(dbID), 10)
		ps.channel = append(ps.channel, "__:"...)
		ps.channel = append(ps.channel, key...)
		s.publish(ps.channel, ps.event, false)
	}
	if flags&config.NotifyKeyevent != 0 {
		ps.channel = append(ps.channel[:0], "__keyevent@"...)
		ps.channel = strconv.AppendInt(ps.channel, int64(dbID), 10)
		ps.channel = append(ps.channel, "__:"...)
		ps.channel = append(ps.channel, event...)
		s.publish(ps.channel, key, false)
	}
}

// PubSubCounts returns INFO's pubsub_channels, pubsub_patterns and
// pubsubshard_channels.
func (s *Server) PubSubCounts() (channels, patterns, shard int) {
	t := &s.pubsub.tables
	return len(t[kindChannel].list), len(t[kindPattern].list), len(t[kindShard].list)
}

// PUBLISH channel message. Without cluster mode it is propagated to the
// replicas (not the AOF), so that their subscribers get the message too.
func cmdPublish(c *Client) {
	c.AddInt(int64(c.srv.publish(c.Argv[1], c.Argv[2], false)))
	if !c.srv.Cfg.ClusterEnabled {
		c.forcePropagationToReplicas()
	}
}
