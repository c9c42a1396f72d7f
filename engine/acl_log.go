package engine

// aclLogEntry is one ACL LOG entry: a denial, or a run of similar ones
// within a minute.
type aclLogEntry struct {
	count    int64
	reason   aclResult
	context  int
	object   string
	username string
	ctime    int64  // ms of the last update
	cinfo    string // the client's CLIENT INFO line at the last update
	entryID  int64
	created  int64 // ms
}

// aclLogGroupingMs is how close in time similar denials must be to share
// an entry.
const aclLogGroupingMs = 60000

// addACLLogEntry counts a denial in INFO and records it in the ACL log,
// bumping a recent similar entry rather than adding one.
func (s *Server) addACLLogEntry(c *Client, reason aclResult, ctx int, username, object string) {
	a := &s.acl
	switch reason {
	case aclDeniedAuth:
		a.deniedAuth++
	case aclDeniedCmd:
		a.deniedCmd++
	case aclDeniedKey:
		a.deniedKey++
	case aclDeniedChannel:
		a.deniedChannel++
	case aclDeniedTLSCert:
		a.deniedTLSCert++
	}
	max := int(s.Cfg.AclLogMaxLen)
	if max == 0 {
		a.log = a.log[:0]
		return
	}
	real := c
	if s.current != nil {
		real = s.current
	}
	now := s.Now()
	cinfo := string(s.appendClientInfo(nil, real, now))
	for i := 0; i < len(a.log) && i < 10; i++ {
		e := a.log[i]
		d := e.ctime - now
		if d < 0 {
			d = -d
		}
		if e.reason == reason && e.context == ctx && d <= aclLogGroupingMs && e.object == object && e.username == username {
			copy(a.log[1:i+1], a.log[:i])
			a.log[0] = e
			e.cinfo, e.ctime = cinfo, now
			e.count++
			return
		}
	}
	e := &aclLogEntry{count: 1, reason: reason, context: ctx, object: object, username: username,
		ctime: now, cinfo: cinfo, entryID: a.logNext, created: now}
	a.logNext++
	a.log = append(a.log, nil)
	copy(a.log[1:], a.log)
	a.log[0] = e
	s.trimACLLog()
}

func (s *Server) trimACLLog() {
	if max := int(s.Cfg.AclLogMaxLen); len(s.acl.log) > max {
		clear(s.acl.log[max:])
		s.acl.log = s.acl.log[:max]
	}
}

func aclReasonName(r aclResult) string {
	switch r {
	case aclDeniedCmd:
		return "command"
	case aclDeniedKey:
		return "key"
	case aclDeniedChannel:
		return "channel"
	case aclDeniedAuth:
		return "auth"
	case aclDeniedTLSCert:
		return "tls-cert"
	}
	return "unknown"
}

func aclContextName(ctx int) string {
	switch ctx {
	case aclCtxTopLevel:
		return "toplevel"
	case aclCtxMulti:
		return "multi"
	case aclCtxLua:
		return "lua"
	}
	return "unknown"
}

// aclLogReply answers ACL LOG with the newest count entries (count at
// most the log's length).
func (s *Server) aclLogReply(c *Client, count int) {
	now := s.Now()
	c.AddArrayLen(count)
	for _, e := range s.acl.log[:count] {
		c.AddMapLen(10)
		c.AddBulkString("count")
		c.AddInt(e.count)
		c.AddBulkString("reason")
		c.AddBulkString(aclReasonName(e.reason))
		c.AddBulkString("context")
		c.AddBulkString(aclContextName(e.context))
		c.AddBulkString("object")
		c.AddBulkString(e.object)
		c.AddBulkString("username")
		c.AddBulkString(e.username)
		c.AddBulkString("age-seconds")
		c.AddDouble(float64(now-e.ctime) / 1000)
		c.AddBulkString("client-info")
		c.AddBulkString(e.cinfo)
		c.AddBulkString("entry-id")
		c.AddInt(e.entryID)
		c.AddBulkString("timestamp-created")
		c.AddInt(e.created)
		c.AddBulkString("timestamp-last-updated")
		c.AddInt(e.ctime)
	}
}
