package engine

import (
	"testing"

	"github.com/volleydb/volley/engine/config"
)

// TestModuleCommand: replies recorded from Valkey 9.0.4 with no module
// loaded, with enable-module-command no (LOAD and UNLOAD are protected)
// and yes (a library that does not load).
func TestModuleCommand(t *testing.T) {
	e := newTestEnv(t)
	c := e.newClient()
	help := "*11\r\n+MODULE <subcommand> [<arg> [value] [opt] ...]. Subcommands are:\r\n+LIST\r\n" +
		"+    Return a list of loaded modules.\r\n+LOAD <path> [<arg> ...]\r\n" +
		"+    Load a module library from <path>, passing to it any optional arguments.\r\n" +
		"+LOADEX <path> [[CONFIG NAME VALUE] [CONFIG NAME VALUE]] [ARGS ...]\r\n" +
		"+    Load a module library from <path>, while passing it module configurations and optional arguments.\r\n" +
		"+UNLOAD <name>\r\n+    Unload a module.\r\n+HELP\r\n+    Print this help.\r\n"
	denied := "-ERR MODULE command not allowed. If the enable-module-command option is set to \"local\", " +
		"you can run it from a local connection, otherwise you need to set this option in the configuration file, " +
		"and then restart the server.\r\n"
	e.expect(c, []replyCase{
		rc("module help", help),
		rc("module list", "*0\r\n"),
		rc("module load /nonexistent.so", denied),
		rc("module loadex /nonexistent.so", denied),
		rc("module unload foo", denied),
		rc("module FOO", "-ERR unknown subcommand 'FOO'. Try MODULE HELP.\r\n"),
		rc("module list x", "-ERR wrong number of arguments for 'module|list' command\r\n"),
	})
	e.srv.Cfg.EnableModuleCommand = config.PermitYes
	e.expect(c, []replyCase{
		rc("module load /nonexistent.so", "-ERR Error loading the extension. Please check the server logs.\r\n"),
		rc("module loadex /nonexistent.so args a", "-ERR Error loading the extension. Please check the server logs.\r\n"),
		rc("module unload foo", "-ERR Error unloading module: no such module with that name\r\n"),
		rc("module list", "*0\r\n"),
	})
}
