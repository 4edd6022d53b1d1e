package cose

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"io"
	"testing"

	gocose "github.com/veraison/go-cose"
)

// recordingSigner wraps a go-cose Signer and keeps the ToBeSigned bytes
// that go-cose asked it to sign.
type recordingSigner struct {
	gocose.Signer
	tbs []byte
}

func (s *recordingSigner) Sign(rand io.Reader, content []byte) ([]byte, error) {
	s.tbs = bytes.Clone(content)
	return s.Signer.Sign(rand, content)
}

type testKey struct {
	alg   Alg
	goAlg gocose.Algorithm
	priv  crypto.Signer
	sign  func(tbs []byte) []byte // hufu's way: Ed25519, or ECDSA r‖s over SHA-256
	pub   crypto.PublicKey
}

func testKeys(t *testing.T) []testKey {
	t.Helper()
	edPriv := ed25519.NewKeyFromSeed(bytes.Repeat([]byte{7}, ed25519.SeedSize))
	ecPriv, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return []testKey{
		{
			alg: EdDSA, goAlg: gocose.AlgorithmEdDSA, priv: edPriv, pub: edPriv.Public(),
			sign: func(tbs []byte) []byte { return ed25519.Sign(edPriv, tbs) },
		},
		{
			alg: ES256, goAlg: gocose.AlgorithmES256, priv: ecPriv, pub: ecPriv.Public(),
			sign: func(tbs []byte) []byte {
				h := sha256.Sum256(tbs)
				r, s, err := ecdsa.Sign(rand.Reader, ecPriv, h[:])
				if err != nil {
					t.Fatal(err)
				}
				sig := make([]byte, 64)
				r.FillBytes(sig[:32])
				s.FillBytes(sig[32:])
				return sig
			},
		},
	}
}

// TestFromGoCOSE: a message that go-cose signs with the HF1 protected header
// parses, its Sig_structure is the one go-cose signed, and the signature
// verifies with go-cose.
func TestFromGoCOSE(t *testing.T) {
	for _, k := range testKeys(t) {
		t.Run(k.alg.String(), func(t *testing.T) {
			signer, err := gocose.NewSigner(k.goAlg, k.priv)
			if err != nil {
				t.Fatal(err)
			}
			rec := &recordingSigner{Signer: signer}
			msg := gocose.NewSign1Message()
			msg.Headers.Protected.SetAlgorithm(k.goAlg)
			msg.Headers.Protected[gocose.HeaderLabelKeyID] = testKID
			msg.Payload = testPayload
			if err := msg.Sign(rand.Reader, nil, rec); err != nil {
				t.Fatal(err)
			}
			b, err := msg.MarshalCBOR()
			if err != nil {
				t.Fatal(err)
			}

			m, err := ParseSign1(b)
			if err != nil {
				t.Fatalf("ParseSign1(go-cose message %x): %v", b, err)
			}
			if m.Alg != k.alg || !bytes.Equal(m.KID, testKID) || !bytes.Equal(m.Payload, testPayload) ||
				!bytes.Equal(m.Signature, msg.Signature) {
				t.Errorf("ParseSign1 = %+v", m)
			}
			if want := AppendProtected(nil, k.alg, testKID); !bytes.Equal(m.Protected, want) {
				t.Errorf("go-cose protected header %x, AppendProtected %x", m.Protected, want)
			}
			if tbs := AppendToBeSigned(nil, m.Protected, m.Payload); !bytes.Equal(tbs, rec.tbs) {
				t.Errorf("AppendToBeSigned = %x\ngo-cose ToBeSigned %x", tbs, rec.tbs)
			}
			if got := AppendSign1(nil, m.Protected, m.Payload, m.Signature); !bytes.Equal(got, b) {
				t.Errorf("AppendSign1 = %x\ngo-cose            %x", got, b)
			}
			v, err := gocose.NewVerifier(k.goAlg, k.pub)
			if err != nil {
				t.Fatal(err)
			}
			if err := v.Verify(AppendToBeSigned(nil, m.Protected, m.Payload), m.Signature); err != nil {
				t.Errorf("signature over AppendToBeSigned does not verify: %v", err)
			}
		})
	}
}

// TestToGoCOSE: a message built here and signed over AppendToBeSigned
// verifies with go-cose, and a tampered one does not.
func TestToGoCOSE(t *testing.T) {
	for _, k := range testKeys(t) {
		t.Run(k.alg.String(), func(t *testing.T) {
			prot := AppendProtected(nil, k.alg, testKID)
			sig := k.sign(AppendToBeSigned(nil, prot, testPayload))
			b := AppendSign1(nil, prot, testPayload, sig)

			var msg gocose.Sign1Message
			if err := msg.UnmarshalCBOR(b); err != nil {
				t.Fatalf("go-cose cannot parse %x: %v", b, err)
			}
			alg, err := msg.Headers.Protected.Algorithm()
			if err != nil || alg != k.goAlg {
				t.Errorf("go-cose reads alg %v, %v", alg, err)
			}
			if kid, _ := msg.Headers.Protected[gocose.HeaderLabelKeyID].([]byte); !bytes.Equal(kid, testKID) {
				t.Errorf("go-cose reads kid %x", kid)
			}
			if len(msg.Headers.Unprotected) != 0 {
				t.Errorf("go-cose reads unprotected header %v", msg.Headers.Unprotected)
			}
			v, err := gocose.NewVerifier(k.goAlg, k.pub)
			if err != nil {
				t.Fatal(err)
			}
			if err := msg.Verify(nil, v); err != nil {
				t.Errorf("go-cose does not verify: %v", err)
			}

			tampered := bytes.Clone(b)
			tampered[len(tampered)-SignatureSize-3] ^= 1 // last payload byte, before the 2-byte signature head
			var bad gocose.Sign1Message
			if err := bad.UnmarshalCBOR(tampered); err != nil {
				t.Fatal(err)
			}
			if err := bad.Verify(nil, v); err == nil {
				t.Error("go-cose verifies a tampered payload")
			}
		})
	}
}
