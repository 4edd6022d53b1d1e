package page

import (
	"bytes"
	"errors"

	"github.com/hufu-project/hufu/pass"
	"github.com/hufu-project/hufu/verifier"
)

// validKey reports whether key is a holder key: a compressed P-256 point
// on the curve (SPEC §14.1).
func validKey(key []byte) bool {
	_, err := pass.ParseHolderKey(key)
	return err == nil
}

// checkBinding checks that the pass u binds the holder key key.
func checkBinding(u *verifier.Unverified, key []byte) error {
	switch {
	case u.Pass.HolderKey == nil:
		return errors.New("page: the pass is not holder-bound")
	case !bytes.Equal(u.Pass.HolderKey, key):
		return errors.New("page: the pass is bound to another holder key")
	}
	return nil
}
