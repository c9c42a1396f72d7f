package engine

// globMatch reports whether s matches the glob pattern as Valkey's
// stringmatchlen matches KEYS, SCAN MATCH, PSUBSCRIBE and COMMAND LIST
// patterns: a star matches any run of bytes, '?' any one byte, "[abc]"
// one byte of a set, "[^abc]" one byte not in it, "[a-z]" a range, and a
// backslash makes the next byte literal, inside a set or out.
//
// With nocase, ASCII letters match either case (except an escaped byte
// inside a set, which Valkey compares exactly).
//
// Valkey's quirks are kept because clients observe them: an empty s
// matches only an empty pattern (so "*" does not match ""); a set left
// open runs to the end of the pattern; "[a-]" is a range from 'a' to ']';
// range ends compare as signed chars, so bytes >= 0x80 sort below ASCII;
// and a pattern needing more than 1000 star runs to match never matches,
// Valkey's guard against abusive patterns.
//
// Matching keeps one backtrack point, the last star run seen: if the rest
// of the pattern fails from every position after it, moving an earlier
// star cannot help, since that only leaves less of s for the rest.
func globMatch(pattern, s []byte, nocase bool) bool {
	if len(s) == 0 {
		return len(pattern) == 0
	}
	const maxStars = 1000
	p, i := 0, 0
	back, backI, backStars := -1, 0, 0 // the pattern after the last star run, where in s it is tried, stars passed
	stars := 0
	for {
		if i == len(s) {
			for p < len(pattern) && pattern[p] == '*' {
				p++
			}
			if p == len(pattern) {
				return true
			}
		} else if p < len(pattern) {
			ok := true
			switch c := pattern[p]; c {
			case '*':
				for p < len(pattern) && pattern[p] == '*' {
					p++
				}
				if p == len(pattern) {
					return true
				}
				stars++
				if stars > maxStars {
					return false
				}
				back, backI, backStars = p, i, stars
				continue
			case '?':
				p++
			case '[':
				p, ok = matchSet(pattern, p+1, s[i], nocase)
			case '\\':
				if p+1 < len(pattern) {
					p++
				}
				ok = sameByte(pattern[p], s[i], nocase)
				p++
			default:
				ok = sameByte(c, s[i], nocase)
				p++
			}
			if ok {
				i++
				continue
			}
		}
		// A mismatch, or one side ran out before the other: let the last
		// star swallow one more byte. It never takes all of s: the rest
		// of the pattern does not start with a star, so cannot match "".
		if back < 0 || backI+1 >= len(s) {
			return false
		}
		backI++
		p, i, stars = back, backI, backStars
	}
}

// matchSet matches c against the set that starts at pattern[p] (just after
// the '['). It returns where the pattern continues and whether c matched.
func matchSet(pattern []byte, p int, c byte, nocase bool) (int, bool) {
	negate := p < len(pattern) && pattern[p] == '^'
	if negate {
		p++
	}
	match := false
	for p < len(pattern) {
		switch {
		case pattern[p] == '\\' && p+1 < len(pattern):
			match = match || pattern[p+1] == c
			p += 2
		case pattern[p] == ']':
			return p + 1, match != negate
		case p+2 < len(pattern) && pattern[p+1] == '-':
			// Valkey compares range ends as (signed) chars.
			lo, hi, x := int(int8(pattern[p])), int(int8(pattern[p+2])), int(int8(c))
			if lo > hi {
				lo, hi = hi, lo
			}
			if nocase {
				lo, hi, x = lowerInt(lo), lowerInt(hi), lowerInt(x)
			}
			match = match || (lo <= x && x <= hi)
			p += 3
		default:
			match = match || sameByte(pattern[p], c, nocase)
			p++
		}
	}
	return p, match != negate // an open set ends with the pattern
}

func sameByte(a, b byte, nocase bool) bool {
	if a == b {
		return true
	}
	if !nocase {
		return false
	}
	return lowerInt(int(a)) == lowerInt(int(b))
}

func lowerInt(c int) int {
	if 'A' <= c && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}
