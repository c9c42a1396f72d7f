package luasyntax

import "math"

// What lcode.c does to registers and constants, and nothing else.
//
// C Lua raises "function or expression too complex" when an expression
// needs a 250th register, so where the limit falls depends on exactly
// which values it puts in registers and when it frees them. The
// functions here follow lcode.c's decisions on an expression descriptor
// (which kind of value it is, which register it holds, whether jumps
// are pending on it) with the instructions left out. Constants are
// counted because an operand is a register rather than a constant once
// a function has more than 256 of them.

const (
	maxStack    = 250    // MAXSTACK: registers per function
	maxIndexRK  = 255    // the highest constant index an operand can name
	bitRK       = 256    // marks an operand that is a constant
	maxVars     = 200    // LUAI_MAXVARS: active local variables per function
	maxUpvalues = 60     // LUAI_MAXUPVALUES
	maxLevels   = 200    // LUAI_MAXCCALLS: nested syntax levels
	flushEvery  = 50     // LFIELDS_PER_FLUSH: list items a constructor stores at once
	maxLocVars  = 32767  // SHRT_MAX: local variables declared per function
	maxArgBx    = 262143 // MAXARG_Bx: constants, and functions defined, per function
)

type expKind uint8

const (
	kVoid     expKind = iota // no value (an empty list)
	kNil                     // nil
	kTrue                    // true
	kFalse                   // false
	kK                       // a constant; info is its index
	kKNum                    // a numeral not yet a constant; num is its value
	kLocal                   // a local variable; info is its register
	kUpval                   // an upvalue; info is its index
	kGlobal                  // a global variable; info is its name's constant
	kIndexed                 // t[k]; info is t's register, aux k's operand
	kJmp                     // a comparison, a jump still to be placed
	kReloc                   // an instruction whose target register is still open
	kNonReloc                // a value in register info
	kCall                    // a call with open results; info is its base register
	kVararg                  // ... with open results
)

// relocOp tells what instruction a kReloc expression is, where lcode.c
// looks at it: OP_NOT (a test can use its operand) and OP_CONCAT (a
// concatenation extends it).
type relocOp uint8

const (
	opOther relocOp = iota
	opNot
	opConcat
)

type expDesc struct {
	k    expKind
	info int
	aux  int
	num  float64
	op   relocOp
	t, f bool // jumps are pending on its true or false exit
}

func (e *expDesc) hasJumps() bool { return e.t || e.f }

func (e *expDesc) hasMultRet() bool { return e.k == kCall || e.k == kVararg }

func (e *expDesc) isNumeral() bool { return e.k == kKNum && !e.hasJumps() }

func (e *expDesc) init(k expKind, info int) {
	*e = expDesc{k: k, info: info}
}

func (e *expDesc) reloc(op relocOp) {
	e.k = kReloc
	e.op = op
}

type constKey struct {
	kind byte // 's' string, 'n' number, 'b' boolean, '0' nil
	s    string
	n    float64 // +0 and -0 are one key, as in a Lua table
}

func isK(rk int) bool { return rk&bitRK != 0 }

func (p *parser) addK(k constKey) int {
	fs := p.fs
	if i, ok := fs.consts[k]; ok {
		return i
	}
	if fs.consts == nil {
		fs.consts = make(map[constKey]int)
	}
	i := len(fs.consts)
	if i >= maxArgBx {
		errorGrow("constant table overflow")
	}
	fs.consts[k] = i
	return i
}

func (p *parser) stringK(s string) int  { return p.addK(constKey{kind: 's', s: s}) }
func (p *parser) numberK(n float64) int { return p.addK(constKey{kind: 'n', n: n}) }
func (p *parser) nilK() int             { return p.addK(constKey{kind: '0'}) }

func (p *parser) boolK(b bool) int {
	k := constKey{kind: 'b'}
	if b {
		k.n = 1
	}
	return p.addK(k)
}

func (p *parser) codeString(e *expDesc, s string) { e.init(kK, p.stringK(s)) }

func (p *parser) checkStack(n int) {
	fs := p.fs
	top := fs.freereg + n
	if top >= maxStack {
		p.syntaxError("function or expression too complex")
	}
	fs.maxStack = max(fs.maxStack, top)
}

func (p *parser) reserveRegs(n int) {
	p.checkStack(n)
	p.fs.freereg += n
}

func (p *parser) freeReg(reg int) {
	fs := p.fs
	if !isK(reg) && reg >= fs.nactvar {
		fs.freereg--
		invariant(reg == fs.freereg, "freed a register not on top")
	}
}

func (p *parser) freeExp(e *expDesc) {
	if e.k == kNonReloc {
		p.freeReg(e.info)
	}
}

// setReturns is luaK_setreturns on an open call or ...: whatever the
// number of results asked for, only ... takes a register to give them.
func (p *parser) setReturns(e *expDesc) {
	if e.k == kVararg {
		p.reserveRegs(1)
	}
}

func (p *parser) setOneRet(e *expDesc) {
	switch e.k {
	case kCall:
		e.k = kNonReloc // its result lands in its base register
	case kVararg:
		e.reloc(opOther)
	}
}

func (p *parser) dischargeVars(e *expDesc) {
	switch e.k {
	case kLocal:
		e.k = kNonReloc
	case kUpval, kGlobal:
		e.reloc(opOther)
	case kIndexed:
		p.freeReg(e.aux)
		p.freeReg(e.info)
		e.reloc(opOther)
	case kCall, kVararg:
		p.setOneRet(e)
	}
}

func (p *parser) discharge2Reg(e *expDesc, reg int) {
	p.dischargeVars(e)
	switch e.k {
	case kKNum:
		p.numberK(e.num)
	case kNil, kTrue, kFalse, kK, kReloc, kNonReloc:
	default:
		return // kVoid, kJmp: nothing to load
	}
	e.info = reg
	e.k = kNonReloc
}

func (p *parser) discharge2AnyReg(e *expDesc) {
	if e.k != kNonReloc {
		p.reserveRegs(1)
		p.discharge2Reg(e, p.fs.freereg-1)
	}
}

func (p *parser) exp2Reg(e *expDesc, reg int) {
	p.discharge2Reg(e, reg)
	e.t, e.f = false, false
	e.info = reg
	e.k = kNonReloc
}

func (p *parser) exp2NextReg(e *expDesc) {
	p.dischargeVars(e)
	p.freeExp(e)
	p.reserveRegs(1)
	p.exp2Reg(e, p.fs.freereg-1)
}

func (p *parser) exp2AnyReg(e *expDesc) int {
	p.dischargeVars(e)
	if e.k == kNonReloc {
		if !e.hasJumps() {
			return e.info
		}
		if e.info >= p.fs.nactvar {
			p.exp2Reg(e, e.info)
			return e.info
		}
	}
	p.exp2NextReg(e)
	return e.info
}

func (p *parser) exp2Val(e *expDesc) {
	if e.hasJumps() {
		p.exp2AnyReg(e)
	} else {
		p.dischargeVars(e)
	}
}

// exp2RK makes e an instruction operand: a constant when one fits,
// otherwise a register.
func (p *parser) exp2RK(e *expDesc) int {
	p.exp2Val(e)
	switch e.k {
	case kKNum, kTrue, kFalse, kNil:
		if len(p.fs.consts) <= maxIndexRK {
			switch e.k {
			case kNil:
				e.info = p.nilK()
			case kKNum:
				e.info = p.numberK(e.num)
			default:
				e.info = p.boolK(e.k == kTrue)
			}
			e.k = kK
			return e.info | bitRK
		}
	case kK:
		if e.info <= maxIndexRK {
			return e.info | bitRK
		}
	}
	return p.exp2AnyReg(e)
}

func (p *parser) storeVar(v, e *expDesc) {
	switch v.k {
	case kLocal:
		p.freeExp(e)
		p.exp2Reg(e, v.info)
		return
	case kUpval, kGlobal:
		p.exp2AnyReg(e)
	case kIndexed:
		p.exp2RK(e)
	}
	p.freeExp(e)
}

// self is e:key, the method and e in two new registers.
func (p *parser) self(e, key *expDesc) {
	p.exp2AnyReg(e)
	p.freeExp(e)
	fn := p.fs.freereg
	p.reserveRegs(2)
	p.exp2RK(key)
	p.freeExp(key)
	e.info = fn
	e.k = kNonReloc
}

func (p *parser) jumpOnCond(e *expDesc) {
	if e.k == kReloc && e.op == opNot {
		return // the test reads the operand of the not
	}
	p.discharge2AnyReg(e)
	p.freeExp(e)
}

func (p *parser) goIfTrue(e *expDesc) {
	p.dischargeVars(e)
	switch e.k {
	case kK, kKNum, kTrue:
	case kJmp:
		e.f = true
	default:
		p.jumpOnCond(e)
		e.f = true
	}
	e.t = false
}

func (p *parser) goIfFalse(e *expDesc) {
	p.dischargeVars(e)
	switch e.k {
	case kNil, kFalse:
	case kJmp:
		e.t = true
	default:
		p.jumpOnCond(e)
		e.t = true
	}
	e.f = false
}

func (p *parser) codeNot(e *expDesc) {
	p.dischargeVars(e)
	switch e.k {
	case kNil, kFalse:
		e.k = kTrue
	case kK, kKNum, kTrue:
		e.k = kFalse
	case kReloc, kNonReloc:
		p.discharge2AnyReg(e)
		p.freeExp(e)
		e.reloc(opNot)
	}
	e.t, e.f = e.f, e.t
}

func (p *parser) indexed(t, key *expDesc) {
	t.aux = p.exp2RK(key)
	t.k = kIndexed
}

type arithOp uint8

const (
	arAdd arithOp = iota
	arSub
	arMul
	arDiv
	arMod
	arPow
	arUnm
	arLen
	arConcat
)

// constFold folds an operation on two numerals, except where the
// result would be NaN or the operation divides by zero.
func constFold(op arithOp, e1, e2 *expDesc) bool {
	if !e1.isNumeral() || !e2.isNumeral() {
		return false
	}
	a, b := e1.num, e2.num
	var r float64
	switch op {
	case arAdd:
		r = a + b
	case arSub:
		r = a - b
	case arMul:
		r = a * b
	case arDiv:
		if b == 0 {
			return false
		}
		r = a / b
	case arMod:
		if b == 0 {
			return false
		}
		r = a - math.Floor(a/b)*b
	case arPow:
		r = math.Pow(a, b)
	case arUnm:
		r = -a
	default:
		return false
	}
	if r != r {
		return false
	}
	e1.num = r
	return true
}

func (p *parser) codeArith(op arithOp, e1, e2 *expDesc) {
	if constFold(op, e1, e2) {
		return
	}
	o2 := 0
	if op != arUnm && op != arLen {
		o2 = p.exp2RK(e2)
	}
	o1 := p.exp2RK(e1)
	if o1 > o2 {
		p.freeExp(e1)
		p.freeExp(e2)
	} else {
		p.freeExp(e2)
		p.freeExp(e1)
	}
	if op == arConcat {
		e1.reloc(opConcat)
	} else {
		e1.reloc(opOther)
	}
}

func (p *parser) codeComp(e1, e2 *expDesc) {
	p.exp2RK(e1)
	p.exp2RK(e2)
	p.freeExp(e2)
	p.freeExp(e1)
	e1.k = kJmp
}

type unOp uint8

const (
	unNone unOp = iota
	unNot
	unMinus
	unLen
)

func (p *parser) prefix(op unOp, e *expDesc) {
	num0 := expDesc{k: kKNum}
	switch op {
	case unMinus:
		if !e.isNumeral() {
			p.exp2AnyReg(e)
		}
		p.codeArith(arUnm, e, &num0)
	case unNot:
		p.codeNot(e)
	case unLen:
		p.exp2AnyReg(e)
		p.codeArith(arLen, e, &num0)
	}
}

type binOp uint8

const (
	binAdd binOp = iota
	binSub
	binMul
	binDiv
	binMod
	binPow
	binConcat
	binNe
	binEq
	binLt
	binLe
	binGt
	binGe
	binAnd
	binOr
	binNone
)

// priorities of the binary operators, left and right: ^ and .. are
// right associative.
var priority = [...]struct{ left, right int }{
	binAdd: {6, 6}, binSub: {6, 6}, binMul: {7, 7}, binDiv: {7, 7}, binMod: {7, 7},
	binPow: {10, 9}, binConcat: {5, 4},
	binNe: {3, 3}, binEq: {3, 3},
	binLt: {3, 3}, binLe: {3, 3}, binGt: {3, 3}, binGe: {3, 3},
	binAnd: {2, 2}, binOr: {1, 1},
}

const unaryPriority = 8

func (p *parser) infix(op binOp, v *expDesc) {
	switch op {
	case binAnd:
		p.goIfTrue(v)
	case binOr:
		p.goIfFalse(v)
	case binConcat:
		p.exp2NextReg(v) // operands of a concatenation are consecutive registers
	case binAdd, binSub, binMul, binDiv, binMod, binPow:
		if !v.isNumeral() {
			p.exp2RK(v)
		}
	default:
		p.exp2RK(v)
	}
}

func (p *parser) posfix(op binOp, e1, e2 *expDesc) {
	switch op {
	case binAnd:
		p.dischargeVars(e2)
		e2.f = e2.f || e1.f
		*e1 = *e2
	case binOr:
		p.dischargeVars(e2)
		e2.t = e2.t || e1.t
		*e1 = *e2
	case binConcat:
		p.exp2Val(e2)
		if e2.k == kReloc && e2.op == opConcat {
			p.freeExp(e1) // a..(b..c) is one instruction over three registers
			e1.reloc(opConcat)
		} else {
			p.exp2NextReg(e2)
			p.codeArith(arConcat, e1, e2)
		}
	case binAdd, binSub, binMul, binDiv, binMod, binPow:
		p.codeArith(arithOp(op), e1, e2) // numbered alike, binAdd..binPow and arAdd..arPow
	default:
		p.codeComp(e1, e2)
	}
}
