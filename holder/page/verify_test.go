package page

import (
	"errors"
	"testing"
	"time"

	"github.com/hufu-project/hufu/pass"
	"github.com/hufu-project/hufu/verifier"
)

// verifyPresentation checks text with verifier.Verify at now: admitted if
// reason is "", else refused with reason.
func verifyPresentation(t *testing.T, text string, trust verifier.Trust, now time.Time, reason verifier.Reason) *verifier.Pass {
	t.Helper()
	p, err := verifier.Verify(text, trust, verifier.Options{Now: now})
	if reason == "" {
		if err != nil {
			t.Fatalf("verify at %v: %v", now, err)
		}
		if p.Presentation == nil || p.Decision().String() != "observe" {
			t.Fatalf("verify at %v: %+v", now, p)
		}
		return p
	}
	var e *verifier.Error
	if !errors.As(err, &e) || e.Reason != reason {
		t.Fatalf("verify at %v: %v, want %s", now, err, reason)
	}
	return nil
}

// mustInspect returns the claims of a pass, unverified.
func mustInspect(t *testing.T, text string) *pass.Pass {
	t.Helper()
	u, err := verifier.InspectUnverified(text)
	if err != nil || u.Pass == nil {
		t.Fatalf("%v %v", err, u)
	}
	return u.Pass
}
