package config

import (
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// FuzzParseConfig checks that no configuration text makes the parser
// panic, and that whatever parses survives CONFIG REWRITE: written to a
// new file or over the text itself, it reads back to the same values.
func FuzzParseConfig(f *testing.F) {
	for _, seed := range []string{
		"",
		"port 7000\nbind 127.0.0.1 ::1\nsave 900 1\nsave 300 10\n",
		"# comment\n\n  maxmemory 1gb\nmaxmemory-policy allkeys-lru\nmaxmemory-clients 10%\n",
		`requirepass "p\x00\"w"` + "\nprimaryauth 'it\\'s'\n",
		"client-output-buffer-limit normal 0 0 0 replica 256mb 64mb 60 pubsub 32mb 8mb 60\n",
		"notify-keyspace-events KEA\nshutdown-on-sigint nosave now\nunixsocketperm 700\n",
		"save \"\"\nbind \"\"\nlatency-tracking-info-percentiles \"\"\nreplicaof host 6380\n",
		"cluster-enabled yes\nproc-title-template \"{title} {server-mode}\"\n",
		"rename-command FLUSHALL \"\"\nuser alice on >pw ~* +@all\nloadmodule /m.so x\nmod.cfg 1\n",
		"hz 0\nslaveof h 1\nhash-max-ziplist-entries 5\nlist-max-ziplist-entries 1\n",
		"oom-score-adj-values -10 0 10\ncluster-blacklist-ttl -1\nmaxmemory 99999999999999999999\n",
		"port \"abc\n",
		"foo bar\n",
		"dir .\n",
	} {
		f.Add(seed)
	}
	opts := LoadOptions{Version: "9.0.4", sandbox: true}
	f.Fuzz(func(t *testing.T, text string) {
		dir := t.TempDir()
		c := New()
		c.Dir = dir
		if err := c.LoadString(text, opts); err != nil {
			if _, ok := err.(*FatalError); !ok {
				if _, ok := err.(*OpenError); !ok {
					t.Fatalf("error of type %T: %v", err, err)
				}
			}
			return
		}
		c.Get([][]byte{[]byte("*")})

		check := func(path string) {
			if err := c.Rewrite(path); err != nil {
				t.Fatalf("rewrite: %v", err)
			}
			back := New()
			back.Dir = dir
			b := readFile(t, path)
			if err := back.LoadString(b, opts); err != nil {
				if strings.Contains(err.Error(), "template format is invalid") {
					// proc-title-template was checked against values that
					// later lines changed; Valkey cannot read such a
					// file back either.
					return
				}
				t.Fatalf("reading back\n%s\n%v", b, err)
			}
			if got, want := back.All(), c.All(); !reflect.DeepEqual(got, want) {
				for i := range got {
					if got[i] != want[i] {
						t.Errorf("%s reads back as %q, was %q", got[i].Name, got[i].Value, want[i].Value)
					}
				}
				t.Fatalf("file:\n%s", b)
			}
		}
		check(filepath.Join(dir, "fresh.conf"))
		inPlace := filepath.Join(dir, "in-place.conf")
		writeFile(t, inPlace, text)
		check(inPlace)
	})
}
