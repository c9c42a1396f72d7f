package engine

import "errors"

// KeyRef is one key argument of a command line: its position in argv and
// how the command uses it.
type KeyRef struct {
	Pos   int
	Flags KeyFlags
}

// errKeyArgs is returned by GetKeys when the arguments do not fit the
// command's key specs (a bad numkeys, a missing keyword, too few
// arguments) and the command has no key finder of its own to fall back
// on. The command itself will reply with its own error.
var errKeyArgs = errors.New("engine: arguments do not match the command's key specs")

// getKeysProc is a command's own key finder, for commands whose key specs
// are incomplete, unknown, or have flags that depend on the arguments.
// It appends to dst. A result with no keys means the line is malformed.
type getKeysProc func(argv [][]byte, dst []KeyRef) []KeyRef

// getKeysProcs names each command's key finder by Spec.FullName, as the
// get_keys_function of Valkey's command table.
var getKeysProcs = map[string]getKeysProc{
	"bitfield":          bitfieldKeys,
	"blmpop":            numKeysFinder(0, 2, 3),
	"bzmpop":            numKeysFinder(0, 2, 3),
	"eval":              numKeysFinder(0, 2, 3),
	"eval_ro":           numKeysFinder(0, 2, 3),
	"evalsha":           numKeysFinder(0, 2, 3),
	"evalsha_ro":        numKeysFinder(0, 2, 3),
	"fcall":             numKeysFinder(0, 2, 3),
	"fcall_ro":          numKeysFinder(0, 2, 3),
	"georadius":         georadiusKeys,
	"georadiusbymember": georadiusKeys,
	"lmpop":             numKeysFinder(0, 1, 2),
	"migrate":           migrateKeys,
	"set":               setKeys,
	"sintercard":        numKeysFinder(0, 1, 2),
	"sort":              sortKeys,
	"sort_ro":           sortROKeys,
	"xread":             xreadKeys,
	"xreadgroup":        xreadKeys,
	"zdiff":             numKeysFinder(0, 1, 2),
	"zdiffstore":        numKeysFinder(1, 2, 3),
	"zinter":            numKeysFinder(0, 1, 2),
	"zintercard":        numKeysFinder(0, 1, 2),
	"zinterstore":       numKeysFinder(1, 2, 3),
	"zmpop":             numKeysFinder(0, 1, 2),
	"zunion":            numKeysFinder(0, 1, 2),
	"zunionstore":       numKeysFinder(1, 2, 3),
}

// HasKeys reports whether the command can take key arguments at all: it
// has a key finder or a key spec that names real keys. COMMAND GETKEYS
// refuses commands without.
func (s *Spec) HasKeys() bool {
	if s.getKeysProc != nil {
		return true
	}
	for i := range s.Keys {
		if s.Keys[i].Flags&KeyNotKey == 0 {
			return true
		}
	}
	return false
}

// GetKeys appends to dst the key arguments of argv (the whole command
// line, argv[0] being the command name) with their access flags, as
// Valkey's getKeysFromCommandWithSpecs does for ACL checks and COMMAND
// GETKEYS: the key specs when they are complete and their flags fixed,
// else the command's own key finder. The caller has checked the arity.
//
// A command without keys returns no keys and a nil error. errKeyArgs says
// the line does not fit the key specs and there was nothing to fall back
// on; a key finder that finds nothing returns no keys and a nil error.
func (s *Spec) GetKeys(argv [][]byte, dst []KeyRef) ([]KeyRef, error) {
	var realKey, varFlags bool
	for i := range s.Keys {
		f := s.Keys[i].Flags
		realKey = realKey || f&KeyNotKey == 0
		varFlags = varFlags || f&KeyVariableFlags != 0
	}
	specsFailed := false
	if realKey && !varFlags {
		out, ok := s.keysFromSpecs(argv, dst, false)
		if ok {
			return out, nil
		}
		specsFailed = true
	}
	if s.getKeysProc != nil {
		return s.getKeysProc(argv, dst), nil
	}
	if specsFailed {
		return dst, errKeyArgs
	}
	return dst, nil
}

// GetKeysPartial is GetKeys without the fallback: it applies every key
// spec it can and skips those that do not fit the line (Valkey's
// GET_KEYSPEC_RETURN_PARTIAL). Unknown and incomplete specs contribute
// what they can find.
func (s *Spec) GetKeysPartial(argv [][]byte, dst []KeyRef) []KeyRef {
	out, _ := s.keysFromSpecs(argv, dst, true)
	return out
}

// CallKeys appends to dst the keys of argv the way Valkey's
// getKeysFromCommand finds them for cluster redirection, the prefetch
// executor and client tracking: the command's key finder if it has one,
// else the legacy (first, last, step) range. The flags of the result are
// not meaningful, and a malformed line yields no keys.
func (s *Spec) CallKeys(argv [][]byte, dst []KeyRef) []KeyRef {
	if s.getKeysProc != nil {
		return s.getKeysProc(argv, dst)
	}
	if s.legacyFirst == 0 {
		return dst
	}
	first, last, step := s.legacyFirst, s.legacyLast, s.legacyStep
	if last < 0 {
		last += len(argv)
	}
	base := len(dst)
	for i := first; i <= last; i += step {
		if i >= len(argv) {
			// Only variadic commands can get here (the dispatcher
			// checked the arity); leave the error to the command.
			return dst[:base]
		}
		dst = append(dst, KeyRef{Pos: i})
	}
	return dst
}

// keysFromSpecs applies the key specs to argv. With partial set, a spec
// that does not fit is skipped; otherwise it fails the whole search, and
// dst is returned as it came with ok false.
func (s *Spec) keysFromSpecs(argv [][]byte, dst []KeyRef, partial bool) (out []KeyRef, ok bool) {
	argc := len(argv)
	base := len(dst)
	for i := range s.Keys {
		k := &s.Keys[i]
		if k.Flags&KeyNotKey != 0 {
			continue
		}
		first := 0
		switch {
		case k.BeginIndex > 0:
			first = k.BeginIndex
		case k.BeginKeyword != "":
			first = findKeyword(argv, k.BeginKeyword, k.KeywordFrom)
			if first == 0 {
				continue // an absent keyword just means no such keys
			}
		default:
			if partial {
				continue
			}
			return dst[:base], false
		}

		var last, step int
		switch {
		case k.Range:
			step = k.Step
			switch {
			case k.LastKey >= 0:
				last = first + k.LastKey
			case k.Limit == 0:
				last = argc + k.LastKey
			default:
				// Keys take 1/Limit of what follows, as XREAD's
				// STREAMS k1 k2 id1 id2.
				last = first + (argc-first)/k.Limit + k.LastKey
			}
		case k.KeyNum:
			step = k.KeyStep
			at := first + k.KeyNumIdx
			if at >= argc {
				if partial {
					continue
				}
				return dst[:base], false
			}
			n, okn := parseInt(argv[at])
			if !okn || n < 0 {
				if partial {
					continue
				}
				return dst[:base], false
			}
			first += k.FirstKey
			// The count is truncated to 32 bits, as Valkey's (int) cast
			// does; absurd counts then fail the bounds check below.
			last = first + int(int32(n)) - 1
		default:
			if partial {
				continue
			}
			return dst[:base], false
		}

		if last >= argc || last < first || first >= argc {
			if partial {
				continue
			}
			return dst[:base], false
		}
		for j := first; j <= last; j += step {
			dst = append(dst, KeyRef{Pos: j, Flags: k.Flags})
		}
		if k.Flags&KeyIncomplete != 0 && !partial {
			return dst[:base], false
		}
	}
	return dst, true
}

// findKeyword returns the position after the first argument equal to kw
// (ASCII case-insensitively), or 0. A positive from searches forward from
// that index up to, not including, the last argument; a negative one
// searches backward from len(argv)+from down to, not including, index 1.
func findKeyword(argv [][]byte, kw string, from int) int {
	argc := len(argv)
	if from > 0 {
		for i := from; i < argc-1; i++ {
			if kwEqual(argv[i], kw) {
				return i + 1
			}
		}
		return 0
	}
	for i := argc + from; i > 1; i-- {
		if i >= argc {
			return 0
		}
		if kwEqual(argv[i], kw) {
			return i + 1
		}
	}
	return 0
}

// kwEqual compares b and s ignoring ASCII case only, as C's
// strcasecmp does (bytes.EqualFold would also fold Unicode).
func kwEqual(b []byte, s string) bool {
	if len(b) != len(s) {
		return false
	}
	for i := 0; i < len(b); i++ {
		x, y := b[i], s[i]
		if 'A' <= x && x <= 'Z' {
			x += 'a' - 'A'
		}
		if 'A' <= y && y <= 'Z' {
			y += 'a' - 'A'
		}
		if x != y {
			return false
		}
	}
	return true
}

// atoiLoose reads a leading decimal integer the way C's atoi does: leading
// white space and a sign are accepted, and reading stops at the first
// non-digit. Values are clamped to the int32 range.
func atoiLoose(b []byte) int {
	i := 0
	for i < len(b) && (b[i] == ' ' || (b[i] >= '\t' && b[i] <= '\r')) {
		i++
	}
	neg := false
	if i < len(b) && (b[i] == '+' || b[i] == '-') {
		neg = b[i] == '-'
		i++
	}
	var v int64
	for ; i < len(b) && b[i] >= '0' && b[i] <= '9'; i++ {
		v = v*10 + int64(b[i]-'0')
		if v > 1<<31 {
			v = 1 << 31
		}
	}
	if neg {
		v = -v
	}
	return int(max(min(v, 1<<31-1), -1<<31))
}

// numKeysFinder returns the key finder of commands shaped
// CMD [dest] numkeys key... [options]: numkeys at countAt, the first key
// at firstAt, the destination (when storeAt > 0) last in the result.
// Flags are left zero: these commands' key specs carry them.
func numKeysFinder(storeAt, countAt, firstAt int) getKeysProc {
	return func(argv [][]byte, dst []KeyRef) []KeyRef {
		if countAt >= len(argv) {
			return dst
		}
		n := atoiLoose(argv[countAt])
		if n < 1 || n > len(argv)-firstAt {
			return dst
		}
		for i := 0; i < n; i++ {
			dst = append(dst, KeyRef{Pos: firstAt + i})
		}
		if storeAt > 0 {
			dst = append(dst, KeyRef{Pos: storeAt})
		}
		return dst
	}
}

// sortKeys finds SORT's keys: the sorted key, and the STORE destination
// (the last one, as SORT uses the last). BY and GET patterns name keys
// derived from the data, which no one can know in advance.
func sortKeys(argv [][]byte, dst []KeyRef) []KeyRef {
	dst = append(dst, KeyRef{Pos: 1, Flags: KeyRO | KeyAccess})
	store := 0
	for i := 2; i < len(argv); i++ {
		switch {
		case kwEqual(argv[i], "limit"):
			i += 2
		case kwEqual(argv[i], "store") && i+1 < len(argv):
			store = i + 1 // keep scanning: the last STORE wins
		case kwEqual(argv[i], "get"), kwEqual(argv[i], "by"):
			i++
		}
	}
	if store > 0 {
		dst = append(dst, KeyRef{Pos: store, Flags: KeyOW | KeyUpdate})
	}
	return dst
}

// sortROKeys finds SORT_RO's only certain key, the sorted one.
func sortROKeys(argv [][]byte, dst []KeyRef) []KeyRef {
	return append(dst, KeyRef{Pos: 1, Flags: KeyRO | KeyAccess})
}

// migrateKeys finds MIGRATE's keys: the key argument, or with the KEYS
// option (and an empty key argument) every argument after KEYS.
func migrateKeys(argv [][]byte, dst []KeyRef) []KeyRef {
	first, n := 3, 1
	if len(argv) > 6 {
	scan:
		for i := 6; i < len(argv); i++ {
			switch {
			case kwEqual(argv[i], "keys"):
				if len(argv[3]) > 0 {
					n = 0 // a syntax error MIGRATE itself reports
				} else {
					first, n = i+1, len(argv)-i-1
				}
				break scan
			case kwEqual(argv[i], "auth"):
				i++
			case kwEqual(argv[i], "auth2"):
				i += 2
			}
		}
	}
	for i := 0; i < n; i++ {
		dst = append(dst, KeyRef{Pos: first + i, Flags: KeyRW | KeyAccess | KeyDelete})
	}
	return dst
}

// georadiusKeys finds GEORADIUS[BYMEMBER]'s keys: the source, and the
// STORE or STOREDIST destination (the last given wins, as in the command).
func georadiusKeys(argv [][]byte, dst []KeyRef) []KeyRef {
	dst = append(dst, KeyRef{Pos: 1})
	store := 0
	for i := 5; i < len(argv); i++ {
		if (kwEqual(argv[i], "store") || kwEqual(argv[i], "storedist")) && i+1 < len(argv) {
			store = i + 1
			i++
		}
	}
	if store > 0 {
		dst = append(dst, KeyRef{Pos: store})
	}
	return dst
}

// xreadKeys finds XREAD's and XREADGROUP's stream keys: the first half of
// what follows the STREAMS option, found by skipping the options before
// it (a key or group may itself be called "streams").
func xreadKeys(argv [][]byte, dst []KeyRef) []KeyRef {
	at := -1
scan:
	for i := 1; i < len(argv); i++ {
		switch {
		case kwEqual(argv[i], "block"), kwEqual(argv[i], "count"):
			i++
		case kwEqual(argv[i], "group"):
			i += 2
		case kwEqual(argv[i], "noack"):
		case kwEqual(argv[i], "streams"):
			at = i
			break scan
		default:
			break scan
		}
	}
	if at < 0 {
		return dst
	}
	n := len(argv) - at - 1
	if n == 0 || n%2 != 0 {
		return dst
	}
	for i := 0; i < n/2; i++ {
		dst = append(dst, KeyRef{Pos: at + 1 + i})
	}
	return dst
}

// setKeys finds SET's key, whose flags depend on the GET option.
func setKeys(argv [][]byte, dst []KeyRef) []KeyRef {
	for i := 3; i < len(argv); i++ {
		if kwEqual(argv[i], "get") {
			return append(dst, KeyRef{Pos: 1, Flags: KeyRW | KeyAccess | KeyUpdate})
		}
	}
	return append(dst, KeyRef{Pos: 1, Flags: KeyOW | KeyUpdate})
}

// bitfieldKeys finds BITFIELD's key, read-only when every operation is a
// GET (or OVERFLOW); anything else, a malformed line included, may write.
func bitfieldKeys(argv [][]byte, dst []KeyRef) []KeyRef {
	readonly := true
	for i := 2; i < len(argv) && readonly; i++ {
		rest := len(argv) - i - 1
		switch {
		case kwEqual(argv[i], "get") && rest >= 2:
			i += 2
		case (kwEqual(argv[i], "set") || kwEqual(argv[i], "incrby")) && rest >= 3:
			readonly = false
		case kwEqual(argv[i], "overflow") && rest >= 1:
			i++
		default:
			readonly = false
		}
	}
	if readonly {
		return append(dst, KeyRef{Pos: 1, Flags: KeyRO | KeyAccess})
	}
	return append(dst, KeyRef{Pos: 1, Flags: KeyRW | KeyAccess | KeyUpdate})
}
