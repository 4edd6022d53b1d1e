package issuer_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hufu-project/hufu/issuer"
	"github.com/hufu-project/hufu/keys"
	"github.com/hufu-project/hufu/pass"
	"github.com/hufu-project/hufu/verifier"
)

// goodRequest is a request Prepare accepts; tests change one field.
func goodRequest(t *testing.T) issuer.Request {
	holder, err := keys.Generate(keys.ES256)
	if err != nil {
		t.Fatal(err)
	}
	return issuer.Request{
		Issuer: "310000", MaxValidity: 48 * time.Hour,
		Name: "张三", Colour: "Yellow", Reason: "close_contact", Hints: []string{"test_suggested"},
		Photo: []byte("photo"), PhotoID: "P1", Validity: 24 * time.Hour,
		IssuedAt:  time.Date(2026, 6, 1, 8, 0, 0, 0, time.UTC),
		HolderKey: holder.Public(),
	}
}

func TestPrepare(t *testing.T) {
	priv, _ := keys.Generate(keys.ES256)
	r := goodRequest(t)
	is, c, err := issuer.Prepare(priv, &r)
	if err != nil {
		t.Fatal(err)
	}
	if c.Colour != pass.Yellow || c.Reason != pass.CloseContact || c.Hints != pass.TestSuggested || c.Name != r.Name ||
		c.Validity != r.Validity || !c.IssuedAt.Equal(r.IssuedAt) || string(c.Photo) != "photo" || c.PhotoID != "P1" || c.HolderKey != r.HolderKey {
		t.Errorf("claims %+v do not say what the request does", c)
	}
	text, err := is.Issue(c)
	if err != nil {
		t.Fatal(err)
	}
	u, err := verifier.InspectUnverified(text)
	if err != nil {
		t.Fatal(err)
	}
	if u.Pass.Issuer != "310000" || !u.Pass.IssuedAt.Equal(r.IssuedAt) || u.Pass.HolderKey == nil || u.Pass.PhotoID != "P1" {
		t.Errorf("pass %+v", u.Pass)
	}
}

// TestPrepareRefuses: each broken rule gives its Code, as an *Error, and
// a hint where the operator has something to do.
func TestPrepareRefuses(t *testing.T) {
	priv, _ := keys.Generate(keys.EdDSA)
	p384, _ := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	ed, _ := keys.Generate(keys.EdDSA)
	for _, tc := range []struct {
		name   string
		change func(*issuer.Request)
		key    bool // use a P-384 signing key
		code   issuer.Code
		hint   string // a phrase of the hint, or "" for none
	}{
		{"unknown colour", func(r *issuer.Request) { r.Colour = "blue" }, false, issuer.BadStatus, ""},
		{"unknown reason", func(r *issuer.Request) { r.Reason = "nope" }, false, issuer.BadStatus, "hufu help issue"},
		{"unknown hint", func(r *issuer.Request) { r.Hints = []string{"nope"} }, false, issuer.BadStatus, "hufu help issue"},
		{"reason on green", func(r *issuer.Request) { r.Colour = "green" }, false, issuer.BadStatus, "drop -reason"},
		{"bad issuer ID", func(r *issuer.Request) { r.Issuer = "31 00" }, false, issuer.BadIssuerID, "310000"},
		{"empty issuer ID", func(r *issuer.Request) { r.Issuer = "" }, false, issuer.BadIssuerID, "310000"},
		{"no maximum", func(r *issuer.Request) { r.MaxValidity = 0 }, false, issuer.BadValidity, ""},
		{"zero validity", func(r *issuer.Request) { r.Validity = 0 }, false, issuer.BadValidity, ""},
		{"validity over the maximum", func(r *issuer.Request) { r.Validity = 49 * time.Hour }, false, issuer.BadValidity, "raise -max-ttl"},
		{"invisible name", func(r *issuer.Request) { r.Name = "张\u200b三" }, false, issuer.BadName, ""},
		{"empty name", func(r *issuer.Request) { r.Name = "" }, false, issuer.BadName, ""},
		{"Ed25519 holder key", func(r *issuer.Request) { r.HolderKey = ed.Public() }, false, issuer.BadHolderKey, "hufu keygen -alg ES256"},
		{"P-384 holder key", func(r *issuer.Request) { r.HolderKey = &p384.PublicKey }, false, issuer.BadHolderKey, "hufu keygen -alg ES256"},
		{"photo ID without photo", func(r *issuer.Request) { r.Photo = nil }, false, issuer.BadClaims, ""},
		{"long photo ID", func(r *issuer.Request) { r.PhotoID = "ABCDEFGHIJKLM" }, false, issuer.BadClaims, ""},
		{"P-384 signing key", func(r *issuer.Request) {}, true, issuer.BadKey, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := goodRequest(t)
			tc.change(&r)
			key := priv
			if tc.key {
				key = p384
			}
			is, _, err := issuer.Prepare(key, &r)
			var ie *issuer.Error
			if !errors.Is(err, tc.code) || !errors.As(err, &ie) || ie.Code != tc.code || is != nil {
				t.Fatalf("Prepare: %v, %v; want an *Error of code %s", is, err, tc.code)
			}
			if !strings.HasPrefix(err.Error(), "issuer: ") {
				t.Errorf("error %q lacks the layer prefix", err)
			}
			if tc.hint == "" && ie.Hint() != "" || !strings.Contains(ie.Hint(), tc.hint) {
				t.Errorf("hint %q, want one with %q", ie.Hint(), tc.hint)
			}
		})
	}
}

// TestIssueErrorsTyped: Issue reports bad claims with the same codes as
// Prepare.
func TestIssueErrorsTyped(t *testing.T) {
	priv, _ := keys.Generate(keys.EdDSA)
	is, err := issuer.New(priv, "310000", time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	ed, _ := keys.Generate(keys.EdDSA)
	for code, c := range map[issuer.Code]issuer.Claims{
		issuer.BadValidity:  {Name: "a", Colour: pass.Green, Validity: 2 * time.Hour},
		issuer.BadName:      {Name: "", Colour: pass.Green, Validity: time.Hour},
		issuer.BadHolderKey: {Name: "a", Colour: pass.Green, Validity: time.Hour, HolderKey: ed.Public()},
		issuer.BadClaims:    {Name: "a", Colour: pass.Green, Validity: time.Hour, PhotoID: "X1"},
	} {
		if _, err := is.Issue(c); !errors.Is(err, code) {
			t.Errorf("%s: Issue: %v", code, err)
		}
	}
}

func TestReadKeyFile(t *testing.T) {
	dir := t.TempDir()
	priv, _ := keys.Generate(keys.EdDSA)
	issuerKey, rootKey := filepath.Join(dir, "issuer.key"), filepath.Join(dir, "root.key")
	if err := keys.WriteKeyPair(issuerKey, priv, false); err != nil {
		t.Fatal(err)
	}
	if err := keys.WriteKeyPair(rootKey, priv, true); err != nil {
		t.Fatal(err)
	}
	got, err := issuer.ReadKeyFile(issuerKey)
	if err != nil || !keys.Equal(got.Public(), priv.Public()) {
		t.Fatalf("ReadKeyFile(issuer key): %v", err)
	}
	got, err = issuer.ReadKeyFile(rootKey)
	var ie *issuer.Error
	if !errors.Is(err, issuer.RootKey) || !errors.As(err, &ie) || got != nil || !strings.Contains(err.Error(), rootKey) ||
		!strings.Contains(ie.Hint(), "hufu keygen") {
		t.Errorf("ReadKeyFile(root key): %v, %v", got, err)
	}
	if err := os.Chmod(issuerKey, 0o644); err != nil {
		t.Fatal(err)
	}
	got, err = issuer.ReadKeyFile(issuerKey)
	if !errors.Is(err, keys.ErrReadableByOthers) || got == nil {
		t.Errorf("ReadKeyFile(readable key): %v, %v; want the key and ErrReadableByOthers", got, err)
	}
	if got, err = issuer.ReadKeyFile(filepath.Join(dir, "missing")); err == nil || got != nil {
		t.Errorf("ReadKeyFile(missing): %v, %v", got, err)
	}
}

// TestPrepareOrder: a request that breaks several rules gets the Code of
// the first in the order Prepare's doc gives.
func TestPrepareOrder(t *testing.T) {
	priv, _ := keys.Generate(keys.EdDSA)
	ed, _ := keys.Generate(keys.EdDSA)
	for _, tc := range []struct {
		name   string
		change func(*issuer.Request)
		code   issuer.Code
	}{
		{"colour, then the rest", func(r *issuer.Request) { r.Colour, r.MaxValidity, r.Issuer = "blue", 0, "31 00" }, issuer.BadStatus},
		{"maximum validity before issuer ID", func(r *issuer.Request) { r.MaxValidity, r.Issuer = 0, "31 00" }, issuer.BadValidity},
		{"issuer ID before the claims", func(r *issuer.Request) { r.Issuer, r.Validity = "31 00", 0 }, issuer.BadIssuerID},
		{"validity before the holder key", func(r *issuer.Request) { r.Validity, r.HolderKey = 0, ed.Public() }, issuer.BadValidity},
		{"holder key before the name", func(r *issuer.Request) { r.HolderKey, r.Name = ed.Public(), "" }, issuer.BadHolderKey},
		{"name before the photo ID", func(r *issuer.Request) { r.Name, r.Photo = "", nil }, issuer.BadName},
	} {
		r := goodRequest(t)
		tc.change(&r)
		if _, _, err := issuer.Prepare(priv, &r); !errors.Is(err, tc.code) {
			t.Errorf("%s: %v, want %s", tc.name, err, tc.code)
		}
	}
}
