package engine

import (
	"testing"

	"github.com/volleydb/volley/engine/config"
)

// DEBUG DIGEST and DIGEST-VALUE give valkey-server 9.0.4's signatures
// (every expected value below is what it replied), in compact and large
// encodings, and reading a value for its digest leaves it unchanged.
func TestDebugDigest(t *testing.T) {
	e := newTestEnv(t)
	e.srv.Cfg.EnableDebugCommand = config.PermitYes
	c := e.newClient()
	zero := "+0000000000000000000000000000000000000000\r\n"
	e.expect(c, []replyCase{
		rc("debug digest", zero),
		rc("set s hello", "+OK\r\n"),
		rc("set n 12345", "+OK\r\n"),
		rc("rpush l a b 3 c", ":4\r\n"),
		rc("sadd si 1 2 3", ":3\r\n"),
		rc("sadd sl a b c", ":3\r\n"),
		rc("hset h f 1 g v", ":2\r\n"),
		rc("zadd z 1 a 2.5 b -3 c 1e16 d", ":4\r\n"),
		rc("debug digest-value s n l si sl h z missing", "*8\r\n"+
			"+36b23a1456b2dce2c3ed252c456761301dba8060\r\n+e1cf90774e995ae03de66e8109dc5cb9d9c2dc83\r\n"+
			"+226c2112f4bc5d6412d156490c291101b43ddc83\r\n+2a462a3f51a1db89738ebbeef0c47ce1bbc85246\r\n"+
			"+593c2414786d75446e97f4ea5d4b731f3313da72\r\n+f22cfe6ed63c6e0be297a476163cfb838ad489f4\r\n"+
			"+df05c54c62aed715a8b492c7b7bc500330b5131e\r\n"+zero),
		rc("debug digest", "+f5c3751ea4f9944952480e185f9977aa349bdb00\r\n"),
		rc("hgetall h", "*4\r\n$1\r\nf\r\n$1\r\n1\r\n$1\r\ng\r\n$1\r\nv\r\n"),
		rc("flushall", "+OK\r\n"),
		rc("config set hash-max-listpack-entries 1", "+OK\r\n"),
		rc("config set set-max-intset-entries 1", "+OK\r\n"),
		rc("config set set-max-listpack-entries 1", "+OK\r\n"),
		rc("config set zset-max-listpack-entries 1", "+OK\r\n"),
		rc("config set list-max-listpack-size 1", "+OK\r\n"),
		rc("hset h f 1 g v k 12", ":3\r\n"),
		rc("sadd s 1 2 3 x", ":4\r\n"),
		rc("sadd si 1 2 3", ":3\r\n"),
		rc("zadd z 1 a 2.5 b -3 c 1e16 d inf e", ":5\r\n"),
		rc("rpush l a b 3 c -5 dd", ":6\r\n"),
		rc("object encoding l", "$9\r\nquicklist\r\n"),
		rc("debug digest-value h s si z l", "*5\r\n"+
			"+e7f2df291daa7c514a3a1bda8bc586dddcec8076\r\n+3bb087b1948bf20dd8244692cb9519e2c3947234\r\n"+
			"+2a462a3f51a1db89738ebbeef0c47ce1bbc85246\r\n+6026989eba16eec15116aeaa4aa56b9458c62ad0\r\n"+
			"+34e220b0c18d7a0c876ce9d60e05e7c9d5c1c04a\r\n"),
		rc("hexpire h 1000 fields 1 f", "*1\r\n:1\r\n"),
		rc("debug digest-value h", "*1\r\n+e7f2df291daa7c514a3a1bda8bc586dddcec8076\r\n"),
		rc("debug digest", "+f98cc6c3aa0077e31824ffb4649f906d11e2768d\r\n"),
		rc("pexpire s 100000", ":1\r\n"),
		rc("debug digest-value s", "*1\r\n+dd35794e48b218591932ad6a8effd679d93a33b7\r\n"),
	})
}
