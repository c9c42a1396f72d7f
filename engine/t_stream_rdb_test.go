package engine

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/volleydb/volley/engine/config"
)

// The stream fixture (testdata/rdb/valkey9-stream.*, made by mkfixtures.go
// -scenario streams) holds a file Valkey 9.0.4 saved, the DUMP payloads of
// its keys and Valkey's raw replies to read-only commands on them.

type streamFixtureReply struct {
	Cmd      []string `json:"cmd"`
	ReplyHex string   `json:"reply_hex"`
}

type streamFixtureKey struct {
	Key        string               `json:"key"`
	Payload    string               `json:"payload_hex"`
	NoCompress string               `json:"payload_nocompress_hex"`
	Replies    []streamFixtureReply `json:"replies"`
}

func readStreamFixture(t *testing.T) []streamFixtureKey {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "rdb", "valkey9-stream.json"))
	if err != nil {
		t.Fatal(err)
	}
	var f struct {
		Keys []streamFixtureKey `json:"keys"`
	}
	if err := json.Unmarshal(b, &f); err != nil {
		t.Fatal(err)
	}
	if len(f.Keys) < 7 {
		t.Fatalf("fixture has %d keys", len(f.Keys))
	}
	return f.Keys
}

// checkStreamReplies runs every recorded command and compares the bytes.
func checkStreamReplies(t *testing.T, e *testEnv, keys []streamFixtureKey, how string) {
	t.Helper()
	c := e.newClient()
	for _, k := range keys {
		for _, r := range k.Replies {
			want, _ := hex.DecodeString(r.ReplyHex)
			if got := e.do(c, r.Cmd...); got != string(want) {
				t.Errorf("%s: %q:\n got %q\nwant %q", how, r.Cmd, got, want)
			}
		}
	}
}

func TestStreamLoadValkeyRDB(t *testing.T) {
	keys := readStreamFixture(t)
	e := loadFixtureRDB(t, "valkey9-stream")
	checkStreamReplies(t, e, keys, "loaded")

	// Saved again and loaded into another server, nothing changes.
	var first bytes.Buffer
	if err := e.srv.writeRDB(&first); err != nil {
		t.Fatal(err)
	}
	e2 := newTestEnv(t)
	e2.srv.Clock = e.srv.Clock
	if _, err := e2.srv.readRDB(bytes.NewReader(first.Bytes()), int64(first.Len()), false); err != nil {
		t.Fatal(err)
	}
	checkStreamReplies(t, e2, keys, "reloaded")
	if d1, d2 := e.digest(), e2.digest(); d1 != d2 {
		t.Errorf("digest %q after the round trip, %q before", d2, d1)
	}
}

// TestStreamDumpMatchesValkey restores Valkey's payloads and DUMPs them
// again: the bytes must be Valkey's, compressed or not.
func TestStreamDumpMatchesValkey(t *testing.T) {
	keys := readStreamFixture(t)
	e, _ := fakeClockEnv(t)
	c := e.newClient()
	for _, compress := range []bool{true, false} {
		e.do(c, "config", "set", "rdbcompression", map[bool]string{true: "yes", false: "no"}[compress])
		for _, k := range keys {
			p := k.Payload
			if !compress {
				p = k.NoCompress
			}
			raw, _ := hex.DecodeString(p)
			if got := e.do(c, "restore", k.Key, "0", string(raw), "replace"); got != "+OK\r\n" {
				t.Fatalf("RESTORE %s: %q", k.Key, got)
			}
			if k.Key == "stream:expire" {
				e.do(c, "pexpireat", k.Key, "4102444800000")
			}
			if got := e.do(c, "dump", k.Key); got != bulk(string(raw)) {
				t.Errorf("DUMP %s (compress %v) differs from Valkey's at byte %d", k.Key, compress, firstDiff(got, bulk(string(raw))))
			}
		}
		checkStreamReplies(t, e, keys, "restored")
	}
}

func TestStreamCopyAndDebugReload(t *testing.T) {
	keys := readStreamFixture(t)
	e := loadFixtureRDB(t, "valkey9-stream")
	e.srv.Cfg.EnableDebugCommand = config.PermitYes
	c := e.newClient()
	before := e.digest()
	if r := e.do(c, "debug", "reload"); r != "+OK\r\n" {
		t.Fatalf("debug reload = %q", r)
	}
	if e.digest() != before {
		t.Fatal("digest changed across DEBUG RELOAD")
	}
	checkStreamReplies(t, e, keys, "after DEBUG RELOAD")
	// A copy is deep: changing it leaves the original alone.
	e.expect(c, []replyCase{
		rc("copy stream:groups copy", ":1\r\n"),
		rc("xack copy g1 1-0", ":1\r\n"),
		rc("xgroup destroy copy g2", ":1\r\n"),
		rc("xadd copy 99-0 a b", bulk("99-0")),
	})
	d1 := e.do(c, "debug", "digest-value", "stream:groups")
	checkStreamReplies(t, e, keys, "after changing a copy")
	e.do(c, "del", "copy")
	e.do(c, "copy", "stream:groups", "copy")
	if d2 := e.do(c, "debug", "digest-value", "copy"); d2 != d1 {
		t.Fatalf("copy digest %q, original %q", d2, d1)
	}
}
