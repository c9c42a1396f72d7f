package engine

import (
	"testing"

	"github.com/volleydb/volley/engine/config"
	"github.com/volleydb/volley/engine/rdb"
)

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

// Libraries are saved in the RDB file and loaded back (DEBUG RELOAD
// saves and loads the dataset).
func TestFunctionRDBRoundTrip(t *testing.T) {
	e := newTestEnv(t)
	e.srv.Cfg.EnableDebugCommand = config.PermitYes
	c := e.newClient()
	e.expect(c, []replyCase{
		{[]string{"FUNCTION", "LOAD", "#!lua name=keep\nserver.register_function('kf', function(keys, args) return args[1] end)"}, "$4\r\nkeep\r\n"},
		rc("SET k v", "+OK\r\n"),
		rc("DEBUG RELOAD", "+OK\r\n"),
		rc("FCALL kf 0 hello", "$5\r\nhello\r\n"),
		rc("GET k", "$1\r\nv\r\n"),
		rc("FUNCTION FLUSH", "+OK\r\n"),
		rc("DEBUG RELOAD", "+OK\r\n"),
		rc("FCALL kf 0 hello", "-ERR Function not found\r\n"),
	})
}

// The shebang parser never panics and accepts only what it can name.
func FuzzScriptShebang(f *testing.F) {
	for _, s := range []string{"return 1", "#!lua\nreturn 1", "#!lua flags=no-writes,allow-oom\n", "#!lua flags=\n", "#!\n", "#!lua \"a\n", "#!lua name=x\n"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, body string) {
		engine, flags, skip, err := parseShebang(body)
		if err != nil {
			return
		}
		if skip > len(body) || (skip > 0 && body[skip] != '\n') {
			t.Fatalf("skip %d in %q", skip, body)
		}
		if skip == 0 && (engine != "lua" || flags != scriptEvalCompat) {
			t.Fatalf("no shebang gave %q %v", engine, flags)
		}
		_, _, _, _ = libraryMeta(body)
	})
}

// FUNCTION RESTORE takes any payload without panicking, and a payload
// that passes its checksum either loads or is refused with an error.
func FuzzFunctionRestore(f *testing.F) {
	e := newTestEnv(f)
	c := e.newClient()
	e.do(c, "FUNCTION", "LOAD", "#!lua name=seed\nserver.register_function('s', function() return 1 end)")
	f.Add([]byte(e.do(c, "FUNCTION", "DUMP")[4:]))
	f.Add([]byte("\xf5\x03abc"))
	f.Fuzz(func(t *testing.T, payload []byte) {
		e.t = t
		e.do(c, "FUNCTION", "FLUSH")
		r := e.do(c, "FUNCTION", "RESTORE", string(payload))
		if r != "+OK\r\n" && r[0] != '-' {
			t.Fatalf("reply %q", r)
		}
		// With a valid trailer, the body alone is what is judged.
		body := rdb.AppendDumpTrailer(append([]byte(nil), payload...))
		r = e.do(c, "FUNCTION", "RESTORE", string(body), "REPLACE")
		if r != "+OK\r\n" && r[0] != '-' {
			t.Fatalf("reply %q", r)
		}
	})
}
