package base45

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
)

// dgcVectors returns the EU DCC test vectors in shared/testdata/dgc, found
// beside the repository, or skips the test.
func dgcVectors(t *testing.T) map[string]map[string]any {
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

// TestDGCVectors decodes the Base45 of the EU DCC test vectors, written by
// independent encoders, and checks that it re-encodes to the same text.
func TestDGCVectors(t *testing.T) {
	n := 0
	for path, v := range dgcVectors(t) {
		s, ok := v["BASE45"].(string)
		if !ok || s == "" {
			continue
		}
		want := true
		if er, ok := v["EXPECTEDRESULTS"].(map[string]any); ok && er["EXPECTEDB45DECODE"] == false {
			want = false
		}
		b, err := DecodeString(s)
		if (err == nil) != want {
			t.Errorf("%s: DecodeString: %v (vector expects success: %v)", path, err, want)
			continue
		}
		if err == nil {
			n++
			if got := EncodeToString(b); got != s {
				t.Errorf("%s: re-encoding differs", path)
			}
		}
	}
	if n == 0 {
		t.Fatal("no vector decoded")
	}
}
