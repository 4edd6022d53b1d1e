package keys

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"encoding/asn1"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"os"

	"github.com/hufu-project/hufu/internal/atomicfile"
)

// PKCS#8 (RFC 5208, RFC 5958) and SEC 1 (RFC 5915) structures.
type pkcs8 struct {
	Version    int
	Algorithm  algorithmIdentifier
	PrivateKey []byte
	Rest       asn1.RawValue `asn1:"optional"` // attributes or public key (RFC 5958)
}

type ecPrivateKey struct {
	Version    int
	PrivateKey []byte
	Curve      asn1.ObjectIdentifier `asn1:"optional,explicit,tag:0"`
	PublicKey  asn1.BitString        `asn1:"optional,explicit,tag:1"`
}

// MarshalPrivate returns the PKCS#8 DER of a P-256 or Ed25519 private key.
func MarshalPrivate(priv crypto.Signer) ([]byte, error) {
	switch k := priv.(type) {
	case *ecdsa.PrivateKey:
		if _, err := AlgOf(&k.PublicKey); err != nil {
			return nil, err
		}
		d, err := k.Bytes()
		if err != nil {
			return nil, fmt.Errorf("keys: %w", err)
		}
		point, err := k.PublicKey.Bytes()
		if err != nil {
			return nil, fmt.Errorf("keys: %w", err)
		}
		inner, err := asn1.Marshal(ecPrivateKey{
			Version:    1,
			PrivateKey: d,
			PublicKey:  asn1.BitString{Bytes: point, BitLength: 8 * len(point)},
		})
		if err != nil {
			return nil, fmt.Errorf("keys: %w", err)
		}
		params, _ := asn1.Marshal(oidP256)
		return asn1.Marshal(pkcs8{
			Algorithm:  algorithmIdentifier{Algorithm: oidECPublicKey, Parameters: asn1.RawValue{FullBytes: params}},
			PrivateKey: inner,
		})
	case ed25519.PrivateKey:
		if len(k) != ed25519.PrivateKeySize {
			return nil, fmt.Errorf("%w: Ed25519 private key of %d bytes", ErrUnsupported, len(k))
		}
		seed, _ := asn1.Marshal(k.Seed())
		return asn1.Marshal(pkcs8{Algorithm: algorithmIdentifier{Algorithm: oidEd25519}, PrivateKey: seed})
	}
	return nil, fmt.Errorf("%w: %T", ErrUnsupported, priv)
}

// ParsePrivate parses a PKCS#8 DER private key for P-256 or Ed25519.
func ParsePrivate(der []byte) (crypto.Signer, error) {
	var p pkcs8
	rest, err := asn1.Unmarshal(der, &p)
	if err != nil || len(rest) != 0 {
		return nil, errors.New("keys: not a PKCS#8 private key")
	}
	if p.Version != 0 && p.Version != 1 {
		return nil, fmt.Errorf("keys: PKCS#8 version %d", p.Version)
	}
	switch {
	case p.Algorithm.Algorithm.Equal(oidEd25519):
		if len(p.Algorithm.Parameters.FullBytes) != 0 {
			return nil, errors.New("keys: Ed25519 key with parameters")
		}
		var seed []byte
		if rest, err := asn1.Unmarshal(p.PrivateKey, &seed); err != nil || len(rest) != 0 || len(seed) != ed25519.SeedSize {
			return nil, errors.New("keys: bad Ed25519 private key")
		}
		return ed25519.NewKeyFromSeed(seed), nil
	case p.Algorithm.Algorithm.Equal(oidECPublicKey):
		var curve asn1.ObjectIdentifier
		if _, err := asn1.Unmarshal(p.Algorithm.Parameters.FullBytes, &curve); err != nil {
			return nil, fmt.Errorf("%w: ECDSA key without a named curve", ErrUnsupported)
		}
		if !curve.Equal(oidP256) {
			name := curveNames[curve.String()]
			if name == "" {
				name = curve.String()
			}
			return nil, fmt.Errorf("%w: ECDSA key on %s; ES256 needs P-256", ErrUnsupported, name)
		}
		var ec ecPrivateKey
		if rest, err := asn1.Unmarshal(p.PrivateKey, &ec); err != nil || len(rest) != 0 || ec.Version != 1 {
			return nil, errors.New("keys: bad EC private key")
		}
		if ec.Curve != nil && !ec.Curve.Equal(oidP256) {
			return nil, errors.New("keys: EC private key names two curves")
		}
		d := ec.PrivateKey
		if len(d) > 32 {
			return nil, errors.New("keys: bad P-256 private scalar")
		}
		d = append(make([]byte, 32-len(d)), d...) // some encoders drop leading zeros
		k, err := ecdsa.ParseRawPrivateKey(elliptic.P256(), d)
		if err != nil {
			return nil, fmt.Errorf("keys: bad P-256 private key: %w", err)
		}
		if ec.PublicKey.BitLength != 0 {
			point, _ := k.PublicKey.Bytes()
			if !bytes.Equal(point, ec.PublicKey.Bytes) {
				return nil, errors.New("keys: EC private key does not match its public key")
			}
		}
		return k, nil
	}
	return nil, fmt.Errorf("%w: key algorithm %s", ErrUnsupported, p.Algorithm.Algorithm)
}

// EncodePrivatePEM returns priv as a "PRIVATE KEY" (PKCS#8) PEM block.
func EncodePrivatePEM(priv crypto.Signer) ([]byte, error) {
	der, err := MarshalPrivate(priv)
	if err != nil {
		return nil, err
	}
	return pem.EncodeToMemory(&pem.Block{Type: pemPrivate, Bytes: der}), nil
}

// ParsePrivatePEM parses one "PRIVATE KEY" PEM block.
func ParsePrivatePEM(data []byte) (crypto.Signer, error) {
	der, err := onePEM(data, pemPrivate)
	if err != nil {
		return nil, err
	}
	return ParsePrivate(der)
}

// WritePrivateFile writes priv as PKCS#8 PEM to a new file at path with mode
// 0600. It never overwrites: if path exists the error satisfies
// errors.Is(err, fs.ErrExist). The file appears complete or not at all.
func WritePrivateFile(path string, priv crypto.Signer) error {
	data, err := EncodePrivatePEM(priv)
	if err != nil {
		return err
	}
	return atomicfile.Create(path, data, 0o600)
}

// ErrReadableByOthers is wrapped by the error ReadPrivateFile returns,
// together with the key, when the file's permissions let users other than
// its owner read or write it.
var ErrReadableByOthers = errors.New("keys: private key file is accessible to other users")

// ReadPrivateFile reads a PKCS#8 PEM private key file of at most
// MaxKeyFile bytes. If the file is accessible to group or others it
// returns the key and a *FileError of code ReadableByOthers, wrapping
// ErrReadableByOthers, so the caller can warn; any other error comes with
// a nil key.
func ReadPrivateFile(path string) (crypto.Signer, error) {
	priv, _, err := ReadPrivateFileRole(path)
	return priv, err
}

// ReadPrivateFileRole is ReadPrivateFile, and also reports whether the
// file is marked as a trust bundle root key (IsRootKey), from the same
// read of the file: a caller that refuses or requires a root key decides
// on the bytes it got the key from.
func ReadPrivateFileRole(path string) (priv crypto.Signer, root bool, err error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, false, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, false, err
	}
	if !st.Mode().IsRegular() {
		return nil, false, &fs.PathError{Op: "read", Path: path, Err: errors.New("not a regular file")}
	}
	if st.Size() > MaxKeyFile {
		return nil, false, &fs.PathError{Op: "read", Path: path, Err: errors.New("too large for a key file")}
	}
	data := make([]byte, st.Size())
	if _, err := f.ReadAt(data, 0); err != nil {
		return nil, false, err
	}
	priv, err = ParsePrivatePEM(data)
	if err != nil {
		return nil, false, fmt.Errorf("%s: %w", path, err)
	}
	root = IsRootKey(data)
	if st.Mode().Perm()&0o077 != 0 {
		return priv, root, &FileError{Code: ReadableByOthers, Path: path, Err: ErrReadableByOthers,
			Detail: fmt.Sprintf("private key file is accessible to other users: %s has mode %04o (want 0600)", path, st.Mode().Perm())}
	}
	return priv, root, nil
}
