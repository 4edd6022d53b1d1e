package store

import (
	"crypto"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/hufu-project/hufu/bundle"
	"github.com/hufu-project/hufu/internal/filekind"
	"github.com/hufu-project/hufu/keys"
	"github.com/hufu-project/hufu/verifier"
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
	msg := filekind.Mismatch(path, data, want)
	if msg == "" {
		return nil
	}
	e := fail(c, nil, "%s", msg)
	switch want {
	case filekind.PublicKey:
		if filekind.Of(data) == filekind.PrivateKey {
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

// RootKID returns the kid (hex) that arg names for unpinning: the kid of
// the one root key in the file arg, if there is such a file (ReadRoots; a
// file of several keys is a BadFile error), else arg itself.
func RootKID(arg string) (string, error) {
	if _, err := os.Stat(arg); err != nil {
		return arg, nil
	}
	roots, err := ReadRoots(arg)
	if err == nil && len(roots) != 1 {
		err = fail(BadFile, nil, "%s holds %d keys; give one root", arg, len(roots))
	}
	if err != nil {
		return "", err
	}
	return kidHex(roots[0]), nil
}

// Installed is what InstallFile did.
type Installed struct {
	Bundle *bundle.Bundle
	Same   bool   // the very same file was installed already: nothing changed
	Dir    string // the state directory
}

// String says it for people: "installed trust bundle seq N (issued T,
// expires T) in DIR", or "trust bundle seq N is already installed".
func (i *Installed) String() string {
	b := i.Bundle
	if i.Same {
		return fmt.Sprintf("trust bundle seq %d is already installed", b.Seq)
	}
	return fmt.Sprintf("installed trust bundle seq %d (issued %s, expires %s) in %s",
		b.Seq, b.IssuedAt.Format(time.RFC3339), b.Expires.Format(time.RFC3339), i.Dir)
}

// Warning says, for people, why verify cannot decide with the bundle at
// now, with clock skew tolerance skew: it has expired, or the clock is
// behind its issue time ("the trust bundle has expired …: verify cannot
// decide with it now (trust_expired)"). It is "" when verify can decide.
func (i *Installed) Warning(now time.Time, skew time.Duration) string {
	_, err := i.Bundle.CheckTime(now, skew)
	var ve *verifier.Error
	if !errors.As(err, &ve) {
		return ""
	}
	return fmt.Sprintf("%s: verify cannot decide with it now (%s)", ve.Detail, ve.Reason)
}

// InstallFile is Install for the bundle file at path (read up to
// bundle.MaxSize+1 bytes, so that a larger one is too_large). A bundle
// that does not open is a Refused error around the *bundle.Error, saying
// what the file is when hufu knows it is something else ("p.txt is a
// pass, not a trust bundle"); a refused bundle's error (IsRefused) names
// the file and hints that the bundle in force stays.
func (s *Store) InstallFile(path string) (*Installed, error) {
	data, err := ReadBundleFile(path)
	if err != nil {
		return nil, err
	}
	b, same, err := s.Install(data)
	var be *bundle.Error
	if errors.As(err, &be) && !errors.Is(err, Rollback) {
		r := wrongKind(Refused, path, data, filekind.Bundle)
		if r == nil {
			r = fail(Refused, nil, "%s", path)
		}
		r.Err = err
		return nil, r.hinted("the installed bundle, if any, stays in force")
	}
	if err != nil {
		if IsRefused(err) {
			err = fmt.Errorf("%s: %w", path, err)
		}
		return nil, err
	}
	return &Installed{Bundle: b, Same: same, Dir: s.Dir}, nil
}

// InstalledStatus describes the installed bundle at now, with clock skew
// tolerance skew, as "hufu bundle status" shows it (Status, its Path the
// installed file). Open's errors are returned as they are; an installed
// bundle that is refused is a Refused error (IsRefused holds) that says
// why: "trust bundle PATH is older than a bundle installed before: …"
// for a rollback, "… does not verify against the pinned roots: …" else.
func (s *Store) InstalledStatus(now time.Time, skew time.Duration) (d *Description, undecided bool, err error) {
	t, err := s.Open(Selection{})
	if err != nil {
		return nil, false, err
	}
	if t.Err != nil {
		what := "does not verify against the pinned roots"
		if errors.Is(t.Err, Rollback) {
			what = "is older than a bundle installed before"
		}
		return nil, false, fail(Refused, t.Err, "%s %s", t.Label, what)
	}
	d, undecided = Status(t.Bundle, t.Path, now, skew)
	return d, undecided, nil
}
