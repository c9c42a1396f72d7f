package config

import (
	"bufio"
	"os"
	"reflect"
	"strings"
	"testing"
)

// readDefaults reads testdata/defaults.txt: the listed part (what CONFIG
// GET * answers, in order) and the hidden part.
func readDefaults(t *testing.T) (listed, hidden []KV) {
	t.Helper()
	f, err := os.Open("testdata/defaults.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	inHidden := false
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		switch {
		case strings.HasPrefix(line, "#"):
		case line == "":
			inHidden = true
		default:
			name, value, _ := strings.Cut(line, "=")
			if inHidden {
				hidden = append(hidden, KV{name, value})
			} else {
				listed = append(listed, KV{name, value})
			}
		}
	}
	return listed, hidden
}

func getAll(c *Config, patterns ...string) []KV {
	var ps [][]byte
	for _, p := range patterns {
		ps = append(ps, []byte(p))
	}
	return c.Get(ps)
}

func TestGetDefaults(t *testing.T) {
	listed, hidden := readDefaults(t)
	c := New()
	var got []KV
	for _, kv := range getAll(c, "*") {
		if kv.Name != "dir" {
			got = append(got, kv)
		}
	}
	if !reflect.DeepEqual(got, listed) {
		want := map[string]string{}
		for _, kv := range listed {
			want[kv.Name] = kv.Value
		}
		for _, kv := range got {
			if w, ok := want[kv.Name]; !ok || w != kv.Value {
				t.Errorf("%s = %q, valkey has %q (known: %v)", kv.Name, kv.Value, w, ok)
			}
		}
		t.Errorf("CONFIG GET * differs from valkey-server's: %d entries, want %d", len(got), len(listed))
	}
	for _, kv := range hidden {
		if got := getAll(c, kv.Name); len(got) != 1 || got[0] != kv {
			t.Errorf("CONFIG GET %s = %q, want %q", kv.Name, got, kv)
		}
	}
	if dir := getAll(c, "dir"); len(dir) != 1 || dir[0].Value == "" {
		t.Errorf("dir = %q", dir)
	}
}

func TestDirectiveDefaults(t *testing.T) {
	c := New()
	for _, d := range Directives() {
		if d.Name == "dir" {
			continue
		}
		if got := d.Value(c); got != d.Default {
			t.Errorf("%s: Default %q but a new Config has %q", d.Name, d.Default, got)
		}
	}
}

func TestGetPatterns(t *testing.T) {
	c := New()
	tests := []struct {
		patterns []string
		want     []string // names, in reply order
	}{
		{[]string{"port"}, []string{"port"}},
		{[]string{"PORT", "port"}, []string{"PORT"}},
		{[]string{"Port"}, []string{"Port"}},
		{[]string{"PO*", "PORT"}, []string{"port"}},
		{[]string{"PORT", "PO*"}, []string{"PORT"}},
		{[]string{"port", "bind"}, []string{"bind", "port"}},
		{[]string{"SLOWLOG-MAX-LEN"}, []string{"SLOWLOG-MAX-LEN"}},
		{[]string{"slowlog-max-len", "commandlog-slow-execution-max-len"}, []string{"commandlog-slow-execution-max-len", "slowlog-max-len"}},
		{[]string{"*max-len"}, []string{"acllog-max-len", "cluster-slot-migration-log-max-len", "commandlog-large-reply-max-len", "commandlog-large-request-max-len", "commandlog-slow-execution-max-len", "slowlog-max-len"}},
		{[]string{"hash-max-*-value", "hash*"}, []string{"hash-max-listpack-entries", "hash-max-listpack-value", "hash-max-ziplist-entries", "hash-max-ziplist-value"}},
		{[]string{"[ab]ind"}, []string{"bind"}},
		{[]string{"lua*"}, []string{"lua-time-limit"}},
		{[]string{"lua-enable-deprecated-api", "LUA-ENABLE-INSECURE-API"}, []string{"LUA-ENABLE-INSECURE-API", "lua-enable-deprecated-api"}},
		{[]string{"use-exit-*"}, nil},
		{[]string{"nonexistent"}, nil},
		{[]string{"req-res-logfile"}, nil},
	}
	for _, tt := range tests {
		var got []string
		for _, kv := range getAll(c, tt.patterns...) {
			got = append(got, kv.Name)
		}
		if !reflect.DeepEqual(got, tt.want) {
			t.Errorf("CONFIG GET %q = %q, want %q", tt.patterns, got, tt.want)
		}
	}
}

func TestDirectiveList(t *testing.T) {
	ds := Directives()
	if len(ds) != 222 {
		t.Errorf("%d directives, Valkey 9.0.4 has 222", len(ds))
	}
	for i, d := range ds {
		if i > 0 && ds[i-1].Name >= d.Name {
			t.Errorf("not sorted at %s", d.Name)
		}
		if Lookup(strings.ToUpper(d.Name)) != d || (d.Alias != "" && Lookup(d.Alias) != d) {
			t.Errorf("lookup of %s", d.Name)
		}
	}
	impl := Implemented()
	if len(impl) == 0 || len(impl) >= len(ds) {
		t.Errorf("%d implemented directives", len(impl))
	}
	for _, name := range []string{"port", "bind", "save", "maxmemory", "dir"} {
		if !Lookup(name).Implemented {
			t.Errorf("%s is not marked implemented", name)
		}
	}
}
