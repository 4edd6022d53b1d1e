package verifier

import (
	"github.com/hufu-project/hufu/internal/cose"
	"github.com/hufu-project/hufu/keys"
	"github.com/hufu-project/hufu/pass"
)

// Unverified is what a code claims, read without checking its signature,
// its key, or its times. Nothing in it can be trusted; it is for
// inspecting codes, not for deciding anything.
type Unverified struct {
	Alg   keys.Alg
	KID   []byte
	COSE  []byte     // the COSE_Sign1 message
	Pass  *pass.Pass // nil if the claims do not decode
	Claim error      // why the claims do not decode, if they don't
}

// InspectUnverified decodes a code's text as far as it can without any
// verification. It returns an *Error, with the reason Verify would give, if
// the text, Base45 or COSE envelope is malformed or uses an unsupported
// algorithm; a malformed claims set is reported in Unverified.Claim.
func InspectUnverified(text string) (*Unverified, error) {
	msg, err := decode(text)
	if err != nil {
		return nil, err
	}
	u := &Unverified{Alg: keys.ES256, KID: msg.KID}
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
