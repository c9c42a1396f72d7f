package main

import (
	"context"
	"strconv"
	"strings"
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

// Through the binary, the replies Valkey 9.0 gives to what its
// scripting.tcl checks: SORT BY a constant sorts a set for a script,
// unpack refuses a range past C Lua's stack with Lua's own error, and
// the script cache counts SCRIPT LOAD's scripts.
func TestScriptValkeyReplies(t *testing.T) {
	s := startServer(t)
	rc := dialRaw(t, s)
	rc.Expect(":7\r\n", "sadd", "myset", "a", "b", "c", "d", "e", "aa", "azz")
	rc.Expect(multibulk("a", "aa", "azz", "b", "c", "d", "e"), "eval", "return redis.call('sort',KEYS[1],'by','nosort')", "1", "myset")
	rc.Expect("*6\r\n"+bulk("a")+"$-1\r\n"+bulk("aa")+"$-1\r\n"+bulk("azz")+"$-1\r\n",
		"eval", "return redis.call('sort',KEYS[1],'by','_','limit','0','3','get','#','get','_:*')", "1", "myset")

	rc.Expect("-ERR user_script:1: too many results to unpack script: 99121f1bc192655f687c994215164fe212cd6e73, on @user_script:1.\r\n",
		"eval", "return {unpack({1,2,3}, 0, 2147483647)}", "0")
	rc.Expect("-ERR user_script:1: too many results to unpack script: 0395f41f7d84d21b4b0eb98ccabc18f4db2105a7, on @user_script:1.\r\n",
		"eval", "return {unpack({1,2,3}, -2, 2147483647)}", "0")
	rc.Expect("*2\r\n:2\r\n:3\r\n", "eval", "return {unpack({1,2,3}, 2, 5)}", "0")

	rc.Expect("+OK\r\n", "script", "flush", "sync")
	for j := range 100 {
		rc.Do("script", "load", "return "+strconv.Itoa(j))
	}
	if info := rc.Do("info", "memory"); !strings.Contains(info, "\r\nnumber_of_cached_scripts:100\r\n") {
		t.Errorf("after 100 SCRIPT LOADs: %q", info)
	}
	rc.Expect("+OK\r\n", "script", "flush", "async")
	if info := rc.Do("info", "memory"); !strings.Contains(info, "\r\nnumber_of_cached_scripts:0\r\n") {
		t.Errorf("after SCRIPT FLUSH ASYNC: %q", info)
	}
}
