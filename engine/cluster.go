package engine

// Cluster mode is not built yet. Without it (cluster-enabled no, the
// default) Valkey answers every CLUSTER subcommand and ASKING with the
// error below, and READONLY/READWRITE just set and clear the client's
// flag; Volley does the same, so that a client library probing for
// cluster support gets the answer it knows.

const errClusterDisabled = "ERR This instance has cluster support disabled"

// clusterHandlers serves the cluster group's commands.
var clusterHandlers = func() map[string]Handler {
	h := map[string]Handler{
		"asking":    clusterOnly,
		"readonly":  readonlyCommand,
		"readwrite": readwriteCommand,
	}
	for _, sp := range commandSpecs() {
		if sp.Name == "cluster" {
			for _, sub := range sp.Subs {
				h["cluster|"+sub.Name] = clusterOnly
			}
		}
	}
	return h
}()

// clusterOnly answers a command that needs cluster mode.
func clusterOnly(c *Client) {
	if !c.srv.Cfg.ClusterEnabled {
		c.AddError(errClusterDisabled)
		return
	}
	c.AddError("ERR command '" + c.Cmd.FullName + "' is not implemented in Volley yet")
}

// READONLY: the client may read from a replica of its keys' shard.
func readonlyCommand(c *Client) {
	c.Flags |= ClientReadonly
	c.AddOK()
}

// READWRITE: back to redirects for every command.
func readwriteCommand(c *Client) {
	c.Flags &^= ClientReadonly
	c.AddOK()
}
