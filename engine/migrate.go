package engine

import (
	"bytes"
	"errors"
	"net"
	"strconv"
	"time"

	"github.com/cloudwego/netpoll"

	"github.com/volleydb/volley/engine/config"
	"github.com/volleydb/volley/engine/resp"
)

// MIGRATE host port key|"" db timeout [COPY] [REPLACE] [AUTH pw]
// [AUTH2 user pw] [KEYS key...]
//
// Valkey's MIGRATE is synchronous: it serializes the keys as DUMP
// payloads, sends them to the target as RESTORE commands and waits for
// the replies, the server blocked meanwhile for at most timeout
// milliseconds per step. Volley does the same while holding the engine:
// the operation is atomic for every other client, as there, and a target
// that is this very server times out as it does there.
//
// Connections to targets are kept for reuse, with the database they last
// selected, and closed after migrateSocketTTL seconds unused.
//
// They are cloudwego/netpoll connections: the DUMP payloads are linked
// into the connection's output buffer rather than copied into one
// command buffer, so moving a large key costs no second copy of it
// (BenchmarkMigrateLargeValue: 34 MB allocated per 16 MiB key, against
// 49 MB when the commands were built in one buffer for a net.Conn, at
// the same speed).

const (
	migrateCacheItems  = 64       // connections kept at most
	migrateSocketTTL   = 10       // seconds an unused connection is kept
	migrateWriteChunk  = 64 << 10 // bytes flushed at a time, each step with its own timeout
	migrateMaxReplyLen = 1024 - 1 // the longest reply line read, as Valkey's buffer
	errMigrateKeysForm = "ERR When using MIGRATE KEYS option, the key argument must be set to the empty string"
	errMigrateConnect  = "IOERR error or timeout connecting to the client"
)

// migrateConn is a cached connection to a target.
type migrateConn struct {
	conn    netpoll.Connection
	lastDB  int64 // the database last selected, -1 for none known
	lastUse int64 // unix seconds
}

// migrateState is the connection cache, by "host:port" as given.
type migrateState struct {
	conns map[string]*migrateConn
}

// migrateOptions are MIGRATE's parsed arguments.
type migrateOptions struct {
	copy, replace     bool
	user, password    []byte
	hasPassword       bool
	firstKey, numKeys int
	db                int64
	timeout           time.Duration
}

// parseMigrate parses the options from argument 6 on, then db and
// timeout, in Valkey's order (so a bad option is reported before a bad
// number).
func parseMigrate(c *Client) (o migrateOptions, ok bool) {
	argv := c.Argv
	o.firstKey, o.numKeys = 3, 1
	for j := 6; j < len(argv); j++ {
		more := len(argv) - 1 - j
		switch {
		case equalFoldASCII(argv[j], "copy"):
			o.copy = true
		case equalFoldASCII(argv[j], "replace"):
			o.replace = true
		case equalFoldASCII(argv[j], "auth"):
			if more < 1 {
				c.AddError(ErrSyntax)
				return o, false
			}
			j++
			o.password, o.hasPassword = argv[j], true
		case equalFoldASCII(argv[j], "auth2"):
			if more < 2 {
				c.AddError(ErrSyntax)
				return o, false
			}
			o.user, o.password, o.hasPassword = argv[j+1], argv[j+2], true
			j += 2
		case equalFoldASCII(argv[j], "keys"):
			if len(argv[3]) != 0 {
				c.AddError(errMigrateKeysForm)
				return o, false
			}
			o.firstKey, o.numKeys = j+1, len(argv)-j-1
			j = len(argv)
		default:
			c.AddError(ErrSyntax)
			return o, false
		}
	}
	timeout, ok1 := parseInt(argv[5])
	db, ok2 := parseInt(argv[4])
	if !ok1 || !ok2 {
		c.AddError(ErrNotInteger)
		return o, false
	}
	if timeout <= 0 {
		timeout = 1000
	}
	o.db, o.timeout = db, time.Duration(timeout)*time.Millisecond
	return o, true
}

// migrateRedactions hides MIGRATE's AUTH and AUTH2 secrets from MONITOR
// and the command log, following the parse as far as it goes: up to
// KEYS, or to the argument it refuses, as Valkey redacts while parsing.
func migrateRedactions(r *redactSet, argv [][]byte) {
	for j := 6; j < len(argv); j++ {
		more := len(argv) - 1 - j
		switch {
		case equalFoldASCII(argv[j], "copy"), equalFoldASCII(argv[j], "replace"):
		case equalFoldASCII(argv[j], "auth") && more >= 1:
			j++
			r.add(j)
		case equalFoldASCII(argv[j], "auth2") && more >= 2:
			r.add(j + 1)
			r.add(j + 2)
			j += 2
		default: // KEYS, or where the parse stops with an error
			return
		}
	}
}

func cmdMigrate(c *Client) {
	s := c.srv
	o, ok := parseMigrate(c)
	if !ok {
		return
	}
	// The keys that exist; if none does, there is nothing to do, which is
	// not an error (a key may just have expired).
	db := c.db()
	keys := make([][]byte, 0, o.numKeys)
	for _, k := range c.Argv[o.firstKey : o.firstKey+o.numKeys] {
		if _, found := db.Lookup(k); found {
			keys = append(keys, k)
		}
	}
	if len(keys) == 0 {
		c.AddRawString("+NOKEY\r\n")
		return
	}
	host, port := string(c.Argv[1]), string(c.Argv[2])
	for retry := true; ; retry = false {
		done, writing, timedOut := s.migrateOnce(c, db, host, port, keys, &o)
		if done {
			return
		}
		s.migrateClose(host, port)
		// A cached connection the target closed fails at once: reconnect
		// and try again, once, unless it was a timeout.
		if !retry || timedOut {
			what := "reading"
			if writing {
				what = "writing"
			}
			c.AddError("IOERR error or timeout " + what + " to target instance")
			return
		}
	}
}

// migrateOnce makes one attempt. done means a reply was given (success,
// the target's error, or a connection failure); otherwise the socket
// failed before anything was known to be applied, and writing/timedOut
// say how.
func (s *Server) migrateOnce(c *Client, db *DB, host, port string, keys [][]byte, o *migrateOptions) (done, writing, timedOut bool) {
	mc := s.migrateConnFor(host, port, o.timeout)
	if mc == nil {
		c.AddError(errMigrateConnect)
		return true, false, false
	}
	_ = mc.conn.SetWriteTimeout(o.timeout)
	_ = mc.conn.SetReadTimeout(o.timeout)
	out := migrateOut{w: mc.conn.Writer()}
	// The small parts go into head, which only grows: the writer may keep
	// a reference to what it was given until the flush.
	var head []byte
	part := func(args ...[]byte) {
		start := len(head)
		head = appendCommand(head, args)
		out.write(head[start:])
	}
	if o.hasPassword {
		if o.user != nil {
			part([]byte("AUTH"), o.user, o.password)
		} else {
			part([]byte("AUTH"), o.password)
		}
	}
	sel := mc.lastDB != o.db
	if sel {
		part([]byte("SELECT"), strconv.AppendInt(nil, o.db, 10))
	}
	restore := []byte("RESTORE")
	if s.Cfg.ClusterEnabled {
		restore = []byte("RESTORE-ASKING")
	}
	// Serialize every key still alive now; one that expired since the
	// lookup is skipped.
	now := s.Now()
	sent := keys[:0:0]
	for _, k := range keys {
		e, found := db.LookupFlags(k, lookupNoTouch|lookupNoStats|lookupNoNotify)
		if !found {
			continue
		}
		var ttl int64
		if at := e.Expire(); at != 0 {
			if ttl = at - now; ttl < 0 {
				continue
			}
			ttl = max(ttl, 1)
		}
		n := 4
		if o.replace {
			n = 5
		}
		payload := s.dumpPayload(e)
		start := len(head)
		head = resp.AppendArrayLen(head, n)
		head = resp.AppendBulk(head, restore)
		head = resp.AppendBulk(head, k)
		head = resp.AppendBulkInt(head, ttl)
		head = resp.AppendBulkHeader(head, len(payload))
		out.write(head[start:])
		out.write(payload)
		start = len(head)
		head = append(head, "\r\n"...)
		if o.replace {
			head = resp.AppendBulkString(head, "REPLACE")
		}
		out.write(head[start:])
		sent = append(sent, k)
	}
	if out.flush(); out.err != nil {
		return false, true, isTimeout(out.err)
	}
	var authReply, selReply string
	var err error
	if o.hasPassword {
		if authReply, err = mc.readLine(); err != nil {
			return false, false, isTimeout(err)
		}
	}
	if sel {
		if selReply, err = mc.readLine(); err != nil {
			return false, false, isTimeout(err)
		}
	}

	targetErr, socketErr := false, false
	var socketErrTimeout bool
	deleted := make([][]byte, 0, len(sent)+1)
	deleted = append(deleted, argDEL)
	j := 0
	for ; j < len(sent); j++ {
		line, err := mc.readLine()
		if err != nil {
			socketErr, socketErrTimeout = true, isTimeout(err)
			break
		}
		if isErrLine(authReply) || isErrLine(selReply) || isErrLine(line) {
			if !targetErr {
				mc.lastDB = -1
				msg := line
				if isErrLine(authReply) {
					msg = authReply
				} else if isErrLine(selReply) {
					msg = selReply
				}
				targetErr = true
				c.AddError("ERR Target instance replied with error: " + msg[1:])
			}
			continue
		}
		if !o.copy {
			k := sent[j]
			db.Delete(k)
			s.keyModified(db, k)
			s.notifyKeyspaceEvent(config.NotifyGeneric, "del", k, db.ID)
			s.Dirty++
			deleted = append(deleted, k)
		}
	}
	if !targetErr && socketErr && j == 0 && !socketErrTimeout {
		return false, false, false // nothing applied: reconnect and retry
	}
	if socketErr {
		s.migrateClose(host, port)
	}
	if len(deleted) > 1 {
		c.rewriteArgv(deleted...) // replicas and the AOF delete what moved
	}
	if socketErr && !targetErr {
		c.AddError("IOERR error or timeout reading to target instance")
		return true, false, false
	}
	if !targetErr {
		mc.lastDB = o.db
		c.AddOK()
	}
	return true, false, false
}

// migrateOut writes to a target, flushing every migrateWriteChunk bytes
// as Valkey writes its command buffer in steps of that size, each with
// the full timeout. The first error sticks.
type migrateOut struct {
	w       netpoll.Writer
	pending int
	err     error
}

// write queues p: a slice of at least netpoll's in-place threshold is
// linked, not copied, so p must stay unchanged until the flush.
func (m *migrateOut) write(p []byte) {
	for len(p) > 0 && m.err == nil {
		n := min(len(p), migrateWriteChunk-m.pending)
		if _, m.err = m.w.WriteBinary(p[:n]); m.err != nil {
			return
		}
		m.pending += n
		p = p[n:]
		if m.pending == migrateWriteChunk {
			m.flush()
		}
	}
}

// flush sends what is queued, waiting at most the write timeout.
func (m *migrateOut) flush() {
	if m.err == nil && m.pending > 0 {
		m.err = m.w.Flush()
		m.pending = 0
	}
}

// readLine reads one reply line without its CRLF, as Valkey's
// syncReadLine: at most migrateMaxReplyLen bytes are kept, the rest of
// an overlong line is dropped.
func (mc *migrateConn) readLine() (string, error) {
	r := mc.conn.Reader()
	line, err := r.Until('\n')
	if err != nil {
		return "", err
	}
	if len(line) > migrateMaxReplyLen {
		line = line[:migrateMaxReplyLen]
	}
	str := string(line)
	_ = r.Release()
	for len(str) > 0 && (str[len(str)-1] == '\n' || str[len(str)-1] == '\r') {
		str = str[:len(str)-1]
	}
	if str == "" {
		return "", errors.New("empty reply line")
	}
	return str, nil
}

func isErrLine(l string) bool { return len(l) > 0 && l[0] == '-' }

func isTimeout(err error) bool {
	return errors.Is(err, netpoll.ErrReadTimeout) || errors.Is(err, netpoll.ErrWriteTimeout)
}

// migrateConnFor returns the cached connection to host:port or makes
// one, dropping a random one when the cache is full.
func (s *Server) migrateConnFor(host, port string, timeout time.Duration) *migrateConn {
	m := &s.migrate
	name := host + ":" + port
	now := s.Clock.NowMs() / 1000
	if mc := m.conns[name]; mc != nil {
		mc.lastUse = now
		return mc
	}
	if len(m.conns) >= migrateCacheItems {
		for k, mc := range m.conns { // map order is random enough
			_ = mc.conn.Close()
			delete(m.conns, k)
			break
		}
	}
	conn, err := netpoll.DialConnection("tcp", net.JoinHostPort(host, port), timeout)
	if err != nil {
		return nil
	}
	if m.conns == nil {
		m.conns = make(map[string]*migrateConn)
	}
	mc := &migrateConn{conn: conn, lastDB: -1, lastUse: now}
	m.conns[name] = mc
	return mc
}

// migrateClose drops the cached connection to host:port.
func (s *Server) migrateClose(host, port string) {
	name := host + ":" + port
	if mc := s.migrate.conns[name]; mc != nil {
		_ = mc.conn.Close()
		delete(s.migrate.conns, name)
	}
}

// migrateCron closes connections unused for migrateSocketTTL seconds.
func (s *Server) migrateCron(nowMs int64) {
	now := nowMs / 1000
	for name, mc := range s.migrate.conns {
		if now-mc.lastUse > migrateSocketTTL {
			_ = mc.conn.Close()
			delete(s.migrate.conns, name)
		}
	}
}

// RouteNetpollLog sends netpoll's own messages (a failed close or
// register, rare) to l at warning level instead of to stderr; netpoll
// puts a date before each, which the server's line format replaces.
func RouteNetpollLog(l *Logger) {
	_ = netpoll.Configure(netpoll.Config{LoggerOutput: netpollLog{l}})
}

type netpollLog struct{ l *Logger }

func (w netpollLog) Write(p []byte) (int, error) {
	msg := p
	if i := bytes.Index(msg, []byte("NETPOLL: ")); i >= 0 {
		msg = msg[i:]
	}
	w.l.Warningf("%s", bytes.TrimRight(msg, "\n"))
	return len(p), nil
}

var migrateHandlers = map[string]Handler{"migrate": cmdMigrate}
