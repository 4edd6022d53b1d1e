package source

import (
	"bytes"
	"crypto"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/hufu-project/hufu/bundle"
	"github.com/hufu-project/hufu/pass"
)

// signSource writes a source with one issuer (key "shanghai") and one
// revoked pass, and returns its path.
func signSource(t *testing.T) string {
	t.Helper()
	s := New()
	if err := s.AddIssuer("310000", bundle.Label{ZH: "上海市", EN: "Shanghai"}, time.Hour, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := s.AddKey("310000", key("shanghai").Public(), time.Time{}, time.Time{}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.RevokePass("310000", pass.ID{1, 2, 3, 4, 5, 6, 7, 8}); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "src.json")
	if err := s.Create(path); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestSignFile: SignFile writes a bundle that opens under the root, and
// records the sequence number in the source; the next one counts on.
func TestSignFile(t *testing.T) {
	src := signSource(t)
	out := filepath.Join(filepath.Dir(src), "b.hfb")
	root := key("root")
	req := SignRequest{Source: src, Out: out, Key: root, RootMarked: true, IssuedAt: t0, NextUpdate: time.Hour, Expires: 2 * time.Hour}
	r, err := SignFile(req)
	if err != nil {
		t.Fatal(err)
	}
	if r.Contents.Seq != 1 || r.LastSeq != 0 || r.SeqNotAbove || r.Unmarked || r.RevokedPasses != 1 {
		t.Fatalf("first sign: %+v", r)
	}
	data, err := os.ReadFile(out)
	if err != nil || !bytes.Equal(data, r.Data) {
		t.Fatalf("written bundle differs from the returned one (%v)", err)
	}
	if b, err := bundle.Open(data, []crypto.PublicKey{root.Public()}); err != nil || b.Seq != 1 || !b.Expires.Equal(t0.Add(2*time.Hour)) {
		t.Fatalf("Open: %v", err)
	}
	if s, err := Read(src); err != nil || s.Seq != 1 {
		t.Fatalf("source after signing: %v", err)
	}
	r, err = SignFile(req)
	if err != nil || r.Contents.Seq != 2 || r.LastSeq != 1 {
		t.Fatalf("second sign: %+v, %v", r, err)
	}
	req.Seq, req.RootMarked, req.Force = 2, false, true
	if r, err = SignFile(req); err != nil || !r.SeqNotAbove || !r.Unmarked || r.Contents.Seq != 2 {
		t.Fatalf("-seq 2 with an unmarked key, forced: %+v, %v", r, err)
	}
}

// TestSignFileErrors: keys that must not sign a bundle, bad sources and
// bad outputs are refused with their codes, and nothing is written.
func TestSignFileErrors(t *testing.T) {
	src := signSource(t)
	dir := filepath.Dir(src)
	good := SignRequest{Source: src, Out: filepath.Join(dir, "b.hfb"), Key: key("root"), RootMarked: true, IssuedAt: t0, NextUpdate: time.Hour, Expires: time.Hour}
	if err := os.WriteFile(filepath.Join(dir, "bad.json"), []byte(`{"x": 1}`), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name   string
		edit   func(r *SignRequest)
		want   error
		signed bool // Signed is returned with the error
	}{
		{"issuer key", func(r *SignRequest) { r.Key = key("shanghai"); r.Force = true }, IssuerKey, false},
		{"unmarked key", func(r *SignRequest) { r.RootMarked = false }, NotRootKey, false},
		{"missing source", func(r *SignRequest) { r.Source = filepath.Join(dir, "none.json") }, fs.ErrNotExist, false},
		{"not a source", func(r *SignRequest) { r.Source = filepath.Join(dir, "bad.json") }, BadSource, false},
		{"expiry before next update", func(r *SignRequest) { r.Expires = time.Minute }, BadSource, true},
		{"output is a directory", func(r *SignRequest) { r.Out = dir }, nil, true},
	} {
		r := good
		tc.edit(&r)
		res, err := SignFile(r)
		if err == nil || (tc.want != nil && !errors.Is(err, tc.want)) {
			t.Errorf("%s: %v, want %v", tc.name, err, tc.want)
		}
		if (res != nil) != tc.signed {
			t.Errorf("%s: Signed %+v", tc.name, res)
		}
	}
	if _, err := os.Stat(good.Out); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("a refused sign wrote the bundle: %v", err)
	}
	if s, err := Read(src); err != nil || s.Seq != 0 {
		t.Errorf("a refused sign changed the source: %v", err)
	}
}

// TestRevoke: Revoke revokes a pass, a key, or a key found by its kid,
// once; bad requests fail with their codes and change nothing.
func TestRevoke(t *testing.T) {
	s, err := Read(signSource(t))
	if err != nil {
		t.Fatal(err)
	}
	sh := key("shanghai").Public()
	shKey, err := NewKey(sh)
	if err != nil {
		t.Fatal(err)
	}
	id := pass.ID{8, 7, 6, 5, 4, 3, 2, 1}
	for _, tc := range []struct {
		name  string
		r     Revocation
		want  error
		added bool
		kid   string // of the key revoked
	}{
		{"pass", Revocation{Issuer: "310000", Pass: id}, nil, true, ""},
		{"pass again", Revocation{Issuer: "310000", Pass: id}, nil, false, ""},
		{"pass of an unknown issuer", Revocation{Issuer: "320000", Pass: id}, UnknownIssuer, false, ""},
		{"short pass ID", Revocation{Issuer: "310000", Pass: pass.ID{1}}, BadSource, false, ""},
		{"unknown kid", Revocation{KID: "00"}, UnknownKID, false, ""},
		{"key by kid", Revocation{KID: shKey.KID}, nil, true, shKey.KID},
		{"key again", Revocation{Key: sh}, nil, false, shKey.KID},
	} {
		r, err := s.Revoke(tc.r)
		if !errors.Is(err, tc.want) || (tc.want == nil) != (err == nil) {
			t.Errorf("%s: %v, want %v", tc.name, err, tc.want)
		}
		if r.Added != tc.added || r.Key.KID != tc.kid {
			t.Errorf("%s: %+v, want added %v, kid %q", tc.name, r, tc.added, tc.kid)
		}
	}
	if s.RevokedPasses() != 2 || len(s.RevokedKeys) != 1 {
		t.Errorf("%d revoked passes, %d revoked keys; want 2 and 1", s.RevokedPasses(), len(s.RevokedKeys))
	}
}
