package store

import (
	"crypto"
	"errors"
	"fmt"

	"github.com/hufu-project/hufu/bundle"
	"github.com/hufu-project/hufu/internal/filekind"
	"github.com/hufu-project/hufu/keys"
)

// maxKeyFile bounds a root key file (ReadRoots).
const maxKeyFile = 1 << 20

// ReadRoots reads root public keys from files, each a sequence of one or
// more "PUBLIC KEY" PEM blocks (ParsePEMKeys) of at most 1 MiB. A file
// that cannot be opened is returned as os returns it; one that holds no
// public key is a BadFile error that says what the file is when hufu
// knows ("root.key is a private key, not a public key", with a hint to
// give root.key.pub), else names it before the parse error.
func ReadRoots(files ...string) ([]crypto.PublicKey, error) {
	var roots []crypto.PublicKey
	for _, f := range files {
		data, err := readUpTo(f, maxKeyFile+1)
		if err != nil {
			return nil, err
		}
		if len(data) > maxKeyFile {
			return nil, fail(BadFile, nil, "%s is larger than %d bytes", f, maxKeyFile)
		}
		rs, err := ParsePEMKeys(data)
		if err == nil && len(rs) == 0 {
			err = errors.New("store: no PUBLIC KEY PEM block")
		}
		if err != nil {
			if w := wrongKind(BadFile, f, data, filekind.PublicKey); w != nil {
				return nil, w
			}
			return nil, fail(BadFile, err, "%s", f)
		}
		roots = append(roots, rs...)
	}
	return roots, nil
}

// wrongKind is the error (with code c) for the file at path, holding data,
// that should be want but is another kind hufu knows: "PATH is KIND, not
// WANT", with a hint for the usual mix-ups. It is nil if the file is of an
// unknown kind, or of the kind wanted (it is then just malformed).
func wrongKind(c Code, path string, data []byte, want filekind.Kind) *Error {
	kind := filekind.Of(data)
	if kind == filekind.Unknown || kind == want {
		return nil
	}
	e := fail(c, nil, "%s is %s, not %s", path, kind, want)
	switch want {
	case filekind.PublicKey:
		if kind == filekind.PrivateKey {
			e.hint = fmt.Sprintf("give the public key (%s.pub), not the private key", path)
		}
	case filekind.TrustFile:
		e.hint = "-trust wants a trust file: make one with \"hufu trust add\""
	}
	return e
}

// readTrustFile is keys.ReadTrustFile, saying what the file is if it is
// not a trust file but something else hufu knows (BadFile).
func readTrustFile(path string) (*keys.TrustFile, error) {
	tf, err := keys.ReadTrustFile(path)
	if err == nil {
		return tf, nil
	}
	if data, rerr := readUpTo(path, keys.MaxTrustFile); rerr == nil {
		if w := wrongKind(BadFile, path, data, filekind.TrustFile); w != nil {
			return nil, w
		}
	}
	return nil, err
}

// IsRefused reports whether err refuses a bundle itself (a *bundle.Error,
// or Rollback), rather than the state directory, the selection or a file
// that cannot be read: a verifier then cannot decide (trust_unavailable),
// and an install leaves the bundle in force.
func IsRefused(err error) bool {
	var be *bundle.Error
	return errors.As(err, &be) || errors.Is(err, Rollback)
}

// InstallFile is Install for the bundle file at path (read up to
// bundle.MaxSize+1 bytes, so that a larger one is too_large). A bundle
// that does not open is a Refused error around the *bundle.Error, saying
// what the file is when hufu knows it is something else ("p.txt is a
// pass, not a trust bundle"); a refused bundle's error (IsRefused) names
// the file and hints that the bundle in force stays.
func (s *Store) InstallFile(path string) (b *bundle.Bundle, same bool, err error) {
	data, err := ReadBundleFile(path)
	if err != nil {
		return nil, false, err
	}
	b, same, err = s.Install(data)
	var be *bundle.Error
	if errors.As(err, &be) && !errors.Is(err, Rollback) {
		r := wrongKind(Refused, path, data, filekind.Bundle)
		if r == nil {
			r = fail(Refused, nil, "%s", path)
		}
		r.Err = err
		return nil, false, r.hinted("the installed bundle, if any, stays in force")
	}
	if err != nil && IsRefused(err) {
		err = fmt.Errorf("%s: %w", path, err)
	}
	return b, same, err
}
