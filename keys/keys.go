// Package keys creates, encodes and loads hufu signing keys, derives key
// IDs, and reads and writes trust files.
//
// HF1 has two algorithms: ES256 (ECDSA on P-256 with SHA-256) and EdDSA
// (Ed25519). Private keys are PKCS#8 PEM files, created with mode 0600 and
// never overwritten; public keys are SubjectPublicKeyInfo PEM. The key ID
// (kid) of a public key is the first 8 bytes of SHA-256 over its
// SubjectPublicKeyInfo DER.
//
// Keys for EU Digital COVID Certificates (HC1) come from document-signer
// certificates instead (ParseDSC): ES256 or PS256, with the certificate's
// validity and usage.
//
// This package does not import crypto/x509 (which pulls in package net), so
// that apps embedding the verifier can load keys and trust files too.
package keys

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"encoding/asn1"
	"encoding/pem"
	"errors"
	"fmt"
	"strings"

	"github.com/hufu-project/hufu/internal/atomicfile"
)

// Alg names a signature algorithm as it appears in trust files.
type Alg string

const (
	ES256 Alg = "ES256" // ECDSA P-256 with SHA-256
	EdDSA Alg = "EdDSA" // Ed25519
	// PS256 is RSASSA-PSS with SHA-256 (RFC 8230). Only keys taken from EU
	// document-signer certificates (Key.DSC) use it, for HC1 codes; HF1
	// passes and trust files never do.
	PS256 Alg = "PS256"
)

// ErrUnsupported is wrapped by errors about a key type, curve or algorithm
// other than ES256 on P-256 and Ed25519.
var ErrUnsupported = errors.New("keys: unsupported key")

// KIDSize is the length of a key ID.
const KIDSize = 8

// Generate returns a new private key for alg.
func Generate(alg Alg) (crypto.Signer, error) {
	switch alg {
	case ES256:
		return ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	case EdDSA:
		_, priv, err := ed25519.GenerateKey(rand.Reader)
		return priv, err
	}
	return nil, fmt.Errorf("%w: algorithm %q", ErrUnsupported, alg)
}

// AlgOf returns the algorithm that pub is a key for.
func AlgOf(pub crypto.PublicKey) (Alg, error) {
	switch k := pub.(type) {
	case *ecdsa.PublicKey:
		if k.Curve != elliptic.P256() {
			return "", fmt.Errorf("%w: ECDSA on %s; ES256 needs P-256", ErrUnsupported, k.Curve.Params().Name)
		}
		return ES256, nil
	case ed25519.PublicKey:
		if len(k) != ed25519.PublicKeySize {
			return "", fmt.Errorf("%w: Ed25519 key of %d bytes", ErrUnsupported, len(k))
		}
		return EdDSA, nil
	}
	return "", fmt.Errorf("%w: %T", ErrUnsupported, pub)
}

// DER prefixes of the two SubjectPublicKeyInfo forms; the key bytes follow.
var (
	spkiP256    = []byte{0x30, 0x59, 0x30, 0x13, 0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01, 0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07, 0x03, 0x42, 0x00}
	spkiEd25519 = []byte{0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00}
)

// MarshalPublic returns the SubjectPublicKeyInfo DER of pub.
func MarshalPublic(pub crypto.PublicKey) ([]byte, error) {
	alg, err := AlgOf(pub)
	if err != nil {
		return nil, err
	}
	if alg == EdDSA {
		return append(bytes.Clone(spkiEd25519), pub.(ed25519.PublicKey)...), nil
	}
	point, err := pub.(*ecdsa.PublicKey).Bytes()
	if err != nil {
		return nil, fmt.Errorf("keys: %w", err)
	}
	return append(bytes.Clone(spkiP256), point...), nil
}

var (
	oidECPublicKey = asn1.ObjectIdentifier{1, 2, 840, 10045, 2, 1}
	oidP256        = asn1.ObjectIdentifier{1, 2, 840, 10045, 3, 1, 7}
	oidEd25519     = asn1.ObjectIdentifier{1, 3, 101, 112}
	curveNames     = map[string]string{
		"1.3.132.0.33": "P-224", "1.3.132.0.34": "P-384", "1.3.132.0.35": "P-521",
		"1.3.36.3.3.2.8.1.1.7": "brainpoolP256r1", "1.3.132.0.10": "secp256k1",
	}
)

type algorithmIdentifier struct {
	Algorithm  asn1.ObjectIdentifier
	Parameters asn1.RawValue `asn1:"optional"`
}

type spki struct {
	Algorithm algorithmIdentifier
	PublicKey asn1.BitString
}

// ParsePublic parses a SubjectPublicKeyInfo DER of a P-256 or Ed25519 key.
// Only the exact DER encodings are accepted; for other key types it
// returns an error wrapping ErrUnsupported that names what it found.
func ParsePublic(der []byte) (crypto.PublicKey, error) {
	switch {
	case len(der) == len(spkiP256)+65 && bytes.HasPrefix(der, spkiP256):
		k, err := ecdsa.ParseUncompressedPublicKey(elliptic.P256(), der[len(spkiP256):])
		if err != nil {
			return nil, fmt.Errorf("keys: bad P-256 public key: %w", err)
		}
		return k, nil
	case len(der) == len(spkiEd25519)+ed25519.PublicKeySize && bytes.HasPrefix(der, spkiEd25519):
		return ed25519.PublicKey(bytes.Clone(der[len(spkiEd25519):])), nil
	}
	// Say what it is, if it is a SubjectPublicKeyInfo at all.
	var s spki
	if rest, err := asn1.Unmarshal(der, &s); err != nil || len(rest) != 0 {
		return nil, errors.New("keys: not a SubjectPublicKeyInfo")
	}
	if s.Algorithm.Algorithm.Equal(oidECPublicKey) {
		var curve asn1.ObjectIdentifier
		if _, err := asn1.Unmarshal(s.Algorithm.Parameters.FullBytes, &curve); err == nil {
			if name, ok := curveNames[curve.String()]; ok {
				return nil, fmt.Errorf("%w: ECDSA key on %s; ES256 needs P-256", ErrUnsupported, name)
			}
			if curve.Equal(oidP256) {
				return nil, errors.New("keys: P-256 key not in uncompressed DER form")
			}
			return nil, fmt.Errorf("%w: ECDSA key on curve %s", ErrUnsupported, curve)
		}
		return nil, fmt.Errorf("%w: ECDSA key without a named curve", ErrUnsupported)
	}
	if s.Algorithm.Algorithm.Equal(oidEd25519) {
		return nil, errors.New("keys: Ed25519 key not in exact DER form")
	}
	return nil, fmt.Errorf("%w: key algorithm %s", ErrUnsupported, s.Algorithm.Algorithm)
}

// KID returns the key ID of pub: the first 8 bytes of SHA-256 over its
// SubjectPublicKeyInfo DER.
func KID(pub crypto.PublicKey) ([]byte, error) {
	der, err := MarshalPublic(pub)
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256(der)
	return sum[:KIDSize], nil
}

const (
	pemPublic  = "PUBLIC KEY"
	pemPrivate = "PRIVATE KEY"
)

// EncodePublicPEM returns pub as a "PUBLIC KEY" PEM block.
func EncodePublicPEM(pub crypto.PublicKey) ([]byte, error) {
	der, err := MarshalPublic(pub)
	if err != nil {
		return nil, err
	}
	return pem.EncodeToMemory(&pem.Block{Type: pemPublic, Bytes: der}), nil
}

// ParsePublicPEM parses one "PUBLIC KEY" PEM block, with nothing but white
// space around it.
func ParsePublicPEM(data []byte) (crypto.PublicKey, error) {
	der, err := onePEM(data, pemPublic)
	if err != nil {
		return nil, err
	}
	return ParsePublic(der)
}

func onePEM(data []byte, typ string) ([]byte, error) {
	b, rest := pem.Decode(data)
	if b == nil {
		return nil, fmt.Errorf("keys: no PEM block found (want %q)", typ)
	}
	if b.Type != typ {
		return nil, fmt.Errorf("keys: PEM block is %q, want %q", b.Type, typ)
	}
	if len(b.Headers) != 0 {
		return nil, errors.New("keys: PEM block has headers")
	}
	if len(bytes.TrimSpace(rest)) != 0 {
		return nil, errors.New("keys: data after the PEM block")
	}
	return b.Bytes, nil
}

// MaxKeyFile bounds the size of a key file.
const MaxKeyFile = 64 << 10

// ReadPublicFile reads a "PUBLIC KEY" PEM file of at most MaxKeyFile
// bytes. Given a private key file instead, it returns a *FileError of code
// PrivateNotPublic.
func ReadPublicFile(path string) (crypto.PublicKey, error) {
	data, err := readLimited(path, MaxKeyFile)
	if err != nil {
		return nil, err
	}
	pub, err := ParsePublicPEM(data)
	if b, _ := pem.Decode(data); err != nil && b != nil && strings.HasSuffix(b.Type, "PRIVATE KEY") {
		return nil, &FileError{Code: PrivateNotPublic, Path: path, Err: err, Detail: path + " holds a private key, not a public key"}
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return pub, nil
}

// WritePublicFile writes pub as PEM to a new file at path, mode 0644; it
// never overwrites an existing file.
func WritePublicFile(path string, pub crypto.PublicKey) error {
	data, err := EncodePublicPEM(pub)
	if err != nil {
		return err
	}
	return atomicfile.Create(path, data, 0o644)
}
