package verifier

import (
	"crypto/sha256"
	"time"

	"github.com/hufu-project/hufu/holder"
	"github.com/hufu-project/hufu/internal/base45"
	"github.com/hufu-project/hufu/internal/cose"
)

// verifyPresentation checks an "HF1P:" text in the order of SPEC.md
// §14.4: both signatures before any time, so that a forged or garbled
// presentation is never reported as stale or expired.
func verifyPresentation(text string, trust Trust, opts Options) (*Pass, error) {
	msg, claims, err := decodePresentation(text)
	if err != nil {
		return nil, err
	}
	pmsg, err := parseMessage(claims.Pass, cose.ParseSign1)
	if err != nil {
		return nil, err
	}
	v, err := checkSigned(pmsg, trust)
	if err != nil {
		return nil, err
	}
	if v.HolderKey == nil {
		return nil, fail(NotHolderBound, nil, "the pass binds no holder key")
	}
	hk, err := v.HolderPublicKey() // checked, and cached, by UnmarshalClaims
	if err != nil {
		return nil, fail(BadPayload, err, "")
	}
	var buf [cose.MaxMessage + 32]byte
	tbs := cose.AppendToBeSigned(buf[:0], msg.Protected, msg.Payload)
	digest := sha256.Sum256(tbs)
	if !verifyES256(hk, digest[:], msg.Signature) {
		return nil, fail(BadHolderSignature, nil, "")
	}
	if err := checkTrusted(v, trust, opts); err != nil {
		return nil, err
	}
	now, window := opts.now(), opts.window()
	if claims.Time.Before(now.Add(-window)) || claims.Time.After(now.Add(window)) {
		return nil, fail(PresentationStale, nil, "signed at "+claims.Time.Format(time.RFC3339)+", outside "+window.String()+" of the clock")
	}
	if len(opts.Challenge) > 0 && string(opts.Challenge) != string(claims.Challenge) {
		return nil, fail(ChallengeMismatch, nil, "")
	}
	v.Presentation = &Presentation{Time: claims.Time, Digest: holder.Digest(msg.Payload)}
	if claims.Challenge != nil {
		v.Presentation.Challenge = append([]byte(nil), claims.Challenge...)
	}
	return v, nil
}

// decodePresentation decodes an "HF1P:" text, checked by checkText, to its
// message and claims (SPEC.md §14.4 steps 3–5).
func decodePresentation(text string) (cose.Sign1, *holder.Claims, error) {
	raw, err := base45.DecodeString(text[len(holder.Prefix):])
	if err != nil {
		return cose.Sign1{}, nil, fail(BadBase45, err, "")
	}
	msg, err := parseMessage(raw, cose.ParsePresentation)
	if err != nil {
		return msg, nil, err
	}
	claims, err := holder.ParseClaims(msg.Payload)
	if err != nil {
		return msg, nil, fail(BadPayload, err, "")
	}
	return msg, claims, nil
}
