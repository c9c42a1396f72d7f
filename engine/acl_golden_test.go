package engine

import (
	"os"
	"path/filepath"
	"testing"
)

// ACL replies are checked against golden files (testdata/acl/*.txt, in
// the format golden_test.go describes), each run with an empty ACL file
// configured.
func TestACLGolden(t *testing.T) {
	runGolden(t, "testdata/acl/*.txt", func(t *testing.T, e *testEnv) {
		e.srv.Cfg.AclFile = filepath.Join(t.TempDir(), "users.acl")
		if err := os.WriteFile(e.srv.Cfg.AclFile, nil, 0o644); err != nil {
			t.Fatal(err)
		}
	})
}
