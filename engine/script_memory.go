package engine

import (
	"unsafe"

	glua "github.com/yuin/gopher-lua"
)

// Script memory for INFO and MEMORY STATS. Valkey reads its Lua VMs'
// allocation counters; gopher-lua's objects are on the Go heap with
// everything else, so the VM figures here are estimates of what the
// compiled scripts hold: each function prototype's instructions,
// constants, debug information and nested prototypes. An interpreter
// with nothing compiled reads 0 where Valkey's reads its libraries'
// 32 KiB or so; a flush brings either back down.

// fnMemory estimates a compiled function: its prototype and those it
// nests; 0 for none.
func fnMemory(fn *glua.LFunction) int64 {
	if fn == nil {
		return 0
	}
	return int64(unsafe.Sizeof(*fn)) + protoMemory(fn.Proto)
}

func protoMemory(p *glua.FunctionProto) int64 {
	if p == nil {
		return 0
	}
	n := int64(unsafe.Sizeof(*p))
	n += int64(len(p.Code)) * 4
	n += int64(len(p.DbgSourcePositions)) * int64(unsafe.Sizeof(int(0)))
	n += int64(len(p.Constants)) * int64(unsafe.Sizeof(glua.LValue(nil)))
	for _, k := range p.Constants {
		if s, ok := k.(glua.LString); ok {
			n += int64(len(s))
		}
	}
	for _, l := range p.DbgLocals {
		n += int64(unsafe.Sizeof(*l)) + int64(len(l.Name))
	}
	for _, u := range p.DbgUpvalues {
		n += int64(len(u))
	}
	for _, sub := range p.FunctionPrototypes {
		n += int64(unsafe.Sizeof(glua.LFunction{})) + protoMemory(sub)
	}
	return n
}

// evalVMMemory estimates the EVAL interpreter's compiled scripts
// (used_memory_vm_eval, and the deprecated used_memory_lua).
func (st *scriptingState) evalVMMemory() (n int64) {
	for _, es := range st.scripts {
		n += fnMemory(es.fn)
	}
	return n
}

// functionsVMMemory estimates the functions interpreter's compiled
// library functions (used_memory_vm_functions).
func (st *scriptingState) functionsVMMemory() (n int64) {
	for _, f := range st.funcs.funcs {
		n += fnMemory(f.fn)
	}
	return n
}

// functionsMemory is the libraries' own memory outside the interpreter:
// their code, names and entries (used_memory_functions, MEMORY STATS'
// functions.caches).
func (st *scriptingState) functionsMemory() int64 {
	var n int64
	for _, lib := range st.funcs.libs {
		n += int64(unsafe.Sizeof(*lib)) + int64(len(lib.name)) + int64(len(lib.code))
		for _, name := range lib.order {
			n += int64(unsafe.Sizeof(luaFunction{})) + 2*int64(len(name))
		}
	}
	return n
}
