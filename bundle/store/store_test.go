package store

import (
	"crypto/ed25519"
	"crypto/sha256"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hufu-project/hufu/bundle"
	"github.com/hufu-project/hufu/pass"
)

func key(label string) ed25519.PrivateKey {
	s := sha256.Sum256([]byte("hufu store test " + label))
	return ed25519.NewKeyFromSeed(s[:])
}

var (
	root = key("root")
	t0   = time.Date(2026, 6, 1, 8, 0, 0, 0, time.UTC)
)

// sign returns bundle seq, issued at t0 + seq hours.
func sign(t *testing.T, seq uint64, revoked ...uint64) []byte {
	t.Helper()
	at := t0.Add(time.Duration(seq) * time.Hour)
	data, err := bundle.Sign(&bundle.Contents{
		Seq: seq, IssuedAt: at, NextUpdate: at.Add(time.Hour), Expires: at.Add(48 * time.Hour),
		Issuers: []bundle.Issuer{{ID: "310000", Name: bundle.Label{ZH: "上海市", EN: "Shanghai"}, MaxLifetime: time.Hour,
			Colours: []pass.Colour{pass.Green}, Keys: []bundle.IssuerKey{{Public: key("issuer").Public()}},
			RevokedPasses: revoked}},
	}, root)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func pinned(t *testing.T) *Store {
	t.Helper()
	s := &Store{Dir: filepath.Join(t.TempDir(), "state")}
	if _, err := s.Pin(root.Public()); err != nil {
		t.Fatal(err)
	}
	return s
}

func install(t *testing.T, s *Store, data []byte) {
	t.Helper()
	if _, _, err := s.Install(data); err != nil {
		t.Fatalf("Install: %v", err)
	}
}

func isCode(err error, c Code) bool {
	var se *Error
	return errors.As(err, &se) && se.Code == c
}

// hintOf is the hint of the *Error in err's chain, "" if none.
func hintOf(err error) string {
	var se *Error
	if errors.As(err, &se) {
		return se.Hint()
	}
	return ""
}

// TestRollbackBySwap reproduces issue 11 item 1: install b2, copy b1 over
// the installed file; opening must fail, and so must installing b1 after
// the installed file is deleted.
func TestRollbackBySwap(t *testing.T) {
	s := pinned(t)
	b1, b2 := sign(t, 1), sign(t, 2, 42)
	install(t, s, b1)
	install(t, s, b2)
	if err := os.WriteFile(s.BundlePath(), b1, 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := s.Load()
	if !isCode(err, Rollback) || !errors.Is(err, bundle.Rollback) || !strings.Contains(hintOf(err), "hufu bundle install") {
		t.Fatalf("Load after swapping in b1: %v (hint %q), want rollback with a hint to install the newest again", err, hintOf(err))
	}
	if m, err := s.Mark(); err != nil || m.Seq != 2 {
		t.Fatalf("mark %+v, %v; want seq 2", m, err)
	}
	if err := os.Remove(s.BundlePath()); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Load(); !isCode(err, NoBundle) {
		t.Fatalf("Load with no bundle: %v, want no_bundle", err)
	}
	if _, _, err := s.Install(b1); !isCode(err, Rollback) || !strings.Contains(hintOf(err), "seq 2 was installed here") {
		t.Fatalf("Install b1 after deleting the bundle: %v (hint %q), want rollback saying seq 2 stays", err, hintOf(err))
	}
	// b2 again is fine, and so is b3.
	install(t, s, b2)
	if b, err := s.Load(); err != nil || b.Seq != 2 {
		t.Fatalf("Load: %v", err)
	}
	install(t, s, sign(t, 3))
	if m, _ := s.Mark(); m.Seq != 3 {
		t.Fatalf("mark seq %d, want 3", m.Seq)
	}
}

// TestSameSeqDifferentFile: a different bundle with the seq of the mark is
// a rollback, the very same file is not.
func TestSameSeqDifferentFile(t *testing.T) {
	s := pinned(t)
	b2 := sign(t, 2)
	install(t, s, b2)
	other := sign(t, 2, 7)
	if err := os.WriteFile(s.BundlePath(), other, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Load(); !isCode(err, Rollback) {
		t.Fatalf("Load: %v, want rollback", err)
	}
	os.Remove(s.BundlePath())
	if _, _, err := s.Install(other); !isCode(err, Rollback) {
		t.Fatalf("Install: %v, want rollback", err)
	}
	if _, same, err := s.Install(b2); err != nil || same {
		t.Fatalf("Install b2 again after removing the file: same %v, %v", same, err)
	}
	if _, same, err := s.Install(b2); err != nil || !same {
		t.Fatalf("Install b2 a second time: same %v, %v", same, err)
	}
}

// TestMarkRaisedOnLoad: a directory from before the mark gets one on the
// first Load, and is then protected.
func TestMarkRaisedOnLoad(t *testing.T) {
	s := pinned(t)
	install(t, s, sign(t, 5))
	os.Remove(filepath.Join(s.Dir, MarkFile))
	if _, err := s.Load(); err != nil {
		t.Fatal(err)
	}
	if m, _ := s.Mark(); m.Seq != 5 || !m.IssuedAt.Equal(t0.Add(5*time.Hour)) {
		t.Fatalf("mark %+v after Load, want seq 5", m)
	}
	os.WriteFile(s.BundlePath(), sign(t, 4), 0o644)
	if _, err := s.Load(); !isCode(err, Rollback) {
		t.Fatalf("Load: %v, want rollback", err)
	}
}

// TestReload: a running verifier never goes back, even with the mark file
// removed too.
func TestReload(t *testing.T) {
	s := pinned(t)
	install(t, s, sign(t, 1))
	install(t, s, sign(t, 2))
	cur, err := s.Reload(nil)
	if err != nil || cur.Seq != 2 {
		t.Fatalf("Reload: %v", err)
	}
	os.Remove(filepath.Join(s.Dir, MarkFile))
	os.WriteFile(s.BundlePath(), sign(t, 1), 0o644)
	if _, err := s.Reload(cur); !isCode(err, Rollback) {
		t.Fatalf("Reload of seq 1 while using seq 2: %v, want rollback", err)
	}
	install(t, s, sign(t, 3))
	if b, err := s.Reload(cur); err != nil || b.Seq != 3 {
		t.Fatalf("Reload of seq 3: %v", err)
	}
}

func TestBadMark(t *testing.T) {
	s := pinned(t)
	install(t, s, sign(t, 1))
	os.WriteFile(filepath.Join(s.Dir, MarkFile), []byte(`{"hufu_bundle_mark":1,"seq":0}`), 0o644)
	if _, err := s.Load(); !isCode(err, BadState) {
		t.Fatalf("Load with a malformed mark: %v, want bad_state", err)
	}
}

func TestInstallRefusals(t *testing.T) {
	s := &Store{Dir: t.TempDir()}
	if _, _, err := s.Install(sign(t, 1)); !isCode(err, NoRoots) || !strings.Contains(hintOf(err), "hufu bundle pin") {
		t.Fatalf("Install with no roots: %v (hint %q), want no_roots with a hint to pin", err, hintOf(err))
	}
	if _, err := s.Pin(key("other").Public()); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.Install(sign(t, 1)); !errors.Is(err, bundle.UnknownRoot) {
		t.Fatalf("Install signed by an unpinned root: %v", err)
	}
	if _, err := os.Stat(s.BundlePath()); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("a refused bundle was written: %v", err)
	}
}

// TestUnpin: the last root is kept unless forced (issue 11 item 12).
func TestUnpin(t *testing.T) {
	s := pinned(t)
	other := key("root 2").Public()
	ps, err := s.Pin(other, root.Public())
	if err != nil || len(ps) != 2 || !ps[0].Added || ps[1].Added || ps[0].KID != kidHex(other) || ps[0].Alg != "EdDSA" || ps[0].Dir != s.Dir {
		t.Fatalf("Pin: %+v, %v; want the new root added and the old one already pinned", ps, err)
	}
	if got, want := ps[0].String(), "pinned root "+kidHex(other)+" (EdDSA) in "+s.Dir; got != want {
		t.Errorf("Pinned.String: %q, want %q", got, want)
	}
	if got, want := ps[1].String(), "root "+kidHex(root.Public())+" is already pinned"; got != want {
		t.Errorf("Pinned.String: %q, want %q", got, want)
	}
	if _, err := s.Unpin("0000000000000000", false); !isCode(err, NotPinned) {
		t.Fatalf("Unpin unknown: %v", err)
	}
	if u, err := s.Unpin(kidHex(other), false); err != nil || u.Left != 1 || u.Warning() != "" || u.String() != "unpinned root "+kidHex(other)+"; 1 left" {
		t.Fatalf("Unpin: %+v (%q, warning %q), %v", u, u, u.Warning(), err)
	}
	if _, err := s.Unpin(kidHex(root.Public()), false); !isCode(err, LastRoot) || !strings.Contains(hintOf(err), "hufu bundle pin") {
		t.Fatalf("Unpin the last root: %v (hint %q), want last_root with a hint to pin the new root", err, hintOf(err))
	}
	if roots, _ := s.Roots(); len(roots) != 1 {
		t.Fatalf("%d roots after a refused unpin", len(roots))
	}
	if u, err := s.Unpin(kidHex(root.Public()), true); err != nil || u.Left != 0 || !strings.Contains(u.Warning(), "no trust configured") {
		t.Fatalf("forced Unpin: %+v (warning %q), %v", u, u.Warning(), err)
	}
}

func TestDefaultDir(t *testing.T) {
	env := func(m map[string]string) func(string) string { return func(k string) string { return m[k] } }
	for _, tc := range []struct {
		env  map[string]string
		want string
	}{
		{map[string]string{"HUFU_STATE": "/s", "HOME": "/h"}, "/s"},
		{map[string]string{"XDG_STATE_HOME": "/x", "HOME": "/h"}, "/x/hufu"},
		{map[string]string{"HOME": "/h"}, "/h/.local/state/hufu"},
	} {
		if got, err := DefaultDir(env(tc.env)); err != nil || got != tc.want {
			t.Errorf("DefaultDir(%v) = %q, %v; want %q", tc.env, got, err, tc.want)
		}
	}
	if _, err := DefaultDir(env(nil)); !isCode(err, NoState) || !strings.Contains(hintOf(err), "HUFU_STATE") {
		t.Errorf("DefaultDir with no environment: %v (hint %q), want no_state with a hint to set HUFU_STATE", err, hintOf(err))
	}
}

// TestInstallBelowInstalledWithoutMark: with no mark (a directory from
// before it), the installed bundle still stops an older one.
func TestInstallBelowInstalledWithoutMark(t *testing.T) {
	s := pinned(t)
	install(t, s, sign(t, 5))
	os.Remove(filepath.Join(s.Dir, MarkFile))
	_, _, err := s.Install(sign(t, 3))
	var se *Error
	if !errors.As(err, &se) || se.Code != Rollback || se.Detail != "sequence number 3 is lower than the installed 5" {
		t.Fatalf("Install seq 3 over seq 5: %v", err)
	}
}
