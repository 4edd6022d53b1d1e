package verifier

import (
	"strings"

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
}

// InspectUnverified decodes a code's text as far as it can without any
// verification. It returns an *Error, with the reason Verify would give, if
// the text, Base45, compression or COSE envelope is malformed or uses an
// unsupported algorithm; a malformed claims set is reported in
// Unverified.Claim.
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
	msg, err := decode(text)
	if err != nil {
		return nil, err
	}
	u := &Unverified{Format: FormatHF1, Alg: keys.ES256, KID: msg.KID}
	if msg.Alg == cose.EdDSA {
		u.Alg = keys.EdDSA
	}
	u.COSE = cose.AppendSign1(nil, msg.Protected, msg.Payload, msg.Signature)
	p, err := pass.ParseClaims(msg.Payload)
	if err != nil {
		u.Claim = err
	} else {
		u.Pass = p
	}
	return u, nil
}
