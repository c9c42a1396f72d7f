package engine

import (
	"container/list"
	"crypto/sha1"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unsafe"

	glua "github.com/yuin/gopher-lua"
	"github.com/yuin/gopher-lua/parse"

	"github.com/volleydb/volley/engine/lua"
	"github.com/volleydb/volley/engine/luasyntax"
	"github.com/volleydb/volley/engine/resp"
)

// Scripting (Valkey's eval.c and script.c): EVAL and its kin run Lua
// scripts cached by their SHA1; both they and FCALL run through one run
// context whose commands go through scriptCall, Valkey's checks for
// commands called from scripts, and then the commands' own handlers on a
// client of the script's own, so that every command behaves as it does
// for a connection.

// scriptFlags are a script's shebang flags (or a function's).
type scriptFlags uint16

const (
	scriptNoWrites scriptFlags = 1 << iota
	scriptAllowOOM
	scriptAllowStale
	scriptNoCluster
	scriptAllowCrossSlot
	scriptEvalCompat // no shebang: EVAL's pre-7.0 behaviour
)

// scriptFlagNames are the flags as shebangs and register_function name them.
var scriptFlagNames = [...]struct {
	f    scriptFlags
	name string
}{
	{scriptNoWrites, "no-writes"},
	{scriptAllowOOM, "allow-oom"},
	{scriptAllowStale, "allow-stale"},
	{scriptNoCluster, "no-cluster"},
	{scriptAllowCrossSlot, "allow-cross-slot-keys"},
}

// evalScript is one cached EVAL script.
type evalScript struct {
	fn    *glua.LFunction
	body  string
	flags scriptFlags
	lru   *list.Element // its place among EVAL-added scripts; nil for SCRIPT LOAD's
}

// maxEvalScripts is how many scripts EVAL keeps before evicting the least
// recently used one (SCRIPT LOAD's are never evicted).
const maxEvalScripts = 500

// scriptingState is the server's scripting: the two interpreters, the
// script cache, the function libraries and the running script.
type scriptingState struct {
	eval     *luaState
	fn       *luaState
	scripts  map[string]*evalScript // by lower-case SHA1
	lru      *list.List             // SHA1s of EVAL-added scripts, oldest first
	mem      int64                  // bytes of the cached scripts' bodies and names
	evicted  int64                  // scripts evicted (evicted_scripts)
	sc       *Client                // the client scripts run their commands on
	running  *scriptRun             // the script executing, nil if none
	runBuf   scriptRun              // reused for every run
	rand48   uint64                 // math.random's generator (lrand48)
	funcs    functionsState         // FUNCTION's libraries (function.go)
	busy     busyState              // a script past busy-reply-threshold (script_busy.go)
	inited   bool
	evalRuns int64
}

// scriptRun is the context of one running script or function.
type scriptRun struct {
	caller     *Client
	sc         *Client
	name       string // the script's SHA1 or the function's name
	eval       bool
	readOnly   bool
	allowOOM   bool
	oomAtStart bool
	writeDirty bool
	killed     bool
	start      int64 // monotonic ns
	wallNs     int64 // unix ns at the start: TIME inside the script (time is frozen in a script)
	argbuf     []byte
	argv       [][]byte
}

// scripting returns the scripting state, building the interpreters on
// first use.
func (s *Server) scripting() *scriptingState {
	st := &s.script
	if !st.inited {
		st.inited = true
		st.scripts = make(map[string]*evalScript)
		st.lru = list.New()
		st.rand48 = 0x1234ABCD330E
		st.sc = &Client{srv: s, ID: scriptClientID, Proto: 2, Addr: "lua", User: s.acl.def, Authenticated: true}
		st.eval = newLuaState(s, false)
		st.fn = newLuaState(s, true)
		st.funcs.init()
	}
	return st
}

// resetEval replaces EVAL's interpreter and empties the script cache
// (SCRIPT FLUSH): the old interpreter is left to the garbage collector,
// which is what ASYNC asks for; SYNC differs only in timing in Valkey.
func (st *scriptingState) resetEval(s *Server) {
	st.scripts = make(map[string]*evalScript)
	st.lru.Init()
	st.mem = 0
	st.eval.L.Close()
	st.eval = newLuaState(s, false)
}

// cacheMemory estimates the script cache's memory, as Valkey's
// evalScriptsMemory does for INFO's used_memory_scripts_eval and MEMORY
// STATS' lua.caches: the SHA1s and bodies, each script's entry and
// record, and the LRU list's elements.
func (st *scriptingState) cacheMemory() int64 {
	if !st.inited {
		return 0
	}
	perScript := unsafe.Sizeof("") + unsafe.Sizeof(&evalScript{}) + unsafe.Sizeof(evalScript{})
	return st.mem + int64(len(st.scripts))*int64(perScript) + int64(st.lru.Len())*int64(unsafe.Sizeof(list.Element{}))
}

func sha1hex(s string) string {
	h := sha1.Sum([]byte(s))
	return hex.EncodeToString(h[:])
}

// parseShebang reads a script's "#!<engine> flags=a,b" first line: it
// returns the engine, the flags and the length of the line (without its
// newline) to skip; a script without one is an EVAL-compatible Lua
// script.
func parseShebang(body string) (engine string, flags scriptFlags, skip int, err error) {
	if !strings.HasPrefix(body, "#!") {
		return "lua", scriptEvalCompat, 0, nil
	}
	nl := strings.IndexByte(body, '\n')
	if nl < 0 {
		return "", 0, 0, errors.New("Invalid script shebang")
	}
	parts, perr := resp.SplitArgs([]byte(body[:nl]))
	if perr != nil || len(parts) == 0 {
		return "", 0, 0, errors.New("Invalid engine in script shebang")
	}
	engine = string(parts[0][2:])
	for _, p := range parts[1:] {
		opt := string(p)
		if !strings.HasPrefix(opt, "flags=") {
			return "", 0, 0, errors.New("Unknown lua shebang option: " + opt)
		}
		list := opt[len("flags="):]
		if list == "" {
			continue // "flags=" names none, as an empty split in Valkey
		}
		for _, f := range strings.Split(list, ",") {
			found := false
			for _, n := range scriptFlagNames {
				if n.name == f {
					flags |= n.f
					found = true
					break
				}
			}
			if !found {
				return "", 0, 0, errors.New("Unexpected flag in script shebang: " + f)
			}
		}
	}
	return engine, flags, nl, nil
}

// compileError formats a gopher-lua compile error as C Lua words it:
// "<chunk>:<line>: <message>". Syntax errors are found and worded by
// luasyntax first (control characters included, as char(N)); this is a
// fallback for what gopher-lua alone refuses.
func compileError(err error, chunk, code string) string {
	var ae *glua.ApiError
	if errors.As(err, &ae) && ae.Cause != nil {
		err = ae.Cause
	}
	var pe *parse.Error
	if errors.As(err, &pe) {
		line := pe.Pos.Line
		tok := pe.Token
		if line == parse.EOF || line <= 0 {
			line = strings.Count(code, "\n") + 1
			tok = "<eof>"
		}
		msg := "unexpected symbol"
		if !strings.Contains(pe.Message, "syntax error") && !strings.Contains(pe.Message, "parse error") {
			msg = strings.TrimSpace(pe.Message)
		}
		return chunk + ":" + strconv.Itoa(line) + ": " + msg + " near '" + tok + "'"
	}
	return strings.TrimSpace(err.Error())
}

// compile compiles a script's code (an EVAL body less its shebang line,
// whose newline stays so that line numbers hold, or a library's).
//
// C Lua 5.1's parser judges the syntax first: gopher-lua's accepts some
// of what it refuses (goto, an empty statement, a call on the line after
// its function) and words every error "unexpected symbol".
func (ls *luaState) compile(code, chunk string) (*glua.LFunction, error) {
	if e := luasyntax.Check(code); e != nil {
		return nil, errors.New(e.Message(chunk))
	}
	fn, err := ls.L.Load(strings.NewReader(code), chunk)
	if err != nil {
		return nil, errors.New(compileError(err, chunk, code))
	}
	fn.Env = ls.L.Env
	return fn, nil
}

// registerScript compiles body and adds it to the cache under sha (EVAL
// when fromEval, SCRIPT LOAD otherwise). On error it replies to c.
func (s *Server) registerScript(c *Client, body string, sha string, fromEval bool) *evalScript {
	st := s.scripting()
	if es := st.scripts[sha]; es != nil {
		if !fromEval && es.lru != nil {
			st.lru.Remove(es.lru) // SCRIPT LOAD pins a script EVAL added
			es.lru = nil
		}
		return es
	}
	engine, flags, skip, err := parseShebang(body)
	if err != nil {
		c.AddError("ERR " + err.Error())
		return nil
	}
	if !strings.EqualFold(engine, "lua") {
		c.AddError("ERR Could not find scripting engine '" + engine + "'")
		return nil
	}
	fn, err := st.eval.compile(body[skip:], luaEvalChunk)
	if err != nil {
		c.AddError("ERR Error compiling script (new function): " + err.Error())
		return nil
	}
	es := &evalScript{fn: fn, body: body, flags: flags}
	if fromEval {
		for st.lru.Len() >= maxEvalScripts {
			old := st.lru.Remove(st.lru.Front()).(string)
			if o := st.scripts[old]; o != nil {
				st.mem -= int64(len(old) + len(o.body))
				delete(st.scripts, old)
			}
			st.evicted++
		}
		es.lru = st.lru.PushBack(sha)
	}
	st.scripts[sha] = es
	st.mem += int64(len(sha) + len(body))
	return es
}

func lowerSHA(b []byte) string {
	out := make([]byte, len(b))
	for i, ch := range b {
		if 'A' <= ch && ch <= 'Z' {
			ch += 'a' - 'A'
		}
		out[i] = ch
	}
	return string(out)
}

func cmdEval(c *Client)      { c.srv.evalGeneric(c, false) }
func cmdEvalSha(c *Client)   { c.srv.evalGeneric(c, true) }
func cmdEvalRo(c *Client)    { c.srv.evalGeneric(c, false) }
func cmdEvalShaRo(c *Client) { c.srv.evalGeneric(c, true) }

// evalGeneric is EVAL, EVALSHA and their _RO forms.
func (s *Server) evalGeneric(c *Client, evalsha bool) {
	// EVAL skips MONITOR so that the script's commands show after it.
	s.FeedMonitors(c, c.Cmd, c.Argv)
	if evalsha && len(c.Argv[1]) != 40 {
		c.AddError(ErrNoScript)
		return
	}
	keys, args, ok := scriptKeysArgs(c, ErrNotInteger)
	if !ok {
		return
	}
	st := s.scripting()
	var sha string
	switch {
	case evalsha:
		sha = lowerSHA(c.Argv[1])
	case c.evalSHA != "":
		sha = c.evalSHA // hashed when the dispatcher looked for the script's flags
	default:
		sha = sha1hex(string(c.Argv[1]))
	}
	c.evalSHA = ""
	es := st.scripts[sha]
	if es == nil {
		if evalsha {
			c.AddError(ErrNoScript)
			return
		}
		if es = s.registerScript(c, string(c.Argv[1]), sha, true); es == nil {
			return
		}
	}
	ro := c.Cmd.Flags&FlagReadonly != 0
	if es.lru != nil {
		st.lru.MoveToBack(es.lru)
	}
	s.runScript(st.eval, c, es.fn, sha, es.flags, ro, true, keys, args)
}

// scriptKeysArgs splits the arguments of EVAL and FCALL after their
// numkeys (argv[2]) into keys and args, replying the error (badNumkeys
// for a numkeys that is no integer) and returning false if it cannot.
func scriptKeysArgs(c *Client, badNumkeys string) (keys, args [][]byte, ok bool) {
	numkeys, ok := parseInt(c.Argv[2])
	switch {
	case !ok:
		c.AddError(badNumkeys)
	case numkeys > int64(len(c.Argv)-3):
		c.AddError("ERR Number of keys can't be greater than number of args")
	case numkeys < 0:
		c.AddError("ERR Number of keys can't be negative")
	default:
		return c.Argv[3 : 3+numkeys], c.Argv[3+numkeys:], true
	}
	return nil, nil, false
}

// prepareRun makes the checks Valkey makes before running a script with
// the given flags, replying the error and returning nil if it may not run.
func (s *Server) prepareRun(c *Client, name string, flags scriptFlags, ro, eval bool) *scriptRun {
	st := &s.script
	oom := s.Cfg.MaxMemory != 0 && s.evict.preCommandOOM // as the dispatcher's eviction left it
	stale := s.Cfg.ReplicaOfHost != "" && !s.Cfg.ReplicaServeStaleData && !s.replLinkUp()
	// The dispatcher has refused most of what follows already, by the
	// flags the script declared; these catch a script whose flags it did
	// not know then (an EVALSHA queued in MULTI before SCRIPT LOAD), and
	// one without a shebang on a stale replica.
	if flags&scriptEvalCompat != 0 {
		if stale {
			c.AddError(ErrPrimaryDown)
			return nil
		}
	} else {
		if stale && flags&scriptAllowStale == 0 {
			c.AddError("MASTERDOWN Link with MASTER is down, replica-serve-stale-data is set to 'no' and 'allow-stale' flag is not set on the script.")
			return nil
		}
		if flags&scriptNoWrites == 0 {
			if s.Cfg.ReplicaOfHost != "" && s.Cfg.ReplicaReadOnly && !c.mustObey() {
				c.AddError("READONLY Can not run script with write flag on readonly replica")
				return nil
			}
			if msg := s.scriptDiskError(); msg != "" && !c.mustObey() {
				c.AddError(msg)
				return nil
			}
			if ro {
				c.AddError("ERR Can not execute a script with write flag using *_ro command.")
				return nil
			}
			if !s.goodReplicasOK() {
				c.AddError(ErrNoReplicas)
				return nil
			}
		}
		if oom && flags&(scriptAllowOOM|scriptNoWrites) == 0 {
			c.AddError("OOM allow-oom flag is not set on the script, can not run it when used memory > 'maxmemory'")
			return nil
		}
	}
	run := &st.runBuf
	*run = scriptRun{argbuf: run.argbuf[:0], argv: run.argv[:0]}
	run.caller = c
	run.sc = st.sc
	run.name = name
	run.eval = eval
	run.oomAtStart = oom
	run.readOnly = ro || (flags&scriptEvalCompat == 0 && flags&scriptNoWrites != 0)
	run.allowOOM = flags&scriptEvalCompat == 0 && flags&scriptAllowOOM != 0
	run.start = st.busy.clock(s)
	run.wallNs = nanotimeWall()
	st.sc.DB = c.DB
	st.sc.User = c.User
	st.sc.Proto = 2
	st.sc.Out.Reset()
	return run
}

// scriptDiskError is the MISCONF error a script with the write flag gets
// while writes are refused for a failed save or AOF write (the
// dispatcher's misconfError and aofMisconf, in the words scriptPrepareForRun
// uses), "" when writes may go on.
func (s *Server) scriptDiskError() string {
	const blocked = "but it's currently unable to persist to disk. Writable scripts are blocked. Use 'no-writes' flag for read only scripts."
	switch {
	case s.bgsave.lastErr && s.Cfg.StopWritesOnBgsaveError && len(s.Cfg.Save) > 0:
		return "MISCONF " + s.serverTitle() + " is configured to save RDB snapshots, " + blocked
	case s.aof.status != aofOff && s.aof.lastWriteErr != nil:
		return "MISCONF " + s.serverTitle() + " is configured to persist data to AOF, " + blocked + " AOF error: " + errnoText(s.aof.lastWriteErr)
	}
	return ""
}

// runScript runs a compiled script (eval) or function with keys and
// args, replying its result or error to c.
func (s *Server) runScript(ls *luaState, c *Client, fn *glua.LFunction, name string, flags scriptFlags, ro, eval bool, keys, args [][]byte) {
	st := &s.script
	if st.running != nil {
		c.AddError("ERR a script is already running") // never from a client: scripts cannot call EVAL
		return
	}
	run := s.prepareRun(c, name, flags, ro, eval)
	if run == nil {
		return
	}
	L := ls.L
	st.running = run
	ls.run = run
	s.blocking.nested++ // blocking commands answer at once, as in MULTI
	keysT := luaArray(L, keys)
	argsT := luaArray(L, args)
	L.Push(fn)
	nargs := 0
	if eval {
		ls.globals.RawSetString("KEYS", keysT)
		ls.globals.RawSetString("ARGV", argsT)
	} else {
		L.Push(keysT)
		L.Push(argsT)
		nargs = 2
	}
	ls.startHook()
	err := protectedPCall(L, nargs, ls.errh)
	s.prop.callOff = 0 // server.set_repl lasts as long as the script
	L.RemoveContext()
	if err != nil {
		var obj glua.LValue = glua.LString(err.Error())
		var ae *glua.ApiError
		if errors.As(err, &ae) {
			obj = ae.Object
		}
		s.replyScriptError(c, L, obj, name)
	} else {
		v := L.Get(-1)
		L.Pop(1)
		s.replyFromLua(c, ls, v, 0)
	}
	L.SetTop(0)
	s.endBusy(run)
	s.blocking.nested--
	c.preventPropagation() // its commands were propagated instead
	ls.run = nil
	st.running = nil
	st.sc.Out.Reset()
	st.sc.Argv, st.sc.Cmd = nil, nil
	run.caller = nil
}

// protectedPCall is L.PCall that also turns a panic escaping gopher-lua
// (one raised while handling another error) into an error, so that a
// script cannot bring the server down.
func protectedPCall(L *glua.LState, nargs int, errh *glua.LFunction) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("%v", r)
			L.SetTop(0)
		}
	}()
	return L.PCall(nargs, 1, errh)
}

// replyScriptError replies a script's error: Valkey's error table
// {err=, source=, line=} becomes "<err> script: <name>, on <source>:<line>.".
func (s *Server) replyScriptError(c *Client, L *glua.LState, obj glua.LValue, name string) {
	t, ok := obj.(*glua.LTable)
	if !ok {
		msg := "execution failure"
		if str, isStr := obj.(glua.LString); isStr {
			msg = string(str)
		}
		if len(msg) > 100 {
			msg = msg[:100]
		}
		c.AddError("ERR Error running script " + name + ", " + msg)
		return
	}
	msg := "ERR unknown error"
	if m, isStr := t.RawGetString("err").(glua.LString); isStr {
		msg = string(m)
	}
	src, hasSrc := t.RawGetString("source").(glua.LString)
	line := t.RawGetString("line")
	if hasSrc && (line.Type() == glua.LTNumber || line.Type() == glua.LTString) {
		msg += " script: " + name + ", on " + string(src) + ":" + luaToString(L, line) + "."
	}
	addTableError(c, t, msg, false)
}

// crlfToSpace turns a reply line's CR and LF into spaces, as Valkey does
// with the status and error lines a script returns.
var crlfToSpace = strings.NewReplacer("\r", " ", "\n", " ")

// ignoreErrorStats is the field marking an error table as the error of a
// command the script called, already counted in errorstats.
const ignoreErrorStats = "ignore_error_stats_update"

// calledErrorTable is the error table of a command the script called.
func calledErrorTable(L *glua.LState, msg string) *glua.LTable {
	t := errorTable(L, msg)
	t.RawSetString(ignoreErrorStats, glua.LTrue)
	return t
}

// addTableError replies msg, the error of error table t, counting it in
// errorstats unless a called command's error was counted already. custom
// marks an error the script returned as its reply: its code is the
// script's own choice, so it goes under ERRORSTATS_OVERFLOW once the table
// is full.
func addTableError(c *Client, t *glua.LTable, msg string, custom bool) {
	msg = crlfToSpace.Replace(msg)
	if b, _ := t.RawGetString(ignoreErrorStats).(glua.LBool); b {
		c.addErrorNoStats(msg)
		return
	}
	if !custom {
		c.AddError(msg)
		return
	}
	c.srv.countErrorCustom(msg)
	c.addErrorNoStats(msg)
}

// addErrorNoStats replies an error already counted in errorstats (the
// error a command called from a script returned).
func (c *Client) addErrorNoStats(msg string) {
	c.errored = true
	if c.skipping() {
		return
	}
	c.Out.buf = resp.AppendError(c.Out.buf, msg)
}

func luaArray(L *glua.LState, elems [][]byte) *glua.LTable {
	t := L.CreateTable(len(elems), 0)
	for i, e := range elems {
		t.RawSetInt(i+1, glua.LString(e))
	}
	return t
}

// maxLuaReplyDepth bounds the nesting of a script's reply, as Lua's own
// stack limit does in Valkey.
const maxLuaReplyDepth = 1000

// replyFromLua converts a script's return value to a reply to c
// (luaReplyToServerReply).
func (s *Server) replyFromLua(c *Client, ls *luaState, v glua.LValue, depth int) {
	if depth > maxLuaReplyDepth {
		c.AddError("ERR reached lua stack limit")
		return
	}
	switch x := v.(type) {
	case glua.LString:
		c.AddBulkString(string(x))
	case glua.LBool:
		if s.script.sc.Proto == 2 {
			if x {
				c.AddInt(1)
			} else {
				c.AddNull()
			}
		} else {
			c.AddBool(bool(x))
		}
	case glua.LNumber:
		c.AddInt(luaNumberToInt(float64(x)))
	case *glua.LTable:
		t, _ := ls.real(x)
		if e, ok := t.RawGetString("err").(glua.LString); ok {
			addTableError(c, t, string(e), true)
			return
		}
		if ok, isStr := t.RawGetString("ok").(glua.LString); isStr {
			c.AddSimple(crlfToSpace.Replace(string(ok)))
			return
		}
		if d, isNum := t.RawGetString("double").(glua.LNumber); isNum {
			c.AddDouble(float64(d))
			return
		}
		if bn, isStr := t.RawGetString("big_number").(glua.LString); isStr {
			if !c.skipping() {
				c.Out.buf = resp.AppendBigNumber(c.Out.buf, []byte(crlfToSpace.Replace(string(bn))), c.Proto)
			}
			return
		}
		if vs, isTab := t.RawGetString("verbatim_string").(*glua.LTable); isTab {
			vs, _ = ls.real(vs)
			if f, ok := vs.RawGetString("format").(glua.LString); ok {
				if str, ok := vs.RawGetString("string").(glua.LString); ok {
					if !c.skipping() {
						c.Out.buf = resp.AppendVerbatim(c.Out.buf, string(f), []byte(str), c.Proto)
					}
					return
				}
			}
		}
		if m, isTab := t.RawGetString("map").(*glua.LTable); isTab {
			m, _ = ls.real(m)
			n := 0
			m.ForEach(func(_, _ glua.LValue) { n++ })
			c.AddMapLen(n)
			m.ForEach(func(k, val glua.LValue) {
				s.replyFromLua(c, ls, k, depth+1)
				s.replyFromLua(c, ls, val, depth+1)
			})
			return
		}
		if set, isTab := t.RawGetString("set").(*glua.LTable); isTab {
			set, _ = ls.real(set)
			n := 0
			set.ForEach(func(_, _ glua.LValue) { n++ })
			c.AddSetLen(n)
			set.ForEach(func(k, _ glua.LValue) { s.replyFromLua(c, ls, k, depth+1) })
			return
		}
		n := 0
		for t.RawGetInt(n+1) != glua.LNil {
			n++
		}
		c.AddArrayLen(n)
		for i := 1; i <= n; i++ {
			s.replyFromLua(c, ls, t.RawGetInt(i), depth+1)
		}
	default:
		c.AddNull()
	}
}

// luaNumberToInt is C's (long long) cast of a double, as amd64 does it:
// out of range and NaN give the minimum.
func luaNumberToInt(f float64) int64 {
	if f != f || f >= 9223372036854775807 || f < -9223372036854775808 {
		return -9223372036854775808
	}
	return int64(f)
}

// luaArgs converts the Lua arguments on L's stack into a command's argv
// (luaArgsToServerArgv): strings as they are, numbers as integers when
// they are integral, else in shortest double notation. buf, if not nil,
// is reused for the bytes.
func luaArgs(L *glua.LState, run *scriptRun) ([][]byte, string) {
	argc := L.GetTop()
	if argc == 0 {
		return nil, "Please specify at least one argument for this call"
	}
	var buf []byte
	var argv [][]byte
	if run != nil {
		buf, argv = run.argbuf[:0], run.argv[:0]
	}
	offs := make([]int, 0, 8)
	for j := 1; j <= argc; j++ {
		offs = append(offs, len(buf))
		switch v := L.Get(j).(type) {
		case glua.LString:
			buf = append(buf, v...)
		case glua.LNumber:
			f := float64(v)
			if f == float64(int64(f)) && f >= -9.2233720368547758e18 && f < 9.2233720368547758e18 {
				buf = strconv.AppendInt(buf, int64(f), 10)
			} else {
				buf = resp.AppendDtoa(buf, f)
			}
		default:
			return nil, "Command arguments must be strings or integers"
		}
	}
	offs = append(offs, len(buf))
	for j := 0; j < argc; j++ {
		argv = append(argv, buf[offs[j]:offs[j+1]:offs[j+1]])
	}
	if run != nil {
		run.argbuf, run.argv = buf, argv
	}
	return argv, ""
}

// call is server.call (raise) and server.pcall.
func (ls *luaState) call(L *glua.LState, raise bool) int {
	run := ls.mustRun(L)
	argv, errMsg := luaArgs(L, run)
	L.SetTop(0)
	if errMsg != "" {
		t := errorTable(L, errMsg)
		if raise {
			L.Error(t, 0)
		}
		L.Push(t)
		return 1
	}
	s := ls.srv
	if errMsg = s.scriptCall(run, argv); errMsg != "" {
		t := calledErrorTable(L, errMsg)
		if raise {
			L.Error(t, 0)
		}
		L.Push(t)
		return 1
	}
	out := run.sc.Out.Bytes()
	v, _, isErr := respToLua(L, out, 0)
	run.sc.Out.Reset()
	if isErr && raise {
		L.Error(v, 0)
	}
	L.Push(v)
	return 1
}

// scriptCall runs one command a script called (Valkey's scriptCall): the
// checks commands get inside scripts, then the handler on the script's
// client. It returns the error that kept the command from running.
func (s *Server) scriptCall(run *scriptRun, argv [][]byte) string {
	cmd := s.LookupCommand(argv)
	if cmd == nil {
		s.countError("ERR")
		return "Unknown command called from script"
	}
	reject := func(msg string) string {
		if msg[0] == '-' {
			s.countError(msg[1:]) // counted by its own code
		} else {
			s.countError("ERR")
		}
		s.cmdStats[cmd.ID].Rejected++
		return msg
	}
	if !cmd.arityOK(len(argv)) {
		return reject("Wrong number of args calling command from script")
	}
	if cmd.Flags&FlagNoScript != 0 && !s.scriptDenyOff {
		return reject("This " + s.serverTitle() + " command is not allowed from script")
	}
	if s.Cfg.ReplicaOfHost != "" && !s.Cfg.ReplicaServeStaleData && !s.replLinkUp() && cmd.Flags&FlagStale == 0 {
		return reject("Can not execute the command on a stale replica") // an allow-stale script calling a command that is not
	}
	if u := run.caller.User; !u.open {
		sc := run.sc
		sc.User, sc.Cmd = u, cmd
		if res, idx := s.aclCheckUser(u, cmd, argv); res != aclAllowed {
			s.addACLLogEntry(sc, res, aclCtxLua, u.Name, aclLogObject(res, cmd, argv, idx))
			return reject("ACL failure in script: " + aclErrorMessage(res, u, cmd, argv[idx], false))
		}
	}
	if cmd.Handler == nil {
		return reject("command '" + cmd.FullName + "' is not implemented in Volley yet")
	}
	if run.readOnly && cmd.Flags&(FlagWrite|FlagMayReplicate) != 0 {
		return reject("Write commands are not allowed from read-only scripts.")
	}
	if cmd.Flags&FlagWrite != 0 && !run.writeDirty && s.Cfg.ReplicaOfHost != "" && s.Cfg.ReplicaReadOnly && !run.caller.mustObey() {
		return reject("-" + ErrReadonly)
	}
	if cmd.Flags&FlagWrite != 0 && !run.writeDirty && s.bgsave.lastErr && s.diskErrorRejects(cmd, cmd.Flags) {
		return reject("-" + s.misconfError()) // a failed background save (stop-writes-on-bgsave-error)
	}
	if cmd.Flags&FlagWrite != 0 && !run.writeDirty && !s.goodReplicasOK() {
		return reject("-" + ErrNoReplicas) // min-replicas-to-write, for scripts that declared no flags
	}
	if !run.allowOOM && s.Cfg.MaxMemory != 0 && !run.caller.mustObey() && !run.writeDirty && run.oomAtStart && cmd.Flags&FlagDenyOOM != 0 {
		return reject("-" + ErrOOM)
	}
	if cmd.Flags&FlagWrite != 0 {
		run.writeDirty = true
	}
	sc := run.sc
	sc.Argv, sc.Cmd = argv, cmd
	sc.errored = false
	start := s.mono.now()
	outBefore := sc.Out.Len()
	if s.prop.on {
		s.callPropagating(sc, cmd) // the script propagates its effects, not itself
	} else {
		cmd.Handler(sc)
	}
	s.commandCompleted(sc, cmd, start, s.mono.now(), sc.Out.Len()-outBefore)
	if run.caller.Flags&ClientTracking != 0 {
		s.trackingRemember(run.caller, cmd, argv) // what the script read, for the client that ran it
	}
	return ""
}

// respToLua converts the reply at b[pos:] to a Lua value
// (redisProtocolToLuaType), returning the position after it and whether
// it was an error.
func respToLua(L *glua.LState, b []byte, pos int) (glua.LValue, int, bool) {
	if pos >= len(b) {
		return glua.LNil, pos, false
	}
	typ := b[pos]
	end := pos + 1
	for end < len(b) && b[end] != '\r' {
		end++
	}
	line := b[pos+1 : end]
	next := end + 2
	num := func() int64 { n, _ := resp.ParseInt(line); return n }
	switch typ {
	case '+':
		t := L.NewTable()
		t.RawSetString("ok", glua.LString(line))
		return t, next, false
	case '-':
		return calledErrorTable(L, "-"+string(line)), next, true
	case ':':
		return glua.LNumber(float64(num())), next, false
	case '$', '!', '=':
		n := num()
		if n < 0 {
			return glua.LFalse, next, false
		}
		str := b[next : next+int(n)]
		after := next + int(n) + 2
		switch typ {
		case '!':
			return calledErrorTable(L, "-"+string(str)), after, true
		case '=':
			vt := L.NewTable()
			vt.RawSetString("string", glua.LString(str[4:]))
			vt.RawSetString("format", glua.LString(str[:3]))
			t := L.NewTable()
			t.RawSetString("verbatim_string", vt)
			return t, after, false
		}
		return glua.LString(str), after, false
	case '*', '>':
		n := num()
		if n < 0 {
			return glua.LFalse, next, false
		}
		t := L.CreateTable(int(n), 0)
		var v glua.LValue
		for i := 1; i <= int(n); i++ {
			v, next, _ = respToLua(L, b, next)
			t.RawSetInt(i, v)
		}
		return t, next, false
	case '%', '~':
		n := int(num())
		inner := L.CreateTable(0, n)
		var k, v glua.LValue
		for i := 0; i < n; i++ {
			k, next, _ = respToLua(L, b, next)
			if typ == '%' {
				v, next, _ = respToLua(L, b, next)
			} else {
				v = glua.LTrue
			}
			if k != glua.LNil {
				inner.RawSet(k, v)
			}
		}
		t := L.NewTable()
		if typ == '%' {
			t.RawSetString("map", inner)
		} else {
			t.RawSetString("set", inner)
		}
		return t, next, false
	case '_':
		return glua.LNil, next, false
	case '#':
		return glua.LBool(len(line) > 0 && line[0] == 't'), next, false
	case ',':
		f, _ := strconv.ParseFloat(string(line), 64)
		t := L.NewTable()
		t.RawSetString("double", glua.LNumber(f))
		return t, next, false
	case '(':
		t := L.NewTable()
		t.RawSetString("big_number", glua.LString(line))
		return t, next, false
	case '|':
		n := int(num())
		for i := 0; i < 2*n; i++ {
			_, next, _ = respToLua(L, b, next)
		}
		return respToLua(L, b, next)
	}
	return glua.LNil, len(b), false
}

// SCRIPT subcommands.

func cmdScriptHelp(c *Client) {
	c.AddHelp("SCRIPT", []string{
		"DEBUG (YES|SYNC|NO)",
		"    Set the debug mode for subsequent scripts executed.",
		"EXISTS <sha1> [<sha1> ...]",
		"    Return information about the existence of the scripts in the script cache.",
		"FLUSH [ASYNC|SYNC]",
		"    Flush the Lua scripts cache. Very dangerous on replicas.",
		"    When called without the optional mode argument, the behavior is determined",
		"     by the lazyfree-lazy-user-flush configuration directive. Valid modes are:",
		"    * ASYNC: Asynchronously flush the scripts cache.",
		"    * SYNC: Synchronously flush the scripts cache.",
		"KILL",
		"    Kill the currently executing Lua script.",
		"LOAD <script>",
		"    Load a script into the scripts cache without executing it.",
		"SHOW <sha1>",
		"    Show a script from the scripts cache.",
	})
}

func cmdScriptFlush(c *Client) {
	if len(c.Argv) > 3 || (len(c.Argv) == 3 && !equalFoldASCII(c.Argv[2], "sync") && !equalFoldASCII(c.Argv[2], "async")) {
		c.AddError("ERR SCRIPT FLUSH only support SYNC|ASYNC option")
		return
	}
	s := c.srv
	s.scripting().resetEval(s)
	c.AddOK()
}

func cmdScriptExists(c *Client) {
	st := c.srv.scripting()
	c.AddArrayLen(len(c.Argv) - 2)
	for _, a := range c.Argv[2:] {
		if st.scripts[lowerSHA(a)] != nil {
			c.AddInt(1)
		} else {
			c.AddInt(0)
		}
	}
}

func cmdScriptLoad(c *Client) {
	body := string(c.Argv[2])
	sha := sha1hex(body)
	if c.srv.registerScript(c, body, sha, false) == nil {
		return
	}
	c.AddBulkString(sha)
}

func cmdScriptShow(c *Client) {
	st := c.srv.scripting()
	if len(c.Argv[2]) == 40 {
		if es := st.scripts[lowerSHA(c.Argv[2])]; es != nil {
			c.AddBulkString(es.body)
			return
		}
	}
	c.AddError(ErrNoScript)
}

func cmdScriptDebug(c *Client) {
	switch {
	case equalFoldASCII(c.Argv[2], "no"):
		c.AddOK()
	case equalFoldASCII(c.Argv[2], "yes"), equalFoldASCII(c.Argv[2], "sync"):
		c.AddError("ERR SCRIPT DEBUG is not supported by Volley")
	default:
		c.AddError("ERR Use SCRIPT DEBUG YES/SYNC/NO")
	}
}

func cmdScriptKill(c *Client) { c.srv.scriptKill(c, true) }

// scriptKill is SCRIPT KILL (eval) and FUNCTION KILL.
func (s *Server) scriptKill(c *Client, eval bool) {
	run := s.script.running
	switch {
	case run == nil:
		c.AddError("NOTBUSY No scripts in execution right now.")
	case run.writeDirty:
		c.AddError("UNKILLABLE Sorry the script already executed write commands against the dataset. You can either wait the script termination or kill the server in a hard way using the SHUTDOWN NOSAVE command.")
	case eval != run.eval:
		c.AddError(s.busyError())
	default:
		run.killed = true
		c.AddOK()
	}
}

// mathRandom is math.random on Valkey's lrand48, the same sequence on
// every platform.
func (ls *luaState) mathRandom(L *glua.LState) int {
	st := &ls.srv.script
	st.rand48 = (st.rand48*0x5DEECE66D + 0xB) & (1<<48 - 1)
	r := float64(int32(st.rand48>>17)%0x7fffffff) / float64(0x7fffffff)
	switch L.GetTop() {
	case 0:
		L.Push(glua.LNumber(r))
	case 1:
		u := L.CheckInt(1)
		if u < 1 {
			L.ArgError(1, "interval is empty")
		}
		L.Push(glua.LNumber(floor(r*float64(u)) + 1))
	case 2:
		l, u := L.CheckInt(1), L.CheckInt(2)
		if l > u {
			L.ArgError(2, "interval is empty")
		}
		L.Push(glua.LNumber(floor(r*float64(u-l+1)) + float64(l)))
	default:
		L.RaiseError("wrong number of arguments")
	}
	return 1
}

func (ls *luaState) mathRandomseed(L *glua.LState) int {
	f := lua.CheckNumber(L, 1, "randomseed")
	seed := uint64(uint32(int32(int64(f))))
	ls.srv.script.rand48 = seed<<16 | 0x330E
	return 0
}

func floor(f float64) float64 {
	i := float64(int64(f))
	if i > f {
		i--
	}
	return i
}

var scriptHandlers = map[string]Handler{
	"eval":          cmdEval,
	"evalsha":       cmdEvalSha,
	"eval_ro":       cmdEvalRo,
	"evalsha_ro":    cmdEvalShaRo,
	"script|help":   cmdScriptHelp,
	"script|flush":  cmdScriptFlush,
	"script|exists": cmdScriptExists,
	"script|load":   cmdScriptLoad,
	"script|show":   cmdScriptShow,
	"script|debug":  cmdScriptDebug,
	"script|kill":   cmdScriptKill,
}

// scriptFlagsOf returns the declared flags of the script an EVAL, EVALSHA
// or FCALL (or their _RO forms) would run, and false when it has none
// (no shebang, or no such script: the command is judged by its own
// flags) (evalGetCommandFlags, fcallGetCommandFlags). For EVAL it also
// returns the SHA1 of the body, which it hashed to find the script.
func (s *Server) scriptFlagsOf(cmd *Spec, argv [][]byte) (scriptFlags, bool, string) {
	if len(argv) < 2 {
		return 0, false, ""
	}
	st := s.scripting()
	var flags scriptFlags
	var sha string
	switch cmd.Name {
	case "eval", "eval_ro":
		sha = sha1hex(string(argv[1]))
		if es := st.scripts[sha]; es != nil {
			flags = es.flags
		} else {
			_, fl, _, err := parseShebang(string(argv[1]))
			if err != nil {
				return 0, false, sha
			}
			flags = fl
		}
	case "evalsha", "evalsha_ro":
		es := st.scripts[lowerSHA(argv[1])]
		if es == nil {
			return 0, false, ""
		}
		flags = es.flags
	case "fcall", "fcall_ro":
		f := st.funcs.funcs[strings.ToLower(string(argv[1]))]
		if f == nil {
			return 0, false, ""
		}
		flags = f.flags
	default:
		return 0, false, ""
	}
	return flags, flags&scriptEvalCompat == 0, sha
}

// commandFlags is cmd's flags as Valkey's getCommandFlags gives them:
// those of the script an EVAL or FCALL runs when it declared flags, the
// command's own otherwise.
func (s *Server) commandFlags(cmd *Spec, argv [][]byte) Flags {
	f, _ := s.commandFlagsSHA(cmd, argv)
	return f
}

// commandFlagsSHA is commandFlags, also returning the SHA1 of an EVAL's
// body ("" for other commands), which it computes to find the script.
// The _RO forms are judged by their script's flags too (getCommandFlags):
// EVAL_RO of a script that may write counts as a write.
func (s *Server) commandFlagsSHA(cmd *Spec, argv [][]byte) (Flags, string) {
	if cmd.Group != GroupScripting {
		return cmd.Flags, ""
	}
	sf, ok, sha := s.scriptFlagsOf(cmd, argv)
	if !ok {
		return cmd.Flags, sha
	}
	return scriptCommandFlags(cmd.Flags, sf), sha
}

// scriptCommandFlags is a scripting command's flags as its script's
// declared flags make them (scriptFlagsToCmdFlags): write and deny-oom
// unless declared otherwise, stale when allowed, and no may-replicate,
// since the flags say whether it writes.
func scriptCommandFlags(f Flags, sf scriptFlags) Flags {
	f &^= FlagStale | FlagDenyOOM | FlagWrite | FlagMayReplicate
	if sf&(scriptAllowOOM|scriptNoWrites) == 0 {
		f |= FlagDenyOOM
	}
	if sf&scriptNoWrites == 0 {
		f |= FlagWrite
	}
	if sf&scriptAllowStale != 0 {
		f |= FlagStale
	}
	return f
}
