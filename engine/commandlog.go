package engine

import (
	"strconv"
	"strings"
)

// The command log remembers the latest commands that crossed one of three
// thresholds, each its own log: execution time (the slow log, which
// SLOWLOG also reads), request size and reply size. The dispatcher hands
// every executed command to commandDone; a command that crosses no
// threshold costs a few comparisons and no allocation.

// commandLogKind names one of the three logs.
type commandLogKind uint8

const (
	logSlow commandLogKind = iota
	logLargeRequest
	logLargeReply
	numCommandLogs
)

// Entries keep at most this many arguments (the last one saying how many
// were left out) and at most this many bytes of each.
const (
	commandLogMaxArgc = 32
	commandLogMaxArg  = 128
)

// commandLogEntry is one logged command.
type commandLogEntry struct {
	id    int64
	time  int64 // unix seconds
	value int64 // µs for the slow log, bytes for the others
	argv  [][]byte
	peer  string // "ip:port" of the client
	name  string // the client's name, or ""
}

// commandLog is one log, oldest entry first. Trimming re-slices from the
// front: the dropped entries are cleared so they can be collected, and
// the next growth of the slice leaves the dead prefix behind.
type commandLog struct {
	entries []commandLogEntry
	nextID  int64
}

// commandLogs are the three logs.
type commandLogs [numCommandLogs]commandLog

// limits returns the log's threshold and maximum length from cfg.
func (s *Server) commandLogLimits(kind commandLogKind) (threshold, maxLen int64) {
	cfg := s.Cfg
	switch kind {
	case logSlow:
		return cfg.CommandlogExecutionSlowerThan, cfg.CommandlogSlowExecutionMaxLen
	case logLargeRequest:
		return cfg.CommandlogRequestLargerThan, cfg.CommandlogLargeRequestMaxLen
	default:
		return cfg.CommandlogReplyLargerThan, cfg.CommandlogLargeReplyMaxLen
	}
}

// commandDone is the dispatcher's hook after a command ran: it feeds the
// latency monitor, the command logs and the MONITOR clients. durUs is the
// execution time, replyBytes what the command appended to c's output.
// Each check compares against a threshold first, so a command that
// crosses none costs a few comparisons.
func (s *Server) commandDone(c *Client, cmd *Spec, durUs int64, replyBytes int) {
	cfg := s.Cfg
	if t := cfg.LatencyMonitorThreshold; t > 0 && durUs >= t*1000 {
		event := "command"
		if cmd.Flags&FlagFast != 0 {
			event = "fast-command"
		}
		s.LatencyAddSample(event, durUs)
	}
	if cmd.Flags&FlagSkipCommandlog == 0 {
		if t := cfg.CommandlogExecutionSlowerThan; t >= 0 && durUs >= t {
			s.commandLogPush(c, cmd, logSlow, durUs)
		}
		if t := cfg.CommandlogRequestLargerThan; t >= 0 {
			if n := requestSize(c.Argv, t); n >= t {
				s.commandLogPush(c, cmd, logLargeRequest, n)
			}
		}
		if t := cfg.CommandlogReplyLargerThan; t >= 0 && int64(replyBytes) >= t {
			s.commandLogPush(c, cmd, logLargeReply, int64(replyBytes))
		}
	}
	if len(s.monitors) > 0 && cmd.Flags&(FlagSkipMonitor|FlagAdmin) == 0 && s.blocking.reexec != c {
		s.FeedMonitors(c, cmd, c.Argv)
	}
}

// commandLogPush records c's command in a log, unless the log is off
// (max-len 0), and trims the log to its maximum length.
func (s *Server) commandLogPush(c *Client, cmd *Spec, kind commandLogKind, value int64) {
	_, maxLen := s.commandLogLimits(kind)
	if maxLen <= 0 {
		return
	}
	l := &s.cmdLogs[kind]
	l.entries = append(l.entries, s.newCommandLogEntry(c, cmd, value, l.nextID))
	l.nextID++
	l.trim(maxLen)
}

// trim drops the oldest entries beyond maxLen.
func (l *commandLog) trim(maxLen int64) {
	if over := int64(len(l.entries)) - maxLen; over > 0 {
		clear(l.entries[:over])
		l.entries = l.entries[over:]
	}
}

// trimCommandLogs applies a lowered max-len at once (CONFIG SET), as
// Valkey does after the command that lowered it. A disabled log (negative
// threshold or max-len 0) keeps its entries, as in Valkey.
func (s *Server) trimCommandLogs() {
	for kind := range s.cmdLogs {
		threshold, maxLen := s.commandLogLimits(commandLogKind(kind))
		if threshold >= 0 && maxLen > 0 {
			s.cmdLogs[kind].trim(maxLen)
		}
	}
}

// requestSize returns the bytes argv takes in RESP, as Valkey measures a
// request for the large-request log. When even a generous bound stays
// below threshold it returns that bound instead of the exact size.
func requestSize(argv [][]byte, threshold int64) int64 {
	var payload int64
	for _, a := range argv {
		payload += int64(len(a))
	}
	// Each argument adds "$<len>\r\n" and "\r\n" (at most 25 bytes), the
	// array header "*<n>\r\n" at most 23.
	if bound := payload + 25*int64(len(argv)) + 23; bound < threshold {
		return bound
	}
	size := payload + int64(decimalLen(int64(len(argv)))) + 3
	for _, a := range argv {
		size += int64(decimalLen(int64(len(a)))) + 5
	}
	return size
}

// decimalLen is the number of digits of n >= 0.
func decimalLen(n int64) int {
	d := 1
	for n >= 10 {
		n /= 10
		d++
	}
	return d
}

// newCommandLogEntry copies c's command (redacted and truncated) into an
// entry.
func (s *Server) newCommandLogEntry(c *Client, cmd *Spec, value, id int64) commandLogEntry {
	argv := c.Argv
	n := len(argv)
	if n > commandLogMaxArgc {
		n = commandLogMaxArgc
	}
	red := redactions(cmd, argv)
	out := make([][]byte, n)
	for j := 0; j < n; j++ {
		switch {
		case n != len(argv) && j == n-1:
			out[j] = []byte("... (" + strconv.Itoa(len(argv)-n+1) + " more arguments)")
		case red.has(j):
			out[j] = []byte(redactedArg)
		case len(argv[j]) > commandLogMaxArg:
			a := make([]byte, 0, commandLogMaxArg+32)
			a = append(a, argv[j][:commandLogMaxArg]...)
			a = append(a, "... ("...)
			a = strconv.AppendInt(a, int64(len(argv[j])-commandLogMaxArg), 10)
			out[j] = append(a, " more bytes)"...)
		default:
			out[j] = append([]byte(nil), argv[j]...)
		}
	}
	who := c
	if run := s.script.running; run != nil && run.caller != nil {
		who = run.caller // a script's command is logged as its caller's, as in Valkey
	}
	return commandLogEntry{
		id:    id,
		time:  s.Clock.NowMs() / 1000,
		value: value,
		argv:  out,
		peer:  who.Addr,
		name:  who.Name,
	}
}

// addCommandLog replies with up to count entries of a log, newest first.
func addCommandLog(c *Client, l *commandLog, count int64) {
	if count < 0 || count > int64(len(l.entries)) {
		count = int64(len(l.entries))
	}
	c.AddArrayLen(int(count))
	for i := len(l.entries) - 1; count > 0; i, count = i-1, count-1 {
		e := &l.entries[i]
		c.AddArrayLen(6)
		c.AddInt(e.id)
		c.AddInt(e.time)
		c.AddInt(e.value)
		c.AddArrayLen(len(e.argv))
		for _, a := range e.argv {
			c.AddBulkCopy(a)
		}
		c.AddBulkString(e.peer)
		c.AddBulkString(e.name)
	}
}

// resetCommandLog empties a log; entry IDs keep counting.
func (l *commandLog) reset() {
	clear(l.entries)
	l.entries = l.entries[:0]
}

// parseLogCount parses a GET count: -1 (all) or more.
func parseLogCount(c *Client, b []byte) (int64, bool) {
	n, ok := parseInt(b)
	if !ok || n < -1 {
		c.AddError("ERR count should be greater than or equal to -1")
		return 0, false
	}
	return n, true
}

// parseLogKind parses a COMMANDLOG type.
func parseLogKind(c *Client, b []byte) (commandLogKind, bool) {
	switch {
	case strings.EqualFold(string(b), "slow"):
		return logSlow, true
	case strings.EqualFold(string(b), "large-request"):
		return logLargeRequest, true
	case strings.EqualFold(string(b), "large-reply"):
		return logLargeReply, true
	}
	c.AddError("ERR type should be one of the following: slow, large-request, large-reply")
	return 0, false
}

// subcommandSyntaxError replies Valkey's error for a subcommand given the
// wrong number of arguments where the spec's arity let it through.
func subcommandSyntaxError(c *Client) {
	c.AddError("ERR unknown subcommand or wrong number of arguments for '" + truncate(c.Argv[1], 128) +
		"'. Try " + strings.ToUpper(string(c.Argv[0])) + " HELP.")
}

// SLOWLOG GET [count]: count defaults to 10.
func cmdSlowlogGet(c *Client) {
	if len(c.Argv) > 3 {
		subcommandSyntaxError(c)
		return
	}
	count := int64(10)
	if len(c.Argv) == 3 {
		var ok bool
		if count, ok = parseLogCount(c, c.Argv[2]); !ok {
			return
		}
	}
	addCommandLog(c, &c.srv.cmdLogs[logSlow], count)
}

func cmdSlowlogLen(c *Client) { c.AddInt(int64(len(c.srv.cmdLogs[logSlow].entries))) }

func cmdSlowlogReset(c *Client) {
	c.srv.cmdLogs[logSlow].reset()
	c.AddOK()
}

func cmdSlowlogHelp(c *Client) {
	c.AddHelp(strings.ToUpper(string(c.Argv[0])), []string{
		"GET [<count>]",
		"    Return top <count> entries from the slowlog (default: 10, -1 mean all).",
		"    Entries are made of:",
		"    id, timestamp, time in microseconds, arguments array, client IP and port,",
		"    client name",
		"LEN",
		"    Return the length of the slowlog.",
		"RESET",
		"    Reset the slowlog.",
	})
}

// COMMANDLOG GET count type.
func cmdCommandlogGet(c *Client) {
	count, ok := parseLogCount(c, c.Argv[2])
	if !ok {
		return
	}
	kind, ok := parseLogKind(c, c.Argv[3])
	if !ok {
		return
	}
	addCommandLog(c, &c.srv.cmdLogs[kind], count)
}

func cmdCommandlogLen(c *Client) {
	if kind, ok := parseLogKind(c, c.Argv[2]); ok {
		c.AddInt(int64(len(c.srv.cmdLogs[kind].entries)))
	}
}

func cmdCommandlogReset(c *Client) {
	if kind, ok := parseLogKind(c, c.Argv[2]); ok {
		c.srv.cmdLogs[kind].reset()
		c.AddOK()
	}
}

func cmdCommandlogHelp(c *Client) {
	c.AddHelp(strings.ToUpper(string(c.Argv[0])), []string{
		"GET <count> <type>",
		"    Return top <count> entries of the specified <type> from the commandlog (-1 mean all).",
		"    Entries are made of:",
		"    id, timestamp,",
		"        time in microseconds for type of slow,",
		"        or size in bytes for type of large-request,",
		"        or size in bytes for type of large-reply",
		"    arguments array, client IP and port,",
		"    client name",
		"LEN <type>",
		"    Return the length of the specified type of commandlog.",
		"RESET <type>",
		"    Reset the specified type of commandlog.",
	})
}
