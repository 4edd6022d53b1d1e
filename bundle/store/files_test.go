package store

import (
	"crypto"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hufu-project/hufu/bundle"
	"github.com/hufu-project/hufu/keys"
)

// files writes name → content into a new directory and returns its path.
func files(t *testing.T, m map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, content := range m {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func pem(t *testing.T, pub crypto.PublicKey) string {
	t.Helper()
	p, err := keys.EncodePublicPEM(pub)
	if err != nil {
		t.Fatal(err)
	}
	return string(p)
}

// TestReadRoots: root key files give their keys (several per file);
// a file of another kind is a BadFile error that says what it is.
func TestReadRoots(t *testing.T) {
	other := key("other").Public()
	dir := files(t, map[string]string{
		"root.pub":  pem(t, root.Public()),
		"two.pem":   pem(t, root.Public()) + pem(t, other),
		"root.key":  "-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEIA==\n-----END PRIVATE KEY-----\n",
		"p.txt":     "HF1:NCFOXN%TS3DH",
		"junk.pub":  "not a key at all",
		"empty.pub": "",
	})
	at := func(n string) string { return filepath.Join(dir, n) }
	roots, err := ReadRoots(at("root.pub"), at("two.pem"))
	if err != nil || len(roots) != 3 || !sameKey(roots[2], other) {
		t.Fatalf("ReadRoots: %d roots, %v; want 3, the last the other root", len(roots), err)
	}
	for _, tc := range []struct {
		file, says, hint string
	}{
		{"root.key", "root.key is a private key, not a public key", "give the public key"},
		{"p.txt", "p.txt is a pass, not a public key", ""},
		{"junk.pub", "junk.pub", ""},
		{"empty.pub", "empty.pub is empty, not a public key", ""},
	} {
		_, err := ReadRoots(at("root.pub"), at(tc.file))
		var se *Error
		if !errors.As(err, &se) || se.Code != BadFile || !strings.HasSuffix(se.Detail, tc.says) || !strings.Contains(se.Hint(), tc.hint) {
			t.Errorf("ReadRoots(%s): %v (hint %q); want bad_file saying %q", tc.file, err, hintOf(err), tc.says)
		}
	}
	if _, err := ReadRoots(at("none.pub")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("ReadRoots of a missing file: %v, want not exist", err)
	}
}

// TestOpenErrors: Open refuses selections that do not go together, says
// "no trust configured" with a hint when there is nothing to decide
// with, and says what a trust or bundle file is when it is something
// else.
func TestOpenErrors(t *testing.T) {
	s := pinned(t)
	dir := files(t, map[string]string{"root.pub": pem(t, root.Public()), "p.txt": "HF1:NCFOXN%TS3DH", "b.hfb": string(sign(t, 1))})
	at := func(n string) string { return filepath.Join(dir, n) }
	for _, tc := range []struct {
		name string
		s    *Store
		sel  Selection
		code Code
		hint string
	}{
		{"trust and bundle", s, Selection{TrustFile: at("t.json"), BundleFile: at("b.hfb")}, BadSelection, "not both"},
		{"roots without a bundle", s, Selection{RootFiles: []string{at("root.pub")}}, BadSelection, "hufu bundle pin"},
		{"nothing installed", s, Selection{}, NoBundle, "hufu bundle install"},
		{"nothing pinned", &Store{Dir: t.TempDir()}, Selection{BundleFile: at("b.hfb")}, NoRoots, "hufu bundle pin"},
		{"no state", nil, Selection{}, NoState, "HUFU_STATE"},
		{"a key as trust file", s, Selection{TrustFile: at("root.pub")}, BadFile, "hufu trust add"},
		{"a pass as root", s, Selection{BundleFile: at("b.hfb"), RootFiles: []string{at("p.txt")}}, BadFile, ""},
	} {
		_, err := tc.s.Open(tc.sel)
		var se *Error
		if !errors.As(err, &se) || se.Code != tc.code || !strings.Contains(se.Hint(), tc.hint) {
			t.Errorf("%s: %v (hint %q); want %s with a hint naming %q", tc.name, err, hintOf(err), tc.code, tc.hint)
			continue
		}
		if (tc.code == NoBundle || tc.code == NoRoots || tc.code == NoState) && !strings.HasPrefix(se.Detail, "no trust configured: ") {
			t.Errorf("%s: detail %q does not say no trust configured", tc.name, se.Detail)
		}
	}
	// A root file checks a bundle file without the pinned roots.
	tr, err := (*Store)(nil).Open(Selection{BundleFile: at("b.hfb"), RootFiles: []string{at("root.pub")}})
	if err != nil || tr.Err != nil || tr.Bundle.Seq != 1 || tr.Path != at("b.hfb") {
		t.Fatalf("Open with -root: %+v, %v", tr, err)
	}
	// A pass given as the bundle: refused, saying what it is.
	tr, err = s.Open(Selection{BundleFile: at("p.txt")})
	var se *Error
	if err != nil || !errors.As(tr.Err, &se) || se.Code != Refused || se.Detail != at("p.txt")+" is a pass, not a trust bundle" ||
		!IsRefused(tr.Err) || tr.Trust != nil || tr.Path != at("p.txt") {
		t.Fatalf("Open a pass as bundle: %+v, %v; want Err refused, a pass", tr, err)
	}
}

// TestInstalled: only a selection of nothing selects the installed
// bundle, and Open then says which file it is.
func TestInstalled(t *testing.T) {
	for _, tc := range []struct {
		sel  Selection
		want bool
	}{
		{Selection{}, true}, {Selection{TrustFile: "t"}, false}, {Selection{BundleFile: "b"}, false}, {Selection{DSCFiles: []string{"d"}}, false},
	} {
		if got := tc.sel.Installed(); got != tc.want {
			t.Errorf("%+v.Installed() = %v", tc.sel, got)
		}
	}
	s := pinned(t)
	install(t, s, sign(t, 1))
	if tr, err := s.Open(Selection{}); err != nil || tr.Path != s.BundlePath() {
		t.Fatalf("Open installed: path %q, %v; want %q", tr.Path, err, s.BundlePath())
	}
}

// TestInstallFile: a file that is no bundle is refused, saying what it
// is; a rollback names the file; the bundle in force stays.
func TestInstallFile(t *testing.T) {
	s := pinned(t)
	dir := files(t, map[string]string{"p.txt": "HF1:NCFOXN%TS3DH", "junk.hfb": "junk", "b1.hfb": string(sign(t, 1)), "b2.hfb": string(sign(t, 2))})
	at := func(n string) string { return filepath.Join(dir, n) }
	if b, same, err := s.InstallFile(at("b2.hfb")); err != nil || same || b.Seq != 2 {
		t.Fatalf("InstallFile b2: %v, %v", same, err)
	}
	for _, tc := range []struct {
		file, detail string
		code         Code
	}{
		{"p.txt", at("p.txt") + " is a pass, not a trust bundle", Refused},
		{"junk.hfb", at("junk.hfb"), Refused},
		{"b1.hfb", "sequence number 1 is lower than 2, the highest installed here", Rollback},
	} {
		_, _, err := s.InstallFile(at(tc.file))
		var se *Error
		if !IsRefused(err) || !errors.As(err, &se) || se.Code != tc.code || se.Detail != tc.detail || se.Hint() == "" || !strings.Contains(err.Error(), at(tc.file)) {
			t.Errorf("InstallFile %s: %v (hint %q); want %s %q, naming the file, with a hint", tc.file, err, hintOf(err), tc.code, tc.detail)
		}
	}
	if b, err := s.Load(); err != nil || b.Seq != 2 {
		t.Fatalf("after refusals: %v, %v; want seq 2 in force", b, err)
	}
	if _, _, err := s.InstallFile(at("none.hfb")); !errors.Is(err, fs.ErrNotExist) || IsRefused(err) {
		t.Fatalf("InstallFile of a missing file: %v", err)
	}
}

// TestInspectWrongKind: Inspect of a file that is something else is a
// BadFile error, not a refused bundle.
func TestInspectWrongKind(t *testing.T) {
	dir := files(t, map[string]string{"k.pub": pem(t, root.Public())})
	b, refused, err := (*Store)(nil).Inspect(filepath.Join(dir, "k.pub"), nil)
	if !isCode(err, BadFile) || refused != nil || b != nil || !errors.Is(err, BadFile) {
		t.Fatalf("Inspect a public key: %v, %v; want bad_file", refused, err)
	}
	var be *bundle.Error
	if errors.As(err, &be) {
		t.Fatalf("Inspect a public key: %v is a bundle error", err)
	}
}
