package issuer

import (
	"crypto"
	"time"

	"github.com/hufu-project/hufu/keys"
	"github.com/hufu-project/hufu/pass"
)

// A Request asks for a pass in the terms an operator gives them: the
// status by name, the issuer ID, and the longest validity the issuer
// allows. Prepare checks all of it, and the signing key, before anything
// is signed.
type Request struct {
	Issuer      string           // the issuer ID (SPEC.md §4), such as the region code "310000"
	MaxValidity time.Duration    // the longest validity the issuer allows; must be positive
	Name        string           // the holder's name, as Claims.Name
	Colour      string           // green, yellow or red, in any case (Claims.SetStatus)
	Reason      string           // a reason code, only for yellow and red; "" for none
	Hints       []string         // hint codes, none or several
	Photo       []byte           // the photo file's bytes, or nil, as Claims.Photo
	PhotoID     string           // as Claims.PhotoID; needs Photo
	Validity    time.Duration    // as Claims.Validity: > 0 and ≤ MaxValidity
	IssuedAt    time.Time        // as Claims.IssuedAt: zero means now
	HolderKey   crypto.PublicKey // as Claims.HolderKey: nil, or a P-256 public key
}

// Prepare checks r and returns an Issuer that signs with key for
// r.Issuer and r.MaxValidity (New), and the Claims of r's pass, ready for
// the Issuer's Issue. It checks, in order, the status names
// (Claims.SetStatus), the maximum validity, the issuer ID and the key
// (New), then the claims, by building a trial pass that is never signed:
// the validity, the holder key, the name, then the photo ID (which needs
// a photo) and the other rules of SPEC.md §4. So every
// check Issue makes is made here, and Issue of the Claims fails only if
// the signer does. Errors are *Error values with the Code of the first
// rule broken.
func Prepare(key crypto.Signer, r *Request) (*Issuer, Claims, error) {
	c := Claims{Name: r.Name, Photo: r.Photo, PhotoID: r.PhotoID, Validity: r.Validity, IssuedAt: r.IssuedAt, HolderKey: r.HolderKey}
	if err := c.SetStatus(r.Colour, r.Reason, r.Hints); err != nil {
		return nil, Claims{}, err
	}
	is, err := New(key, r.Issuer, r.MaxValidity)
	if err != nil {
		return nil, Claims{}, err
	}
	var p pass.Pass
	var buf [384]byte
	if _, err := is.appendClaims(buf[:0], &p, c); err != nil {
		return nil, Claims{}, err
	}
	return is, c, nil
}

// ReadKeyFile reads the private key that signs passes from the PKCS#8
// PEM file at path (keys.ReadPrivateFile). It refuses a trust bundle root
// key, a file marked with keys.RootMarker (hufu keygen -root), with a
// RootKey *Error: that key signs trust bundles, never passes. Like
// keys.ReadPrivateFile, it returns the key together with an error
// wrapping keys.ErrReadableByOthers if users other than the file's owner
// may read it, so the caller can warn and go on; any other error comes
// with a nil key.
func ReadKeyFile(path string) (crypto.Signer, error) {
	priv, root, err := keys.ReadPrivateFileRole(path)
	if priv != nil && root {
		return nil, fail(RootKey, nil, "sign passes with an issuer key (hufu keygen -o issuer.key); a root key signs only trust bundles (hufu bundle sign)",
			path+" is a bundle root key; passes are signed with an issuer key")
	}
	return priv, err
}
