package engine

import (
	"net"
	"strconv"
	"strings"
	"time"

	"github.com/volleydb/volley/engine/config"
	"github.com/volleydb/volley/engine/resp"
)

// DEBUG is one command with its own subcommand table: in Valkey's
// command table it is not a container (arity -2), so the dispatcher
// cannot resolve its subcommands. Each entry checks its own argument
// count; a wrong count or an unknown name gets Valkey's "unknown
// subcommand or wrong number of arguments" error.

// debugSub is one DEBUG subcommand.
type debugSub struct {
	arity int // as a spec's: the full argv length, negative for "at least"
	run   Handler
	help  []string // its lines in DEBUG HELP
}

// debugSubs are the DEBUG subcommands Volley implements, by lower-case
// name. The keyspace and persistence groups add theirs (OBJECT,
// POPULATE, RELOAD, ...) here.
var debugSubs = map[string]debugSub{
	"sleep": {3, debugSleep, []string{
		"SLEEP <seconds>",
		"    Stop the server for <seconds>. Decimals allowed.",
	}},
	"protocol": {3, debugProtocol, []string{
		"PROTOCOL <type>",
		"    Reply with a test value of the specified type. <type> can be: string,",
		"    integer, double, bignum, null, array, set, map, attrib, push, verbatim,",
		"    true, false.",
	}},
	"log": {3, debugLog, []string{
		"LOG <message>",
		"    Write <message> to the server log.",
	}},
}

// debugHelpOrder lists debugSubs in DEBUG HELP's order.
var debugHelpOrder = []string{"log", "protocol", "sleep"}

func cmdDebug(c *Client) {
	name := strings.ToLower(string(c.Argv[1]))
	if name == "help" && len(c.Argv) == 2 {
		var lines []string
		for _, n := range debugHelpOrder {
			lines = append(lines, debugSubs[n].help...)
		}
		c.AddHelp(strings.ToUpper(string(c.Argv[0])), lines)
		return
	}
	sub, ok := debugSubs[name]
	if !ok || (sub.arity > 0 && len(c.Argv) != sub.arity) || len(c.Argv) < -sub.arity {
		subcommandSyntaxError(c)
		return
	}
	sub.run(c)
}

// DEBUG SLEEP seconds: block the whole server, as Valkey does. Like
// Valkey's strtod, an unparsable number sleeps for 0 seconds.
func debugSleep(c *Client) {
	secs, _ := strconv.ParseFloat(leadingFloat(string(c.Argv[2])), 64)
	if us := int64(secs * 1e6); us > 0 {
		time.Sleep(time.Duration(us) * time.Microsecond)
	}
	c.AddOK()
}

// leadingFloat returns the longest prefix of s that strtod would read
// as a decimal number, after leading spaces ("1.5abc" → "1.5").
func leadingFloat(s string) string {
	s = strings.TrimLeft(s, " \t\n\v\f\r")
	end := 0
	if end < len(s) && (s[end] == '+' || s[end] == '-') {
		end++
	}
	digits := false
	for end < len(s) && s[end] >= '0' && s[end] <= '9' {
		end++
		digits = true
	}
	if end < len(s) && s[end] == '.' {
		end++
		for end < len(s) && s[end] >= '0' && s[end] <= '9' {
			end++
			digits = true
		}
	}
	if !digits {
		return "0"
	}
	if end < len(s) && (s[end] == 'e' || s[end] == 'E') {
		e := end + 1
		if e < len(s) && (s[e] == '+' || s[e] == '-') {
			e++
		}
		if e < len(s) && s[e] >= '0' && s[e] <= '9' {
			for e < len(s) && s[e] >= '0' && s[e] <= '9' {
				e++
			}
			end = e
		}
	}
	return s[:end]
}

// DEBUG LOG message: write message to the server log.
func debugLog(c *Client) {
	c.srv.Log.Warningf("DEBUG LOG: %s", c.Argv[2])
	c.AddOK()
}

// DEBUG PROTOCOL type: a sample reply of each RESP type, for client
// library tests.
func debugProtocol(c *Client) {
	switch name := string(c.Argv[2]); {
	case strings.EqualFold(name, "string"):
		c.AddBulkString("Hello World")
	case strings.EqualFold(name, "integer"):
		c.AddInt(12345)
	case strings.EqualFold(name, "double"):
		c.AddDouble(3.141)
	case strings.EqualFold(name, "bignum"):
		if !c.skipping() {
			c.Out.buf = resp.AppendBigNumber(c.Out.buf, []byte("1234567999999999999999999999999999999"), c.Proto)
		}
	case strings.EqualFold(name, "null"):
		c.AddNull()
	case strings.EqualFold(name, "array"):
		c.AddArrayLen(3)
		for j := int64(0); j < 3; j++ {
			c.AddInt(j)
		}
	case strings.EqualFold(name, "set"):
		c.AddSetLen(3)
		for j := int64(0); j < 3; j++ {
			c.AddInt(j)
		}
	case strings.EqualFold(name, "map"):
		c.AddMapLen(3)
		for j := int64(0); j < 3; j++ {
			c.AddInt(j)
			c.AddBool(j == 1)
		}
	case strings.EqualFold(name, "attrib"):
		if c.Proto >= resp.RESP3 && !c.skipping() {
			c.Out.buf = resp.AppendAttributeLen(c.Out.buf, 1)
			c.AddBulkString("key-popularity")
			c.AddArrayLen(2)
			c.AddBulkString("key:123")
			c.AddInt(90)
		}
		c.AddBulkString("Some real reply following the attribute")
	case strings.EqualFold(name, "push"):
		if c.Proto < resp.RESP3 {
			c.AddError("ERR RESP2 is not supported by this command")
			return
		}
		// Valkey delivers a push message raised while a command runs after
		// that command's reply.
		c.AddBulkString("Some real reply following the push reply")
		c.AddPushLen(2)
		c.AddBulkString("server-cpu-usage")
		c.AddInt(42)
	case strings.EqualFold(name, "true"):
		c.AddBool(true)
	case strings.EqualFold(name, "false"):
		c.AddBool(false)
	case strings.EqualFold(name, "verbatim"):
		c.AddVerbatim([]byte("This is a verbatim\nstring"))
	default:
		c.AddError("ERR Wrong protocol type name. Please use one of the following: " +
			"string|integer|double|bignum|null|array|set|map|attrib|push|verbatim|true|false")
	}
}

// protectedAllowed reports whether c may run cmd, a PROTECTED command,
// under enable-debug-command / enable-module-command.
func (s *Server) protectedAllowed(c *Client, cmd *Spec) bool {
	var p config.Permission
	switch cmd.Name {
	case "debug":
		p = s.Cfg.EnableDebugCommand
	case "module":
		p = s.Cfg.EnableModuleCommand
	default:
		return true
	}
	return p.Allowed(isLocalClient(c))
}

// protectedError is the rejection of a PROTECTED command.
func protectedError(cmd *Spec) string {
	name, option := "DEBUG", "enable-debug-command"
	if cmd.Name == "module" {
		name, option = "MODULE", "enable-module-command"
	}
	return "ERR " + name + " command not allowed. If the " + option + " option is set to \"local\", " +
		"you can run it from a local connection, otherwise you need to set this option in the configuration " +
		"file, and then restart the server."
}

// isLocalClient reports whether c is connected over a unix socket or
// from a loopback address (127.0.0.0/8 or ::1), as Valkey decides it.
func isLocalClient(c *Client) bool {
	if c.Flags&ClientUnixSocket != 0 {
		return true
	}
	host, _, err := net.SplitHostPort(c.Addr)
	if err != nil {
		return false
	}
	return strings.HasPrefix(host, "127.") || host == "::1"
}
