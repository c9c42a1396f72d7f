package engine

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/volleydb/volley/engine/keyspace"
)

// The fixtures in testdata/rdb were written by Valkey 9.0.4 and Redis 7.0
// (see its README): RDB files, what each key held according to the server
// that wrote them, and Valkey's DUMP payload of every key.

// fixtureKey is one key of a fixture's JSON.
type fixtureKey struct {
	Type         string           `json:"type"`
	Encoding     string           `json:"encoding"`
	Value        any              `json:"value"`
	ExpireMs     int64            `json:"expire_ms"`
	FieldExpires map[string]int64 `json:"field_expires"`
}

type fixture struct {
	Server string                           `json:"server"`
	DBs    map[string]map[string]fixtureKey `json:"dbs"`
}

func readFixture(t *testing.T, name string) fixture {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "rdb", name+".json"))
	if err != nil {
		t.Fatal(err)
	}
	var f fixture
	if err := json.Unmarshal(b, &f); err != nil {
		t.Fatal(err)
	}
	return f
}

// keyContent describes a stored key in the fixtures' terms: the value as
// JSON decodes it (sets sorted, sorted-set scores as numbers), with the
// key's and the fields' expiry times.
func keyContent(s *Server, e keyspace.Entry) fixtureKey {
	k := fixtureKey{Type: TypeName(e.Kind()), Encoding: EncodingName(e.Kind()), ExpireMs: e.Expire()}
	var nb [20]byte
	switch typeOf(e) {
	case TypeString:
		k.Value = string(e.Value())
	case TypeList:
		l := listRefOf(e)
		var out []any
		for pos := l.first(); pos.valid(); pos = l.next(pos) {
			str, v, isInt := l.get(pos)
			out = append(out, string(memberText(str, v, isInt, &nb)))
		}
		l.release()
		k.Value = out
	case TypeSet:
		sv := setOf(e)
		it := sv.iter()
		var members []string
		for {
			str, v, isInt, ok := it.next()
			if !ok {
				break
			}
			members = append(members, string(memberText(str, v, isInt, &nb)))
		}
		slices.Sort(members)
		out := make([]any, len(members))
		for i, m := range members {
			out[i] = m
		}
		k.Value = out
	case TypeZSet:
		var out []any
		zs := zsetOf(e)
		zs.eachReverse(func(ele []byte, score float64) {
			out = append(out, []any{string(ele), score})
		})
		slices.Reverse(out)
		k.Value = out
	case TypeHash:
		m := map[string]any{}
		if h := hashRefOf(e); h.ht != nil {
			h.ht.each(math.MinInt64, func(f *hashField) bool {
				m[f.name] = f.value
				if f.expire != hashNoTTL {
					if k.FieldExpires == nil {
						k.FieldExpires = map[string]int64{}
					}
					k.FieldExpires[f.name] = f.expire
				}
				return true
			})
		} else {
			var fb, vb [20]byte
			lpHashEach(h.lp, func(f, v hashElem) bool {
				m[string(f.text(fb[:]))] = string(v.text(vb[:]))
				return true
			})
		}
		k.Value = m
	}
	return k
}

// normalize makes a fixture's value comparable with keyContent's: the
// sorted-set scores become numbers.
func normalize(k fixtureKey) fixtureKey {
	if k.Type != "zset" {
		return k
	}
	var out []any
	for _, pair := range k.Value.([]any) {
		p := pair.([]any)
		f, err := strconv.ParseFloat(p[1].(string), 64)
		if err != nil {
			panic(err)
		}
		out = append(out, []any{p[0], f})
	}
	k.Value = out
	return k
}

// checkDataset compares every database with a fixture. Encodings are
// compared only when encodings is set: a file from another server version
// loads in the encodings this configuration chooses.
func checkDataset(t *testing.T, s *Server, want fixture, encodings bool) {
	t.Helper()
	total := 0
	for dbID, keys := range want.DBs {
		id, _ := strconv.Atoi(dbID)
		db := s.DB(id)
		if db.Len() != len(keys) {
			t.Errorf("db %d holds %d keys, want %d", id, db.Len(), len(keys))
		}
		for name, wk := range keys {
			total++
			e, ok := db.keys.Get([]byte(name))
			if !ok {
				t.Errorf("db %d: key %q missing", id, name)
				continue
			}
			got, wk := keyContent(s, e), normalize(wk)
			if !encodings {
				got.Encoding, wk.Encoding = "", ""
			}
			if !reflect.DeepEqual(got, wk) {
				t.Errorf("db %d key %q:\n got %+v\nwant %+v", id, name, got, wk)
			}
		}
	}
	if total == 0 {
		t.Fatal("the fixture holds no keys")
	}
}

// loadFixtureRDB loads testdata/rdb/<name>.rdb into a fresh server.
func loadFixtureRDB(t *testing.T, name string) *testEnv {
	t.Helper()
	e := newTestEnv(t)
	e.srv.Clock = &FakeClock{Ms: 1_700_000_000_000} // before every expiry the fixtures hold
	f, err := os.Open(filepath.Join("testdata", "rdb", name+".rdb"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	st, err := e.srv.readRDB(f, fileSize(f), false)
	if err != nil {
		t.Fatalf("loading %s: %v", name, err)
	}
	if st.expired != 0 || st.empty != 0 {
		t.Fatalf("loading %s: %d keys expired, %d empty", name, st.expired, st.empty)
	}
	return e
}

func TestLoadValkeyRDB(t *testing.T) {
	for _, name := range []string{"valkey9", "valkey9-nocompress"} {
		t.Run(name, func(t *testing.T) {
			e := loadFixtureRDB(t, name)
			checkDataset(t, e.srv, readFixture(t, name), true)
		})
	}
}

func TestLoadRedis7RDB(t *testing.T) {
	for _, name := range []string{"redis7", "redis7-nocompress"} {
		t.Run(name, func(t *testing.T) {
			e := loadFixtureRDB(t, name)
			checkDataset(t, e.srv, readFixture(t, name), false)
		})
	}
}

// TestRDBRoundTrip saves a dataset loaded from Valkey's file and loads
// the result into another server: the content must be the same, and so
// must the file the second server writes (same encodings, same order).
func TestRDBRoundTrip(t *testing.T) {
	for _, compress := range []bool{true, false} {
		e := loadFixtureRDB(t, "valkey9")
		e.srv.Cfg.RDBCompression = compress
		var first bytes.Buffer
		if err := e.srv.writeRDB(&first); err != nil {
			t.Fatal(err)
		}
		e2 := newTestEnv(t)
		e2.srv.Clock = e.srv.Clock
		e2.srv.Cfg.RDBCompression = compress
		if _, err := e2.srv.readRDB(bytes.NewReader(first.Bytes()), int64(first.Len()), false); err != nil {
			t.Fatalf("compress %v: reading our own file: %v", compress, err)
		}
		checkDataset(t, e2.srv, readFixture(t, "valkey9"), true)
		if d1, d2 := e.digest(), e2.digest(); d1 != d2 {
			t.Errorf("compress %v: digest %q after the round trip, %q before", compress, d2, d1)
		}
	}
}

type dumpFixture struct {
	Key        string `json:"key"`
	Payload    string `json:"payload_hex"`
	NoCompress string `json:"payload_nocompress_hex"`
	Exact      bool   `json:"exact"`
}

// TestDumpMatchesValkey restores every payload Valkey 9.0.4 made, checks
// the value, and DUMPs it again: where the payload's order does not depend
// on Valkey's hash table, the bytes must be Valkey's, compressed or not.
func TestDumpMatchesValkey(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("testdata", "rdb", "valkey9-dump.json"))
	if err != nil {
		t.Fatal(err)
	}
	var dumps []dumpFixture
	if err := json.Unmarshal(b, &dumps); err != nil {
		t.Fatal(err)
	}
	want := readFixture(t, "valkey9").DBs["0"]
	e := newTestEnv(t)
	e.srv.Clock = &FakeClock{Ms: 1_700_000_000_000}
	c := e.newClient()
	for _, d := range dumps {
		for _, compress := range []bool{true, false} {
			payload := d.Payload
			if !compress {
				payload = d.NoCompress
			}
			raw, err := hex.DecodeString(payload)
			if err != nil {
				t.Fatal(err)
			}
			wk := want[d.Key]
			// Valkey made this list with list-compress-depth 1, and a
			// compressed node is saved as it is kept.
			depth := map[bool]string{true: "1", false: "0"}[d.Key == "list:compressed"]
			e.do(c, "config", "set", "list-compress-depth", depth)
			ttl := "0"
			args := []string{"restore", d.Key, ttl, string(raw), "replace"}
			if wk.ExpireMs != 0 {
				args = []string{"restore", d.Key, strconv.FormatInt(wk.ExpireMs, 10), string(raw), "replace", "absttl"}
			}
			if got := e.do(c, args...); got != "+OK\r\n" {
				t.Errorf("RESTORE %s: %q", d.Key, got)
				continue
			}
			ent, _ := e.srv.DB(0).keys.Get([]byte(d.Key))
			if got := keyContent(e.srv, ent); !reflect.DeepEqual(got, normalize(wk)) {
				t.Errorf("%s restored as %+v, want %+v", d.Key, got, normalize(wk))
			}
			if !d.Exact {
				continue
			}
			e.do(c, "config", "set", "rdbcompression", map[bool]string{true: "yes", false: "no"}[compress])
			if got := e.do(c, "dump", d.Key); got != bulk(string(raw)) {
				t.Errorf("DUMP %s (rdbcompression %v) differs from Valkey's at byte %d of %d",
					d.Key, compress, firstDiff(got, bulk(string(raw))), len(got))
			}
			e.do(c, "config", "set", "rdbcompression", "yes")
		}
	}
}

// firstDiff is the index of the first byte where a and b differ.
func firstDiff(a, b string) int {
	i := 0
	for i < len(a) && i < len(b) && a[i] == b[i] {
		i++
	}
	return i
}

// FuzzReadRDB loads arbitrary files: a load may fail, but never panic,
// and whatever it loads is a dataset the server can save again.
func FuzzReadRDB(f *testing.F) {
	// A small file of every kind of value, as this server writes it (the
	// fixtures, at 50 KB, are too large for the mutator to get far).
	e := newTestEnv(f)
	c := e.newClient()
	for _, cmd := range [][]string{
		{"set", "s", "hello"}, {"set", "i", "12"}, {"rpush", "l", "a", "1"}, {"sadd", "si", "1", "2"},
		{"sadd", "sl", "a"}, {"zadd", "z", "1", "a"}, {"hset", "h", "f", "v"}, {"pexpire", "h", "100000"},
		{"hset", "hv", "f", "v"}, {"hpexpire", "hv", "100000", "fields", "1", "f"},
	} {
		e.do(c, cmd...)
	}
	var seed bytes.Buffer
	if err := e.srv.writeRDB(&seed); err != nil {
		f.Fatal(err)
	}
	f.Add(seed.Bytes())
	f.Add([]byte("REDIS0011\xff"))
	f.Fuzz(func(t *testing.T, file []byte) {
		e := newTestEnv(t)
		e.srv.Clock = &FakeClock{Ms: 1_700_000_000_000}
		if _, err := e.srv.readRDB(bytes.NewReader(file), int64(len(file)), false); err != nil {
			return
		}
		var out bytes.Buffer
		if err := e.srv.writeRDB(&out); err != nil {
			t.Fatal(err)
		}
		e2 := newTestEnv(t)
		e2.srv.Clock = e.srv.Clock
		if _, err := e2.srv.readRDB(&out, int64(out.Len()), false); err != nil {
			t.Fatalf("our own save of a loaded file does not load: %v", err)
		}
	})
}

// TestSaveCounters: SAVE counts in rdb_saves and moves LASTSAVE; the
// saves a server makes on its own (FLUSHALL with save points) move
// LASTSAVE but are not counted, as in Valkey.
func TestSaveCounters(t *testing.T) {
	e := newTestEnv(t)
	clock := &FakeClock{Ms: 1_700_000_000_000}
	e.srv.Clock = clock
	c := e.newClient()
	e.do(c, "set", "k", "v")
	clock.Ms += 5000
	e.expect(c, []replyCase{
		rc("save", "+OK\r\n"),
		rc("lastsave", ":1700000005\r\n"),
	})
	info := e.do(c, "info", "persistence")
	for _, want := range []string{"rdb_saves:1\r\n", "rdb_changes_since_last_save:0\r\n", "rdb_last_save_time:1700000005\r\n"} {
		if !strings.Contains(info, want) {
			t.Errorf("INFO persistence lacks %q", want)
		}
	}
	clock.Ms += 5000
	e.expect(c, []replyCase{rc("flushall", "+OK\r\n"), rc("lastsave", ":1700000010\r\n")})
	if info := e.do(c, "info", "persistence"); !strings.Contains(info, "rdb_saves:1\r\n") {
		t.Error("FLUSHALL's save counted in rdb_saves")
	}
	// A save that cannot write fails with Valkey's bare error and leaves
	// LASTSAVE alone.
	e.srv.Cfg.Dir = filepath.Join(e.srv.Cfg.Dir, "missing")
	clock.Ms += 5000
	e.expect(c, []replyCase{rc("save", "-ERR\r\n"), rc("lastsave", ":1700000010\r\n")})
}
