package verifier

import (
	"fmt"
	"strings"

	"github.com/hufu-project/hufu/holder"
	"github.com/hufu-project/hufu/internal/base45"
	"github.com/hufu-project/hufu/internal/cose"
	"github.com/hufu-project/hufu/internal/hc1"
	"github.com/hufu-project/hufu/keys"
	"github.com/hufu-project/hufu/pass"
)

// Unverified is what a code claims, read without checking its signature,
// its key, or its times. Nothing in it can be trusted; it is for
// inspecting codes, not for deciding anything.
type Unverified struct {
	Format string // FormatHF1 or FormatHC1
	Alg    keys.Alg
	KID    []byte
	COSE   []byte     // the COSE_Sign1 message (for HC1, inflated)
	Pass   *pass.Pass // HF1: nil if the claims do not decode
	HC1    *HCert     // HC1: nil if the claims do not decode
	Claim  error      // why the claims do not decode, if they don't
	// Presentation is set for a presentation ("HF1P:", SPEC.md §14) whose
	// claims decode: its time, challenge and the pass's message. COSE is
	// then the presentation's message, and Alg, KID and Pass those of the
	// pass inside (Alg and KID unset, and Claim set, if the pass does not
	// parse).
	Presentation *holder.Claims
}

// InspectUnverified decodes a code's text as far as it can without any
// verification. It returns an *Error, with the reason Verify would give, if
// the text, Base45, compression or COSE envelope is malformed or uses an
// unsupported algorithm; a malformed claims set is reported in
// Unverified.Claim. For a presentation the envelope is the presentation's;
// presentation claims that do not decode, and a pass inside that does not
// parse, are reported in Unverified.Claim.
func InspectUnverified(text string) (*Unverified, error) {
	if err := checkText(text); err != nil {
		return nil, err
	}
	if strings.HasPrefix(text, PrefixHC1) {
		msg, err := decodeHC1(text[len(PrefixHC1):])
		if err != nil {
			return nil, err
		}
		u := &Unverified{Format: FormatHC1, Alg: keys.ES256, KID: msg.KID, COSE: msg.COSE}
		if msg.Alg == hc1.PS256 {
			u.Alg = keys.PS256
		}
		u.HC1, u.Claim = parseHC1Claims(msg.Payload)
		return u, nil
	}
	if strings.HasPrefix(text, holder.Prefix) {
		return inspectPresentation(text)
	}
	msg, err := decode(text)
	if err != nil {
		return nil, err
	}
	u := &Unverified{Format: FormatHF1}
	inspectPass(u, msg)
	u.COSE = cose.AppendSign1(nil, msg.Protected, msg.Payload, msg.Signature)
	return u, nil
}

// inspectPresentation is InspectUnverified for an "HF1P:" text.
func inspectPresentation(text string) (*Unverified, error) {
	raw, err := base45.DecodeString(text[len(holder.Prefix):])
	if err != nil {
		return nil, fail(BadBase45, err, "")
	}
	msg, err := parseMessage(raw, cose.ParsePresentation)
	if err != nil {
		return nil, err
	}
	u := &Unverified{Format: FormatHF1, COSE: cose.AppendSign1(nil, msg.Protected, msg.Payload, msg.Signature)}
	c, err := holder.ParseClaims(msg.Payload)
	if err != nil {
		u.Claim = err
		return u, nil
	}
	u.Presentation = c
	pm, err := cose.ParseSign1(c.Pass)
	if err != nil {
		u.Claim = fmt.Errorf("the pass: %w", err)
		return u, nil
	}
	inspectPass(u, pm)
	return u, nil
}

// inspectPass fills u from an HF1 pass's message.
func inspectPass(u *Unverified, msg cose.Sign1) {
	u.Alg, u.KID = keys.ES256, msg.KID
	if msg.Alg == cose.EdDSA {
		u.Alg = keys.EdDSA
	}
	p, err := pass.ParseClaims(msg.Payload)
	if err != nil {
		u.Claim = err
	} else {
		u.Pass = p
	}
}
