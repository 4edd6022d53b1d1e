// Package issuer mints hufu passes.
//
// An Issuer wraps a crypto.Signer, so the private key may live in memory,
// in an HSM or in a cloud KMS, and an issuer ID. It is safe for concurrent
// use if the Signer is (the standard library's keys are).
//
// A Request states a pass as an operator asks for it (the status by name,
// the issuer's limits); Prepare checks it all, and the key, before
// anything is signed. Errors about what is asked for are *Error values
// with a stable Code and a Hint for the operator.
package issuer

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"fmt"
	"time"
	"unsafe"

	"github.com/hufu-project/hufu/internal/base45"
	"github.com/hufu-project/hufu/internal/cose"
	"github.com/hufu-project/hufu/keys"
	"github.com/hufu-project/hufu/pass"
)

// IDSize is the length of the random pass IDs an Issuer makes.
const IDSize = 8

// Issuer signs passes for one issuer ID with one key.
type Issuer struct {
	signer      crypto.Signer
	alg         cose.Alg
	kid         []byte
	iss         string
	maxValidity time.Duration
	protected   []byte
	now         func() time.Time
}

// New returns an Issuer that signs with signer, whose public key must be
// P-256 (ES256) or Ed25519 (EdDSA), for issuer ID iss (such as the
// administrative region code "310000"). Passes may be valid for at most
// maxValidity. New signs and verifies one test message, so a signer that
// does not hold the key it claims fails here rather than in production.
//
// Its errors are *Error values: BadValidity if maxValidity is not
// positive, BadIssuerID, or BadKey.
func New(signer crypto.Signer, iss string, maxValidity time.Duration) (*Issuer, error) {
	if maxValidity <= 0 {
		return nil, fail(BadValidity, nil, "", "maximum validity must be positive")
	}
	if err := pass.CheckIssuer(iss); err != nil {
		hint := fmt.Sprintf("an issuer ID is 1 to %d printable ASCII characters without spaces, such as the region code 310000", pass.MaxIssuerLen)
		return nil, fail(BadIssuerID, err, hint, fmt.Sprintf("issuer ID %q", iss))
	}
	pub := signer.Public()
	alg, err := keys.AlgOf(pub)
	if err != nil {
		return nil, fail(BadKey, err, "", "signing key")
	}
	kid, err := keys.KID(pub)
	if err != nil {
		return nil, fail(BadKey, err, "", "signing key")
	}
	is := &Issuer{signer: signer, kid: kid, iss: iss, maxValidity: maxValidity, now: time.Now}
	is.alg = cose.ES256
	if alg == keys.EdDSA {
		is.alg = cose.EdDSA
	}
	is.protected = cose.AppendProtected(nil, is.alg, kid)
	if err := is.selfTest(pub); err != nil {
		return nil, fail(BadKey, err, "", "signing key fails its self-test")
	}
	return is, nil
}

// KID returns the key ID that the Issuer's passes carry.
func (is *Issuer) KID() []byte { return append([]byte(nil), is.kid...) }

// Claims are what a pass says about its holder.
type Claims struct {
	Name string // the holder's name, normalised by pass.NormalizeName and hashed
	// Photo is the photo file's bytes; the pass carries its digest. Give
	// PhotoDigest (from pass.PhotoDigest) instead if the photo is hashed
	// elsewhere; at most one of the two may be set.
	Photo       []byte
	PhotoDigest []byte
	PhotoID     string // optional short reference; needs a photo
	Colour      pass.Colour
	Reason      pass.Reason // only for yellow and red
	Hints       pass.Hints
	Validity    time.Duration // how long the pass is valid; > 0 and ≤ the maximum
	// IssuedAt is the pass's issue time; zero means now. It is for tests
	// and for re-issuing a pass with its original time.
	IssuedAt time.Time
	// HolderKey, if not nil, binds the pass to the holder's key pair: the
	// pass is then accepted only in a presentation signed with its private
	// half (SPEC.md §14). It must be an *ecdsa.PublicKey on P-256, such as
	// the key a browser generates with WebCrypto.
	HolderKey crypto.PublicKey
}

// Issue signs a pass with the given claims and returns its QR text. Bad
// claims are an *Error: BadValidity, BadName, BadHolderKey or BadClaims.
func (is *Issuer) Issue(c Claims) (string, error) {
	var p pass.Pass
	var buf [384]byte
	payload, err := is.appendClaims(buf[:0], &p, c)
	if err != nil {
		return "", err
	}
	return is.sign(payload)
}

// IssuePass is Issue that also returns the pass it signed: the claims
// the text carries (issuer ID, pass ID, issue and expiry times, status,
// name hash, photo digest and reference, holder key), as
// verifier.InspectUnverified would decode them from the text. The key ID
// is the Issuer's KID. It saves a caller that records the passes it
// issues from decoding each one again.
func (is *Issuer) IssuePass(c Claims) (string, *pass.Pass, error) {
	p := new(pass.Pass)
	var buf [384]byte
	payload, err := is.appendClaims(buf[:0], p, c)
	if err != nil {
		return "", nil, err
	}
	text, err := is.sign(payload)
	if err != nil {
		return "", nil, err
	}
	return text, p, nil
}

// appendClaims checks c, fills in p as the pass of c with a new random
// pass ID, and appends p's CBOR claims to dst.
func (is *Issuer) appendClaims(dst []byte, p *pass.Pass, c Claims) ([]byte, error) {
	if err := is.checkValidity(c.Validity); err != nil {
		return nil, err
	}
	if c.Photo != nil && c.PhotoDigest != nil {
		return nil, fail(BadClaims, nil, "", "both Photo and PhotoDigest set")
	}
	now := is.now().Unix()
	if !c.IssuedAt.IsZero() {
		now = c.IssuedAt.Unix()
	}
	secs := int64((c.Validity + time.Second - 1) / time.Second)
	id := make([]byte, IDSize)
	rand.Read(id)
	*p = pass.Pass{
		Issuer:      is.iss,
		ID:          id,
		IssuedAt:    time.Unix(now, 0),
		ExpiresAt:   time.Unix(now+secs, 0),
		Colour:      c.Colour,
		Reason:      c.Reason,
		Hints:       c.Hints,
		PhotoDigest: c.PhotoDigest,
		PhotoID:     c.PhotoID,
	}
	if c.Photo != nil {
		p.PhotoDigest = pass.PhotoDigest(c.Photo)
	}
	var err error
	if p.HolderKey, err = holderKey(c.HolderKey); err != nil {
		return nil, err
	}
	if p.NameHash, err = pass.NameHash(p.ID, c.Name); err != nil {
		return nil, fail(BadName, err, "", "the holder's name")
	}
	if dst, err = p.AppendClaims(dst); err != nil {
		return nil, fail(BadClaims, err, "", "the pass")
	}
	return dst, nil
}

// checkValidity returns a BadValidity *Error unless d is in
// (0, maximum validity].
func (is *Issuer) checkValidity(d time.Duration) error {
	if d > 0 && d <= is.maxValidity {
		return nil
	}
	hint := ""
	if d > is.maxValidity {
		hint = "raise -max-ttl to allow a longer -ttl (hufu issue)"
	}
	return fail(BadValidity, nil, hint, fmt.Sprintf("validity %v not in (0, %v]", d, is.maxValidity))
}

// holderKey returns the holder key claim of pub (nil for none), or a
// BadHolderKey *Error if pub is not a P-256 public key.
func holderKey(pub crypto.PublicKey) ([]byte, error) {
	if pub == nil {
		return nil, nil
	}
	const hint = "make one with: hufu keygen -alg ES256 -o holder.key"
	k, ok := pub.(*ecdsa.PublicKey)
	if !ok {
		alg, err := keys.AlgOf(pub)
		if err != nil {
			return nil, fail(BadHolderKey, err, hint, "a holder key must be a P-256 (ES256) key")
		}
		return nil, fail(BadHolderKey, nil, hint, fmt.Sprintf("a holder key must be a P-256 (ES256) key, not %s", alg))
	}
	hk, err := pass.CompressHolderKey(k)
	if err != nil {
		return nil, fail(BadHolderKey, err, hint, "a holder key must be a P-256 (ES256) key")
	}
	return hk, nil
}

// sign wraps payload in a signed COSE_Sign1 and returns its QR text.
func (is *Issuer) sign(payload []byte) (string, error) {
	// The Sig_structure goes to the Signer (an interface, so it escapes):
	// give it exactly the room it needs.
	tbs := cose.AppendToBeSigned(make([]byte, 0, len(is.protected)+len(payload)+32), is.protected, payload)
	sig, err := is.signTBS(tbs)
	if err != nil {
		return "", err
	}
	var msgBuf [512]byte
	msg := cose.AppendSign1(msgBuf[:0], is.protected, payload, sig)
	out := make([]byte, 0, len(prefix)+base45.EncodedLen(len(msg)))
	out = base45.AppendEncode(append(out, prefix...), msg)
	return unsafe.String(unsafe.SliceData(out), len(out)), nil // out is never written again
}

const prefix = "HF1:"

func (is *Issuer) signTBS(tbs []byte) ([]byte, error) {
	if is.alg == cose.EdDSA {
		sig, err := is.signer.Sign(rand.Reader, tbs, crypto.Hash(0))
		if err != nil {
			return nil, fmt.Errorf("issuer: signing: %w", err)
		}
		if len(sig) != ed25519.SignatureSize {
			return nil, fmt.Errorf("issuer: signer returned %d bytes, want an Ed25519 signature", len(sig))
		}
		return sig, nil
	}
	digest := sha256.Sum256(tbs)
	der, err := is.signer.Sign(rand.Reader, digest[:], crypto.SHA256)
	if err != nil {
		return nil, fmt.Errorf("issuer: signing: %w", err)
	}
	sig, ok := cose.SignatureFromDER(der)
	if !ok {
		return nil, errors.New("issuer: signer returned a malformed ECDSA signature")
	}
	return sig, nil
}

func (is *Issuer) selfTest(pub crypto.PublicKey) error {
	tbs := cose.AppendToBeSigned(nil, is.protected, []byte("hufu issuer self-test"))
	sig, err := is.signTBS(tbs)
	if err != nil {
		return err
	}
	ok := false
	switch k := pub.(type) {
	case ed25519.PublicKey:
		ok = ed25519.Verify(k, tbs, sig)
	case *ecdsa.PublicKey:
		d := sha256.Sum256(tbs)
		ok = verifyRaw(k, d[:], sig)
	}
	if !ok {
		return errors.New("the signer's signature does not verify with its public key")
	}
	return nil
}
