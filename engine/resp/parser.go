package resp

import (
	"bytes"
	"math"
)

// Limits Valkey applies to client input. They are part of the observable
// protocol: a client that crosses one gets the matching protocol error and is
// disconnected, so they must match Valkey's exactly, off-by-ones included.
const (
	// DefaultMaxBulkLen is proto-max-bulk-len's default, used when
	// Parser.MaxBulkLen is zero.
	DefaultMaxBulkLen = 512 << 20

	// InlineMaxSize (PROTO_INLINE_MAX_SIZE) bounds how many bytes may be
	// buffered while waiting for the end of a line: an inline command, a
	// multibulk count or a bulk length. It is checked only while no line end
	// is in sight, so a longer line that arrives whole is still accepted.
	InlineMaxSize = 64 << 10

	// MaxMultibulkLen is the largest argument count a client may announce
	// (INT_MAX: Valkey keeps argc in an int).
	MaxMultibulkLen = math.MaxInt32

	// Before AUTH a client may announce at most this many arguments and
	// bulks of at most this many bytes, so an anonymous peer cannot make
	// the server reserve much memory.
	UnauthMaxMultibulkLen = 10
	UnauthMaxBulkLen      = 16384

	// UnauthMaxQueryBuf is the most an unauthenticated client may have
	// buffered (with its queued MULTI commands) before Valkey drops it. The
	// I/O layer enforces it; the Parser never sees the whole buffer.
	UnauthMaxQueryBuf = 1 << 20
)

// ProtocolError is a malformed request. Msg is the whole error reply as
// Valkey sends it (without the leading '-' and trailing CRLF), e.g.
// "ERR Protocol error: invalid bulk length". After replying, the connection
// must be closed: the parser cannot find the next command boundary.
type ProtocolError struct {
	Msg string
}

func (e *ProtocolError) Error() string { return e.Msg }

// Protocol errors with fixed text. Each is returned by Parser.Parse, and the
// connection is closed after the reply.
var (
	// ErrInlineTooBig: an inline command has more than InlineMaxSize bytes
	// buffered and still no newline.
	ErrInlineTooBig = &ProtocolError{"ERR Protocol error: too big inline request"}
	// ErrMultibulkTooBig: more than InlineMaxSize bytes follow a '*' with no
	// CR that would end the count.
	ErrMultibulkTooBig = &ProtocolError{"ERR Protocol error: too big mbulk count string"}
	// ErrInvalidMultibulkLen: the count after '*' is not a strict decimal
	// integer (see parseInt) or exceeds MaxMultibulkLen.
	ErrInvalidMultibulkLen = &ProtocolError{"ERR Protocol error: invalid multibulk length"}
	// ErrUnauthMultibulkLen: an unauthenticated client announced more than
	// UnauthMaxMultibulkLen arguments.
	ErrUnauthMultibulkLen = &ProtocolError{"ERR Protocol error: unauthenticated multibulk length"}
	// ErrUnauthBulkLen: an unauthenticated client announced a bulk longer
	// than UnauthMaxBulkLen.
	ErrUnauthBulkLen = &ProtocolError{"ERR Protocol error: unauthenticated bulk length"}
	// ErrBulkCountTooBig: more than InlineMaxSize bytes are buffered where a
	// "$len" line is expected, with no CR that would end it.
	ErrBulkCountTooBig = &ProtocolError{"ERR Protocol error: too big bulk count string"}
	// ErrInvalidBulkLen: the length after '$' is not a strict decimal
	// integer, is negative, or exceeds MaxBulkLen.
	ErrInvalidBulkLen = &ProtocolError{"ERR Protocol error: invalid bulk length"}
	// ErrInlineUnbalancedQuotes: an inline command has an unterminated quote.
	ErrInlineUnbalancedQuotes = &ProtocolError{"ERR Protocol error: unbalanced quotes in request"}
	// ErrReplicatedInline: a Replicated stream carried a non-empty inline
	// command, which means the replication stream is out of step. Valkey
	// does not reply to its primary; the text is for the log.
	ErrReplicatedInline = &ProtocolError{"ERR Protocol error: master using the inline protocol. Desync?"}
)

// unexpectedByte is the error for a bulk header that does not start with
// '$'. It is rare enough (the connection dies) to build on demand.
func unexpectedByte(c byte) *ProtocolError {
	// Valkey formats the byte with %c and then, like every error reply,
	// turns CR and LF into spaces so the reply stays on one line.
	if c == '\r' || c == '\n' {
		c = ' '
	}
	return &ProtocolError{"ERR Protocol error: expected '$', got '" + string([]byte{c}) + "'"}
}

// Parser parses client commands from a byte stream, one connection's worth.
// The zero value is ready to use; set the limits before the first Parse.
// A Parser is not safe for concurrent use.
//
// A command may arrive in pieces. When Parse finds only part of one it
// remembers how far it got, as offsets from the command's first byte, so the
// caller may move the unconsumed bytes to a new buffer before appending more;
// the next call resumes there. Every byte of a command is therefore examined
// a bounded number of times however it is split, which keeps a 512 MiB
// argument arriving in 16 KiB reads linear.
type Parser struct {
	// MaxBulkLen is proto-max-bulk-len; zero means DefaultMaxBulkLen.
	MaxBulkLen int64
	// Unauthenticated applies Valkey's limits for clients that have not
	// authenticated yet. Valkey parses no further than the command that
	// completes while a client is unauthenticated, because its AUTH changes
	// these limits; callers must do the same.
	Unauthenticated bool
	// Replicated marks a stream from our primary (or a slot import): bulk
	// lengths are not capped by MaxBulkLen, and non-empty inline commands are
	// a protocol error (a bare newline is a keepalive).
	Replicated bool

	state  uint8  // which kind of command is in progress, if any
	pos    int    // bytes of the current command fully parsed
	scan   int    // bytes from pos onwards known to hold no line end
	left   int    // multibulk arguments not yet read
	bulk   int    // length of the argument being read; -1 before its "$len" line
	first  int    // offset of the first argument's length line
	spans  []span // arguments parsed by earlier calls for this command
	locked bool   // inline line holds a NUL: Valkey can never find its end
}

// span locates an argument within the current command. Offsets survive the
// caller moving its buffer between calls where slices would not.
type span struct{ off, n int }

const (
	stateIdle      uint8 = iota // between commands
	stateInline                 // waiting for an inline command's newline
	stateCount                  // waiting for the end of the "*count" line
	stateMultibulk              // reading bulk arguments
)

// spansKeep bounds the span slice kept between commands, so one huge command
// does not pin its bookkeeping for the life of the connection.
const spansKeep = 1024

// Reset forgets any partly parsed command, for a caller that discards the
// bytes it had buffered. The limits are kept.
func (p *Parser) Reset() {
	p.state = stateIdle
	p.pos, p.scan, p.left, p.bulk, p.first = 0, 0, 0, 0, 0
	p.locked = false
	p.spans = p.spans[:0]
}

// Need reports, after Parse found an incomplete command, how many bytes from
// the command's first byte are known to be required before it can finish, so
// the caller can size its buffer for a large argument once. It returns 0 when
// the next step's size is unknown. It is a hint: the caller must still apply
// its own buffer limit (client-query-buffer-limit).
func (p *Parser) Need() int {
	if p.state != stateMultibulk || p.bulk < 0 {
		return 0
	}
	if p.bulk > math.MaxInt-2-p.pos {
		return math.MaxInt
	}
	return p.pos + p.bulk + 2
}

// Parse parses the next command at the start of buf.
//
// On success it appends the arguments to argv[:0] and returns them with the
// number of bytes consumed. Arguments are sub-slices of buf, capped so that
// appending to one cannot overwrite its neighbour; they stay valid as long as
// the consumed bytes are left alone. Quoted inline arguments are unescaped in
// place, inside the consumed bytes.
//
// A command with no arguments (an empty or blank inline line, or a multibulk
// count of zero or less) returns an empty argv and n > 0: Valkey skips it
// without a reply.
//
// If buf holds only part of a command, Parse returns (argv[:0], 0, nil). The
// caller keeps the bytes from buf's start, appends more and calls again; the
// bytes may move to another buffer but must not change (Parse panics if it
// gets fewer than it has already examined). A *ProtocolError
// means the stream is unusable: reply with its Msg and close the connection.
func (p *Parser) Parse(buf []byte, argv [][]byte) ([][]byte, int, error) {
	argv = argv[:0]
	switch p.state {
	case stateIdle:
		if len(buf) == 0 {
			return argv, 0, nil
		}
		if buf[0] != '*' {
			p.state = stateInline
			return p.parseInline(buf, argv)
		}
		p.state = stateCount
		return p.parseCount(buf, argv)
	}
	if len(buf) < p.pos+p.scan {
		panic("resp: Parse resumed with fewer bytes than it was given before")
	}
	switch p.state {
	case stateInline:
		return p.parseInline(buf, argv)
	case stateCount:
		return p.parseCount(buf, argv)
	default:
		return p.parseBulks(buf, argv)
	}
}

// lengthLine reads the line at p.pos that should carry a count or a length
// after the type byte typ. It returns the offset of the CR ending the line,
// or findCR's negative result if the line is not complete yet, and the number, with ok false if the
// line does not hold a valid one. Whether the type byte is right is left to
// the caller.
func (p *Parser) lengthLine(buf []byte, typ byte) (n int64, cr int, ok bool) {
	if p.pos < len(buf) && buf[p.pos] == typ {
		if n, cr := shortLen(buf, p.pos+1); cr >= 0 {
			p.scan = 0
			return n, cr, true
		}
	}
	if cr = p.findCR(buf); cr <= p.pos {
		// Not complete, or an empty line: no type byte, no number.
		return 0, cr, false
	}
	n, ok = ParseInt(buf[p.pos+1 : cr])
	return n, cr, ok
}

// Results of findCR, and of lengthLine, for a line not complete yet.
const (
	noCR      = -1 // no CR buffered: the line counts against InlineMaxSize
	pendingCR = -2 // the CR is the last byte buffered: the line is not over the limit
)

// findCR returns the offset of the CR ending the line that starts at p.pos,
// or noCR or pendingCR if the line is not all buffered yet. Like Valkey it
// trusts that the byte after the CR is LF without looking at it, but it does
// wait for that byte to arrive. Bytes already searched are not searched again.
func (p *Parser) findCR(buf []byte) int {
	from := p.pos + p.scan
	i := bytes.IndexByte(buf[from:], '\r')
	if i < 0 {
		p.scan = len(buf) - p.pos
		return noCR
	}
	cr := from + i
	p.scan = cr - p.pos
	if cr+2 > len(buf) {
		return pendingCR
	}
	p.scan = 0
	return cr
}

func (p *Parser) parseCount(buf []byte, argv [][]byte) ([][]byte, int, error) {
	n, cr, ok := p.lengthLine(buf, '*')
	if cr < 0 {
		if cr == noCR && len(buf) > InlineMaxSize {
			p.Reset()
			return argv, 0, ErrMultibulkTooBig
		}
		return argv, 0, nil
	}
	if !ok || n > MaxMultibulkLen {
		p.Reset()
		return argv, 0, ErrInvalidMultibulkLen
	}
	if n > UnauthMaxMultibulkLen && p.Unauthenticated {
		p.Reset()
		return argv, 0, ErrUnauthMultibulkLen
	}
	if n <= 0 {
		// "*0" and "*-1" are valid requests for nothing at all.
		p.Reset()
		return argv, cr + 2, nil
	}
	p.state = stateMultibulk
	p.pos = cr + 2
	p.first = p.pos
	p.left = int(n)
	p.bulk = -1
	return p.parseBulks(buf, argv)
}

func (p *Parser) parseBulks(buf []byte, argv [][]byte) ([][]byte, int, error) {
	// Arguments go straight to argv, unless earlier calls for this command
	// left theirs in p.spans: those come first, so then new ones join them.
	direct := len(p.spans) == 0
	if direct && p.bulk < 0 {
		// The common case, whole arguments with well-formed length lines,
		// in a tight loop on locals. Anything else, including every error,
		// is left to the general loop below.
		pos, left, limit := p.pos, p.left, p.maxBulk()
		if p.Unauthenticated {
			limit = min(limit, UnauthMaxBulkLen)
		}
		for left > 0 && pos < len(buf) && buf[pos] == '$' {
			n, cr := shortLen(buf, pos+1)
			if cr < 0 || n > limit || len(buf)-cr-4 < int(n) {
				break
			}
			start := cr + 2
			end := start + int(n)
			argv = append(argv, buf[start:end:end])
			pos = end + 2
			left--
		}
		if pos != p.pos {
			p.pos, p.left, p.scan = pos, left, 0
		}
	}
	for p.left > 0 {
		if p.bulk < 0 {
			n, cr, ok := p.lengthLine(buf, '$')
			if cr < 0 {
				if cr == noCR && len(buf)-p.pos > InlineMaxSize {
					p.Reset()
					return argv[:0], 0, ErrBulkCountTooBig
				}
				return p.suspend(argv, direct)
			}
			if c := buf[p.pos]; c != '$' {
				p.Reset()
				return argv[:0], 0, unexpectedByte(c)
			}
			if !ok || n < 0 || n > p.maxBulk() {
				p.Reset()
				return argv[:0], 0, ErrInvalidBulkLen
			}
			if n > UnauthMaxBulkLen && p.Unauthenticated {
				p.Reset()
				return argv[:0], 0, ErrUnauthBulkLen
			}
			p.bulk = int(n)
			p.pos = cr + 2
		}
		// Like Valkey, the two bytes after the payload are skipped unchecked.
		if len(buf)-p.pos-2 < p.bulk {
			return p.suspend(argv, direct)
		}
		if end := p.pos + p.bulk; direct {
			argv = append(argv, buf[p.pos:end:end])
		} else {
			p.spans = append(p.spans, span{p.pos, p.bulk})
		}
		p.pos += p.bulk + 2
		p.bulk = -1
		p.left--
	}
	if !direct {
		for _, s := range p.spans {
			argv = append(argv, buf[s.off:s.off+s.n:s.off+s.n])
		}
		if cap(p.spans) > spansKeep {
			p.spans = nil
		} else {
			p.spans = p.spans[:0]
		}
	}
	n := p.pos
	p.state, p.pos = stateIdle, 0
	return argv, n, nil
}

// suspend returns "incomplete" from parseBulks. The arguments it parsed
// directly into argv are slices of a buffer the caller may replace, so it
// records them as spans first. Their offsets need not have been saved: every
// length line is '$', the length's digits, CR and one more byte, and the
// strict number syntax allows exactly one spelling of each length, so the
// layout follows from the lengths alone.
func (p *Parser) suspend(argv [][]byte, direct bool) ([][]byte, int, error) {
	if direct {
		off := p.first
		for _, a := range argv {
			off += 3 + decimalLen(len(a))
			p.spans = append(p.spans, span{off, len(a)})
			off += len(a) + 2
		}
	}
	return argv[:0], 0, nil
}

func decimalLen(n int) int {
	d := 1
	for ; n >= 10; n /= 10 {
		d++
	}
	return d
}

func (p *Parser) maxBulk() int64 {
	if p.Replicated {
		// Uncapped, as in Valkey, short of lengths whose end offset could
		// not be represented.
		return math.MaxInt >> 1
	}
	if p.MaxBulkLen > 0 {
		return min(p.MaxBulkLen, math.MaxInt>>1)
	}
	return DefaultMaxBulkLen
}

// parseInline parses a command written as a line of text, as telnet users and
// valkey-benchmark's PING_INLINE send.
func (p *Parser) parseInline(buf []byte, argv [][]byte) ([][]byte, int, error) {
	// Valkey finds the line end with strchr on its NUL-terminated buffer, so
	// a NUL before the newline hides the newline, and everything after it,
	// for good: the request then only ends by growing past the limit.
	nl := -1
	if !p.locked {
		rest := buf[p.scan:]
		i := bytes.IndexByte(rest, '\n')
		end := len(rest)
		if i >= 0 {
			end = i
		}
		if bytes.IndexByte(rest[:end], 0) >= 0 {
			p.locked = true
		} else if i >= 0 {
			nl = p.scan + i
		}
		p.scan = len(buf)
	}
	if nl < 0 {
		if len(buf) > InlineMaxSize {
			p.Reset()
			return argv, 0, ErrInlineTooBig
		}
		return argv, 0, nil
	}
	p.Reset()

	line := buf[:nl]
	if nl > 0 && line[nl-1] == '\r' {
		line = line[:nl-1]
	}
	argv, ok := splitInPlace(argv, line)
	if !ok {
		return argv[:0], 0, ErrInlineUnbalancedQuotes
	}
	if len(line) > 0 && p.Replicated {
		return argv[:0], 0, ErrReplicatedInline
	}
	return argv, nl + 1, nil
}

// shortLen is the fast path for the lines that carry lengths: it reads the
// common form, a short unsigned number written without leading zeros and
// followed by CR and one more byte, from buf[at:]. It returns the number and
// the offset of the CR, or cr < 0 when the line is anything else (or not all
// there) and must take the general path. Lines it accepts parse the same on
// both paths.
func shortLen(buf []byte, at int) (n int64, cr int) {
	const maxDigits = 18 // cannot overflow
	i := at
	for ; i < len(buf) && i-at < maxDigits; i++ {
		d := buf[i] - '0'
		if d > 9 {
			break
		}
		n = n*10 + int64(d)
	}
	digits := i - at
	if digits == 0 || (digits > 1 && buf[at] == '0') || i+1 >= len(buf) || buf[i] != '\r' {
		return 0, -1
	}
	return n, i
}

// ParseInt parses b as Valkey's string2ll does, which is stricter than
// strconv: no sign but a leading '-', no leading zeros ("-0" included), no
// spaces, at most 20 bytes, and the value must fit in an int64. It is the
// one integer parser of the engine: command arguments, and whether a string
// is stored integer encoded.
func ParseInt(b []byte) (int64, bool) {
	if len(b) == 0 || len(b) > 20 {
		return 0, false
	}
	if len(b) == 1 {
		if c := b[0] - '0'; c <= 9 {
			return int64(c), true
		}
		return 0, false
	}
	neg := b[0] == '-'
	if neg {
		b = b[1:]
	}
	if b[0] < '1' || b[0] > '9' {
		return 0, false
	}
	var v uint64
	for _, c := range b {
		d := uint64(c - '0')
		if d > 9 || v > (math.MaxUint64-d)/10 {
			return 0, false
		}
		v = v*10 + d
	}
	if neg {
		if v > 1<<63 {
			return 0, false
		}
		return -int64(v), true
	}
	if v > math.MaxInt64 {
		return 0, false
	}
	return int64(v), true
}
