package source

import (
	"bytes"
	"errors"
	"testing"
	"time"

	"github.com/hufu-project/hufu/bundle"
	"github.com/hufu-project/hufu/pass"
)

// FuzzParse: Parse never panics, fails only with a *Error, and what it
// accepts marshals to a source that parses to the same.
func FuzzParse(f *testing.F) {
	s := New()
	seeds := 0
	add := func() {
		b, err := s.Marshal()
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
		seeds++
	}
	add()
	s.AddIssuer("310000", bundle.Label{ZH: "上海市", EN: "Shanghai"}, time.Hour, []pass.Colour{pass.Green})
	s.AddKey("310000", key("k").Public(), t0, t0.Add(time.Hour))
	s.RevokePass("310000", pass.ID{1, 2, 3, 4, 5, 6, 7, 8})
	s.RevokeKey(key("r").Public())
	add()
	f.Add([]byte(`{"hufu_bundle_source":2}`))
	if seeds == 0 {
		f.Fatal("no seeds")
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := Parse(data)
		if err != nil {
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("error %v is not a *Error", err)
			}
			return
		}
		b, err := s.Marshal()
		if err != nil {
			t.Fatal(err)
		}
		s2, err := Parse(b)
		if err != nil {
			t.Fatalf("re-parse: %v", err)
		}
		b2, _ := s2.Marshal()
		if !bytes.Equal(b, b2) {
			t.Fatalf("round trip changed the source:\n%s\n%s", b, b2)
		}
	})
}
