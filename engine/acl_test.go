package engine

import (
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// aclEnv is a test server with an ACL file in a temporary directory.
func aclEnv(t *testing.T, file string) (*testEnv, string) {
	t.Helper()
	e := newTestEnv(t)
	path := filepath.Join(t.TempDir(), "users.acl")
	if err := os.WriteFile(path, []byte(file), 0o644); err != nil {
		t.Fatal(err)
	}
	e.srv.Cfg.AclFile = path
	return e, path
}

func TestACLSaveLoadRoundTrip(t *testing.T) {
	e, path := aclEnv(t, "")
	c := e.newClient()
	e.expect(c, []replyCase{
		{[]string{"acl", "setuser", "alice", "on", ">p1", "~foo*", "%R~bar*", "&chan*", "+get", "+config|get", "-@dangerous", "(+hset ~h*)"}, "+OK\r\n"},
		{[]string{"acl", "setuser", "bob", "off", "nopass", "+select|0", "(&x +publish)"}, "+OK\r\n"},
		rc("acl setuser default >secret", "+OK\r\n"),
		rc("acl save", "+OK\r\n"),
	})
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	// Valkey 9.0.4 wrote this file for the same commands.
	want := "user alice on sanitize-payload #f64551fcd6f07823cb87971cfb91446425da18286b3ab1ef935e0cbd7a69f68a ~foo* %R~bar* resetchannels &chan* -@all +get +config|get -@dangerous (~h* resetchannels -@all +hset)\n" +
		"user bob off nopass sanitize-payload resetchannels -@all +select|0 (resetchannels &x -@all +publish)\n" +
		"user default on sanitize-payload #2bb80d537b1da3e38bd30361aa855686bde0eacd7162fef6a25fe97bf527a25b ~* &* +@all\n"
	if string(data) != want {
		t.Fatalf("saved:\n%s\nwant:\n%s", data, want)
	}
	list := e.do(c, "acl", "list")

	// A fresh server loads the file back to the same users; clients of
	// a user that survives keep it, the others are closed.
	e2, path2 := aclEnv(t, string(data))
	if err := e2.srv.LoadACL(); err != nil {
		t.Fatal(err)
	}
	c2 := e2.newClient()
	if got := e2.do(c2, "auth", "default", "secret"); got != "+OK\r\n" {
		t.Fatalf("auth after load: %q", got)
	}
	if got := e2.do(c2, "acl", "list"); got != list {
		t.Fatalf("list after load:\n%q\nwant\n%q", got, list)
	}
	a := e2.newClient()
	e2.expect(a, []replyCase{rc("auth alice p1", "+OK\r\n")})
	if err := os.WriteFile(path2, []byte("user default on nopass ~* &* +@all\nuser carol on nopass\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	e2.expect(c2, []replyCase{
		rc("acl load", "+OK\r\n"),
		rc("acl users", "*2\r\n$5\r\ncarol\r\n$7\r\ndefault\r\n"),
		rc("acl whoami", bulk("default")),
	})
	if a.Flags&ClientCloseASAP == 0 {
		t.Fatal("alice's client was not closed when ACL LOAD removed her")
	}
}

func TestACLLoadErrors(t *testing.T) {
	e, path := aclEnv(t, "")
	c := e.newClient()
	cases := []struct{ file, want string }{
		{"user a on\nfoo\nuser a off\nuser b +nosuch ~* ~x bogus\nuser 'x\n",
			path + ":2 should start with user keyword followed by the username. WARNING: Duplicate user 'a' found on line 3. " +
				path + ":4: Error in applying operation '+nosuch': Unknown command or category name in ACL. " +
				path + ":4: Adding a pattern after the * pattern (or the 'allkeys' flag) is not valid and does not have any effect. Try 'resetkeys' to start with an empty list of patterns. "},
		{"user a (+get\n", path + ":1: Unmatched parenthesis in selector definition."},
	}
	for _, tc := range cases {
		if err := os.WriteFile(path, []byte(tc.file), 0o644); err != nil {
			t.Fatal(err)
		}
		want := errReply("ERR " + tc.want + "WARNING: ACL errors detected, no change to the previously active ACL rules was performed")
		if got := e.do(c, "acl", "load"); got != want {
			t.Errorf("load %q:\n got %q\nwant %q", tc.file, got, want)
		}
	}
	if got := e.do(c, "acl", "users"); got != "*1\r\n$7\r\ndefault\r\n" {
		t.Errorf("users after failed loads: %q", got)
	}
	os.Remove(path)
	want := errReply("ERR Error loading ACLs, opening file '" + path + "': No such file or directory")
	if got := e.do(c, "acl", "load"); got != want {
		t.Errorf("load of a missing file: %q", got)
	}
	e.srv.Cfg.AclFile = ""
	e.expect(c, []replyCase{
		rc("acl load", errReply(errNoACLFile)),
		rc("acl save", errReply(errNoACLFile)),
	})
}

func TestACLUserDirectives(t *testing.T) {
	seen := map[string]bool{}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"alice", "on", "+nosuch", "~a"}, ""}, // unknown commands wait for LoadACL
		{[]string{"alice", "on"}, "Error in user declaration 'alice': Duplicate user found. A user can only be defined once in config files"},
		{[]string{"bob", "on", "~*", "~x"}, "Error in user declaration 'on': Adding a pattern after the * pattern (or the 'allkeys' flag) is not valid and does not have any effect. Try 'resetkeys' to start with an empty list of patterns"},
		{[]string{"carol", "bogus"}, "Error in user declaration 'user': Syntax error"},
	} {
		err := ValidateUserDirective(seen, tc.args)
		got := ""
		if err != nil {
			got = err.Error()
		}
		if got != tc.want {
			t.Errorf("%q: %q, want %q", tc.args, got, tc.want)
		}
	}

	e := newTestEnv(t)
	e.srv.Cfg.Users = [][]string{{"default", "on", ">pw", "+@all", "~*"}, {"alice", "on", "nopass", "+get", "(+set", "~s*)"}}
	if err := e.srv.LoadACL(); err != nil {
		t.Fatal(err)
	}
	c := e.newClient()
	e.expect(c, []replyCase{
		rc("ping", errReply(ErrNoAuth)),
		rc("auth pw", "+OK\r\n"),
		rc("acl list", "*2\r\n"+
			bulk("user alice on nopass sanitize-payload resetchannels -@all +get (~s* resetchannels -@all +set)")+
			bulk("user default on sanitize-payload #30c952fab122c3f9759f02a6d95c3758b246b4fee239957b2d4fee46e26170c4 ~* resetchannels +@all")),
	})
	e.srv.Cfg.Users = [][]string{{"x", "+nosuch"}}
	if err := e.srv.LoadACL(); err == nil || err.Error() != "Error loading ACL rule '+nosuch' for the user named 'x': Unknown command or category name in ACL" {
		t.Errorf("unknown command at load: %v", err)
	}
	e.srv.Cfg.AclFile = "/nonexistent"
	if err := e.srv.LoadACL(); err == nil || !strings.Contains(err.Error(), "users defined in valkey.conf and at the same setting an ACL file") {
		t.Errorf("users and aclfile together: %v", err)
	}
}

// ACL LOG's entries, with the fields that depend on time and connection
// details checked for shape.
func TestACLLog(t *testing.T) {
	e, clk := fakeClockEnv(t)
	admin := e.newClient()
	e.do(admin, "acl", "setuser", "bob", "on", ">pw", "+get", "~k*")
	bob := e.newClient()
	e.expect(bob, []replyCase{
		rc("auth bob nope", errReply(ErrInvalidPass)),
		rc("auth bob pw", "+OK\r\n"),
		rc("get x", errReply("NOPERM No permissions to access a key")),
		rc("get x", errReply("NOPERM No permissions to access a key")),
		rc("set k v", errReply("NOPERM User bob has no permissions to run the 'set' command")),
	})
	clk.Advance(1500 * time.Millisecond)
	got := e.do(admin, "acl", "log")
	type entry struct {
		count                                      int
		reason, context, object, username, ageSecs string
		id                                         int
	}
	want := []entry{
		{1, "command", "toplevel", "set", "bob", "1.5", 2},
		{2, "key", "toplevel", "x", "bob", "1.5", 1},
		{1, "auth", "toplevel", "auth", "bob", "1.5", 0},
	}
	if !strings.HasPrefix(got, "*3\r\n") {
		t.Fatalf("acl log: %q", got)
	}
	rest := got[4:]
	for _, w := range want {
		head := "*20\r\n" + bulk("count") + ":" + strconv.Itoa(w.count) + "\r\n" +
			bulk("reason") + bulk(w.reason) + bulk("context") + bulk(w.context) +
			bulk("object") + bulk(w.object) + bulk("username") + bulk(w.username) +
			bulk("age-seconds") + bulk(w.ageSecs) + bulk("client-info")
		if !strings.HasPrefix(rest, head) {
			t.Fatalf("entry %+v:\n got %q\nwant prefix %q", w, rest, head)
		}
		rest = rest[len(head):]
		nl := strings.Index(rest, "\r\n")
		n, _ := strconv.Atoi(rest[1:nl])
		info := rest[nl+2 : nl+2+n]
		user := " user=bob " // an AUTH that failed ran as the default user
		if w.reason == "auth" {
			user = " user=default "
		}
		if !strings.Contains(info, user) || !strings.HasPrefix(info, "id="+strconv.FormatInt(bob.ID, 10)+" ") {
			t.Errorf("client-info %q", info)
		}
		rest = rest[nl+2+n+2:]
		tail := bulk("entry-id") + ":" + strconv.Itoa(w.id) + "\r\n" + bulk("timestamp-created")
		if !strings.HasPrefix(rest, tail) {
			t.Fatalf("entry %+v tail: %q", w, rest)
		}
		rest = rest[len(tail):]
		rest = rest[strings.Index(rest, "\r\n")+2:]
		rest = rest[len(bulk("timestamp-last-updated")):]
		rest = rest[strings.Index(rest, "\r\n")+2:]
	}
	e.expect(admin, []replyCase{
		rc("acl log 0", "*0\r\n"),
		rc("config set acllog-max-len 1", "+OK\r\n"),
	})
	e.do(bob, "set", "k", "v") // bumps the entry at the head: no trim yet, as in Valkey
	if got := e.do(admin, "acl", "log"); !strings.HasPrefix(got, "*3\r\n") {
		t.Errorf("log after a bump: %q", got)
	}
	e.do(bob, "get", "y") // a new entry trims the log
	if got := e.do(admin, "acl", "log"); !strings.HasPrefix(got, "*1\r\n") {
		t.Errorf("log trimmed to 1: %q", got)
	}
	e.expect(admin, []replyCase{
		rc("acl log reset", "+OK\r\n"),
		rc("acl log", "*0\r\n"),
	})
	info := e.do(admin, "info", "stats")
	for _, f := range []string{"acl_access_denied_auth:1\r\n", "acl_access_denied_cmd:2\r\n", "acl_access_denied_key:3\r\n", "acl_access_denied_channel:0\r\n"} {
		if !strings.Contains(info, f) {
			t.Errorf("INFO stats lacks %q", f)
		}
	}
}

func TestACLClientListUser(t *testing.T) {
	e := newTestEnv(t)
	admin := e.newClient()
	e.do(admin, "acl", "setuser", "bob", "on", "nopass", "+@all")
	bob := e.newClient()
	e.do(bob, "auth", "bob", "x")
	list := e.do(admin, "client", "list", "user", "bob")
	if !strings.Contains(list, "id="+strconv.FormatInt(bob.ID, 10)+" ") || !strings.Contains(list, " user=bob ") || strings.Count(list, "id=") != 1 {
		t.Errorf("client list user bob: %q", list)
	}
	e.expect(admin, []replyCase{
		rc("client kill user bob", ":1\r\n"),
		rc("client kill user nosuch", errReply("ERR No such user 'nosuch'")),
	})
}

func TestACLCat(t *testing.T) {
	e := newTestEnv(t)
	c := e.newClient()
	want := "*21\r\n"
	for _, n := range ACLCategoryNames() {
		want += bulk(n)
	}
	if got := e.do(c, "acl", "cat"); got != want {
		t.Errorf("acl cat: %q", got)
	}
	// Valkey 9.0.4's ACL CAT hyperloglog, sorted (its order is its hash
	// table's).
	got := e.do(c, "acl", "cat", "HyperLogLog")
	lines := strings.Split(strings.TrimSuffix(got, "\r\n"), "\r\n")[1:]
	var names []string
	for i := 1; i < len(lines); i += 2 {
		names = append(names, lines[i])
	}
	slices.Sort(names)
	if w := []string{"pfadd", "pfcount", "pfdebug", "pfmerge", "pfselftest"}; !slices.Equal(names, w) {
		t.Errorf("acl cat hyperloglog: %q", names)
	}
}

// checkRulesReplay applies a user's description to a fresh user and
// checks that it grants the same commands, as Valkey asserts when it
// describes a selector.
func checkRulesReplay(t *testing.T, s *Server, u *User) {
	t.Helper()
	fresh := s.newUser("replay")
	merged, _, ok := mergeSelectorArgs(strings.Split(u.describe(), " "))
	if !ok {
		t.Fatalf("description %q does not parse", u.describe())
	}
	for _, op := range merged {
		if e := s.aclSetUser(fresh, op); e != aclOK {
			return // patterns with ')' or spaces cannot round-trip, in Valkey either
		}
	}
	if len(fresh.selectors) != len(u.selectors) {
		return
	}
	for i, sel := range u.selectors {
		if !slices.Equal(sel.allowed, fresh.selectors[i].allowed) {
			t.Fatalf("selector %d of %q: replayed bitmap differs", i, u.describe())
		}
	}
	if fresh.describe() != u.describe() {
		t.Fatalf("replayed description %q, want %q", fresh.describe(), u.describe())
	}
}

func FuzzACLSetUser(f *testing.F) {
	for _, seed := range []string{
		"on >p1 ~foo* %R~bar* &chan* +get +set +config|get -@dangerous (+hset ~h*)",
		"+@all -get +get -@write allkeys allchannels",
		"-@all +acl|whoami +@slow -acl|cat +acl -acl|list +client|list +client",
		"nocommands +select|0 +select|1 +SELECT|0 +debug|object +@READ -@Hash",
		"resetkeys %W~a %R~a %RW~b ~c %R~c %WR~d",
		"reset (~a +get) (&b +publish) clearselectors",
		"#f64551fcd6f07823cb87971cfb91446425da18286b3ab1ef935e0cbd7a69f68a !f64551fcd6f07823cb87971cfb91446425da18286b3ab1ef935e0cbd7a69f68a",
		"+config|get|x %~a ( (+get ~x",
	} {
		f.Add(seed)
	}
	e := newTestEnv(f)
	s := e.srv
	f.Fuzz(func(t *testing.T, line string) {
		args := strings.Split(line, " ")
		if msg := s.aclStringSetUser("fuzz", args); msg == "" {
			checkRulesReplay(t, s, s.acl.users["fuzz"])
		}
		delete(s.acl.users, "fuzz")
	})
}

func FuzzACLFile(f *testing.F) {
	f.Add("user a on >p ~k* &c +get (+set ~s*)\nuser default on nopass ~* &* +@all\n")
	f.Add("user b off resetchannels -@all +select|0\r\n\n  user c\tx\n")
	f.Add("user d (+get\nfoo\n")
	e := newTestEnv(f)
	s := e.srv
	f.Fuzz(func(t *testing.T, data string) {
		users, errs := s.parseACLFile("f.acl", data)
		if errs != "" {
			return
		}
		// What loads, saved and loaded again, saves the same.
		var b strings.Builder
		names := make([]string, 0, len(users))
		for n := range users {
			names = append(names, n)
		}
		slices.Sort(names)
		for _, n := range names {
			b.WriteString("user " + n + " " + users[n].describe() + "\n")
		}
		again, errs := s.parseACLFile("f.acl", b.String())
		if errs != "" {
			return // a pattern with ')' or a quote does not survive, in Valkey either
		}
		for _, n := range names {
			if again[n] == nil || again[n].describe() != users[n].describe() {
				t.Fatalf("user %q: %q after reload, want %q", n, again[n].describe(), users[n].describe())
			}
		}
	})
}
