package source

import (
	"crypto"
	"crypto/ed25519"
	"crypto/sha256"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hufu-project/hufu/bundle"
	"github.com/hufu-project/hufu/keys"
	"github.com/hufu-project/hufu/pass"
)

func key(label string) ed25519.PrivateKey {
	s := sha256.Sum256([]byte("hufu source test " + label))
	return ed25519.NewKeyFromSeed(s[:])
}

var t0 = time.Date(2026, 6, 1, 8, 0, 0, 0, time.UTC)

func code(err error) Code {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return ""
}

// TestEditSignRead: a source made with the methods signs into a bundle
// that says what the source says, and survives a write and a read.
func TestEditSignRead(t *testing.T) {
	s := New()
	if err := s.AddIssuer("310000", bundle.Label{ZH: "上海市", EN: "Shanghai"}, 72*time.Hour, []pass.Colour{pass.Green}); err != nil {
		t.Fatal(err)
	}
	sh := key("shanghai").Public()
	l, err := s.AddKey("310000", sh, time.Time{}, t0)
	if err != nil || !l.Added || l.Key.ValidUntil != "2026-06-01T08:00:00Z" || l.String() != "added key "+l.Key.KID+" (EdDSA) for 310000 until 2026-06-01T08:00:00Z" {
		t.Fatalf("AddKey: %+v (%q), %v", l, l, err)
	}
	l, err = s.AddKey("310000", sh, t0.Add(-time.Hour), time.Time{})
	if err != nil || l.Added || l.Key.ValidFrom == "" || l.Key.ValidUntil == "" || !strings.HasPrefix(l.String(), "updated key "+l.Key.KID+" (EdDSA) for 310000 from ") {
		t.Fatalf("AddKey again: %+v (%q), %v", l, l, err)
	}
	id := pass.ID{1, 2, 3, 4, 5, 6, 7, 8}
	if _, err := s.RevokePass("320000", id); !errors.Is(err, UnknownIssuer) {
		t.Fatalf("RevokePass for an unknown issuer: %v", err)
	}
	if added, err := s.RevokePass("310000", id); err != nil || !added {
		t.Fatalf("RevokePass: %v, %v", added, err)
	}
	if added, _ := s.RevokePass("310000", id); added {
		t.Error("RevokePass twice added it twice")
	}
	stolen := key("stolen").Public()
	if _, added, err := s.RevokeKey(stolen); err != nil || !added {
		t.Fatalf("RevokeKey: %v, %v", added, err)
	}
	root := key("root")
	data, c, err := s.Sign(root, 0, t0, 24*time.Hour, 48*time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	if s.Seq != 1 || c.Seq != 1 {
		t.Fatalf("seq %d in the source, %d signed; want 1", s.Seq, c.Seq)
	}
	b, err := bundle.Open(data, []crypto.PublicKey{root.Public()})
	if err != nil {
		t.Fatal(err)
	}
	if is := b.Issuer("310000"); is == nil || is.MaxLifetime != 72*time.Hour || len(is.Keys) != 1 || !is.Keys[0].ValidUntil.Equal(t0) {
		t.Fatalf("issuer in the bundle: %+v", is)
	}
	if !b.PassRevoked("310000", id) || b.PassRevoked("320000", id) || len(b.RevokedKeys) != 1 || !b.Expires.Equal(t0.Add(48*time.Hour)) {
		t.Fatal("the bundle lost a revocation or its expiry")
	}
	path := filepath.Join(t.TempDir(), "src.json")
	if err := s.Create(path); err != nil {
		t.Fatal(err)
	}
	if err := s.Create(path); !errors.Is(err, fs.ErrExist) {
		t.Fatalf("Create over an existing source: %v", err)
	}
	r, err := Read(path)
	if err != nil {
		t.Fatal(err)
	}
	if got := r.KeyIssuers(sh); len(got) != 1 || got[0] != "310000" || r.Seq != 1 {
		t.Fatalf("read back: issuers %q, seq %d", got, r.Seq)
	}
	if _, _, err := r.Sign(root, 0, t0.Add(time.Hour), time.Hour, time.Hour); err != nil || r.Seq != 2 {
		t.Fatalf("second Sign: seq %d, %v", r.Seq, err)
	}
}

func TestErrors(t *testing.T) {
	s := New()
	name := bundle.Label{ZH: "上海市", EN: "Shanghai"}
	for _, tc := range []struct {
		name string
		err  error
		want Code
	}{
		{"bad issuer ID", s.AddIssuer("31 00", name, time.Hour, nil), BadSource},
		{"no name", s.AddIssuer("310000", bundle.Label{ZH: "x"}, time.Hour, nil), BadSource},
		{"fractional lifetime", s.AddIssuer("310000", name, time.Hour+time.Millisecond, nil), BadSource},
	} {
		if code(tc.err) != tc.want {
			t.Errorf("%s: %v, want %s", tc.name, tc.err, tc.want)
		}
	}
	if err := s.AddIssuer("310000", name, time.Hour, nil); err != nil {
		t.Fatal(err)
	}
	if err := s.AddIssuer("310000", name, time.Hour, nil); !errors.Is(err, IssuerExists) {
		t.Errorf("AddIssuer twice: %v", err)
	}
	if _, err := s.AddKey("320000", key("x").Public(), time.Time{}, time.Time{}); !errors.Is(err, UnknownIssuer) {
		t.Errorf("AddKey for an unknown issuer: %v", err)
	}
	if _, err := s.KeyByKID("0000000000000000"); !errors.Is(err, UnknownKID) {
		t.Errorf("KeyByKID: %v", err)
	}
	if _, err := ParsePassID("0102"); code(err) != BadSource {
		t.Errorf("ParsePassID short: %v", err)
	}
	if _, err := ParsePassID("0102030405060708"); err != nil {
		t.Errorf("ParsePassID: %v", err)
	}
	if _, _, err := s.Sign(key("root"), 0, t0, 2*time.Hour, time.Hour); code(err) != BadSource {
		t.Errorf("Sign with expiry before next update: %v", err)
	}
}

// TestParseStrict: unknown fields, a wrong version, a bad key, a bad
// lifetime are all bad_source.
func TestParseStrict(t *testing.T) {
	good, err := New().Marshal()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Parse(good); err != nil {
		t.Fatalf("Parse(New()): %v", err)
	}
	for name, data := range map[string]string{
		"unknown field":                        strings.Replace(string(good), `"seq"`, `"extra": 1, "seq"`, 1),
		"wrong version":                        strings.Replace(string(good), `"hufu_bundle_source": 2`, `"hufu_bundle_source": 1`, 1),
		"not JSON":                             "HF1:ABC",
		"bad lifetime":                         `{"hufu_bundle_source":2,"seq":0,"issuers":[{"id":"310000","name_zh":"a","name_en":"b","max_lifetime":"soon","colours":[],"keys":[]}],"revoked_keys":[],"labels":{}}`,
		"bad public key":                       `{"hufu_bundle_source":2,"seq":0,"issuers":[],"revoked_keys":[{"kid":"00","alg":"EdDSA","public_key":"AAAA"}],"labels":{}}`,
		"bad pass ID":                          `{"hufu_bundle_source":2,"seq":0,"issuers":[{"id":"310000","name_zh":"a","name_en":"b","max_lifetime":"1h","colours":[],"keys":[],"revoked_passes":["ABCD"]}],"revoked_keys":[],"labels":{}}`,
		"top-level revoked passes (version 1)": `{"hufu_bundle_source":2,"seq":0,"issuers":[],"revoked_passes":[],"revoked_keys":[],"labels":{}}`,
	} {
		if _, err := Parse([]byte(data)); code(err) != BadSource || !errors.Is(err, BadSource) {
			t.Errorf("%s: %v, want bad_source", name, err)
		}
	}
	path := filepath.Join(t.TempDir(), "x.json")
	os.WriteFile(path, []byte("{}"), 0o644)
	if _, err := Read(path); err == nil || !strings.Contains(err.Error(), path) {
		t.Errorf("Read names the file: %v", err)
	}
}

// TestCheckKey: the checks "hufu issue -trust" makes, against each kind of
// file (issue 11 item 11: -iss 31000, -iss shanghai, Jiangsu's key for
// 310000).
func TestCheckKey(t *testing.T) {
	sh, js, root := key("shanghai"), key("jiangsu"), key("root")
	s := New()
	name := bundle.Label{ZH: "上海市", EN: "Shanghai"}
	s.AddIssuer("310000", name, time.Hour, nil)
	s.AddIssuer("320000", bundle.Label{ZH: "江苏省", EN: "Jiangsu"}, time.Hour, nil)
	s.AddKey("310000", sh.Public(), time.Time{}, time.Time{})
	s.AddKey("320000", js.Public(), time.Time{}, time.Time{})
	src, _ := s.Marshal()
	signed, _, err := s.Sign(root, 0, t0, time.Hour, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	kid := func(k ed25519.PrivateKey) []byte { id, _ := keys.KID(k.Public()); return id }
	tf, _ := keys.NewTrust(
		&keys.Key{KID: kid(sh), Alg: keys.EdDSA, Public: sh.Public(), Issuers: []string{"310000"}},
		&keys.Key{KID: kid(js), Alg: keys.EdDSA, Public: js.Public(), Issuers: []string{"320000"}})
	trust, _ := tf.Marshal()
	for kind, data := range map[string][]byte{"source": src, "bundle": signed, "trust file": trust} {
		for _, tc := range []struct {
			key  ed25519.PrivateKey
			iss  string
			want Code
		}{
			{sh, "310000", ""}, {sh, "31000", UnknownIssuer}, {sh, "shanghai", UnknownIssuer},
			{js, "310000", WrongIssuer}, {root, "310000", UnknownKey},
		} {
			err := CheckKey(data, tc.key.Public(), tc.iss)
			if code(err) != tc.want || (tc.want == "") != (err == nil) {
				t.Errorf("%s, -iss %s: %v, want %q", kind, tc.iss, err, tc.want)
			}
		}
	}
	if err := CheckKey([]byte("HF1:ABC"), sh.Public(), "310000"); !errors.Is(err, NotTrust) {
		t.Errorf("a pass: %v, want not_trust", err)
	}
}

// TestEdit: an edit is written back; a failed edit leaves the file as it
// was.
func TestEdit(t *testing.T) {
	path := filepath.Join(t.TempDir(), "src.json")
	if err := New().Create(path); err != nil {
		t.Fatal(err)
	}
	add := func(s *Source) error {
		return s.AddIssuer("310000", bundle.Label{ZH: "上海市", EN: "Shanghai"}, 24*time.Hour, nil)
	}
	if err := Edit(path, add); err != nil {
		t.Fatal(err)
	}
	before, _ := os.ReadFile(path)
	if err := Edit(path, add); !errors.Is(err, IssuerExists) {
		t.Errorf("adding the issuer again: %v", err)
	}
	after, _ := os.ReadFile(path)
	if s, err := Read(path); err != nil || s.Issuer("310000") == nil || string(before) != string(after) {
		t.Errorf("after a failed edit: %v, file changed %v", err, string(before) != string(after))
	}
}
