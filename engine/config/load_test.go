package config

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

var testOpts = LoadOptions{Version: "9.0.4"}

// fatalText is what valkey-server prints for an error at a line.
func fatalText(line int, text, reason string) string {
	return "\n*** FATAL CONFIG FILE ERROR (Version 9.0.4) ***\nReading the configuration file, at line " +
		itoa(line) + "\n>>> '" + text + "'\n" + reason
}

func itoa(i int) string { return strings.TrimSpace(strings.Repeat(" ", 0) + fmtInt(i)) }

func fmtInt(i int) string {
	if i < 10 {
		return string(rune('0' + i))
	}
	return fmtInt(i/10) + string(rune('0'+i%10))
}

// load parses text into a fresh configuration rooted at a temporary dir.
func load(t *testing.T, text string) (*Config, error) {
	t.Helper()
	c := New()
	c.Dir = t.TempDir()
	return c, c.LoadString(text, testOpts)
}

func mustLoad(t *testing.T, text string) *Config {
	t.Helper()
	c, err := load(t, text)
	if err != nil {
		t.Fatalf("load %q: %v", text, err)
	}
	return c
}

// loadErrorCases are configuration files and the reason valkey-server
// 9.0.4 gives for refusing them; line is the offending line when it is
// not the whole file.
type loadErrorCase struct{ conf, line, reason string }

var loadErrorCases = []loadErrorCase{
	{"appendonly maybe", "", "argument must be 'yes' or 'no'"},
	{"protected-mode", "", "wrong number of arguments"},
	{"port 1 # comment", "", "wrong number of arguments"},
	{"loglevel foo", "", "argument(s) must be one of the following: debug, verbose, notice, warning, nothing"},
	{"maxmemory 1.5gb", "", "argument must be a memory value"},
	{"maxmemory -1", "", "argument must be a memory value"},
	{"maxmemory-clients 101%", "", "percentage argument must be less or equal to 100"},
	{"maxmemory-clients -5", "", "argument must be a memory or percent value"},
	{"unixsocketperm 999", "", "argument couldn't be parsed as an octal number"},
	{"unixsocketperm 0x1", "", "argument couldn't be parsed as an octal number"},
	{"unixsocketperm 1000", "", "argument must be between 0 and 777 inclusive"},
	{"port 65536", "", "argument must be between 0 and 65535 inclusive"},
	{"port -1", "", "argument must be between 0 and 65535 inclusive"},
	{"maxclients 0", "", "argument must be between 1 and 4294967295 inclusive"},
	{"acllog-max-len -1", "", "argument must be between 0 and 9223372036854775807 inclusive"},
	{"proto-max-bulk-len 1k", "", "argument must be between 1048576 and 9223372036854775807 inclusive"},
	{"hash-max-listpack-value 9223372036854775808", "", "argument must be between 0 and 9223372036854775807 inclusive"},
	{"list-max-listpack-size 2147483648", "", "argument must be between -2147483648 and 2147483647 inclusive"},
	{"hz abc", "", "argument couldn't be parsed into an integer"},
	{"hz 05", "", "argument couldn't be parsed into an integer"},
	{"dbfilename a/b", "", "dbfilename can't be a path, just a filename"},
	{`dbfilename ""`, "", "dbfilename can't be empty"},
	{`appendfilename a\b`, "", "appendfilename can't be a path, just a filename"},
	{"appenddirname a/b", "", "appenddirname can't be a path, just a dirname"},
	{`cluster-config-file ""`, "", "cluster-config-file can't be empty"},
	{"cluster-announce-client-ipv4 x", "", "Invalid IPv4 address"},
	{"cluster-announce-client-ipv4 01.2.3.4", "", "Invalid IPv4 address"},
	{"cluster-announce-client-ipv6 1.2.3.4", "", "Invalid IPv6 address"},
	{"cluster-announce-client-ipv6 fe80::1%eth0", "", "Invalid IPv6 address"},
	{"cluster-announce-hostname a_b", "", "Hostnames may only contain alphanumeric characters, hyphens or dots"},
	{"cluster-announce-hostname " + strings.Repeat("a", 256), "", "Hostnames must be less than 256 characters"},
	{"cluster-announce-human-nodename a{b", "", "Announced human node name contained invalid character"},
	{`proc-title-template "{bad}"`, "", "template format is invalid or contains unknown variables"},
	{`proc-title-template "{title}"`, "", "template format is invalid or contains unknown variables"},
	{`proc-title-template "{title"`, "", "template format is invalid or contains unknown variables"},
	{"save 0 1", "", "Invalid save parameters"},
	{"save 100", "", "Invalid save parameters"},
	{"save 100 -1", "", "Invalid save parameters"},
	{`save "100 1 200"`, "", "Invalid save parameters"},
	{`save "100 1" "200 2"`, "", "Invalid save parameters"},
	{"client-output-buffer-limit normal 1 2", "", "Wrong number of arguments in buffer limit configuration."},
	{"client-output-buffer-limit master 1 2 3", "", "Invalid client class specified in buffer limit configuration."},
	{"client-output-buffer-limit primary 1 2 3", "", "Invalid client class specified in buffer limit configuration."},
	{"client-output-buffer-limit pubsub 1 2 -1", "", "Error in hard, soft or soft_seconds setting in buffer limit configuration."},
	{"client-output-buffer-limit pubsub 1x 2 1", "", "Error in hard, soft or soft_seconds setting in buffer limit configuration."},
	{"bind 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17", "", "Too many bind addresses specified."},
	{"replicaof host", "", "wrong number of arguments"},
	{"replicaof host 70000", "", "Invalid primary port"},
	{"notify-keyspace-events Q", "", "Invalid event class character. Use 'Ag$lshzxeKEtmdn'."},
	{"oom-score-adj-values 1 2", "", "wrong number of arguments"},
	{"oom-score-adj-values 1 2 3000", "", "Invalid oom-score-adj-values, elements must be between -2000 and 2000."},
	{"latency-tracking-info-percentiles 200", "", "latency-tracking-info-percentiles parameters should sit between [0.0,100.0]"},
	{"latency-tracking-info-percentiles x", "", "Invalid latency-tracking-info-percentiles parameters"},
	{"shutdown-on-sigint save nosave", "", "shutdown options SAVE and NOSAVE can't be used simultaneously"},
	{"shutdown-on-sigint foo", "", "argument(s) must be one of the following: default, save, nosave, now, force, safe, failover"},
	{"maxmemory-policy lru", "", "argument(s) must be one of the following: volatile-lru, volatile-lfu, volatile-random, volatile-ttl, allkeys-lru, allkeys-lfu, allkeys-random, noeviction"},
	{"dir /nonexistent-volley-dir", "", "No such file or directory"},
	{`dir ""`, "", "dir can't be empty"},
	{"include", "", "Bad directive or wrong number of arguments"},
	{"include a b", "", "Bad directive or wrong number of arguments"},
	{"rename-command a", "", "Bad directive or wrong number of arguments"},
	{"user", "", "Bad directive or wrong number of arguments"},
	{"loadmodule", "", "Bad directive or wrong number of arguments"},
	{"sentinel foo", "", "sentinel directive while not in sentinel mode"},
	{"x.y", "", "Module config specified without value"},
	{"list-max-ziplist-value 5 6", "", "Bad directive or wrong number of arguments"},
	{`foo "bar"`, "", "Bad directive or wrong number of arguments"},
	{`"unbalanced`, "", "Unbalanced quotes in configuration line"},
	{`port "abc`, "", "Unbalanced quotes in configuration line"},
	{"port 6379\nfoo", "foo", "Bad directive or wrong number of arguments"},
	{"\n\n  port abc  \r", "port abc", "argument couldn't be parsed into an integer"},
}

func TestLoadErrors(t *testing.T) {
	for _, tt := range loadErrorCases {
		_, err := load(t, tt.conf)
		var fe *FatalError
		if !errors.As(err, &fe) {
			t.Errorf("%q: got %v, want a fatal error", tt.conf, err)
			continue
		}
		if want := tt.want(); fe.Error() != want {
			t.Errorf("%q:\n got %q\nwant %q", tt.conf, fe.Error(), want)
		}
	}
}

func TestLoadValues(t *testing.T) {
	tests := []struct{ conf, name, want string }{
		{"port 7000", "port", "7000"},
		{"PORT 7000", "port", "7000"},
		{`port "2"9897`, "port", "29897"},
		{"appendonly YES", "appendonly", "yes"},
		{"maxmemory 1gb", "maxmemory", "1073741824"},
		{"maxmemory 1G", "maxmemory", "1000000000"},
		{"maxmemory 99999999999999999999", "maxmemory", "18446744073709551615"},
		{"maxmemory kb", "maxmemory", "0"},
		{"maxmemory-clients 10%", "maxmemory-clients", "10%"},
		{"maxmemory-clients 0%", "maxmemory-clients", "0"},
		{"maxmemory-clients 1mb", "maxmemory-clients", "1048576"},
		{"unixsocketperm 700", "unixsocketperm", "700"},
		{"unixsocketperm 0755", "unixsocketperm", "755"},
		{`unixsocketperm ""`, "unixsocketperm", "0"},
		{"hash-max-ziplist-entries 100", "hash-max-listpack-entries", "100"},
		{"hash-max-listpack-value 1k", "hash-max-listpack-value", "1000"},
		{"slowlog-log-slower-than -1", "commandlog-execution-slower-than", "-1"},
		{"loglevel WARNING", "loglevel", "warning"},
		{"oom-score-adj relative", "oom-score-adj", "yes"},
		{"tls-auth-clients-user cn", "tls-auth-clients-user", "CN"},
		{"shutdown-on-sigint now save", "shutdown-on-sigint", "save now"},
		{`shutdown-on-sigint "force now"`, "shutdown-on-sigint", "now force"},
		{"shutdown-on-sigterm default save", "shutdown-on-sigterm", "save"},
		{"hz 0", "hz", "1"},
		{"hz 100000", "hz", "500"},
		{"notify-keyspace-events KEA", "notify-keyspace-events", "AKE"},
		{"notify-keyspace-events An", "notify-keyspace-events", "A"},
		{"notify-keyspace-events KExgm$n", "notify-keyspace-events", "g$xnKEm"},
		{`notify-keyspace-events ""`, "notify-keyspace-events", ""},
		{"bind 127.0.0.1 ::1", "bind", "127.0.0.1 ::1"},
		{`bind "127.0.0.1 ::1"`, "bind", "127.0.0.1 ::1"},
		{`bind ""`, "bind", ""},
		{`bind "\"x"`, "", ""},
		{"save 100 1", "save", "100 1"},
		{`save ""`, "save", ""},
		{`save "   "`, "save", ""},
		{`save "100 1 200 2"`, "save", "100 1 200 2"},
		{"save 100 1 200 2", "save", "100 1 200 2"},
		{"save 100 4294967297", "save", "100 1"},
		{"save 100 1\nsave 200 2\nsave 300 3", "save", "100 1 200 2 300 3"},
		{"save 100 1\nsave \"\"\nsave 300 3", "save", "300 3"},
		{"client-output-buffer-limit replica 1mb 2mb 30", "client-output-buffer-limit", "normal 0 0 0 slave 1048576 2097152 30 pubsub 33554432 8388608 60"},
		{"client-output-buffer-limit pubsub 1 2 +3 normal 4 5 6", "client-output-buffer-limit", "normal 4 5 6 slave 268435456 67108864 60 pubsub 1 2 3"},
		{"client-output-buffer-limit pubsub 1 2 3\nclient-output-buffer-limit slave 4 5 6", "client-output-buffer-limit", "normal 0 0 0 slave 4 5 6 pubsub 1 2 3"},
		{"oom-score-adj-values -10 0 2000", "oom-score-adj-values", "-10 0 2000"},
		{"latency-tracking-info-percentiles 1e1 0x10 .5", "latency-tracking-info-percentiles", "10 16 0.5"},
		{`latency-tracking-info-percentiles ""`, "latency-tracking-info-percentiles", ""},
		{"replicaof host 6380", "replicaof", "host 6380"},
		{"slaveof host 6380", "replicaof", "host 6380"},
		{"replicaof NO ONE", "replicaof", ""},
		{`replicaof "no one"`, "replicaof", ""},
		{"replicaof host \"\"", "replicaof", "host 0"},
		{"requirepass \"a b\\\"c\"", "requirepass", `a b"c`},
		{"list-max-ziplist-entries 5", "list-max-listpack-size", "-2"},
		{"dynamic-hz yes", "hz", "10"},
		{"sentinel", "port", "6379"},
		{"# comment\n   # indented comment\n\n\t\nport 7001 ", "port", "7001"},
		{"port 1\x00junk\n\nhz 5\n", "port", "1"}, // the NUL takes its line's newline with it
		{"proc-title-template \"{title} {port}\"", "proc-title-template", "{title} {port}"},
		{"proc-title-template \"{{x\"", "proc-title-template", "{{x"},
		{"cluster-announce-client-ipv6 ::ffff:1.2.3.4", "cluster-announce-client-ipv6", "::ffff:1.2.3.4"},
		{"cluster-announce-human-nodename \"a b\"", "cluster-announce-human-nodename", "a b"},
		{"lua-enable-deprecated-api yes", "lua-enable-insecure-api", "yes"},
		{"cluster-blacklist-ttl -1", "cluster-blacklist-ttl", "-1"}, // unsigned long: -1 is in range
	}
	for _, tt := range tests {
		if tt.name == "" {
			// Unbalanced quotes inside one argument of a multi-argument
			// directive leave it with no arguments.
			c := mustLoad(t, tt.conf)
			if len(c.Bind) != 0 {
				t.Errorf("%q: bind = %q", tt.conf, c.Bind)
			}
			continue
		}
		c := mustLoad(t, tt.conf)
		if got, _ := c.Value(tt.name); got != tt.want {
			t.Errorf("%q: %s = %q, want %q", tt.conf, tt.name, got, tt.want)
		}
	}
}

func TestLoadTypedFields(t *testing.T) {
	c := mustLoad(t, `
port 7000
bind 10.0.0.1 10.0.0.2
unixsocket /tmp/volley.sock
unixsocketperm 770
protected-mode no
requirepass secret
databases 4
maxclients 50
timeout 30
tcp-keepalive 60
tcp-backlog 128
hz 20
loglevel debug
dbfilename d.rdb
save 60 1000
appendonly yes
appendfsync always
io-threads 4
prefetch-batch-max-size 32
proto-max-bulk-len 2mb
client-query-buffer-limit 2gb
client-output-buffer-limit pubsub 1mb 512kb 10
enable-debug-command local
daemonize yes
pidfile /tmp/volley.pid
maxmemory 100mb
maxmemory-policy allkeys-lfu
slowlog-log-slower-than 500
slowlog-max-len 64
commandlog-request-larger-than 100
commandlog-large-request-max-len 10
commandlog-reply-larger-than 200
commandlog-large-reply-max-len 20
latency-monitor-threshold 5
latency-tracking-info-percentiles 90 99.99
cluster-enabled yes
active-expire-effort 5
min-string-size-avoid-copy-reply 100
list-max-listpack-size -3
hash-max-listpack-entries 10
hash-max-listpack-value 20
set-max-intset-entries 30
set-max-listpack-entries 40
set-max-listpack-value 50
zset-max-listpack-entries 60
zset-max-listpack-value 70
notify-keyspace-events Ex
lazyfree-lazy-user-del no
shutdown-on-sigterm nosave now
`)
	want := map[string]any{
		"Port": 7000, "Bind": []string{"10.0.0.1", "10.0.0.2"}, "UnixSocket": "/tmp/volley.sock",
		"UnixSocketPerm": uint32(0o770), "ProtectedMode": false, "RequirePass": "secret", "Databases": 4,
		"MaxClients": 50, "Timeout": int64(30), "TCPKeepAlive": 60, "TCPBacklog": 128, "Hz": 20,
		"LogLevel": LogDebug, "DBFilename": "d.rdb", "Save": []SavePoint{{60, 1000}}, "AppendOnly": true,
		"AppendFsync": FsyncAlways, "IOThreads": 4, "PrefetchBatchMaxSize": 32, "ProtoMaxBulkLen": int64(2 << 20),
		"ClientQueryBufferLimit": int64(2 << 30), "EnableDebugCommand": PermitLocal, "Daemonize": true,
		"PidFile": "/tmp/volley.pid", "MaxMemory": uint64(100 << 20), "MaxMemoryPolicy": AllKeysLFU,
		"CommandlogExecutionSlowerThan": int64(500), "CommandlogSlowExecutionMaxLen": int64(64),
		"CommandlogRequestLargerThan": int64(100), "CommandlogLargeRequestMaxLen": int64(10),
		"CommandlogReplyLargerThan": int64(200), "CommandlogLargeReplyMaxLen": int64(20),
		"LatencyMonitorThreshold": int64(5), "LatencyTrackingInfoPercentiles": []float64{90, 99.99},
		"ClusterEnabled": true, "ActiveExpireEffort": 5, "MinStringSizeAvoidCopyReply": 100,
		"ListMaxListpackSize": -3, "HashMaxListpackEntries": 10, "HashMaxListpackValue": 20,
		"SetMaxIntsetEntries": 30, "SetMaxListpackEntries": 40, "SetMaxListpackValue": 50,
		"ZsetMaxListpackEntries": 60, "ZsetMaxListpackValue": 70,
		"NotifyKeyspaceEvents": NotifyKeyevent | NotifyExpired, "LazyfreeLazyUserDel": false,
		"ShutdownOnSigterm": ShutdownNoSave | ShutdownNow,
	}
	v := reflect.ValueOf(c).Elem()
	for field, w := range want {
		if got := v.FieldByName(field).Interface(); !reflect.DeepEqual(got, w) {
			t.Errorf("%s = %#v, want %#v", field, got, w)
		}
	}
	if l := c.ClientOutputBufferLimits[ClassPubSub]; l != (OutputBufferLimit{1 << 20, 512 << 10, 10}) {
		t.Errorf("pubsub limit = %+v", l)
	}
	if l := c.ClientOutputBufferLimits[ClassReplica]; l != (OutputBufferLimit{256 << 20, 64 << 20, 60}) {
		t.Errorf("replica limit = %+v", l)
	}
}

func TestLoadFileOnlyDirectives(t *testing.T) {
	var renames [][2]string
	opts := testOpts
	opts.RenameCommand = func(from, to string) error {
		if from == "NOPE" {
			return errors.New("No such command in rename-command")
		}
		renames = append(renames, [2]string{from, to})
		return nil
	}
	opts.User = func(args []string) error {
		if args[0] == "bad" {
			return errors.New("Error in user declaration 'bad': Syntax error")
		}
		return nil
	}
	c := New()
	err := c.LoadString(`
rename-command FLUSHALL ""
rename-command CONFIG cfg
user alice on >pw ~* +@all
loadmodule /x/mod.so arg1 arg2
my.mod 1 2
MY.MOD 3
other.mod x
`, opts)
	if err != nil {
		t.Fatal(err)
	}
	if want := [][2]string{{"FLUSHALL", ""}, {"CONFIG", "cfg"}}; !reflect.DeepEqual(c.RenameCommands, want) || !reflect.DeepEqual(renames, want) {
		t.Errorf("renames = %q / %q", c.RenameCommands, renames)
	}
	if want := [][]string{{"alice", "on", ">pw", "~*", "+@all"}}; !reflect.DeepEqual(c.Users, want) {
		t.Errorf("users = %q", c.Users)
	}
	if want := [][]string{{"/x/mod.so", "arg1", "arg2"}}; !reflect.DeepEqual(c.LoadModules, want) {
		t.Errorf("modules = %q", c.LoadModules)
	}
	if want := []KV{{"my.mod", "3"}, {"other.mod", "x"}}; !reflect.DeepEqual(c.ModuleConfigs, want) {
		t.Errorf("module configs = %q", c.ModuleConfigs)
	}
	for conf, want := range map[string]string{
		"rename-command NOPE x": fatalText(1, "rename-command NOPE x", "No such command in rename-command"),
		"user bad":              fatalText(1, "user bad", "Error in user declaration 'bad': Syntax error"),
	} {
		if err := New().LoadString(conf, opts); err == nil || err.Error() != want {
			t.Errorf("%q: %v", conf, err)
		}
	}
}

func TestLoadPostChecks(t *testing.T) {
	dir := t.TempDir()
	_, err := load(t, "logfile "+dir+"/missing/x.log")
	want := "\n*** FATAL CONFIG FILE ERROR (Version 9.0.4) ***\nCan't open the log file: No such file or directory"
	if err == nil || err.Error() != want {
		t.Errorf("logfile: %q", err)
	}
	c := mustLoad(t, "dir "+dir+"\nlogfile v.log")
	if _, err := os.Stat(filepath.Join(dir, "v.log")); err != nil || c.LogFile != "v.log" {
		t.Errorf("log file not created relative to dir: %v", err)
	}
	_, err = load(t, "replicaof h 1\ncluster-enabled yes")
	want = "\n*** FATAL CONFIG FILE ERROR (Version 9.0.4) ***\nreplicaof directive not allowed in cluster mode"
	if err == nil || err.Error() != want {
		t.Errorf("cluster: %q", err)
	}
}

func TestLoadDir(t *testing.T) {
	dir := t.TempDir()
	real, _ := filepath.EvalSymlinks(dir)
	if err := os.Mkdir(filepath.Join(dir, "sub"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(filepath.Join(dir, "sub"), filepath.Join(dir, "link")); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(dir, "file"), nil, 0o644)
	c := mustLoad(t, "dir "+dir+"\ndir link")
	if want := filepath.Join(real, "sub"); c.Dir != want {
		t.Errorf("dir = %q, want %q", c.Dir, want)
	}
	_, err := load(t, "dir "+dir+"/file")
	if err == nil || !strings.HasSuffix(err.Error(), "\nNot a directory") {
		t.Errorf("dir on a file: %v", err)
	}
}

func TestInclude(t *testing.T) {
	dir := t.TempDir()
	write := func(name, text string) {
		t.Helper()
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("base.conf", "port 7000\nhz 20\n")
	write("conf.d-a.conf", "maxclients 11\n")
	write("conf.d-b.conf", "maxclients 22\ntimeout 5\n")
	write(".conf.d-hidden.conf", "maxclients 33\n")
	write("bad.conf", "\nport 1\nbogus\n")
	write("main.conf", "include "+dir+"/base.conf\nport 7001\ninclude "+dir+"/conf.d-*.conf\ninclude "+dir+"/none-*.conf\n")

	c, err := Load(Args{ConfigFile: filepath.Join(dir, "main.conf")}, testOpts)
	if err != nil {
		t.Fatal(err)
	}
	if c.Port != 7001 || c.Hz != 20 || c.MaxClients != 22 || c.Timeout != 5 {
		t.Errorf("port %d hz %d maxclients %d timeout %d", c.Port, c.Hz, c.MaxClients, c.Timeout)
	}

	// Relative includes follow dir, since Valkey has changed directory.
	c = mustLoad(t, "dir "+dir+"\ninclude base.conf")
	if c.Port != 7000 {
		t.Errorf("relative include: port %d", c.Port)
	}

	// An error inside an included file reports the included file's line.
	_, err = load(t, "port 1\ninclude "+dir+"/bad.conf")
	if want := fatalText(3, "bogus", "Bad directive or wrong number of arguments"); err == nil || err.Error() != want {
		t.Errorf("nested error: %q", err)
	}

	_, err = load(t, "include "+dir+"/missing.conf")
	var oe *OpenError
	if !errors.As(err, &oe) || err.Error() != "Fatal error, can't open config file '"+dir+"/missing.conf': No such file or directory" {
		t.Errorf("missing include: %v", err)
	}

	// A cycle ends in an error, not a stack overflow.
	write("loop.conf", "include "+dir+"/loop.conf\n")
	if _, err = load(t, "include "+dir+"/loop.conf"); err == nil {
		t.Error("include cycle accepted")
	}
}

// Save lines accumulate only while the file that started them is being
// read: Valkey ends the accumulation at the end of any file, included
// ones too.
func TestSaveAfterInclude(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "empty.conf"), nil, 0o644)
	c := mustLoad(t, "save 100 1\ninclude "+dir+"/empty.conf\nsave 200 2\nsave 300 3")
	if got, _ := c.Value("save"); got != "300 3" {
		t.Errorf("save = %q", got)
	}
}

func TestParseArgs(t *testing.T) {
	tests := []struct {
		argv []string
		want Args
	}{
		{nil, Args{}},
		{[]string{"/etc/valkey.conf"}, Args{ConfigFile: "/etc/valkey.conf"}},
		{[]string{"--port", "7000"}, Args{Options: `port "7000" `}},
		{[]string{"--port 7000"}, Args{Options: `port 7000 `}},
		{[]string{"--port", "1", "2"}, Args{Options: `port "1" "2" `}},
		{[]string{"a.conf", "--port", "7000", "--bind", "::1", "127.0.0.1"}, Args{ConfigFile: "a.conf", Options: "port \"7000\" \nbind \"::1\" \"127.0.0.1\" "}},
		{[]string{"--save"}, Args{Options: `save ""`}},
		{[]string{"--save", "--port", "1"}, Args{Options: "save \"\"\nport \"1\" "}},
		{[]string{"--SAVE", "--port", "1"}, Args{Options: "SAVE \"\"\nport \"1\" "}},
		{[]string{"--hz", "--save", ""}, Args{Options: `hz "--save" "" `}},
		{[]string{"--requirepass", "--weird--"}, Args{Options: `requirepass "--weird--" `}},
		{[]string{"--sentinel", "--port", "1"}, Args{Options: "sentinel \nport \"1\" "}},
		{[]string{"-"}, Args{Stdin: true}},
		{[]string{"a.conf", "-"}, Args{ConfigFile: "a.conf", Stdin: true}},
		{[]string{"--port", "-", "--hz", "5"}, Args{Options: "port \"-\" \nhz \"5\" "}},
		{[]string{"--port", "1", "-"}, Args{Stdin: true, Options: `port "1" `}},
		{[]string{"--x", "a b\"c"}, Args{Options: `x "a b\"c" `}},
		{[]string{`--"port`, "1"}, Args{Options: "\"port \"1\" "}},
	}
	for _, tt := range tests {
		if got := ParseArgs(tt.argv); got != tt.want {
			t.Errorf("ParseArgs(%q) = %+v, want %+v", tt.argv, got, tt.want)
		}
	}
}

// Command-line options are appended after the file and standard input, on
// their own lines; errors in them count lines across the whole text.
func TestLoadArgs(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "v.conf")
	os.WriteFile(file, []byte("port 7000\nhz 11\n"), 0o644)
	c, err := Load(ParseArgs([]string{file, "--port", "7002", "--save", "--maxmemory", "1mb", "-"}),
		LoadOptions{Version: "9.0.4", Stdin: strings.NewReader("port 7001\ntimeout 9\n")})
	if err != nil {
		t.Fatal(err)
	}
	if c.Port != 7002 || c.Hz != 11 || c.Timeout != 9 || len(c.Save) != 0 || c.MaxMemory != 1<<20 || c.ConfigFile != file {
		t.Errorf("got port %d hz %d timeout %d save %v maxmemory %d file %q", c.Port, c.Hz, c.Timeout, c.Save, c.MaxMemory, c.ConfigFile)
	}

	// Options start on a line of their own even after a file without a
	// final newline; standard input does not.
	os.WriteFile(file, []byte("hz 12"), 0o644)
	c, err = Load(ParseArgs([]string{file, "--port", "7003"}), testOpts)
	if err != nil || c.Hz != 12 || c.Port != 7003 {
		t.Errorf("no final newline: %v", err)
	}
	_, err = Load(ParseArgs([]string{file, "-"}), LoadOptions{Version: "9.0.4", Stdin: strings.NewReader("port 1\n")})
	if want := fatalText(1, "hz 12port 1", "wrong number of arguments"); err == nil || err.Error() != want {
		t.Errorf("got %q", err)
	}

	_, err = Load(ParseArgs([]string{"--port", "abc"}), testOpts)
	if want := fatalText(2, `port "abc"`, "argument couldn't be parsed into an integer"); err == nil || err.Error() != want {
		t.Errorf("got %q", err)
	}
	_, err = Load(ParseArgs([]string{file, "--hz", "1", "--foo", "bar"}), testOpts)
	if want := fatalText(3, `foo "bar"`, "Bad directive or wrong number of arguments"); err == nil || err.Error() != want {
		t.Errorf("got %q", err)
	}

	_, err = Load(ParseArgs([]string{filepath.Join(dir, "nope.conf")}), testOpts)
	var oe *OpenError
	if !errors.As(err, &oe) {
		t.Errorf("missing config file: %v", err)
	}

	c, err = Load(ParseArgs(nil), testOpts)
	if err != nil || c.Port != 6379 || c.ConfigFile != "" {
		t.Errorf("no arguments: %v %d %q", err, c.Port, c.ConfigFile)
	}
}

// want is the fatal error text for the case.
func (tt loadErrorCase) want() string {
	line := tt.line
	if line == "" {
		line = tt.conf
	}
	n := 1 + strings.Count(tt.conf[:strings.Index(tt.conf, line)], "\n")
	return fatalText(n, line, tt.reason)
}
