package resp

import (
	"bytes"
	"errors"
)

// ErrUnbalancedQuotes is returned by SplitArgs when a quoted argument is not
// closed before the end of the line.
var ErrUnbalancedQuotes = errors.New("unbalanced quotes")

// SplitArgs splits a line into arguments the way Valkey splits inline
// commands and configuration lines (sdssplitargs), so that a line means the
// same to Volley as to Valkey:
//
//   - Arguments are separated by runs of spaces, tabs, CR, LF, VT or FF;
//     leading and trailing runs are ignored.
//   - Inside double quotes, \n \r \t \b \a stand for their control bytes,
//     \xHH for the byte with hex value HH, and a backslash before any other
//     byte for that byte.
//   - Inside single quotes everything is literal except \' for a quote.
//   - Quoted and unquoted pieces written next to each other join into one
//     argument: a"b c"'d' is the single argument "ab cd". (Redis once
//     rejected a closing quote not followed by a space; Valkey 9 does not.)
//   - A quote left open is an error, ErrUnbalancedQuotes.
//   - The line ends at its first NUL byte, as the C string Valkey splits does.
//
// A line with no arguments yields none and no error. The arguments do not
// alias line.
func SplitArgs(line []byte) ([][]byte, error) {
	args, ok := splitInPlace(make([][]byte, 0, 8), bytes.Clone(line))
	if !ok {
		return nil, ErrUnbalancedQuotes
	}
	return args, nil
}

// splitInPlace appends line's arguments to argv, unescaping quoted ones in
// place. That is possible because an argument never decodes to more bytes
// than it was written with, and each is decoded over its own source bytes,
// so no write reaches a byte not yet read or another argument. Arguments
// with nothing to unescape are not written at all. It reports false for an
// unterminated quote.
func splitInPlace(argv [][]byte, line []byte) ([][]byte, bool) {
	i := 0
	for {
		for i < len(line) && isSpace(line[i]) {
			i++
		}
		if i == len(line) || line[i] == 0 {
			return argv, true
		}
		start, w := i, i
		var ok bool
	arg:
		for i < len(line) {
			switch c := line[i]; c {
			case ' ', '\t', '\n', '\r', 0:
				// Not VT or FF: those end a run of separators but are
				// ordinary bytes inside an argument, as in Valkey.
				break arg
			case '"':
				if w, i, ok = unquoteDouble(line, w, i+1); !ok {
					return argv, false
				}
			case '\'':
				if w, i, ok = unquoteSingle(line, w, i+1); !ok {
					return argv, false
				}
			default:
				if w != i {
					line[w] = c
				}
				w++
				i++
			}
		}
		argv = append(argv, line[start:w:w])
	}
}

// unquoteDouble decodes a double-quoted piece whose body starts at line[i],
// writing at line[w]. It returns the advanced write and read offsets, the
// latter just past the closing quote.
func unquoteDouble(line []byte, w, i int) (int, int, bool) {
	for {
		if i == len(line) || line[i] == 0 {
			return w, i, false
		}
		c := line[i]
		switch {
		case c == '"':
			return w, i + 1, true
		case c == '\\' && i+3 < len(line) && line[i+1] == 'x' && isHex(line[i+2]) && isHex(line[i+3]):
			c = unhex(line[i+2])<<4 | unhex(line[i+3])
			i += 4
		case c == '\\' && i+1 < len(line) && line[i+1] != 0:
			switch c = line[i+1]; c {
			case 'n':
				c = '\n'
			case 'r':
				c = '\r'
			case 't':
				c = '\t'
			case 'b':
				c = '\b'
			case 'a':
				c = '\a'
			}
			i += 2
		default:
			// A backslash with nothing after it is kept as is; the next
			// iteration then finds the quote unterminated.
			i++
		}
		line[w] = c
		w++
	}
}

// unquoteSingle is unquoteDouble for single quotes, where only \' is special.
func unquoteSingle(line []byte, w, i int) (int, int, bool) {
	for {
		if i == len(line) || line[i] == 0 {
			return w, i, false
		}
		c := line[i]
		switch {
		case c == '\'':
			return w, i + 1, true
		case c == '\\' && i+1 < len(line) && line[i+1] == '\'':
			i += 2
			c = '\''
		default:
			i++
		}
		line[w] = c
		w++
	}
}

// isSpace is C's isspace in the C locale, which Valkey's ctype calls use.
func isSpace(c byte) bool {
	return c == ' ' || (c >= '\t' && c <= '\r')
}

func isHex(c byte) bool {
	return c-'0' <= 9 || (c|0x20)-'a' <= 5
}

func unhex(c byte) byte {
	if c <= '9' {
		return c - '0'
	}
	return (c | 0x20) - 'a' + 10
}
