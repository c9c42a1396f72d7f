package main

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/valkey-io/valkey-go"
)

// TestClientSideCaching runs valkey-go with its defaults, which turn on
// client-side caching (CLIENT TRACKING ON OPTIN on every connection): a
// cached GET is served from the client's cache until another connection
// changes the key, and the server's invalidation makes the next one read
// the new value.
func TestClientSideCaching(t *testing.T) {
	s := startServer(t)
	cl, err := valkey.NewClient(valkey.ClientOption{InitAddress: []string{s.Addr()}})
	if err != nil {
		t.Fatalf("valkey-go with client-side caching: %v", err)
	}
	defer cl.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	raw := dialRaw(t, s)
	raw.Expect("+OK\r\n", "SET", "k", "v1")

	get := func() (string, bool) {
		r := cl.DoCache(ctx, cl.B().Get().Key("k").Cache(), time.Minute)
		v, err := r.ToString()
		if err != nil {
			t.Fatal(err)
		}
		return v, r.IsCacheHit()
	}
	if v, hit := get(); v != "v1" || hit {
		t.Fatalf("first read: %q, cache hit %v", v, hit)
	}
	if v, hit := get(); v != "v1" || !hit {
		t.Fatalf("second read: %q, cache hit %v (want a hit)", v, hit)
	}
	raw.Expect("+OK\r\n", "SET", "k", "v2")
	deadline := time.Now().Add(5 * time.Second)
	for {
		v, hit := get()
		if v == "v2" && !hit {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("still %q (cache hit %v) after the key changed", v, hit)
		}
		time.Sleep(5 * time.Millisecond)
	}
	if info := raw.Do("INFO", "clients"); strings.Contains(info, "tracking_clients:0\r\n") {
		t.Errorf("INFO clients shows no tracking client: %q", info)
	}
}
