package source

import (
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/hufu-project/hufu/bundle"
	"github.com/hufu-project/hufu/pass"
)

// TestRevokePasses: RevokePasses lists what RevokePass would, each ID
// once, and a bad ID or an unknown issuer adds nothing.
func TestRevokePasses(t *testing.T) {
	s := New()
	if err := s.AddIssuer("310000", bundle.Label{ZH: "上海市", EN: "Shanghai"}, 72*time.Hour, nil); err != nil {
		t.Fatal(err)
	}
	a, b := pass.ID{1, 2, 3, 4, 5, 6, 7, 8}, pass.ID{9, 9, 9, 9, 9, 9, 9, 9, 9, 9}
	if _, err := s.RevokePass("310000", a); err != nil {
		t.Fatal(err)
	}
	if n, err := s.RevokePasses("310000", []pass.ID{a, b, b}); err != nil || n != 1 {
		t.Fatalf("RevokePasses: %d, %v; want 1 added", n, err)
	}
	if want := []string{a.String(), b.String()}; !slices.Equal(s.Issuer("310000").RevokedPasses, want) {
		t.Errorf("revoked passes %v, want %v", s.Issuer("310000").RevokedPasses, want)
	}
	if _, err := s.RevokePasses("320000", []pass.ID{a}); !errors.Is(err, UnknownIssuer) || hint(err) != hintCheckIssuer {
		t.Errorf("unknown issuer: %v (hint %q)", err, hint(err))
	}
	if n, err := s.RevokePasses("310000", []pass.ID{{7, 7, 7, 7, 7, 7, 7, 7}, {1, 2, 3}}); code(err) != BadSource || n != 0 || s.RevokedPasses() != 2 {
		t.Errorf("a short ID: %d, %v, %d revoked; want bad_source and nothing added", n, err, s.RevokedPasses())
	}
}

// TestBytesPerRevokedPass: a revoked pass of 8 bytes takes 28 bytes of a
// source (its line: indent, 16 hex digits in quotes, comma, newline), the
// figure registry.Service.Source's documentation gives (1 000 000 take
// 28 000 355 bytes with one issuer and no labels).
func TestBytesPerRevokedPass(t *testing.T) {
	size := func(n int) int {
		s := New()
		s.Labels = map[string]Label{}
		if err := s.AddIssuer("310000", bundle.Label{ZH: "上海市", EN: "Shanghai"}, 168*time.Hour, nil); err != nil {
			t.Fatal(err)
		}
		ids := make([]pass.ID, n)
		for i := range ids {
			ids[i] = pass.ID{0x80, 0, 0, 0, 0, byte(i >> 16), byte(i >> 8), byte(i)}
		}
		if _, err := s.RevokePasses("310000", ids); err != nil {
			t.Fatal(err)
		}
		b, err := s.Marshal()
		if err != nil {
			t.Fatal(err)
		}
		return len(b)
	}
	if a, b := size(1000), size(2000); b-a != 28*1000 {
		t.Errorf("1000 more revoked passes took %d bytes, want %d", b-a, 28*1000)
	}
	if got := size(1); got+28*(1000000-1) != 28000355 {
		t.Errorf("a source with 1 revoked pass is %d bytes: 1 000 000 would take %d, not the 28 000 355 documented", got, got+28*(1000000-1))
	}
}
