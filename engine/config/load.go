package config

import (
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// FatalError is a configuration error that stops the server at start-up.
// Its text is exactly what valkey-server prints to standard error before
// exiting with status 1; print it with a trailing newline.
type FatalError struct {
	Version string // the version named in the banner
	Line    int    // 1-based line within the text being read; 0 when no single line is at fault
	Text    string // that line, trimmed
	Reason  string
}

func (e *FatalError) Error() string {
	var b strings.Builder
	b.WriteString("\n*** FATAL CONFIG FILE ERROR (Version ")
	b.WriteString(e.Version)
	b.WriteString(") ***\n")
	if e.Line > 0 {
		b.WriteString("Reading the configuration file, at line ")
		b.WriteString(strconv.Itoa(e.Line))
		b.WriteString("\n>>> '")
		b.WriteString(e.Text)
		b.WriteString("'\n")
	}
	b.WriteString(e.Reason)
	return b.String()
}

// OpenError reports a configuration file, or an included one, that could
// not be read. Valkey logs its text as a warning and exits with status 1.
type OpenError struct {
	Path string
	Err  error
}

func (e *OpenError) Error() string {
	return "Fatal error, can't open config file '" + e.Path + "': " + Strerror(e.Err)
}

func (e *OpenError) Unwrap() error { return e.Err }

// Args is valkey-server's command line, split the way it splits it.
type Args struct {
	ConfigFile string // the configuration file argument, as given; "" if none
	Stdin      bool   // "-" asked for configuration on standard input
	Options    string // the --name value options, as configuration lines
}

// ParseArgs splits the arguments of volley-server (without the program
// name) as valkey-server does: an optional configuration file first, "-"
// first or last to read standard input, then --name value... options,
// each turned into one configuration line. A value may itself start with
// "--" when it follows a bare option name; a bare --save becomes save "".
// The caller handles --version, --help, --test-memory and --check-system
// before this.
func ParseArgs(argv []string) Args {
	var a Args
	j := 0
	if len(argv) > 0 && !strings.HasPrefix(argv[0], "-") {
		a.ConfigFile = argv[0]
		j = 1
	}
	var opts strings.Builder
	// Whether the last option name already has its value; until it does,
	// even an argument starting with "--" is taken as a value.
	handled := true
	for ; j < len(argv); j++ {
		arg := argv[j]
		last := j == len(argv)-1
		switch {
		case arg == "-" && (j == 0 || last):
			a.Stdin = true
		case handled && strings.HasPrefix(arg, "--"):
			if opts.Len() > 0 {
				opts.WriteByte('\n')
			}
			opts.WriteString(arg[2:])
			opts.WriteByte(' ')
			parts, _ := splitArgs(arg)
			if len(parts) != 1 {
				// "--port 6380" as one argument carries its own value.
				handled = true
				break
			}
			handled = false
			nextIsOption := !last && strings.HasPrefix(argv[j+1], "--")
			switch {
			case strings.EqualFold(arg, "--save") && nextIsOption:
				opts.WriteString(`""`)
				handled = true
			case strings.EqualFold(arg, "--save") && last:
				opts.WriteString(`""`)
			case strings.EqualFold(arg, "--sentinel") && nextIsOption:
				handled = true
			}
		default:
			opts.WriteString(quote(arg))
			opts.WriteByte(' ')
			handled = true
		}
	}
	a.Options = opts.String()
	return a
}

// LoadOptions tunes loading.
type LoadOptions struct {
	// Version is the Valkey version named in fatal error banners, e.g.
	// "9.0.4".
	Version string
	// Stdin is read when Args.Stdin is set.
	Stdin io.Reader
	// RenameCommand, when set, validates a rename-command line as it is
	// read; its error text becomes the fatal reason ("No such command in
	// rename-command", "Target command name already exists").
	RenameCommand func(from, to string) error
	// User, when set, validates a user line (its arguments after "user");
	// its error text becomes the fatal reason, e.g. "Error in user
	// declaration 'x': Syntax error".
	User func(args []string) error

	// sandbox keeps a load from touching the file system: no log file
	// check, no includes. For fuzzing.
	sandbox bool
}

// maxIncludeDepth stops include cycles, which would exhaust Valkey's stack.
const maxIncludeDepth = 64

// Load builds the start-up configuration: the defaults, then the
// configuration file, then standard input, then the command-line
// options, the last value read winning.
func Load(args Args, opts LoadOptions) (*Config, error) {
	c := New()
	var text []byte
	if args.ConfigFile != "" {
		if abs, err := filepath.Abs(args.ConfigFile); err == nil {
			c.ConfigFile = abs
		} else {
			c.ConfigFile = args.ConfigFile
		}
		b, err := c.readConfig(c.ConfigFile)
		if err != nil {
			return nil, err
		}
		text = b
	}
	if args.Stdin && opts.Stdin != nil {
		b, err := io.ReadAll(opts.Stdin)
		if err != nil {
			return nil, &OpenError{Path: "-", Err: err}
		}
		text = append(text, b...)
	}
	text = append(text, '\n')
	text = append(text, args.Options...)
	if err := c.parse(cleanText(text), &opts, 0); err != nil {
		return nil, err
	}
	return c, nil
}

// LoadString reads configuration text on top of c, as if it were a
// configuration file.
func (c *Config) LoadString(text string, opts LoadOptions) error {
	return c.parse(cleanText([]byte(text)), &opts, 0)
}

// readConfig reads a configuration file. A name with glob characters reads
// every matching file in order, and matching none is not an error.
func (c *Config) readConfig(name string) ([]byte, error) {
	if !strings.ContainsAny(name, "*?[") {
		b, err := os.ReadFile(c.resolve(name))
		if err != nil {
			return nil, &OpenError{Path: name, Err: err}
		}
		return b, nil
	}
	matches, _ := filepath.Glob(c.resolve(name))
	hidden := strings.HasPrefix(filepath.Base(name), ".")
	var out []byte
	for _, m := range matches {
		if !hidden && strings.HasPrefix(filepath.Base(m), ".") {
			continue // glob(3) keeps * and ? from matching a leading dot
		}
		b, err := os.ReadFile(m)
		if err != nil {
			return nil, &OpenError{Path: m, Err: err}
		}
		out = append(out, b...)
	}
	return out, nil
}

// deprecated are directives Valkey still accepts, with one argument, and
// ignores.
var deprecated = map[string]bool{
	"list-max-ziplist-entries": true,
	"list-max-ziplist-value":   true,
	"lua-replicate-commands":   true,
	"io-threads-do-reads":      true,
	"dynamic-hz":               true,
}

// parse applies configuration text. Line numbers in errors count within
// text, so an included file reports its own lines.
func (c *Config) parse(text string, opts *LoadOptions, depth int) error {
	fatal := func(line int, lineText, reason string) error {
		return &FatalError{Version: opts.Version, Line: line, Text: lineText, Reason: reason}
	}
	c.readingFile = true
	lines := strings.Split(text, "\n")
	for i, raw := range lines {
		num := i + 1
		line := strings.Trim(raw, " \t\r\n")
		if line == "" || line[0] == '#' {
			continue
		}
		argv, ok := splitArgs(line)
		if !ok {
			return fatal(num, line, "Unbalanced quotes in configuration line")
		}
		if len(argv) == 0 {
			continue
		}
		name := strings.ToLower(argv[0])
		if d := table.byName[name]; d != nil {
			if !d.multi() && len(argv) != 2 {
				return fatal(num, line, "wrong number of arguments")
			}
			args := argv[1:]
			if d.multi() && len(argv) == 2 && argv[1] != "" {
				// One argument holding several: save "900 1 300 10".
				// Unbalanced quotes inside it leave no arguments.
				args, _ = splitArgs(argv[1])
			}
			if _, reason := d.set(c, args); reason != "" {
				return fatal(num, line, reason)
			}
			continue
		}
		if deprecated[name] && len(argv) == 2 {
			continue
		}
		switch {
		case name == "include" && len(argv) == 2:
			if depth >= maxIncludeDepth {
				return fatal(num, line, "include nesting is too deep")
			}
			if opts.sandbox {
				return &OpenError{Path: argv[1], Err: os.ErrPermission}
			}
			b, err := c.readConfig(argv[1])
			if err != nil {
				return err
			}
			if err := c.parse(cleanText(b), opts, depth+1); err != nil {
				return err
			}
		case name == "rename-command" && len(argv) == 3:
			if opts.RenameCommand != nil {
				if err := opts.RenameCommand(argv[1], argv[2]); err != nil {
					return fatal(num, line, err.Error())
				}
			}
			c.RenameCommands = append(c.RenameCommands, [2]string{argv[1], argv[2]})
		case name == "user" && len(argv) >= 2:
			if opts.User != nil {
				if err := opts.User(argv[1:]); err != nil {
					return fatal(num, line, err.Error())
				}
			}
			c.Users = append(c.Users, argv[1:])
		case name == "loadmodule" && len(argv) >= 2:
			c.LoadModules = append(c.LoadModules, argv[1:])
		case strings.Contains(name, "."):
			if len(argv) < 2 {
				return fatal(num, line, "Module config specified without value")
			}
			c.setModuleConfig(name, strings.Join(argv[1:], " "))
		case name == "sentinel":
			// A bare "sentinel" line is how Sentinel mode is chosen, which
			// Volley does not have; anything more is refused.
			if len(argv) != 1 {
				return fatal(num, line, "sentinel directive while not in sentinel mode")
			}
		default:
			return fatal(num, line, "Bad directive or wrong number of arguments")
		}
	}

	if c.LogFile != "" && !opts.sandbox {
		// Valkey makes sure the log file can be opened before it starts.
		f, err := os.OpenFile(c.resolve(c.LogFile), os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o666)
		if err != nil {
			return fatal(0, "", "Can't open the log file: "+Strerror(err))
		}
		f.Close()
	}
	if c.ClusterEnabled && c.ReplicaOfHost != "" {
		return fatal(0, "", "replicaof directive not allowed in cluster mode")
	}
	// Like Valkey, the end of any file, included ones too, ends the
	// accumulation of save lines.
	c.readingFile = false
	return nil
}

func (c *Config) setModuleConfig(name, value string) {
	for i := range c.ModuleConfigs {
		if c.ModuleConfigs[i].Name == name {
			c.ModuleConfigs[i].Value = value
			return
		}
	}
	c.ModuleConfigs = append(c.ModuleConfigs, KV{name, value})
}
