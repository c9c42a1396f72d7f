package engine

import (
	crand "crypto/rand"
	"encoding/hex"

	"strings"
)

var aclHandlers = map[string]Handler{
	"acl|setuser": cmdACLSetUser,
	"acl|deluser": cmdACLDelUser,
	"acl|getuser": cmdACLGetUser,
	"acl|list":    cmdACLList,
	"acl|users":   cmdACLUsers,
	"acl|whoami":  cmdACLWhoami,
	"acl|load":    cmdACLLoad,
	"acl|save":    cmdACLSave,
	"acl|cat":     cmdACLCat,
	"acl|genpass": cmdACLGenpass,
	"acl|log":     cmdACLLog,
	"acl|dryrun":  cmdACLDryrun,
	"acl|help":    cmdACLHelp,
}

func cmdACLSetUser(c *Client) {
	name := string(c.Argv[2])
	if hasSpaces(name) {
		c.AddError("ERR Usernames can't contain spaces or null characters")
		return
	}
	args := make([]string, len(c.Argv)-3)
	for i, a := range c.Argv[3:] {
		args[i] = string(a)
	}
	if msg := c.srv.aclStringSetUser(name, args); msg != "" {
		c.AddError("ERR " + msg)
		return
	}
	c.AddOK()
}

func cmdACLDelUser(c *Client) {
	s := c.srv
	for _, a := range c.Argv[2:] {
		if string(a) == "default" {
			c.AddError("ERR The 'default' user cannot be removed")
			return
		}
	}
	deleted := 0
	for _, a := range c.Argv[2:] {
		u := s.acl.users[string(a)]
		if u == nil {
			continue
		}
		delete(s.acl.users, u.Name)
		s.disconnectUser(c, u)
		deleted++
	}
	c.AddInt(int64(deleted))
}

// disconnectUser logs out and closes the clients authenticated as u; the
// caller c, if among them, after its reply.
func (s *Server) disconnectUser(c *Client, u *User) {
	for _, cl := range s.clients {
		if cl.User != u || cl.killed {
			continue
		}
		cl.User = s.acl.def
		cl.Authenticated = false
		if cl == c {
			c.Flags |= ClientCloseAfterReply
		} else {
			s.killClient(cl)
		}
	}
}

func cmdACLGetUser(c *Client) {
	u := c.srv.acl.users[string(c.Argv[2])]
	if u == nil {
		c.AddNull()
		return
	}
	c.AddMapLen(6)
	c.AddBulkString("flags")
	n := 0
	for _, f := range userFlagNames {
		if u.flags&f.f != 0 {
			n++
		}
	}
	c.AddSetLen(n)
	for _, f := range userFlagNames {
		if u.flags&f.f != 0 {
			c.AddBulkString(f.name)
		}
	}
	c.AddBulkString("passwords")
	c.AddArrayLen(len(u.passwords))
	for _, p := range u.passwords {
		c.AddBulkString(p)
	}
	addSelectorDescription(c, u.selectors[0])
	c.AddBulkString("selectors")
	c.AddArrayLen(len(u.selectors) - 1)
	for _, sel := range u.selectors[1:] {
		c.AddMapLen(3)
		addSelectorDescription(c, sel)
	}
}

func addSelectorDescription(c *Client, sel *aclSelector) {
	c.AddBulkString("commands")
	c.AddBulkString(sel.describeCommands())
	c.AddBulkString("keys")
	if sel.flags&selAllKeys != 0 {
		c.AddBulkString("~*")
	} else {
		parts := make([]string, len(sel.keys))
		for i, k := range sel.keys {
			parts[i] = k.String()
		}
		c.AddBulkString(strings.Join(parts, " "))
	}
	c.AddBulkString("channels")
	if sel.flags&selAllChannels != 0 {
		c.AddBulkString("&*")
	} else {
		parts := make([]string, len(sel.channels))
		for i, ch := range sel.channels {
			parts[i] = "&" + ch
		}
		c.AddBulkString(strings.Join(parts, " "))
	}
}

func cmdACLList(c *Client) {
	users := c.srv.sortedUsers()
	c.AddArrayLen(len(users))
	for _, u := range users {
		c.AddBulkString("user " + u.Name + " " + u.describe())
	}
}

func cmdACLUsers(c *Client) {
	users := c.srv.sortedUsers()
	c.AddArrayLen(len(users))
	for _, u := range users {
		c.AddBulkString(u.Name)
	}
}

func cmdACLWhoami(c *Client) { c.AddBulkString(c.User.Name) }

const errNoACLFile = "ERR This instance is not configured to use an ACL file. You may want to specify users via the ACL SETUSER command and then issue a CONFIG REWRITE (assuming you have a configuration file set) in order to store users in the configuration."

func cmdACLLoad(c *Client) {
	s := c.srv
	if s.Cfg.AclFile == "" {
		c.AddError(errNoACLFile)
		return
	}
	if msg := s.aclLoadFile(s.Cfg.AclFile); msg != "" {
		c.AddError("ERR " + msg)
		return
	}
	c.AddOK()
}

func cmdACLSave(c *Client) {
	s := c.srv
	if s.Cfg.AclFile == "" {
		c.AddError(errNoACLFile)
		return
	}
	if err := s.aclSaveFile(s.Cfg.AclFile); err != nil {
		s.Log.Warningf("Saving the ACL file for ACL SAVE: %v", err)
		c.AddError("ERR There was an error trying to save the ACLs. Please check the server logs for more information")
		return
	}
	c.AddOK()
}

func cmdACLCat(c *Client) {
	s := c.srv
	if len(c.Argv) == 2 {
		c.AddArrayLen(len(aclNames))
		for _, n := range aclNames {
			c.AddBulkString(n.name)
		}
		return
	}
	if len(c.Argv) != 3 {
		subcommandSyntaxError(c)
		return
	}
	cat := aclCategoryByName(c.Argv[2])
	if cat == 0 {
		c.AddError("ERR Unknown category '" + truncate(c.Argv[2], 128) + "'")
		return
	}
	var names []string
	for _, sp := range s.cmdByID {
		if sp.categories&cat != 0 {
			names = append(names, sp.FullName)
		}
	}
	c.AddStringArray(names)
}

func cmdACLGenpass(c *Client) {
	if len(c.Argv) > 3 {
		subcommandSyntaxError(c)
		return
	}
	bits := int64(256)
	if len(c.Argv) == 3 {
		n, ok := parseInt(c.Argv[2])
		if !ok {
			c.AddError(ErrNotInteger)
			return
		}
		bits = n
	}
	if bits <= 0 || bits > 4096 {
		c.AddError("ERR ACL GENPASS argument must be the number of bits for the output password, a positive number up to 4096")
		return
	}
	chars := (bits + 3) / 4
	raw := make([]byte, (chars+1)/2)
	_, _ = crand.Read(raw)
	c.AddBulkString(hex.EncodeToString(raw)[:chars])
}

func cmdACLLog(c *Client) {
	s := c.srv
	if len(c.Argv) > 3 {
		subcommandSyntaxError(c)
		return
	}
	count := int64(10)
	if len(c.Argv) == 3 {
		if equalFoldASCII(c.Argv[2], "reset") {
			clear(s.acl.log)
			s.acl.log = s.acl.log[:0]
			c.AddOK()
			return
		}
		n, ok := parseInt(c.Argv[2])
		if !ok {
			c.AddError(ErrNotInteger)
			return
		}
		count = max(n, 0)
	}
	s.aclLogReply(c, int(min(count, int64(len(s.acl.log)))))
}

func cmdACLDryrun(c *Client) {
	s := c.srv
	u := s.acl.users[string(c.Argv[2])]
	if u == nil {
		c.AddError("ERR User '" + string(c.Argv[2]) + "' not found")
		return
	}
	argv := c.Argv[3:]
	cmd := s.LookupCommand(argv)
	if cmd == nil {
		c.AddError("ERR Command '" + string(argv[0]) + "' not found")
		return
	}
	if !cmd.arityOK(len(argv)) {
		c.AddError("ERR wrong number of arguments for '" + cmd.FullName + "' command")
		return
	}
	if res, idx := s.aclCheckUser(u, cmd, argv); res != aclAllowed {
		c.AddBulkString(aclErrorMessage(res, u, cmd, argv[idx], true))
		return
	}
	c.AddOK()
}

func cmdACLHelp(c *Client) {
	c.AddHelp("ACL", []string{
		"CAT [<category>]",
		"    List all commands that belong to <category>, or all command categories",
		"    when no category is specified.",
		"DELUSER <username> [<username> ...]",
		"    Delete a list of users.",
		"DRYRUN <username> <command> [<arg> ...]",
		"    Returns whether the user can execute the given command without executing the command.",
		"GETUSER <username>",
		"    Get the user's details.",
		"GENPASS [<bits>]",
		"    Generate a secure 256-bit user password. The optional `bits` argument can",
		"    be used to specify a different size.",
		"LIST",
		"    Show users details in config file format.",
		"LOAD",
		"    Reload users from the ACL file.",
		"LOG [<count> | RESET]",
		"    Show the ACL log entries.",
		"SAVE",
		"    Save the current config to the ACL file.",
		"SETUSER <username> <rule> [<rule> ...]",
		"    Create or modify a user with the specified rules.",
		"USERS",
		"    List all the registered usernames.",
		"WHOAMI",
		"    Return the current connection username.",
	})
}
