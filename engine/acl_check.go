package engine

import "slices"

// aclResult is the outcome of a permission check; the order matters:
// among failing selectors the highest result is reported.
type aclResult uint8

const (
	aclAllowed aclResult = iota
	aclDeniedCmd
	aclDeniedKey
	aclDeniedAuth // only in the log
	aclDeniedChannel
	aclDeniedTLSCert // only in the log: tls-auth-clients-user named no usable user
)

// ACL log contexts.
const (
	aclCtxTopLevel = iota
	aclCtxLua
	aclCtxMulti
)

// channelArgs says which arguments of a command are Pub/Sub channels the
// ACL checks: from first to the end (all) or just first, and whether they
// are patterns. Unsubscribing needs no permission.
func channelArgs(cmd *Spec) (first int, all, pattern, ok bool) {
	switch cmd.FullName {
	case "subscribe", "ssubscribe":
		return 1, true, false, true
	case "psubscribe":
		return 1, true, true, true
	case "publish", "spublish":
		return 1, false, false, true
	}
	return 0, false, false, false
}

// aclCheckUser checks whether u may run argv (a full, arity-checked
// command line for cmd). On denial idx is the argument to blame: 0 for
// the command, else the key or channel.
func (s *Server) aclCheckUser(u *User, cmd *Spec, argv [][]byte) (res aclResult, idx int) {
	res = aclDeniedCmd
	keys, keysDone := s.acl.keyBuf[:0], false
	for _, sel := range u.selectors {
		r, i := s.aclCheckSelector(sel, cmd, argv, &keys, &keysDone)
		if r == aclAllowed {
			s.acl.keyBuf = keys[:0]
			return aclAllowed, 0
		}
		if r > res || (r == res && i > idx) {
			res, idx = r, i
		}
	}
	s.acl.keyBuf = keys[:0]
	return res, idx
}

func (s *Server) aclCheckSelector(sel *aclSelector, cmd *Spec, argv [][]byte, keys *[]KeyRef, keysDone *bool) (aclResult, int) {
	if sel.flags&selAllCommands == 0 && cmd.Flags&FlagNoAuth == 0 && !sel.bit(cmd.ID) {
		args := sel.firstArgs[cmd.ID]
		pos := 1
		if cmd.Parent != nil {
			pos = 2
		}
		if len(argv) < 2 || len(args) == 0 || pos >= len(argv) {
			return aclDeniedCmd, 0
		}
		if !slices.ContainsFunc(args, func(a string) bool { return equalFoldASCII(argv[pos], a) }) {
			return aclDeniedCmd, 0
		}
	}
	if sel.flags&selAllKeys == 0 && cmd.HasKeys() {
		if !*keysDone {
			// Key finders trust the arity, which server.acl_check_cmd
			// does not check: a line of the wrong length names no keys.
			if !cmd.arityOK(len(argv)) {
				*keys = (*keys)[:0]
			} else {
				*keys, _ = cmd.GetKeys(argv, (*keys)[:0])
			}
			*keysDone = true
		}
		for _, k := range *keys {
			if !sel.keyAllowed(argv[k.Pos], k.Flags) {
				return aclDeniedKey, k.Pos
			}
		}
	}
	if sel.flags&selAllChannels == 0 {
		if first, all, pattern, ok := channelArgs(cmd); ok {
			last := first + 1
			if all {
				last = len(argv)
			}
			for i := first; i < last && i < len(argv); i++ {
				if !channelAllowed(sel.channels, argv[i], pattern) {
					return aclDeniedChannel, i
				}
			}
		}
	}
	return aclAllowed, 0
}

// keyPerm is the read/write permission a key spec's flags need.
func keyPerm(f KeyFlags) uint8 {
	var p uint8
	if f&KeyAccess != 0 {
		p |= keyPermRead
	}
	if f&(KeyInsert|KeyDelete|KeyUpdate) != 0 {
		p |= keyPermWrite
	}
	return p
}

func (sel *aclSelector) keyAllowed(key []byte, f KeyFlags) bool {
	if sel.flags&selAllKeys != 0 {
		return true
	}
	need := keyPerm(f)
	for _, p := range sel.keys {
		if p.perm&need != need {
			continue
		}
		if globMatch(bstr(p.pattern), key, false) {
			return true
		}
	}
	return false
}

// channelAllowed checks a channel against a selector's channel patterns.
// A channel named in PUBLISH or SUBSCRIBE is matched against the
// patterns; a pattern given to PSUBSCRIBE must equal one of them.
func channelAllowed(patterns []string, ch []byte, isPattern bool) bool {
	for _, p := range patterns {
		if isPattern {
			if p == string(ch) {
				return true
			}
		} else if globMatch(bstr(p), ch, false) {
			return true
		}
	}
	return false
}

// userChannelAllowed is whether any of u's selectors allows the channel.
func (u *User) channelAllowed(ch []byte, isPattern bool) bool {
	for _, sel := range u.selectors {
		if sel.flags&selAllChannels != 0 || channelAllowed(sel.channels, ch, isPattern) {
			return true
		}
	}
	return false
}

// aclContext is the ACL log context of c's current command.
func (s *Server) aclContext(c *Client) int {
	if c.Flags&ClientMulti != 0 {
		return aclCtxMulti
	}
	return aclCtxTopLevel
}

// aclRejection checks c's command against its user, logs a denial and
// returns the NOPERM error, or "" when the command may run. The
// dispatcher calls it only for users that are not unrestricted.
func (s *Server) aclRejection(c *Client, cmd *Spec, argv [][]byte, ctx int) string {
	res, idx := s.aclCheckUser(c.User, cmd, argv)
	if res == aclAllowed {
		return ""
	}
	s.addACLLogEntry(c, res, ctx, c.User.Name, aclLogObject(res, cmd, argv, idx))
	return "NOPERM " + aclErrorMessage(res, c.User, cmd, argv[idx], false)
}

// aclLogObject is what a log entry names: the command, or the key or
// channel that was denied.
func aclLogObject(res aclResult, cmd *Spec, argv [][]byte, idx int) string {
	if res == aclDeniedCmd {
		return cmd.FullName
	}
	return string(argv[idx])
}

// aclErrorMessage is the denial's text; verbose (ACL DRYRUN) names the
// key or channel.
func aclErrorMessage(res aclResult, u *User, cmd *Spec, arg []byte, verbose bool) string {
	switch res {
	case aclDeniedCmd:
		return "User " + u.Name + " has no permissions to run the '" + cmd.FullName + "' command"
	case aclDeniedKey:
		if verbose {
			return "User " + u.Name + " has no permissions to access the '" + string(arg) + "' key"
		}
		return "No permissions to access a key"
	}
	if verbose {
		return "User " + u.Name + " has no permissions to access the '" + string(arg) + "' channel"
	}
	return "No permissions to access a channel"
}

// aclExecRejection re-checks a queued command when EXEC runs it, for
// rules changed since it was queued; it returns the error, or "".
func (s *Server) aclExecRejection(c *Client, cmd *Spec, argv [][]byte) string {
	if c.User.open {
		return ""
	}
	res, idx := s.aclCheckUser(c.User, cmd, argv)
	if res == aclAllowed {
		return ""
	}
	var reason string
	switch res {
	case aclDeniedCmd:
		reason = "no permission to execute the command or subcommand"
	case aclDeniedKey:
		reason = "no permission to touch the specified keys"
	case aclDeniedChannel:
		reason = "no permission to access one of the channels used as arguments"
	default:
		reason = "no permission"
	}
	s.addACLLogEntry(c, res, aclCtxMulti, c.User.Name, aclLogObject(res, cmd, argv, idx))
	return "NOPERM ACLs rules changed between the moment the transaction was accumulated and the EXEC call. This command is no longer allowed for the following reason: " + reason
}

// aclKillPubsubClientsIfNeeded closes the clients of user old that are
// subscribed to channels the new rules no longer allow.
func (s *Server) aclKillPubsubClientsIfNeeded(nu, old *User) {
	allowed, all := upcomingChannels(nu, old)
	if all {
		return
	}
	for _, cl := range s.clients {
		if cl.User == old && !cl.killed && s.pubsubViolates(cl, allowed) {
			s.killClient(cl)
		}
	}
}

// upcomingChannels returns the channel patterns nu allows, and all true
// when nu allows everything old did (no client needs closing).
func upcomingChannels(nu, old *User) (pats []string, all bool) {
	for _, sel := range nu.selectors {
		if sel.flags&selAllChannels != 0 {
			return nil, true
		}
		pats = append(pats, sel.channels...)
	}
	for _, sel := range old.selectors {
		if sel.flags&selAllChannels != 0 {
			return pats, false
		}
		for _, ch := range sel.channels {
			if !slices.Contains(pats, ch) {
				return pats, false
			}
		}
	}
	return nil, true
}

// pubsubViolates reports whether c is subscribed to a channel or pattern
// that pats does not allow.
func (s *Server) pubsubViolates(c *Client, pats []string) bool {
	if c.pubsub == nil {
		return false
	}
	for k := range c.pubsub.kinds {
		for _, ref := range c.pubsub.kinds[k].list {
			if !channelAllowed(pats, ref.sub.raw, pubsubKind(k) == kindPattern) {
				return true
			}
		}
	}
	return false
}

// aclFullKeyAccess reports whether c's user may run its command through
// a selector that can read every key, as SORT's BY and GET patterns need
// (they name keys no key spec can find).
func (s *Server) aclFullKeyAccess(c *Client) bool {
	u := c.User
	if u.open {
		return true
	}
	keys, done := s.acl.keyBuf[:0], false
	defer func() { s.acl.keyBuf = keys[:0] }()
	for _, sel := range u.selectors {
		if r, _ := s.aclCheckSelector(sel, c.Cmd, c.Argv, &keys, &done); r != aclAllowed {
			continue
		}
		if sel.flags&selAllKeys != 0 {
			return true
		}
		for _, p := range sel.keys {
			if p.perm&keyPermRead != 0 && p.pattern == "*" {
				return true
			}
		}
	}
	return false
}
