package issuer

import (
	"crypto/ecdsa"
	"math/big"
)

func verifyRaw(pub *ecdsa.PublicKey, digest, sig []byte) bool {
	r := new(big.Int).SetBytes(sig[:32])
	s := new(big.Int).SetBytes(sig[32:])
	return ecdsa.Verify(pub, digest, r, s)
}
