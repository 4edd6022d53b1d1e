package verifier_test

import (
	"encoding/base64"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/hufu-project/hufu/internal/dgctest"
	"github.com/hufu-project/hufu/internal/hc1test"
	"github.com/hufu-project/hufu/keys"
	"github.com/hufu-project/hufu/testvectors"
	"github.com/hufu-project/hufu/verifier"
)

var knownReasons = map[verifier.Reason]bool{
	verifier.TooLarge: true, verifier.BadPrefix: true, verifier.BadBase45: true, verifier.BadCOSE: true,
	verifier.UnsupportedAlg: true, verifier.UnknownKey: true, verifier.BadSignature: true,
	verifier.BadPayload: true, verifier.IssuerNotAllowed: true, verifier.KeyNotValid: true,
	verifier.NotYetValid: true, verifier.Expired: true, verifier.BadCompression: true, verifier.KeyUsage: true,
	verifier.PresentationRequired: true, verifier.NotHolderBound: true, verifier.BadHolderSignature: true,
	verifier.PresentationStale: true, verifier.ChallengeMismatch: true,
}

// FuzzVerify: any text gives exactly one of a pass or an *Error with a known
// reason, never a panic; seeded with every test vector's text.
func FuzzVerify(f *testing.F) {
	vs, err := testvectors.All()
	if err != nil {
		f.Fatal(err)
	}
	var trust *keys.TrustFile
	for _, v := range vs {
		f.Add(v.Text)
		if v.Name == "valid_es256_full" {
			trust, err = keys.ParseTrust(v.Trust) // keys A (ES256) and B (EdDSA)
			if err != nil {
				f.Fatal(err)
			}
		}
	}
	if len(vs) == 0 || trust == nil {
		f.Fatal("no seeds")
	}
	opts := verifier.Options{Now: time.Date(2026, 6, 1, 8, 0, 0, 0, time.UTC)}
	f.Fuzz(func(t *testing.T, text string) {
		p, err := verifier.Verify(text, trust, opts)
		if (p == nil) == (err == nil) {
			t.Fatalf("pass %v, error %v", p, err)
		}
		if err != nil {
			var e *verifier.Error
			if !errors.As(err, &e) || !knownReasons[e.Reason] {
				t.Fatalf("error %v", err)
			}
			return
		}
		if p.Key == nil || !p.Colour.Valid() || !p.ExpiresAt.After(p.IssuedAt) {
			t.Fatalf("accepted %+v", p)
		}
		u, err := verifier.InspectUnverified(text)
		if err != nil || u.Pass == nil || u.Pass.ID.String() != p.ID.String() {
			t.Fatalf("verified, but InspectUnverified says %v", err)
		}
	})
}

// FuzzHC1: any text gives exactly one of a pass or an *Error with a known
// reason, never a panic, and InspectUnverified agrees with Verify on what
// decodes. Seeded with the PREFIX of every EU test vector (testdata/dgc) and with generated codes of every envelope
// variation; the trust holds the generated DSCs and the EU test
// certificates, so that seeds get past the signature.
func FuzzHC1(f *testing.F) {
	var trusted []*keys.Key
	var seeds []string
	for _, v := range loadDGC(f, dgctest.Dir(f)) {
		seeds = append(seeds, v.Prefix)
		if der, err := base64.StdEncoding.DecodeString(v.Ctx.Certificate); err == nil {
			if k, err := keys.ParseDSC(der); err == nil {
				trusted = append(trusted, k)
			}
		}
	}
	for _, alg := range []keys.Alg{keys.ES256, keys.PS256} {
		d, k := newDSC(f, signer(f, alg), dscFrom, dscTo, hc1test.OIDVaccination, hc1test.OIDTestAlt)
		trusted = append(trusted, k)
		for i, o := range []hc1test.Options{
			{}, {Tags: []uint64{}}, {Tags: []uint64{61, 18}}, {KIDIn: hc1test.KIDUnprotected}, {KIDIn: hc1test.KIDBoth},
		} {
			c := hc1test.Cert{Country: "AT", IssuedAt: june, Expires: dec, Type: []string{"v", "t", "r"}[i%3], Floats: i == 2}
			seeds = append(seeds, hc1test.Code(d, c, o))
		}
	}
	tr := mustTrust(f)
	for _, k := range trusted {
		tr.Add(k) // the EU data repeats certificates; Add refuses the copies
	}
	if len(seeds) == 0 {
		f.Fatal("no seeds")
	}
	for _, s := range seeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		p, err := verifier.Verify(text, tr, july)
		if (p == nil) == (err == nil) {
			t.Fatalf("pass %v, error %v", p, err)
		}
		u, uerr := verifier.InspectUnverified(text)
		if err != nil {
			var e *verifier.Error
			if !errors.As(err, &e) || !knownReasons[e.Reason] {
				t.Fatalf("error %v", err)
			}
			// Where InspectUnverified fails, Verify failed for the same
			// reason before looking at any key.
			if uerr != nil && reasonOf(uerr) != e.Reason {
				t.Fatalf("Verify: %v; InspectUnverified: %v", err, uerr)
			}
			return
		}
		if uerr != nil || u.Claim != nil {
			t.Fatalf("verified, but InspectUnverified says %v, %v", uerr, u.Claim)
		}
		if p.Format == verifier.FormatHF1 {
			return
		}
		h := p.HC1
		entries := 0
		for _, set := range []bool{h.Vaccination != nil, h.Test != nil, h.Recovery != nil} {
			if set {
				entries++
			}
		}
		if p.Format != verifier.FormatHC1 || p.Key == nil || p.Key.DSC == nil || entries != 1 || !strings.Contains("vtr", h.Type) ||
			len(h.Type) != 1 || !p.ExpiresAt.After(p.IssuedAt) || p.Colour != 0 || u.HC1 == nil || u.HC1.ID != h.ID || u.HC1.Type != h.Type {
			t.Fatalf("accepted %+v %+v", p, h)
		}
	})
}
