//go:build !race

package engine

import "testing"

// The default user is allowed everything: the dispatcher's ACL check is
// one flag test and GET/SET stay allocation-free. A user with key
// patterns goes through the full check, which reuses its key buffer.
func TestACLCheckAllocs(t *testing.T) {
	e := newTestEnv(t)
	admin := e.newClient()
	e.do(admin, "acl", "setuser", "limited", "on", "nopass", "+get", "+set", "~k*", "%R~r*")
	def := e.newClient()
	lim := e.newClient()
	if got := e.do(lim, "auth", "limited", "x"); got != "+OK\r\n" {
		t.Fatalf("auth: %q", got)
	}
	set := [][]byte{[]byte("SET"), []byte("k1"), []byte("v")}
	get := [][]byte{[]byte("GET"), []byte("k1")}
	for _, c := range []*Client{def, lim} {
		e.srv.Call(c, set)
		c.Out.Reset()
		n := testing.AllocsPerRun(200, func() {
			e.srv.Call(c, set)
			e.srv.Call(c, get)
			c.Out.Reset()
		})
		if n != 0 {
			t.Errorf("user %s: GET+SET allocate %v times per run", c.User.Name, n)
		}
	}
	if !def.User.open || lim.User.open {
		t.Fatalf("open: default %v, limited %v", def.User.open, lim.User.open)
	}
}
