// Package dgctest finds the EU Digital COVID Certificate test vectors
// (dgc-testdata, Apache-2.0) that the repository carries in testdata/dgc,
// for tests of the packages whose code those vectors exercise.
package dgctest

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
)

// Dir returns the absolute path of testdata/dgc at the root of the
// repository (the directory with go.mod above the working directory). It
// fails the test, rather than skipping it, when the folder is missing or
// holds no vectors: every clone carries the data.
func Dir(t testing.TB) string {
	t.Helper()
	dir, err := filepath.Abs(".")
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			break
		}
		if filepath.Dir(dir) == dir {
			t.Fatal("dgctest: no go.mod above the test's directory")
		}
		dir = filepath.Dir(dir)
	}
	root := filepath.Join(dir, "testdata", "dgc")
	if st, err := os.Stat(root); err != nil || !st.IsDir() {
		t.Fatalf("dgctest: the EU DCC test data is missing: %s should hold dgc-testdata (see its README.md)", root)
	}
	return root
}

// Vectors returns the vectors in testdata/dgc keyed by file path, each as
// decoded JSON. It fails the test if the folder is missing, if a vector
// cannot be read or is not JSON, or if there are none.
func Vectors(t testing.TB) map[string]map[string]any {
	t.Helper()
	root := Dir(t)
	vs := map[string]map[string]any{}
	err := filepath.WalkDir(root, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || filepath.Ext(path) != ".json" {
			return err
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		var v map[string]any
		if err := json.Unmarshal(data, &v); err != nil {
			t.Errorf("dgctest: %s: %v", path, err)
			return nil
		}
		vs[path] = v
		return nil
	})
	if err != nil {
		t.Fatalf("dgctest: %v", err)
	}
	if len(vs) == 0 {
		t.Fatalf("dgctest: no vectors in %s", root)
	}
	return vs
}
