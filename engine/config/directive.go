package config

import (
	"strconv"
	"strings"
)

// Kind is how a directive's value is written and read.
type Kind uint8

// Directive kinds.
const (
	KindBool          Kind = iota // yes or no
	KindInt                       // a plain decimal integer
	KindMemory                    // bytes, with an optional unit (1k 1kb 1m 1mb 1g 1gb)
	KindMemoryPercent             // a memory amount or a percentage ("10%")
	KindOctal                     // an octal number (unixsocketperm)
	KindEnum                      // one word from a fixed set
	KindEnumFlags                 // one or more words from a fixed set
	KindString                    // any string
	KindSpecial                   // its own syntax (save, bind, dir, …)
)

var kindNames = [...]string{"bool", "int", "memory", "memory-percent", "octal", "enum", "enum-flags", "string", "special"}

func (k Kind) String() string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return "kind(" + strconv.Itoa(int(k)) + ")"
}

// Flag qualifies a directive.
type Flag uint16

// Directive flags, with Valkey's meaning.
const (
	Immutable   Flag = 1 << iota // set only at start-up; CONFIG SET refuses it
	Sensitive                    // the value is a secret: redact it from logs, MONITOR, COMMANDLOG
	Debug                        // reported by DEBUG CONFIG-style dumps
	MultiArg                     // takes several arguments
	Hidden                       // CONFIG GET reports it only when named exactly
	Protected                    // CONFIG SET needs enable-protected-configs
	DenyLoading                  // CONFIG SET refuses it while a dataset is loading
	Volatile                     // setting the same value again still counts as a change (reloads files)
)

// Directive describes one configuration directive. The table of them is
// the single source of truth for parsing, CONFIG GET/SET and CONFIG
// REWRITE; each one is bound to a typed field of Config or to a slot of
// the generic store.
type Directive struct {
	Name        string
	Alias       string // an older name that works everywhere the name does
	Kind        Kind
	Flags       Flag
	Implemented bool   // Volley acts on the value; otherwise it is only stored and reported
	Default     string // what CONFIG GET reports when nothing set it ("" for dir, the start-up directory)

	// Numeric kinds: the accepted range, inclusive. For Unsigned
	// directives both bounds compare as uint64 (Max -1 is 2^64-1).
	Min, Max int64
	Unsigned bool

	Enum []EnumValue // enum kinds, in Valkey's order

	index       int
	emptyIsNull bool                                 // strings: "" means unset, and is not rewritten
	validate    func(c *Config, v string) string     // strings: a reason to refuse v, or ""
	validFlags  func(v int64) string                 // enum kinds: a reason to refuse v, or ""
	builtin     func(c *Config, d *Directive) string // an apply step Volley always runs on CONFIG SET

	boolRef func(*Config) *bool
	numRef  numBinding
	strRef  func(*Config) *string

	def    int64  // numeric, enum and bool kinds
	defStr string // string kinds

	// Behaviour; generic kinds fill these from the bindings above.
	get     func(c *Config) string
	set     func(c *Config, args []string) (changed bool, reason string)
	rewrite func(c *Config, d *Directive, rw *rewriter)
	save    func(c *Config) any
	restore func(c *Config, v any)
}

// numBinding reads and writes a numeric or enum value of any integer type
// through int64, as Valkey funnels every numeric config through long long.
type numBinding struct {
	get func(*Config) int64
	set func(*Config, int64)
}

type anyInt interface {
	~int | ~int8 | ~int16 | ~int32 | ~int64 | ~uint | ~uint8 | ~uint16 | ~uint32 | ~uint64
}

// num binds a numeric directive to an integer field of Config.
func num[T anyInt](field func(*Config) *T) numBinding {
	return numBinding{
		get: func(c *Config) int64 { return int64(*field(c)) },
		set: func(c *Config, v int64) { *field(c) = T(v) },
	}
}

// multi reports whether the directive takes several arguments.
func (d *Directive) multi() bool { return d.Flags&MultiArg != 0 }

// Value is the directive's current value in c, formatted as CONFIG GET
// prints it.
func (d *Directive) Value(c *Config) string { return d.get(c) }

// finish derives a generic directive's behaviour from its binding.
func (d *Directive) finish(st *storeLayout) {
	switch d.Kind {
	case KindBool:
		if d.boolRef == nil {
			i := st.bools
			st.bools++
			d.boolRef = func(c *Config) *bool { return &c.store.bools[i] }
		}
		d.finishBool()
	case KindInt, KindMemory, KindMemoryPercent, KindOctal, KindEnum, KindEnumFlags:
		if d.numRef.get == nil {
			i := st.nums
			st.nums++
			d.numRef = num(func(c *Config) *int64 { return &c.store.nums[i] })
		}
		if d.Kind == KindEnum || d.Kind == KindEnumFlags {
			d.finishEnum()
		} else {
			d.finishNumber()
		}
	case KindString:
		if d.strRef == nil {
			i := st.strs
			st.strs++
			d.strRef = func(c *Config) *string { return &c.store.strs[i] }
		}
		d.finishString()
	}
	if d.save == nil {
		// Specials bind a single field too, but each one says so itself.
		panic("config: directive " + d.Name + " has no binding")
	}
}

func (d *Directive) finishBool() {
	ref, def := d.boolRef, d.def != 0
	d.get = func(c *Config) string { return yesNo(*ref(c)) }
	d.set = func(c *Config, args []string) (bool, string) {
		var v bool
		switch {
		case strings.EqualFold(args[0], "yes"):
			v = true
		case strings.EqualFold(args[0], "no"):
		default:
			return false, "argument must be 'yes' or 'no'"
		}
		changed := *ref(c) != v || d.Flags&Volatile != 0
		*ref(c) = v
		return changed, ""
	}
	d.rewrite = func(c *Config, d *Directive, rw *rewriter) {
		v := *ref(c)
		rw.line(d.Name, d.Name+" "+yesNo(v), v != def)
	}
	d.save = func(c *Config) any { return *ref(c) }
	d.restore = func(c *Config, v any) { *ref(c) = v.(bool) }
	d.Default = yesNo(def)
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

// parseNumber reads a numeric argument by the rules of d's kind; the
// reason is Valkey's wording when it cannot.
func (d *Directive) parseNumber(s string) (int64, string) {
	switch d.Kind {
	case KindMemory, KindMemoryPercent:
		if v, ok := parseMemory(s); ok {
			return int64(v), ""
		}
		if d.Kind == KindMemoryPercent && len(s) > 1 && s[len(s)-1] == '%' {
			// Percentages are kept as negative numbers.
			if v, ok := parseStrictInt(s[:len(s)-1]); ok && v >= 0 {
				return -v, ""
			}
		}
		if d.Kind == KindMemoryPercent {
			return 0, "argument must be a memory or percent value"
		}
		return 0, "argument must be a memory value"
	case KindOctal:
		v, end, overflow := cStrtoll(s, 8)
		if !overflow && (end == len(s) || (end == 0 && s == "")) {
			return v, ""
		}
		return 0, "argument couldn't be parsed as an octal number"
	}
	if v, ok := parseStrictInt(s); ok {
		return v, ""
	}
	return 0, "argument couldn't be parsed into an integer"
}

// checkRange applies d's bounds to v.
func (d *Directive) checkRange(v int64) string {
	if d.Unsigned {
		u, lo, hi := uint64(v), uint64(d.Min), uint64(d.Max)
		if u > hi || u < lo {
			if d.Kind == KindOctal {
				return "argument must be between " + strconv.FormatUint(lo, 8) + " and " + strconv.FormatUint(hi, 8) + " inclusive"
			}
			return "argument must be between " + strconv.FormatUint(lo, 10) + " and " + strconv.FormatUint(hi, 10) + " inclusive"
		}
		return ""
	}
	if d.Kind == KindMemoryPercent && v < 0 {
		if v < d.Min {
			return "percentage argument must be less or equal to " + strconv.FormatInt(-d.Min, 10)
		}
		return ""
	}
	if v > d.Max || v < d.Min {
		return "argument must be between " + strconv.FormatInt(d.Min, 10) + " and " + strconv.FormatInt(d.Max, 10) + " inclusive"
	}
	return ""
}

// formatNumber prints v as CONFIG GET does for d's kind.
func (d *Directive) formatNumber(v int64) string {
	switch {
	case d.Kind == KindMemoryPercent && v < 0:
		return strconv.FormatInt(-v, 10) + "%"
	case d.Kind == KindMemory || d.Kind == KindMemoryPercent:
		return strconv.FormatUint(uint64(v), 10)
	case d.Kind == KindOctal:
		return strconv.FormatUint(uint64(v), 8)
	}
	// Signed even for unsigned directives, as Valkey prints them: an
	// unsigned long set to -1 reads back as -1.
	return strconv.FormatInt(v, 10)
}

func (d *Directive) finishNumber() {
	ref := d.numRef
	d.get = func(c *Config) string { return d.formatNumber(ref.get(c)) }
	d.set = func(c *Config, args []string) (bool, string) {
		v, reason := d.parseNumber(args[0])
		if reason == "" {
			reason = d.checkRange(v)
		}
		if reason != "" {
			return false, reason
		}
		changed := ref.get(c) != v
		ref.set(c, v)
		return changed, ""
	}
	d.rewrite = func(c *Config, d *Directive, rw *rewriter) {
		v := ref.get(c)
		var text string
		switch {
		case d.Kind == KindMemoryPercent && v < 0:
			text = strconv.FormatInt(-v, 10) + "%"
		case d.Kind == KindMemory || d.Kind == KindMemoryPercent:
			text = formatMemory(uint64(v))
		default:
			text = d.formatNumber(v)
		}
		rw.line(d.Name, d.Name+" "+text, v != d.def)
	}
	d.save = func(c *Config) any { return ref.get(c) }
	d.restore = func(c *Config, v any) { ref.set(c, v.(int64)) }
	d.Default = d.formatNumber(d.def)
}

func (d *Directive) finishEnum() {
	ref, flagSet := d.numRef, d.Kind == KindEnumFlags
	if flagSet {
		d.Flags |= MultiArg
	}
	d.get = func(c *Config) string { return enumName(d.Enum, ref.get(c), flagSet) }
	d.set = func(c *Config, args []string) (bool, string) {
		v, ok := enumValue(d.Enum, args, flagSet)
		if !ok {
			return false, enumError(d.Enum)
		}
		if d.validFlags != nil {
			if reason := d.validFlags(v); reason != "" {
				return false, reason
			}
		}
		changed := ref.get(c) != v
		ref.set(c, v)
		return changed, ""
	}
	d.rewrite = func(c *Config, d *Directive, rw *rewriter) {
		v := ref.get(c)
		rw.line(d.Name, d.Name+" "+enumName(d.Enum, v, flagSet), v != d.def)
	}
	d.save = func(c *Config) any { return ref.get(c) }
	d.restore = func(c *Config, v any) { ref.set(c, v.(int64)) }
	d.Default = enumName(d.Enum, d.def, flagSet)
}

func (d *Directive) finishString() {
	ref := d.strRef
	d.get = func(c *Config) string { return *ref(c) }
	d.set = func(c *Config, args []string) (bool, string) {
		v := args[0]
		if d.validate != nil {
			if reason := d.validate(c, v); reason != "" {
				return false, reason
			}
		}
		changed := *ref(c) != v || d.Flags&Volatile != 0
		*ref(c) = v
		return changed, ""
	}
	d.rewrite = func(c *Config, d *Directive, rw *rewriter) {
		v := *ref(c)
		if v == "" && d.emptyIsNull {
			// An unset value must stay absent from the file to stay unset.
			rw.processed(d.Name)
			return
		}
		rw.line(d.Name, d.Name+" "+quote(v), d.emptyIsNull || v != d.defStr)
	}
	d.save = func(c *Config) any { return *ref(c) }
	d.restore = func(c *Config, v any) { *ref(c) = v.(string) }
	d.Default = d.defStr
}

// reset puts the directive's default value into c.
func (d *Directive) reset(c *Config) {
	switch d.Kind {
	case KindBool:
		*d.boolRef(c) = d.def != 0
	case KindString:
		*d.strRef(c) = d.defStr
	case KindSpecial:
	default:
		d.numRef.set(c, d.def)
	}
}
