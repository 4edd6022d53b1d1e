package bundle

import (
	"crypto"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/hufu-project/hufu/pass"
	"github.com/hufu-project/hufu/verifier"
)

// TestCheck runs passes through verifier.Verify with a bundle as the trust:
// every rule of Check, and the verifier's own checks that use the bundle's
// keys (issuer binding, key windows).
func TestCheck(t *testing.T) {
	c := contents() // issued t0, next update t0+24h, expires t0+72h
	c.RevokedKeys = []crypto.PublicKey{edKey("stolen").Public()}
	c.Issuers = append(c.Issuers, Issuer{ID: "330000", Name: Label{"浙江省", "Zhejiang"}, MaxLifetime: time.Hour,
		Colours: []pass.Colour{pass.Green}, Keys: []IssuerKey{{Public: edKey("stolen").Public()}}})
	b := mustOpen(t, mustSign(t, c, root))

	at := t0.Add(2 * time.Hour)
	iat := t0.Add(time.Hour)
	green := testPass("green", iat)
	withPass := func(mod func(*pass.Pass)) pass.Pass {
		p := testPass("p", iat)
		mod(&p)
		return p
	}
	for _, tc := range []struct {
		name     string
		key      crypto.Signer
		p        pass.Pass
		now      time.Time
		skew     time.Duration // 0: default
		reason   verifier.Reason
		warnings []string
	}{
		{name: "valid", key: shKey2, p: green, now: at},
		{name: "revoked pass", key: shKey2, p: withPass(func(p *pass.Pass) { p.ID = passID("revoked") }), now: at, reason: verifier.RevokedPass},
		{name: "revoked by the first 8 bytes of a 16-byte ID", key: shKey2, p: withPass(func(p *pass.Pass) {
			p.ID = append(passID("revoked"), 1, 2, 3, 4, 5, 6, 7, 8)
			p.NameHash, _ = pass.NameHash(p.ID, "x")
		}), now: at, reason: verifier.RevokedPass},
		{name: "revoked by the pass's issuer only", key: jsKey, p: withPass(func(p *pass.Pass) { p.Issuer = "320000"; p.ID = passID("revoked") }), now: at},
		{name: "another issuer's revocation of the same ID", key: shKey2, p: withPass(func(p *pass.Pass) { p.ID = passID("jiangsu revoked") }), now: at},
		{name: "revoked by its own issuer", key: jsKey, p: withPass(func(p *pass.Pass) { p.Issuer = "320000"; p.ID = passID("jiangsu revoked") }), now: at, reason: verifier.RevokedPass},
		{name: "cross-issuer key on a pass its claimed issuer revokes", key: jsKey, p: withPass(func(p *pass.Pass) { p.ID = passID("revoked") }), now: at, reason: verifier.RevokedPass},
		{name: "cross-issuer key on a pass the key's issuer revokes", key: jsKey, p: withPass(func(p *pass.Pass) { p.ID = passID("jiangsu revoked") }), now: at, reason: verifier.IssuerNotAllowed},
		{name: "revoked key", key: edKey("stolen"), p: withPass(func(p *pass.Pass) { p.Issuer = "330000"; p.ExpiresAt = iat.Add(time.Hour) }), now: at, reason: verifier.RevokedKey},
		{name: "revoked key not listed", key: edKey("gone"), p: green, now: at, reason: verifier.UnknownKey},
		{name: "lifetime at the limit", key: jsKey, p: withPass(func(p *pass.Pass) { p.Issuer = "320000"; p.ExpiresAt = iat.Add(72 * time.Hour) }), now: at},
		{name: "lifetime one second over", key: jsKey, p: withPass(func(p *pass.Pass) { p.Issuer = "320000"; p.ExpiresAt = iat.Add(72*time.Hour + time.Second) }), now: at, reason: verifier.PolicyViolation},
		{name: "colour not allowed", key: jsKey, p: withPass(func(p *pass.Pass) { p.Issuer = "320000"; p.Colour = pass.Red }), now: at, reason: verifier.PolicyViolation},
		{name: "cross-issuer key", key: jsKey, p: green, now: at, reason: verifier.IssuerNotAllowed},
		{name: "cross-issuer key, breaking the other's limits", key: jsKey, p: withPass(func(p *pass.Pass) { p.ExpiresAt = iat.Add(100 * 24 * time.Hour) }), now: at, reason: verifier.IssuerNotAllowed},
		{name: "unknown issuer", key: shKey2, p: withPass(func(p *pass.Pass) { p.Issuer = "110000" }), now: at, reason: verifier.IssuerNotAllowed},
		{name: "key rotated out, signed while valid", key: shKey, p: testPass("old", t0.Add(-time.Hour)), now: at},
		{name: "key rotated out, signed after", key: shKey, p: testPass("late", t0.Add(time.Second)), now: at, reason: verifier.KeyNotValid},
		{name: "new key, signed before its window", key: shKey2, p: testPass("early", t0.Add(-time.Second)), now: at, reason: verifier.KeyNotValid},
		{name: "stale", key: shKey2, p: testPass("stale", t0.Add(24*time.Hour)), now: t0.Add(24 * time.Hour), warnings: []string{WarningStale}},
		{name: "just before next update", key: shKey2, p: green, now: t0.Add(24*time.Hour - time.Second)},
		{name: "expired bundle", key: shKey2, p: testPass("late pass", t0.Add(72*time.Hour-time.Minute)), now: t0.Add(72 * time.Hour), reason: verifier.TrustExpired},
		{name: "expired bundle, expired pass", key: shKey2, p: green, now: t0.Add(100 * time.Hour), reason: verifier.TrustExpired},
		{name: "expired bundle, revoked pass", key: shKey2, p: withPass(func(p *pass.Pass) { p.ID = passID("revoked") }), now: t0.Add(100 * time.Hour), reason: verifier.TrustExpired},
		{name: "clock before issued-at beyond the skew", key: shKey, p: testPass("early", t0.Add(-time.Hour)), now: t0.Add(-5*time.Minute - time.Second), reason: verifier.ClockBehind},
		{name: "clock before issued-at within the skew", key: shKey, p: testPass("early", t0.Add(-time.Hour)), now: t0.Add(-5 * time.Minute)},
		{name: "clock behind with no skew", key: shKey, p: testPass("early", t0.Add(-time.Hour)), now: t0.Add(-time.Second), skew: -1, reason: verifier.ClockBehind},
		{name: "clock far behind, never expired", key: shKey, p: testPass("early", t0.Add(-time.Hour)), now: t0.Add(-365 * 24 * time.Hour), reason: verifier.ClockBehind},
		{name: "bad signature before anything", key: shKey2, p: green, now: t0.Add(100 * time.Hour), reason: verifier.BadSignature},
	} {
		t.Run(tc.name, func(t *testing.T) {
			text := signPass(t, tc.key, tc.p)
			if tc.reason == verifier.BadSignature {
				text = text[:len(text)-3] + "000"
			}
			v, err := verifier.Verify(text, b, verifier.Options{Now: tc.now, Skew: tc.skew})
			if tc.reason != "" {
				var e *verifier.Error
				if !errors.As(err, &e) || e.Reason != tc.reason {
					t.Fatalf("%v, want %s", err, tc.reason)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(v.Warnings, tc.warnings) {
				t.Errorf("warnings %q, want %q", v.Warnings, tc.warnings)
			}
		})
	}
}

func TestCheckUndecided(t *testing.T) {
	for _, r := range []verifier.Reason{verifier.TrustExpired, verifier.ClockBehind, verifier.TrustUnavailable} {
		if !r.Undecided() {
			t.Errorf("%s is not undecided", r)
		}
	}
	b := mustOpen(t, mustSign(t, contents(), root))
	if _, err := b.CheckTime(t0.Add(72*time.Hour), 0); !errors.Is(err, verifier.TrustExpired) {
		t.Errorf("at expiry: %v", err)
	}
	// A key that does not come from this bundle, or a bundle that was not
	// verified, cannot decide anything.
	other := mustOpen(t, mustSign(t, contents(), root))
	p := testPass("x", t0)
	for _, k := range other.byKID {
		if _, err := b.Check(&p, k[0], t0, 0); !errors.Is(err, verifier.TrustUnavailable) {
			t.Errorf("foreign key: %v", err)
		}
		break
	}
	u, _ := InspectUnverified(mustSign(t, contents(), root))
	for _, k := range b.byKID {
		if _, err := u.Check(&p, k[0], t0, 0); !errors.Is(err, verifier.TrustUnavailable) {
			t.Errorf("unverified: %v", err)
		}
		break
	}
}

func TestConcurrentChecks(t *testing.T) {
	b := mustOpen(t, mustSign(t, contents(), root))
	texts := []string{signPass(t, shKey2, testPass("a", t0)), signPass(t, shKey2, func() pass.Pass {
		p := testPass("b", t0)
		p.ID = passID("revoked")
		return p
	}())}
	done := make(chan error)
	for i := range 8 {
		go func() {
			var err error
			for range 50 {
				_, e := verifier.Verify(texts[i%2], b, verifier.Options{Now: t0.Add(time.Hour)})
				if (i%2 == 0) != (e == nil) {
					err = e
				}
			}
			done <- err
		}()
	}
	for range 8 {
		if err := <-done; err != nil {
			t.Error(err)
		}
	}
}

// TestFromContents: the unsigned bundle of some contents checks passes
// exactly as the signed file of the same contents does, and refuses what
// Sign refuses.
func TestFromContents(t *testing.T) {
	c := contents()
	signed := mustOpen(t, mustSign(t, c, root))
	live, err := FromContents(c)
	if err != nil {
		t.Fatal(err)
	}
	if !live.Verified || live.Signer != nil || live.Seq != signed.Seq || live.RevokedPasses() != signed.RevokedPasses() {
		t.Errorf("FromContents: verified %v signer %x seq %d revoked %d; signed: seq %d revoked %d",
			live.Verified, live.Signer, live.Seq, live.RevokedPasses(), signed.Seq, signed.RevokedPasses())
	}
	at := t0.Add(2 * time.Hour)
	iat := t0.Add(time.Hour)
	revoked := testPass("revoked", iat)
	js := testPass("js", iat)
	js.Issuer, js.Colour = "320000", pass.Red
	for _, tc := range []struct {
		name   string
		key    crypto.Signer
		p      pass.Pass
		now    time.Time
		reason verifier.Reason // what both say
	}{
		{"valid", shKey2, testPass("green", iat), at, ""},
		{"revoked pass", shKey2, revoked, at, verifier.RevokedPass},
		{"colour not allowed", jsKey, js, at, verifier.PolicyViolation},
		{"expired bundle", shKey2, testPass("late", t0.Add(71*time.Hour)), t0.Add(72 * time.Hour), verifier.TrustExpired},
		{"unknown key", edKey("nobody"), testPass("x", iat), at, verifier.UnknownKey},
	} {
		text := signPass(t, tc.key, tc.p)
		_, want := verifier.Verify(text, signed, verifier.Options{Now: tc.now})
		_, got := verifier.Verify(text, live, verifier.Options{Now: tc.now})
		var we, ge *verifier.Error
		errors.As(want, &we)
		errors.As(got, &ge)
		if (we == nil) != (ge == nil) || we != nil && we.Reason != ge.Reason {
			t.Errorf("%s: unsigned bundle says %v, signed bundle %v", tc.name, got, want)
		}
		var reason verifier.Reason
		if ge != nil {
			reason = ge.Reason
		}
		if reason != tc.reason {
			t.Errorf("%s: %v, want %q", tc.name, got, tc.reason)
		}
	}
	if _, err := FromContents(&Contents{IssuedAt: t0, NextUpdate: t0.Add(time.Hour), Expires: t0.Add(time.Hour), Issuers: c.Issuers}); !errors.Is(err, BadPayload) {
		t.Errorf("sequence number 0: %v, want bad_payload", err)
	}
}
