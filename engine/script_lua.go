package engine

import (
	"math"
	"strconv"
	"strings"
	"syscall"

	glua "github.com/yuin/gopher-lua"

	"github.com/volleydb/volley/engine/lua"
	"github.com/volleydb/volley/engine/luasyntax"
)

// The Lua sandbox scripts and functions run in (Valkey's script_lua.c and
// engine_lua.c, rebuilt on gopher-lua, a Lua 5.1 like Valkey's).
//
// Valkey's Lua is patched with read-only tables; gopher-lua has none, so
// a protected table is a proxy: an empty table whose hidden metatable
// reads through to the real table and refuses every write with Valkey's
// "Attempt to modify a readonly table". The real tables are reachable
// only from Go: the proxy's metatable answers getmetatable with another
// protected proxy, and rawset, setmetatable, next and pairs see through
// proxies (rawset and setmetatable refusing them).

const (
	errReadonlyTable = "Attempt to modify a readonly table"
	luaEvalChunk     = "user_script"   // the chunk name of EVAL scripts
	luaFuncChunk     = "user_function" // the chunk name of function libraries
)

// luaState is one Lua interpreter: EVAL's or FUNCTION's.
type luaState struct {
	L       *glua.LState
	globals *glua.LTable                  // the real global table
	proxies map[*glua.LTable]*glua.LTable // protected proxy -> real table
	hook    *luaHook                      // the context scripts run under (script_busy.go)
	errh    *glua.LFunction               // the error handler scripts run under
	run     *scriptRun                    // the script running, nil between runs
	srv     *Server

	// FUNCTION's state: the global table's lookups go to the library API
	// while a library loads and to the real globals when functions run.
	libAPI  *glua.LTable
	loading *libraryLoad
	fnMode  bool
}

// newLuaState builds an interpreter with Valkey's libraries and API;
// functions selects FUNCTION's variant (its globals read through a switch
// between the load-time API and the run-time globals).
func newLuaState(s *Server, functions bool) *luaState {
	// The data stack grows as needed up to a million values: unpack of a
	// few thousand arguments must work, as it does with C Lua's stack.
	L := glua.NewState(glua.Options{SkipOpenLibs: true, RegistrySize: 1024 * 20, RegistryMaxSize: 1 << 20, RegistryGrowStep: 1024 * 8})
	ls := &luaState{L: L, globals: L.G.Global, proxies: make(map[*glua.LTable]*glua.LTable), srv: s, fnMode: functions}
	for _, lib := range []struct {
		name string
		fn   glua.LGFunction
	}{{glua.BaseLibName, glua.OpenBase}, {glua.TabLibName, glua.OpenTable}, {glua.StringLibName, glua.OpenString}, {glua.MathLibName, glua.OpenMath}, {glua.CoroutineLibName, glua.OpenCoroutine}} {
		L.Push(L.NewFunction(lib.fn))
		L.Push(glua.LString(lib.name))
		L.Call(1, 0)
	}
	g := ls.globals
	for _, name := range []string{"dofile", "loadfile", "print", "module", "require", "_printregs", "collectgarbage"} {
		g.RawSetString(name, glua.LNil)
	}
	// The deprecated builtins stay only with lua-enable-insecure-api,
	// read when the interpreter is made (a change remakes EVAL's).
	if !s.Cfg.LuaEnableInsecureAPI {
		for _, name := range []string{"getfenv", "setfenv", "newproxy"} {
			g.RawSetString(name, glua.LNil)
		}
	}
	g.RawSetString("collectgarbage", L.NewFunction(luaCollectGarbage))
	g.RawSetString("gcinfo", L.NewFunction(func(L *glua.LState) int { L.Push(glua.LNumber(ls.memoryKB())); return 1 }))
	if str, ok := g.RawGetString("string").(*glua.LTable); ok {
		str.RawSetString("dump", L.NewFunction(luaStringDump))
	}
	g.RawSetString("loadstring", L.NewFunction(luaLoadstring))
	os := L.NewTable()
	os.RawSetString("clock", L.NewFunction(luaOsClock))
	g.RawSetString("os", os)
	lua.Open(L) // cjson, cmsgpack, bit, struct
	g.RawSetString("pcall", L.NewFunction(ls.pcall))
	ls.hookCoroutines()
	g.RawSetString("tostring", L.NewFunction(luaTostring))
	g.RawSetString("unpack", L.NewFunction(ls.unpack))
	g.RawSetString("error", L.NewFunction(luaError))
	g.RawSetString("rawset", L.NewFunction(ls.rawset))
	g.RawSetString("rawget", L.NewFunction(ls.rawget))
	g.RawSetString("setmetatable", L.NewFunction(ls.setmetatable))
	g.RawSetString("next", L.NewFunction(ls.next))
	g.RawSetString("pairs", L.NewFunction(ls.pairs))
	math := g.RawGetString("math").(*glua.LTable)
	math.RawSetString("random", L.NewFunction(ls.mathRandom))
	math.RawSetString("randomseed", L.NewFunction(ls.mathRandomseed))

	api := ls.serverAPI(!functions)
	g.RawSetString("server", api)
	g.RawSetString("redis", api)
	ls.errh = L.NewFunction(ls.errorHandler)
	if !functions {
		g.RawSetString("__server__err__handler", ls.errh)
		g.RawSetString("__redis__err__handler", ls.errh)
	}

	// Reading a missing global is an error.
	mt := L.NewTable()
	mt.RawSetString("__index", L.NewFunction(luaNonexistentGlobal))
	g.Metatable = mt

	// The string metatable is the string library itself in gopher-lua:
	// give strings a metatable of their own, protected below.
	strMt := L.NewTable()
	strMt.RawSetString("__index", g.RawGetString("string"))

	visited := make(map[*glua.LTable]*glua.LTable)
	pg := ls.protect(g, visited)
	g.RawSetString("_G", pg)
	strMt.RawSetString("__index", ls.protect(strMt.RawGetString("__index").(*glua.LTable), visited))
	strMt.RawSetString("__metatable", ls.visibleMeta(strMt.RawGetString("__index").(*glua.LTable)))
	L.SetMetatable(glua.LString(""), strMt)

	if functions {
		// The library API: register_function, log and the version fields,
		// under server and redis, in a global table of its own.
		lib := L.NewTable()
		lapi := L.NewTable()
		lapi.RawSetString("register_function", L.NewFunction(ls.registerFunction))
		ls.registerLogAndVersion(lapi)
		lapi.Metatable = mt
		lib.RawSetString("server", ls.protect(lapi, visited))
		lib.RawSetString("redis", lib.RawGetString("server"))
		lib.Metatable = mt
		ls.libAPI = lib
		// Functions see a global table that reads through to the library
		// API while loading and to the real globals while running.
		fg := L.NewTable()
		fmt := L.NewTable()
		fmt.RawSetString("__index", L.NewFunction(func(L *glua.LState) int {
			src := ls.globals
			if ls.loading != nil {
				src = ls.libAPI
			}
			L.Push(L.GetField(src, L.CheckString(2)))
			return 1
		}))
		fmt.RawSetString("__newindex", L.NewFunction(luaReadonlyError))
		fmt.RawSetString("__metatable", ls.visibleMeta(pg))
		fg.Metatable = fmt
		ls.proxies[fg] = fg
		L.Env = fg
	} else {
		L.Env = pg
	}
	L.G.Global = L.Env
	return ls
}

// protect returns the protected proxy of t, making the proxies of the
// tables t holds first, so that no path from a proxy leads to a real
// table.
func (ls *luaState) protect(t *glua.LTable, visited map[*glua.LTable]*glua.LTable) *glua.LTable {
	if p, ok := visited[t]; ok {
		return p
	}
	if _, isProxy := ls.proxies[t]; isProxy {
		return t
	}
	L := ls.L
	p := L.NewTable()
	visited[t] = p
	var nested []glua.LValue
	t.ForEach(func(k, v glua.LValue) {
		if vt, ok := v.(*glua.LTable); ok {
			nested = append(nested, k, vt)
		}
	})
	for i := 0; i < len(nested); i += 2 {
		t.RawSet(nested[i], ls.protect(nested[i+1].(*glua.LTable), visited))
	}
	mt := L.NewTable()
	mt.RawSetString("__index", t)
	mt.RawSetString("__newindex", L.NewFunction(luaReadonlyError))
	mt.RawSetString("__metatable", ls.visibleMeta(p))
	p.Metatable = mt
	ls.proxies[p] = t
	return p
}

// visibleMeta is what getmetatable returns for a protected table p: a
// read-only table whose __index is p itself.
func (ls *luaState) visibleMeta(p *glua.LTable) *glua.LTable {
	L := ls.L
	inner := L.NewTable()
	inner.RawSetString("__index", p)
	v := L.NewTable()
	mt := L.NewTable()
	mt.RawSetString("__index", inner)
	mt.RawSetString("__newindex", L.NewFunction(luaReadonlyError))
	mt.RawSetString("__metatable", v)
	v.Metatable = mt
	ls.proxies[v] = inner
	return v
}

// real returns the table a proxy stands for, or t itself.
func (ls *luaState) real(t *glua.LTable) (*glua.LTable, bool) {
	if r, ok := ls.proxies[t]; ok {
		return r, true
	}
	return t, false
}

func luaReadonlyError(L *glua.LState) int {
	L.RaiseError(errReadonlyTable)
	return 0
}

func luaNonexistentGlobal(L *glua.LState) int {
	k := L.Get(2)
	if k.Type() != glua.LTString && k.Type() != glua.LTNumber {
		L.RaiseError("Second argument to luaProtectedTableError must be a string or number")
	}
	L.RaiseError("Script attempted to access nonexistent global variable '%s'", k.String())
	return 0
}

func luaCollectGarbage(L *glua.LState) int {
	switch L.OptString(1, "collect") {
	case "count":
		L.Push(glua.LNumber(0))
	default:
		L.Push(glua.LNumber(0))
	}
	return 1
}

// rawset refuses protected tables, as Valkey's read-only tables do.
func (ls *luaState) rawset(L *glua.LState) int {
	t := L.CheckTable(1)
	if _, ok := ls.proxies[t]; ok {
		L.RaiseError(errReadonlyTable)
	}
	k := L.CheckAny(2)
	if k == glua.LNil {
		L.RaiseError("table index is nil")
	}
	t.RawSet(k, L.CheckAny(3))
	L.SetTop(1)
	return 1
}

func (ls *luaState) rawget(L *glua.LState) int {
	t, _ := ls.real(L.CheckTable(1))
	L.Push(t.RawGet(L.CheckAny(2)))
	return 1
}

func (ls *luaState) setmetatable(L *glua.LState) int {
	if t, ok := L.Get(1).(*glua.LTable); ok {
		if _, prot := ls.proxies[t]; prot {
			L.Error(glua.LString(errReadonlyTable), 0)
		}
	}
	L.CheckTypes(2, glua.LTNil, glua.LTTable)
	obj := L.CheckTable(1)
	if m, ok := obj.Metatable.(*glua.LTable); ok && m.RawGetString("__metatable") != glua.LNil {
		L.RaiseError("cannot change a protected metatable")
	}
	obj.Metatable = L.Get(2)
	L.SetTop(1)
	return 1
}

func (ls *luaState) next(L *glua.LState) int {
	t, _ := ls.real(L.CheckTable(1))
	k, v := t.Next(L.Get(2))
	if k == glua.LNil {
		L.Push(glua.LNil)
		return 1
	}
	L.Push(k)
	L.Push(v)
	return 2
}

func (ls *luaState) pairs(L *glua.LState) int {
	t := L.CheckTable(1)
	L.Push(L.NewFunction(ls.next))
	L.Push(t)
	L.Push(glua.LNil)
	return 3
}

// pcall is Valkey's: an error that is a table with an err field (the
// form server.call raises) is returned as its message.
func (ls *luaState) pcall(L *glua.LState) int {
	top := L.GetTop()
	if top == 0 {
		L.ArgError(1, "value expected")
	}
	L.Insert(glua.LTrue, 1)
	err := L.PCall(top-1, glua.MultRet, nil)
	if err == nil {
		return L.GetTop()
	}
	if run := ls.run; run != nil && run.killed {
		L.Error(ls.killError(), 0) // a killed script stays killed
	}
	obj := err.(*glua.ApiError).Object
	if t, ok := obj.(*glua.LTable); ok {
		if m, ok := t.RawGetString("err").(glua.LString); ok {
			obj = m
		}
	}
	L.SetTop(0)
	L.Push(glua.LFalse)
	L.Push(obj)
	return 2
}

// errorHandler turns any error into Valkey's error table {err=, source=,
// line=}, naming the script line where it was raised (the caller's, when
// a Go function raised it).
func (ls *luaState) errorHandler(L *glua.LState) int {
	e := L.Get(1)
	t, ok := e.(*glua.LTable)
	if !ok {
		t = L.NewTable()
		msg := "nil"
		if e != glua.LNil {
			msg = luaToString(L, e)
		}
		t.RawSetString("err", glua.LString("ERR "+msg))
	}
	for level := 1; level < 4; level++ {
		dbg, ok := L.GetStack(level)
		if !ok {
			break
		}
		if _, err := L.GetInfo("Sl", dbg, glua.LNil); err != nil {
			break
		}
		if dbg.What == "G" {
			continue
		}
		t.RawSetString("source", glua.LString("@"+dbg.Source))
		t.RawSetString("line", glua.LNumber(dbg.CurrentLine))
		break
	}
	L.Push(t)
	return 1
}

// luaToString is Lua's tostring.
func luaToString(L *glua.LState, v glua.LValue) string {
	if n, ok := v.(glua.LNumber); ok {
		return luaNumberString(float64(n))
	}
	return L.ToStringMeta(v).String()
}

// luaNumberString formats a number as Lua 5.1's tostring (%.14g).
func luaNumberString(f float64) string {
	return lua.FormatNumber(f)
}

// luaChunkHeader is the header of a Lua 5.1 binary chunk on a 64-bit
// little-endian machine: signature, version 5.1, official format, little
// endian, 4-byte int, 8-byte size_t, 4-byte instruction, 8-byte double
// numbers.
const luaChunkHeader = "\x1bLuaQ\x00\x01\x04\x08\x04\x08\x00"

// luaStringDump is string.dump. Valkey's Lua refuses binary chunks, so a
// dump can only be looked at, never loaded: it is a binary chunk header
// and the function's source name and lines, not gopher-lua's bytecode,
// which C Lua could not read either. A Go function cannot be dumped, as
// a C function cannot.
func luaStringDump(L *glua.LState) int {
	fn := L.CheckFunction(1)
	if fn.IsG {
		L.RaiseError("unable to dump given function")
	}
	p := fn.Proto
	L.Push(glua.LString(luaChunkHeader + p.SourceName + ":" + strconv.Itoa(p.LineDefined) + "-" + strconv.Itoa(p.LastLineDefined)))
	return 1
}

// luaLoadstring is Lua 5.1's loadstring(s [, chunkname]): the compiled
// function, or nil and C Lua's error message. A binary chunk is read as
// text, as Valkey's Lua, which has binary loading disabled, reads it: its
// ESC is an unexpected symbol.
//
// The syntax is judged as compile judges it, under the call level C Lua
// counts when a script calls loadstring itself (one more for each C
// function between them, as pcall, is not counted here).
func luaLoadstring(L *glua.LState) int {
	code := L.CheckString(1)
	source := L.OptString(2, code)
	lexChunk := luaChunkID(source, luaMaxSrc)
	if e := luasyntax.CheckDepth(code, 1); e != nil {
		L.Push(glua.LNil)
		L.Push(glua.LString(e.Message(lexChunk)))
		return 2
	}
	fn, err := L.Load(strings.NewReader(code), luaChunkID(source, luaIDSize))
	if err != nil {
		L.Push(glua.LNil)
		L.Push(glua.LString(compileError(err, lexChunk, code)))
		return 2
	}
	L.Push(fn)
	return 1
}

// luaChunkID is C Lua 5.1's luaO_chunkid: how messages name a chunk, in
// at most size bytes (LUA_IDSIZE, 60, at run time; the lexer's MAXSRC,
// 80, in syntax errors). "=name" is name, "@file" a file name (its end),
// and any other source [string "its first line"], shortened to fit.
func luaChunkID(source string, size int) string {
	if i := strings.IndexByte(source, 0); i >= 0 {
		source = source[:i] // a C string: a binary chunk's name ends at its first NUL
	}
	switch {
	case strings.HasPrefix(source, "="):
		if name := source[1:]; len(name) > size-1 {
			return name[:size-1]
		}
		return source[1:]
	case strings.HasPrefix(source, "@"):
		name := source[1:]
		if max := size - len(" '...' ") - 1; len(name) > max {
			return "..." + name[len(name)-max:]
		}
		return name
	}
	n := strings.IndexAny(source, "\n\r")
	if n < 0 {
		n = len(source)
	}
	if max := size - len(` [string "..."] `) - 1; n > max {
		n = max
	}
	if n < len(source) {
		return `[string "` + source[:n] + `..."]`
	}
	return `[string "` + source + `"]`
}

const (
	luaIDSize = 60 // LUA_IDSIZE
	luaMaxSrc = 80 // llex.c's MAXSRC
)

// luaTostring is tostring with Lua 5.1's number format.
func luaTostring(L *glua.LState) int {
	v := L.CheckAny(1)
	if n, ok := v.(glua.LNumber); ok {
		L.Push(glua.LString(luaNumberString(float64(n))))
		return 1
	}
	L.Push(L.ToStringMeta(v))
	return 1
}

// luaError is Lua 5.1's error: a string or number message gets the
// position of the level asked (1 by default); anything else, nil
// included, is raised as it is.
func luaError(L *glua.LState) int {
	v := L.Get(1)
	level := L.OptInt(2, 1)
	switch x := v.(type) {
	case glua.LString:
		L.Error(x, level)
	case glua.LNumber:
		L.Error(glua.LString(luaNumberString(float64(x))), level)
	}
	L.Error(v, 0)
	return 0
}

// luaMaxCStack is C Lua's LUAI_MAXCSTACK: how many values a function
// called from Lua may have on its stack, its arguments included.
const luaMaxCStack = 8000

// unpack is Lua 5.1's: t[i], ..., t[e] (e defaults to #t), nil for the
// missing ones, with C Lua's bounds: i and e are C ints, and a range
// larger than the stack may grow to is "too many results to unpack"
// rather than an attempt to push it.
func (ls *luaState) unpack(L *glua.LState) int {
	t, ok := L.Get(1).(*glua.LTable)
	if !ok {
		L.TypeError(1, glua.LTTable)
	}
	t, _ = ls.real(t) // a read-only table's values, as C Lua reads them raw
	i := cOptInt(L, 2, 1)
	var e int32
	if L.Get(3) == glua.LNil {
		e = int32(t.Len())
	} else {
		e = cOptInt(L, 3, 0)
	}
	if i > e {
		return 0
	}
	n := uint32(e) - uint32(i) // the elements less one; cannot overflow
	if n >= math.MaxInt32 || L.GetTop()+int(n)+1 > luaMaxCStack {
		L.CError("too many results to unpack")
	}
	for k := int64(i); k <= int64(e); k++ {
		L.Push(t.RawGetInt(int(k)))
	}
	return int(n) + 1
}

// cOptInt is luaL_optint: argument arg as a C int (a number or a numeric
// string, truncated toward zero and then to 32 bits as C's casts do), or
// def when it is absent or nil.
func cOptInt(L *glua.LState, arg int, def int32) int32 {
	v := L.Get(arg)
	if v == glua.LNil {
		return def
	}
	f, ok := lua.ToNumber(v)
	if !ok {
		L.TypeError(arg, glua.LTNumber)
	}
	return int32(int64(f))
}

// memoryKB estimates the interpreter's memory in KB, for gcinfo and
// INFO's used_memory_lua: gopher-lua's objects live on Go's heap, so this
// counts the globals and registry it holds, roughly.
func (ls *luaState) memoryKB() int {
	return 20 + len(ls.proxies)/8
}

// serverAPI builds the server table (aliased as redis): call, pcall and
// the helpers, plus EVAL's debugger stubs when eval is set.
func (ls *luaState) serverAPI(eval bool) *glua.LTable {
	L := ls.L
	api := L.NewTable()
	set := func(name string, fn glua.LGFunction) { api.RawSetString(name, L.NewFunction(fn)) }
	set("call", func(L *glua.LState) int { return ls.call(L, true) })
	set("pcall", func(L *glua.LState) int { return ls.call(L, false) })
	ls.registerLogAndVersion(api)
	set("setresp", ls.setresp)
	set("sha1hex", luaSha1hex)
	set("error_reply", luaErrorReply)
	set("status_reply", luaStatusReply)
	set("set_repl", ls.setRepl)
	api.RawSetString("REPL_NONE", glua.LNumber(0))
	api.RawSetString("REPL_AOF", glua.LNumber(1))
	api.RawSetString("REPL_SLAVE", glua.LNumber(2))
	api.RawSetString("REPL_REPLICA", glua.LNumber(2))
	api.RawSetString("REPL_ALL", glua.LNumber(3))
	set("acl_check_cmd", ls.aclCheckCmd)
	if eval {
		set("breakpoint", func(L *glua.LState) int { L.Push(glua.LFalse); return 1 })
		set("debug", func(L *glua.LState) int { return 0 })
		set("replicate_commands", func(L *glua.LState) int { L.Push(glua.LTrue); return 1 })
	}
	return api
}

// Valkey's log levels (LL_*), as server.LOG_* exposes them.
const (
	luaLogDebug   = 0
	luaLogVerbose = 1
	luaLogNotice  = 2
	luaLogWarning = 3
)

func (ls *luaState) registerLogAndVersion(api *glua.LTable) {
	L := ls.L
	api.RawSetString("log", L.NewFunction(ls.log))
	api.RawSetString("LOG_DEBUG", glua.LNumber(luaLogDebug))
	api.RawSetString("LOG_VERBOSE", glua.LNumber(luaLogVerbose))
	api.RawSetString("LOG_NOTICE", glua.LNumber(luaLogNotice))
	api.RawSetString("LOG_WARNING", glua.LNumber(luaLogWarning))
	api.RawSetString("REDIS_VERSION_NUM", glua.LNumber(versionNum(RedisVersion)))
	api.RawSetString("REDIS_VERSION", glua.LString(RedisVersion))
	api.RawSetString("VALKEY_VERSION_NUM", glua.LNumber(versionNum(Version)))
	api.RawSetString("VALKEY_VERSION", glua.LString(Version))
	api.RawSetString("SERVER_NAME", glua.LString(ServerName))
}

// versionNum is "a.b.c" as 0x00aabbcc.
func versionNum(v string) int {
	n := 0
	for _, p := range strings.SplitN(v, ".", 3) {
		x, _ := strconv.Atoi(p)
		n = n<<8 | x
	}
	return n
}

// raiseErrorTable raises Valkey's error table for msg: "-CODE text"
// keeps its code, anything else gets ERR.
func raiseErrorTable(L *glua.LState, msg string) {
	L.Error(errorTable(L, msg), 0)
}

// errorTable is luaPushErrorBuff: {err="CODE message"}.
func errorTable(L *glua.LState, msg string) *glua.LTable {
	code := "ERR"
	if strings.HasPrefix(msg, "-") {
		if i := strings.IndexByte(msg, ' '); i >= 0 {
			code, msg = msg[1:i], msg[i+1:]
		} else {
			msg = msg[1:]
		}
	}
	msg = strings.Trim(msg, "\r\n")
	t := L.NewTable()
	t.RawSetString("err", glua.LString(code+" "+msg))
	return t
}

func (ls *luaState) log(L *glua.LState) int {
	argc := L.GetTop()
	if argc < 2 {
		raiseErrorTable(L, "server.log() requires two arguments or more.")
	}
	lv, ok := L.Get(1).(glua.LNumber)
	if !ok {
		if s, isStr := L.Get(1).(glua.LString); isStr {
			if f, err := strconv.ParseFloat(strings.TrimSpace(string(s)), 64); err == nil {
				lv, ok = glua.LNumber(f), true
			}
		}
	}
	if !ok {
		raiseErrorTable(L, "First argument must be a number (log level).")
	}
	level := int(lv)
	if level < luaLogDebug || level > luaLogWarning {
		raiseErrorTable(L, "Invalid log level.")
	}
	var b strings.Builder
	for j := 2; j <= argc; j++ {
		v := L.Get(j)
		if v.Type() != glua.LTString && v.Type() != glua.LTNumber {
			continue
		}
		if j != 2 {
			b.WriteByte(' ')
		}
		b.WriteString(luaToString(L, v))
	}
	ls.srv.Log.Logf(level, "%s", b.String())
	return 0
}

func luaSha1hex(L *glua.LState) int {
	if L.GetTop() != 1 {
		raiseErrorTable(L, "wrong number of arguments")
	}
	s := ""
	switch v := L.Get(1).(type) {
	case glua.LString:
		s = string(v)
	case glua.LNumber:
		s = luaNumberString(float64(v))
	}
	L.Push(glua.LString(sha1hex(s)))
	return 1
}

func luaErrorReply(L *glua.LState) int {
	s, ok := L.Get(-1).(glua.LString)
	if L.GetTop() != 1 || !ok {
		L.Push(errorTable(L, "wrong number or type of arguments"))
		return 1
	}
	msg := string(s)
	if !strings.HasPrefix(msg, "-") {
		msg = "-" + msg
	}
	L.Push(errorTable(L, msg))
	return 1
}

func luaStatusReply(L *glua.LState) int {
	s, ok := L.Get(-1).(glua.LString)
	if L.GetTop() != 1 || !ok {
		L.Push(errorTable(L, "wrong number or type of arguments"))
		return 1
	}
	t := L.NewTable()
	t.RawSetString("ok", s)
	L.Push(t)
	return 1
}

func (ls *luaState) setresp(L *glua.LState) int {
	run := ls.mustRun(L)
	if L.GetTop() != 1 {
		raiseErrorTable(L, "server.setresp() requires one argument.")
	}
	r := int(luaToNumber(L.Get(1)))
	if r != 2 && r != 3 {
		raiseErrorTable(L, "RESP version must be 2 or 3.")
	}
	run.sc.Proto = r
	return 0
}

func (ls *luaState) setRepl(L *glua.LState) int {
	ls.mustRun(L)
	if L.GetTop() != 1 {
		raiseErrorTable(L, "server.set_repl() requires one argument.")
	}
	f := int(luaToNumber(L.Get(1)))
	if f&^int(propAll) != 0 {
		raiseErrorTable(L, "Invalid replication flags. Use REPL_AOF, REPL_REPLICA, REPL_ALL or REPL_NONE.")
	}
	ls.srv.prop.callOff = propAll &^ uint8(f) // reset when the script ends (runScript)
	return 0
}

// aclCheckCmd answers whether the script's caller may run the command
// with these arguments.
func (ls *luaState) aclCheckCmd(L *glua.LState) int {
	run := ls.mustRun(L)
	argv, errMsg := luaArgs(L, nil)
	if errMsg != "" {
		raiseErrorTable(L, errMsg)
	}
	cmd := ls.srv.LookupCommand(argv)
	if cmd == nil {
		raiseErrorTable(L, "Invalid command passed to server.acl_check_cmd()")
	}
	res, _ := ls.srv.aclCheckUser(run.caller.User, cmd, argv)
	L.Push(glua.LBool(res == aclAllowed))
	return 1
}

// luaToNumber is lua_tonumber: numbers, and strings that read as one;
// 0 for anything else.
func luaToNumber(v glua.LValue) float64 {
	f, _ := lua.ToNumber(v)
	return f
}

func (ls *luaState) mustRun(L *glua.LState) *scriptRun {
	if ls.run == nil {
		L.RaiseError("this function can only be called while a script runs")
	}
	return ls.run
}

func (ls *luaState) killError() *glua.LTable {
	msg := "Script killed by user with SCRIPT KILL."
	if ls.fnMode {
		msg = "Script killed by user with FUNCTION KILL."
	}
	return errorTable(ls.L, msg)
}

func luaOsClock(L *glua.LState) int {
	L.Push(glua.LNumber(processCPUSeconds()))
	return 1
}

// processCPUSeconds is the process's CPU time (user and system), for
// os.clock.
func processCPUSeconds() float64 {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return float64(ru.Utime.Sec+ru.Stime.Sec) + float64(ru.Utime.Usec+ru.Stime.Usec)/1e6
}
