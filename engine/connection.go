package engine

import (
	"strings"

	"github.com/volleydb/volley/engine/resp"
)

// connectionHandlers are the connection group's commands; CLIENT's
// subcommands live in client_cmds.go.
var connectionHandlers = map[string]Handler{
	"ping":   cmdPing,
	"echo":   cmdEcho,
	"quit":   cmdQuit,
	"select": cmdSelect,
	"hello":  cmdHello,
	"auth":   cmdAuth,
	"reset":  cmdReset,
}

func cmdPing(c *Client) {
	if len(c.Argv) > 2 {
		c.AddError("ERR wrong number of arguments for 'ping' command")
		return
	}
	if c.Flags&ClientPubSub != 0 && c.Proto == 2 {
		c.AddRawString("*2\r\n$4\r\npong\r\n")
		if len(c.Argv) == 1 {
			c.AddBulkCopy(nil)
		} else {
			c.AddBulkCopy(c.Argv[1])
		}
		return
	}
	if len(c.Argv) == 1 {
		c.AddRawString("+PONG\r\n")
		return
	}
	c.AddBulkCopy(c.Argv[1])
}

func cmdEcho(c *Client) { c.AddBulkCopy(c.Argv[1]) }

func cmdQuit(c *Client) {
	c.AddOK()
	c.Flags |= ClientCloseAfterReply
}

func cmdSelect(c *Client) {
	id, ok := parseInt(c.Argv[1])
	if !ok || id < -1<<31 || id > 1<<31-1 {
		c.AddError(ErrNotInteger)
		return
	}
	if id < 0 || id >= int64(len(c.srv.dbs)) {
		c.AddError(ErrInvalidDB)
		return
	}
	c.DB = int(id)
	c.srv.dbs[id].selected = true
	c.AddOK()
}

func cmdAuth(c *Client) {
	if len(c.Argv) > 3 {
		c.AddError(ErrSyntax)
		return
	}
	user, pass := []byte("default"), c.Argv[1]
	if len(c.Argv) == 2 {
		if c.srv.acl.def.flags&userNoPass != 0 {
			c.AddError("ERR AUTH <password> called without any password configured for the default user. Are you sure your configuration is correct?")
			return
		}
	} else {
		user, pass = c.Argv[1], c.Argv[2]
	}
	if !c.srv.authenticate(c, user, pass) {
		c.AddError(ErrInvalidPass)
		return
	}
	c.AddOK()
}

func cmdHello(c *Client) {
	ver := int64(0)
	next := 1
	if len(c.Argv) >= 2 {
		v, ok := parseInt(c.Argv[1])
		if !ok {
			c.AddError("ERR Protocol version is not an integer or out of range")
			return
		}
		if v < 2 || v > 3 {
			c.AddError("NOPROTO unsupported protocol version")
			return
		}
		ver = v
		next = 2
	}
	var user, pass, name []byte
	hasName := false
	for j := next; j < len(c.Argv); j++ {
		more := len(c.Argv) - 1 - j
		opt := c.Argv[j]
		switch {
		case strings.EqualFold(string(opt), "auth") && more >= 2:
			user, pass = c.Argv[j+1], c.Argv[j+2]
			j += 2
		case strings.EqualFold(string(opt), "setname") && more >= 1:
			name = c.Argv[j+1]
			hasName = true
			if err := validateClientName(name); err != "" {
				c.AddError(err)
				return
			}
			j++
		default:
			c.AddError("ERR Syntax error in HELLO option '" + string(opt) + "'")
			return
		}
	}
	if user != nil {
		if !c.srv.authenticate(c, user, pass) {
			c.AddError(ErrInvalidPass)
			return
		}
	}
	if !c.Authenticated {
		c.AddError("NOAUTH HELLO must be called with the client already authenticated, otherwise the HELLO <proto> AUTH <user> <pass> option can be used to authenticate the client and select the RESP protocol version at the same time")
		return
	}
	if hasName {
		c.Name = string(name)
	}
	if ver != 0 {
		c.Proto = int(ver)
	}
	zone, _ := c.srv.Cfg.Value("availability-zone")
	if zone == "" {
		c.AddMapLen(7)
	} else {
		c.AddMapLen(8) // availability_zone is shown once one is set
	}
	server, version := ServerName, Version
	if c.srv.Cfg.ExtendedRedisCompat {
		server, version = "redis", RedisVersion // for clients that check for Redis
	}
	c.AddBulkString("server")
	c.AddBulkString(server)
	c.AddBulkString("version")
	c.AddBulkString(version)
	c.AddBulkString("proto")
	c.AddInt(int64(c.Proto))
	c.AddBulkString("id")
	c.AddInt(c.ID)
	c.AddBulkString("mode")
	if c.srv.Cfg.ClusterEnabled {
		c.AddBulkString("cluster")
	} else {
		c.AddBulkString("standalone")
	}
	c.AddBulkString("role")
	if c.srv.Cfg.ReplicaOfHost != "" {
		c.AddBulkString("replica")
	} else {
		c.AddBulkString("master")
	}
	c.AddBulkString("modules")
	c.AddArrayLen(0)
	if zone != "" {
		c.AddBulkString("availability_zone")
		c.AddBulkString(zone)
	}
}

func cmdReset(c *Client) {
	if c.Flags&(ClientReplica|ClientPrimary) != 0 && c.Flags&ClientMonitor == 0 {
		c.AddError("ERR can only reset normal client connections")
		return
	}
	c.srv.resetClient(c)
	c.AddSimple("RESET")
}

// resetClient returns c to the state of a new connection (RESET).
func (s *Server) resetClient(c *Client) {
	s.freePubSub(c)
	s.disableTracking(c)
	c.Flags &^= ClientMonitor | ClientReplica | ClientMulti | ClientDirtyCAS | ClientDirtyExec |
		ClientReadonly | ClientNoEvict | ClientNoTouch
	c.DB = 0
	c.Proto = 2
	c.Name = ""
	c.User = s.acl.def
	c.Authenticated = s.defaultAuthenticated()
	c.Replying = ReplyOn
	for _, h := range s.resetHooks {
		h(c)
	}
}

// validateClientName returns Valkey's error for a name that may not be
// used as a client name, or "".
func validateClientName(name []byte) string {
	if !validClientAttr(name) {
		return "ERR Client names cannot contain spaces, newlines or special characters."
	}
	return ""
}

// parseInt parses a decimal integer as Valkey's string2ll does: optional
// '-', no '+', no leading zeros or spaces, within int64.
func parseInt(b []byte) (int64, bool) { return resp.ParseInt(b) }
