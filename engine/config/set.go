package config

import "strings"

// ReplyError is an error whose text is the error reply to send, prefix
// included ("ERR ...", "LOADING ...").
type ReplyError string

func (e ReplyError) Error() string { return string(e) }

// Errors returned by Set and Rewrite as themselves.
var (
	// ErrLoading is returned by Set for a directive that cannot change
	// while a dataset is loading (appendonly, dir, repl-diskless-load).
	ErrLoading = ReplyError("LOADING Valkey is loading the dataset in memory")
	// ErrNoConfigFile is returned by Rewrite when the server was started
	// without a configuration file.
	ErrNoConfigFile = ReplyError("ERR The server is running without a config file")
)

// Caller describes the client running CONFIG SET.
type Caller struct {
	Local   bool // connected over a loopback address or a unix socket
	Loading bool // the server is loading a dataset
}

func setFailed(name, reason string) ReplyError {
	return ReplyError("ERR CONFIG SET failed (possibly related to argument '" + name + "') - " + reason)
}

type setItem struct {
	d     *Directive
	name  string // the table's spelling of the name the caller used
	value string
	old   any
	oldV  string // CONFIG GET form of the old value, for hooks
}

// Set answers CONFIG SET for name/value pairs, atomically: every name is
// checked first (unknown, immutable, protected, loading, duplicate: the
// first problem wins), then every value is set, then the apply hooks run.
// If a value is refused or a hook fails, every directive of the command
// gets its old value back, hooks that already ran are called again with
// old and new swapped, and the error is returned. The error is always a
// ReplyError.
func (c *Config) Set(pairs [][2][]byte, caller Caller) error {
	items := make([]setItem, 0, len(pairs))
	var fail error
	for _, p := range pairs {
		raw := string(p[0])
		d := Lookup(raw)
		if d == nil {
			if fail == nil {
				fail = ReplyError("ERR Unknown option or number of arguments for CONFIG SET - '" + raw + "'")
			}
			continue
		}
		if fail != nil {
			continue
		}
		switch {
		case d.Flags&Immutable != 0:
			fail = setFailed(raw, "can't set immutable config")
		case d.Flags&Protected != 0 && !c.EnableProtectedConfigs.Allowed(caller.Local):
			fail = setFailed(raw, "can't set protected config")
		case caller.Loading && d.Flags&DenyLoading != 0:
			fail = ErrLoading
		}
		name := d.Name
		if d.Alias != "" && strings.EqualFold(raw, d.Alias) {
			name = d.Alias
		}
		if fail == nil {
			// Valkey registers an alias as an entry of its own, so only
			// the same spelling twice is a duplicate: "slowlog-max-len 1
			// commandlog-slow-execution-max-len 2" sets it twice.
			for _, it := range items {
				if it.d == d && it.name == name {
					fail = setFailed(raw, "duplicate parameter")
					break
				}
			}
		}
		items = append(items, setItem{d: d, name: name, value: string(p[1])})
	}
	if fail != nil {
		return fail
	}

	for i := range items {
		it := &items[i]
		it.old = it.d.save(c)
		if len(c.hooks[it.d]) > 0 {
			it.oldV = it.d.get(c)
		}
	}
	restore := func() {
		for _, it := range items {
			it.d.restore(c, it.old)
		}
	}

	changed := make([]bool, len(items))
	for i, it := range items {
		args := []string{it.value}
		if it.d.multi() {
			args = splitSpaces(it.value)
		}
		ch, reason := it.d.set(c, args)
		if reason != "" {
			restore()
			return setFailed(it.name, reason)
		}
		changed[i] = ch
	}

	type ran struct {
		fn       ApplyFunc
		old, new string
	}
	var done []ran
	for i, it := range items {
		if !changed[i] {
			continue
		}
		reason := ""
		if it.d.builtin != nil {
			reason = it.d.builtin(c, it.d)
		}
		if reason == "" {
			newV := ""
			if hooks := c.hooks[it.d]; len(hooks) > 0 {
				newV = it.d.get(c)
			}
			for _, fn := range c.hooks[it.d] {
				if err := fn(it.oldV, newV); err != nil {
					reason = err.Error()
					break
				}
				done = append(done, ran{fn, it.oldV, newV})
			}
		}
		if reason != "" {
			restore()
			for j := len(done) - 1; j >= 0; j-- {
				_ = done[j].fn(done[j].new, done[j].old) // undoing; Valkey only logs a failure here
			}
			return setFailed(it.name, reason)
		}
	}
	return nil
}
