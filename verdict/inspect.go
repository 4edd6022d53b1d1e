package verdict

import (
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/hufu-project/hufu/verifier"
)

// An Inspection is what a code claims, decoded WITHOUT verification
// ("hufu inspect"): anyone can forge what it shows. Its JSON form is
// {"input", "unverified": true, "decoded", "reason", "detail", "alg",
// "kid", "cose_hex", "claims", "claims_error", "format", "presentation"},
// unset keys left out. For a presentation (HF1P:…), alg, kid, cose_hex
// and claims are the pass's inside it, and "presentation" holds its
// "time" and "challenge_hex".
type Inspection struct {
	Input      string          `json:"input,omitempty"`
	Unverified bool            `json:"unverified"` // always true
	Decoded    bool            `json:"decoded"`    // the text decodes as far as the COSE message
	Reason     string          `json:"reason,omitempty"`
	Detail     string          `json:"detail,omitempty"`
	Alg        string          `json:"alg,omitempty"`
	KID        string          `json:"kid,omitempty"`
	COSE       string          `json:"cose_hex,omitempty"`
	Claims     json.RawMessage `json:"claims,omitempty"`
	ClaimsErr  string          `json:"claims_error,omitempty"`
	Format     string          `json:"format,omitempty"`
	Present    map[string]any  `json:"presentation,omitempty"`

	u   *verifier.Unverified
	err error
}

// InspectFailed is the inspection of an input that gave no code (an
// image without a readable QR code).
func InspectFailed(input, reason, detail string) *Inspection {
	return &Inspection{Input: input, Unverified: true, Reason: reason, Detail: detail}
}

// Inspect decodes text without verifying it; input names where it came
// from ("" for none).
func Inspect(input, text string) *Inspection {
	in := &Inspection{Input: input, Unverified: true}
	u, err := verifier.InspectUnverified(text)
	if err != nil {
		var ve *verifier.Error
		errors.As(err, &ve)
		in.Reason, in.Detail, in.err = string(ve.Reason), ve.Error(), err
		return in
	}
	in.u = u
	in.Decoded = true
	in.Format, in.Alg = u.Format, string(u.Alg)
	in.KID, in.COSE = hex.EncodeToString(u.KID), hex.EncodeToString(u.COSE)
	if pr := u.Presentation; pr != nil {
		in.Present = map[string]any{"time": pr.Time.Format(time.RFC3339)}
		if pr.Challenge != nil {
			in.Present["challenge_hex"] = hex.EncodeToString(pr.Challenge)
		}
	}
	switch {
	case u.Pass != nil:
		in.Claims, _ = json.Marshal(claimsJSON(u))
	case u.HC1 != nil:
		in.Claims, _ = json.Marshal(struct {
			IssuedAt  string `json:"issued_at"`
			ExpiresAt string `json:"expires_at"`
			*HC1
		}{u.HC1.IssuedAt.Format(time.RFC3339), u.HC1.ExpiresAt.Format(time.RFC3339), NewHC1(u.HC1)})
	default:
		in.ClaimsErr = u.Claim.Error()
	}
	return in
}

func claimsJSON(u *verifier.Unverified) map[string]any {
	p := u.Pass
	m := map[string]any{
		"issuer":     p.Issuer,
		"pass_id":    p.ID.String(),
		"colour":     p.Colour.String(),
		"issued_at":  p.IssuedAt.Format(time.RFC3339),
		"expires_at": p.ExpiresAt.Format(time.RFC3339),
		"name_hash":  hex.EncodeToString(p.NameHash),
	}
	if p.Reason != 0 {
		m["status_reason"] = p.Reason.String()
	}
	if p.Hints != 0 {
		m["hints"] = p.Hints.Names()
	}
	if p.PhotoDigest != nil {
		m["photo_digest"] = hex.EncodeToString(p.PhotoDigest)
	}
	if p.PhotoID != "" {
		m["photo_id"] = p.PhotoID
	}
	if p.HolderKey != nil {
		m["holder_key"] = hex.EncodeToString(p.HolderKey)
	}
	return m
}

// Lines is the inspection for people, one line each, framed by warnings
// that it is unverified. The lines hold the code's text as it is: a
// terminal must escape them.
func (in *Inspection) Lines() []string {
	var l []string
	add := func(format string, args ...any) { l = append(l, fmt.Sprintf(format, args...)) }
	if in.u == nil && in.err == nil {
		name := in.Input
		if name == "" {
			name = "input"
		}
		return []string{name + ": " + in.Detail}
	}
	if in.Input != "" {
		add("%s", in.Input)
	}
	add("!!! UNVERIFIED — signature, key and times NOT checked; anyone can forge this !!!")
	if u := in.u; u == nil {
		add("  does not decode: %v", in.err)
	} else {
		if u.Format == verifier.FormatHC1 {
			add("  format    HC1 (EU Digital COVID Certificate)")
		}
		if pr := u.Presentation; pr != nil {
			add("  format    HF1P (presentation of a holder-bound pass)")
			add("  signed    %s", pr.Time.Format(time.RFC3339))
			if pr.Challenge != nil {
				add("  challenge %x", pr.Challenge)
			}
		}
		add("  alg       %s", in.Alg)
		add("  kid       %s", in.KID)
		switch {
		case u.HC1 != nil:
			h, j := u.HC1, NewHC1(u.HC1)
			dob := j.DateOfBirth
			if dob == "" {
				dob = "(none given)"
			}
			add("  type      %s", j.Type)
			add("  country   %s", j.Country)
			add("  issued    %s", h.IssuedAt.Format(time.RFC3339))
			add("  expires   %s", h.ExpiresAt.Format(time.RFC3339))
			add("  holder    %s, %s (%s, %s)", j.Name.Family, j.Name.Given, j.Name.FamilyStd, j.Name.GivenStd)
			add("  born      %s", dob)
			add("  cert id   %s", j.CertificateID)
		case u.Pass != nil:
			p := u.Pass
			add("  issuer    %s", p.Issuer)
			add("  pass      %s", p.ID)
			add("  colour    %s", p.Colour)
			add("  issued    %s", p.IssuedAt.Format(time.RFC3339))
			add("  expires   %s", p.ExpiresAt.Format(time.RFC3339))
			if p.Reason != 0 {
				add("  reason    %s", p.Reason)
			}
			if p.Hints != 0 {
				add("  hints     %s", strings.Join(p.Hints.Names(), ", "))
			}
			add("  name hash %x", p.NameHash)
			if p.PhotoDigest != nil {
				add("  photo     %x %s", p.PhotoDigest, p.PhotoID)
			}
			if p.HolderKey != nil {
				add("  holder    %x", p.HolderKey)
			}
		default:
			add("  claims do not decode: %v", u.Claim)
		}
		add("  COSE      %s", in.COSE)
	}
	add("!!! UNVERIFIED — run \"hufu verify\" to check it !!!")
	return l
}
