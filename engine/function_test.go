package engine

import "testing"

func TestFunctionFlush(t *testing.T) {
	e := newTestEnv(t)
	c := e.newClient()
	e.expect(c, []replyCase{
		rc("FUNCTION FLUSH", "+OK\r\n"),
		rc("function flush ASYNC", "+OK\r\n"),
		rc("FUNCTION FLUSH sync", "+OK\r\n"),
		rc("FUNCTION FLUSH now", "-ERR FUNCTION FLUSH only supports SYNC|ASYNC option\r\n"),
		rc("FUNCTION FLUSH a b", "-ERR unknown subcommand or wrong number of arguments for 'FLUSH'. Try FUNCTION HELP.\r\n"),
	})
	if e.srv.Dirty != 3 {
		t.Fatalf("dirty %d, want 3", e.srv.Dirty)
	}
}
