// Package bundle reads, checks and writes signed trust bundles: one file
// that tells an offline verifier which issuers and keys to trust, what each
// issuer may issue, which passes and keys are revoked, and how long the
// file itself may be relied on.
//
// A bundle is a COSE_Sign1 message, signed exactly like a pass, over a
// deterministic CBOR payload; SPEC.md ("Trust bundles") specifies it. The
// verifier pins one or more root keys. [Open] checks a bundle's signature
// against them and decodes it strictly; the *[Bundle] it returns implements
// verifier.Trust, so it plugs into verifier.Verify where a trust file
// would:
//
//	b, err := bundle.Open(data, roots)
//	p, err := verifier.Verify(text, b, verifier.Options{})
//
// The bundle fails closed: past its expiry, or with a clock earlier than
// its issue time, every pass is "cannot decide" (verifier.TrustExpired,
// verifier.ClockBehind), never valid and never "expired". Past its next
// update it still verifies, with the warning "trust_stale".
//
// Each issuer carries its own revocation list: a pass is revoked only by
// the list of its own issuer. Where several registries feed one bundle,
// each exports its issuer's live revocations as a file signed with an
// issuer key ([SignRevocations]); the publisher checks each export
// ([OpenRevocations]) and merges them ([Contents.MergeRevocations]) before
// it signs the bundle ([Sign]).
//
// The package imports no image, network, process or flag packages, so a
// phone app can embed it.
package bundle

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"encoding/asn1"
	"encoding/hex"
	"errors"
	"fmt"
	"math/big"
	"slices"
	"strconv"
	"time"

	"github.com/hufu-project/hufu/internal/cose"
	"github.com/hufu-project/hufu/keys"
	"github.com/hufu-project/hufu/pass"
	"github.com/hufu-project/hufu/verifier"
)

// WarningStale is the warning Check returns for a bundle past its next
// update.
const WarningStale = "trust_stale"

// Bundle is a decoded trust bundle. Its exported fields are for reading;
// a Bundle is immutable and safe for concurrent use.
type Bundle struct {
	Seq        uint64
	IssuedAt   time.Time // also a floor for the verifier's clock
	NextUpdate time.Time // after it, passes verify with the warning "trust_stale"
	Expires    time.Time // from it on, nothing can be decided
	Issuers    []Issuer  // in increasing order of ID
	// RevokedKeys are keys whose passes are rejected as revoked_key.
	RevokedKeys []crypto.PublicKey
	Labels      map[string]Label
	// Signer is the kid of the key that signed the bundle. Verified is true
	// if Open checked the signature with a pinned root of that kid, or if
	// FromContents built the bundle from contents its caller holds (Signer
	// is then nil); a bundle from InspectUnverified trusts no key.
	Signer   []byte
	Verified bool

	byID       map[string]*Issuer
	byKID      map[[keys.KIDSize]byte][]*keys.Key
	keyInfo    map[*keys.Key]*keyInfo
	ident      []byte // protected header and signature: tells two files apart
	extensions int    // extension fields ignored when decoding
}

// Open checks that data is a bundle signed by one of the pinned roots and
// decodes it. It returns an *Error: too_large, bad_cose, unsupported_alg,
// wrong_kind (a revocation export, not a bundle), unknown_root (no root
// with the signer's kid and algorithm is pinned), bad_signature,
// unsupported_version (such as a bundle of version 1) or bad_payload. Open
// does not look at the clock; Check does.
func Open(data []byte, roots []crypto.PublicKey) (*Bundle, error) {
	msg, err := envelope(data, false)
	if err != nil {
		return nil, err
	}
	switch found, signer := verifyCOSE(msg, roots); {
	case !found:
		return nil, fail(UnknownRoot, nil, fmt.Sprintf("no pinned %s root has kid %x", msg.Alg, msg.KID))
	case signer == nil:
		return nil, fail(BadSignature, nil, fmt.Sprintf("signature does not verify with root %x", msg.KID))
	}
	b, _, err := parsePayload(msg.Payload)
	if err != nil {
		return nil, err
	}
	b.Signer = bytes.Clone(msg.KID)
	b.Verified = true
	b.ident = append(bytes.Clone(msg.Protected), msg.Signature...)
	return b, nil
}

// InspectUnverified decodes a bundle without checking its signature, for
// showing what a file says. The bundle it returns has Verified false and
// trusts no key: as a verifier.Trust every pass is trust_unavailable.
func InspectUnverified(data []byte) (*Bundle, error) {
	msg, err := envelope(data, false)
	if err != nil {
		return nil, err
	}
	b, _, err := parsePayload(msg.Payload)
	if err != nil {
		return nil, err
	}
	b.Signer = bytes.Clone(msg.KID)
	b.ident = append(bytes.Clone(msg.Protected), msg.Signature...)
	return b, nil
}

// FromContents returns the bundle that c describes, without signing it:
// a verifier.Trust for the publisher itself, which holds c and so needs
// no root to believe it (a registry checking a code against what it
// would publish now). It checks c as Sign does, returning an *Error with
// reason bad_payload if c breaks a rule of the format, and encodes and
// decodes it as Open would, so the bundle checks passes exactly as the
// signed file of the same contents does. The bundle has Verified true and
// Signer nil. Its cost grows with c's revocation lists: a caller that
// checks revocations elsewhere leaves them out.
func FromContents(c *Contents) (*Bundle, error) {
	payload, err := c.marshal()
	if err != nil {
		return nil, err
	}
	b, _, err := parsePayload(payload)
	if err != nil {
		return nil, err
	}
	b.Verified = true
	// Two such bundles are the same (Replaces) only if their payloads are.
	b.ident = append([]byte("unsigned:"), payload...)
	return b, nil
}

// envelope checks the size and COSE_Sign1 form of a bundle file (export
// false) or a revocation export (export true), and that its payload is of
// that kind (wrong_kind).
func envelope(data []byte, export bool) (cose.Sign1, error) {
	if len(data) > MaxSize {
		return cose.Sign1{}, fail(TooLarge, nil, fmt.Sprintf("%d bytes, limit %d", len(data), MaxSize))
	}
	msg, err := cose.ParseSign1Max(data, MaxSize)
	if err != nil {
		if errors.Is(err, cose.ErrUnsupportedAlg) {
			return msg, fail(UnsupportedAlg, err, "")
		}
		return msg, fail(BadCOSE, err, "")
	}
	switch isExport := bytes.HasPrefix(msg.Payload, revocationsPrefix); {
	case isExport && !export:
		return msg, fail(WrongKind, nil, "a revocation export, not a trust bundle")
	case !isExport && export:
		return msg, fail(WrongKind, nil, "not a revocation export (a trust bundle or a pass?)")
	}
	return msg, nil
}

// verifyCOSE checks msg's signature with the keys of pubs that have its
// kid and algorithm: found is false if there are none; signer is the
// first that verifies it, or nil.
func verifyCOSE(msg cose.Sign1, pubs []crypto.PublicKey) (found bool, signer crypto.PublicKey) {
	alg := keys.ES256
	if msg.Alg == cose.EdDSA {
		alg = keys.EdDSA
	}
	var tbs []byte
	for _, pub := range pubs {
		if a, err := keys.AlgOf(pub); err != nil || a != alg {
			continue
		}
		if kid, err := keys.KID(pub); err != nil || !bytes.Equal(kid, msg.KID) {
			continue
		}
		found = true
		if tbs == nil {
			tbs = cose.AppendToBeSigned(make([]byte, 0, len(msg.Payload)+64), msg.Protected, msg.Payload)
		}
		if verifySig(pub, tbs, msg.Signature) {
			return true, pub
		}
	}
	return found, nil
}

func verifySig(pub crypto.PublicKey, tbs, sig []byte) bool {
	switch k := pub.(type) {
	case ed25519.PublicKey:
		return ed25519.Verify(k, tbs, sig)
	case *ecdsa.PublicKey:
		d := sha256.Sum256(tbs)
		r := new(big.Int).SetBytes(sig[:32])
		s := new(big.Int).SetBytes(sig[32:])
		return ecdsa.Verify(k, d[:], r, s)
	}
	return false
}

// keyInfo is what Check needs to know about a trusted key.
type keyInfo struct {
	revoked bool
	issuers []*Issuer // those it is listed under, as in Key.Issuers
}

// index builds the lookup tables from the decoded fields.
func (b *Bundle) index() error {
	b.byID = make(map[string]*Issuer, len(b.Issuers))
	b.byKID = map[[keys.KIDSize]byte][]*keys.Key{}
	b.keyInfo = map[*keys.Key]*keyInfo{}
	byDER := map[string]*keys.Key{}
	add := func(der []byte, pub crypto.PublicKey) *keys.Key {
		alg, _ := keys.AlgOf(pub)
		kid := kidOf(der)
		k := &keys.Key{KID: kid[:], Alg: alg, Public: pub}
		byDER[string(der)] = k
		b.byKID[kid] = append(b.byKID[kid], k)
		b.keyInfo[k] = &keyInfo{}
		return k
	}
	for i := range b.Issuers {
		is := &b.Issuers[i]
		b.byID[is.ID] = is
		for _, ik := range is.Keys {
			der, _ := keys.MarshalPublic(ik.Public)
			k := byDER[string(der)]
			if k == nil {
				k = add(der, ik.Public)
				k.ValidFrom, k.ValidUntil = ik.ValidFrom, ik.ValidUntil
			} else if !k.ValidFrom.Equal(ik.ValidFrom) || !k.ValidUntil.Equal(ik.ValidUntil) {
				return fmt.Errorf("key %x is listed under several issuers with different validity windows", k.KID)
			}
			k.Issuers = append(k.Issuers, is.ID)
			b.keyInfo[k].issuers = append(b.keyInfo[k].issuers, is)
		}
	}
	for _, pub := range b.RevokedKeys {
		der, _ := keys.MarshalPublic(pub)
		k := byDER[string(der)]
		if k == nil {
			k = add(der, pub)
		}
		b.keyInfo[k].revoked = true
	}
	return nil
}

// Keys implements verifier.Trust: the keys with the given kid, listed or
// revoked (so that a pass signed by a revoked key is reported as such once
// its signature has verified). An unverified bundle returns none.
func (b *Bundle) Keys(kid []byte) []*keys.Key {
	if !b.Verified || len(kid) != keys.KIDSize {
		return nil
	}
	return b.byKID[[keys.KIDSize]byte(kid)]
}

// CheckTime reports whether the bundle can be relied on at now, with clock
// skew tolerance skew: an *verifier.Error with reason clock_behind if now
// is more than skew before the bundle's issue time, trust_expired at or
// after its expiry, and otherwise the warning "trust_stale" at or after its
// next update.
func (b *Bundle) CheckTime(now time.Time, skew time.Duration) (warnings []string, err error) {
	if now.Before(b.IssuedAt.Add(-skew)) {
		return nil, &verifier.Error{Reason: verifier.ClockBehind, Detail: fmt.Sprintf(
			"the clock (%s) is earlier than the trust bundle's issue time (%s)", now.UTC().Format(time.RFC3339), b.IssuedAt.Format(time.RFC3339))}
	}
	if !now.Before(b.Expires) {
		return nil, &verifier.Error{Reason: verifier.TrustExpired, Detail: fmt.Sprintf(
			"trust bundle %d expired at %s", b.Seq, b.Expires.Format(time.RFC3339))}
	}
	if !now.Before(b.NextUpdate) {
		return []string{WarningStale}, nil
	}
	return nil, nil
}

// Check implements verifier.Trust. After the pass's signature has verified
// with k (from b.Keys), it checks, in this order: the bundle's time
// (CheckTime), whether k is revoked (revoked_key), whether the pass ID is
// revoked (revoked_pass), and, if k may sign for the pass's issuer, that
// issuer's limits on the pass's lifetime and colour (policy_violation).
func (b *Bundle) Check(p *pass.Pass, k *keys.Key, now time.Time, skew time.Duration) ([]string, error) {
	if !b.Verified {
		return nil, &verifier.Error{Reason: verifier.TrustUnavailable, Detail: "the trust bundle's signature was not checked"}
	}
	warnings, err := b.CheckTime(now, skew)
	if err != nil {
		return nil, err
	}
	info := b.keyInfo[k]
	switch {
	case info == nil:
		return nil, &verifier.Error{Reason: verifier.TrustUnavailable, Detail: "the key is not from this trust bundle"}
	case info.revoked:
		return nil, &verifier.Error{Reason: verifier.RevokedKey, Detail: fmt.Sprintf("key %x is revoked by trust bundle %d", k.KID, b.Seq)}
	}
	if len(p.ID) < pass.MinIDSize {
		return nil, &verifier.Error{Reason: verifier.BadPayload, Detail: "pass ID too short"}
	}
	// The pass's issuer: usually the one issuer k is listed under. If k is
	// not listed under it, its revocations still apply, its limits do not
	// (the verifier rejects the pass as issuer_not_allowed).
	var is *Issuer
	listed := false
	for _, x := range info.issuers {
		if x.ID == p.Issuer {
			is, listed = x, true
			break
		}
	}
	if is == nil {
		is = b.byID[p.Issuer]
	}
	if is != nil && is.revoked.Contains(RevocationID(p.ID)) {
		return nil, &verifier.Error{Reason: verifier.RevokedPass, Detail: "pass " + p.ID.String() + " of issuer " + is.ID + " is revoked by trust bundle " + strconv.FormatUint(b.Seq, 10)}
	}
	if listed {
		if life := p.ExpiresAt.Sub(p.IssuedAt); life > is.MaxLifetime {
			return nil, &verifier.Error{Reason: verifier.PolicyViolation, Detail: fmt.Sprintf(
				"valid for %v; issuer %s allows at most %v", life, is.ID, is.MaxLifetime)}
		}
		if !slices.Contains(is.Colours, p.Colour) {
			return nil, &verifier.Error{Reason: verifier.PolicyViolation, Detail: fmt.Sprintf(
				"issuer %s may not issue %s passes", is.ID, p.Colour)}
		}
	}
	return warnings, nil
}

// Issuer returns the issuer with the given ID, or nil.
func (b *Bundle) Issuer(id string) *Issuer { return b.byID[id] }

// PassRevoked reports whether the bundle revokes the pass ID id of the
// issuer iss: whether RevocationID(id) is in the revocation list of the
// issuer whose ID is iss. It is false if the bundle does not list iss.
func (b *Bundle) PassRevoked(iss string, id pass.ID) bool {
	is := b.byID[iss]
	return is != nil && is.revoked != nil && len(id) >= pass.MinIDSize && is.revoked.Contains(RevocationID(id))
}

// RevokedPasses returns the number of entries in the revocation lists of
// all issuers together.
func (b *Bundle) RevokedPasses() int {
	n := 0
	for i := range b.Issuers {
		if s := b.Issuers[i].revoked; s != nil {
			n += s.Len()
		}
	}
	return n
}

// Label returns the text for key (such as "colour.green", "reason.expired",
// "decision.undecided"; see DefaultLabels) in lang ("zh" or "en"): the
// bundle's own label if it has one, else the built-in default, else "".
func (b *Bundle) Label(key, lang string) string {
	if l, ok := b.Labels[key]; ok {
		return l.In(lang)
	}
	if l, ok := defaultLabels[key]; ok {
		return l.In(lang)
	}
	return ""
}

// Replaces returns nil if b may replace old, the bundle installed before
// it: b's sequence number must be higher, or b must be the very same file.
// Otherwise it returns an *Error with reason rollback.
func (b *Bundle) Replaces(old *Bundle) error {
	if b.Seq > old.Seq || (b.Seq == old.Seq && bytes.Equal(b.ident, old.ident)) {
		return nil
	}
	if b.Seq == old.Seq {
		return fail(Rollback, nil, fmt.Sprintf("a different bundle with the installed sequence number %d", old.Seq))
	}
	return fail(Rollback, nil, fmt.Sprintf("sequence number %d is lower than the installed %d", b.Seq, old.Seq))
}

// Sign checks c, encodes it and signs it with priv, a P-256 (ES256) or
// Ed25519 (EdDSA) root key, returning the bundle file. It returns an *Error
// with reason bad_payload if c breaks a rule of the format.
func Sign(c *Contents, priv crypto.Signer) ([]byte, error) {
	payload, err := c.marshal()
	if err != nil {
		return nil, err
	}
	if _, _, err := parsePayload(payload); err != nil {
		return nil, err
	}
	return signCOSE(payload, priv)
}

// signCOSE signs payload with priv, a P-256 or Ed25519 key, and returns the
// COSE_Sign1 message.
func signCOSE(payload []byte, priv crypto.Signer) ([]byte, error) {
	if len(payload) > MaxSize-256 {
		return nil, fail(TooLarge, nil, fmt.Sprintf("payload of %d bytes", len(payload)))
	}
	pub := priv.Public()
	alg, err := keys.AlgOf(pub)
	if err != nil {
		return nil, fmt.Errorf("bundle: %w", err)
	}
	kid, _ := keys.KID(pub)
	calg := cose.ES256
	if alg == keys.EdDSA {
		calg = cose.EdDSA
	}
	protected := cose.AppendProtected(nil, calg, kid)
	tbs := cose.AppendToBeSigned(make([]byte, 0, len(payload)+64), protected, payload)
	var sig []byte
	if alg == keys.EdDSA {
		if sig, err = priv.Sign(rand.Reader, tbs, crypto.Hash(0)); err != nil {
			return nil, fmt.Errorf("bundle: signing: %w", err)
		}
	} else {
		d := sha256.Sum256(tbs)
		der, err := priv.Sign(rand.Reader, d[:], crypto.SHA256)
		if err != nil {
			return nil, fmt.Errorf("bundle: signing: %w", err)
		}
		var rs struct{ R, S *big.Int }
		if rest, err := asn1.Unmarshal(der, &rs); err != nil || len(rest) != 0 || rs.R.Sign() <= 0 || rs.S.Sign() <= 0 {
			return nil, fmt.Errorf("bundle: signer returned a malformed ECDSA signature")
		}
		sig = make([]byte, 64)
		rs.R.FillBytes(sig[:32])
		rs.S.FillBytes(sig[32:])
	}
	if len(sig) != 64 || !verifySig(pub, tbs, sig) {
		return nil, fmt.Errorf("bundle: the signer's signature does not verify with its public key %s", hex.EncodeToString(kid))
	}
	return cose.AppendSign1(make([]byte, 0, len(payload)+200), protected, payload, sig), nil
}
