package luasyntax

import (
	"fmt"
	"strconv"
)

// Error is the compile error C Lua 5.1 raises for a script.
type Error struct {
	Line int    // the line C Lua names; 0 for an error raised without one
	Msg  string // what follows "chunk:line: ", with " near '...'" when C Lua adds it
}

// Error is the message with its line: "1: '=' expected near '5'".
func (e *Error) Error() string {
	if e.Line == 0 {
		return e.Msg
	}
	return strconv.Itoa(e.Line) + ": " + e.Msg
}

// Message is the message C Lua gives for a chunk named chunk (as
// luaO_chunkid names it): "user_script:1: '=' expected near '5'". The
// errors of its memory allocator, raised when a function outgrows an
// array ("too many local variables"), name no chunk.
func (e *Error) Message(chunk string) string {
	if e.Line == 0 {
		return e.Msg
	}
	return chunk + ":" + e.Error()
}

// Check returns the error C Lua 5.1 raises compiling code as a chunk
// loaded from C, as EVAL and FUNCTION LOAD load theirs, or nil if it
// compiles.
func Check(code string) *Error { return CheckDepth(code, 0) }

// CheckDepth is Check for a chunk loaded under depth calls C Lua counts
// against its syntax levels (nCcalls): loadstring called from a script
// runs under the one that started the script.
func CheckDepth(code string, depth int) (err *Error) {
	defer func() {
		if r := recover(); r != nil {
			e, ok := r.(*Error)
			if !ok && checkInvariants {
				panic(r)
			}
			err = e // a bug here must not take the server down: gopher-lua judges alone
		}
	}()
	p := &parser{lx: newLexer(code), nCcalls: depth}
	p.mainFunc()
	return nil
}

// The parser reports an error by panicking with an *Error, which Check
// recovers: the first error ends the parse, as longjmp does in C Lua.

type parser struct {
	lx      *lexer
	fs      *funcState
	nCcalls int // nested syntax levels
}

type funcState struct {
	prev     *funcState
	line     int      // the line it is defined on; 0 for the main function
	vararg   bool     // it may use ...
	vars     []string // local variables by register: the active ones, then those declared but not yet in scope
	nactvar  int
	nlocvars int       // local variables declared, in or out of scope
	nprotos  int       // functions defined in it
	upvals   []expDesc // the variables of enclosing functions it uses, by kind and index
	freereg  int       // the first free register
	maxStack int       // the most registers in use at once (maxstacksize), for lparser.c's assertion
	consts   map[constKey]int
	bl       *block
}

type block struct {
	prev    *block
	nactvar int  // active locals outside the block
	loop    bool // break leaves it
}

func (p *parser) syntaxError(msg string) { p.lx.fail(msg, p.lx.tok.kind) }

// errorGrow reports that an array of the function outgrew its limit,
// which C Lua's allocator raises as a runtime error with no position.
func errorGrow(msg string) { panic(&Error{Msg: msg}) }

func (p *parser) errorExpected(tok int) {
	p.syntaxError("'" + tokenString(tok) + "' expected")
}

// errorLimit reports that fs has more than limit of what.
func (p *parser) errorLimit(fs *funcState, limit int, what string) {
	var msg string
	if fs.line == 0 {
		msg = fmt.Sprintf("main function has more than %d %s", limit, what)
	} else {
		msg = fmt.Sprintf("function at line %d has more than %d %s", fs.line, limit, what)
	}
	p.lx.fail(msg, 0)
}

func (p *parser) testNext(tok int) bool {
	if p.lx.tok.kind == tok {
		p.lx.step()
		return true
	}
	return false
}

func (p *parser) check(tok int) {
	if p.lx.tok.kind != tok {
		p.errorExpected(tok)
	}
}

func (p *parser) checkNext(tok int) {
	p.check(tok)
	p.lx.step()
}

// checkMatch expects what, the closing token of who, opened at line
// where; the message names the opener when it is on another line.
func (p *parser) checkMatch(what, who, where int) {
	if p.testNext(what) {
		return
	}
	if where == p.lx.line {
		p.errorExpected(what)
	}
	p.syntaxError(fmt.Sprintf("'%s' expected (to close '%s' at line %d)", tokenString(what), tokenString(who), where))
}

func (p *parser) checkName() string {
	p.check(tkName)
	s := p.lx.tok.str
	p.lx.step()
	return s
}

func (p *parser) enterLevel() {
	p.nCcalls++
	if p.nCcalls > maxLevels {
		p.lx.fail("chunk has too many syntax levels", 0)
	}
}

func (p *parser) leaveLevel() { p.nCcalls-- }

func blockFollow(tok int) bool {
	switch tok {
	case tkElse, tkElseif, tkEnd, tkUntil, tkEOS:
		return true
	}
	return false
}

// Variables and scopes.

func (p *parser) newLocalVar(name string, n int) {
	fs := p.fs
	if fs.nactvar+n+1 > maxVars {
		p.errorLimit(fs, maxVars, "local variables")
	}
	if fs.nlocvars >= maxLocVars {
		errorGrow("too many local variables")
	}
	fs.nlocvars++
	fs.vars = append(fs.vars[:fs.nactvar+n], name) // n counts from 0 in each declaration
}

func (p *parser) adjustLocalVars(n int) { p.fs.nactvar += n }

func (p *parser) enterBlock(bl *block, loop bool) {
	fs := p.fs
	*bl = block{prev: fs.bl, nactvar: fs.nactvar, loop: loop}
	fs.bl = bl
	invariant(fs.freereg == fs.nactvar, "registers in use entering a block")
}

func (p *parser) leaveBlock() {
	fs := p.fs
	fs.nactvar = fs.bl.nactvar
	fs.bl = fs.bl.prev
	fs.freereg = fs.nactvar
}

func searchVar(fs *funcState, name string) int {
	for i := fs.nactvar - 1; i >= 0; i-- {
		if fs.vars[i] == name {
			return i
		}
	}
	return -1
}

// indexUpvalue is fs's upvalue for v, a local or upvalue of the
// function enclosing fs, added if new.
func (p *parser) indexUpvalue(fs *funcState, v *expDesc) int {
	for i, u := range fs.upvals {
		if u.k == v.k && u.info == v.info {
			return i
		}
	}
	if len(fs.upvals)+1 > maxUpvalues {
		p.errorLimit(fs, maxUpvalues, "upvalues")
	}
	fs.upvals = append(fs.upvals, expDesc{k: v.k, info: v.info})
	return len(fs.upvals) - 1
}

func (p *parser) singleVarAux(fs *funcState, name string, v *expDesc) expKind {
	if fs == nil {
		v.init(kGlobal, 0)
		return kGlobal
	}
	if i := searchVar(fs, name); i >= 0 {
		v.init(kLocal, i)
		return kLocal
	}
	if p.singleVarAux(fs.prev, name, v) == kGlobal {
		return kGlobal
	}
	v.info = p.indexUpvalue(fs, v)
	v.k = kUpval
	return kUpval
}

func (p *parser) singleVar(v *expDesc) {
	name := p.checkName()
	if p.singleVarAux(p.fs, name, v) == kGlobal {
		v.info = p.stringK(name)
	}
}

// adjustAssign gives nvars values from a list of nexps expressions
// ending in e.
func (p *parser) adjustAssign(nvars, nexps int, e *expDesc) {
	extra := nvars - nexps
	if e.hasMultRet() {
		extra++
		if extra < 0 {
			extra = 0
		}
		p.setReturns(e)
		if extra > 1 {
			p.reserveRegs(extra - 1)
		}
		return
	}
	if e.k != kVoid {
		p.exp2NextReg(e)
	}
	if extra > 0 {
		p.reserveRegs(extra)
	}
}

// Functions.

func (p *parser) openFunc(line int) {
	p.fs = &funcState{prev: p.fs, line: line, maxStack: 2}
}

func (p *parser) closeFunc() {
	invariant(p.fs.bl == nil, "a block left open")
	p.fs = p.fs.prev
}

func (p *parser) mainFunc() {
	p.openFunc(0)
	p.fs.vararg = true
	p.lx.step()
	p.chunk()
	p.check(tkEOS)
	p.closeFunc()
}

// body: '(' parameters ')' chunk 'end'.
func (p *parser) body(e *expDesc, needSelf bool, line int) {
	p.openFunc(line)
	p.checkNext('(')
	if needSelf {
		p.newLocalVar("self", 0)
		p.adjustLocalVars(1)
	}
	p.parList()
	p.checkNext(')')
	p.chunk()
	p.checkMatch(tkEnd, tkFunction, line)
	p.closeFunc()
	if p.fs.nprotos >= maxArgBx {
		errorGrow("constant table overflow")
	}
	p.fs.nprotos++
	e.init(kReloc, 0) // OP_CLOSURE
}

func (p *parser) parList() {
	fs := p.fs
	n := 0
	if p.lx.tok.kind != ')' {
		for {
			switch p.lx.tok.kind {
			case tkName:
				p.newLocalVar(p.checkName(), n)
				n++
			case tkDots:
				p.lx.step()
				p.newLocalVar("arg", n) // LUA_COMPAT_VARARG: the extra arguments as a table
				n++
				fs.vararg = true
			default:
				p.syntaxError("<name> or '...' expected")
			}
			if fs.vararg || !p.testNext(',') {
				break
			}
		}
	}
	p.adjustLocalVars(n)
	p.reserveRegs(fs.nactvar)
}

func (p *parser) expList(v *expDesc) int {
	n := 1
	p.expr(v)
	for p.testNext(',') {
		p.exp2NextReg(v)
		p.expr(v)
		n++
	}
	return n
}

func (p *parser) funcArgs(f *expDesc) {
	lx := p.lx
	line := lx.line
	var args expDesc
	switch lx.tok.kind {
	case '(':
		if line != lx.lastLine {
			p.syntaxError("ambiguous syntax (function call x new statement)")
		}
		lx.step()
		if lx.tok.kind == ')' {
			args.k = kVoid
		} else {
			p.expList(&args)
			p.setReturns(&args)
		}
		p.checkMatch(')', '(', line)
	case '{':
		p.constructor(&args)
	case tkString:
		p.codeString(&args, lx.tok.str)
		lx.step()
	default:
		p.syntaxError("function arguments expected")
	}
	invariant(f.k == kNonReloc, "calling a value not in a register")
	base := f.info
	if !args.hasMultRet() && args.k != kVoid {
		p.exp2NextReg(&args)
	}
	f.init(kCall, base)
	p.fs.freereg = base + 1
}

// Expressions.

// field: '.' name or ':' name after v.
func (p *parser) field(v *expDesc) {
	p.exp2AnyReg(v)
	p.lx.step()
	var key expDesc
	p.codeString(&key, p.checkName())
	p.indexed(v, &key)
}

// yIndex: '[' expr ']'.
func (p *parser) yIndex(v *expDesc) {
	p.lx.step()
	p.expr(v)
	p.exp2Val(v)
	p.checkNext(']')
}

type consControl struct {
	v       expDesc  // the last list item read
	t       *expDesc // the table
	toStore int      // list items not yet stored
}

func (p *parser) recField(cc *consControl) {
	fs := p.fs
	reg := fs.freereg
	var key, val expDesc
	if p.lx.tok.kind == tkName {
		p.codeString(&key, p.checkName())
	} else {
		p.yIndex(&key)
	}
	p.checkNext('=')
	p.exp2RK(&key)
	p.expr(&val)
	p.exp2RK(&val)
	fs.freereg = reg
}

func (p *parser) closeListField(cc *consControl) {
	if cc.v.k == kVoid {
		return
	}
	p.exp2NextReg(&cc.v)
	cc.v.k = kVoid
	if cc.toStore == flushEvery {
		p.fs.freereg = cc.t.info + 1 // OP_SETLIST stores them
		cc.toStore = 0
	}
}

func (p *parser) lastListField(cc *consControl) {
	if cc.toStore == 0 {
		return
	}
	if cc.v.hasMultRet() {
		p.setReturns(&cc.v)
	} else if cc.v.k != kVoid {
		p.exp2NextReg(&cc.v)
	}
	p.fs.freereg = cc.t.info + 1
}

func (p *parser) listField(cc *consControl) {
	p.expr(&cc.v)
	cc.toStore++
}

func (p *parser) constructor(t *expDesc) {
	lx := p.lx
	line := lx.line
	t.init(kReloc, 0) // OP_NEWTABLE
	cc := consControl{t: t}
	p.exp2NextReg(t)
	p.checkNext('{')
	for {
		if lx.tok.kind == '}' {
			break
		}
		p.closeListField(&cc)
		switch lx.tok.kind {
		case tkName:
			lx.lookahead()
			if lx.ahead.kind != '=' {
				p.listField(&cc)
			} else {
				p.recField(&cc)
			}
		case '[':
			p.recField(&cc)
		default:
			p.listField(&cc)
		}
		if !p.testNext(',') && !p.testNext(';') {
			break
		}
	}
	p.checkMatch('}', '{', line)
	p.lastListField(&cc)
}

func (p *parser) prefixExp(v *expDesc) {
	lx := p.lx
	switch lx.tok.kind {
	case '(':
		line := lx.line
		lx.step()
		p.expr(v)
		p.checkMatch(')', '(', line)
		p.dischargeVars(v)
	case tkName:
		p.singleVar(v)
	default:
		p.syntaxError("unexpected symbol")
	}
}

func (p *parser) primaryExp(v *expDesc) {
	lx := p.lx
	p.prefixExp(v)
	for {
		switch lx.tok.kind {
		case '.':
			p.field(v)
		case '[':
			var key expDesc
			p.exp2AnyReg(v)
			p.yIndex(&key)
			p.indexed(v, &key)
		case ':':
			var key expDesc
			lx.step()
			p.codeString(&key, p.checkName())
			p.self(v, &key)
			p.funcArgs(v)
		case '(', tkString, '{':
			p.exp2NextReg(v)
			p.funcArgs(v)
		default:
			return
		}
	}
}

func (p *parser) simpleExp(v *expDesc) {
	lx := p.lx
	switch lx.tok.kind {
	case tkNumber:
		*v = expDesc{k: kKNum, num: lx.tok.num}
	case tkString:
		p.codeString(v, lx.tok.str)
	case tkNil:
		v.init(kNil, 0)
	case tkTrue:
		v.init(kTrue, 0)
	case tkFalse:
		v.init(kFalse, 0)
	case tkDots:
		if !p.fs.vararg {
			p.syntaxError("cannot use '...' outside a vararg function")
		}
		v.init(kVararg, 0)
	case '{':
		p.constructor(v)
		return
	case tkFunction:
		lx.step()
		p.body(v, false, lx.line)
		return
	default:
		p.primaryExp(v)
		return
	}
	lx.step()
}

func unaryOp(tok int) unOp {
	switch tok {
	case tkNot:
		return unNot
	case '-':
		return unMinus
	case '#':
		return unLen
	}
	return unNone
}

func binaryOp(tok int) binOp {
	switch tok {
	case '+':
		return binAdd
	case '-':
		return binSub
	case '*':
		return binMul
	case '/':
		return binDiv
	case '%':
		return binMod
	case '^':
		return binPow
	case tkConcat:
		return binConcat
	case tkNe:
		return binNe
	case tkEq:
		return binEq
	case '<':
		return binLt
	case tkLe:
		return binLe
	case '>':
		return binGt
	case tkGe:
		return binGe
	case tkAnd:
		return binAnd
	case tkOr:
		return binOr
	}
	return binNone
}

// subExpr reads (simpleexp | unop subexpr) { binop subexpr } while the
// operators bind tighter than limit, and returns the first that does
// not.
func (p *parser) subExpr(v *expDesc, limit int) binOp {
	lx := p.lx
	p.enterLevel()
	if uop := unaryOp(lx.tok.kind); uop != unNone {
		lx.step()
		p.subExpr(v, unaryPriority)
		p.prefix(uop, v)
	} else {
		p.simpleExp(v)
	}
	op := binaryOp(lx.tok.kind)
	for op != binNone && priority[op].left > limit {
		var v2 expDesc
		lx.step()
		p.infix(op, v)
		next := p.subExpr(&v2, priority[op].right)
		p.posfix(op, v, &v2)
		op = next
	}
	p.leaveLevel()
	return op
}

func (p *parser) expr(v *expDesc) { p.subExpr(v, 0) }

// Statements.

func (p *parser) block() {
	var bl block
	p.enterBlock(&bl, false)
	p.chunk()
	p.leaveBlock()
}

// lhsAssign chains the variables on the left of an assignment.
type lhsAssign struct {
	prev *lhsAssign
	v    expDesc
}

// checkConflict copies local v aside when an earlier target of the
// assignment indexes a table with it or indexes it.
func (p *parser) checkConflict(lh *lhsAssign, v *expDesc) {
	fs := p.fs
	extra := fs.freereg
	conflict := false
	for ; lh != nil; lh = lh.prev {
		if lh.v.k == kIndexed {
			if lh.v.info == v.info {
				conflict = true
				lh.v.info = extra
			}
			if lh.v.aux == v.info {
				conflict = true
				lh.v.aux = extra
			}
		}
	}
	if conflict {
		p.reserveRegs(1)
	}
}

func (p *parser) assignment(lh *lhsAssign, nvars int) {
	if k := lh.v.k; k != kLocal && k != kUpval && k != kGlobal && k != kIndexed {
		p.syntaxError("syntax error")
	}
	var e expDesc
	if p.testNext(',') {
		nv := lhsAssign{prev: lh}
		p.primaryExp(&nv.v)
		if nv.v.k == kLocal {
			p.checkConflict(lh, &nv.v)
		}
		if limit := maxLevels - p.nCcalls; nvars > limit {
			p.errorLimit(p.fs, limit, "variables in assignment")
		}
		p.assignment(&nv, nvars+1)
	} else {
		p.checkNext('=')
		nexps := p.expList(&e)
		if nexps == nvars {
			p.setOneRet(&e)
			p.storeVar(&lh.v, &e)
			return
		}
		p.adjustAssign(nvars, nexps, &e)
		if nexps > nvars {
			p.fs.freereg -= nexps - nvars
		}
	}
	e.init(kNonReloc, p.fs.freereg-1)
	p.storeVar(&lh.v, &e)
}

func (p *parser) cond() {
	var v expDesc
	p.expr(&v)
	if v.k == kNil {
		v.k = kFalse
	}
	p.goIfTrue(&v)
}

func (p *parser) breakStat() {
	for bl := p.fs.bl; bl != nil; bl = bl.prev {
		if bl.loop {
			return
		}
	}
	p.syntaxError("no loop to break")
}

func (p *parser) whileStat(line int) {
	var bl block
	p.lx.step()
	p.cond()
	p.enterBlock(&bl, true)
	p.checkNext(tkDo)
	p.block()
	p.checkMatch(tkEnd, tkWhile, line)
	p.leaveBlock()
}

func (p *parser) repeatStat(line int) {
	var loop, scope block
	p.enterBlock(&loop, true)
	p.enterBlock(&scope, false)
	p.lx.step()
	p.chunk()
	p.checkMatch(tkUntil, tkRepeat, line)
	p.cond() // inside the scope: it sees the body's locals
	p.leaveBlock()
	p.leaveBlock()
}

func (p *parser) exp1() {
	var e expDesc
	p.expr(&e)
	p.exp2NextReg(&e)
}

func (p *parser) forBody(nvars int) {
	var bl block
	p.adjustLocalVars(3) // the loop's hidden control variables
	p.checkNext(tkDo)
	p.enterBlock(&bl, false)
	p.adjustLocalVars(nvars)
	p.reserveRegs(nvars)
	p.block()
	p.leaveBlock()
}

func (p *parser) forNum(name string) {
	p.newLocalVar("(for index)", 0)
	p.newLocalVar("(for limit)", 1)
	p.newLocalVar("(for step)", 2)
	p.newLocalVar(name, 3)
	p.checkNext('=')
	p.exp1()
	p.checkNext(',')
	p.exp1()
	if p.testNext(',') {
		p.exp1()
	} else {
		p.numberK(1)
		p.reserveRegs(1)
	}
	p.forBody(1)
}

func (p *parser) forList(name string) {
	var e expDesc
	p.newLocalVar("(for generator)", 0)
	p.newLocalVar("(for state)", 1)
	p.newLocalVar("(for control)", 2)
	p.newLocalVar(name, 3)
	nvars := 4
	for p.testNext(',') {
		p.newLocalVar(p.checkName(), nvars)
		nvars++
	}
	p.checkNext(tkIn)
	p.adjustAssign(3, p.expList(&e), &e)
	p.checkStack(3) // room to call the generator
	p.forBody(nvars - 3)
}

func (p *parser) forStat(line int) {
	var bl block
	p.enterBlock(&bl, true)
	p.lx.step()
	name := p.checkName()
	switch p.lx.tok.kind {
	case '=':
		p.forNum(name)
	case ',', tkIn:
		p.forList(name)
	default:
		p.syntaxError("'=' or 'in' expected")
	}
	p.checkMatch(tkEnd, tkFor, line)
	p.leaveBlock()
}

func (p *parser) testThenBlock() {
	p.lx.step()
	p.cond()
	p.checkNext(tkThen)
	p.block()
}

func (p *parser) ifStat(line int) {
	p.testThenBlock()
	for p.lx.tok.kind == tkElseif {
		p.testThenBlock()
	}
	if p.lx.tok.kind == tkElse {
		p.lx.step()
		p.block()
	}
	p.checkMatch(tkEnd, tkIf, line)
}

func (p *parser) localFunc() {
	fs := p.fs
	var v, b expDesc
	p.newLocalVar(p.checkName(), 0)
	v.init(kLocal, fs.freereg)
	p.reserveRegs(1)
	p.adjustLocalVars(1)
	p.body(&b, false, p.lx.line)
	p.storeVar(&v, &b)
}

func (p *parser) localStat() {
	nvars := 0
	var e expDesc
	for {
		p.newLocalVar(p.checkName(), nvars)
		nvars++
		if !p.testNext(',') {
			break
		}
	}
	nexps := 0
	if p.testNext('=') {
		nexps = p.expList(&e)
	} else {
		e.k = kVoid
	}
	p.adjustAssign(nvars, nexps, &e)
	p.adjustLocalVars(nvars)
}

// funcName: name {'.' name} [':' name]; whether it is a method.
func (p *parser) funcName(v *expDesc) bool {
	p.singleVar(v)
	for p.lx.tok.kind == '.' {
		p.field(v)
	}
	if p.lx.tok.kind == ':' {
		p.field(v)
		return true
	}
	return false
}

func (p *parser) funcStat(line int) {
	var v, b expDesc
	p.lx.step()
	needSelf := p.funcName(&v)
	p.body(&b, needSelf, line)
	p.storeVar(&v, &b)
}

func (p *parser) exprStat() {
	var v lhsAssign
	p.primaryExp(&v.v)
	if v.v.k != kCall {
		p.assignment(&v, 1)
	}
}

func (p *parser) retStat() {
	var e expDesc
	p.lx.step()
	if blockFollow(p.lx.tok.kind) || p.lx.tok.kind == ';' {
		return
	}
	n := p.expList(&e)
	switch {
	case e.hasMultRet():
		p.setReturns(&e)
	case n == 1:
		p.exp2AnyReg(&e)
	default:
		p.exp2NextReg(&e)
	}
}

// statement reads one statement; whether it must be the block's last.
func (p *parser) statement() bool {
	lx := p.lx
	line := lx.line
	switch lx.tok.kind {
	case tkIf:
		p.ifStat(line)
	case tkWhile:
		p.whileStat(line)
	case tkDo:
		lx.step()
		p.block()
		p.checkMatch(tkEnd, tkDo, line)
	case tkFor:
		p.forStat(line)
	case tkRepeat:
		p.repeatStat(line)
	case tkFunction:
		p.funcStat(line)
	case tkLocal:
		lx.step()
		if p.testNext(tkFunction) {
			p.localFunc()
		} else {
			p.localStat()
		}
	case tkReturn:
		p.retStat()
		return true
	case tkBreak:
		lx.step()
		p.breakStat()
		return true
	default:
		p.exprStat()
	}
	return false
}

// chunk: { statement [';'] }.
func (p *parser) chunk() {
	p.enterLevel()
	for last := false; !last && !blockFollow(p.lx.tok.kind); {
		last = p.statement()
		p.testNext(';')
		fs := p.fs
		invariant(fs.maxStack >= fs.freereg && fs.freereg >= fs.nactvar, "registers below the locals")
		fs.freereg = fs.nactvar
	}
	p.leaveLevel()
}
