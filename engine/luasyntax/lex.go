package luasyntax

import (
	"bytes"
	"strconv"
	"strings"

	"github.com/volleydb/volley/engine/cnum"
)

// Token kinds. A single-byte token is its byte; the others follow 256,
// reserved words first, in the order C Lua numbers them.
const (
	tkAnd = 257 + iota
	tkBreak
	tkDo
	tkElse
	tkElseif
	tkEnd
	tkFalse
	tkFor
	tkFunction
	tkIf
	tkIn
	tkLocal
	tkNil
	tkNot
	tkOr
	tkRepeat
	tkReturn
	tkThen
	tkTrue
	tkUntil
	tkWhile
	tkConcat // ..
	tkDots   // ...
	tkEq     // ==
	tkGe     // >=
	tkLe     // <=
	tkNe     // ~=
	tkNumber
	tkName
	tkString
	tkEOS
)

// tokenNames spell the tokens from tkAnd on, as messages show them.
var tokenNames = [...]string{
	"and", "break", "do", "else", "elseif", "end", "false", "for",
	"function", "if", "in", "local", "nil", "not", "or", "repeat",
	"return", "then", "true", "until", "while",
	"..", "...", "==", ">=", "<=", "~=",
	"<number>", "<name>", "<string>", "<eof>",
}

// reserved maps Lua 5.1's reserved words to their tokens. goto is not
// one: it came with Lua 5.2.
var reserved = func() map[string]int {
	m := make(map[string]int, tkWhile-tkAnd+1)
	for k := tkAnd; k <= tkWhile; k++ {
		m[tokenNames[k-tkAnd]] = k
	}
	return m
}()

const eoz = -1 // the end of the input, as a character

type token struct {
	kind int
	str  string  // a name's text or a string's value
	num  float64 // a numeral's value
}

// lexer reads tokens as llex.c does. Two of its quirks show in messages
// and are kept: line is the line the lexer has reached (the end of the
// current token, or of the look-ahead token once there is one), and buf
// holds the text of the last name, string or numeral read, which is what
// "near '...'" shows for those tokens.
type lexer struct {
	src      string
	next     int // index of the byte after cur
	cur      int // the byte under the lexer, or eoz
	line     int
	lastLine int // the line of the token before the current one
	buf      []byte
	tok      token
	ahead    token // a look-ahead token when ahead.kind != tkEOS
}

func newLexer(src string) *lexer {
	lx := &lexer{src: src, line: 1, lastLine: 1, ahead: token{kind: tkEOS}}
	lx.advance()
	return lx
}

func (lx *lexer) advance() {
	if lx.next < len(lx.src) {
		lx.cur = int(lx.src[lx.next])
		lx.next++
	} else {
		lx.cur = eoz
	}
}

func (lx *lexer) save(c int) { lx.buf = append(lx.buf, byte(c)) }

func (lx *lexer) saveAdvance() {
	lx.save(lx.cur)
	lx.advance()
}

// checkNext takes the current byte if it is in set. It is C Lua's
// check_next, whose strchr finds a NUL byte in any set (its terminator):
// "3\x00" reads as a numeral with an exponent mark and "..\x00" as "...".
func (lx *lexer) checkNext(set string) bool {
	if lx.cur != 0 && (lx.cur == eoz || strings.IndexByte(set, byte(lx.cur)) < 0) {
		return false
	}
	lx.saveAdvance()
	return true
}

func (lx *lexer) atNewline() bool { return lx.cur == '\n' || lx.cur == '\r' }

// newline steps over a line break: "\n", "\r", "\r\n" or "\n\r".
func (lx *lexer) newline() {
	old := lx.cur
	lx.advance()
	if lx.atNewline() && lx.cur != old {
		lx.advance()
	}
	lx.line++
}

// fail raises a lexical or syntax error. tok is the token "near" names,
// or 0 for none (C Lua's limit errors name none).
func (lx *lexer) fail(msg string, tok int) {
	if tok != 0 {
		msg += " near '" + lx.tokenText(tok) + "'"
	}
	panic(&Error{Line: lx.line, Msg: msg})
}

// tokenText is how a message shows tok: a name, string or numeral as the
// text read for it, others by their names.
func (lx *lexer) tokenText(tok int) string {
	switch tok {
	case tkName, tkString, tkNumber:
		return string(lx.cString())
	}
	return tokenString(tok)
}

// cString is the text read for the last name, string or numeral as C
// Lua's buffer holds it: a C string, so up to a NUL.
func (lx *lexer) cString() []byte {
	if i := bytes.IndexByte(lx.buf, 0); i >= 0 {
		return lx.buf[:i]
	}
	return lx.buf
}

// tokenString names a token kind: "'=' expected", "'<eof>' expected".
func tokenString(tok int) string {
	if tok < tkAnd {
		if tok < ' ' || tok == 0x7f {
			return "char(" + strconv.Itoa(tok) + ")"
		}
		return string([]byte{byte(tok)})
	}
	return tokenNames[tok-tkAnd]
}

// step moves to the next token: the look-ahead one if there is one.
func (lx *lexer) step() {
	lx.lastLine = lx.line
	if lx.ahead.kind != tkEOS {
		lx.tok = lx.ahead
		lx.ahead.kind = tkEOS
		return
	}
	lx.tok = lx.scan()
}

// lookahead reads the token after the current one.
func (lx *lexer) lookahead() { lx.ahead = lx.scan() }

func isDigit(c int) bool { return '0' <= c && c <= '9' }

func isAlpha(c int) bool { return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' }

func isAlnum(c int) bool { return isAlpha(c) || isDigit(c) }

// isSpace is C's isspace in the "C" locale, less the line breaks.
func isSpace(c int) bool { return c == ' ' || c == '\t' || c == '\v' || c == '\f' }

func (lx *lexer) scan() token {
	lx.buf = lx.buf[:0]
	for {
		switch c := lx.cur; c {
		case '\n', '\r':
			lx.newline()
		case '-':
			lx.advance()
			if lx.cur != '-' {
				return token{kind: '-'}
			}
			lx.advance()
			if lx.cur == '[' {
				sep := lx.skipSep()
				lx.buf = lx.buf[:0]
				if sep >= 2 {
					lx.longString(sep, false)
					lx.buf = lx.buf[:0]
					continue
				}
			}
			for !lx.atNewline() && lx.cur != eoz {
				lx.advance()
			}
		case '[':
			sep := lx.skipSep()
			if sep >= 2 {
				return token{kind: tkString, str: lx.longString(sep, true)}
			}
			if sep == 0 {
				lx.fail("invalid long string delimiter", tkString)
			}
			return token{kind: '['}
		case '=', '<', '>', '~':
			lx.advance()
			if lx.cur != '=' {
				return token{kind: c}
			}
			lx.advance()
			switch c {
			case '=':
				return token{kind: tkEq}
			case '<':
				return token{kind: tkLe}
			case '>':
				return token{kind: tkGe}
			}
			return token{kind: tkNe}
		case '"', '\'':
			return token{kind: tkString, str: lx.shortString(c)}
		case '.':
			lx.saveAdvance()
			if lx.checkNext(".") {
				if lx.checkNext(".") {
					return token{kind: tkDots}
				}
				return token{kind: tkConcat}
			}
			if !isDigit(lx.cur) {
				return token{kind: '.'}
			}
			return token{kind: tkNumber, num: lx.numeral()}
		case eoz:
			return token{kind: tkEOS}
		default:
			switch {
			case isSpace(c):
				lx.advance()
			case isDigit(c):
				return token{kind: tkNumber, num: lx.numeral()}
			case isAlpha(c) || c == '_':
				for isAlnum(lx.cur) || lx.cur == '_' {
					lx.saveAdvance()
				}
				if k, ok := reserved[string(lx.buf)]; ok {
					return token{kind: k}
				}
				return token{kind: tkName, str: string(lx.buf)}
			default:
				lx.advance()
				return token{kind: c} // any other byte is a token of its own
			}
		}
	}
}

// numeral reads a number as read_numeral does: digits and dots, an
// exponent mark with its sign, then any letters, digits and underscores,
// all of which luaO_str2d's strtod must read. (Its strtoul fallback for
// a stop at an 'x' never reads further than strtod on a numeral.)
func (lx *lexer) numeral() float64 {
	for {
		lx.saveAdvance()
		if !isDigit(lx.cur) && lx.cur != '.' {
			break
		}
	}
	if lx.checkNext("Ee") {
		lx.checkNext("+-")
	}
	for isAlnum(lx.cur) || lx.cur == '_' {
		lx.saveAdvance()
	}
	s := lx.cString()
	f, n, _ := cnum.Strtod(s)
	if n == 0 || n < len(s) {
		lx.fail("malformed number", tkNumber)
	}
	return f
}

// skipSep reads "[==..." or "]==...", leaving the last bracket: the
// number of '=' plus 2 when the same bracket follows, 1 for a lone
// bracket and 0 for '='s followed by anything else.
func (lx *lexer) skipSep() int {
	n := 0
	s := lx.cur
	lx.saveAdvance()
	for lx.cur == '=' {
		lx.saveAdvance()
		n++
	}
	switch {
	case lx.cur == s:
		return n + 2
	case n == 0:
		return 1
	}
	return 0
}

// longString reads a long string or, when keep is false, a long comment
// from its second opening bracket on. Valkey's skip_sep counts from 2,
// so the check for a nested "[[" (against a count of 0) never fires:
// Valkey's Lua accepts one.
func (lx *lexer) longString(sep int, keep bool) string {
	lx.saveAdvance()
	if lx.atNewline() {
		lx.newline() // a first line break is not part of the string
	}
	for {
		switch lx.cur {
		case eoz:
			if keep {
				lx.fail("unfinished long string", tkEOS)
			}
			lx.fail("unfinished long comment", tkEOS)
		case '[':
			if lx.skipSep() == sep {
				lx.saveAdvance()
			}
		case ']':
			if lx.skipSep() == sep {
				lx.saveAdvance()
				if !keep {
					return ""
				}
				return string(lx.buf[sep : len(lx.buf)-sep])
			}
		case '\n', '\r':
			lx.save('\n')
			lx.newline()
			if !keep {
				lx.buf = lx.buf[:0]
			}
		default:
			if keep {
				lx.saveAdvance()
			} else {
				lx.advance()
			}
		}
	}
}

// shortString reads a quoted string; buf keeps the quotes and the
// escapes decoded, as C Lua's buffer does for its messages.
func (lx *lexer) shortString(quote int) string {
	lx.saveAdvance()
	for lx.cur != quote {
		switch lx.cur {
		case eoz:
			lx.fail("unfinished string", tkEOS)
		case '\n', '\r':
			lx.fail("unfinished string", tkString)
		case '\\':
			lx.advance()
			c := lx.cur
			switch c {
			case 'a':
				c = '\a'
			case 'b':
				c = '\b'
			case 'f':
				c = '\f'
			case 'n':
				c = '\n'
			case 'r':
				c = '\r'
			case 't':
				c = '\t'
			case 'v':
				c = '\v'
			case '\n', '\r':
				lx.save('\n')
				lx.newline()
				continue
			case eoz:
				continue // "unfinished string" on the next round
			default:
				if !isDigit(c) {
					lx.saveAdvance() // \\, \", \' and any other byte stand for themselves
					continue
				}
				v := 0
				for i := 0; i < 3 && isDigit(lx.cur); i++ {
					v = 10*v + lx.cur - '0'
					lx.advance()
				}
				if v > 255 {
					lx.fail("escape sequence too large", tkString)
				}
				lx.save(v)
				continue
			}
			lx.save(c)
			lx.advance()
		default:
			lx.saveAdvance()
		}
	}
	lx.saveAdvance()
	return string(lx.buf[1 : len(lx.buf)-1])
}
