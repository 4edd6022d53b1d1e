package page

import (
	"crypto/elliptic"

	"github.com/hufu-project/hufu/verifier"
)

// validKey reports whether key is a compressed P-256 point on the curve.
func validKey(key []byte) bool {
	if len(key) != KeySize || (key[0] != 2 && key[0] != 3) {
		return false
	}
	x, _ := elliptic.UnmarshalCompressed(elliptic.P256(), key)
	return x != nil
}

// checkBinding checks that the pass u binds the holder key key.
func checkBinding(u *verifier.Unverified, key []byte) error {
	// TODO(holderpage): compare with the pass's holder-key claim once SPEC §14 lands.
	return nil
}
