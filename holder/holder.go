// Package holder makes and reads presentations: a holder-bound pass
// together with the time, signed by the holder's key (SPEC.md §14).
//
// A pass that carries a holder key (pass.Pass.HolderKey) is accepted only
// inside a presentation, so a screenshot of it goes stale within the
// verifier's presentation window. Present makes one; package verifier
// checks them through verifier.Verify.
package holder

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/hufu-project/hufu/internal/base45"
	"github.com/hufu-project/hufu/internal/cbor"
	"github.com/hufu-project/hufu/internal/cose"
	"github.com/hufu-project/hufu/pass"
)

// Prefix starts the text of every presentation.
const Prefix = "HF1P:"

// passPrefix starts the text of an HF1 pass.
const passPrefix = "HF1:"

// Sizes and limits of the presentation claims (SPEC.md §14.3).
const (
	MaxChallenge = 16              // longest station challenge, in bytes
	MaxPass      = cose.MaxMessage // longest pass message carried
	MaxClaimsLen = MaxPass + 64    // longest presentation claims
)

// Presentation claim keys.
const (
	KeyPass      = 1
	KeyTime      = 2
	KeyChallenge = 3
)

// ErrInvalid is wrapped by every error about presentation claims that are
// malformed, non-canonical or out of range.
var ErrInvalid = errors.New("holder: invalid presentation")

func invalid(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrInvalid}, args...)...)
}

// Claims are the signed content of a presentation.
type Claims struct {
	// Pass is the pass's COSE_Sign1 message: the Base45 decoding of its
	// text after "HF1:".
	Pass []byte
	// Time is when the holder signed, in whole seconds.
	Time time.Time
	// Challenge is the station's challenge, 1 to MaxChallenge bytes, or nil.
	Challenge []byte
}

// Append checks c and appends its deterministic CBOR encoding to dst.
func (c *Claims) Append(dst []byte) ([]byte, error) {
	if len(c.Pass) == 0 || len(c.Pass) > MaxPass {
		return dst, invalid("pass of %d bytes, want 1 to %d", len(c.Pass), MaxPass)
	}
	t := c.Time.Unix()
	if t <= 0 || t > pass.MaxTime || c.Time.Nanosecond() != 0 {
		return dst, invalid("time must be whole seconds from 1970 to 9999")
	}
	if c.Challenge != nil && (len(c.Challenge) == 0 || len(c.Challenge) > MaxChallenge) {
		return dst, invalid("challenge of %d bytes, want 1 to %d", len(c.Challenge), MaxChallenge)
	}
	n := uint64(2)
	if c.Challenge != nil {
		n = 3
	}
	dst = cbor.AppendHead(dst, cbor.Map, n)
	dst = cbor.AppendInt(dst, KeyPass)
	dst = cbor.AppendBytes(dst, c.Pass)
	dst = cbor.AppendInt(dst, KeyTime)
	dst = cbor.AppendInt(dst, t)
	if c.Challenge != nil {
		dst = cbor.AppendInt(dst, KeyChallenge)
		dst = cbor.AppendBytes(dst, c.Challenge)
	}
	return dst, nil
}

var claimsLimits = cbor.Limits{MaxDepth: 1, MaxItems: 3, MaxLen: MaxClaimsLen}

// ParseClaims decodes presentation claims strictly: one map in
// deterministic encoding with nothing after it, keys 1 (pass) and 2 (time)
// and optionally 3 (challenge), each in range, and no other key. The
// byte slices of the result alias b.
func ParseClaims(b []byte) (*Claims, error) {
	if len(b) > MaxClaimsLen {
		return nil, invalid("claims of %d bytes exceed %d", len(b), MaxClaimsLen)
	}
	r := cbor.NewReader(b, claimsLimits)
	n, err := r.MapHeader()
	if err != nil {
		return nil, invalid("%v", err)
	}
	c := new(Claims)
	var (
		prev     []byte
		haveTime bool
	)
	for i := 0; i < n; i++ {
		kstart := r.Offset()
		key, err := r.Int()
		if err != nil {
			return nil, invalid("claim key: %v", err)
		}
		kb := b[kstart:r.Offset()]
		if err := r.CheckKeyOrder(prev, kb, kstart); err != nil {
			return nil, invalid("%v", err)
		}
		prev = kb
		switch key {
		case KeyPass:
			c.Pass, err = r.Bytes()
			if err == nil && (len(c.Pass) == 0 || len(c.Pass) > MaxPass) {
				err = invalid("pass of %d bytes, want 1 to %d", len(c.Pass), MaxPass)
			}
		case KeyTime:
			var v uint64
			v, err = r.Uint()
			if err == nil && (v == 0 || v > pass.MaxTime) {
				err = invalid("time %d out of range", v)
			}
			c.Time, haveTime = time.Unix(int64(v), 0).UTC(), true
		case KeyChallenge:
			c.Challenge, err = r.Bytes()
			if err == nil && (len(c.Challenge) == 0 || len(c.Challenge) > MaxChallenge) {
				err = invalid("challenge of %d bytes, want 1 to %d", len(c.Challenge), MaxChallenge)
			}
		default:
			return nil, invalid("unknown claim %d", key)
		}
		if err != nil {
			if errors.Is(err, ErrInvalid) {
				return nil, err
			}
			return nil, invalid("claim %d: %v", key, err)
		}
	}
	if !r.Done() {
		return nil, invalid("%d trailing bytes", len(r.Rest()))
	}
	if c.Pass == nil {
		return nil, invalid("missing pass")
	}
	if !haveTime {
		return nil, invalid("missing time")
	}
	return c, nil
}

// ErrChallenge is wrapped by ParseChallenge's errors.
var ErrChallenge = errors.New("holder: bad challenge")

// ParseChallenge parses a station's challenge as it is written for
// people and in URLs: hex digits, in either case, for 1 to MaxChallenge
// bytes; "" is no challenge (nil), as Present takes it. Anything else is
// an error wrapping ErrChallenge.
func ParseChallenge(s string) ([]byte, error) {
	if s == "" {
		return nil, nil
	}
	b, err := hex.DecodeString(s)
	if err != nil || len(b) == 0 || len(b) > MaxChallenge {
		return nil, fmt.Errorf("%w %q: want 1 to %d bytes in hex", ErrChallenge, s, MaxChallenge)
	}
	return b, nil
}

// Digest returns the presentation digest: SHA-256 of the presentation
// claims as signed (the COSE payload). It identifies a presentation for
// replay detection; unlike a hash of the whole message, it does not change
// when an ECDSA signature is altered to its other valid form.
func Digest(claims []byte) [sha256.Size]byte { return sha256.Sum256(claims) }

// Present returns the text of a presentation of the pass whose QR text is
// passText, signed at time at (truncated to the second) with key, the
// holder's private key, and carrying challenge if it is not nil.
//
// key's public key must be P-256 and the key the pass binds; Present
// checks the pass's form and holder key, not its issuer's signature.
func Present(passText string, key crypto.Signer, at time.Time, challenge []byte) (string, error) {
	pub, ok := key.Public().(*ecdsa.PublicKey)
	if !ok || pub.Curve != elliptic.P256() {
		return "", errors.New("holder: the holder key must be a P-256 key")
	}
	passText = strings.TrimSpace(passText)
	if !strings.HasPrefix(passText, passPrefix) {
		return "", errors.New("holder: not an HF1: pass")
	}
	msg, err := base45.DecodeString(passText[len(passPrefix):])
	if err != nil {
		return "", fmt.Errorf("holder: the pass: %w", err)
	}
	m, err := cose.ParseSign1(msg)
	if err != nil {
		return "", fmt.Errorf("holder: the pass: %w", err)
	}
	p, err := pass.ParseClaims(m.Payload)
	if err != nil {
		return "", fmt.Errorf("holder: the pass: %w", err)
	}
	if p.HolderKey == nil {
		return "", errors.New("holder: the pass is not holder-bound (issue it with a holder key)")
	}
	if want := elliptic.MarshalCompressed(elliptic.P256(), pub.X, pub.Y); string(want) != string(p.HolderKey) {
		return "", errors.New("holder: the pass is bound to another holder key")
	}
	c := Claims{Pass: msg, Time: at.Truncate(time.Second), Challenge: challenge}
	payload, err := c.Append(nil)
	if err != nil {
		return "", err
	}
	tbs := cose.AppendToBeSigned(nil, cose.PresentationProtected, payload)
	digest := sha256.Sum256(tbs)
	der, err := key.Sign(rand.Reader, digest[:], crypto.SHA256)
	if err != nil {
		return "", fmt.Errorf("holder: signing: %w", err)
	}
	sig, ok := cose.SignatureFromDER(der)
	if !ok {
		return "", errors.New("holder: signer returned a malformed ECDSA signature")
	}
	if !ecdsa.VerifyASN1(pub, digest[:], der) {
		return "", errors.New("holder: the signer's signature does not verify with its public key")
	}
	out := cose.AppendSign1(nil, cose.PresentationProtected, payload, sig)
	return Prefix + base45.EncodeToString(out), nil
}
