package dgctest

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestInRepository checks that the repository itself carries the EU test
// data with its licence and notice, so that a fresh clone runs the EU
// tests instead of skipping them.
func TestInRepository(t *testing.T) {
	root := Dir(t)
	for _, f := range []string{"LICENSE", "NOTICE", "README.md"} {
		b, err := os.ReadFile(filepath.Join(root, f))
		if err != nil {
			t.Fatal(err)
		}
		if f == "LICENSE" && !strings.Contains(string(b), "Apache License") {
			t.Errorf("%s is not the Apache License", f)
		}
	}
	if n := len(Vectors(t)); n != 158 {
		t.Errorf("%d vectors, want the 158 of the subset described in README.md", n)
	}
	if rel, _ := filepath.Rel(filepath.Join(root, "..", ".."), root); rel != filepath.Join("testdata", "dgc") {
		t.Errorf("data at %s, want testdata/dgc", root)
	}
}
