package registry

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/hufu-project/hufu/bundle"
	"github.com/hufu-project/hufu/keys"
	"github.com/hufu-project/hufu/pass"
	"github.com/hufu-project/hufu/verdict"
	"github.com/hufu-project/hufu/verifier"
)

// Warnings Check adds to a valid verdict, besides the verifier's.
const (
	// WarningSuperseded: the registry has re-issued the pass (SPEC §15.2
	// rule 4). It is still valid until it expires and says what the new
	// one says; the holder should fetch the new one.
	WarningSuperseded = "superseded"
	// WarningRevocationsUnknown: the pass is of another issuer, one this
	// registry lists but does not issue for, and Check was given no
	// export of that issuer's revocations that it could merge
	// (CheckOptions.Merge). Those revocations reach a guard's bundle only
	// through such exports (SPEC §15.5), so Check cannot tell whether a
	// guard would find the pass revoked.
	WarningRevocationsUnknown = "revocations_unknown"
)

// CheckOptions are Check's options.
type CheckOptions struct {
	// Checks are what a guard checks besides the code: the name on the
	// holder's ID card (Checks.Name), if given.
	Checks verdict.Checks
	// Now is the time to check at; zero means the registry's clock.
	Now time.Time
	// Merge are revocation exports of other registries, as
	// PublishOptions.Merge: what a publish now would merge. The passes
	// they revoke are checked as a guard's bundle checks them. An export
	// that a publish would refuse (it does not open with a listed key, or
	// is older than one merged before, or its signer may not sign for its
	// issuer) is left out, and a pass of its issuer keeps the warning
	// WarningRevocationsUnknown; Check does not record what it merged.
	Merge [][]byte
}

// Check checks the code text (an HF1 pass, an HF1P presentation or an HC1
// certificate) as a guard with the bundle this registry would publish
// now would, and returns the verdict (SPEC §17) together with the
// registry's record of the pass. It is for an appeals or help desk that
// checks a code a holder or a guard brings; o says what else to check,
// when, and which revocation exports a publish would merge.
//
// The trust is the registry's database at the call: every issuer with its
// keys, names, longest lifetime and colours, as Publish lists them
// (bundle.FromContents, without signing), with the revocations of the
// exports in o.Merge merged as Publish merges them, and, in place of the
// bundle's lists of the registry's own revocations, the pass's own
// record: a pass the registry has revoked that has not expired is invalid
// with reason revoked_pass, in the order a bundle's Check refuses it
// (before the issuer's limits, the issuer binding and the times). The
// registry lists no revoked keys, so revoked_key never comes from it. A
// superseded pass stays valid (SPEC §15.2 rule 4) with the warning
// WarningSuperseded; a valid pass of an issuer the registry lists but
// does not issue for, and of which o.Merge holds no export that merged,
// has the warning WarningRevocationsUnknown. The verdict's trust is
// "registry ISSUER (live)", and a valid pass's issuer_name is its
// issuer's names, "ZH · EN".
//
// A presentation is checked with the same trust, in the default window,
// without a challenge. The registry holds no document-signer
// certificates, so an HC1 certificate gets the verdict a verifier without
// them gives: invalid, unknown_key.
//
// rec is the registry's record of the pass in the code if its signature
// verified with a key the registry lists (so it is the registry's own
// pass, not a forged copy of an ID), whether or not the code is valid: an
// expired, revoked or bare holder-bound pass has its record too. It is
// nil for any other code, and for a pass the registry did not issue.
//
// Check returns an *Error with code InvalidField for an empty code,
// InvalidName for a name that pass.NormalizeName refuses, and Unavailable
// if the registry lists no issuer; other errors are faults of the
// database. A code that is not a valid pass is not an error: its verdict
// says why. The verifier bounds the text (too_large over
// verifier.MaxText characters).
func (s *Service) Check(ctx context.Context, text string, o CheckOptions) (v *verdict.Verdict, rec *PassRecord, err error) {
	ck, now := o.Checks, o.Now
	if text == "" {
		return nil, nil, Errorf(InvalidField, "code is missing")
	}
	if ck.Name != "" {
		if _, err := pass.NormalizeName(ck.Name); err != nil {
			return nil, nil, &Error{Code: InvalidName, Err: err}
		}
	}
	if now.IsZero() {
		now = s.cfg.Now()
	}
	issued := now.Truncate(time.Second)
	label := "registry (live)"
	if s.cfg.IssuerID != "" {
		label = "registry " + s.cfg.IssuerID + " (live)"
	}
	err = s.cfg.Store.View(ctx, func(tx Tx) error {
		c := &bundle.Contents{IssuedAt: issued, NextUpdate: issued.Add(24 * time.Hour), Expires: issued.Add(7 * 24 * time.Hour)}
		var err error
		if c.Issuers, err = tx.Issuers(); err != nil {
			return err
		}
		if len(c.Issuers) == 0 {
			return Errorf(Unavailable, "the registry knows no issuer to check codes against")
		}
		last, err := tx.LastBundle()
		if err != nil {
			return err
		}
		c.Seq = last + 1
		merged, err := mergeForCheck(tx, c, o.Merge)
		if err != nil {
			return err
		}
		b, err := bundle.FromContents(c)
		if err != nil {
			return fmt.Errorf("registry: the issuers in the database: %w", err)
		}
		t := &liveTrust{b: b, tx: tx}
		p, verr := verifier.Verify(text, t, verifier.Options{Now: now})
		if t.err != nil {
			return t.err
		}
		rec = t.rec
		v = verdict.New(p, verr, ck, now, label)
		if p == nil || p.HC1 != nil {
			return nil
		}
		if is := b.Issuer(p.Issuer); is != nil {
			v.IssuerName = is.Name.ZH + " · " + is.Name.EN
		}
		switch {
		case rec != nil && !rec.SupersededAt.IsZero():
			v.Warnings = append(v.Warnings, WarningSuperseded)
		case rec == nil && p.Issuer != s.cfg.IssuerID && !merged[p.Issuer]:
			v.Warnings = append(v.Warnings, WarningRevocationsUnknown)
		}
		return nil
	})
	if err != nil {
		return nil, nil, err
	}
	return v, rec, nil
}

// mergeForCheck merges into c the revocations of each export in merge
// that a publish would merge (openExport, then c.MergeRevocations at c's
// issue time), leaving out the others, and returns the issuers whose
// revocations it merged. It records nothing. An export a publish would
// refuse is left out: Check then warns that its issuer's revocations are
// unknown, rather than fail every check for a file it only reads. Its
// errors are faults of the database.
func mergeForCheck(tx Tx, c *bundle.Contents, merge [][]byte) (map[string]bool, error) {
	merged := map[string]bool{}
	all := issuerKeys(c.Issuers)
	for i, data := range merge {
		r, err := openExport(tx, i, data, all)
		var re *Error
		if errors.As(err, &re) {
			continue
		}
		if err != nil {
			return nil, err
		}
		if c.MergeRevocations(c.IssuedAt, r) == nil {
			merged[r.Issuer] = true
		}
	}
	return merged, nil
}

// liveTrust is the registry's live trust for one Check: the keys and
// limits of an unsigned bundle with the merged exports' revocations, and
// the revocation of the registry's own pass read from its record in the
// database.
type liveTrust struct {
	b   *bundle.Bundle // without the registry's own revocations
	tx  Tx
	rec *PassRecord // the record of the pass Check was called for
	err error       // a fault of the database
}

func (t *liveTrust) Keys(kid []byte) []*keys.Key { return t.b.Keys(kid) }

// Check is the bundle's Check with the pass's revocation looked up where
// the bundle would have listed it: after the bundle's time and before the
// issuer's limits. The bundle lists a revoked pass under the pass's
// issuer if it lists that issuer and the pass has not expired at its
// issue time (Publish).
func (t *liveTrust) Check(p *pass.Pass, k *keys.Key, now time.Time, skew time.Duration) ([]string, error) {
	if _, err := t.b.CheckTime(now, skew); err != nil {
		return nil, err
	}
	rec, err := t.tx.PassByID(p.ID.String())
	if err != nil {
		t.err = err
		return nil, &verifier.Error{Reason: verifier.TrustUnavailable, Detail: "the registry's database failed"}
	}
	if rec != nil && rec.Issuer == p.Issuer {
		t.rec = rec
	}
	if r := t.rec; r != nil && !r.RevokedAt.IsZero() && r.ExpiresAt.After(t.b.IssuedAt) && t.b.Issuer(p.Issuer) != nil {
		return nil, &verifier.Error{Reason: verifier.RevokedPass, Detail: fmt.Sprintf(
			"pass %s of issuer %s was revoked by the registry at %s", r.ID, r.Issuer, r.RevokedAt.UTC().Format(time.RFC3339))}
	}
	return t.b.Check(p, k, now, skew)
}
