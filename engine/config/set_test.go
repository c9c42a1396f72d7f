package config

import (
	"errors"
	"reflect"
	"testing"
)

func pairs(kv ...string) [][2][]byte {
	var ps [][2][]byte
	for i := 0; i+1 < len(kv); i += 2 {
		ps = append(ps, [2][]byte{[]byte(kv[i]), []byte(kv[i+1])})
	}
	return ps
}

func set(c *Config, kv ...string) error { return c.Set(pairs(kv...), Caller{}) }

func failed(name, reason string) string {
	return "ERR CONFIG SET failed (possibly related to argument '" + name + "') - " + reason
}

// setErrorCases are CONFIG SET arguments and valkey-server 9.0.4's reply.
var setErrorCases = []struct {
	kv   []string
	want string
}{
	{[]string{"foo", "bar"}, "ERR Unknown option or number of arguments for CONFIG SET - 'foo'"},
	{[]string{"foo", "bar", "tcp-backlog", "10"}, "ERR Unknown option or number of arguments for CONFIG SET - 'foo'"},
	{[]string{"tcp-backlog", "10", "foo", "bar"}, failed("tcp-backlog", "can't set immutable config")},
	{[]string{"maxmemory", "1gb", "maxmemory", "2gb"}, failed("maxmemory", "duplicate parameter")},
	{[]string{"maxmemory", "1gb", "MAXMEMORY", "2gb"}, failed("MAXMEMORY", "duplicate parameter")},
	{[]string{"slowlog-max-len", "1", "SLOWLOG-MAX-LEN", "2"}, failed("SLOWLOG-MAX-LEN", "duplicate parameter")},
	{[]string{"maxmemory", "1mb", "port", "abc", "maxmemory", "2mb"}, failed("maxmemory", "duplicate parameter")},
	{[]string{"port", "abc", "foo", "bar"}, "ERR Unknown option or number of arguments for CONFIG SET - 'foo'"},
	{[]string{"daemonize", "yes"}, failed("daemonize", "can't set immutable config")},
	{[]string{"databases", "5"}, failed("databases", "can't set immutable config")},
	{[]string{"replicaof", "no one"}, failed("replicaof", "can't set immutable config")},
	{[]string{"enable-protected-configs", "yes"}, failed("enable-protected-configs", "can't set immutable config")},
	{[]string{"dir", "/tmp", "dbfilename", "x.rdb"}, failed("dir", "can't set protected config")},
	{[]string{"dbfilename", "a/b"}, failed("dbfilename", "can't set protected config")},
	{[]string{"lua-enable-deprecated-api", "yes"}, failed("lua-enable-deprecated-api", "can't set protected config")},
	{[]string{"maxmemory", "-1"}, failed("maxmemory", "argument must be a memory value")},
	{[]string{"maxmemory", " 1"}, failed("maxmemory", "argument must be a memory value")},
	{[]string{"hz", "abc"}, failed("hz", "argument couldn't be parsed into an integer")},
	{[]string{"port", "70000"}, failed("port", "argument must be between 0 and 65535 inclusive")},
	{[]string{"port", "+5"}, failed("port", "argument couldn't be parsed into an integer")},
	{[]string{"slowlog-max-len", "abc"}, failed("slowlog-max-len", "argument couldn't be parsed into an integer")},
	{[]string{"SLOWLOG-MAX-LEN", "abc"}, failed("slowlog-max-len", "argument couldn't be parsed into an integer")},
	{[]string{"appendonly", "maybe"}, failed("appendonly", "argument must be 'yes' or 'no'")},
	{[]string{"maxmemory-policy", "foo"}, failed("maxmemory-policy", "argument(s) must be one of the following: volatile-lru, volatile-lfu, volatile-random, volatile-ttl, allkeys-lru, allkeys-lfu, allkeys-random, noeviction")},
	{[]string{"maxmemory-policy", "allkeys-lru x"}, failed("maxmemory-policy", "argument(s) must be one of the following: volatile-lru, volatile-lfu, volatile-random, volatile-ttl, allkeys-lru, allkeys-lfu, allkeys-random, noeviction")},
	{[]string{"shutdown-on-sigint", "save nosave"}, failed("shutdown-on-sigint", "shutdown options SAVE and NOSAVE can't be used simultaneously")},
	{[]string{"shutdown-on-sigint", "save  now"}, failed("shutdown-on-sigint", "argument(s) must be one of the following: default, save, nosave, now, force, safe, failover")},
	{[]string{"shutdown-on-sigint", ""}, failed("shutdown-on-sigint", "argument(s) must be one of the following: default, save, nosave, now, force, safe, failover")},
	{[]string{"maxmemory-clients", "101%"}, failed("maxmemory-clients", "percentage argument must be less or equal to 100")},
	{[]string{"maxmemory-clients", "-5"}, failed("maxmemory-clients", "argument must be a memory or percent value")},
	{[]string{"save", "1 2 3"}, failed("save", "Invalid save parameters")},
	{[]string{"save", "0 1"}, failed("save", "Invalid save parameters")},
	{[]string{"save", "100  10"}, failed("save", "Invalid save parameters")},
	{[]string{"save", " 100 10"}, failed("save", "Invalid save parameters")},
	{[]string{"save", "  "}, failed("save", "Invalid save parameters")},
	{[]string{"client-output-buffer-limit", "normal 1 2"}, failed("client-output-buffer-limit", "Wrong number of arguments in buffer limit configuration.")},
	{[]string{"client-output-buffer-limit", "master 1 2 3"}, failed("client-output-buffer-limit", "Invalid client class specified in buffer limit configuration.")},
	{[]string{"client-output-buffer-limit", "pubsub 1 2 3x"}, failed("client-output-buffer-limit", "Error in hard, soft or soft_seconds setting in buffer limit configuration.")},
	{[]string{"notify-keyspace-events", "K E"}, failed("notify-keyspace-events", "Invalid event class character. Use 'Ag$lshzxeKEtmdn'.")},
	{[]string{"latency-tracking-info-percentiles", "101"}, failed("latency-tracking-info-percentiles", "latency-tracking-info-percentiles parameters should sit between [0.0,100.0]")},
	{[]string{"latency-tracking-info-percentiles", "abc"}, failed("latency-tracking-info-percentiles", "Invalid latency-tracking-info-percentiles parameters")},
	{[]string{"oom-score-adj-values", "1 2"}, failed("oom-score-adj-values", "wrong number of arguments")},
	{[]string{"oom-score-adj-values", "  1 2 3"}, failed("oom-score-adj-values", "wrong number of arguments")},
	{[]string{"oom-score-adj-values", "1 2 3000"}, failed("oom-score-adj-values", "Invalid oom-score-adj-values, elements must be between -2000 and 2000.")},
	{[]string{"list-max-listpack-size", "99999999999999999999"}, failed("list-max-listpack-size", "argument couldn't be parsed into an integer")},
	{[]string{"list-max-listpack-size", "-2147483649"}, failed("list-max-listpack-size", "argument must be between -2147483648 and 2147483647 inclusive")},
	{[]string{"proto-max-bulk-len", "1k"}, failed("proto-max-bulk-len", "argument must be between 1048576 and 9223372036854775807 inclusive")},
	{[]string{"client-query-buffer-limit", "10"}, failed("client-query-buffer-limit", "argument must be between 1048576 and 9223372036854775807 inclusive")},
	{[]string{"hash-max-listpack-value", "18446744073709551615"}, failed("hash-max-listpack-value", "argument must be between 0 and 9223372036854775807 inclusive")},
	{[]string{"repl-backlog-size", "0"}, failed("repl-backlog-size", "argument must be between 1 and 9223372036854775807 inclusive")},
	{[]string{"cluster-blacklist-ttl", "18446744073709551615"}, failed("cluster-blacklist-ttl", "argument couldn't be parsed into an integer")},
	{[]string{"maxclients", "-1"}, failed("maxclients", "argument must be between 1 and 4294967295 inclusive")},
	{[]string{"slot-migration-max-failover-repl-bytes", "-1"}, failed("slot-migration-max-failover-repl-bytes", "argument must be a memory value")},
	{[]string{"bind", "1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17"}, failed("bind", "Too many bind addresses specified.")},
	{[]string{"cluster-announce-client-ipv4", "01.2.3.4"}, failed("cluster-announce-client-ipv4", "Invalid IPv4 address")},
	{[]string{"cluster-announce-hostname", "a_b"}, failed("cluster-announce-hostname", "Hostnames may only contain alphanumeric characters, hyphens or dots")},
	{[]string{"proc-title-template", "{foo}"}, failed("proc-title-template", "template format is invalid or contains unknown variables")},
	{[]string{"rdma-bind", "1.2.3.4"}, failed("rdma-bind", "No RDMA building support.")},
	{[]string{"rdma-port", "10"}, failed("rdma-port", "No RDMA building support.")},
	{[]string{"locale-collate", "xx_YY"}, failed("locale-collate", "Invalid locale name")},
	{[]string{"maxmemory", "1mb", "maxmemory-policy", "foo"}, failed("maxmemory-policy", "argument(s) must be one of the following: volatile-lru, volatile-lfu, volatile-random, volatile-ttl, allkeys-lru, allkeys-lfu, allkeys-random, noeviction")},
}

func TestSetErrors(t *testing.T) {
	for _, tt := range setErrorCases {
		c := New()
		before := c.All()
		err := set(c, tt.kv...)
		if err == nil || err.Error() != tt.want {
			t.Errorf("CONFIG SET %q:\n got %v\nwant %s", tt.kv, err, tt.want)
		}
		var re ReplyError
		if !errors.As(err, &re) {
			t.Errorf("CONFIG SET %q: %T is not a ReplyError", tt.kv, err)
		}
		if after := c.All(); !reflect.DeepEqual(before, after) {
			t.Errorf("CONFIG SET %q changed the configuration despite failing", tt.kv)
		}
	}
}

// setValueCases are CONFIG SET arguments that valkey-server 9.0.4
// accepts, and what CONFIG GET name then answers.
var setValueCases = []struct {
	kv        []string
	name, get string
}{
	{[]string{"maxmemory", ""}, "maxmemory", "0"},
	{[]string{"maxmemory", "kb"}, "maxmemory", "0"},
	{[]string{"maxmemory", "1KB"}, "maxmemory", "1024"},
	{[]string{"maxmemory", "99999999999999999999999"}, "maxmemory", "18446744073709551615"},
	{[]string{"hz", "0"}, "hz", "1"},
	{[]string{"hz", "100000"}, "hz", "500"},
	{[]string{"appendonly", "YES"}, "appendonly", "yes"},
	{[]string{"loglevel", "NOTICE"}, "loglevel", "notice"},
	{[]string{"shutdown-on-sigint", "force now failover safe nosave"}, "shutdown-on-sigint", "nosave now force safe failover"},
	{[]string{"shutdown-on-sigterm", "default save"}, "shutdown-on-sigterm", "save"},
	{[]string{"maxmemory-clients", "100%"}, "maxmemory-clients", "100%"},
	{[]string{"maxmemory-clients", "0%"}, "maxmemory-clients", "0"},
	{[]string{"save", "100 10 200 20"}, "save", "100 10 200 20"},
	{[]string{"save", ""}, "save", ""},
	{[]string{"save", "100 "}, "save", "100 0"},
	{[]string{"client-output-buffer-limit", "replica 1mb 2mb 30"}, "client-output-buffer-limit", "normal 0 0 0 slave 1048576 2097152 30 pubsub 33554432 8388608 60"},
	{[]string{"client-output-buffer-limit", ""}, "client-output-buffer-limit", "normal 0 0 0 slave 268435456 67108864 60 pubsub 33554432 8388608 60"},
	{[]string{"notify-keyspace-events", "KExgm$"}, "notify-keyspace-events", "g$xKEm"},
	{[]string{"latency-tracking-info-percentiles", "0.000001 99.9999999 33.3333333"}, "latency-tracking-info-percentiles", "0.000001 100 33.333333"},
	{[]string{"latency-tracking-info-percentiles", ""}, "latency-tracking-info-percentiles", ""},
	{[]string{"bind", ""}, "bind", ""},
	{[]string{"bind", "127.0.0.1 ::1"}, "bind", "127.0.0.1 ::1"},
	{[]string{"oom-score-adj", "relative"}, "oom-score-adj", "yes"},
	{[]string{"primaryauth", "abc"}, "masterauth", "abc"},
	{[]string{"replica-announce-ip", "x y"}, "replica-announce-ip", "x y"},
	{[]string{"io-threads", "4"}, "io-threads", "4"},
	{[]string{"cluster-blacklist-ttl", "-1"}, "cluster-blacklist-ttl", "-1"},
	{[]string{"maxclients", "4294967295"}, "maxclients", "4294967295"},
	{[]string{"stream-node-max-bytes", "4kb"}, "stream-node-max-bytes", "4096"},
	{[]string{"tls-auth-clients-user", "cn"}, "tls-auth-clients-user", "CN"},
	{[]string{"cluster-announce-client-ipv6", "::ffff:1.2.3.4"}, "cluster-announce-client-ipv6", "::ffff:1.2.3.4"},
	{[]string{"rdma-port", "0"}, "rdma-port", "0"},
	{[]string{"slowlog-max-len", "1", "commandlog-slow-execution-max-len", "2"}, "slowlog-max-len", "2"},
	{[]string{"watchdog-period", "1"}, "watchdog-period", "200"},
	{[]string{"locale-collate", "C"}, "locale-collate", "C"},
}

func TestSetValues(t *testing.T) {
	for _, tt := range setValueCases {
		c := New()
		if err := set(c, tt.kv...); err != nil {
			t.Errorf("CONFIG SET %q: %v", tt.kv, err)
			continue
		}
		if got, _ := c.Value(tt.name); got != tt.get {
			t.Errorf("CONFIG SET %q: %s = %q, want %q", tt.kv, tt.name, got, tt.get)
		}
	}
}

func TestSetProtectedAndLoading(t *testing.T) {
	dir := t.TempDir()
	c := mustLoad(t, "enable-protected-configs local")
	if err := c.Set(pairs("dir", dir), Caller{Local: false}); err == nil || err.Error() != failed("dir", "can't set protected config") {
		t.Errorf("remote: %v", err)
	}
	if err := c.Set(pairs("dir", dir, "dbfilename", "x.rdb"), Caller{Local: true}); err != nil {
		t.Errorf("local: %v", err)
	}
	if err := c.Set(pairs("dbfilename", "a/b"), Caller{Local: true}); err == nil || err.Error() != failed("dbfilename", "dbfilename can't be a path, just a filename") {
		t.Errorf("dbfilename: %v", err)
	}
	if err := c.Set(pairs("dir", "/nonexistent-volley"), Caller{Local: true}); err == nil || err.Error() != failed("dir", "No such file or directory") {
		t.Errorf("bad dir: %v", err)
	}
	if err := c.Set(pairs("maxmemory", "1mb", "appendonly", "yes"), Caller{Loading: true}); err != ErrLoading {
		t.Errorf("loading: %v", err)
	}
	if err := c.Set(pairs("foo", "1", "appendonly", "yes"), Caller{Loading: true}); err == nil || err == ErrLoading {
		t.Errorf("unknown before loading: %v", err)
	}
	if err := c.Set(pairs("maxmemory", "1mb"), Caller{Loading: true}); err != nil {
		t.Errorf("maxmemory while loading: %v", err)
	}
}

func TestSetHooks(t *testing.T) {
	c := New()
	var calls []string
	c.OnChange("maxmemory", func(old, new string) error {
		calls = append(calls, "maxmemory "+old+"->"+new)
		return nil
	})
	c.OnChange("slowlog-max-len", func(old, new string) error {
		calls = append(calls, "slowlog "+old+"->"+new)
		return nil
	})
	c.OnChange("port", func(old, new string) error {
		calls = append(calls, "port "+old+"->"+new)
		if new == "1" {
			return errors.New("Unable to listen on this port. Check server logs.")
		}
		return nil
	})

	// A hook runs once per changed directive, in command order; an
	// unchanged value runs none.
	if err := set(c, "commandlog-slow-execution-max-len", "5", "maxmemory", "1mb", "port", "6379"); err != nil {
		t.Fatal(err)
	}
	if want := []string{"slowlog 128->5", "maxmemory 0->1048576"}; !reflect.DeepEqual(calls, want) {
		t.Errorf("calls = %q, want %q", calls, want)
	}
	if c.MaxMemory != 1<<20 || c.CommandlogSlowExecutionMaxLen != 5 {
		t.Errorf("values not set")
	}

	// A failing hook restores every value and undoes the hooks that ran.
	calls = nil
	err := set(c, "maxmemory", "2mb", "port", "1", "hz", "50")
	if err == nil || err.Error() != failed("port", "Unable to listen on this port. Check server logs.") {
		t.Errorf("err = %v", err)
	}
	if want := []string{"maxmemory 1048576->2097152", "port 6379->1", "maxmemory 2097152->1048576"}; !reflect.DeepEqual(calls, want) {
		t.Errorf("calls = %q, want %q", calls, want)
	}
	if c.MaxMemory != 1<<20 || c.Port != 6379 || c.Hz != 10 {
		t.Errorf("not rolled back: maxmemory %d port %d hz %d", c.MaxMemory, c.Port, c.Hz)
	}

	defer func() {
		if recover() == nil {
			t.Error("OnChange of an unknown name did not panic")
		}
	}()
	c.OnChange("nope", nil)
}

// A special directive, whose setter runs even for the same value, calls
// its hook each time, as Valkey rebinds on every CONFIG SET bind.
func TestSetSpecialAlwaysApplies(t *testing.T) {
	c := New()
	n := 0
	c.OnChange("bind", func(_, _ string) error { n++; return nil })
	set(c, "bind", "* -::*")
	set(c, "bind", "* -::*")
	if n != 2 {
		t.Errorf("bind hook ran %d times", n)
	}
}
