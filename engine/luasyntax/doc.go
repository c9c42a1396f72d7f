// Package luasyntax finds the compile error C Lua 5.1 would raise for a
// script, worded and placed as C Lua words and places it.
//
// Volley runs scripts on gopher-lua, whose goyacc parser reports every
// syntax error as "unexpected symbol" and accepts what Lua 5.1 does not
// (an empty statement, a call on the line after its function, a call in
// parentheses as a statement). Valkey embeds C Lua 5.1, and scripts and
// the people reading their errors see its messages: "'=' expected near
// '5'", "'end' expected (to close 'if' at line 1) near '<eof>'", "no
// loop to break near '<eof>'". Check reads a script the way lparser.c
// and llex.c do, a recursive descent over the same grammar in the same
// order, so the first error it meets is the one C Lua meets, at the same
// token and on the same line.
//
// The limits C Lua checks while it generates code are kept too: the
// nesting of syntax levels, local variables and upvalues per function,
// registers ("function or expression too complex"), and the arrays its
// allocator will not grow (32767 local variables declared in a function,
// 262143 constants). Registers need lcode.c's allocation, which code.go
// follows without emitting any code: which expressions sit in a
// register, which are constants, and when registers are reserved and
// freed.
//
// TestCheckAgainstReference compares Check with a running Valkey on
// generated scripts; run it after any change here.
//
// Check is a pure function of its input, safe on any goroutine. It runs
// once per script compiled (scripts are cached by their SHA1), never per
// command.
package luasyntax
