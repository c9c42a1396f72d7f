package engine

// Modules. Volley cannot load Valkey modules (shared objects written
// against Valkey's C API), so there is never one loaded: MODULE LIST is
// empty, and LOAD and LOADEX fail as Valkey's do when a library does not
// load, with the reason in the log. HELP and UNLOAD answer as Valkey's.
var moduleHandlers = map[string]Handler{
	"module|help":   cmdModuleHelp,
	"module|list":   cmdModuleList,
	"module|load":   cmdModuleLoad,
	"module|loadex": cmdModuleLoad,
	"module|unload": cmdModuleUnload,
}

func cmdModuleHelp(c *Client) {
	c.AddHelp("MODULE", []string{
		"LIST",
		"    Return a list of loaded modules.",
		"LOAD <path> [<arg> ...]",
		"    Load a module library from <path>, passing to it any optional arguments.",
		"LOADEX <path> [[CONFIG NAME VALUE] [CONFIG NAME VALUE]] [ARGS ...]",
		"    Load a module library from <path>, while passing it module configurations and optional arguments.",
		"UNLOAD <name>",
		"    Unload a module.",
	})
}

// MODULE LIST: no module is ever loaded.
func cmdModuleList(c *Client) { c.AddArrayLen(0) }

// MODULE LOAD path [arg ...] and MODULE LOADEX path ...
func cmdModuleLoad(c *Client) {
	c.srv.Log.Warningf("Module %s failed to load: Volley does not load Valkey modules", c.Argv[2])
	c.AddError("ERR Error loading the extension. Please check the server logs.")
}

// MODULE UNLOAD name
func cmdModuleUnload(c *Client) {
	const why = "no such module with that name"
	c.srv.Log.Warningf("Error unloading module %s: %s", c.Argv[2], why)
	c.AddError("ERR Error unloading module: " + why)
}
