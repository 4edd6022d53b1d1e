package verifier_test

import (
	"errors"
	"testing"
	"time"

	"github.com/hufu-project/hufu/keys"
	"github.com/hufu-project/hufu/testvectors"
	"github.com/hufu-project/hufu/verifier"
)

var knownReasons = map[verifier.Reason]bool{
	verifier.TooLarge: true, verifier.BadPrefix: true, verifier.BadBase45: true, verifier.BadCOSE: true,
	verifier.UnsupportedAlg: true, verifier.UnknownKey: true, verifier.BadSignature: true,
	verifier.BadPayload: true, verifier.IssuerNotAllowed: true, verifier.KeyNotValid: true,
	verifier.NotYetValid: true, verifier.Expired: true, verifier.BadCompression: true, verifier.KeyUsage: true,
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
