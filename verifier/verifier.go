// Package verifier checks hufu passes offline.
//
// Verify is the one entry point: it takes the text of a QR code and a
// Trust (the keys the caller trusts, such as a *keys.TrustFile), and
// returns a verified *Pass or an *Error with a stable reason code, never
// both. The checks run in a fixed order, so that a forged, garbled or
// random code is never reported as expired: decode → key lookup →
// signature → the trust source's own checks → issuer binding → key valid at
// the issue time → issue and expiry times against the clock.
//
// Verify also reads presentations ("HF1P:" texts, SPEC.md §14): a
// holder-bound pass with the time, signed by the holder's key. It checks
// the pass as above, then the holder's signature, then the pass's trust
// and times, and last that the presentation's time lies within
// Options.PresentationWindow of the clock; the result's Presentation holds
// the time and a digest to detect replays by. A holder-bound pass shown
// without a presentation is refused (PresentationRequired).
//
// Verify also reads EU Digital COVID Certificates ("HC1:" codes, the
// HCERT specification), signed by document-signer certificates that the
// Trust returns as DSC keys (keys.ParseDSC). Their checks run in the same
// order, with the certificate's extended key usage checked after its
// validity; the result has Format "HC1" and the certificate in Pass.HC1.
//
// The package imports no image, network, process or flag packages, and is
// safe for concurrent use.
package verifier

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/hufu-project/hufu/holder"
	"github.com/hufu-project/hufu/internal/base45"
	"github.com/hufu-project/hufu/internal/cose"
	"github.com/hufu-project/hufu/internal/hc1"
	"github.com/hufu-project/hufu/keys"
	"github.com/hufu-project/hufu/pass"
)

// Prefix starts the text of every HF1 pass.
const Prefix = "HF1:"

// PrefixHC1 starts the text of every EU Digital COVID Certificate.
const PrefixHC1 = hc1.Prefix

// MaxText is the longest text Verify decodes, of either format: the
// capacity of the largest QR code in alphanumeric mode. Longer input is
// rejected as too_large before any decoding.
const MaxText = 4296

// DefaultSkew is the clock-skew tolerance when Options.Skew is zero.
const DefaultSkew = 5 * time.Minute

// Options adjust verification. The zero value is safe: the current time and
// DefaultSkew.
type Options struct {
	// Now is the time to verify at; zero means time.Now().
	Now time.Time
	// Skew is how far the verifier's clock may be from the issuer's: a pass
	// is accepted from Skew before its issue time until Skew after its
	// expiry. Zero means DefaultSkew; a negative value means no tolerance.
	Skew time.Duration
	// PresentationWindow is how far a presentation's time may be from Now,
	// either way (SPEC.md §14.4). Zero means DefaultPresentationWindow; a
	// negative value means the times must agree to the second.
	PresentationWindow time.Duration
	// Challenge, if not empty, is the challenge this verifier showed: a
	// presentation must carry exactly it (challenge_mismatch). Bare passes
	// that are not holder-bound are unaffected.
	Challenge []byte
}

// DefaultPresentationWindow is the presentation window when
// Options.PresentationWindow is zero.
const DefaultPresentationWindow = 30 * time.Second

func (o *Options) window() time.Duration {
	switch {
	case o.PresentationWindow == 0:
		return DefaultPresentationWindow
	case o.PresentationWindow < 0:
		return 0
	}
	return o.PresentationWindow
}

func (o *Options) now() time.Time {
	if o.Now.IsZero() {
		return time.Now()
	}
	return o.Now
}

func (o *Options) skew() time.Duration {
	switch {
	case o.Skew == 0:
		return DefaultSkew
	case o.Skew < 0:
		return 0
	}
	return o.Skew
}

// Trust is where the verifier finds the keys it trusts. *keys.TrustFile
// implements it; so does a signed trust bundle.
type Trust interface {
	// Keys returns the trusted keys with the given key ID, in the order
	// to try them. Keys with a DSC are tried for HC1 codes only, the others
	// for HF1 passes only.
	Keys(kid []byte) []*keys.Key
	// Check is called once a pass's signature has verified with k, before
	// the verifier checks issuer binding, key validity and times; now and
	// skew are the time and clock-skew tolerance of this verification. It
	// applies the trust source's own rules (its freshness, revocation,
	// limits per issuer) and returns warnings to show with the pass
	// (snake_case codes such as "trust_stale"), or an
	// error that rejects it; an error that is not an *Error is reported as
	// trust_unavailable.
	//
	// For an HC1 code, k is a DSC key and p carries only what HC1 has in
	// common with HF1: Issuer (the issuing country, possibly empty),
	// IssuedAt and ExpiresAt; its ID, Colour and hashes are zero.
	Check(p *pass.Pass, k *keys.Key, now time.Time, skew time.Duration) (warnings []string, err error)
}

// Pass is a verified pass.
//
// For an HF1 pass, Format is "HF1" and the embedded pass.Pass holds its
// claims. For an EU Digital COVID Certificate, Format is "HC1", HC1 holds
// the certificate, and the embedded pass.Pass only Issuer (the issuing
// country), IssuedAt and ExpiresAt: its Colour is zero, so Decision reports
// deny. hufu decides admit, observe or deny for its own passes only; an HC1
// result says that the certificate is genuine, signed by a trusted
// document-signer certificate allowed to sign its type, and within its
// dates — whether a vaccination, test or recovery is enough to enter is for
// the caller's rules to decide from HC1.
type Pass struct {
	pass.Pass
	Format   string // FormatHF1 or FormatHC1
	Alg      keys.Alg
	Key      *keys.Key // the trusted key whose signature verified
	Warnings []string  // from the trust source, e.g. "trust_stale"
	HC1      *HCert    // the EU DCC of an HC1 code; nil for HF1
	// Presentation is set when the text was a presentation of the pass
	// (an "HF1P:" text, SPEC.md §14); nil for a bare pass. Format is then
	// FormatHF1 and the embedded pass.Pass has a HolderKey.
	Presentation *Presentation
}

// Presentation is what a verified presentation adds to its pass.
type Presentation struct {
	// Time is when the holder signed it, within the presentation window
	// of the verifier's clock.
	Time time.Time
	// Challenge is the challenge the holder signed in; nil if none.
	Challenge []byte
	// Digest identifies the presentation for replay detection: SHA-256
	// of the signed presentation claims. Two texts with the same Digest
	// are the same presentation, even if their signature bytes differ (an
	// ECDSA signature has two valid forms). A station refuses a Digest
	// it has seen within the window.
	Digest [32]byte
}

// NameMatches reports whether name, as on the holder's ID card, is the
// name the pass was issued to: for HF1 by the name hash
// (pass.Pass.NameMatches), for HC1 by the names the certificate carries
// (HCert.NameMatches).
func (p *Pass) NameMatches(name string) bool {
	if p.HC1 != nil {
		return p.HC1.NameMatches(name)
	}
	return p.Pass.NameMatches(name)
}

// Verify checks the QR text of a pass against trust and returns the pass,
// or an *Error saying why it is not valid or cannot be decided.
func Verify(text string, trust Trust, opts Options) (*Pass, error) {
	if err := checkText(text); err != nil {
		return nil, err
	}
	if strings.HasPrefix(text, PrefixHC1) {
		return verifyHC1(text[len(PrefixHC1):], trust, opts)
	}
	if strings.HasPrefix(text, holder.Prefix) {
		return verifyPresentation(text, trust, opts)
	}
	msg, err := decode(text)
	if err != nil {
		return nil, err
	}
	v, err := checkSigned(msg, trust)
	if err != nil {
		return nil, err
	}
	if err := checkTrusted(v, trust, opts); err != nil {
		return nil, err
	}
	if v.HolderKey != nil {
		return nil, fail(PresentationRequired, nil, "the pass is holder-bound: show the holder's live code ("+holder.Prefix+"), not the pass")
	}
	return v, nil
}

// checkSigned runs the steps of SPEC.md §6 from the key lookup to the
// claims (4–7) on a parsed HF1 message.
func checkSigned(msg cose.Sign1, trust Trust) (*Pass, error) {
	candidates := trust.Keys(msg.KID)
	if len(candidates) == 0 {
		return nil, fail(UnknownKey, nil, "kid "+hex.EncodeToString(msg.KID))
	}
	alg := keys.ES256
	if msg.Alg == cose.EdDSA {
		alg = keys.EdDSA
	}

	// The Sig_structure is small; build it on the stack.
	var buf [cose.MaxMessage + 32]byte
	tbs := cose.AppendToBeSigned(buf[:0], msg.Protected, msg.Payload)
	var digest [sha256.Size]byte
	if alg == keys.ES256 {
		digest = sha256.Sum256(tbs)
	}
	var (
		key       *keys.Key
		tried     bool
		wrongType bool
	)
	for _, k := range candidates {
		if k.DSC != nil || k.Alg != alg {
			continue
		}
		switch pub := k.Public.(type) {
		case *ecdsa.PublicKey:
			if alg != keys.ES256 || pub.Curve != elliptic.P256() {
				wrongType = true
				continue
			}
			tried = true
			if verifyES256(pub, digest[:], msg.Signature) {
				key = k
			}
		case ed25519.PublicKey:
			if alg != keys.EdDSA || len(pub) != ed25519.PublicKeySize {
				wrongType = true
				continue
			}
			tried = true
			if ed25519.Verify(pub, tbs, msg.Signature) {
				key = k
			}
		default:
			wrongType = true
		}
		if key != nil {
			break
		}
	}
	switch {
	case key != nil:
	case tried:
		return nil, fail(BadSignature, nil, "")
	case wrongType:
		return nil, fail(UnsupportedAlg, nil, "the trusted key with kid "+hex.EncodeToString(msg.KID)+" is not a "+string(alg)+" key")
	default:
		return nil, fail(UnknownKey, nil, "no "+string(alg)+" key with kid "+hex.EncodeToString(msg.KID))
	}

	v := &Pass{Format: FormatHF1, Alg: alg, Key: key}
	if err := v.Pass.UnmarshalClaims(msg.Payload); err != nil {
		return nil, fail(BadPayload, err, "")
	}
	return v, nil
}

// checkTrusted runs the steps of SPEC.md §6 after the claims (8–12) on a
// pass whose signature has verified.
func checkTrusted(v *Pass, trust Trust, opts Options) error {
	p, key := &v.Pass, v.Key
	now, skew := opts.now(), opts.skew()
	warnings, err := trust.Check(p, key, now, skew)
	if err != nil {
		if e, ok := err.(*Error); ok {
			return e
		}
		return fail(TrustUnavailable, err, "")
	}
	v.Warnings = warnings
	if !key.MaySign(p.Issuer) {
		return fail(IssuerNotAllowed, nil, fmt.Sprintf("key %x may not sign for issuer %q", key.KID, p.Issuer))
	}
	if !key.ValidAt(p.IssuedAt) {
		return fail(KeyNotValid, nil, fmt.Sprintf("issued at %s, outside the window of key %x", p.IssuedAt.Format(time.RFC3339), key.KID))
	}
	if p.IssuedAt.After(now.Add(skew)) {
		return fail(NotYetValid, nil, "issued at "+p.IssuedAt.Format(time.RFC3339))
	}
	// RFC 8392: a CWT must not be accepted on or after its exp.
	if !now.Add(-skew).Before(p.ExpiresAt) {
		return fail(Expired, nil, "expired at "+p.ExpiresAt.Format(time.RFC3339))
	}
	return nil
}

// checkText checks the length and prefix of a QR text of either format.
func checkText(text string) error {
	if len(text) > MaxText {
		return fail(TooLarge, nil, fmt.Sprintf("%d characters, more than a QR code holds (%d)", len(text), MaxText))
	}
	if strings.HasPrefix(text, Prefix) || strings.HasPrefix(text, PrefixHC1) || strings.HasPrefix(text, holder.Prefix) {
		return nil
	}
	if len(text) >= 5 && strings.EqualFold(text[:5], holder.Prefix) {
		return fail(BadPrefix, nil, "prefix must be upper-case "+holder.Prefix)
	}
	if len(text) >= 4 && (strings.EqualFold(text[:4], Prefix) || strings.EqualFold(text[:4], PrefixHC1)) {
		return fail(BadPrefix, nil, "prefix must be upper-case "+strings.ToUpper(text[:4]))
	}
	return fail(BadPrefix, nil, "not an "+Prefix+" pass, an "+holder.Prefix+" presentation or an "+PrefixHC1+" EU Digital COVID Certificate")
}

// decode turns the QR text of an HF1 pass, checked by checkText, into a
// parsed COSE_Sign1 message.
func decode(text string) (cose.Sign1, error) {
	raw, err := base45.DecodeString(text[len(Prefix):])
	if err != nil {
		return cose.Sign1{}, fail(BadBase45, err, "")
	}
	return parseMessage(raw, cose.ParseSign1)
}

// parseMessage parses a COSE_Sign1 message with parse, giving the reasons
// of SPEC.md §6 step 4.
func parseMessage(raw []byte, parse func([]byte) (cose.Sign1, error)) (cose.Sign1, error) {
	if len(raw) > cose.MaxMessage {
		return cose.Sign1{}, fail(TooLarge, nil, fmt.Sprintf("message of %d bytes exceeds %d", len(raw), cose.MaxMessage))
	}
	msg, err := parse(raw)
	if err != nil {
		if errors.Is(err, cose.ErrUnsupportedAlg) {
			return msg, fail(UnsupportedAlg, err, "")
		}
		return msg, fail(BadCOSE, err, "")
	}
	return msg, nil
}

// verifyES256 checks a COSE ES256 signature (r‖s, 32 bytes each) by turning
// it into the ASN.1 form that crypto/ecdsa takes.
func verifyES256(pub *ecdsa.PublicKey, digest, sig []byte) bool {
	var der [72]byte
	b := der[:2]
	b = appendASN1Int(b, sig[:32])
	b = appendASN1Int(b, sig[32:])
	der[0], der[1] = 0x30, byte(len(b)-2)
	return ecdsa.VerifyASN1(pub, digest, b)
}

func appendASN1Int(b, v []byte) []byte {
	for len(v) > 1 && v[0] == 0 && v[1] < 0x80 {
		v = v[1:]
	}
	if len(v) == 1 && v[0] == 0 {
		return append(b, 0x02, 0x01, 0x00)
	}
	if v[0] >= 0x80 {
		b = append(b, 0x02, byte(len(v)+1), 0x00)
	} else {
		b = append(b, 0x02, byte(len(v)))
	}
	return append(b, v...)
}
