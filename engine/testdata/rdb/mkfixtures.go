//go:build ignore

// mkfixtures builds RDB reference fixtures by driving a real server binary
// (Valkey or Redis) over RESP, then saving and reading back the dataset.
//
// Generate:
//
//	go run ./engine/testdata/rdb/mkfixtures.go -server /path/to/valkey-server -name valkey9 -out engine/testdata/rdb
//	go run ./engine/testdata/rdb/mkfixtures.go -server /path/to/valkey-server -name valkey9-nocompress -nocompress -out engine/testdata/rdb
//
// Verify (reload <name>.rdb into a fresh server and compare with <name>.json,
// and RESTORE every payload of <name>-dump.json if present):
//
//	go run ./engine/testdata/rdb/mkfixtures.go -server /path/to/valkey-server -name valkey9 -out engine/testdata/rdb -verify
//
// Standard library only. The server always runs on a free 127.0.0.1 port in
// a fresh temporary directory and is killed on exit.
package main

import (
	"bufio"
	"bytes"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Fixed far-future expiry times (2100-01-01T00:00:00Z and a bit later).
const (
	farMs  = "4102444800000"
	farMs2 = "4102444800123"
)

var (
	serverBin  = flag.String("server", "", "path to valkey-server or redis-server")
	name       = flag.String("name", "", "fixture base name, e.g. valkey9")
	outDir     = flag.String("out", "engine/testdata/rdb", "output directory")
	noCompress = flag.Bool("nocompress", false, "SAVE with rdbcompression no")
	verify     = flag.Bool("verify", false, "reload <name>.rdb and check it against <name>.json / <name>-dump.json")
	scenarioF  = flag.String("scenario", "types", "types (every type but streams) or streams (see streams.go's note in the README)")
)

// ---------------------------------------------------------------- RESP client

type respErr string

func (e respErr) Error() string { return string(e) }

type client struct {
	c net.Conn
	r *bufio.Reader
	w *bufio.Writer
}

func dial(addr string) (*client, error) {
	c, err := net.Dial("tcp", addr)
	if err != nil {
		return nil, err
	}
	return &client{c: c, r: bufio.NewReader(c), w: bufio.NewWriter(c)}, nil
}

// do sends one command and returns the reply: string ('+' and '$'), int64,
// nil, []any, or an error (respErr for '-' replies).
func (cl *client) do(args ...string) (any, error) {
	fmt.Fprintf(cl.w, "*%d\r\n", len(args))
	for _, a := range args {
		fmt.Fprintf(cl.w, "$%d\r\n%s\r\n", len(a), a)
	}
	if err := cl.w.Flush(); err != nil {
		return nil, err
	}
	return cl.read()
}

func (cl *client) read() (any, error) {
	line, err := cl.r.ReadString('\n')
	if err != nil {
		return nil, err
	}
	line = strings.TrimSuffix(line, "\r\n")
	if line == "" {
		return nil, errors.New("empty reply line")
	}
	body := line[1:]
	switch line[0] {
	case '+':
		return body, nil
	case '-':
		return nil, respErr(body)
	case ':':
		return strconv.ParseInt(body, 10, 64)
	case '$':
		n, _ := strconv.Atoi(body)
		if n < 0 {
			return nil, nil
		}
		buf := make([]byte, n+2)
		if _, err := io.ReadFull(cl.r, buf); err != nil {
			return nil, err
		}
		return string(buf[:n]), nil
	case '*':
		n, _ := strconv.Atoi(body)
		if n < 0 {
			return nil, nil
		}
		arr := make([]any, n)
		for i := range arr {
			if arr[i], err = cl.read(); err != nil {
				if _, ok := err.(respErr); !ok {
					return nil, err
				}
				arr[i] = err
			}
		}
		return arr, nil
	}
	return nil, fmt.Errorf("unexpected reply %q", line)
}

// must runs a command that has to succeed.
func (cl *client) must(args ...string) any {
	v, err := cl.do(args...)
	if err != nil {
		die("%q: %v", args, err)
	}
	return v
}

func (cl *client) str(args ...string) string {
	s, _ := cl.must(args...).(string)
	return s
}

func (cl *client) strs(args ...string) []string {
	arr, _ := cl.must(args...).([]any)
	out := make([]string, len(arr))
	for i, v := range arr {
		out[i], _ = v.(string)
	}
	return out
}

func (cl *client) ints(args ...string) []int64 {
	arr, _ := cl.must(args...).([]any)
	out := make([]int64, len(arr))
	for i, v := range arr {
		out[i], _ = v.(int64)
	}
	return out
}

// ---------------------------------------------------------------- server process

type server struct {
	cmd *exec.Cmd
	dir string
	cl  *client
}

func freePort() int {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		die("%v", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// startServer starts the binary in a fresh temp dir. If rdbFile is set it is
// copied into the dir and loaded at startup. --enable-debug-command is tried
// first and dropped if the binary rejects it.
func startServer(rdbFile string) *server {
	dir, err := os.MkdirTemp("", "mkfixtures-")
	if err != nil {
		die("%v", err)
	}
	dbfile := "dump.rdb"
	if rdbFile != "" {
		dbfile = "load.rdb"
		data, err := os.ReadFile(rdbFile)
		if err != nil {
			die("%v", err)
		}
		if err := os.WriteFile(filepath.Join(dir, dbfile), data, 0o644); err != nil {
			die("%v", err)
		}
	}
	for _, debug := range []bool{true, false} {
		port := freePort()
		args := []string{"--port", strconv.Itoa(port), "--bind", "127.0.0.1", "--dir", dir,
			"--dbfilename", dbfile, "--save", "", "--appendonly", "no", "--daemonize", "no",
			"--logfile", filepath.Join(dir, "server.log")}
		if debug {
			args = append(args, "--enable-debug-command", "yes")
		}
		cmd := exec.Command(*serverBin, args...)
		cmd.Stderr = os.Stderr
		if err := cmd.Start(); err != nil {
			die("%v", err)
		}
		exited := make(chan struct{})
		go func() { cmd.Wait(); close(exited) }()
		addr := fmt.Sprintf("127.0.0.1:%d", port)
		for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); {
			select {
			case <-exited:
				goto failed
			default:
			}
			if cl, err := dial(addr); err == nil {
				// PING fails with -LOADING while the RDB is being read.
				for {
					if _, err := cl.do("PING"); err == nil {
						s := &server{cmd: cmd, dir: dir, cl: cl}
						running = append(running, s)
						return s
					} else if !strings.HasPrefix(err.Error(), "LOADING") {
						cmd.Process.Kill()
						os.RemoveAll(dir)
						die("PING: %v", err)
					}
					time.Sleep(50 * time.Millisecond)
				}
			}
			time.Sleep(50 * time.Millisecond)
		}
		cmd.Process.Kill()
		os.RemoveAll(dir)
		die("server did not come up on %s", addr)
	failed:
		log.Printf("server exited at startup (debug=%v), log: %s", debug, readLog(dir))
	}
	os.RemoveAll(dir)
	die("could not start server")
	return nil
}

func readLog(dir string) string {
	b, _ := os.ReadFile(filepath.Join(dir, "server.log"))
	return string(b)
}

func (s *server) stop() {
	if s.cmd.Process != nil {
		s.cmd.Process.Kill()
		s.cmd.Process.Wait()
	}
	os.RemoveAll(s.dir)
}

// running holds the servers to kill if we die before the deferred stop runs.
var running []*server

// die logs, kills every server we started, removes their temp dirs and exits.
func die(format string, args ...any) {
	log.Printf(format, args...)
	for _, s := range running {
		s.stop()
	}
	os.Exit(1)
}

// ---------------------------------------------------------------- scenario

// step is a group of commands building one key. Optional steps may fail on
// servers that lack a feature; the key is then deleted and the step skipped.
type step struct {
	key      string
	optional bool
	cmds     [][]string
}

func c(args ...string) []string { return args }

// pseudo-random printable ASCII, fixed seed (xorshift64) so output is stable.
func randomASCII(n int, seed uint64) string {
	b := make([]byte, n)
	for i := range b {
		seed ^= seed << 13
		seed ^= seed >> 7
		seed ^= seed << 17
		b[i] = byte(0x21 + seed%94)
	}
	return string(b)
}

func scenario() []step {
	text100 := "The quick brown fox jumps over 13 lazy dogs; pack my box with five dozen liquor jugs! Zebra-quiz@VXY" // 100 bytes
	var st []step
	add := func(key string, cmds ...[]string) { st = append(st, step{key: key, cmds: cmds}) }
	opt := func(key string, cmds ...[]string) { st = append(st, step{key: key, optional: true, cmds: cmds}) }

	// strings
	for _, v := range []string{"12345", "-1", "0", "2147483647", "2147483648", "-2147483649",
		"9223372036854775807", "-9223372036854775808"} {
		add("str:int:"+v, c("SET", "str:int:"+v, v))
	}
	add("str:notint:012", c("SET", "str:notint:012", "012"))
	add("str:notint:-0", c("SET", "str:notint:-0", "-0"))
	add("str:notint:space7", c("SET", "str:notint:space7", " 7"))
	add("str:notint:9223372036854775808", c("SET", "str:notint:9223372036854775808", "9223372036854775808"))
	add("str:float", c("SET", "str:float", "3.14"))
	add("str:embstr", c("SET", "str:embstr", "hello world"))
	add("str:embstr44", c("SET", "str:embstr44", text100[:44]))
	// Valkey 8+ embeds key, expire and value in one 64-byte allocation, so
	// the embstr/raw choice depends on key length; these two straddle it.
	add("str:emb:31", c("SET", "str:emb:31", text100[:31]))
	add("str:emb:32", c("SET", "str:emb:32", text100[:32]))
	add("str:raw45", c("SET", "str:raw45", text100[:45]))
	add("str:raw100", c("SET", "str:raw100", text100))
	add("str:repetitive2000", c("SET", "str:repetitive2000", strings.Repeat("abcdefgh", 250)))
	add("str:random10k", c("SET", "str:random10k", randomASCII(10240, 0x9E3779B97F4A7C15)))
	add("str:empty", c("SET", "str:empty", ""))
	add("str:expire", c("SET", "str:expire", "will expire in 2100"), c("PEXPIREAT", "str:expire", farMs))
	add("str:int:expire", c("SET", "str:int:expire", "42"), c("PEXPIREAT", "str:int:expire", farMs2))

	// lists
	add("list:listpack", c("RPUSH", "list:listpack", "1", "-1", "0", "foo", "", "3.14", "hello world",
		"127", "128", "-128", "-129", "4095", "4096", "-4096", "-4097", "32767", "32768", "-32768", "-32769",
		"8388607", "8388608", "-8388608", "-8388609", "2147483647", "2147483648", "-2147483648", "-2147483649",
		"9223372036854775807", "-9223372036854775808", "9223372036854775808", "012", text100[:63], text100))
	big := []string{"RPUSH", "list:quicklist"}
	for i := 0; i < 1000; i++ {
		big = append(big, fmt.Sprintf("element-%04d-%s", i, text100[i%50:i%50+20]))
	}
	big = append(big, "1", "-1", "9223372036854775807")
	add("list:quicklist", big)
	add("list:plain", c("RPUSH", "list:plain", "head", "1"),
		c("RPUSH", "list:plain", strings.Repeat("0123456789abcdef", 600)), // 9600 bytes > 8 KB
		c("RPUSH", "list:plain", "tail", "2"))
	comp := []string{"RPUSH", "list:compressed"}
	for i := 0; i < 800; i++ {
		comp = append(comp, fmt.Sprintf("compressible-item-%04d-aaaaaaaaaaaaaaaaaaaa", i))
	}
	add("list:compressed", c("CONFIG", "SET", "list-compress-depth", "1"), comp,
		c("CONFIG", "SET", "list-compress-depth", "0"))
	add("list:expire", c("RPUSH", "list:expire", "a", "b", "c"), c("PEXPIREAT", "list:expire", farMs))

	// sets
	add("set:intset", c("SADD", "set:intset", "1", "2", "3", "-5", "100", "32767", "-32768"))
	add("set:intset32", c("SADD", "set:intset32", "1", "70000", "-70000", "2147483647", "-2147483648"))
	add("set:intset64", c("SADD", "set:intset64", "1", "-2", "4294967296", "9223372036854775807", "-9223372036854775808"))
	add("set:listpack", c("SADD", "set:listpack", "apple", "banana", "cherry", "42", "-7", ""))
	hs := []string{"SADD", "set:hashtable"}
	for i := 0; i < 200; i++ {
		hs = append(hs, fmt.Sprintf("member:%03d", i))
	}
	add("set:hashtable", hs)
	add("set:longmember", c("SADD", "set:longmember", "short", text100))
	ints := []string{"SADD", "set:bigintset"}
	for i := 0; i < 600; i++ { // > set-max-intset-entries (512)
		ints = append(ints, strconv.Itoa(i*7-1000))
	}
	add("set:bigintset", ints)

	// sorted sets
	add("zset:listpack", c("ZADD", "zset:listpack", "1", "one", "2.5", "two-and-half", "-3", "minus-three",
		"0", "zero", "1e10", "ten-billion", "0.1", "tenth", "-0.25", "neg-quarter", "123456789012", "bigint", "0.30000000000000004", "point3", "1e300", "huge"))
	add("zset:inf", c("ZADD", "zset:inf", "-inf", "neg-inf", "+inf", "pos-inf", "0", "zero", "5", "five"))
	zs := []string{"ZADD", "zset:skiplist", "0.1", "tenth", "1e300", "huge", "-3.5", "neg", "-inf", "ninf", "inf", "pinf",
		"1e-300", "tiny", "3.141592653589793", "pi", "0.30000000000000004", "point3"}
	for i := 0; i < 200; i++ {
		zs = append(zs, strconv.FormatFloat(float64(i)*1.25-100, 'g', -1, 64), fmt.Sprintf("m%03d", i))
	}
	add("zset:skiplist", zs)
	add("zset:longmember", c("ZADD", "zset:longmember", "1", "a", "2", text100))

	// hashes
	add("hash:listpack", c("HSET", "hash:listpack", "name", "volley", "version", "9", "neg", "-12345",
		"big", "9223372036854775807", "empty", "", "f", "3.25"))
	hh := []string{"HSET", "hash:hashtable"}
	for i := 0; i < 600; i++ {
		hh = append(hh, fmt.Sprintf("field:%03d", i), fmt.Sprintf("value-%d", i*i))
	}
	add("hash:hashtable", hh)
	add("hash:longvalue", c("HSET", "hash:longvalue", "short", "v", "long", text100))
	add("hash:expire", c("HSET", "hash:expire", "a", "1"), c("PEXPIREAT", "hash:expire", farMs))
	// field-level TTL (Valkey 9.0+)
	opt("hash:fttl:mixed",
		c("HSETEX", "hash:fttl:mixed", "PXAT", farMs, "FIELDS", "2", "ttl1", "x", "ttl2", "y"),
		c("HSET", "hash:fttl:mixed", "keep1", "p", "keep2", "q", "num", "17"),
		c("HPEXPIREAT", "hash:fttl:mixed", farMs2, "FIELDS", "1", "num"))
	opt("hash:fttl:all",
		c("HSETEX", "hash:fttl:all", "PXAT", farMs, "FIELDS", "3", "a", "1", "b", "2", "c", "3"),
		c("HPEXPIREAT", "hash:fttl:all", farMs2, "FIELDS", "1", "c"))
	bigttl := []string{"HSET", "hash:fttl:big"}
	for i := 0; i < 600; i++ {
		bigttl = append(bigttl, fmt.Sprintf("f%03d", i), fmt.Sprintf("v%d", i))
	}
	opt("hash:fttl:big", c("HSETEX", "hash:fttl:big", "PXAT", farMs2, "FIELDS", "1", "ttlfield", "t"), bigttl,
		c("HPEXPIREAT", "hash:fttl:big", farMs, "FIELDS", "3", "f000", "f299", "f599"))
	opt("hash:fttl:keyexpire",
		c("HSETEX", "hash:fttl:keyexpire", "PXAT", farMs, "FIELDS", "1", "a", "1"),
		c("HSET", "hash:fttl:keyexpire", "b", "2"),
		c("PEXPIREAT", "hash:fttl:keyexpire", farMs2))

	// other databases
	st = append(st,
		step{cmds: [][]string{c("SELECT", "1"), c("SET", "db1:string", "in db 1"), c("SADD", "db1:set", "x", "y"),
			c("SET", "db1:expire", "e"), c("PEXPIREAT", "db1:expire", farMs)}},
		step{cmds: [][]string{c("SELECT", "9"), c("RPUSH", "db9:list", "a", "b", "c"), c("SET", "db9:int", "99"),
			c("SELECT", "0")}})
	return st
}

// ---------------------------------------------------------------- reading back

type keyInfo struct {
	Type         string           `json:"type"`
	Encoding     string           `json:"encoding"`
	Value        any              `json:"value"`
	ExpireMs     *int64           `json:"expire_ms,omitempty"`
	FieldExpires map[string]int64 `json:"field_expires,omitempty"`
}

type fixture struct {
	Server string                         `json:"server"`
	DBs    map[string]map[string]*keyInfo `json:"dbs"`
}

func serverVersion(cl *client) string {
	info := cl.str("INFO", "server")
	fields := map[string]string{}
	for _, l := range strings.Split(info, "\r\n") {
		if k, v, ok := strings.Cut(l, ":"); ok {
			fields[k] = v
		}
	}
	if v := fields["valkey_version"]; v != "" {
		return "valkey " + v
	}
	return "redis " + fields["redis_version"]
}

func checkUTF8(key string, ss ...string) {
	for _, s := range ss {
		if !utf8.ValidString(s) {
			die("key %q holds non-UTF-8 data; add base64 support before using binary data", key)
		}
	}
}

// readKey reads one key of the currently selected db.
func readKey(cl *client, key string) *keyInfo {
	ki := &keyInfo{Type: cl.str("TYPE", key), Encoding: cl.str("OBJECT", "ENCODING", key)}
	checkUTF8(key, key)
	switch ki.Type {
	case "string":
		v := cl.str("GET", key)
		checkUTF8(key, v)
		ki.Value = v
	case "list":
		v := cl.strs("LRANGE", key, "0", "-1")
		checkUTF8(key, v...)
		ki.Value = v
	case "set":
		v := cl.strs("SMEMBERS", key)
		sort.Strings(v)
		checkUTF8(key, v...)
		ki.Value = v
	case "zset":
		v := cl.strs("ZRANGE", key, "0", "-1", "WITHSCORES")
		pairs := make([][2]string, 0, len(v)/2)
		for i := 0; i+1 < len(v); i += 2 {
			checkUTF8(key, v[i])
			pairs = append(pairs, [2]string{v[i], v[i+1]})
		}
		ki.Value = pairs
	case "hash":
		v := cl.strs("HGETALL", key)
		m := map[string]string{}
		fields := []string{}
		for i := 0; i+1 < len(v); i += 2 {
			checkUTF8(key, v[i], v[i+1])
			m[v[i]] = v[i+1]
			fields = append(fields, v[i])
		}
		ki.Value = m
		// HPEXPIRETIME only exists on Valkey 9+; an error means no field TTLs.
		args := append([]string{"HPEXPIRETIME", key, "FIELDS", strconv.Itoa(len(fields))}, fields...)
		if r, err := cl.do(args...); err == nil {
			for i, t := range r.([]any) {
				if t.(int64) >= 0 {
					if ki.FieldExpires == nil {
						ki.FieldExpires = map[string]int64{}
					}
					ki.FieldExpires[fields[i]] = t.(int64)
				}
			}
		}
	default:
		die("key %q: unsupported type %q", key, ki.Type)
	}
	if t, _ := cl.must("PEXPIRETIME", key).(int64); t >= 0 {
		ki.ExpireMs = &t
	}
	return ki
}

func numDBs(cl *client) int {
	v := cl.strs("CONFIG", "GET", "databases")
	n, err := strconv.Atoi(v[1])
	if err != nil {
		die("%v", err)
	}
	return n
}

func readAll(cl *client) *fixture {
	f := &fixture{Server: serverVersion(cl), DBs: map[string]map[string]*keyInfo{}}
	for db := 0; db < numDBs(cl); db++ {
		cl.must("SELECT", strconv.Itoa(db))
		keys := cl.strs("KEYS", "*")
		if len(keys) == 0 {
			continue
		}
		m := map[string]*keyInfo{}
		for _, k := range keys {
			m[k] = readKey(cl, k)
		}
		f.DBs[strconv.Itoa(db)] = m
	}
	cl.must("SELECT", "0")
	return f
}

type dumpEntry struct {
	Key                  string `json:"key"`
	PayloadHex           string `json:"payload_hex"`
	PayloadNocompressHex string `json:"payload_nocompress_hex"`
	Exact                bool   `json:"exact"`
}

// exactDump: the DUMP payload is byte-for-byte reproducible unless its element
// order follows hash table iteration (hashtable sets and hashes; the
// hashtable is seeded randomly at startup). Skiplist zsets are written
// tail-to-head (highest score first), so they are deterministic.
func exactDump(ki *keyInfo) bool {
	return !((ki.Type == "set" || ki.Type == "hash") && ki.Encoding == "hashtable")
}

func dumps(cl *client, db0 map[string]*keyInfo) []dumpEntry {
	keys := make([]string, 0, len(db0))
	for k := range db0 {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	out := make([]dumpEntry, len(keys))
	cl.must("CONFIG", "SET", "rdbcompression", "yes")
	for i, k := range keys {
		out[i] = dumpEntry{Key: k, PayloadHex: hex.EncodeToString([]byte(cl.str("DUMP", k))), Exact: exactDump(db0[k])}
	}
	cl.must("CONFIG", "SET", "rdbcompression", "no")
	for i, k := range keys {
		out[i].PayloadNocompressHex = hex.EncodeToString([]byte(cl.str("DUMP", k)))
	}
	cl.must("CONFIG", "SET", "rdbcompression", "yes")
	return out
}

func writeJSON(path string, v any) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", " ")
	if err := enc.Encode(v); err != nil {
		die("%v", err)
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		die("%v", err)
	}
	log.Printf("wrote %s (%d bytes)", path, buf.Len())
}

// ---------------------------------------------------------------- generate

func generate() {
	s := startServer("")
	defer s.stop()
	cl := s.cl
	cl.must("FLUSHALL")
	for _, st := range scenario() {
		for _, cmd := range st.cmds {
			if _, err := cl.do(cmd...); err != nil {
				if !st.optional {
					die("%q: %v", cmd[:min(len(cmd), 4)], err)
				}
				log.Printf("skipping %s: %s: %v", st.key, cmd[0], err)
				cl.must("DEL", st.key)
				break
			}
		}
	}
	debugObjects(cl)

	f := readAll(cl)
	isValkey := strings.HasPrefix(f.Server, "valkey")
	if isValkey && !*noCompress {
		writeJSON(filepath.Join(*outDir, *name+"-dump.json"), dumps(cl, f.DBs["0"]))
	}

	compression := "yes"
	if *noCompress {
		compression = "no"
	}
	cl.must("CONFIG", "SET", "rdbcompression", compression)
	cl.must("SAVE")
	data, err := os.ReadFile(filepath.Join(s.dir, "dump.rdb"))
	if err != nil {
		die("%v", err)
	}
	rdbPath := filepath.Join(*outDir, *name+".rdb")
	if err := os.WriteFile(rdbPath, data, 0o644); err != nil {
		die("%v", err)
	}
	log.Printf("wrote %s (%d bytes)", rdbPath, len(data))
	writeJSON(filepath.Join(*outDir, *name+".json"), f)
}

// debugObjects logs DEBUG OBJECT for lists (quicklist node/compression
// counts) when the debug command is enabled; informational only.
func debugObjects(cl *client) {
	for _, k := range cl.strs("KEYS", "list:*") {
		if v, err := cl.do("DEBUG", "OBJECT", k); err == nil {
			log.Printf("DEBUG OBJECT %s: %v", k, v)
		}
	}
}

// ---------------------------------------------------------------- verify

func loadJSON(path string, v any) bool {
	data, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return false
	}
	if err != nil {
		die("%v", err)
	}
	if err := json.Unmarshal(data, v); err != nil {
		die("%s: %v", path, err)
	}
	return true
}

// normalize round-trips through JSON so both sides compare as generic values.
func normalize(v any) any {
	b, _ := json.Marshal(v)
	var out any
	json.Unmarshal(b, &out)
	return out
}

func diffFixture(want, got any, path string, fail func(string, ...any)) {
	wm, wok := want.(map[string]any)
	gm, gok := got.(map[string]any)
	if !wok || !gok {
		if !reflect.DeepEqual(want, got) {
			w, _ := json.Marshal(want)
			g, _ := json.Marshal(got)
			fail("%s: want %.200s, got %.200s", path, w, g)
		}
		return
	}
	keys := map[string]bool{}
	for k := range wm {
		keys[k] = true
	}
	for k := range gm {
		keys[k] = true
	}
	sorted := make([]string, 0, len(keys))
	for k := range keys {
		sorted = append(sorted, k)
	}
	sort.Strings(sorted)
	for _, k := range sorted {
		wv, inW := wm[k]
		gv, inG := gm[k]
		switch {
		case !inW:
			fail("%s.%s: unexpected (got %.100v)", path, k, gv)
		case !inG:
			fail("%s.%s: missing", path, k)
		default:
			diffFixture(wv, gv, path+"."+k, fail)
		}
	}
}

func runVerify() {
	failures := 0
	fail := func(format string, args ...any) {
		failures++
		log.Printf("MISMATCH "+format, args...)
	}
	var want fixture
	if !loadJSON(filepath.Join(*outDir, *name+".json"), &want) {
		die("%s.json not found", *name)
	}
	s := startServer(filepath.Join(*outDir, *name+".rdb"))
	defer s.stop()
	cl := s.cl
	got := readAll(cl)
	diffFixture(normalize(want), normalize(got), "", fail)

	var ds []dumpEntry
	if loadJSON(filepath.Join(*outDir, *name+"-dump.json"), &ds) {
		// Exact payloads are compared with a fresh DUMP of the reloaded key;
		// then every payload is RESTOREd over the key itself (same name, so
		// Valkey's key-length dependent embstr choice is unchanged) and read
		// back.
		notes := 0
		for _, d := range ds {
			wk := want.DBs["0"][d.Key]
			if wk == nil {
				fail("dump: key %q not in %s.json", d.Key, *name)
				continue
			}
			if d.Exact {
				if now := hex.EncodeToString([]byte(cl.str("DUMP", d.Key))); now != d.PayloadHex {
					notes++
					log.Printf("note: exact payload of %s differs after RDB reload (encoding now %s)",
						d.Key, cl.str("OBJECT", "ENCODING", d.Key))
				}
			}
			ttl := []string{"0"}
			if wk.ExpireMs != nil {
				ttl = []string{strconv.FormatInt(*wk.ExpireMs, 10), "ABSTTL"}
			}
			for _, p := range []string{d.PayloadHex, d.PayloadNocompressHex} {
				raw, err := hex.DecodeString(p)
				if err != nil {
					die("%v", err)
				}
				args := append([]string{"RESTORE", d.Key, ttl[0], string(raw), "REPLACE"}, ttl[1:]...)
				if _, err := cl.do(args...); err != nil {
					fail("dump %s: RESTORE: %v", d.Key, err)
					continue
				}
				diffFixture(normalize(wk), normalize(readKey(cl, d.Key)), "dump."+d.Key, fail)
			}
		}
		log.Printf("checked %d dump payloads (%d exact-payload notes)", len(ds), notes)
	}
	if failures > 0 {
		die("verify %s: %d mismatches", *name, failures)
	}
	log.Printf("verify %s: OK (%s, %d dbs)", *name, got.Server, len(got.DBs))
}

func main() {
	log.SetFlags(0)
	flag.Parse()
	if *serverBin == "" || *name == "" {
		flag.Usage()
		os.Exit(2)
	}
	switch {
	case *scenarioF == "streams" && *verify:
		verifyStreams()
	case *scenarioF == "streams":
		generateStreams()
	case *verify:
		runVerify()
	default:
		generate()
	}
}

// ---------------------------------------------------------------- streams

// Streams carry absolute times (consumers' seen and active times, PEL
// delivery times) that the scenario cannot fix, so their fixture records
// the server's raw replies to read-only commands, which a loader must
// reproduce byte for byte, rather than a normalized value:
//
//	{"server": "...", "keys": [{"key", "payload_hex", "payload_nocompress_hex",
//	  "replies": [{"cmd": [...], "reply_hex": "..."}]}]}

type streamReply struct {
	Cmd      []string `json:"cmd"`
	ReplyHex string   `json:"reply_hex"`
}

type streamKey struct {
	Key                  string        `json:"key"`
	PayloadHex           string        `json:"payload_hex"`
	PayloadNocompressHex string        `json:"payload_nocompress_hex"`
	Replies              []streamReply `json:"replies"`
}

type streamFixture struct {
	Server string      `json:"server"`
	Keys   []streamKey `json:"keys"`
}

// raw sends one command and returns its reply's RESP2 bytes.
func (cl *client) raw(args ...string) []byte {
	fmt.Fprintf(cl.w, "*%d\r\n", len(args))
	for _, a := range args {
		fmt.Fprintf(cl.w, "$%d\r\n%s\r\n", len(a), a)
	}
	if err := cl.w.Flush(); err != nil {
		die("%v", err)
	}
	var out []byte
	var one func()
	one = func() {
		line, err := cl.r.ReadString('\n')
		if err != nil {
			die("%v", err)
		}
		out = append(out, line...)
		n, _ := strconv.Atoi(strings.TrimSuffix(line[1:], "\r\n"))
		switch line[0] {
		case '$':
			if n >= 0 {
				buf := make([]byte, n+2)
				if _, err := io.ReadFull(cl.r, buf); err != nil {
					die("%v", err)
				}
				out = append(out, buf...)
			}
		case '*':
			for i := 0; i < n; i++ {
				one()
			}
		case '-':
			die("%q: %s", args, line)
		}
	}
	one()
	return out
}

func streamScenario() [][]string {
	text100 := strings.Repeat("0123456789", 10)
	var cmds [][]string
	add := func(args ...string) { cmds = append(cmds, args) }

	// Several nodes (by bytes and by entries), entries with the master's
	// fields and without, integer and string values, then tombstones.
	for i := 1; i <= 300; i++ {
		id := fmt.Sprintf("%d-%d", 1000+i/3, i%3)
		switch {
		case i%50 == 0:
			add("XADD", "stream:basic", id, "big", text100+strconv.Itoa(i))
		case i%7 == 0:
			add("XADD", "stream:basic", id, "f", strconv.Itoa(i), "other", "x", "third", "-"+strconv.Itoa(i*1000))
		default:
			add("XADD", "stream:basic", id, "f", strconv.Itoa(i), "g", "value"+strconv.Itoa(i))
		}
	}
	add("XDEL", "stream:basic", "1000-1", "1010-2", "1050-0", "1099-0")
	add("XTRIM", "stream:basic", "MINID", "1005-0")

	// Small nodes.
	add("CONFIG", "SET", "stream-node-max-entries", "7")
	for i := 1; i <= 50; i++ {
		add("XADD", "stream:nodes", strconv.Itoa(i)+"-0", "n", strconv.Itoa(i))
	}
	add("CONFIG", "SET", "stream-node-max-entries", "100")
	add("XDEL", "stream:nodes", "8-0", "9-0", "10-0", "11-0", "12-0", "13-0", "14-0")

	// Consumer groups: PELs, consumers with and without pending entries,
	// a pending entry deleted from the stream, unknown entries-read.
	for i := 1; i <= 20; i++ {
		add("XADD", "stream:groups", strconv.Itoa(i)+"-0", "k", "v"+strconv.Itoa(i))
	}
	add("XGROUP", "CREATE", "stream:groups", "g1", "0")
	add("XGROUP", "CREATE", "stream:groups", "g2", "$", "ENTRIESREAD", "20")
	add("XGROUP", "CREATE", "stream:groups", "g3", "5-0")
	add("XREADGROUP", "GROUP", "g1", "alice", "COUNT", "5", "STREAMS", "stream:groups", ">")
	add("XREADGROUP", "GROUP", "g1", "bob", "COUNT", "3", "STREAMS", "stream:groups", ">")
	add("XREADGROUP", "GROUP", "g3", "alice", "NOACK", "COUNT", "2", "STREAMS", "stream:groups", ">")
	add("XACK", "stream:groups", "g1", "2-0", "7-0")
	add("XGROUP", "CREATECONSUMER", "stream:groups", "g1", "carol")
	// Fixed delivery times and counts for every pending entry.
	add("XCLAIM", "stream:groups", "g1", "alice", "0", "1-0", "3-0", "4-0", "5-0", "TIME", "4102444800000", "RETRYCOUNT", "3", "JUSTID")
	add("XCLAIM", "stream:groups", "g1", "bob", "0", "6-0", "8-0", "TIME", "4102444800123", "RETRYCOUNT", "1", "JUSTID")
	add("XDEL", "stream:groups", "4-0")

	// An emptied stream keeps its IDs; MKSTREAM makes an empty one.
	add("XADD", "stream:empty", "5-0", "a", "1")
	add("XDEL", "stream:empty", "5-0")
	add("XGROUP", "CREATE", "stream:empty", "g", "$")
	add("XGROUP", "CREATE", "stream:mkstream", "g", "$", "MKSTREAM")

	// XSETID's counters, and a key with a time to live.
	add("XADD", "stream:setid", "1-0", "a", "1")
	add("XADD", "stream:setid", "2-0", "a", "2")
	add("XSETID", "stream:setid", "100-5", "ENTRIESADDED", "50", "MAXDELETEDID", "90-0")
	add("XADD", "stream:expire", "1-1", "a", "1")
	add("PEXPIREAT", "stream:expire", farMs)
	return cmds
}

// streamReads are the read-only commands whose replies the fixture keeps.
func streamReads(cl *client, key string) []streamReply {
	cmds := [][]string{
		{"XRANGE", key, "-", "+"},
		{"XREVRANGE", key, "+", "-", "COUNT", "3"},
		{"XLEN", key},
		{"XINFO", "STREAM", key},
		{"XINFO", "STREAM", key, "FULL", "COUNT", "0"},
		{"XINFO", "GROUPS", key},
		{"PEXPIRETIME", key},
		{"OBJECT", "ENCODING", key},
	}
	var out []streamReply
	for _, c := range cmds {
		out = append(out, streamReply{Cmd: c, ReplyHex: hex.EncodeToString(cl.raw(c...))})
	}
	return out
}

func generateStreams() {
	s := startServer("")
	defer s.stop()
	cl := s.cl
	cl.must("FLUSHALL")
	for _, cmd := range streamScenario() {
		cl.must(cmd...)
	}
	f := streamFixture{Server: serverVersion(cl)}
	keys := cl.strs("KEYS", "*")
	sort.Strings(keys)
	for _, k := range keys {
		sk := streamKey{Key: k, Replies: streamReads(cl, k)}
		cl.must("CONFIG", "SET", "rdbcompression", "yes")
		sk.PayloadHex = hex.EncodeToString([]byte(cl.str("DUMP", k)))
		cl.must("CONFIG", "SET", "rdbcompression", "no")
		sk.PayloadNocompressHex = hex.EncodeToString([]byte(cl.str("DUMP", k)))
		f.Keys = append(f.Keys, sk)
	}
	cl.must("CONFIG", "SET", "rdbcompression", "yes")
	cl.must("SAVE")
	data, err := os.ReadFile(filepath.Join(s.dir, "dump.rdb"))
	if err != nil {
		die("%v", err)
	}
	rdbPath := filepath.Join(*outDir, *name+".rdb")
	if err := os.WriteFile(rdbPath, data, 0o644); err != nil {
		die("%v", err)
	}
	log.Printf("wrote %s (%d bytes)", rdbPath, len(data))
	writeJSON(filepath.Join(*outDir, *name+".json"), f)
}

// verifyStreams loads <name>.rdb into the server and checks every
// recorded reply, then RESTOREs every payload and checks them again.
func verifyStreams() {
	var f streamFixture
	if !loadJSON(filepath.Join(*outDir, *name+".json"), &f) {
		die("no %s.json", *name)
	}
	s := startServer(filepath.Join(*outDir, *name+".rdb"))
	defer s.stop()
	cl := s.cl
	bad := 0
	check := func(how string) {
		for _, k := range f.Keys {
			for _, r := range k.Replies {
				if got := hex.EncodeToString(cl.raw(r.Cmd...)); got != r.ReplyHex {
					log.Printf("%s: %q differs", how, r.Cmd)
					bad++
				}
			}
		}
	}
	check("loaded")
	for _, k := range f.Keys {
		for _, p := range []string{k.PayloadHex, k.PayloadNocompressHex} {
			raw, _ := hex.DecodeString(p)
			cl.must("RESTORE", k.Key, "0", string(raw), "REPLACE")
			if strings.Contains(k.Key, "expire") {
				cl.must("PEXPIREAT", k.Key, farMs)
			}
		}
	}
	check("restored")
	if bad > 0 {
		die("%d replies differ", bad)
	}
	log.Printf("%s: every reply matches", *name)
}
