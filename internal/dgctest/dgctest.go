// Package dgctest finds the EU Digital COVID Certificate test vectors
// (dgc-testdata) that CI keeps beside the repository, for tests of the
// packages whose code those vectors exercise.
package dgctest

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
)

// Vectors returns the vectors in shared/testdata/dgc, found beside the
// repository (in a parent of the working directory), keyed by file path,
// each as decoded JSON. It skips the test if the folder is absent.
func Vectors(t testing.TB) map[string]map[string]any {
	t.Helper()
	dir, _ := filepath.Abs(".")
	for ; ; dir = filepath.Dir(dir) {
		root := filepath.Join(dir, "shared", "testdata", "dgc")
		if st, err := os.Stat(root); err == nil && st.IsDir() {
			vs := map[string]map[string]any{}
			filepath.WalkDir(root, func(path string, d os.DirEntry, err error) error {
				if err != nil || d.IsDir() || filepath.Ext(path) != ".json" {
					return nil
				}
				data, err := os.ReadFile(path)
				var v map[string]any
				if err == nil && json.Unmarshal(data, &v) == nil {
					vs[path] = v
				}
				return nil
			})
			return vs
		}
		if filepath.Dir(dir) == dir {
			t.Skip("shared/testdata/dgc not found beside the repository")
		}
	}
}
