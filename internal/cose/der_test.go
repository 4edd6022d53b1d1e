package cose

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"math/big"
	"testing"
)

func TestSignatureFromDER(t *testing.T) {
	priv, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	digest := sha256.Sum256([]byte("hufu"))
	for i := 0; i < 64; i++ { // r and s of every length: leading zero bytes, high bits
		der, err := ecdsa.SignASN1(rand.Reader, priv, digest[:])
		if err != nil {
			t.Fatal(err)
		}
		sig, ok := SignatureFromDER(der)
		if !ok || len(sig) != SignatureSize {
			t.Fatalf("SignatureFromDER(%x) = %x, %v", der, sig, ok)
		}
		r, s := new(big.Int).SetBytes(sig[:32]), new(big.Int).SetBytes(sig[32:])
		if !ecdsa.Verify(&priv.PublicKey, digest[:], r, s) {
			t.Fatalf("r‖s of %x does not verify", der)
		}
	}
	for _, bad := range [][]byte{
		nil,
		{0x30, 0x06, 0x02, 0x01, 0x01, 0x02, 0x01},             // short
		{0x30, 0x06, 0x02, 0x01, 0x81, 0x02, 0x01, 0x01},       // negative r
		{0x30, 0x07, 0x02, 0x02, 0x00, 0x01, 0x02, 0x01, 0x01}, // r not minimal
		{0x30, 0x07, 0x02, 0x01, 0x01, 0x02, 0x01, 0x01, 0x00}, // trailing byte
		{0x31, 0x06, 0x02, 0x01, 0x01, 0x02, 0x01, 0x01},       // not a SEQUENCE
	} {
		if sig, ok := SignatureFromDER(bad); ok {
			t.Errorf("SignatureFromDER(%x) = %x, accepted", bad, sig)
		}
	}
}
