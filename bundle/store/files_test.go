package store

import (
	"crypto"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

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
	in, err := s.InstallFile(at("b2.hfb"))
	if err != nil || in.Same || in.Bundle.Seq != 2 || in.Dir != s.Dir {
		t.Fatalf("InstallFile b2: %+v, %v", in, err)
	}
	if got, want := in.String(), "installed trust bundle seq 2 (issued 2026-06-01T10:00:00Z, expires 2026-06-03T10:00:00Z) in "+s.Dir; got != want {
		t.Errorf("Installed.String: %q, want %q", got, want)
	}
	if in, err = s.InstallFile(at("b2.hfb")); err != nil || !in.Same || in.String() != "trust bundle seq 2 is already installed" {
		t.Fatalf("InstallFile b2 again: %v, %v", in, err)
	}
	issued := in.Bundle.IssuedAt
	for _, tc := range []struct {
		at     time.Time
		reason string
	}{
		{issued.Add(time.Hour), ""}, {issued.Add(48 * time.Hour), "(trust_expired)"}, {issued.Add(-time.Hour), "(clock_behind)"},
	} {
		w := in.Warning(tc.at, 5*time.Minute)
		if (tc.reason == "" && w != "") || (tc.reason != "" && !strings.HasSuffix(w, ": verify cannot decide with it now "+tc.reason)) {
			t.Errorf("Warning at %v: %q, want one ending %q", tc.at, w, tc.reason)
		}
	}
	for _, tc := range []struct {
		file, detail string
		code         Code
	}{
		{"p.txt", at("p.txt") + " is a pass, not a trust bundle", Refused},
		{"junk.hfb", at("junk.hfb"), Refused},
		{"b1.hfb", "sequence number 1 is lower than 2, the highest installed here", Rollback},
	} {
		_, err := s.InstallFile(at(tc.file))
		var se *Error
		if !IsRefused(err) || !errors.As(err, &se) || se.Code != tc.code || se.Detail != tc.detail || se.Hint() == "" || !strings.Contains(err.Error(), at(tc.file)) {
			t.Errorf("InstallFile %s: %v (hint %q); want %s %q, naming the file, with a hint", tc.file, err, hintOf(err), tc.code, tc.detail)
		}
	}
	if b, err := s.Load(); err != nil || b.Seq != 2 {
		t.Fatalf("after refusals: %v, %v; want seq 2 in force", b, err)
	}
	if _, err := s.InstallFile(at("none.hfb")); !errors.Is(err, fs.ErrNotExist) || IsRefused(err) {
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

// TestRootKID: a root key file names its kid; anything else is a kid.
func TestRootKID(t *testing.T) {
	dir := files(t, map[string]string{"root.pub": pem(t, root.Public()), "two.pem": pem(t, root.Public()) + pem(t, key("other").Public())})
	if kid, err := RootKID(filepath.Join(dir, "root.pub")); err != nil || kid != kidHex(root.Public()) {
		t.Errorf("RootKID(root.pub) = %q, %v", kid, err)
	}
	if kid, err := RootKID("0011223344556677"); err != nil || kid != "0011223344556677" {
		t.Errorf("RootKID(kid) = %q, %v", kid, err)
	}
	if _, err := RootKID(filepath.Join(dir, "two.pem")); !isCode(err, BadFile) {
		t.Errorf("RootKID(two keys): %v, want bad_file", err)
	}
}

// TestInstalledStatus: the installed bundle's description, or why it is
// refused (with the hint of the refusal), or Open's error.
func TestInstalledStatus(t *testing.T) {
	s := pinned(t)
	if _, _, err := s.InstalledStatus(t0, 0); !isCode(err, NoBundle) {
		t.Fatalf("nothing installed: %v, want no_bundle", err)
	}
	install(t, s, sign(t, 1))
	install(t, s, sign(t, 2))
	d, undecided, err := s.InstalledStatus(t0.Add(2*time.Hour), 0)
	if err != nil || undecided || d.Seq != 2 || *d.Path != s.BundlePath() || *d.State != Fresh {
		t.Fatalf("InstalledStatus: %+v, %v, %v", d, undecided, err)
	}
	if _, undecided, _ := s.InstalledStatus(t0.Add(60*time.Hour), 0); !undecided {
		t.Error("expired: not undecided")
	}
	os.WriteFile(s.BundlePath(), sign(t, 1), 0o644)
	_, _, err = s.InstalledStatus(t0.Add(2*time.Hour), 0)
	var se *Error
	if !IsRefused(err) || !errors.As(err, &se) || se.Code != Refused || !strings.HasSuffix(se.Detail, "is older than a bundle installed before") ||
		!errors.Is(err, Rollback) || !strings.Contains(se.Hint(), "hufu bundle install") {
		t.Fatalf("swapped: %v (hint %q); want refused, a rollback, with its hint", err, hintOf(err))
	}
}

// TestNew: an explicit directory wins; else the environment's; else
// NoState.
func TestNew(t *testing.T) {
	env := func(k string) string { return map[string]string{"HUFU_STATE": "/s"}[k] }
	if s, err := New("/d", env); err != nil || s.Dir != "/d" {
		t.Errorf("New(/d): %+v, %v", s, err)
	}
	if s, err := New("", env); err != nil || s.Dir != "/s" {
		t.Errorf("New(\"\"): %+v, %v", s, err)
	}
	if _, err := New("", func(string) string { return "" }); !isCode(err, NoState) {
		t.Errorf("New with no environment: %v, want no_state", err)
	}
}
