package registry_test

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hufu-project/hufu/bundle"
	"github.com/hufu-project/hufu/holder"
	"github.com/hufu-project/hufu/internal/hc1test"
	"github.com/hufu-project/hufu/internal/verdictschema"
	"github.com/hufu-project/hufu/issuer"
	"github.com/hufu-project/hufu/keys"
	"github.com/hufu-project/hufu/pass"
	"github.com/hufu-project/hufu/registry"
	"github.com/hufu-project/hufu/registry/registrytest"
	"github.com/hufu-project/hufu/verdict"
	"github.com/hufu-project/hufu/verifier"
)

// guardReason publishes a bundle now and returns the reason a guard with
// it gives for text at now ("" for a valid code): what Check must agree
// with.
func guardReason(t *testing.T, fx *fixture, text string, now time.Time) verifier.Reason {
	t.Helper()
	dir := t.TempDir()
	if _, err := fx.s.Publish(context.Background(), registry.PublishOptions{Root: fx.root, Dir: dir}); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(filepath.Join(dir, "bundle.hfb"))
	if err != nil {
		t.Fatal(err)
	}
	b, err := bundle.Open(data, []crypto.PublicKey{fx.root.Public()})
	if err != nil {
		t.Fatal(err)
	}
	_, err = verifier.Verify(text, b, verifier.Options{Now: now})
	var ve *verifier.Error
	if errors.As(err, &ve) {
		return ve.Reason
	}
	if err != nil {
		t.Fatal(err)
	}
	return ""
}

// check runs Check and validates the verdict's JSON against the schema.
func check(t *testing.T, fx *fixture, text string, ck verdict.Checks) (*verdict.Verdict, *registry.PassRecord) {
	t.Helper()
	v, rec, err := fx.s.Check(context.Background(), text, registry.CheckOptions{Checks: ck})
	if err != nil {
		t.Fatalf("Check: %v", err)
	}
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	if err := verdictschema.Validate(b); err != nil {
		t.Fatalf("verdict %s: %v", b, err)
	}
	if v.Trust != "registry 310000 (live)" || !v.CheckedAt.Equal(fx.clk.Now()) {
		t.Errorf("trust %q checked at %v", v.Trust, v.CheckedAt)
	}
	return v, rec
}

func TestCheck(t *testing.T) {
	eachBackend(t, func(t *testing.T, fx *fixture) {
		ctx := context.Background()
		id, _, err := fx.s.Register(ctx, registrar, registry.NewHolder{Name: "张三", IDNumber: "1"})
		if err != nil {
			t.Fatal(err)
		}
		green, _, err := fx.s.Pass(ctx, id)
		if err != nil {
			t.Fatal(err)
		}

		// A valid pass admits, with its record; the name checks as a guard's.
		v, rec := check(t, fx, green.Text, verdict.Checks{})
		if v.Decision != verdict.Admit || v.PassID != green.ID || v.IssuerName != "310000 · 310000" || len(v.Warnings) != 0 {
			t.Errorf("green pass: %+v", v)
		}
		if rec == nil || rec.ID != green.ID || rec.HolderID != id || !rec.RevokedAt.IsZero() {
			t.Errorf("green pass record %+v", rec)
		}
		if v, _ := check(t, fx, green.Text, verdict.Checks{Name: " 张 三 "}); v.Decision != verdict.Admit || v.NameMatch == nil || !*v.NameMatch {
			t.Errorf("matching name: %s, name_match %v", v.Decision, v.NameMatch)
		}
		if v, rec := check(t, fx, green.Text, verdict.Checks{Name: "李四"}); v.Decision != verdict.Deny || v.NameMatch == nil || *v.NameMatch || rec == nil {
			t.Errorf("other name: %s, name_match %v, record %v", v.Decision, v.NameMatch, rec)
		}
		if _, _, err := fx.s.Check(ctx, green.Text, registry.CheckOptions{Checks: verdict.Checks{Name: "a\x00b"}}); code(err) != registry.InvalidName {
			t.Errorf("name with a NUL: %v, want invalid_name", err)
		}
		if _, _, err := fx.s.Check(ctx, "", registry.CheckOptions{}); code(err) != registry.InvalidField {
			t.Errorf("no code: %v, want invalid_field", err)
		}

		// Forged, garbled and foreign codes: the verifier's reason, never
		// expired, even long after; no record.
		forged := green.Text[:len(green.Text)-4] + "0000"
		if forged == green.Text {
			forged = green.Text[:len(green.Text)-4] + "1111"
		}
		other, _ := keys.Generate(keys.ES256)
		otherIss, _ := issuer.New(other, "320000", 24*time.Hour)
		foreign, _, err := otherIss.IssuePass(issuer.Claims{Name: "Jiang Su", Colour: pass.Green, IssuedAt: fx.clk.Now(), Validity: 24 * time.Hour})
		if err != nil {
			t.Fatal(err)
		}
		dsc, _ := hc1test.NewDSC(mustP256(t), time.Time{}, time.Time{})
		hc1 := hc1test.Code(dsc, hc1test.Cert{Type: "v", Country: "AT", IssuedAt: fx.clk.Now().Add(-time.Hour), Expires: fx.clk.Now().Add(time.Hour)}, hc1test.Options{})
		garbled := []struct {
			name, text string
			reason     verifier.Reason
		}{
			{"forged signature", forged, verifier.BadSignature},
			{"bad base45", "HF1:!!!!", verifier.BadBase45},
			{"not a code", "hello", verifier.BadPrefix},
			{"lower-case prefix", "hf1:" + green.Text[4:], verifier.BadPrefix},
			{"too long", "HF1:" + strings.Repeat("0", verifier.MaxText), verifier.TooLarge},
			{"an issuer the registry does not list", foreign, verifier.UnknownKey},
			{"an EU DCC, with no DSCs", hc1, verifier.UnknownKey},
		}
		for _, tc := range garbled {
			for _, later := range []time.Duration{0, 100 * 24 * time.Hour} {
				v, rec, err := fx.s.Check(ctx, tc.text, registry.CheckOptions{Now: fx.clk.Now().Add(later)})
				if err != nil || v.Decision != verdict.Invalid || v.Reason != string(tc.reason) || rec != nil {
					t.Errorf("%s, %v later: %+v, record %v, %v; want invalid %s", tc.name, later, v, rec, err, tc.reason)
				}
			}
			if g := guardReason(t, fx, tc.text, fx.clk.Now()); g != tc.reason {
				t.Errorf("%s: a guard says %s, want %s", tc.name, g, tc.reason)
			}
		}

		// A listed issuer the registry does not issue for: valid, with
		// the warning that its revocations are not known here.
		err = fx.s.AddIssuer(ctx, bundle.Issuer{ID: "320000", Name: bundle.Label{ZH: "江苏省", EN: "Jiangsu"},
			Keys: []bundle.IssuerKey{{Public: other.Public()}}, MaxLifetime: 48 * time.Hour, Colours: []pass.Colour{pass.Green}})
		if err != nil {
			t.Fatal(err)
		}
		if v, rec := check(t, fx, foreign, verdict.Checks{}); v.Decision != verdict.Admit || v.IssuerName != "江苏省 · Jiangsu" ||
			!slices.Equal(v.Warnings, []string{registry.WarningRevocationsUnknown}) || rec != nil {
			t.Errorf("listed foreign pass: %+v, record %v", v, rec)
		}
		// Its limits apply as in a bundle: a red pass breaks them.
		redForeign, _, _ := otherIss.IssuePass(issuer.Claims{Name: "Jiang Su", Colour: pass.Red, Reason: pass.Confirmed, IssuedAt: fx.clk.Now(), Validity: 24 * time.Hour})
		if v, _ := check(t, fx, redForeign, verdict.Checks{}); v.Reason != string(verifier.PolicyViolation) || guardReason(t, fx, redForeign, fx.clk.Now()) != verifier.PolicyViolation {
			t.Errorf("red pass of an issuer allowed only green: %+v", v)
		}

		// Red revokes the green pass: revoked_pass, as a guard with a
		// fresh bundle says; the record says when.
		if _, err := fx.s.SetStatus(ctx, health, registry.StatusChange{EventID: "e1", HolderID: id, Status: registry.Status{Colour: pass.Red, Reason: pass.Confirmed}}); err != nil {
			t.Fatal(err)
		}
		v, rec = check(t, fx, green.Text, verdict.Checks{Name: "张三"})
		if v.Decision != verdict.Invalid || v.Reason != string(verifier.RevokedPass) || v.PassID != "" || rec == nil || rec.ID != green.ID || !rec.RevokedAt.Equal(fx.clk.Now()) {
			t.Errorf("revoked pass: %+v, record %+v", v, rec)
		}
		if g := guardReason(t, fx, green.Text, fx.clk.Now()); g != verifier.RevokedPass {
			t.Errorf("a guard says %q of the revoked pass", g)
		}
		red, _, err := fx.s.Pass(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if v, rec := check(t, fx, red.Text, verdict.Checks{}); v.Decision != verdict.Deny || v.StatusReason != "confirmed" || rec == nil || rec.ID != red.ID {
			t.Errorf("red pass: %+v, record %v", v, rec)
		}

		// Re-issue near expiry supersedes the red pass: still valid (SPEC
		// §15.2 rule 4), with a warning; a guard admits it too.
		fx.clk.Add(19 * time.Hour)
		red2, fresh, err := fx.s.Pass(ctx, id)
		if err != nil || !fresh {
			t.Fatalf("re-issue: fresh %v, %v", fresh, err)
		}
		v, rec = check(t, fx, red.Text, verdict.Checks{})
		if v.Decision != verdict.Deny || !slices.Equal(v.Warnings, []string{registry.WarningSuperseded}) || rec == nil || rec.SupersededAt.IsZero() || !rec.RevokedAt.IsZero() {
			t.Errorf("superseded pass: %+v, record %+v", v, rec)
		}
		if g := guardReason(t, fx, red.Text, fx.clk.Now()); g != "" {
			t.Errorf("a guard says %q of the superseded pass", g)
		}
		if v, _ := check(t, fx, red2.Text, verdict.Checks{}); v.Decision != verdict.Deny || len(v.Warnings) != 0 {
			t.Errorf("the new pass: %+v", v)
		}

		// Once expired: expired, as a guard says (the revocation has
		// dropped out of the bundle), with the record still given.
		fx.clk.Add(6 * time.Hour)
		v, rec = check(t, fx, green.Text, verdict.Checks{})
		if v.Reason != string(verifier.Expired) || rec == nil || rec.ID != green.ID {
			t.Errorf("expired revoked pass: %+v, record %v", v, rec)
		}
		if g := guardReason(t, fx, green.Text, fx.clk.Now()); g != verifier.Expired {
			t.Errorf("a guard says %q of the expired revoked pass", g)
		}
	})
}

// TestCheckPresentation: a holder-bound pass shown bare is
// presentation_required, with its record; its live code admits.
func TestCheckPresentation(t *testing.T) {
	eachBackend(t, func(t *testing.T, fx *fixture) {
		ctx := context.Background()
		id, _, err := fx.s.Register(ctx, registrar, registry.NewHolder{Name: "张三", IDNumber: "1"})
		if err != nil {
			t.Fatal(err)
		}
		phone := mustP256(t)
		hk, err := pass.CompressHolderKey(&phone.PublicKey)
		if err != nil {
			t.Fatal(err)
		}
		bound, err := fx.s.Enrol(ctx, id, hk)
		if err != nil {
			t.Fatal(err)
		}
		v, rec := check(t, fx, bound.Text, verdict.Checks{})
		if v.Reason != string(verifier.PresentationRequired) || rec == nil || rec.ID != bound.ID {
			t.Errorf("bare bound pass: %+v, record %v", v, rec)
		}
		live, err := holder.Present(bound.Text, phone, fx.clk.Now(), nil)
		if err != nil {
			t.Fatal(err)
		}
		v, rec = check(t, fx, live, verdict.Checks{Name: "张三"})
		if v.Decision != verdict.Admit || v.PassID != bound.ID || rec == nil || rec.ID != bound.ID {
			t.Errorf("presentation: %+v, record %v", v, rec)
		}
		// An old screenshot of the live code is stale, as at a guard.
		fx.clk.Add(time.Minute)
		if v, _ := check(t, fx, live, verdict.Checks{}); v.Reason != string(verifier.PresentationStale) {
			t.Errorf("stale presentation: %+v", v)
		}
	})
}

// TestCheckNoIssuer: a registry that lists no issuer cannot check.
func TestCheckNoIssuer(t *testing.T) {
	for _, b := range registrytest.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			s, err := registry.New(context.Background(), registry.Config{Store: registrytest.Open(t, b.DSN(t))})
			if err != nil {
				t.Fatal(err)
			}
			if _, _, err := s.Check(context.Background(), "HF1:00", registry.CheckOptions{}); code(err) != registry.Unavailable {
				t.Errorf("no issuer: %v, want unavailable", err)
			}
		})
	}
}

func mustP256(t testing.TB) *ecdsa.PrivateKey {
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return k
}
