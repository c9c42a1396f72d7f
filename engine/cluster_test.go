package engine

import "testing"

// Without cluster mode every CLUSTER subcommand and ASKING is refused as
// Valkey refuses them; READONLY and READWRITE toggle the client flag.
func TestClusterDisabled(t *testing.T) {
	e := newTestEnv(t)
	c := e.newClient()
	e.expect(c, []replyCase{
		rc("cluster info", "-ERR This instance has cluster support disabled\r\n"),
		rc("cluster help", "-ERR This instance has cluster support disabled\r\n"),
		rc("cluster keyslot foo", "-ERR This instance has cluster support disabled\r\n"),
		rc("cluster keyslot", "-ERR wrong number of arguments for 'cluster|keyslot' command\r\n"),
		rc("asking", "-ERR This instance has cluster support disabled\r\n"),
		rc("readonly", "+OK\r\n"),
	})
	if c.Flags&ClientReadonly == 0 {
		t.Fatal("READONLY did not set the flag")
	}
	e.expect(c, []replyCase{rc("readwrite", "+OK\r\n")})
	if c.Flags&ClientReadonly != 0 {
		t.Fatal("READWRITE did not clear the flag")
	}
	for _, sp := range e.srv.AllSpecs() {
		if sp.Group == GroupCluster && len(sp.Subs) == 0 && sp.Handler == nil {
			t.Errorf("%s has no handler", sp.FullName)
		}
	}
}
