package engine

import (
	"encoding/csv"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// tsvFlag maps commands.tsv's flag names to ours.
var tsvFlag = map[string]Flags{
	"WRITE": FlagWrite, "READONLY": FlagReadonly, "DENYOOM": FlagDenyOOM, "MODULE": FlagModule,
	"ADMIN": FlagAdmin, "PUBSUB": FlagPubSub, "NOSCRIPT": FlagNoScript, "BLOCKING": FlagBlocking,
	"LOADING": FlagLoading, "STALE": FlagStale, "SKIP_MONITOR": FlagSkipMonitor,
	"SKIP_COMMANDLOG": FlagSkipCommandlog, "ASKING": FlagAsking, "FAST": FlagFast, "NO_AUTH": FlagNoAuth,
	"MAY_REPLICATE": FlagMayReplicate, "SENTINEL": FlagSentinel, "ONLY_SENTINEL": FlagOnlySentinel,
	"NO_MANDATORY_KEYS": FlagNoMandatoryKeys, "PROTECTED": FlagProtected,
	"NO_ASYNC_LOADING": FlagNoAsyncLoading, "NO_MULTI": FlagNoMulti, "ALLOW_BUSY": FlagAllowBusy,
	"TOUCHES_ARBITRARY_KEYS": FlagTouchesArbitraryKeys,
}

// TestSpecsMatchCommandsTSV checks the table against testdata/commands.tsv
// (a copy of ../shared/commands.tsv, Valkey 9.0's command facts): every
// row has a spec with the same arity, flags, group, since, number of key
// specs, doc flags and place (command or subcommand), and no spec is
// missing from the file.
func TestSpecsMatchCommandsTSV(t *testing.T) {
	f, err := os.Open(filepath.Join("testdata", "commands.tsv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r := csv.NewReader(f)
	r.Comma = '\t'
	r.FieldsPerRecord = -1
	r.LazyQuotes = true
	rows, err := r.ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	col := map[string]int{}
	for i, h := range rows[0] {
		col[h] = i
	}

	specs := map[string]*Spec{}
	for _, sp := range commandSpecs() {
		name := strings.ToUpper(sp.Name)
		if specs[name] != nil {
			t.Errorf("%s declared twice", name)
		}
		specs[name] = sp
		for _, sub := range sp.Subs {
			full := name + " " + strings.ToUpper(sub.Name)
			if specs[full] != nil {
				t.Errorf("%s declared twice", full)
			}
			specs[full] = sub
		}
	}

	seen := map[string]bool{}
	for _, row := range rows[1:] {
		get := func(h string) string { return row[col[h]] }
		name := get("command")
		seen[name] = true
		sp := specs[name]
		if sp == nil {
			t.Errorf("%s: no spec", name)
			continue
		}
		if arity, _ := strconv.Atoi(get("arity")); sp.Arity != arity {
			t.Errorf("%s: arity %d, tsv %d", name, sp.Arity, arity)
		}
		var flags Flags
		for _, fl := range strings.Split(get("command_flags"), ",") {
			if fl == "" {
				continue
			}
			bit, ok := tsvFlag[fl]
			if !ok {
				t.Fatalf("%s: unknown flag %s in tsv", name, fl)
			}
			flags |= bit
		}
		if got := sp.Flags &^ FlagMovableKeys; got != flags {
			t.Errorf("%s: flags %v, tsv %v", name, got.Names(), flags.Names())
		}
		if g := strings.ReplaceAll(get("group"), "_", "-"); sp.Group.String() != g {
			t.Errorf("%s: group %s, tsv %s", name, sp.Group, g)
		}
		if sp.Since != get("since") {
			t.Errorf("%s: since %s, tsv %s", name, sp.Since, get("since"))
		}
		if n, _ := strconv.Atoi(get("key_specs")); len(sp.Keys) != n {
			t.Errorf("%s: %d key specs, tsv %d", name, len(sp.Keys), n)
		}
		isSub := strings.Contains(name, " ")
		if want := get("is_subcommand") == "1"; isSub != want {
			t.Errorf("%s: subcommand %v, tsv %v", name, isSub, want)
		}
		if sp.DocFlags != strings.ToLower(get("doc_flags")) {
			t.Errorf("%s: doc flags %q, tsv %q", name, sp.DocFlags, get("doc_flags"))
		}
	}
	for name := range specs {
		if !seen[name] {
			t.Errorf("%s: not in commands.tsv", name)
		}
	}
}

var (
	versionRE = regexp.MustCompile(`^\d+\.\d+\.\d+$`)
	tipRE     = regexp.MustCompile(`^(nondeterministic_output|nondeterministic_output_order|request_policy:(all_nodes|all_shards|multi_shard|special)|response_policy:(one_succeeded|all_succeeded|agg_logical_and|agg_logical_or|agg_min|agg_max|agg_sum|special))$`)
)

// TestSpecInvariants checks what every spec must satisfy on its own.
func TestSpecInvariants(t *testing.T) {
	check := func(sp *Spec, full string, sub bool) {
		if sp.Name == "" || sp.Name != strings.ToLower(sp.Name) || strings.ContainsAny(sp.Name, " |") {
			t.Errorf("%s: bad name %q", full, sp.Name)
		}
		if sp.Arity == 0 {
			t.Errorf("%s: zero arity", full)
		}
		if sub && sp.Arity > 0 && sp.Arity < 2 || sub && sp.Arity < 0 && sp.Arity > -2 {
			t.Errorf("%s: a subcommand's arity counts the container and itself", full)
		}
		if sp.Summary == "" || !strings.HasSuffix(sp.Summary, ".") {
			t.Errorf("%s: summary %q", full, sp.Summary)
		}
		if !versionRE.MatchString(sp.Since) {
			t.Errorf("%s: since %q", full, sp.Since)
		}
		if sp.DocFlags != "" && sp.DocFlags != "deprecated" && sp.DocFlags != "syscmd" {
			t.Errorf("%s: doc flags %q", full, sp.DocFlags)
		}
		if (sp.DocFlags == "deprecated") != (sp.Deprecated != "") || (sp.Deprecated != "") != (sp.Replaced != "") {
			t.Errorf("%s: deprecation fields disagree", full)
		}
		if sp.Handler != nil {
			t.Errorf("%s: handlers are attached by registry.go, not in the spec", full)
		}
		for _, tip := range sp.Tips {
			if !tipRE.MatchString(tip) {
				t.Errorf("%s: tip %q", full, tip)
			}
		}
		if sp.categories&(ACLFast|ACLSlow) == 0 || sp.categories&ACLFast != 0 && sp.categories&ACLSlow != 0 {
			t.Errorf("%s: must be exactly one of @fast and @slow", full)
		}
		if sp.ACL&impliedACL(sp.Flags) != 0 {
			t.Errorf("%s: ACL repeats categories its flags imply: %v", full, (sp.ACL & impliedACL(sp.Flags)).Names())
		}
		for i, k := range sp.Keys {
			begins := 0
			if k.BeginIndex > 0 {
				begins++
			}
			if k.BeginKeyword != "" {
				begins++
			}
			finds := 0
			if k.Range {
				finds++
			}
			if k.KeyNum {
				finds++
			}
			if begins > 1 || finds > 1 || (begins == 0) != (finds == 0) {
				t.Errorf("%s: key spec %d: want one begin_search and one find_keys, or neither", full, i)
			}
			if k.Range && k.Step < 1 || k.KeyNum && k.KeyStep < 1 {
				t.Errorf("%s: key spec %d: step must be positive", full, i)
			}
			if k.Limit != 0 && k.LastKey != -1 {
				t.Errorf("%s: key spec %d: a limit needs lastkey -1", full, i)
			}
			access := k.Flags & (KeyRO | KeyRW | KeyOW | KeyRM)
			if access&(access-1) != 0 || access == 0 && k.Flags&KeyNotKey == 0 {
				t.Errorf("%s: key spec %d: want one of RO, RW, OW, RM", full, i)
			}
			if begins == 0 && sp.getKeysProc == nil {
				t.Errorf("%s: key spec %d is unknown and nothing else finds its keys", full, i)
			}
			if k.Flags&(KeyIncomplete|KeyVariableFlags) != 0 && sp.getKeysProc == nil {
				t.Errorf("%s: key spec %d needs a key finder", full, i)
			}
		}
	}
	names := map[string]bool{}
	for _, sp := range commandSpecs() {
		if names[sp.Name] {
			t.Errorf("%s declared twice", sp.Name)
		}
		names[sp.Name] = true
		check(sp, sp.Name, false)
		subs := map[string]bool{}
		for _, sub := range sp.Subs {
			full := sp.Name + "|" + sub.Name
			check(sub, full, true)
			if len(sub.Subs) > 0 {
				t.Errorf("%s: only one level of subcommands", full)
			}
			if sub.Group != sp.Group {
				t.Errorf("%s: group %s, container's %s", full, sub.Group, sp.Group)
			}
			if subs[sub.Name] {
				t.Errorf("%s declared twice", full)
			}
			subs[sub.Name] = true
		}
		if !slices.IsSortedFunc(sp.Subs, func(a, b *Spec) int { return strings.Compare(a.Name, b.Name) }) {
			t.Errorf("%s: subcommands out of order", sp.Name)
		}
	}
	for name := range getKeysProcs {
		top, sub, _ := strings.Cut(name, "|")
		if !names[top] || sub != "" {
			t.Errorf("key finder for unknown command %s", name)
		}
	}
}

func TestImpliedACL(t *testing.T) {
	for _, tc := range []struct {
		flags Flags
		want  ACL
	}{
		{0, 0},
		{FlagWrite | FlagDenyOOM, ACLWrite},
		{FlagReadonly | FlagFast, ACLRead | ACLFast},
		{FlagAdmin | FlagNoScript, ACLAdmin | ACLDangerous},
		{FlagPubSub | FlagLoading, ACLPubSub},
		{FlagWrite | FlagBlocking, ACLWrite | ACLBlocking},
	} {
		if got := impliedACL(tc.flags); got != tc.want {
			t.Errorf("impliedACL(%v) = %v, want %v", tc.flags.Names(), got.Names(), tc.want.Names())
		}
	}
	byName := map[string]*Spec{}
	for _, sp := range commandSpecs() {
		byName[sp.Name] = sp
	}
	for name, want := range map[string]ACL{
		"get":     ACLRead | ACLString | ACLFast,
		"eval_ro": ACLSlow | ACLScripting, // readonly, yet not @read: scripts are not
		"keys":    ACLKeyspace | ACLRead | ACLSlow | ACLDangerous,
		"blpop":   ACLWrite | ACLList | ACLSlow | ACLBlocking,
		"client":  ACLSlow,
	} {
		if got := byName[name].Categories(); got != want {
			t.Errorf("%s: categories %v, want %v", name, got.Names(), want.Names())
		}
	}
}

func TestLegacyKeyRange(t *testing.T) {
	byName := map[string]*Spec{}
	for _, sp := range commandSpecs() {
		byName[sp.Name] = sp
	}
	for _, tc := range []struct {
		name              string
		first, last, step int
		movable           bool
	}{
		{"get", 1, 1, 1, false},
		{"mset", 1, -1, 2, false},
		{"del", 1, -1, 1, false},
		{"blpop", 1, -2, 1, false},
		{"lmove", 1, 2, 1, false},
		{"zunionstore", 1, 1, 1, true},
		{"eval", 0, 0, 0, true},
		{"xread", 0, 0, 0, true},
		{"sort", 1, 1, 1, true},
		{"migrate", 3, 3, 1, true},
		{"georadius", 1, 1, 1, true},
		{"ping", 0, 0, 0, false},
	} {
		sp := byName[tc.name]
		first, last, step := sp.LegacyKeyRange()
		if first != tc.first || last != tc.last || step != tc.step || (sp.Flags&FlagMovableKeys != 0) != tc.movable {
			t.Errorf("%s: (%d,%d,%d) movable=%v, want (%d,%d,%d) movable=%v", tc.name, first, last, step,
				sp.Flags&FlagMovableKeys != 0, tc.first, tc.last, tc.step, tc.movable)
		}
	}
}

// TestCommandSpecsFresh checks that each call builds new specs, since the
// registry writes into them.
func TestCommandSpecsFresh(t *testing.T) {
	a, b := commandSpecs(), commandSpecs()
	if a[0] == b[0] || a[0].Subs != nil && a[0].Subs[0] == b[0].Subs[0] {
		t.Error("commandSpecs returned shared specs")
	}
}
