package holder_test

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/hufu-project/hufu/holder"
	"github.com/hufu-project/hufu/internal/base45"
	"github.com/hufu-project/hufu/internal/cose"
	"github.com/hufu-project/hufu/issuer"
	"github.com/hufu-project/hufu/keys"
	"github.com/hufu-project/hufu/pass"
	"github.com/hufu-project/hufu/verifier"
)

var at = time.Date(2026, 6, 1, 8, 0, 0, 0, time.UTC)

// setup returns an issuer's trust, a pass bound to a new holder key, and
// that key.
func setup(t testing.TB) (*keys.TrustFile, string, *ecdsa.PrivateKey) {
	t.Helper()
	ik, err := keys.Generate(keys.ES256)
	if err != nil {
		t.Fatal(err)
	}
	kid, _ := keys.KID(ik.Public())
	trust, err := keys.NewTrust(&keys.Key{KID: kid, Alg: keys.ES256, Public: ik.Public(), Issuers: []string{"310000"}})
	if err != nil {
		t.Fatal(err)
	}
	hk, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	is, err := issuer.New(ik, "310000", 24*time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	text, err := is.Issue(issuer.Claims{Name: "张三", Colour: pass.Green, Validity: 24 * time.Hour, IssuedAt: at.Add(-time.Hour), HolderKey: &hk.PublicKey})
	if err != nil {
		t.Fatal(err)
	}
	return trust, text, hk
}

func reason(err error) verifier.Reason {
	var e *verifier.Error
	if errors.As(err, &e) {
		return e.Reason
	}
	return ""
}

func TestPresentRoundTrip(t *testing.T) {
	trust, text, hk := setup(t)
	if _, err := verifier.Verify(text, trust, verifier.Options{Now: at}); reason(err) != verifier.PresentationRequired {
		t.Fatalf("bare holder-bound pass: %v, want presentation_required", err)
	}
	challenge := []byte("gate 1 / 0042")
	for _, c := range [][]byte{nil, challenge} {
		pt, err := holder.Present(text, hk, at.Add(1500*time.Millisecond), c)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(pt, holder.Prefix) {
			t.Fatalf("presentation %q", pt)
		}
		p, err := verifier.Verify(pt, trust, verifier.Options{Now: at, Challenge: c})
		if err != nil {
			t.Fatal(err)
		}
		if p.Presentation == nil || !p.Presentation.Time.Equal(at.Add(time.Second)) || !bytes.Equal(p.Presentation.Challenge, c) {
			t.Fatalf("presentation %+v", p.Presentation)
		}
		if !p.NameMatches("张三") || p.Colour != pass.Green {
			t.Fatalf("pass %+v", p)
		}
		// Signed at at+1s: stale 31 s later, still fine 30 s later, and a
		// window of 10 s.
		if _, err := verifier.Verify(pt, trust, verifier.Options{Now: at.Add(32 * time.Second), Challenge: c}); reason(err) != verifier.PresentationStale {
			t.Fatalf("31 s after signing: %v", err)
		}
		if _, err := verifier.Verify(pt, trust, verifier.Options{Now: at.Add(31 * time.Second), Challenge: c, PresentationWindow: 30 * time.Second}); err != nil {
			t.Fatalf("30 s after signing: %v", err)
		}
		if _, err := verifier.Verify(pt, trust, verifier.Options{Now: at.Add(12 * time.Second), Challenge: c, PresentationWindow: 10 * time.Second}); reason(err) != verifier.PresentationStale {
			t.Fatalf("window 10 s, 11 s later: %v", err)
		}
		if _, err := verifier.Verify(pt, trust, verifier.Options{Now: at.Add(time.Second), Challenge: []byte("other")}); reason(err) != verifier.ChallengeMismatch {
			t.Fatalf("other challenge: %v", err)
		}
	}
	// Two presentations a second apart differ; the same second twice has
	// the same digest although ECDSA signatures are randomised.
	d := func(at time.Time) [32]byte {
		pt, err := holder.Present(text, hk, at, nil)
		if err != nil {
			t.Fatal(err)
		}
		p, err := verifier.Verify(pt, trust, verifier.Options{Now: at})
		if err != nil {
			t.Fatal(err)
		}
		return p.Presentation.Digest
	}
	if d(at) != d(at) || d(at) == d(at.Add(time.Second)) {
		t.Error("digest does not identify the presentation")
	}
}

func TestPresentRefuses(t *testing.T) {
	_, text, hk := setup(t)
	other, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	p384, _ := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	_, ed, _ := ed25519.GenerateKey(rand.Reader)
	ik, _ := keys.Generate(keys.EdDSA)
	is, _ := issuer.New(ik, "310000", time.Hour)
	unbound, _ := is.Issue(issuer.Claims{Name: "张三", Colour: pass.Green, Validity: time.Hour})
	for name, f := range map[string]func() (string, error){
		"another holder's key": func() (string, error) { return holder.Present(text, other, at, nil) },
		"a P-384 key":          func() (string, error) { return holder.Present(text, p384, at, nil) },
		"an Ed25519 key":       func() (string, error) { return holder.Present(text, ed, at, nil) },
		"an unbound pass":      func() (string, error) { return holder.Present(unbound, hk, at, nil) },
		"a presentation": func() (string, error) {
			pt, _ := holder.Present(text, hk, at, nil)
			return holder.Present(pt, hk, at, nil)
		},
		"a long challenge":   func() (string, error) { return holder.Present(text, hk, at, make([]byte, 17)) },
		"an empty challenge": func() (string, error) { return holder.Present(text, hk, at, []byte{}) },
		"time zero":          func() (string, error) { return holder.Present(text, hk, time.Unix(0, 0), nil) },
		"garbage":            func() (string, error) { return holder.Present("HF1:%%%", hk, at, nil) },
	} {
		if pt, err := f(); err == nil || pt != "" {
			t.Errorf("%s: presented (%q, %v)", name, pt, err)
		}
	}
	for name, hk := range map[string]any{"P-384": &p384.PublicKey, "Ed25519": ed.Public(), "private": hk} {
		if _, err := is.Issue(issuer.Claims{Name: "张三", Colour: pass.Green, Validity: time.Hour, HolderKey: hk}); err == nil {
			t.Errorf("issued a pass bound to a %s key", name)
		}
	}
}

// The claims decoder takes exactly what Append writes.
func TestClaimsRoundTrip(t *testing.T) {
	_, text, hk := setup(t)
	pt, err := holder.Present(text, hk, at, []byte{1, 2, 3})
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := base45.DecodeString(pt[len(holder.Prefix):])
	msg, err := cose.ParsePresentation(raw)
	if err != nil {
		t.Fatal(err)
	}
	c, err := holder.ParseClaims(msg.Payload)
	if err != nil {
		t.Fatal(err)
	}
	again, err := c.Append(nil)
	if err != nil || !bytes.Equal(again, msg.Payload) {
		t.Fatalf("re-encoded %x, %v; want %x", again, err, msg.Payload)
	}
	passRaw, _ := base45.DecodeString(text[len("HF1:"):])
	if !bytes.Equal(c.Pass, passRaw) || !c.Time.Equal(at) || !bytes.Equal(c.Challenge, []byte{1, 2, 3}) {
		t.Fatalf("claims %+v", c)
	}
}

func TestParseChallenge(t *testing.T) {
	for s, want := range map[string][]byte{
		"00":                               {0},
		"0a0B0c":                           {10, 11, 12},
		"00112233445566778899aabbccddeeff": {0, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff},
	} {
		if got, err := holder.ParseChallenge(s); err != nil || !bytes.Equal(got, want) {
			t.Errorf("ParseChallenge(%q) = %x, %v; want %x", s, got, err, want)
		}
	}
	if got, err := holder.ParseChallenge(""); got != nil || err != nil {
		t.Errorf("ParseChallenge(\"\") = %x, %v; want no challenge", got, err)
	}
	for _, s := range []string{"0", "zz", "0x00", " 00", "00112233445566778899aabbccddeeff00"} {
		if got, err := holder.ParseChallenge(s); !errors.Is(err, holder.ErrChallenge) || got != nil {
			t.Errorf("ParseChallenge(%q) = %x, %v; want ErrChallenge", s, got, err)
		}
	}
}
