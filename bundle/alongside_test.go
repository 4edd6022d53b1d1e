package bundle

import (
	"errors"
	"testing"
	"time"

	"github.com/hufu-project/hufu/keys"
	"github.com/hufu-project/hufu/verifier"
)

// TestAlongside: a key from the other trust (an EU DSC, in the CLI) is
// checked by that trust, and nothing is decided with an expired bundle or
// a clock behind it, whichever trust the key came from (issue 11 item 6).
func TestAlongside(t *testing.T) {
	b := mustOpen(t, mustSign(t, contents(), root)) // issued t0, next update +24h, expires +72h
	other := edKey("eu dsc")
	kid, _ := keys.KID(other.Public())
	tf, err := keys.NewTrust(&keys.Key{KID: kid, Alg: keys.EdDSA, Public: other.Public(), Issuers: []string{"310000"}})
	if err != nil {
		t.Fatal(err)
	}
	trust := Alongside(b, tf)
	for _, tc := range []struct {
		name    string
		now     time.Time
		reason  verifier.Reason // "" for valid
		warning string
	}{
		{"in the bundle's time", t0.Add(2 * time.Hour), "", ""},
		{"stale bundle", t0.Add(25 * time.Hour), "", WarningStale},
		{"expired bundle", t0.Add(72 * time.Hour), verifier.TrustExpired, ""},
		{"clock behind the bundle", t0.Add(-time.Hour), verifier.ClockBehind, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			iat := tc.now.Add(-time.Minute)
			bundleIAT := iat
			if bundleIAT.Before(t0) {
				bundleIAT = t0 // the bundle's Shanghai key signs from t0
			}
			for _, signer := range []struct {
				name string
				text string
			}{
				{"bundle key", signPass(t, shKey2, testPass("a", bundleIAT))},
				{"other trust's key", signPass(t, other, testPass("b", iat))},
			} {
				p, err := verifier.Verify(signer.text, trust, verifier.Options{Now: tc.now})
				if tc.reason == "" {
					if err != nil {
						t.Fatalf("%s: %v", signer.name, err)
					}
					if tc.warning != "" && (len(p.Warnings) != 1 || p.Warnings[0] != tc.warning) {
						t.Errorf("%s: warnings %q, want %q", signer.name, p.Warnings, tc.warning)
					}
					continue
				}
				var ve *verifier.Error
				if !errors.As(err, &ve) || ve.Reason != tc.reason {
					t.Errorf("%s: %v, want %s", signer.name, err, tc.reason)
				}
			}
		})
	}
}
