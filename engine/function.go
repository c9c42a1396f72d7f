package engine

import "bytes"

// functionHandlers are the FUNCTION subcommands Volley has so far. Function
// libraries (FUNCTION LOAD, FCALL) arrive with scripting; until then there
// is never a library, and FUNCTION FLUSH, which removes them all, succeeds
// with nothing to do, as it does on a Valkey with no libraries. Valkey's
// own test suite sends it before every test file.
var functionHandlers = map[string]Handler{
	"function|flush": cmdFunctionFlush,
}

// FUNCTION FLUSH [ASYNC|SYNC].
func cmdFunctionFlush(c *Client) {
	switch {
	case len(c.Argv) > 3:
		subcommandSyntaxError(c)
		return
	case len(c.Argv) == 3 && !bytes.EqualFold(c.Argv[2], []byte("sync")) && !bytes.EqualFold(c.Argv[2], []byte("async")):
		c.AddError("ERR FUNCTION FLUSH only supports SYNC|ASYNC option")
		return
	}
	c.srv.Dirty++
	c.AddOK()
}
