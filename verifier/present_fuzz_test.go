package verifier_test

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/hufu-project/hufu/holder"
	"github.com/hufu-project/hufu/internal/base45"
	"github.com/hufu-project/hufu/internal/cose"
	"github.com/hufu-project/hufu/keys"
	"github.com/hufu-project/hufu/testvectors"
	"github.com/hufu-project/hufu/verifier"
)

// FuzzPresentation: any "HF1P:" text gives exactly one of a pass or an
// *Error with a known reason, never a panic. Presentation claims that
// decode re-encode to the same bytes; an accepted presentation reports the
// digest of its claims and a time inside the window, its pass is
// holder-bound, and InspectUnverified reads the same pass and time. Seeded
// with every presentation vector (present_*).
func FuzzPresentation(f *testing.F) {
	vs, err := testvectors.All()
	if err != nil {
		f.Fatal(err)
	}
	var trust *keys.TrustFile
	seeds := 0
	for _, v := range vs {
		if !strings.HasPrefix(v.Name, "present_") {
			continue
		}
		f.Add(v.Text)
		seeds++
		if v.Name == "present_valid" {
			if trust, err = keys.ParseTrust(v.Trust); err != nil {
				f.Fatal(err)
			}
		}
	}
	if seeds == 0 || trust == nil {
		f.Fatal("no presentation seeds")
	}
	now := time.Date(2026, 6, 1, 8, 0, 0, 0, time.UTC)
	opts := verifier.Options{Now: now}
	f.Fuzz(func(t *testing.T, text string) {
		if raw, err := base45.DecodeString(strings.TrimPrefix(text, holder.Prefix)); err == nil {
			if msg, err := cose.ParsePresentation(raw); err == nil {
				if c, err := holder.ParseClaims(msg.Payload); err == nil {
					again, err := c.Append(nil)
					if err != nil || !bytes.Equal(again, msg.Payload) {
						t.Fatalf("claims %x re-encode to %x (%v)", msg.Payload, again, err)
					}
				}
			}
		}
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
		if p.Presentation == nil {
			if p.HolderKey != nil {
				t.Fatalf("a bare holder-bound pass accepted")
			}
			return
		}
		if p.HolderKey == nil || p.Presentation.Time.Sub(now).Abs() > verifier.DefaultPresentationWindow {
			t.Fatalf("accepted %+v, presentation %+v", p, p.Presentation)
		}
		u, err := verifier.InspectUnverified(text)
		if err != nil || u.Presentation == nil || u.Pass == nil || u.Pass.ID.String() != p.ID.String() || !u.Presentation.Time.Equal(p.Presentation.Time) {
			t.Fatalf("verified, but InspectUnverified says %+v, %v", u, err)
		}
		raw, _ := base45.DecodeString(text[len(holder.Prefix):])
		msg, _ := cose.ParsePresentation(raw)
		if p.Presentation.Digest != sha256.Sum256(msg.Payload) {
			t.Fatal("digest is not SHA-256 of the claims")
		}
	})
}
