package bundle

import (
	"slices"
	"time"

	"github.com/hufu-project/hufu/keys"
	"github.com/hufu-project/hufu/pass"
	"github.com/hufu-project/hufu/verifier"
)

// Alongside returns a verifier.Trust that trusts b's keys and also those of
// other (EU document-signer certificates, say). A key is checked by the
// trust it came from, and b's time (CheckTime) is checked first for every
// key: with an expired bundle, or a clock behind it, nothing is decided,
// whichever key signed (SPEC §12.7).
func Alongside(b *Bundle, other verifier.Trust) verifier.Trust {
	return alongside{b, other}
}

type alongside struct {
	b     *Bundle
	other verifier.Trust
}

func (a alongside) Keys(kid []byte) []*keys.Key {
	ks, os := a.b.Keys(kid), a.other.Keys(kid)
	if len(os) == 0 {
		return ks
	}
	return append(slices.Clone(ks), os...)
}

func (a alongside) Check(p *pass.Pass, k *keys.Key, now time.Time, skew time.Duration) ([]string, error) {
	if !slices.Contains(a.other.Keys(k.KID), k) {
		return a.b.Check(p, k, now, skew)
	}
	warnings, err := a.b.CheckTime(now, skew)
	if err != nil {
		return nil, err
	}
	more, err := a.other.Check(p, k, now, skew)
	if err != nil {
		return nil, err
	}
	return append(warnings, more...), nil
}
