package luasyntax

// checkInvariants turns on lparser.c's assertions about registers (a
// register freed is the top one; a block starts with none in use).
// Tests turn it on, so that the register model going astray shows up as
// a panic rather than as a limit reached too early or too late.
var checkInvariants = false

func invariant(ok bool, what string) {
	if checkInvariants && !ok {
		panic("luasyntax: " + what)
	}
}
