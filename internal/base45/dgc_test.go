package base45

import (
	"github.com/hufu-project/hufu/internal/dgctest"
	"testing"
)

// TestDGCVectors decodes the Base45 of the EU DCC test vectors, written by
// independent encoders, and checks that it re-encodes to the same text.
func TestDGCVectors(t *testing.T) {
	n := 0
	for path, v := range dgctest.Vectors(t) {
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
