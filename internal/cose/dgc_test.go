package cose

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"github.com/hufu-project/hufu/internal/dgctest"
	"math/big"
	"testing"
)

// TestDGCVectors runs the COSE_Sign1 messages of the EU DCC test vectors,
// signed by independent implementations, through ParseSign1. Many have
// exactly HF1's envelope (tag 18, {1: -7, 4: kid}, {}, 64-byte signature);
// those must parse, re-encode to the same bytes, and, where the vector
// says so, verify with its certificate's key over AppendToBeSigned.
func TestDGCVectors(t *testing.T) {
	parsed, verified := 0, 0
	for path, v := range dgctest.Vectors(t) {
		coseHex, _ := v["COSE"].(string)
		msg, err := hex.DecodeString(coseHex)
		if err != nil || len(msg) == 0 {
			continue
		}
		m, err := ParseSign1(msg)
		if err != nil {
			if !errors.Is(err, ErrMalformed) && !errors.Is(err, ErrUnsupportedAlg) {
				t.Errorf("%s: ParseSign1: unexpected error %v", path, err)
			}
			continue
		}
		parsed++
		if got := AppendSign1(nil, m.Protected, m.Payload, m.Signature); !bytes.Equal(got, msg) {
			t.Errorf("%s: re-encoding differs", path)
		}
		er, _ := v["EXPECTEDRESULTS"].(map[string]any)
		ctx, _ := v["TESTCTX"].(map[string]any)
		certB64, _ := ctx["CERTIFICATE"].(string)
		der, err := base64.StdEncoding.DecodeString(certB64)
		if err != nil || er["EXPECTEDVERIFY"] == nil {
			continue
		}
		cert, err := x509.ParseCertificate(der)
		if err != nil {
			continue
		}
		pub, ok := cert.PublicKey.(*ecdsa.PublicKey)
		if !ok || m.Alg != ES256 || pub.Curve.Params().BitSize != 256 {
			continue
		}
		h := sha256.Sum256(AppendToBeSigned(nil, m.Protected, m.Payload))
		r := new(big.Int).SetBytes(m.Signature[:32])
		s := new(big.Int).SetBytes(m.Signature[32:])
		ok = ecdsa.Verify(pub, h[:], r, s)
		if want := er["EXPECTEDVERIFY"] == true; ok != want {
			t.Errorf("%s: signature verifies: %v, vector expects %v", path, ok, want)
		}
		if ok {
			verified++
		}
	}
	if parsed == 0 || verified == 0 {
		t.Fatalf("%d vectors parsed, %d verified; want some of each", parsed, verified)
	}
	t.Logf("%d vectors parsed, %d verified", parsed, verified)
}
