package engine

import "bytes"

// commandCmdHandlers are COMMAND and its subcommands: the command table
// described to clients, in Valkey's exact reply shapes.
var commandCmdHandlers = map[string]Handler{
	"command":                 cmdCommand,
	"command|count":           cmdCommandCount,
	"command|docs":            cmdCommandDocs,
	"command|getkeys":         cmdCommandGetKeys,
	"command|getkeysandflags": cmdCommandGetKeysAndFlags,
	"command|help":            cmdCommandHelp,
	"command|info":            cmdCommandInfo,
	"command|list":            cmdCommandList,
}

// COMMAND: every top-level command's COMMAND INFO entry.
func cmdCommand(c *Client) {
	cmds := c.Server().Commands()
	c.AddArrayLen(len(cmds))
	for _, sp := range cmds {
		addCommandInfo(c, sp)
	}
}

func cmdCommandCount(c *Client) {
	c.AddInt(int64(len(c.Server().commands)))
}

// COMMAND INFO [name ...]: all commands, or one entry per name (null for
// an unknown one). A subcommand is named "container|sub".
func cmdCommandInfo(c *Client) {
	if len(c.Argv) == 2 {
		cmdCommand(c)
		return
	}
	c.AddArrayLen(len(c.Argv) - 2)
	for _, name := range c.Argv[2:] {
		addCommandInfo(c, c.Server().commandByFullName(name))
	}
}

// COMMAND DOCS [name ...]: a map from full name to documentation, with
// unknown names left out.
func cmdCommandDocs(c *Client) {
	s := c.Server()
	if len(c.Argv) == 2 {
		cmds := s.Commands()
		c.AddMapLen(len(cmds))
		for _, sp := range cmds {
			c.AddBulkString(sp.FullName)
			addCommandDocs(c, sp)
		}
		return
	}
	n := 0
	d := c.AddDeferredLen()
	for _, name := range c.Argv[2:] {
		if sp := s.commandByFullName(name); sp != nil {
			c.AddBulkString(sp.FullName)
			addCommandDocs(c, sp)
			n++
		}
	}
	c.SetDeferredMapLen(d, n)
}

// COMMAND LIST [FILTERBY MODULE name | ACLCAT category | PATTERN pattern]:
// every command and subcommand name that passes the filter. An unknown
// category or module matches nothing rather than failing.
func cmdCommandList(c *Client) {
	argv := c.Argv
	var filter func(sp *Spec) bool
	switch {
	case len(argv) == 2:
	case len(argv) == 5 && kwEqual(argv[2], "filterby"):
		arg := argv[4]
		switch {
		case kwEqual(argv[3], "module"):
			filter = func(*Spec) bool { return false } // no modules
		case kwEqual(argv[3], "aclcat"):
			cat := aclCategoryByName(arg)
			filter = func(sp *Spec) bool { return cat != 0 && sp.categories&cat != 0 }
		case kwEqual(argv[3], "pattern"):
			filter = func(sp *Spec) bool { return globMatch(arg, []byte(sp.FullName), true) }
		default:
			c.AddError(ErrSyntax)
			return
		}
	default:
		c.AddError(ErrSyntax)
		return
	}
	n := 0
	d := c.AddDeferredLen()
	add := func(sp *Spec) {
		if filter == nil || filter(sp) {
			c.AddBulkString(sp.FullName)
			n++
		}
	}
	for _, sp := range c.Server().Commands() {
		add(sp)
		for _, sub := range sp.Subs {
			add(sub)
		}
	}
	c.SetDeferredArrayLen(d, n)
}

func cmdCommandGetKeys(c *Client)         { commandGetKeys(c, false) }
func cmdCommandGetKeysAndFlags(c *Client) { commandGetKeys(c, true) }

// commandGetKeys answers COMMAND GETKEYS[ANDFLAGS] cmd arg...: the key
// arguments of the given command line, found as ACL checks find them.
func commandGetKeys(c *Client, withFlags bool) {
	line := c.Argv[2:]
	sp := c.Server().LookupCommand(line)
	switch {
	case sp == nil:
		c.AddError("ERR Invalid command specified")
		return
	case !sp.HasKeys():
		c.AddError("ERR The command has no key arguments")
		return
	case !sp.arityOK(len(line)):
		c.AddError("ERR Invalid number of arguments specified for command")
		return
	}
	var buf [8]KeyRef
	keys, _ := sp.GetKeys(line, buf[:0])
	if len(keys) == 0 {
		if sp.Flags&FlagNoMandatoryKeys != 0 {
			c.AddArrayLen(0)
		} else {
			c.AddError("ERR Invalid arguments specified for command")
		}
		return
	}
	c.AddArrayLen(len(keys))
	for _, k := range keys {
		if withFlags {
			c.AddArrayLen(2)
			c.AddBulkCopy(line[k.Pos])
			addKeyFlags(c, k.Flags)
		} else {
			c.AddBulkCopy(line[k.Pos])
		}
	}
}

func cmdCommandHelp(c *Client) {
	c.AddHelp("COMMAND", []string{
		"(no subcommand)",
		"    Return details about all commands.",
		"COUNT",
		"    Return the total number of commands in this server.",
		"LIST",
		"    Return a list of all commands in this server.",
		"INFO [<command-name> ...]",
		"    Return details about multiple commands.",
		"    If no command names are given, documentation details for all",
		"    commands are returned.",
		"DOCS [<command-name> ...]",
		"    Return documentation details about multiple commands.",
		"    If no command names are given, documentation details for all",
		"    commands are returned.",
		"GETKEYS <full-command>",
		"    Return the keys from a full command.",
		"GETKEYSANDFLAGS <full-command>",
		"    Return the keys and the access flags from a full command.",
	})
}

// commandByFullName finds a command by "name" or "container|sub", in any
// case, as Valkey's lookupCommandBySds does: a name with a '|' must name
// an existing subcommand, and only one level of nesting exists.
func (s *Server) commandByFullName(name []byte) *Spec {
	top, sub, hasSub := bytes.Cut(name, []byte{'|'})
	sp := s.lookup(top)
	if !hasSub || sp == nil {
		return sp
	}
	if len(sp.Subs) == 0 || bytes.IndexByte(sub, '|') >= 0 {
		return nil
	}
	var buf [48]byte
	if len(sub) > len(buf) {
		return nil
	}
	for i, ch := range sub {
		if 'A' <= ch && ch <= 'Z' {
			ch += 'a' - 'A'
		}
		buf[i] = ch
	}
	return sp.subIndex[string(buf[:len(sub)])]
}

// aclCategoryByName returns the category with the given name (no '@',
// any case), or 0.
func aclCategoryByName(name []byte) ACL {
	for _, n := range aclNames {
		if kwEqual(name, n.name) {
			return n.c
		}
	}
	return 0
}

// infoHiddenFlags are the flags COMMAND INFO never shows.
const infoHiddenFlags = FlagMayReplicate | FlagSentinel | FlagOnlySentinel | FlagProtected |
	FlagModuleGetKeys | FlagModuleNoCluster | FlagModuleGetChannels | FlagTouchesArbitraryKeys

// aclReplyNames are the category names as COMMAND INFO prints them.
var aclReplyNames = func() []string {
	out := make([]string, len(aclNames))
	for i, n := range aclNames {
		out[i] = "@" + n.name
	}
	return out
}()

// addCommandInfo appends sp's COMMAND INFO entry, or a null for nil.
func addCommandInfo(c *Client, sp *Spec) {
	if sp == nil {
		c.AddNull()
		return
	}
	c.AddArrayLen(10)
	c.AddBulkString(sp.FullName)
	c.AddInt(int64(sp.Arity))

	flags := sp.Flags &^ infoHiddenFlags
	n := 0
	for _, f := range flagNames {
		if flags&f.f != 0 {
			n++
		}
	}
	c.AddSetLen(n)
	for _, f := range flagNames {
		if flags&f.f != 0 {
			c.AddSimple(f.name)
		}
	}

	first, last, step := sp.LegacyKeyRange()
	c.AddInt(int64(first))
	c.AddInt(int64(last))
	c.AddInt(int64(step))

	n = 0
	for _, a := range aclNames {
		if sp.categories&a.c != 0 {
			n++
		}
	}
	c.AddSetLen(n)
	for i, a := range aclNames {
		if sp.categories&a.c != 0 {
			c.AddSimple(aclReplyNames[i])
		}
	}

	c.AddSetLen(len(sp.Tips))
	for _, t := range sp.Tips {
		c.AddBulkString(t)
	}

	c.AddSetLen(len(sp.Keys))
	for i := range sp.Keys {
		addKeySpec(c, &sp.Keys[i])
	}

	if len(sp.Subs) == 0 {
		c.AddSetLen(0)
		return
	}
	c.AddArrayLen(len(sp.Subs))
	for _, sub := range sp.Subs {
		addCommandInfo(c, sub)
	}
}

func addKeySpec(c *Client, k *KeySpec) {
	if k.Notes != "" {
		c.AddMapLen(4)
		c.AddBulkString("notes")
		c.AddBulkString(k.Notes)
	} else {
		c.AddMapLen(3)
	}
	c.AddBulkString("flags")
	addKeyFlags(c, k.Flags)

	c.AddBulkString("begin_search")
	c.AddMapLen(2)
	c.AddBulkString("type")
	switch {
	case k.BeginIndex > 0:
		c.AddBulkString("index")
		c.AddBulkString("spec")
		c.AddMapLen(1)
		c.AddBulkString("index")
		c.AddInt(int64(k.BeginIndex))
	case k.BeginKeyword != "":
		c.AddBulkString("keyword")
		c.AddBulkString("spec")
		c.AddMapLen(2)
		c.AddBulkString("keyword")
		c.AddBulkString(k.BeginKeyword)
		c.AddBulkString("startfrom")
		c.AddInt(int64(k.KeywordFrom))
	default:
		c.AddBulkString("unknown")
		c.AddBulkString("spec")
		c.AddMapLen(0)
	}

	c.AddBulkString("find_keys")
	c.AddMapLen(2)
	c.AddBulkString("type")
	switch {
	case k.Range:
		c.AddBulkString("range")
		c.AddBulkString("spec")
		c.AddMapLen(3)
		c.AddBulkString("lastkey")
		c.AddInt(int64(k.LastKey))
		c.AddBulkString("keystep")
		c.AddInt(int64(k.Step))
		c.AddBulkString("limit")
		c.AddInt(int64(k.Limit))
	case k.KeyNum:
		c.AddBulkString("keynum")
		c.AddBulkString("spec")
		c.AddMapLen(3)
		c.AddBulkString("keynumidx")
		c.AddInt(int64(k.KeyNumIdx))
		c.AddBulkString("firstkey")
		c.AddInt(int64(k.FirstKey))
		c.AddBulkString("keystep")
		c.AddInt(int64(k.KeyStep))
	default:
		c.AddBulkString("unknown")
		c.AddBulkString("spec")
		c.AddMapLen(0)
	}
}

// addKeyFlags appends key flags as a set of status strings.
func addKeyFlags(c *Client, f KeyFlags) {
	n := 0
	for _, kf := range keyFlagNames {
		if f&kf.f != 0 {
			n++
		}
	}
	c.AddSetLen(n)
	for _, kf := range keyFlagNames {
		if f&kf.f != 0 {
			c.AddSimple(kf.name)
		}
	}
}

// addCommandDocs appends sp's COMMAND DOCS map. Volley does not publish
// argument descriptions or history yet, so "arguments" and "history" are
// left out, as Valkey leaves them out for commands that have none.
func addCommandDocs(c *Client, sp *Spec) {
	n := 1 // group
	for _, present := range [...]bool{
		sp.Summary != "", sp.Since != "", sp.Complexity != "", sp.DocFlags != "",
		sp.Deprecated != "", sp.Replaced != "", len(sp.Subs) > 0,
	} {
		if present {
			n++
		}
	}
	c.AddMapLen(n)
	if sp.Summary != "" {
		c.AddBulkString("summary")
		c.AddBulkString(sp.Summary)
	}
	if sp.Since != "" {
		c.AddBulkString("since")
		c.AddBulkString(sp.Since)
	}
	c.AddBulkString("group")
	c.AddBulkString(sp.Group.String())
	if sp.Complexity != "" {
		c.AddBulkString("complexity")
		c.AddBulkString(sp.Complexity)
	}
	if sp.DocFlags != "" {
		c.AddBulkString("doc_flags")
		c.AddSetLen(1)
		c.AddSimple(sp.DocFlags)
	}
	if sp.Deprecated != "" {
		c.AddBulkString("deprecated_since")
		c.AddBulkString(sp.Deprecated)
	}
	if sp.Replaced != "" {
		c.AddBulkString("replaced_by")
		c.AddBulkString(sp.Replaced)
	}
	if len(sp.Subs) > 0 {
		c.AddBulkString("subcommands")
		c.AddMapLen(len(sp.Subs))
		for _, sub := range sp.Subs {
			c.AddBulkString(sub.FullName)
			addCommandDocs(c, sub)
		}
	}
}
