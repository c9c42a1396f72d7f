package main

import (
	"context"
	"testing"

	"github.com/valkey-io/valkey-go"
)

// valkey-go's Lua scripts send EVALSHA and fall back to EVAL on NOSCRIPT,
// as go-redis and ioredis do; after SCRIPT FLUSH the fallback runs again.
func TestScriptEvalshaFallback(t *testing.T) {
	s := startServer(t)
	for _, resp2 := range []bool{false, true} {
		cl, err := valkey.NewClient(valkey.ClientOption{InitAddress: []string{s.Addr()}, DisableCache: true, AlwaysRESP2: resp2})
		if err != nil {
			t.Fatal(err)
		}
		ctx := context.Background()
		limiter := valkey.NewLuaScript(`
local n = redis.call('INCR', KEYS[1])
if n == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
if n > tonumber(ARGV[2]) then return 0 end
return n`)
		for i, want := range []int64{1, 2, 0} {
			got, err := limiter.Exec(ctx, cl, []string{"rl:key"}, []string{"60000", "2"}).AsInt64()
			if err != nil || got != want {
				t.Fatalf("call %d: %d %v, want %d", i, got, err, want)
			}
		}
		if err := cl.Do(ctx, cl.B().ScriptFlush().Build()).Error(); err != nil {
			t.Fatal(err)
		}
		unlock := valkey.NewLuaScript(`if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) else return 0 end`)
		cl.Do(ctx, cl.B().Set().Key("lock").Value("token").Build())
		if n, err := unlock.Exec(ctx, cl, []string{"lock"}, []string{"other"}).AsInt64(); err != nil || n != 0 {
			t.Fatalf("unlock with the wrong token: %d %v", n, err)
		}
		if n, err := unlock.Exec(ctx, cl, []string{"lock"}, []string{"token"}).AsInt64(); err != nil || n != 1 {
			t.Fatalf("unlock: %d %v", n, err)
		}
		if err := limiter.Exec(ctx, cl, []string{"rl:key"}, []string{"x", "y"}).Error(); err == nil {
			t.Fatal("a script error came back as success")
		}
		cl.Do(ctx, cl.B().Del().Key("rl:key").Build())
		cl.Close()
	}
}
