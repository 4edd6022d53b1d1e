package store

import (
	"crypto"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hufu-project/hufu/bundle"
	"github.com/hufu-project/hufu/keys"
)

func TestOpen(t *testing.T) {
	s := pinned(t)
	if _, err := s.Open(Selection{}); !errors.Is(err, NoBundle) {
		t.Fatalf("Open with nothing installed: %v, want no_bundle", err)
	}
	install(t, s, sign(t, 1))
	tr, err := s.Open(Selection{})
	if err != nil || tr.Err != nil || tr.Bundle.Seq != 1 || !strings.Contains(tr.Label, "(seq 1, root ") {
		t.Fatalf("Open installed: %+v, %v", tr, err)
	}
	// A running verifier that uses seq 2 refuses seq 1 even without a mark.
	cur := tr.Bundle
	install(t, s, sign(t, 2))
	if tr, err := s.Open(Selection{Current: cur}); err != nil || tr.Err != nil || tr.Bundle.Seq != 2 {
		t.Fatalf("Open seq 2 over seq 1 in use: %+v, %v", tr, err)
	}
	cur2, _ := s.Load()
	os.Remove(filepath.Join(s.Dir, MarkFile))
	os.WriteFile(s.BundlePath(), sign(t, 1), 0o644)
	if tr, err := s.Open(Selection{Current: cur2}); err != nil || !errors.Is(tr.Err, Rollback) {
		t.Fatalf("Open seq 1 with seq 2 in use and no mark: %+v, %v", tr, err)
	}
	// A swapped file is refused, not an error: nothing can be decided.
	install(t, s, sign(t, 2))
	os.WriteFile(s.BundlePath(), sign(t, 1), 0o644)
	if tr, err := s.Open(Selection{}); err != nil || !errors.Is(tr.Err, Rollback) || tr.Trust != nil {
		t.Fatalf("Open after a swap: %+v, %v; want Err rollback", tr, err)
	}
	// A bundle file: against the pinned roots, or against Roots.
	path := filepath.Join(t.TempDir(), "b.hfb")
	os.WriteFile(path, sign(t, 3), 0o644)
	if tr, err := s.Open(Selection{BundleFile: path}); err != nil || tr.Err != nil || tr.Bundle.Seq != 3 {
		t.Fatalf("Open bundle file: %+v, %v", tr, err)
	}
	var none *Store
	if _, err := none.Open(Selection{BundleFile: path}); !errors.Is(err, NoState) {
		t.Fatalf("Open without a store or roots: %v, want no_state", err)
	}
	tr, err = none.Open(Selection{BundleFile: path, Roots: []crypto.PublicKey{key("other").Public()}})
	if err != nil || !errors.Is(tr.Err, bundle.UnknownRoot) {
		t.Fatalf("Open with another root: %+v, %v; want Err unknown_root", tr, err)
	}
	// A trust file needs no store.
	tf, _ := keys.NewTrust()
	tpath := filepath.Join(t.TempDir(), "t.json")
	if err := keys.WriteTrustFile(tpath, tf); err != nil {
		t.Fatal(err)
	}
	if tr, err := none.Open(Selection{TrustFile: tpath}); err != nil || tr.Trust == nil || tr.Bundle != nil || !strings.Contains(tr.Label, "(unsigned)") {
		t.Fatalf("Open trust file: %+v, %v", tr, err)
	}
	if _, err := s.Open(Selection{TrustFile: tpath, BundleFile: path}); err == nil {
		t.Fatal("Open with a trust file and a bundle file: no error")
	}
}

func TestDescribeState(t *testing.T) {
	b, err := bundle.Open(sign(t, 2, 99), []crypto.PublicKey{root.Public()})
	if err != nil {
		t.Fatal(err)
	}
	j, err := json.Marshal(Describe(b))
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	json.Unmarshal(j, &m)
	for _, k := range []string{"hufu_bundle", "path", "state", "seq", "signer", "verified", "issued_at", "next_update", "expires", "issuers", "revoked_passes", "revoked_keys", "labels"} {
		if _, ok := m[k]; !ok {
			t.Errorf("no %q in %s", k, j)
		}
	}
	if m["seq"] != 2.0 || m["revoked_passes"] != 1.0 || m["path"] != nil || m["verified"] != true {
		t.Errorf("description %s", j)
	}
	issued := t0.Add(2 * time.Hour) // sign: issued at t0 + seq hours, next update +1h, expires +48h
	for _, tc := range []struct {
		at   time.Time
		want string
	}{
		{issued, Fresh}, {issued.Add(time.Hour), Stale}, {issued.Add(48 * time.Hour), Expired}, {issued.Add(-time.Hour), ClockBehind},
	} {
		if got := State(b, tc.at, 5*time.Minute); got != tc.want {
			t.Errorf("State at %v: %s, want %s", tc.at, got, tc.want)
		}
	}
}

func TestDescriptionLines(t *testing.T) {
	at := time.Date(2026, 6, 1, 8, 0, 0, 0, time.UTC)
	until := at.Add(30 * 24 * time.Hour)
	st := Stale
	d := &Description{Seq: 4, Signer: "91b213f74011931a", Verified: true, IssuedAt: at, NextUpdate: at.Add(24 * time.Hour),
		Expires: at.Add(7 * 24 * time.Hour), Labels: 3, RevokedPasses: 1, State: &st,
		Issuers: []IssuerDesc{{ID: "310000", NameZH: "上海市", NameEN: "Shanghai", MaxLifetime: 7 * 86400, Colours: []string{"green", "red"},
			Keys: []KeyDesc{{KID: "42b369a3c02e1224", Alg: "ES256", ValidUntil: &until}}}}}
	got := strings.Join(d.Lines(at.Add(26*time.Hour)), "\n")
	want := `trust bundle seq 4, signed by root 91b213f74011931a, signature verified
  issued         2026-06-01T08:00:00Z (26 h ago)
  next update    2026-06-02T08:00:00Z
  expires        2026-06-08T08:00:00Z
  issuer         310000  上海市 · Shanghai  (passes valid up to 168h0m0s; green, red)
                   key 42b369a3c02e1224 ES256 until 2026-07-01T08:00:00Z
  revoked        1 pass, 0 keys
  labels         3
  state          STALE: past its next update; install a newer bundle`
	if got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
	d.Verified = false
	if l := d.Lines(time.Time{}); !strings.HasPrefix(l[0], "!!! UNVERIFIED") || !strings.Contains(l[1], "signature NOT checked") {
		t.Errorf("an unverified description starts %q", l[:2])
	}
}

// TestStatus: Status sets the path and the state, and says verify decides
// nothing with an expired bundle or a clock behind its issue time.
func TestStatus(t *testing.T) {
	b, err := bundle.Open(sign(t, 2), []crypto.PublicKey{root.Public()})
	if err != nil {
		t.Fatal(err)
	}
	issued := t0.Add(2 * time.Hour)
	for _, tc := range []struct {
		at        time.Time
		state     string
		undecided bool
	}{
		{issued, Fresh, false}, {issued.Add(time.Hour), Stale, false},
		{issued.Add(48 * time.Hour), Expired, true}, {issued.Add(-time.Hour), ClockBehind, true},
	} {
		d, undecided := Status(b, "/state/bundle.hfb", tc.at, 5*time.Minute)
		if d.Path == nil || *d.Path != "/state/bundle.hfb" || d.State == nil || *d.State != tc.state || undecided != tc.undecided || d.Seq != 2 {
			t.Errorf("Status at %v: path %v, state %v, undecided %v; want %s, %v", tc.at, d.Path, d.State, undecided, tc.state, tc.undecided)
		}
	}
}

// TestInspect: Inspect checks a bundle against the given roots, else the
// pinned ones, else decodes it unverified; a bundle that does not open is
// refused, and unreadable files are errors.
func TestInspect(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "b.hfb")
	if err := os.WriteFile(path, sign(t, 3), 0o644); err != nil {
		t.Fatal(err)
	}
	junk := filepath.Join(dir, "junk.hfb")
	if err := os.WriteFile(junk, []byte("not a bundle"), 0o644); err != nil {
		t.Fatal(err)
	}
	other := []crypto.PublicKey{key("other root").Public()}
	for _, tc := range []struct {
		name          string
		s             *Store
		path          string
		roots         []crypto.PublicKey
		verified      bool
		refused, fail bool
	}{
		{"given root", nil, path, []crypto.PublicKey{root.Public()}, true, false, false},
		{"pinned root", pinned(t), path, nil, true, false, false},
		{"no root: unverified", &Store{Dir: t.TempDir()}, path, nil, false, false, false},
		{"no store: unverified", nil, path, nil, false, false, false},
		{"wrong root", nil, path, other, false, true, false},
		{"not a bundle", nil, junk, nil, false, true, false},
		{"missing file", nil, filepath.Join(dir, "none.hfb"), nil, false, false, true},
	} {
		b, refused, err := tc.s.Inspect(tc.path, tc.roots)
		if (refused != nil) != tc.refused || (err != nil) != tc.fail {
			t.Errorf("%s: refused %v, err %v", tc.name, refused, err)
			continue
		}
		if !tc.refused && !tc.fail && (b.Verified != tc.verified || b.Seq != 3) {
			t.Errorf("%s: verified %v seq %d, want %v 3", tc.name, b.Verified, b.Seq, tc.verified)
		}
	}
}
