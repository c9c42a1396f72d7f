package engine

import (
	"math"
	"strconv"
	"strings"

	"github.com/valyala/bytebufferpool"
)

// clientHandlers are CLIENT's subcommands.
var clientHandlers = map[string]Handler{
	"client|caching":       cmdClientCaching,
	"client|capa":          cmdClientCapa,
	"client|getname":       cmdClientGetName,
	"client|getredir":      cmdClientGetRedir,
	"client|help":          cmdClientHelp,
	"client|id":            cmdClientID,
	"client|import-source": cmdClientImportSource,
	"client|info":          cmdClientInfo,
	"client|kill":          cmdClientKill,
	"client|list":          cmdClientList,
	"client|no-evict":      cmdClientNoEvict,
	"client|no-touch":      cmdClientNoTouch,
	"client|pause":         cmdClientPause,
	"client|reply":         cmdClientReply,
	"client|setinfo":       cmdClientSetInfo,
	"client|setname":       cmdClientSetName,
	"client|tracking":      cmdClientTracking,
	"client|trackinginfo":  cmdClientTrackingInfo,
	"client|unblock":       cmdClientUnblock,
	"client|unpause":       cmdClientUnpause,
}

func argIs(b []byte, s string) bool { return strings.EqualFold(string(b), s) }

func cmdClientID(c *Client) { c.AddInt(c.ID) }

func cmdClientInfo(c *Client) {
	s := c.srv
	buf := bytebufferpool.Get()
	buf.B = s.appendClientInfo(buf.B, c, s.Clock.NowMs())
	buf.B = append(buf.B, '\n')
	c.AddVerbatim(buf.B)
	bytebufferpool.Put(buf)
}

func cmdClientList(c *Client) {
	s := c.srv
	var f *clientFilter
	switch {
	case len(c.Argv) > 3:
		f = newClientFilter()
		f.skipme = false // LIST lists the caller unless told otherwise
		if !s.parseClientFilter(c, 2, f) {
			return
		}
	case len(c.Argv) != 2:
		c.AddError(ErrSyntax)
		return
	}
	now := s.Clock.NowMs()
	buf := bytebufferpool.Get()
	for _, cl := range s.Clients() {
		if cl.killed || f != nil && !s.clientMatches(cl, f, now) {
			continue
		}
		buf.B = s.appendClientInfo(buf.B, cl, now)
		buf.B = append(buf.B, '\n')
	}
	c.AddVerbatim(buf.B)
	bytebufferpool.Put(buf)
}

func cmdClientKill(c *Client) {
	s := c.srv
	f := newClientFilter()
	oldForm := len(c.Argv) == 3
	if oldForm {
		// CLIENT KILL ip:port may kill the caller itself.
		f.addr = optStr{string(c.Argv[2]), true}
		f.skipme = false
	} else if !s.parseClientFilter(c, 2, f) {
		return
	}
	now := s.Clock.NowMs()
	killed, self := 0, false
	for _, cl := range s.Clients() {
		if cl.killed || !s.clientMatches(cl, f, now) {
			continue
		}
		if cl == c {
			self = true
		} else {
			s.killClient(cl)
		}
		killed++
	}
	if oldForm {
		if killed == 0 {
			c.AddError("ERR No such client")
		} else {
			c.AddOK()
		}
	} else {
		c.AddInt(int64(killed))
	}
	// Only now, with the reply queued, may the caller be marked to close.
	if self {
		c.Flags |= ClientCloseAfterReply
	}
}

// killClient closes another client's connection at once, dropping its
// pending output, as CLIENT KILL does. Valkey frees the client on the
// spot; here the I/O layer frees it when the connection is gone, and
// until then CLIENT LIST, KILL and TRACKING REDIRECT treat it as gone.
func (s *Server) killClient(cl *Client) {
	cl.killed = true
	cl.Flags |= ClientCloseASAP
	if cl.link == nil {
		s.FreeClient(cl) // no connection whose closing would free it
		return
	}
	cl.link.Close(true)
}

// validClientAttr reports whether v may be shown in CLIENT LIST: the
// list must stay splittable on spaces. As in Valkey, which checks a C
// string, the check ends at the first NUL byte.
func validClientAttr(v []byte) bool {
	for _, ch := range v {
		if ch == 0 {
			break
		}
		if ch < '!' || ch > '~' {
			return false
		}
	}
	return true
}

func cmdClientSetName(c *Client) {
	name := c.Argv[2]
	if !validClientAttr(name) {
		c.AddError("ERR Client names cannot contain spaces, newlines or special characters.")
		return
	}
	c.Name = string(name) // an empty name removes the name
	c.AddOK()
}

func cmdClientGetName(c *Client) {
	if c.Name == "" {
		c.AddNull()
		return
	}
	c.AddBulkString(c.Name)
}

func cmdClientSetInfo(c *Client) {
	attr, val := c.Argv[2], c.Argv[3]
	var dst *string
	switch {
	case argIs(attr, "lib-name"):
		dst = &c.LibName
	case argIs(attr, "lib-ver"):
		dst = &c.LibVer
	default:
		c.AddError("ERR Unrecognized option '" + string(attr) + "'")
		return
	}
	if !validClientAttr(val) {
		c.AddError("ERR " + string(attr) + " cannot contain spaces, newlines or special characters.")
		return
	}
	*dst = string(val)
	c.AddOK()
}

// setClientFlag is the body of the ON|OFF subcommands.
func setClientFlag(c *Client, f ClientFlags) {
	switch arg := c.Argv[2]; {
	case argIs(arg, "on"):
		c.Flags |= f
	case argIs(arg, "off"):
		c.Flags &^= f
	default:
		c.AddError(ErrSyntax)
		return
	}
	c.AddOK()
}

// cmdClientNoEvict sets the e flag. Client eviction (maxmemory-clients)
// is expected to skip such clients.
func cmdClientNoEvict(c *Client) { setClientFlag(c, ClientNoEvict) }

// cmdClientNoTouch sets the T flag: the keyspace must not update the
// LRU/LFU data of keys this client reads (except through TOUCH).
func cmdClientNoTouch(c *Client) { setClientFlag(c, ClientNoTouch) }

func cmdClientImportSource(c *Client) {
	arg := c.Argv[2]
	if !c.srv.importMode() && !argIs(arg, "off") {
		c.AddError("ERR Server is not in import mode")
		return
	}
	setClientFlag(c, ClientImportSource)
}

func cmdClientCapa(c *Client) {
	for _, a := range c.Argv[2:] {
		if argIs(a, "redirect") {
			c.Capa |= CapaRedirect
		}
	}
	c.AddOK() // unknown capabilities are ignored, for forward compatibility
}

func cmdClientReply(c *Client) {
	switch arg := c.Argv[2]; {
	case argIs(arg, "on"):
		c.Replying = ReplyOn
		c.AddOK()
	case argIs(arg, "off"):
		c.Replying = ReplyOff
	case argIs(arg, "skip"):
		if c.Replying != ReplyOff {
			c.Replying = ReplySkipNext
		}
	default:
		c.AddError(ErrSyntax)
	}
}

func cmdClientPause(c *Client) {
	s := c.srv
	all := true
	if len(c.Argv) == 4 {
		switch mode := c.Argv[3]; {
		case argIs(mode, "write"):
			all = false
		case argIs(mode, "all"):
		default:
			c.AddError("ERR CLIENT PAUSE mode must be WRITE or ALL")
			return
		}
	}
	ms, ok := parseInt(c.Argv[2])
	if !ok {
		c.AddError("ERR timeout is not an integer or out of range")
		return
	}
	if ms < 0 {
		c.AddError("ERR timeout is negative")
		return
	}
	// A zero timeout means no new end time: the pause ends at once, or
	// when a pause already in force ends.
	end := int64(0)
	if ms > 0 {
		now := s.Clock.NowMs()
		if ms > math.MaxInt64-now {
			c.AddError("ERR timeout is out of range")
			return
		}
		end = now + ms
	}
	s.pauseClientsByClient(end, all)
	c.AddOK()
}

func cmdClientUnpause(c *Client) {
	c.srv.UnpauseActions(PauseByClient)
	c.AddOK()
}

// cmdClientUnblock replies 1 when it wakes a client blocked in a command
// that has a timeout, else 0. Clients postponed by CLIENT PAUSE are never
// woken this way.
func cmdClientUnblock(c *Client) {
	withError := false
	if len(c.Argv) == 4 {
		switch reason := c.Argv[3]; {
		case argIs(reason, "timeout"):
		case argIs(reason, "error"):
			withError = true
		default:
			c.AddError("ERR CLIENT UNBLOCK reason should be TIMEOUT or ERROR")
			return
		}
	}
	id, ok := parseInt(c.Argv[2])
	if !ok {
		c.AddError(ErrNotInteger)
		return
	}
	if c.srv.unblockClientByID(id, withError) {
		c.AddInt(1)
		return
	}
	c.AddInt(0)
}

// clientHelp lists CLIENT's subcommands for CLIENT HELP, in Valkey's order.
var clientHelp = []string{
	"CACHING (YES|NO)",
	"    With OPTIN or OPTOUT tracking, choose whether the next command's keys are tracked.",
	"CAPA <option> [options...]",
	"    Declare capabilities the client supports. Options are:",
	"    * REDIRECT",
	"      The client follows redirections to the primary in standalone mode.",
	"GETREDIR",
	"    Return the ID of the client receiving this connection's invalidations, or -1.",
	"GETNAME",
	"    Return the connection's name.",
	"ID",
	"    Return the connection's ID.",
	"INFO",
	"    Describe this connection.",
	"KILL <ip:port>",
	"    Close the connection from <ip:port>.",
	"KILL <option> <value> [<option> <value> [...]]",
	"    Close every connection that matches all the options. Options are:",
	"    * ADDR (<ip:port>|<unixsocket>:0)",
	"      Connections from this address.",
	"    * LADDR (<ip:port>|<unixsocket>:0)",
	"      Connections to this local address.",
	"    * TYPE (NORMAL|PRIMARY|REPLICA|PUBSUB)",
	"      Connections of this type.",
	"    * USER <username>",
	"      Connections authenticated as <username>.",
	"    * SKIPME (YES|NO)",
	"      Whether to spare the calling connection (default: yes).",
	"    * ID <client-id> [<client-id>...]",
	"      Connections with these IDs.",
	"    * MAXAGE <maxage>",
	"      Connections at least <maxage> seconds old.",
	"    * FLAGS <flags>",
	"      Connections having all these flags.",
	"    * NAME <client-name>",
	"      Connections with this name.",
	"    * IDLE <idle>",
	"      Connections idle for at least <idle> seconds.",
	"    * LIB-NAME <library-name>",
	"      Connections whose library has this name.",
	"    * LIB-VER <library-version>",
	"      Connections whose library has this version.",
	"    * DB <db-id>",
	"      Connections using this database.",
	"    * CAPA <capa>",
	"      Connections that declared this capability.",
	"    * IP <ip>",
	"      Connections from this IP address.",
	"LIST [options ...]",
	"    Describe client connections, those matching all the options if any. Options:",
	"    * TYPE (NORMAL|PRIMARY|REPLICA|PUBSUB)",
	"      Connections of this type.",
	"    * USER <username>",
	"      Connections authenticated as <username>.",
	"    * ADDR <ip:port>",
	"      Connections from this address.",
	"    * LADDR <ip:port>",
	"      Connections to this local address.",
	"    * ID <client-id> [<client-id>...]",
	"      Connections with these IDs.",
	"    * SKIPME (YES|NO)",
	"      Whether to leave out the calling connection (default: no).",
	"    * MAXAGE <maxage>",
	"      Connections at least <maxage> seconds old.",
	"    * FLAGS <flags>",
	"      Connections having all these flags.",
	"    * NAME <client-name>",
	"      Connections with this name.",
	"    * IDLE <idle>",
	"      Connections idle for at least <idle> seconds.",
	"    * LIB-NAME <lib-name>",
	"      Connections whose library has this name.",
	"    * LIB-VER <lib-version>",
	"      Connections whose library has this version.",
	"    * DB <db-id>",
	"      Connections using this database.",
	"    * CAPA <capa>",
	"      Connections that declared this capability.",
	"    * IP <ip>",
	"      Connections from this IP address.",
	"UNPAUSE",
	"    End a client pause now.",
	"PAUSE <timeout> [WRITE|ALL]",
	"    Hold back the commands of all clients, or only their writes, for <timeout> milliseconds.",
	"REPLY (ON|OFF|SKIP)",
	"    Turn replies to this connection on or off, or skip the next one.",
	"SETNAME <name>",
	"    Name this connection <name>.",
	"SETINFO <option> <value>",
	"    Record facts about the client. Options are:",
	"    * LIB-NAME: the client library's name.",
	"    * LIB-VER: the client library's version.",
	"UNBLOCK <clientid> [TIMEOUT|ERROR]",
	"    Wake a client waiting in a blocking command.",
	"TRACKING (ON|OFF) [REDIRECT <id>] [BCAST] [PREFIX <prefix> [...]]",
	"         [OPTIN] [OPTOUT] [NOLOOP]",
	"    Turn server-assisted client-side caching on or off.",
	"TRACKINGINFO",
	"    Describe this connection's client-side caching state.",
	"NO-EVICT (ON|OFF)",
	"    Exempt this connection from client eviction, or stop exempting it.",
	"NO-TOUCH (ON|OFF)",
	"    While on, this connection's reads leave the keys' LRU/LFU data alone.",
	"IMPORT-SOURCE (ON|OFF)",
	"    While import-mode is on, mark this connection as an import source.",
	"    Sync tools do this so that they can still read keys that have expired",
	"    but are not deleted yet.",
}

func cmdClientHelp(c *Client) { c.AddHelp("CLIENT", clientHelp) }

// optStr is a string filter that may be absent; an empty string present
// still filters (it matches only empty values).
type optStr struct {
	v   string
	set bool
}

// clientFilter is CLIENT LIST's and CLIENT KILL's filter: a client
// matches when it passes every positive filter set and no negative one.
type clientFilter struct {
	ids, notIDs         map[int64]struct{} // nil: no filter
	typ, notType        ClientType         // -1: no filter
	addr, notAddr       optStr
	laddr, notLaddr     optStr
	user, notUser       optStr
	skipme              bool
	maxAge, idle        int64 // seconds; 0: no filter
	flags, notFlags     optStr
	name, notName       optStr
	libName, notLibName optStr
	libVer, notLibVer   optStr
	db, notDB           int // -1: no filter
	capa, notCapa       optStr
	ip, notIP           optStr
}

func newClientFilter() *clientFilter {
	return &clientFilter{typ: -1, notType: -1, db: -1, notDB: -1, skipme: true}
}

// clientFilterUserExists reports whether a USER filter names a user.
func (s *Server) clientFilterUserExists(name string) bool { return s.acl.users[name] != nil }

// parseClientFilter parses filter options from c.Argv[i:] into f,
// replying with the error and returning false on a bad one. Options
// given twice keep the last value, except ID and NOT-ID, which add up.
// f.skipme must hold the caller's default (yes for KILL, no for LIST).
func (s *Server) parseClientFilter(c *Client, i int, f *clientFilter) bool {
	argv := c.Argv
	for i < len(argv) {
		opt := argv[i]
		more := i+1 < len(argv)
		var val []byte
		if more {
			val = argv[i+1]
		}
		switch {
		case argIs(opt, "id"), argIs(opt, "not-id"):
			set := &f.ids
			if argIs(opt, "not-id") {
				set = &f.notIDs
			}
			if *set == nil {
				*set = make(map[int64]struct{})
			}
			// Every following argument that parses as an integer is an ID.
			for i++; i < len(argv); i++ {
				id, ok := parseInt(argv[i])
				if !ok {
					break
				}
				if id < 1 {
					c.AddError("ERR client-id should be greater than 0")
					return false
				}
				(*set)[id] = struct{}{}
			}
			continue
		case !more:
			c.AddError(ErrSyntax)
			return false
		case argIs(opt, "maxage"), argIs(opt, "idle"):
			what := "maxage"
			if argIs(opt, "idle") {
				what = "idle"
			}
			n, ok := parseInt(val)
			if !ok {
				c.AddError("ERR " + what + " is not an integer or out of range")
				return false
			}
			if n <= 0 {
				c.AddError("ERR " + what + " should be greater than 0")
				return false
			}
			if what == "maxage" {
				f.maxAge = n
			} else {
				f.idle = n
			}
		case argIs(opt, "type"), argIs(opt, "not-type"):
			t, ok := clientTypeByName(val)
			if !ok {
				c.AddError("ERR Unknown client type '" + string(val) + "'")
				return false
			}
			if argIs(opt, "type") {
				f.typ = t
			} else {
				f.notType = t
			}
		case argIs(opt, "addr"):
			f.addr = optStr{string(val), true}
		case argIs(opt, "not-addr"):
			f.notAddr = optStr{string(val), true}
		case argIs(opt, "laddr"):
			f.laddr = optStr{string(val), true}
		case argIs(opt, "not-laddr"):
			f.notLaddr = optStr{string(val), true}
		case argIs(opt, "user"), argIs(opt, "not-user"):
			if !s.clientFilterUserExists(string(val)) {
				c.AddError("ERR No such user '" + string(val) + "'")
				return false
			}
			if argIs(opt, "user") {
				f.user = optStr{string(val), true}
			} else {
				f.notUser = optStr{string(val), true}
			}
		case argIs(opt, "skipme"):
			switch {
			case argIs(val, "yes"):
				f.skipme = true
			case argIs(val, "no"):
				f.skipme = false
			default:
				c.AddError(ErrSyntax)
				return false
			}
		case argIs(opt, "flags"), argIs(opt, "not-flags"):
			if !letterFilter(c, opt, val, "flags", validFlagLetters, &f.flags, &f.notFlags) {
				return false
			}
		case argIs(opt, "name"):
			f.name = optStr{string(val), true}
		case argIs(opt, "not-name"):
			f.notName = optStr{string(val), true}
		case argIs(opt, "lib-name"):
			f.libName = optStr{string(val), true}
		case argIs(opt, "not-lib-name"):
			f.notLibName = optStr{string(val), true}
		case argIs(opt, "lib-ver"):
			f.libVer = optStr{string(val), true}
		case argIs(opt, "not-lib-ver"):
			f.notLibVer = optStr{string(val), true}
		case argIs(opt, "db"), argIs(opt, "not-db"):
			what := "DB"
			if argIs(opt, "not-db") {
				what = "NOT-DB"
			}
			n, ok := parseInt(val)
			if !ok || n < math.MinInt32 || n > math.MaxInt32 {
				c.AddError("ERR " + what + " is not an integer or out of range")
				return false
			}
			dbs := int64(len(s.dbs))
			if n < 0 || n >= dbs {
				c.AddError("ERR " + what + " number should be between 0 and " + strconv.FormatInt(dbs-1, 10))
				return false
			}
			if what == "DB" {
				f.db = int(n)
			} else {
				f.notDB = int(n)
			}
		case argIs(opt, "capa"), argIs(opt, "not-capa"):
			if !letterFilter(c, opt, val, "capa", "r", &f.capa, &f.notCapa) {
				return false
			}
		case argIs(opt, "ip"):
			f.ip = optStr{string(val), true}
		case argIs(opt, "not-ip"):
			f.notIP = optStr{string(val), true}
		default:
			c.AddError(ErrSyntax)
			return false
		}
		i += 2
	}
	return true
}

// clientMatches reports whether cl passes filter f at now (unix ms).
func (s *Server) clientMatches(cl *Client, f *clientFilter, now int64) bool {
	if f.addr.set && cl.Addr != f.addr.v ||
		f.laddr.set && cl.LAddr != f.laddr.v ||
		f.typ >= 0 && clientType(cl) != f.typ ||
		f.ids != nil && !hasID(f.ids, cl.ID) ||
		f.user.set && cl.User.Name != f.user.v ||
		f.skipme && cl == s.current ||
		f.maxAge != 0 && now/1000-cl.Created/1000 < f.maxAge ||
		f.idle != 0 && now/1000-cl.LastInteraction/1000 < f.idle ||
		f.flags.set && !clientHasFlags(cl, f.flags.v) ||
		f.name.set && (cl.Name == "" || cl.Name != f.name.v) ||
		f.libName.set && (cl.LibName == "" || cl.LibName != f.libName.v) ||
		f.libVer.set && (cl.LibVer == "" || cl.LibVer != f.libVer.v) ||
		f.db >= 0 && cl.DB != f.db ||
		f.capa.set && !clientHasCapa(cl, f.capa.v) ||
		f.ip.set && !clientFromIP(cl, f.ip.v) {
		return false
	}
	if f.notAddr.set && cl.Addr == f.notAddr.v ||
		f.notLaddr.set && cl.LAddr == f.notLaddr.v ||
		f.notType >= 0 && clientType(cl) == f.notType ||
		f.notIDs != nil && hasID(f.notIDs, cl.ID) ||
		f.notUser.set && cl.User.Name == f.notUser.v ||
		f.notFlags.set && clientHasFlags(cl, f.notFlags.v) ||
		f.notName.set && cl.Name != "" && cl.Name == f.notName.v ||
		f.notLibName.set && cl.LibName != "" && cl.LibName == f.notLibName.v ||
		f.notLibVer.set && cl.LibVer != "" && cl.LibVer == f.notLibVer.v ||
		f.notDB >= 0 && cl.DB == f.notDB ||
		f.notCapa.set && clientHasCapa(cl, f.notCapa.v) ||
		f.notIP.set && clientFromIP(cl, f.notIP.v) {
		return false
	}
	return true
}

func hasID(ids map[int64]struct{}, id int64) bool {
	_, ok := ids[id]
	return ok
}

// clientHasFlags reports whether cl has every flag letter in letters.
func clientHasFlags(cl *Client, letters string) bool {
	for i := 0; i < len(letters); i++ {
		if !clientHasFlagLetter(cl, letters[i]) {
			return false
		}
	}
	return true
}

// clientHasCapa reports whether cl declared every capability letter in
// letters (r: redirect, the only one).
func clientHasCapa(cl *Client, letters string) bool {
	for i := 0; i < len(letters); i++ {
		if letters[i] != 'r' || cl.Capa&CapaRedirect == 0 {
			return false
		}
	}
	return true
}

// clientFromIP reports whether cl's peer address is ip (an IPv6 address
// without its brackets). Unix socket clients, whose port is 0, never match.
func clientFromIP(cl *Client, ip string) bool {
	addr := strings.TrimPrefix(cl.Addr, "[")
	if !strings.HasPrefix(addr, ip) {
		return false
	}
	addr = strings.TrimPrefix(addr[len(ip):], "]")
	return len(addr) > 0 && addr[0] == ':' && (len(addr) == 1 || addr[1] != '0')
}

// letterFilter parses a FLAGS/NOT-FLAGS or CAPA/NOT-CAPA filter value:
// every letter must be one of valid. opt is the filter's word as given,
// name its positive form ("flags", "capa"); the value lands in pos or
// neg. It replies the error and returns false for an unknown letter.
func letterFilter(c *Client, opt, val []byte, name, valid string, pos, neg *optStr) bool {
	positive := argIs(opt, name)
	for _, ch := range val {
		if strings.IndexByte(valid, ch) < 0 {
			if positive {
				c.AddError("ERR Unknown " + name + " found in the provided filter: " + string(val))
			} else {
				c.AddError("ERR Unknown " + name + " found in the NOT-" + strings.ToUpper(name) + " filter: " + string(val))
			}
			return false
		}
	}
	if positive {
		*pos = optStr{string(val), true}
	} else {
		*neg = optStr{string(val), true}
	}
	return true
}
