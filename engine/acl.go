package engine

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"slices"
	"sort"
	"strings"

	"github.com/volleydb/volley/engine/resp"
)

// User is an ACL user: whether it may log in, its password hashes, and
// the selectors that say what it may run. Clients point at their user,
// so a change made with ACL SETUSER applies to connections already
// authenticated as it; the struct is therefore updated in place.
type User struct {
	Name      string
	flags     userFlags
	passwords []string       // SHA-256 hex digests, in the order added
	selectors []*aclSelector // [0] is the root selector
	desc      string         // ACL LIST's rule text, "" until described
	open      bool           // root selector allows everything: the dispatcher skips the check
}

type userFlags uint8

const (
	userOn userFlags = 1 << iota
	userOff
	userNoPass
	userSkipSanitize
	userSanitize
)

// userFlagNames is the order ACL LIST and GETUSER print the flags in.
var userFlagNames = [...]struct {
	f    userFlags
	name string
}{
	{userOn, "on"},
	{userOff, "off"},
	{userNoPass, "nopass"},
	{userSkipSanitize, "skip-sanitize-payload"},
	{userSanitize, "sanitize-payload"},
}

type selectorFlags uint8

const (
	selRoot selectorFlags = 1 << iota
	selAllKeys
	selAllCommands
	selAllChannels
)

// Key pattern permissions (%R~, %W~, ~).
const (
	keyPermRead  = 1
	keyPermWrite = 2
	keyPermAll   = keyPermRead | keyPermWrite
)

type keyPattern struct {
	perm    uint8
	pattern string
}

// aclSelector is one set of permissions: a user may run a command when
// any of its selectors allows the command with all its keys and channels.
type aclSelector struct {
	flags     selectorFlags
	allowed   []uint64         // a bit per Spec.ID
	future    bool             // +@all was the base: commands added later would be allowed (describes as +@all)
	firstArgs map[int][]string // Spec.ID -> first arguments allowed of an otherwise denied command (+select|0)
	keys      []keyPattern
	channels  []string
	rules     string // the command rules in the order given, lower case ("+get -@write")
}

// aclErr is why a rule was refused; its text follows "Error in ACL
// SETUSER modifier '...': ".
type aclErr uint8

const (
	aclOK aclErr = iota
	aclErrFormat
	aclErrUnknown
	aclErrSyntax
	aclErrKeyAfterAll
	aclErrChannelAfterAll
	aclErrNoSuchPass
	aclErrBadHash
	aclErrDuplicateUser
	aclErrSubFirstArg
)

func (e aclErr) String() string {
	switch e {
	case aclErrUnknown:
		return "Unknown command or category name in ACL"
	case aclErrSyntax:
		return "Syntax error"
	case aclErrKeyAfterAll:
		return "Adding a pattern after the * pattern (or the 'allkeys' flag) is not valid and does not have any effect. Try 'resetkeys' to start with an empty list of patterns"
	case aclErrChannelAfterAll:
		return "Adding a pattern after the * pattern (or the 'allchannels' flag) is not valid and does not have any effect. Try 'resetchannels' to start with an empty list of channels"
	case aclErrNoSuchPass:
		return "The password you are trying to remove from the user does not exist"
	case aclErrBadHash:
		return "The password hash must be exactly 64 characters and contain only lowercase hexadecimal characters"
	case aclErrDuplicateUser:
		return "Duplicate user found. A user can only be defined once in config files"
	case aclErrSubFirstArg:
		return "Allowing first-arg of a subcommand is not supported"
	}
	return "Wrong format"
}

// aclState is the server's ACL subsystem: the users, the log of denials
// and its counters.
type aclState struct {
	users   map[string]*User
	def     *User // the default user; never removed, updated in place
	nwords  int   // words in a selector's command bitmap
	log     []*aclLogEntry
	logNext int64 // entry-id of the next new log entry
	keyBuf  []KeyRef

	deniedAuth, deniedCmd, deniedKey, deniedChannel, deniedTLSCert int64 // INFO stats
}

// initACL creates the default user and applies requirepass, the user
// directives and, at start-up, nothing else: LoadACLFile reads aclfile.
func (s *Server) initACL() {
	a := &s.acl
	a.nwords = (len(s.cmdByID) + 63) / 64
	a.users = make(map[string]*User)
	a.def = s.newDefaultUser()
	a.users["default"] = a.def
	if s.Cfg.RequirePass != "" {
		s.setDefaultPassword(s.Cfg.RequirePass)
	}
	s.Cfg.OnChange("requirepass", func(_, _ string) error {
		s.setDefaultPassword(s.Cfg.RequirePass)
		return nil
	})
	s.Cfg.SetUserSource(s.aclUserLines)
}

// newDefaultUser builds a user named "default" with every permission.
func (s *Server) newDefaultUser() *User {
	u := s.newUser("default")
	for _, op := range []string{"+@all", "~*", "&*", "on", "nopass"} {
		s.aclSetUser(u, op)
	}
	return u
}

// newUser returns a user that may do nothing, not yet in the user table.
func (s *Server) newUser(name string) *User {
	u := &User{Name: name, flags: userOff | userSanitize}
	u.selectors = []*aclSelector{s.newSelector(selRoot)}
	u.refresh()
	return u
}

func (s *Server) newSelector(flags selectorFlags) *aclSelector {
	if v, _ := s.Cfg.Value("acl-pubsub-default"); v == "allchannels" {
		flags |= selAllChannels
	}
	return &aclSelector{flags: flags, allowed: make([]uint64, s.acl.nwords)}
}

// setDefaultPassword makes pass the default user's only password, or
// makes it passwordless for "" (requirepass).
func (s *Server) setDefaultPassword(pass string) {
	u := s.acl.def
	s.aclSetUser(u, "resetpass")
	if pass != "" {
		s.aclSetUser(u, ">"+pass)
	} else {
		s.aclSetUser(u, "nopass")
	}
}

// refresh recomputes what is cached from the rules.
func (u *User) refresh() {
	u.desc = ""
	r := u.selectors[0]
	u.open = r.flags&(selAllCommands|selAllKeys|selAllChannels) == selAllCommands|selAllKeys|selAllChannels
}

func (u *User) clone() *User {
	c := &User{Name: u.Name, flags: u.flags}
	c.passwords = append([]string(nil), u.passwords...)
	c.selectors = make([]*aclSelector, len(u.selectors))
	for i, sel := range u.selectors {
		c.selectors[i] = sel.clone()
	}
	c.refresh()
	return c
}

// copyFrom gives u the rules of src, keeping u's name and identity.
func (u *User) copyFrom(src *User) {
	c := src.clone()
	u.flags, u.passwords, u.selectors = c.flags, c.passwords, c.selectors
	u.refresh()
}

func (sel *aclSelector) clone() *aclSelector {
	c := *sel
	c.allowed = append([]uint64(nil), sel.allowed...)
	c.keys = append([]keyPattern(nil), sel.keys...)
	c.channels = append([]string(nil), sel.channels...)
	if sel.firstArgs != nil {
		c.firstArgs = make(map[int][]string, len(sel.firstArgs))
		for id, args := range sel.firstArgs {
			c.firstArgs[id] = append([]string(nil), args...)
		}
	}
	return &c
}

func hashPassword(p string) string {
	sum := sha256.Sum256([]byte(p))
	return hex.EncodeToString(sum[:])
}

func validPasswordHash(h string) bool {
	if len(h) != 64 {
		return false
	}
	for i := 0; i < len(h); i++ {
		if c := h[i]; (c < 'a' || c > 'f') && (c < '0' || c > '9') {
			return false
		}
	}
	return true
}

// hasSpaces reports whether s has white space or NUL bytes, which user
// names and patterns may not contain.
func hasSpaces(s string) bool {
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case ' ', '\t', '\n', '\v', '\f', '\r', 0:
			return true
		}
	}
	return false
}

// aclSetUser applies one rule to u (Valkey's ACLSetUser).
func (s *Server) aclSetUser(u *User, op string) aclErr {
	defer u.refresh()
	if op == "" {
		return aclOK
	}
	switch {
	case ruleIs(op, "on"):
		u.flags = u.flags&^userOff | userOn
	case ruleIs(op, "off"):
		u.flags = u.flags&^userOn | userOff
	case ruleIs(op, "skip-sanitize-payload"):
		u.flags = u.flags&^userSanitize | userSkipSanitize
	case ruleIs(op, "sanitize-payload"):
		u.flags = u.flags&^userSkipSanitize | userSanitize
	case ruleIs(op, "nopass"):
		u.flags |= userNoPass
		u.passwords = u.passwords[:0]
	case ruleIs(op, "resetpass"):
		u.flags &^= userNoPass
		u.passwords = u.passwords[:0]
	case op[0] == '>' || op[0] == '#' || op[0] == '<' || op[0] == '!':
		h := op[1:]
		if op[0] == '>' || op[0] == '<' {
			h = hashPassword(h)
		} else if !validPasswordHash(h) {
			return aclErrBadHash
		}
		i := slices.Index(u.passwords, h)
		switch {
		case op[0] == '>' || op[0] == '#':
			if i < 0 {
				u.passwords = append(u.passwords, h)
			}
			u.flags &^= userNoPass
		case i < 0:
			return aclErrNoSuchPass
		default:
			u.passwords = slices.Delete(u.passwords, i, i+1)
		}
	case op[0] == '(' && op[len(op)-1] == ')':
		sel := s.newSelector(0)
		// Unbalanced quotes leave the selector empty, as in Valkey.
		args, _ := resp.SplitArgs([]byte(op[1 : len(op)-1]))
		for _, a := range args {
			if e := s.aclSetSelector(sel, string(a)); e != aclOK {
				return e
			}
		}
		u.selectors = append(u.selectors, sel)
	case ruleIs(op, "clearselectors"):
		u.selectors = u.selectors[:1]
	case ruleIs(op, "reset"):
		s.aclSetUser(u, "resetpass")
		s.aclSetUser(u, "resetkeys")
		s.aclSetUser(u, "resetchannels")
		if v, _ := s.Cfg.Value("acl-pubsub-default"); v == "allchannels" {
			s.aclSetUser(u, "allchannels")
		}
		s.aclSetUser(u, "off")
		s.aclSetUser(u, "sanitize-payload")
		s.aclSetUser(u, "clearselectors")
		s.aclSetUser(u, "-@all")
	default:
		return s.aclSetSelector(u.selectors[0], op)
	}
	return aclOK
}

// aclSetSelector applies a command, key or channel rule to a selector
// (Valkey's ACLSetSelector).
func (s *Server) aclSetSelector(sel *aclSelector, op string) aclErr {
	switch {
	case op == "": // only inside a selector: ACLSetUser skips empty rules
		return aclErrSyntax
	case ruleIs(op, "allkeys") || op == "~*":
		sel.flags |= selAllKeys
		sel.keys = sel.keys[:0]
	case ruleIs(op, "resetkeys"):
		sel.flags &^= selAllKeys
		sel.keys = sel.keys[:0]
	case ruleIs(op, "allchannels") || op == "&*":
		sel.flags |= selAllChannels
		sel.channels = sel.channels[:0]
	case ruleIs(op, "resetchannels"):
		sel.flags &^= selAllChannels
		sel.channels = sel.channels[:0]
	case ruleIs(op, "allcommands") || ruleIs(op, "+@all"):
		for i := range sel.allowed {
			sel.allowed[i] = ^uint64(0)
		}
		sel.future = true
		sel.flags |= selAllCommands
		sel.rules = ""
		sel.firstArgs = nil
	case ruleIs(op, "nocommands") || ruleIs(op, "-@all"):
		clear(sel.allowed)
		sel.future = false
		sel.flags &^= selAllCommands
		sel.rules = ""
		sel.firstArgs = nil
	case op[0] == '~' || op[0] == '%':
		if sel.flags&selAllKeys != 0 {
			return aclErrKeyAfterAll
		}
		perm := uint8(keyPermAll)
		off := 1
		if op[0] == '%' {
			perm = 0
			ok := true
			for ; off < len(op); off++ {
				ch := op[off]
				if (ch == 'R' || ch == 'r') && perm&keyPermRead == 0 {
					perm |= keyPermRead
				} else if (ch == 'W' || ch == 'w') && perm&keyPermWrite == 0 {
					perm |= keyPermWrite
				} else if ch == '~' {
					off++
					break
				} else {
					ok = false
					break
				}
			}
			if perm == 0 || !ok {
				return aclErrSyntax
			}
		}
		pat := op[min(off, len(op)):]
		if hasSpaces(pat) {
			return aclErrSyntax
		}
		if i := slices.IndexFunc(sel.keys, func(k keyPattern) bool { return k.pattern == pat }); i >= 0 {
			sel.keys[i].perm |= perm
		} else {
			sel.keys = append(sel.keys, keyPattern{perm, pat})
		}
		sel.flags &^= selAllKeys
	case op[0] == '&':
		if sel.flags&selAllChannels != 0 {
			return aclErrChannelAfterAll
		}
		pat := op[1:]
		if hasSpaces(pat) {
			return aclErrSyntax
		}
		if !slices.Contains(sel.channels, pat) {
			sel.channels = append(sel.channels, pat)
		}
		sel.flags &^= selAllChannels
	case op[0] == '+' && (len(op) < 2 || op[1] != '@'):
		name := op[1:]
		bar := strings.LastIndexByte(name, '|')
		if bar < 0 {
			cmd := s.aclLookupCommand(name)
			if cmd == nil {
				return aclErrUnknown
			}
			s.aclChangePerm(sel, cmd, true)
			sel.updateRules(cmd.FullName, true)
			return aclOK
		}
		cmd := s.aclLookupCommand(name[:bar])
		if cmd == nil {
			return aclErrUnknown
		}
		if cmd.Parent != nil {
			return aclErrSubFirstArg
		}
		sub := name[bar+1:]
		if sub == "" {
			return aclErrSyntax
		}
		if len(cmd.Subs) > 0 {
			subCmd := s.aclLookupCommand(name)
			if subCmd == nil {
				return aclErrUnknown
			}
			s.aclChangePerm(sel, subCmd, true)
		} else {
			sel.addFirstArg(cmd.ID, sub)
		}
		sel.updateRules(name, true)
	case op[0] == '-' && (len(op) < 2 || op[1] != '@'):
		cmd := s.aclLookupCommand(op[1:])
		if cmd == nil {
			return aclErrUnknown
		}
		s.aclChangePerm(sel, cmd, false)
		sel.updateRules(cmd.FullName, false)
	case (op[0] == '+' || op[0] == '-') && op[1] == '@':
		cat := aclCategoryByName([]byte(op[2:]))
		if cat == 0 {
			return aclErrUnknown
		}
		allow := op[0] == '+'
		sel.updateRules(op[1:], allow)
		for _, sp := range s.cmdByID {
			if sp.categories&cat != 0 {
				s.aclChangePerm(sel, sp, allow)
			}
		}
	default:
		return aclErrSyntax
	}
	return aclOK
}

// aclLookupCommand finds "cmd" or "container|sub" in any case, as ACL
// rules name them: by the commands' own names, whatever rename-command
// made of them.
func (s *Server) aclLookupCommand(name string) *Spec {
	base, sub, hasSub := strings.Cut(name, "|")
	cmd := s.origCommands[asciiLower(base)]
	if cmd == nil || !hasSub {
		return cmd
	}
	if len(cmd.Subs) == 0 || strings.IndexByte(sub, '|') >= 0 {
		return nil
	}
	return cmd.subIndex[asciiLower(sub)]
}

// aclChangePerm allows or denies a command, and a container's
// subcommands with it.
func (s *Server) aclChangePerm(sel *aclSelector, cmd *Spec, allow bool) {
	sel.setBit(cmd.ID, allow)
	delete(sel.firstArgs, cmd.ID)
	for _, sub := range cmd.Subs {
		sel.setBit(sub.ID, allow)
	}
}

func (sel *aclSelector) setBit(id int, allow bool) {
	if allow {
		sel.allowed[id/64] |= 1 << (id % 64)
	} else {
		sel.allowed[id/64] &^= 1 << (id % 64)
		sel.flags &^= selAllCommands
	}
}

func (sel *aclSelector) bit(id int) bool { return sel.allowed[id/64]&(1<<(id%64)) != 0 }

// addFirstArg allows the command's first argument arg, kept in lower
// case: the check compares ignoring ASCII case, as Valkey's strcasecmp.
func (sel *aclSelector) addFirstArg(id int, arg string) {
	if sel.firstArgs == nil {
		sel.firstArgs = make(map[int][]string)
	}
	arg = asciiLower(arg)
	if slices.Contains(sel.firstArgs[id], arg) {
		return
	}
	sel.firstArgs[id] = append(sel.firstArgs[id], arg)
}

// updateRules records a command rule in the selector's ordered rule
// text, dropping earlier rules it overrides: the same name, and for a
// whole command its subcommand and first-argument rules.
func (sel *aclSelector) updateRules(rule string, allow bool) {
	rule = asciiLower(rule)
	var kept []string
	if sel.rules != "" {
		for _, r := range strings.Split(sel.rules, " ") {
			name := r[1:]
			if name == rule || (len(name) > len(rule) && name[:len(rule)] == rule && name[len(rule)] == '|') {
				continue
			}
			kept = append(kept, r)
		}
	}
	sign := "-"
	if allow {
		sign = "+"
	}
	kept = append(kept, sign+rule)
	sel.rules = strings.Join(kept, " ")
}

// describeCommands is the selector's command rules as ACL GETUSER shows
// them: +@all or -@all, then the rules in order.
func (sel *aclSelector) describeCommands() string {
	base := "-@all"
	if sel.future {
		base = "+@all"
	}
	if sel.rules == "" {
		return base
	}
	return base + " " + sel.rules
}

func (p keyPattern) String() string {
	switch p.perm {
	case keyPermRead:
		return "%R~" + p.pattern
	case keyPermWrite:
		return "%W~" + p.pattern
	}
	return "~" + p.pattern
}

// describe is the selector's rules in ACL LIST form.
func (sel *aclSelector) describe() string {
	var b strings.Builder
	if sel.flags&selAllKeys != 0 {
		b.WriteString("~* ")
	} else {
		for _, k := range sel.keys {
			b.WriteString(k.String())
			b.WriteByte(' ')
		}
	}
	if sel.flags&selAllChannels != 0 {
		b.WriteString("&* ")
	} else {
		b.WriteString("resetchannels ")
		for _, ch := range sel.channels {
			b.WriteString("&" + ch + " ")
		}
	}
	b.WriteString(sel.describeCommands())
	return b.String()
}

// describe is the user's rules in ACL LIST and ACL file form, without the
// "user <name>" prefix.
func (u *User) describe() string {
	if u.desc != "" {
		return u.desc
	}
	var b strings.Builder
	for _, f := range userFlagNames {
		if u.flags&f.f != 0 {
			b.WriteString(f.name)
			b.WriteByte(' ')
		}
	}
	for _, p := range u.passwords {
		b.WriteString("#" + p + " ")
	}
	for i, sel := range u.selectors {
		if i == 0 {
			b.WriteString(sel.describe())
		} else {
			b.WriteString(" (" + sel.describe() + ")")
		}
	}
	u.desc = b.String()
	return u.desc
}

// mergeSelectorArgs joins selector rules split over several arguments
// ("(+get", "~k)") into one. ok is false for a selector left open; bad
// is then the index of the argument that opened it.
func mergeSelectorArgs(args []string) (out []string, bad int, ok bool) {
	open := -1
	var cur string
	for j, op := range args {
		if open == -1 && len(op) > 0 && op[0] == '(' && op[len(op)-1] != ')' {
			cur, open = op, j
			continue
		}
		if open != -1 {
			cur += " " + op
			if len(op) > 0 && op[len(op)-1] == ')' {
				open = -1
				out = append(out, cur)
			}
			continue
		}
		out = append(out, op)
	}
	if open != -1 {
		return nil, open, false
	}
	return out, 0, true
}

// aclStringSetUser applies rules to the named user, creating it if
// needed, all or nothing (Valkey's ACLStringSetUser). It returns the
// error text, or "".
func (s *Server) aclStringSetUser(name string, args []string) string {
	merged, bad, ok := mergeSelectorArgs(args)
	if !ok {
		return "Unmatched parenthesis in acl selector starting at '" + args[bad] + "'."
	}
	u := s.acl.users[name]
	var tmp *User
	if u != nil {
		tmp = u.clone()
	} else {
		tmp = s.newUser(name)
	}
	for _, op := range merged {
		if e := s.aclSetUser(tmp, op); e != aclOK {
			return "Error in ACL SETUSER modifier '" + op + "': " + e.String()
		}
	}
	if u != nil {
		s.aclKillPubsubClientsIfNeeded(tmp, u)
		u.copyFrom(tmp)
	} else {
		s.acl.users[name] = tmp
	}
	return ""
}

// checkCredentials reports whether name/pass may log in.
func (s *Server) checkCredentials(name, pass []byte) bool {
	u := s.acl.users[string(name)]
	if u == nil || u.flags&userOff != 0 {
		return false
	}
	if u.flags&userNoPass != 0 {
		return true
	}
	h := hashPassword(string(pass))
	ok := false
	for _, p := range u.passwords {
		if subtle.ConstantTimeCompare([]byte(h), []byte(p)) == 1 {
			ok = true
		}
	}
	return ok
}

// authenticate logs c in as name/pass, or logs the failure in the ACL
// log and returns false.
func (s *Server) authenticate(c *Client, name, pass []byte) bool {
	if s.checkCredentials(name, pass) {
		c.User = s.acl.users[string(name)]
		c.Authenticated, c.everAuthenticated = true, true
		return true
	}
	s.addACLLogEntry(c, aclDeniedAuth, s.aclContext(c), string(name), string(c.Argv[0]))
	return false
}

// defaultAuthenticated is whether a new connection starts logged in as
// the default user; when not, a client that has not authenticated may
// run only the commands flagged no-auth (AUTH, HELLO and the like).
func (s *Server) defaultAuthenticated() bool {
	d := s.acl.def
	return d.flags&userNoPass != 0 && d.flags&userOff == 0
}

// sortedUsers returns the users ordered by name, as Valkey's radix tree
// lists them.
func (s *Server) sortedUsers() []*User {
	out := make([]*User, 0, len(s.acl.users))
	for _, u := range s.acl.users {
		out = append(out, u)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// aclUserLines gives CONFIG REWRITE the users as user directives.
func (s *Server) aclUserLines() [][]string {
	var out [][]string
	for _, u := range s.sortedUsers() {
		out = append(out, append([]string{u.Name}, strings.Split(u.describe(), " ")...))
	}
	return out
}

// asciiLower lower-cases the ASCII letters of s only, as C's tolower does
// in Valkey's rule handling (strings.ToLower also folds letters such as
// the Kelvin sign to 'k').
func asciiLower(s string) string {
	b := []byte(s)
	for i, ch := range b {
		if 'A' <= ch && ch <= 'Z' {
			b[i] = ch + 'a' - 'A'
		}
	}
	return string(b)
}

// ruleIs reports whether the rule op is the keyword name (lower case),
// ignoring ASCII case only, as Valkey's strcasecmp.
func ruleIs(op, name string) bool { return equalFoldASCII(bstr(op), name) }
