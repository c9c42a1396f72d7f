package engine

import (
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"

	"github.com/volleydb/volley/engine/config"
)

// ValidateUserDirective checks a "user" line of the configuration file
// (its arguments after "user") as it is read, as Valkey's
// ACLAppendUserForLoading does: duplicates and malformed rules are fatal;
// unknown commands are left for LoadACL. seen collects the names. As in
// Valkey, the argument the message quotes is found by the index of the
// bad rule counted from the line's start ("user" being 0).
func ValidateUserDirective(seen map[string]bool, args []string) error {
	full := append([]string{"user"}, args...)
	bad := func(i int, e aclErr) error {
		return fmt.Errorf("Error in user declaration '%s': %s", full[min(i, len(full)-1)], e)
	}
	if len(args) < 1 {
		return bad(0, aclErrFormat)
	}
	if seen[args[0]] {
		return bad(1, aclErrDuplicateUser)
	}
	merged, open, ok := mergeSelectorArgs(args[1:])
	if !ok {
		return bad(open, aclErrFormat)
	}
	// A throwaway server knows the command table the rules name.
	s := ruleChecker()
	u := s.newUser("__fakeuser__")
	for j, op := range merged {
		if e := s.aclSetUser(u, op); e != aclOK && e != aclErrUnknown {
			return bad(j, e)
		}
	}
	seen[args[0]] = true
	return nil
}

var ruleCheckServer *Server

// ruleChecker is a server used only to apply rules to throwaway users
// while the configuration is read, before the real server exists.
func ruleChecker() *Server {
	if ruleCheckServer == nil {
		s := &Server{Cfg: config.New()}
		s.buildCommandTable()
		s.acl.nwords = (len(s.cmdByID) + 63) / 64
		ruleCheckServer = s
	}
	return ruleCheckServer
}

// LoadACL applies the user directives read from the configuration and
// then the ACL file, as Valkey does at start-up. The error is fatal.
func (s *Server) LoadACL() error {
	if s.Cfg.AclFile != "" && len(s.Cfg.Users) > 0 {
		return errors.New("Configuring Valkey with users defined in valkey.conf and at the same setting an ACL file path is invalid. This setup is very likely to lead to configuration errors and security holes, please define either an ACL file or declare users directly in your valkey.conf, but not both.")
	}
	for _, line := range s.Cfg.Users {
		if len(line) == 0 {
			continue
		}
		name := line[0]
		if hasSpaces(name) {
			return errors.New("Spaces not allowed in ACL usernames")
		}
		u := s.acl.users[name]
		if u == nil {
			u = s.newUser(name)
			s.acl.users[name] = u
		} else {
			s.aclSetUser(u, "reset")
		}
		merged, _, _ := mergeSelectorArgs(line[1:])
		for _, op := range merged {
			if e := s.aclSetUser(u, op); e != aclOK {
				return fmt.Errorf("Error loading ACL rule '%s' for the user named '%s': %s", op, name, e)
			}
		}
		if u.flags&userOff != 0 {
			s.Log.Noticef("The user '%s' is disabled (there is no 'on' modifier in the user description). Make sure this is not a configuration error.", name)
		}
	}
	if s.Cfg.AclFile != "" {
		if msg := s.aclLoadFile(s.Cfg.AclFile); msg != "" {
			return errors.New("Aborting Valkey startup because of ACL errors: " + msg)
		}
	}
	return nil
}

// aclLoadFile replaces the users with those of an ACL file, all or
// nothing; it returns the errors found, "" on success. Clients whose
// user is gone are closed; the others move to the new user of their name.
func (s *Server) aclLoadFile(path string) string {
	data, err := os.ReadFile(path)
	if err != nil {
		return "Error loading ACLs, opening file '" + path + "': " + config.Strerror(err)
	}
	users, errs := s.parseACLFile(path, string(data))
	if errs != "" {
		return errs + "WARNING: ACL errors detected, no change to the previously active ACL rules was performed"
	}
	if nd := users["default"]; nd != nil {
		s.acl.def.copyFrom(nd)
	} else {
		s.acl.def.copyFrom(s.newDefaultUser())
	}
	users["default"] = s.acl.def
	for _, cl := range s.clients {
		if cl.killed {
			continue
		}
		old := cl.User
		nu := users[old.Name]
		if nu == nil {
			cl.User = s.acl.def
			cl.Authenticated = false
			s.killClient(cl)
			continue
		}
		if nu != old {
			if pats, all := upcomingChannels(nu, old); !all && s.pubsubViolates(cl, pats) {
				s.killClient(cl)
				continue
			}
		}
		cl.User = nu
	}
	s.acl.users = users
	return ""
}

// parseACLFile reads an ACL file's users into a new table, with the
// errors of every bad line ("" if none), as Valkey's ACLLoadFromFile.
func (s *Server) parseACLFile(path, data string) (map[string]*User, string) {
	users := make(map[string]*User)
	var errs strings.Builder
	lines := strings.Split(data, "\n")
	for i, line := range lines {
		num := i + 1
		line = strings.Trim(line, " \t\r\n")
		if line == "" {
			continue
		}
		argv := strings.Split(line, " ")
		if argv[0] != "user" || len(argv) < 2 {
			fmt.Fprintf(&errs, "%s:%d should start with user keyword followed by the username. ", path, num)
			continue
		}
		name := argv[1]
		if hasSpaces(name) {
			fmt.Fprintf(&errs, "'%s:%d: username '%s' contains invalid characters. ", path, num, name)
			continue
		}
		if users[name] != nil {
			fmt.Fprintf(&errs, "WARNING: Duplicate user '%s' found on line %d. ", name, num)
			continue
		}
		u := s.newUser(name)
		users[name] = u
		merged, _, ok := mergeSelectorArgs(argv[2:])
		if !ok {
			fmt.Fprintf(&errs, "%s:%d: Unmatched parenthesis in selector definition.", path, num)
		}
		syntaxErr := false
		for _, op := range merged {
			op = strings.Trim(op, "\t\r\n")
			if e := s.aclSetUser(u, op); e != aclOK {
				if e == aclErrUnknown {
					fmt.Fprintf(&errs, "%s:%d: Error in applying operation '%s': %s. ", path, num, op, e)
				} else if !syntaxErr {
					fmt.Fprintf(&errs, "%s:%d: %s. ", path, num, e)
					syntaxErr = true
				}
			}
		}
	}
	return users, errs.String()
}

// aclFileContent is the ACL file ACL SAVE writes: one user line per user,
// by name.
func (s *Server) aclFileContent() string {
	var b strings.Builder
	for _, u := range s.sortedUsers() {
		b.WriteString("user " + u.Name + " " + u.describe() + "\n")
	}
	return b.String()
}

// aclSaveFile writes the users to path through a temporary file, synced
// and renamed over it.
func (s *Server) aclSaveFile(path string) error {
	tmp := path + ".tmp-" + strconv.Itoa(os.Getpid()) + "-" + strconv.FormatInt(s.Now(), 10)
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return err
	}
	_, err = f.WriteString(s.aclFileContent())
	return commitTemp(f, tmp, path, err)
}
