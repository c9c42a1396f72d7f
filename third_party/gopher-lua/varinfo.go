package lua

import "fmt"

// Volley's patch: C Lua 5.1's runtime type errors. A value of the wrong
// type is reported as C Lua reports it, "attempt to <op> a <type> value",
// and when the running instruction took it from a register, with the
// variable it came from: "attempt to call field 'execute' (a nil value)".
// The variable is found as ldebug.c's getobjname finds it: a local by its
// register, otherwise by the instruction that last set the register.

// typeError raises the error for v, the operand of the current
// instruction held in register reg (-1 when it is in none).
// Raised from a Go function (pcall(nil)), the message has no position,
// as C Lua adds one only when a Lua function runs.
func (ls *LState) typeError(v LValue, reg int, op string) {
	level := 1
	if cf := ls.currentFrame; cf != nil && cf.Fn != nil && cf.Fn.IsG {
		level = 0
	}
	if kind, name := ls.regName(reg); kind != "" {
		ls.raiseError(level, "attempt to %s %s '%s' (a %s value)", op, kind, name, v.Type().String())
	}
	ls.raiseError(level, "attempt to %s a %s value", op, v.Type().String())
}

// argError is C Lua's luaL_argerror: argument n of the running Go
// function is bad. Called as a method, self is not counted.
//
// The message has the position of the caller when a Lua function called
// it (luaL_where(L, 1)), and none when Go did, as by pcall(f, ...).
func (ls *LState) argError(n int, msg string) {
	level := ls.callerLevel()
	kind, name := ls.calledAs()
	if kind == "method" {
		n--
		if n == 0 {
			ls.raiseError(level, "calling '%s' on bad self (%s)", name, msg)
		}
	}
	if name == "" {
		name = "?"
	}
	ls.raiseError(level, "bad argument #%d to '%s' (%s)", n, name, msg)
}

// CError is C Lua's luaL_error for a Go function: the message after the
// position of the Lua code that called it, or alone when Go called it (as
// pcall does), where gopher-lua's RaiseError always gives one.
func (ls *LState) CError(format string, args ...any) {
	ls.raiseError(ls.callerLevel(), "%s", fmt.Sprintf(format, args...))
}

// callerLevel is raiseError's level for luaL_where(L, 1): 1, the caller's
// position, when a Lua function called the running Go function, and 0,
// none, otherwise.
func (ls *LState) callerLevel() int {
	if cf := ls.currentFrame; cf != nil && cf.Parent != nil && cf.Parent.Fn != nil && !cf.Parent.Fn.IsG {
		return 1
	}
	return 0
}

// calledAs names the running Go function as the call instruction of its
// Lua caller does (ldebug.c's getfuncname), or "" when a Go function or a
// tail call called it.
func (ls *LState) calledAs() (kind, name string) {
	cf := ls.currentFrame
	if cf == nil || cf.TailCall > 0 || cf.Parent == nil || cf.Parent.Fn == nil || cf.Parent.Fn.IsG {
		return "", ""
	}
	p := cf.Parent.Fn.Proto
	pc := cf.Parent.Pc - 1
	if pc < 0 || pc >= len(p.Code) {
		return "", ""
	}
	switch inst := p.Code[pc]; opGetOpCode(inst) {
	case OP_CALL, OP_TAILCALL, OP_TFORLOOP:
		return objName(p, pc, opGetArgA(inst))
	}
	return "", ""
}

// currentInstruction is the instruction the current frame runs, and its
// pc; ok is false in a Go function.
func (ls *LState) currentInstruction() (inst uint32, pc int, ok bool) {
	cf := ls.currentFrame
	if cf == nil || cf.Fn == nil || cf.Fn.IsG || cf.Pc < 1 || cf.Pc > len(cf.Fn.Proto.Code) {
		return 0, 0, false
	}
	return cf.Fn.Proto.Code[cf.Pc-1], cf.Pc - 1, true
}

// regName names the variable held in register reg at the current
// instruction: its kind ("local", "global", "field", "upvalue",
// "method") and name, or "" when it has none.
func (ls *LState) regName(reg int) (kind, name string) {
	if reg < 0 {
		return "", ""
	}
	if _, pc, ok := ls.currentInstruction(); ok {
		return objName(ls.currentFrame.Fn.Proto, pc, reg)
	}
	return "", ""
}

// indexedReg is the register holding the object the current instruction
// indexes, if it indexes obj from one.
func (ls *LState) indexedReg(obj LValue) int {
	inst, _, ok := ls.currentInstruction()
	if !ok {
		return -1
	}
	reg := -1
	switch opGetOpCode(inst) {
	case OP_GETTABLE, OP_GETTABLEKS, OP_SELF:
		reg = opGetArgB(inst)
	case OP_SETTABLE, OP_SETTABLEKS:
		reg = opGetArgA(inst)
	default:
		return -1
	}
	if ls.reg.Get(ls.currentFrame.LocalBase+reg) != obj {
		return -1 // an __index chain's table, not the register's value
	}
	return reg
}

// arithError raises the error for an arithmetic operation on lhs and rhs:
// on rhs if lhs is a number (or a string that converts), else on lhs, as
// C Lua's luaG_aritherror does.
func (ls *LState) arithError(lhs, rhs LValue) {
	bad, second := lhs, false
	if _, ok := toNumberOperand(lhs); ok {
		bad, second = rhs, true
	}
	reg := -1
	if inst, _, ok := ls.currentInstruction(); ok {
		switch op := opGetOpCode(inst); op {
		case OP_ADD, OP_SUB, OP_MUL, OP_DIV, OP_MOD, OP_POW:
			rk := opGetArgB(inst)
			if second {
				rk = opGetArgC(inst)
			}
			if !opIsK(rk) {
				reg = rk
			}
		case OP_UNM:
			reg = opRegister(opGetArgB(inst))
		}
	}
	ls.typeError(bad, reg, "perform arithmetic on")
}

// concatError raises the error for concatenating the values in registers
// lreg and lreg+1 (relative to the frame's base), lhs and rhs: on rhs if
// lhs is a string or a number, as C Lua's luaG_concaterror does.
func (ls *LState) concatError(lhs, rhs LValue, lreg int) {
	bad, reg := lhs, lreg
	if lhs.Type() == LTString || lhs.Type() == LTNumber {
		bad, reg = rhs, lreg+1
	}
	ls.typeError(bad, reg, "concatenate")
}

// compareError is C Lua's luaG_ordererror.
func (ls *LState) compareError(lhs, rhs LValue) {
	t1, t2 := lhs.Type().String(), rhs.Type().String()
	if t1 == t2 {
		ls.RaiseError("attempt to compare two %s values", t1)
	}
	ls.RaiseError("attempt to compare %s with %s", t1, t2)
}

func toNumberOperand(v LValue) (LNumber, bool) {
	switch n := v.(type) {
	case LNumber:
		return n, true
	case LString:
		if f, err := parseNumber(string(n)); err == nil {
			return f, true
		}
	}
	return 0, false
}

// objName is getobjname: what register reg holds at pc in p.
func objName(p *FunctionProto, pc, reg int) (kind, name string) {
	if name := localName(p, reg+1, pc); name != "" {
		return "local", name
	}
	setpc := findSetReg(p, pc, reg)
	if setpc < 0 {
		return "", ""
	}
	inst := p.Code[setpc]
	switch opGetOpCode(inst) {
	case OP_MOVE:
		if b := opGetArgB(inst); b < opGetArgA(inst) {
			return objName(p, setpc, b)
		}
	case OP_GETGLOBAL:
		if s, ok := p.Constants[opGetArgBx(inst)].(LString); ok {
			return "global", string(s)
		}
	case OP_GETTABLE, OP_GETTABLEKS:
		return "field", constName(p, opGetArgC(inst))
	case OP_GETUPVAL:
		if b := opGetArgB(inst); b < len(p.DbgUpvalues) {
			return "upvalue", p.DbgUpvalues[b]
		}
		return "upvalue", "?"
	case OP_SELF:
		return "method", constName(p, opGetArgC(inst))
	}
	return "", ""
}

// localName is the n-th local variable active at pc (1-based), or "".
func localName(p *FunctionProto, n, pc int) string {
	for _, l := range p.DbgLocals {
		if l.StartPc > pc {
			break
		}
		if pc <= l.EndPc { // gopher-lua's EndPc is the block's last instruction
			n--
			if n == 0 {
				return l.Name
			}
		}
	}
	return ""
}

// constName is C Lua's kname: the string constant rk refers to, or "?".
func constName(p *FunctionProto, rk int) string {
	if opIsK(rk) {
		if s, ok := p.Constants[opIndexK(rk)].(LString); ok {
			return string(s)
		}
	}
	return "?"
}

// findSetReg is the pc of the last instruction before lastpc that set
// register reg, or -1 when none did or the one that did is skipped by a
// forward jump (its value depends on the path taken).
func findSetReg(p *FunctionProto, lastpc, reg int) int {
	setreg, jmptarget := -1, 0
	for pc := 0; pc < lastpc; pc++ {
		inst := p.Code[pc]
		op, a := opGetOpCode(inst), opGetArgA(inst)
		change := false
		switch op {
		case OP_LOADNIL:
			change = a <= reg && reg <= opGetArgB(inst)
		case OP_TFORLOOP:
			change = reg >= a+2
		case OP_CALL, OP_TAILCALL:
			change = reg >= a
		case OP_SELF:
			change = reg == a || reg == a+1
		case OP_JMP:
			dest := pc + 1 + opGetArgSbx(inst)
			if pc < dest && dest <= lastpc && dest > jmptarget {
				jmptarget = dest
			}
		case OP_CLOSURE:
			// The upvalues' pseudo-instructions follow; they set nothing.
			change = reg == a
			pc += int(p.FunctionPrototypes[opGetArgBx(inst)].NumUpvalues)
		case OP_SETLIST:
			if opGetArgC(inst) == 0 {
				pc++ // the batch number, not an instruction
			}
		default:
			change = opProps[op].SetRegA && reg == a
		}
		if change {
			if pc < jmptarget {
				setreg = -1
			} else {
				setreg = pc
			}
		}
	}
	return setreg
}

// opRegister is the register an R/K operand names, or -1 for a constant.
func opRegister(rk int) int {
	if opIsK(rk) {
		return -1
	}
	return rk
}
