package engine

import (
	"bytes"
	"context"
	"errors"
	"math/bits"
	"sort"
	"strings"
	"time"

	glua "github.com/yuin/gopher-lua"

	"github.com/volleydb/volley/engine/rdb"
	"github.com/volleydb/volley/engine/resp"
)

// Function libraries (Valkey's functions.c and function_lua.c): FUNCTION
// LOAD runs a library's code once in FUNCTION's interpreter, where the
// only API is server.register_function (and log); the functions it
// registers are then called by FCALL with KEYS and ARGV as arguments.

// functionLoadTimeout bounds a library's load run (Valkey's
// LOAD_TIMEOUT_MS).
const functionLoadTimeout = 500 * time.Millisecond

// luaFunction is one registered function.
type luaFunction struct {
	name  string
	desc  *string
	flags scriptFlags
	fn    *glua.LFunction
	lib   *functionLibrary
}

// functionLibrary is one loaded library.
type functionLibrary struct {
	name  string
	code  string // the whole source, shebang included
	funcs map[string]*luaFunction
	order []string // functions in registration order
}

// functionsState holds the loaded libraries and functions (the latter
// by lower-case name: FCALL's function names ignore case, as Valkey's).
type functionsState struct {
	libs  map[string]*functionLibrary
	funcs map[string]*luaFunction
}

func (fs *functionsState) init() {
	fs.libs = make(map[string]*functionLibrary)
	fs.funcs = make(map[string]*luaFunction)
}

// libraryLoad is the context of a library's load run: the functions it
// registered so far.
type libraryLoad struct {
	funcs []*luaFunction
}

// functionHandlers are the FUNCTION subcommands and FCALL.
var functionHandlers = map[string]Handler{
	"function|flush":   cmdFunctionFlush,
	"function|load":    cmdFunctionLoad,
	"function|delete":  cmdFunctionDelete,
	"function|list":    cmdFunctionList,
	"function|dump":    cmdFunctionDump,
	"function|restore": cmdFunctionRestore,
	"function|stats":   cmdFunctionStats,
	"function|kill":    cmdFunctionKill,
	"function|help":    cmdFunctionHelp,
	"fcall":            cmdFcall,
	"fcall_ro":         cmdFcallRo,
}

// FUNCTION FLUSH [ASYNC|SYNC].
func cmdFunctionFlush(c *Client) {
	switch {
	case len(c.Argv) > 3:
		subcommandSyntaxError(c)
		return
	case len(c.Argv) == 3 && !equalFoldASCII(c.Argv[2], "sync") && !equalFoldASCII(c.Argv[2], "async"):
		c.AddError("ERR FUNCTION FLUSH only supports SYNC|ASYNC option")
		return
	}
	c.srv.functionsFlush()
	c.srv.Dirty++
	c.AddOK()
}

// functionsFlush drops every library and starts FUNCTION's interpreter
// afresh.
func (s *Server) functionsFlush() {
	if !s.script.inited {
		return
	}
	st := s.scripting()
	st.funcs.init()
	st.fn.L.Close()
	st.fn = newLuaState(s, true)
}

// validFunctionName is Valkey's rule for library and function names.
func validFunctionName(name string) bool {
	if name == "" {
		return false
	}
	for i := 0; i < len(name); i++ {
		ch := name[i]
		if !(ch >= 'a' && ch <= 'z' || ch >= 'A' && ch <= 'Z' || ch >= '0' && ch <= '9' || ch == '_') {
			return false
		}
	}
	return true
}

// libraryMeta reads a library's "#!lua name=<name>" line: engine, name
// and the code after the line (from its newline on).
func libraryMeta(code string) (engine, name, body string, err error) {
	if !strings.HasPrefix(code, "#!") {
		return "", "", "", errors.New("Missing library metadata")
	}
	nl := strings.IndexByte(code, '\n')
	if nl < 0 {
		return "", "", "", errors.New("Invalid library metadata")
	}
	parts, perr := resp.SplitArgs([]byte(code[:nl]))
	if perr != nil || len(parts) == 0 {
		return "", "", "", errors.New("Invalid library metadata")
	}
	engine = string(parts[0][2:])
	hasName := false
	for _, p := range parts[1:] {
		if len(p) >= 5 && strings.EqualFold(string(p[:5]), "name=") {
			if hasName {
				return "", "", "", errors.New("Invalid metadata value, name argument was given multiple times")
			}
			name, hasName = string(p[5:]), true
			continue
		}
		return "", "", "", errors.New("Invalid metadata value given: " + string(p))
	}
	if !hasName {
		return "", "", "", errors.New("Library name was not given")
	}
	return engine, name, code[nl:], nil
}

// createLibrary compiles and loads a library into fs (Valkey's
// functionsCreateWithLibraryCtx). timeout bounds the load run (0: none).
func (s *Server) createLibrary(fs *functionsState, code string, replace bool, timeout time.Duration) (string, error) {
	engine, name, body, err := libraryMeta(code)
	if err != nil {
		return "", err
	}
	if !validFunctionName(name) {
		return "", errors.New("Library names can only contain letters, numbers, or underscores(_) and must be at least one character long")
	}
	if !strings.EqualFold(engine, "lua") {
		return "", errors.New("Engine '" + engine + "' not found")
	}
	old := fs.libs[name]
	if old != nil && !replace {
		return "", errors.New("Library '" + name + "' already exists")
	}
	ls := s.scripting().fn
	funcs, err := ls.loadLibrary(body, timeout)
	if err != nil {
		return "", err
	}
	lib := &functionLibrary{name: name, code: code, funcs: make(map[string]*luaFunction)}
	for _, f := range funcs {
		if !validFunctionName(f.name) {
			return "", errors.New("Function names can only contain letters, numbers, or underscores(_) and must be at least one character long")
		}
		if lib.funcs[f.name] != nil {
			return "", errors.New("Function already exists in the library")
		}
		f.lib = lib
		lib.funcs[f.name] = f
		lib.order = append(lib.order, f.name)
	}
	if len(lib.funcs) == 0 {
		return "", errors.New("No functions registered")
	}
	for _, fname := range lib.order {
		if other := fs.funcs[strings.ToLower(fname)]; other != nil && other.lib != old {
			return "", errors.New("Function " + fname + " already exists")
		}
	}
	if old != nil {
		fs.unlink(old)
	}
	fs.link(lib)
	return name, nil
}

func (fs *functionsState) link(lib *functionLibrary) {
	fs.libs[lib.name] = lib
	for n, f := range lib.funcs {
		fs.funcs[strings.ToLower(n)] = f
	}
}

func (fs *functionsState) unlink(lib *functionLibrary) {
	delete(fs.libs, lib.name)
	for n := range lib.funcs {
		delete(fs.funcs, strings.ToLower(n))
	}
}

// loadLibrary runs a library's code with the load-time API and returns
// the functions it registered. Valkey hands the code to Lua as a C string
// (luaL_loadbuffer with its strlen): a NUL ends it.
func (ls *luaState) loadLibrary(body string, timeout time.Duration) ([]*luaFunction, error) {
	L := ls.L
	if i := strings.IndexByte(body, 0); i >= 0 {
		body = body[:i]
	}
	fn, err := ls.compile(body, luaFuncChunk)
	if err != nil {
		return nil, errors.New("Error compiling function: " + err.Error())
	}
	load := &libraryLoad{}
	ls.loading = load
	defer func() { ls.loading = nil }()
	var cancel context.CancelFunc
	if timeout > 0 {
		var ctx context.Context
		ctx, cancel = context.WithTimeout(context.Background(), timeout)
		L.SetContext(ctx)
	}
	L.Push(fn)
	perr := L.PCall(0, 0, nil)
	if cancel != nil {
		cancel()
		L.RemoveContext()
	}
	L.SetTop(0)
	if perr != nil {
		msg := "ERR unknown error"
		var ae *glua.ApiError
		if errors.As(perr, &ae) {
			switch o := ae.Object.(type) {
			case *glua.LTable:
				if m, ok := o.RawGetString("err").(glua.LString); ok {
					msg = string(m)
				}
			case glua.LString:
				msg = "ERR " + string(o)
				if strings.HasSuffix(string(o), context.DeadlineExceeded.Error()) {
					msg = "ERR FUNCTION LOAD timeout"
				}
			}
		}
		return nil, errors.New("Error registering functions: " + msg)
	}
	return load.funcs, nil
}

// registerFunction is server.register_function, in either form:
// (name, callback) or {function_name=, callback=, flags=, description=}.
func (ls *luaState) registerFunction(L *glua.LState) int {
	load := ls.loading
	if load == nil {
		raiseErrorTable(L, "server.register_function can only be called on FUNCTION LOAD command")
	}
	argc := L.GetTop()
	if argc < 1 || argc > 2 {
		raiseErrorTable(L, "wrong number of arguments to server.register_function")
	}
	f := &luaFunction{}
	if argc == 2 {
		name, ok := luaStringArg(L.Get(1))
		if !ok {
			raiseErrorTable(L, "first argument to server.register_function must be a string")
		}
		cb, ok := L.Get(2).(*glua.LFunction)
		if !ok {
			raiseErrorTable(L, "second argument to server.register_function must be a function")
		}
		f.name, f.fn = name, cb
	} else {
		t, ok := L.Get(1).(*glua.LTable)
		if !ok {
			raiseErrorTable(L, "calling server.register_function with a single argument is only applicable to Lua table (representing named arguments).")
		}
		t, _ = ls.real(t)
		var errMsg string
		hasName := false
		t.ForEach(func(k, v glua.LValue) {
			if errMsg != "" {
				return
			}
			key, ok := luaStringArg(k)
			if !ok {
				errMsg = "named argument key given to server.register_function is not a string"
				return
			}
			switch strings.ToLower(key) {
			case "function_name":
				if f.name, ok = luaStringArg(v); !ok {
					errMsg = "function_name argument given to server.register_function must be a string"
				}
				hasName = true
			case "description":
				d, ok := luaStringArg(v)
				if !ok {
					errMsg = "description argument given to server.register_function must be a string"
				}
				f.desc = &d
			case "callback":
				if f.fn, ok = v.(*glua.LFunction); !ok {
					errMsg = "callback argument given to server.register_function must be a function"
				}
			case "flags":
				ft, ok := v.(*glua.LTable)
				if !ok {
					errMsg = "flags argument to server.register_function must be a table representing function flags"
					return
				}
				ft, _ = ls.real(ft)
				for j := 1; ; j++ {
					fv := ft.RawGetInt(j)
					if fv == glua.LNil {
						break
					}
					name, ok := luaStringArg(fv)
					found := false
					for _, n := range scriptFlagNames {
						if ok && strings.EqualFold(n.name, name) {
							f.flags |= n.f
							found = true
						}
					}
					if !found {
						errMsg = "unknown flag given"
						return
					}
				}
			default:
				errMsg = "unknown argument given to server.register_function"
			}
		})
		if errMsg == "" && !hasName {
			errMsg = "server.register_function must get a function name argument"
		}
		if errMsg == "" && f.fn == nil {
			errMsg = "server.register_function must get a callback argument"
		}
		if errMsg != "" {
			raiseErrorTable(L, errMsg)
		}
	}
	load.funcs = append(load.funcs, f)
	return 0
}

// luaStringArg is lua_isstring plus lua_tostring: strings and numbers.
func luaStringArg(v glua.LValue) (string, bool) {
	switch x := v.(type) {
	case glua.LString:
		return string(x), true
	case glua.LNumber:
		return luaNumberString(float64(x)), true
	}
	return "", false
}

// FUNCTION LOAD [REPLACE] code
func cmdFunctionLoad(c *Client) {
	replace := false
	pos := 2
	for pos < len(c.Argv)-1 {
		a := c.Argv[pos]
		pos++
		if equalFoldASCII(a, "replace") {
			replace = true
			continue
		}
		c.AddError("ERR Unknown option given: " + string(a))
		return
	}
	if pos >= len(c.Argv) {
		c.AddError("ERR Function code is missing")
		return
	}
	s := c.srv
	name, err := s.createLibrary(&s.scripting().funcs, string(c.Argv[pos]), replace, functionLoadTimeout)
	if err != nil {
		c.AddError("ERR " + err.Error())
		return
	}
	s.Dirty++
	c.AddBulkString(name)
}

// FUNCTION DELETE library
func cmdFunctionDelete(c *Client) {
	s := c.srv
	fs := &s.scripting().funcs
	lib := fs.libs[string(c.Argv[2])]
	if lib == nil {
		c.AddError("ERR Library not found")
		return
	}
	fs.unlink(lib)
	s.Dirty++
	c.AddOK()
}

// FUNCTION LIST [LIBRARYNAME pattern] [WITHCODE]
func cmdFunctionList(c *Client) {
	withCode := false
	var pattern []byte
	hasPattern := false
	for i := 2; i < len(c.Argv); i++ {
		a := c.Argv[i]
		if !withCode && equalFoldASCII(a, "withcode") {
			withCode = true
			continue
		}
		if !hasPattern && equalFoldASCII(a, "libraryname") {
			if i >= len(c.Argv)-1 {
				c.AddError("ERR library name argument was not given")
				return
			}
			i++
			pattern, hasPattern = c.Argv[i], true
			continue
		}
		c.AddError("ERR Unknown argument " + string(a))
		return
	}
	fs := &c.srv.scripting().funcs
	names := make([]string, 0, len(fs.libs))
	for n := range fs.libs {
		if hasPattern && !globMatch(pattern, []byte(n), true) {
			continue
		}
		names = append(names, n)
	}
	sort.Strings(names)
	c.AddArrayLen(len(names))
	for _, n := range names {
		lib := fs.libs[n]
		if withCode {
			c.AddMapLen(4)
		} else {
			c.AddMapLen(3)
		}
		c.AddBulkString("library_name")
		c.AddBulkString(lib.name)
		c.AddBulkString("engine")
		c.AddBulkString("LUA")
		c.AddBulkString("functions")
		c.AddArrayLen(len(lib.order))
		for _, fname := range lib.order {
			f := lib.funcs[fname]
			c.AddMapLen(3)
			c.AddBulkString("name")
			c.AddBulkString(f.name)
			c.AddBulkString("description")
			if f.desc != nil {
				c.AddBulkString(*f.desc)
			} else {
				c.AddNull()
			}
			c.AddBulkString("flags")
			c.AddSetLen(bits.OnesCount16(uint16(f.flags))) // every flag a function has is named
			for _, fl := range scriptFlagNames {
				if f.flags&fl.f != 0 {
					c.AddSimple(fl.name)
				}
			}
		}
		if withCode {
			c.AddBulkString("library_code")
			c.AddBulkString(lib.code)
		}
	}
}

// sortedLibraries returns the libraries by name, for a stable order in
// DUMP and the RDB file.
func (fs *functionsState) sortedLibraries() []*functionLibrary {
	out := make([]*functionLibrary, 0, len(fs.libs))
	for _, l := range fs.libs {
		out = append(out, l)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].name < out[j].name })
	return out
}

// SaveFunctions writes every library to an RDB stream, each as the
// FUNCTION2 opcode and the library's code (rdbSaveFunctions).
func (s *Server) SaveFunctions(w *rdb.Writer) {
	if !s.script.inited {
		return
	}
	for _, lib := range s.script.funcs.sortedLibraries() {
		w.Byte(rdb.OpFunction2)
		w.String([]byte(lib.code))
	}
}

// FUNCTION DUMP
func cmdFunctionDump(c *Client) {
	s := c.srv
	var buf bytes.Buffer
	w := rdb.NewWriter(&buf)
	w.SetCompress(s.Cfg.RDBCompression)
	w.SetChecksum(false)
	s.SaveFunctions(w)
	_ = w.Flush()
	c.AddBulk(rdb.AppendDumpTrailer(buf.Bytes())) // buf is this call's own
}

// FUNCTION RESTORE payload [FLUSH|APPEND|REPLACE]
func cmdFunctionRestore(c *Client) {
	if len(c.Argv) > 4 {
		subcommandSyntaxError(c)
		return
	}
	policy := "append"
	if len(c.Argv) == 4 {
		switch {
		case equalFoldASCII(c.Argv[3], "append"):
		case equalFoldASCII(c.Argv[3], "replace"):
			policy = "replace"
		case equalFoldASCII(c.Argv[3], "flush"):
			policy = "flush"
		default:
			c.AddError("ERR Wrong restore policy given, value should be either FLUSH, APPEND or REPLACE.")
			return
		}
	}
	s := c.srv
	body, _, err := rdb.VerifyDumpPayload(c.Argv[2], s.skipChecksum, s.Cfg.RDBVersionRelaxed != 0)
	if err != nil {
		c.AddError(errRestorePayload)
		return
	}
	st := s.scripting()
	// Load into a scratch set first: a failure leaves the libraries as
	// they were.
	var fresh functionsState
	fresh.init()
	r := rdb.NewReaderBytes(body)
	for r.Offset() < int64(len(body)) {
		typ, err := r.Byte()
		if err != nil {
			c.AddError("ERR can not read data type")
			return
		}
		if typ == rdb.OpFunctionPreGA {
			c.AddError("ERR Pre-GA function format not supported")
			return
		}
		if typ != rdb.OpFunction2 {
			c.AddError("ERR given type is not a function")
			return
		}
		code, err := r.String()
		if err != nil {
			c.AddError("ERR Failed loading library payload")
			return
		}
		if _, err := s.createLibrary(&fresh, string(code), false, 0); err != nil {
			c.AddError("ERR " + err.Error())
			return
		}
	}
	fs := &st.funcs
	switch policy {
	case "flush":
		*fs = fresh
	default:
		libs := fresh.sortedLibraries()
		for _, lib := range libs {
			if fs.libs[lib.name] != nil && policy == "append" {
				c.AddError("ERR Library " + lib.name + " already exists")
				return
			}
		}
		for _, lib := range libs {
			for fname := range lib.funcs {
				if other := fs.funcs[strings.ToLower(fname)]; other != nil && (policy == "append" || other.lib.name != lib.name) {
					c.AddError("ERR Function " + fname + " already exists")
					return
				}
			}
		}
		for _, lib := range libs {
			if old := fs.libs[lib.name]; old != nil {
				fs.unlink(old)
			}
			fs.link(lib)
		}
	}
	s.Dirty++
	c.AddOK()
}

// FUNCTION STATS
func cmdFunctionStats(c *Client) {
	s := c.srv
	run := s.script.running
	if run != nil && run.eval {
		c.AddError(s.busyError())
		return
	}
	c.AddMapLen(2)
	c.AddBulkString("running_script")
	if run == nil {
		c.AddNull()
	} else {
		c.AddMapLen(3)
		c.AddBulkString("name")
		c.AddBulkString(run.name)
		c.AddBulkString("command")
		c.AddArrayLen(len(run.caller.Argv))
		for _, a := range run.caller.Argv {
			c.AddBulkCopy(a)
		}
		c.AddBulkString("duration_ms")
		c.AddInt((s.script.busy.clock(s) - run.start) / 1e6)
	}
	c.AddBulkString("engines")
	c.AddMapLen(1)
	c.AddBulkString("LUA")
	c.AddMapLen(2)
	c.AddBulkString("libraries_count")
	nlibs, nfuncs := 0, 0
	if s.script.inited {
		nlibs, nfuncs = len(s.script.funcs.libs), len(s.script.funcs.funcs)
	}
	c.AddInt(int64(nlibs))
	c.AddBulkString("functions_count")
	c.AddInt(int64(nfuncs))
}

func cmdFunctionKill(c *Client) { c.srv.scriptKill(c, false) }

func cmdFunctionHelp(c *Client) {
	c.AddHelp("FUNCTION", []string{
		"LOAD [REPLACE] <FUNCTION CODE>",
		"    Create a new library with the given library name and code.",
		"DELETE <LIBRARY NAME>",
		"    Delete the given library.",
		"LIST [LIBRARYNAME PATTERN] [WITHCODE]",
		"    Return general information on all the libraries:",
		"    * Library name",
		"    * The engine used to run the Library",
		"    * Functions list",
		"    * Library code (if WITHCODE is given)",
		"    It also possible to get only function that matches a pattern using LIBRARYNAME argument.",
		"STATS",
		"    Return information about the current function running:",
		"    * Function name",
		"    * Command used to run the function",
		"    * Duration in MS that the function is running",
		"    If no function is running, return nil",
		"    In addition, returns a list of available engines.",
		"KILL",
		"    Kill the current running function.",
		"FLUSH [ASYNC|SYNC]",
		"    Delete all the libraries.",
		"    When called without the optional mode argument, the behavior is determined by the",
		"    lazyfree-lazy-user-flush configuration directive. Valid modes are:",
		"    * ASYNC: Asynchronously flush the libraries.",
		"    * SYNC: Synchronously flush the libraries.",
		"DUMP",
		"    Return a serialized payload representing the current libraries, can be restored using FUNCTION RESTORE command",
		"RESTORE <PAYLOAD> [FLUSH|APPEND|REPLACE]",
		"    Restore the libraries represented by the given payload, it is possible to give a restore policy to",
		"    control how to handle existing libraries (default APPEND):",
		"    * FLUSH: delete all existing libraries.",
		"    * APPEND: appends the restored libraries to the existing libraries. On collision, abort.",
		"    * REPLACE: appends the restored libraries to the existing libraries, On collision, replace the old",
		"      libraries with the new libraries (notice that even on this option there is a chance of failure",
		"      in case of functions name collision with another library).",
	})
}

func cmdFcall(c *Client)   { c.srv.fcall(c, false) }
func cmdFcallRo(c *Client) { c.srv.fcall(c, true) }

// fcall is FCALL and FCALL_RO.
func (s *Server) fcall(c *Client, ro bool) {
	s.FeedMonitors(c, c.Cmd, c.Argv)
	st := s.scripting()
	f := st.funcs.funcs[strings.ToLower(string(c.Argv[1]))]
	if f == nil {
		c.AddError("ERR Function not found")
		return
	}
	keys, args, ok := scriptKeysArgs(c, "ERR Bad number of keys provided")
	if !ok {
		return
	}
	s.runScript(st.fn, c, f.fn, f.name, f.flags, ro, false, keys, args)
}
