package source

import (
	"encoding/hex"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hufu-project/hufu/issuer"
	"github.com/hufu-project/hufu/keys"
	"github.com/hufu-project/hufu/pass"
)

func hint(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Hint()
	}
	return ""
}

// TestReadWrongKind: a file that is another kind hufu knows is refused
// saying what it is; a malformed source names the file.
func TestReadWrongKind(t *testing.T) {
	dir := t.TempDir()
	pub, _ := keys.EncodePublicPEM(key("k").Public())
	for name, content := range map[string]string{"k.pub": string(pub), "t.json": `{"hufu_trust": 1, "keys": []}`, "bad.json": `{"x": 1}`} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for _, tc := range []struct{ file, says string }{
		{"k.pub", "k.pub is a public key, not a bundle source"},
		{"t.json", "t.json is a trust file, not a bundle source"},
		{"bad.json", "bad.json: source: bad_source: not a bundle source"},
	} {
		_, err := Read(filepath.Join(dir, tc.file))
		if code(err) != BadSource || !strings.Contains(err.Error(), tc.says) {
			t.Errorf("Read %s: %v; want bad_source saying %q", tc.file, err, tc.says)
		}
	}
}

// TestCreateEditErrors: Create never replaces a file (Exists, also
// fs.ErrExist, with a hint); Edit names the file before an edit's error,
// which keeps its code and hint.
func TestCreateEditErrors(t *testing.T) {
	path := filepath.Join(t.TempDir(), "src.json")
	if err := New().Create(path); err != nil {
		t.Fatal(err)
	}
	err := New().Create(path)
	if code(err) != Exists || !errors.Is(err, fs.ErrExist) || hint(err) == "" {
		t.Fatalf("Create over a file: %v; want exists, fs.ErrExist, a hint", err)
	}
	err = Edit(path, func(s *Source) error {
		_, err := s.AddKey("310000", key("k").Public(), time.Time{}, time.Time{})
		return err
	})
	if code(err) != UnknownIssuer || !strings.HasPrefix(err.Error(), path+": ") || !strings.Contains(hint(err), "hufu bundle add-issuer") {
		t.Fatalf("Edit adding a key to no issuer: %v (hint %q)", err, hint(err))
	}
	// Revoking a pass of an issuer the source does not list: adding the
	// issuer is not the cure (it would make the bundle trust it); the
	// issuer ID or the source is wrong.
	if _, err := New().RevokePass("999999", pass.ID{1, 2, 3, 4, 5, 6, 7, 8}); code(err) != UnknownIssuer || strings.Contains(hint(err), "add-issuer") {
		t.Errorf("RevokePass of an unknown issuer: %v (hint %q); want unknown_issuer without the add-issuer hint", err, hint(err))
	}
	if _, err := New().KeyByKID("00"); !strings.Contains(hint(err), "-pub KEY.pub") {
		t.Errorf("KeyByKID: %v, hint %q; want a hint to give the key", err, hint(err))
	}
}

// TestRevokedString: each outcome of Revoke says what happened.
func TestRevokedString(t *testing.T) {
	s, err := Read(signSource(t))
	if err != nil {
		t.Fatal(err)
	}
	sh := key("shanghai").Public()
	k, _ := NewKey(sh)
	id := pass.ID{8, 7, 6, 5, 4, 3, 2, 1}
	for _, tc := range []struct {
		r    Revocation
		want string
	}{
		{Revocation{Issuer: "310000", Pass: id}, "revoked pass 0807060504030201 of issuer 310000"},
		{Revocation{Issuer: "310000", Pass: id}, "pass 0807060504030201 of issuer 310000 was already revoked"},
		{Revocation{KID: k.KID}, "revoked key " + k.KID + " (EdDSA): passes it signed are rejected as revoked_key"},
		{Revocation{Key: sh}, "key " + k.KID + " was already revoked"},
	} {
		r, err := s.Revoke(tc.r)
		if err != nil || r.String() != tc.want {
			t.Errorf("Revoke %+v: %q, %v; want %q", tc.r, r, err, tc.want)
		}
	}
}

// TestCodeRevocation: a pass's code gives its ID and issuer; anything
// else is not_pass, saying what it is when hufu knows.
func TestCodeRevocation(t *testing.T) {
	is, err := issuer.New(key("shanghai"), "310000", 24*time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	text, err := is.Issue(issuer.Claims{Name: "张三", Colour: pass.Green, Validity: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	r, err := CodeRevocation("p.txt", text)
	if err != nil || r.Issuer != "310000" || len(r.Pass) < pass.MinIDSize || r.Key != nil {
		t.Fatalf("CodeRevocation: %+v, %v", r, err)
	}
	pub, _ := keys.EncodePublicPEM(key("k").Public())
	for _, tc := range []struct{ text, says string }{
		{string(pub), "k.pub is a public key, not a pass"},
		{"HF1:ZZZZ", "k.pub: "},
		{"hello", "k.pub: "},
	} {
		if _, err := CodeRevocation("k.pub", tc.text); code(err) != NotPass || !strings.Contains(err.Error(), tc.says) {
			t.Errorf("CodeRevocation(%.20q): %v; want not_pass saying %q", tc.text, err, tc.says)
		}
	}
}

// TestSignedText: the summary and warnings of a signing, and the key
// refusals with their hints.
func TestSignedText(t *testing.T) {
	src := signSource(t)
	out := filepath.Join(filepath.Dir(src), "b.hfb")
	req := SignRequest{Source: src, Out: out, Key: key("root"), KeyName: "root.key", RootMarked: true, IssuedAt: t0, NextUpdate: time.Hour, Expires: 2 * time.Hour}
	r, err := SignFile(req)
	if err != nil {
		t.Fatal(err)
	}
	kid, _ := keys.KID(key("root").Public())
	want := []string{
		"wrote " + out + ": seq 1, 1 issuer, 1 revoked pass, 0 revoked keys, " + sizeText(len(r.Data)) + " (root " + hex.EncodeToString(kid) + ")",
		"issued 2026-06-01T08:00:00Z, next update 2026-06-01T09:00:00Z, expires 2026-06-01T10:00:00Z",
	}
	if got := r.Summary(); strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("Summary:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if w := r.Warnings(); len(w) != 0 {
		t.Errorf("Warnings of a plain signing: %q", w)
	}
	req.Seq, req.RootMarked, req.Force, req.KeyName = 1, false, true, "plain.key"
	if r, err = SignFile(req); err != nil {
		t.Fatal(err)
	}
	if w := r.Warnings(); len(w) != 2 || !strings.HasPrefix(w[0], "plain.key is not marked as a bundle root key") || !strings.HasPrefix(w[1], "-seq 1 is not above the last sequence number signed from "+src+" (1)") {
		t.Errorf("Warnings: %q", w)
	}
	req.Force = false
	if _, err := SignFile(req); code(err) != NotRootKey || !strings.Contains(err.Error(), "plain.key is not marked") || !strings.Contains(hint(err), "-f") {
		t.Errorf("unmarked key: %v (hint %q)", err, hint(err))
	}
	req.Key, req.KeyName, req.Force = key("shanghai"), "sh.key", true
	if _, err := SignFile(req); code(err) != IssuerKey || !strings.Contains(err.Error(), "sh.key is the key of issuer 310000 in "+src+", not a root key") || !strings.Contains(hint(err), "hufu keygen -root") {
		t.Errorf("issuer key: %v (hint %q)", err, hint(err))
	}
	for n, want := range map[int]string{900: "900 bytes", 3000: "3 KiB", 5 << 20: "5 MiB"} {
		if got := sizeText(n); got != want {
			t.Errorf("sizeText(%d) = %q, want %q", n, got, want)
		}
	}
}

// TestKeyWindow: either side of a key's window is said only when set.
func TestKeyWindow(t *testing.T) {
	for _, tc := range []struct {
		k    Key
		want string
	}{
		{Key{}, ""},
		{Key{ValidFrom: "2026-06-01T00:00:00Z"}, " from 2026-06-01T00:00:00Z"},
		{Key{ValidUntil: "2026-07-01T00:00:00Z"}, " until 2026-07-01T00:00:00Z"},
		{Key{ValidFrom: "2026-06-01T00:00:00Z", ValidUntil: "2026-07-01T00:00:00Z"}, " from 2026-06-01T00:00:00Z until 2026-07-01T00:00:00Z"},
	} {
		if got := tc.k.Window(); got != tc.want {
			t.Errorf("%+v.Window() = %q, want %q", tc.k, got, tc.want)
		}
	}
}
