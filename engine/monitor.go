package engine

import (
	"strconv"
	"strings"
	"time"

	"github.com/volleydb/volley/engine/config"
)

// MONITOR streams every command the server executes to the clients that
// asked for it, one line each:
//
//	+1700000000.123456 [0 127.0.0.1:50000] "set" "k" "v"
//
// Output to a monitor goes into its Out. A monitor whose Out was empty is
// woken through its Link; one whose Out already held output has a flush
// pending from that first append, so a burst of commands costs one wake
// per flush, not one per command. Anyone else appending to another
// client's Out must follow the same rule (wake on empty → non-empty).

// redactedArg replaces secrets in MONITOR lines and command log entries.
const redactedArg = "(redacted)"

func cmdMonitor(c *Client) {
	// A replica or a client already monitoring is left as it is, silently.
	if c.Flags&(ClientMonitor|ClientReplica) != 0 {
		return
	}
	c.Flags |= ClientMonitor
	c.srv.monitors = append(c.srv.monitors, c)
	c.AddOK()
}

// FeedMonitors sends c's command argv to the MONITOR clients. The
// dispatcher calls it for every executed command that is neither admin
// nor skip_monitor; EXEC and the scripting commands call it themselves
// where Valkey shows a command other than at its end (EVAL before the
// script's own commands, EXEC when a transaction aborts).
func (s *Server) FeedMonitors(c *Client, cmd *Spec, argv [][]byte) {
	if len(s.monitors) == 0 {
		return
	}
	origin := c.Addr
	if c.Flags&ClientUnixSocket != 0 {
		origin = "unix:" + s.Cfg.UnixSocket
	}
	s.feedMonitors(c.DB, origin, cmd, argv)
}

// FeedMonitorsScript sends a command a script ran to the MONITOR
// clients, marked "lua" as Valkey marks them.
func (s *Server) FeedMonitorsScript(db int, cmd *Spec, argv [][]byte) {
	if len(s.monitors) > 0 {
		s.feedMonitors(db, "lua", cmd, argv)
	}
}

func (s *Server) feedMonitors(db int, origin string, cmd *Spec, argv [][]byte) {
	if !s.pruneMonitors() {
		return
	}
	now := time.Now()
	line := make([]byte, 0, 64+len(origin)+16*len(argv))
	line = append(line, '+')
	line = strconv.AppendInt(line, now.Unix(), 10)
	line = append(line, '.')
	line = appendPadded(line, int64(now.Nanosecond()/1000), 6)
	line = append(line, " ["...)
	line = strconv.AppendInt(line, int64(db), 10)
	line = append(line, ' ')
	line = append(line, origin...)
	line = append(line, "] "...)
	red := redactions(cmd, argv)
	for j, a := range argv {
		if j > 0 {
			line = append(line, ' ')
		}
		if red.has(j) {
			a = []byte(redactedArg)
		}
		line = appendRepr(line, a)
	}
	line = append(line, '\r', '\n')
	for _, m := range s.monitors {
		wake := m.Out.Empty()
		m.AddRaw(line)
		if wake && m.link != nil && m != s.current {
			m.link.Wake()
		}
	}
}

// pruneMonitors drops the monitors that disconnected or left monitor
// mode (RESET) and reports whether any remain.
func (s *Server) pruneMonitors() bool {
	kept := s.monitors[:0]
	for _, m := range s.monitors {
		if m.Flags&ClientMonitor != 0 && s.clients[m.ID] == m {
			kept = append(kept, m)
		}
	}
	clear(s.monitors[len(kept):])
	s.monitors = kept
	return len(kept) > 0
}

// appendPadded appends n >= 0 zero-padded to width digits.
func appendPadded(dst []byte, n int64, width int) []byte {
	var tmp [20]byte
	d := strconv.AppendInt(tmp[:0], n, 10)
	for i := len(d); i < width; i++ {
		dst = append(dst, '0')
	}
	return append(dst, d...)
}

// appendRepr appends b quoted the way Valkey's sdscatrepr quotes it:
// printable ASCII as is, backslash and double quote escaped, the common
// control characters by name and every other byte as \xhh.
func appendRepr(dst, b []byte) []byte {
	dst = append(dst, '"')
	for _, ch := range b {
		switch {
		case ch == '\\' || ch == '"':
			dst = append(dst, '\\', ch)
		case ch >= ' ' && ch <= '~':
			dst = append(dst, ch)
		case ch == '\n':
			dst = append(dst, '\\', 'n')
		case ch == '\r':
			dst = append(dst, '\\', 'r')
		case ch == '\t':
			dst = append(dst, '\\', 't')
		case ch == '\a':
			dst = append(dst, '\\', 'a')
		case ch == '\b':
			dst = append(dst, '\\', 'b')
		default:
			const hexDigits = "0123456789abcdef"
			dst = append(dst, '\\', 'x', hexDigits[ch>>4], hexDigits[ch&15])
		}
	}
	return append(dst, '"')
}

// redactSet is a set of argument positions to hide; nil hides none.
type redactSet []uint64

func (r redactSet) has(i int) bool {
	w := i / 64
	return w < len(r) && r[w]&(1<<(i%64)) != 0
}

func (r *redactSet) add(i int) {
	for len(*r) <= i/64 {
		*r = append(*r, 0)
	}
	(*r)[i/64] |= 1 << (i % 64)
}

// redactions returns the arguments of a command that MONITOR and the
// command log must not show: passwords and secret configuration values,
// exactly those Valkey hides. It is computed only when a line or an
// entry is being written, so the dispatcher pays nothing for it.
// Commands that take secrets add their rule here.
func redactions(cmd *Spec, argv [][]byte) redactSet {
	if cmd == nil {
		return nil
	}
	var r redactSet
	switch cmd.FullName {
	case "auth":
		// AUTH [user] pass; a malformed AUTH is refused before it is redacted.
		if len(argv) <= 3 {
			for j := 1; j < len(argv); j++ {
				r.add(j)
			}
		}
	case "hello":
		redactHello(&r, argv)
	case "migrate":
		migrateRedactions(&r, argv)
	case "acl|setuser", "acl|deluser", "acl|getuser":
		// The user names and rules, whether the command succeeds or not.
		for j := 2; j < len(argv); j++ {
			r.add(j)
		}
	case "config|set":
		// Every secret value is hidden, even when the command fails.
		if len(argv)%2 == 0 {
			for j := 2; j+1 < len(argv); j += 2 {
				if d := config.Lookup(string(argv[j])); d != nil && d.Flags&config.Sensitive != 0 {
					r.add(j + 1)
				}
			}
		}
	}
	return r
}

// redactHello follows HELLO's parsing up to the first error, hiding the
// user and password of each AUTH option it gets through.
func redactHello(r *redactSet, argv [][]byte) {
	next := 1
	if len(argv) >= 2 {
		v, ok := parseInt(argv[1])
		if !ok || v < 2 || v > 3 {
			return
		}
		next = 2
	}
	for j := next; j < len(argv); j++ {
		more := len(argv) - 1 - j
		switch opt := string(argv[j]); {
		case strings.EqualFold(opt, "auth") && more >= 2:
			r.add(j + 1)
			r.add(j + 2)
			j += 2
		case strings.EqualFold(opt, "setname") && more >= 1:
			if !validClientAttr(argv[j+1]) {
				return
			}
			j++
		default:
			return
		}
	}
}
