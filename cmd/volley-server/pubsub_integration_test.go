package main

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/valkey-io/valkey-go"
)

// TestPubSubOverTheWire checks delivery between connections through the
// I/O loops (a publish wakes the subscriber's loop), and that a real
// client's pub/sub API and keyspace notifications work against Volley.
func TestPubSubOverTheWire(t *testing.T) {
	s := startServer(t, "--client-output-buffer-limit", "pubsub 256kb 0 0")
	sub, pub := dialRaw(t, s), dialRaw(t, s)
	sub.Expect("*3\r\n$9\r\nsubscribe\r\n$4\r\nnews\r\n:1\r\n", "SUBSCRIBE", "news")
	sub.Expect("*3\r\n$10\r\npsubscribe\r\n$2\r\nn*\r\n:2\r\n", "PSUBSCRIBE", "n*")
	pub.Expect(":2\r\n", "PUBLISH", "news", "hi")
	sub.ExpectReplies("messages",
		"*3\r\n$7\r\nmessage\r\n$4\r\nnews\r\n$2\r\nhi\r\n",
		"*4\r\n$8\r\npmessage\r\n$2\r\nn*\r\n$4\r\nnews\r\n$2\r\nhi\r\n")

	// A pipeline of publishes arrives whole and in order.
	var pipe strings.Builder
	for range 100 {
		pipe.WriteString(multibulk("PUBLISH", "news", "x"))
	}
	pub.Send(pipe.String())
	for i := range 100 {
		if r := pub.Reply(); r != ":2\r\n" {
			t.Fatalf("publish %d: %q", i, r)
		}
		sub.ExpectReplies("pipelined messages",
			"*3\r\n$7\r\nmessage\r\n$4\r\nnews\r\n$1\r\nx\r\n",
			"*4\r\n$8\r\npmessage\r\n$2\r\nn*\r\n$4\r\nnews\r\n$1\r\nx\r\n")
	}

	// A real client: valkey-go's Receive, and keyspace notifications.
	cl, err := valkey.NewClient(valkey.ClientOption{InitAddress: []string{s.Addr()}, DisableCache: true})
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := cl.Do(ctx, cl.B().ConfigSet().ParameterValue().ParameterValue("notify-keyspace-events", "KA").Build()).Error(); err != nil {
		t.Fatal(err)
	}
	got := make(chan string, 4)
	subscribed := make(chan struct{})
	go func() {
		_ = cl.Receive(ctx, cl.B().Subscribe().Channel("__keyspace@0__:watched").Build(), func(m valkey.PubSubMessage) {
			got <- m.Channel + " " + m.Message
		})
	}()
	go func() { // Receive returns only when the subscription ends: poll NUMSUB
		for ctx.Err() == nil {
			n, _ := cl.Do(ctx, cl.B().PubsubNumsub().Channel("__keyspace@0__:watched").Build()).AsIntMap()
			if n["__keyspace@0__:watched"] == 1 {
				close(subscribed)
				return
			}
			time.Sleep(10 * time.Millisecond)
		}
	}()
	select {
	case <-subscribed:
	case <-ctx.Done():
		t.Fatal("valkey-go never subscribed")
	}
	pub.Expect("+OK\r\n", "SET", "watched", "1")
	pub.Expect(":1\r\n", "DEL", "watched")
	for _, want := range []string{"__keyspace@0__:watched set", "__keyspace@0__:watched del"} {
		select {
		case m := <-got:
			if m != want {
				t.Errorf("valkey-go received %q, want %q", m, want)
			}
		case <-ctx.Done():
			t.Fatalf("valkey-go did not receive %q", want)
		}
	}

	// A subscriber whose pending output passes the pubsub class's hard
	// limit is disconnected, and counted.
	big := strings.Repeat("v", 300<<10)
	pub.Expect(":2\r\n", "PUBLISH", "news", big)
	sub.ExpectClosed()
	if info := pub.Do("INFO", "stats"); !strings.Contains(info, "client_output_buffer_limit_disconnections:1\r\n") {
		t.Errorf("INFO stats after the limit: %q", info)
	}
	pub.Expect("*2\r\n$4\r\nnews\r\n:0\r\n", "PUBSUB", "NUMSUB", "news")
}
