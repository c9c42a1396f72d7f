package engine

import "testing"

// Scripting replies are checked against golden files
// (testdata/scripting/*.txt, in the format golden_test.go describes).
func TestScriptGolden(t *testing.T) {
	runGolden(t, "testdata/scripting/*.txt", nil)
}
