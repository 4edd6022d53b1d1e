package keys

import (
	"bytes"
	"crypto"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/hufu-project/hufu/internal/atomicfile"
	"github.com/hufu-project/hufu/internal/humantime"
)

// RootMarker is the line before the PEM block of a trust bundle root
// key's file (WriteKeyPair with root): explanatory text, which PEM readers
// such as OpenSSL skip.
const RootMarker = "Hufu-Key-Role: bundle-root"

// ParseAlg returns the algorithm named s: ES256, or EdDSA (Ed25519 also
// works), in any case.
func ParseAlg(s string) (Alg, error) {
	switch strings.ToUpper(s) {
	case "ES256":
		return ES256, nil
	case "EDDSA", "ED25519":
		return EdDSA, nil
	}
	return "", fmt.Errorf("keys: unknown algorithm %q (want ES256 or EdDSA)", s)
}

// WriteKeyPair writes priv to path (PKCS#8 PEM, mode 0600, led by
// RootMarker if root) and its public key to path+".pub"
// (SubjectPublicKeyInfo PEM). It never replaces a file: if either exists,
// it writes nothing and returns a *FileError of code KeyExists for it,
// which wraps an *fs.PathError wrapping fs.ErrExist.
func WriteKeyPair(path string, priv crypto.Signer, root bool) error {
	pubPath := path + ".pub"
	for _, p := range []string{path, pubPath} {
		if _, err := os.Lstat(p); err == nil {
			return keyExists(p)
		}
	}
	data, err := EncodePrivatePEM(priv)
	if err != nil {
		return err
	}
	if root {
		data = append([]byte(RootMarker+"\n"), data...)
	}
	if err := atomicfile.Create(path, data, 0o600); errors.Is(err, fs.ErrExist) {
		return keyExists(path)
	} else if err != nil {
		return fmt.Errorf("keys: writing private key: %w", err)
	}
	if err := WritePublicFile(pubPath, priv.Public()); err != nil {
		return fmt.Errorf("keys: writing public key: %w", err)
	}
	return nil
}

// keyExists is WriteKeyPair's error for a file at path.
func keyExists(path string) error {
	return &FileError{Code: KeyExists, Path: path, Detail: path + " already exists; hufu never overwrites a key",
		Err: &fs.PathError{Op: "create", Path: path, Err: fs.ErrExist}}
}

// IsRootKey reports whether a private key file's contents are marked as
// a trust bundle root key: a line RootMarker before the PEM block.
func IsRootKey(data []byte) bool {
	head, _, found := bytes.Cut(data, []byte("-----BEGIN"))
	if !found {
		return false
	}
	for _, line := range strings.Split(string(head), "\n") {
		if strings.TrimSpace(line) == RootMarker {
			return true
		}
	}
	return false
}

// Equal reports whether a and b are the same public key.
func Equal(a, b crypto.PublicKey) bool {
	x, err1 := MarshalPublic(a)
	y, err2 := MarshalPublic(b)
	return err1 == nil && err2 == nil && bytes.Equal(x, y)
}

// NewKey returns the trust entry for pub, which may sign passes for
// issuers: its KID and algorithm are pub's, its window open.
func NewKey(pub crypto.PublicKey, issuers ...string) (*Key, error) {
	alg, err := AlgOf(pub)
	if err != nil {
		return nil, err
	}
	kid, err := KID(pub)
	if err != nil {
		return nil, err
	}
	return &Key{KID: kid, Alg: alg, Public: pub, Issuers: issuers}, nil
}

// SetWindow sets k's validity window (ValidFrom, ValidUntil) from its
// bounds as an operator writes them: each RFC 3339 (2026-12-02T08:00:00Z,
// or with an offset) or a date (2026-12-02, its start in UTC), or "" to
// leave that side open. The times are kept in UTC. It changes k only if
// both bounds parse and until is not before from.
func (k *Key) SetWindow(from, until string) error {
	var w [2]time.Time
	for i, s := range []string{from, until} {
		if s == "" {
			continue
		}
		t, err := humantime.ParseTime(s, time.UTC)
		if err != nil {
			return fmt.Errorf("keys: %s: %w", [2]string{"valid_from", "valid_until"}[i], err)
		}
		w[i] = t.UTC()
	}
	if !w[0].IsZero() && !w[1].IsZero() && w[1].Before(w[0]) {
		return errors.New("keys: valid_until is before valid_from")
	}
	k.ValidFrom, k.ValidUntil = w[0], w[1]
	return nil
}

// AddToTrustFile adds k to the trust file at path, creating the file if
// there is none, and writes it back atomically. A key the file already
// lists is extended, not repeated: k's issuers are added to it, and
// k's window, on each side where it is set, replaces the listed one. It
// returns the entry as written.
func AddToTrustFile(path string, k *Key) (*Key, error) {
	t, err := ReadTrustFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		t, err = NewTrust()
	}
	if err != nil {
		return nil, err
	}
	k = &Key{KID: k.KID, Alg: k.Alg, Public: k.Public, Issuers: append([]string(nil), k.Issuers...), ValidFrom: k.ValidFrom, ValidUntil: k.ValidUntil}
	var rest []*Key
	for _, old := range t.All() {
		if old.Alg != k.Alg || !Equal(old.Public, k.Public) {
			rest = append(rest, old)
			continue
		}
		for _, iss := range old.Issuers {
			if !slices.Contains(k.Issuers, iss) {
				k.Issuers = append(k.Issuers, iss)
			}
		}
		k.ValidFrom = orTime(k.ValidFrom, old.ValidFrom)
		k.ValidUntil = orTime(k.ValidUntil, old.ValidUntil)
	}
	if t, err = NewTrust(rest...); err == nil {
		err = t.Add(k)
	}
	if err == nil {
		err = WriteTrustFile(path, t)
	}
	if err != nil {
		return nil, err
	}
	return k, nil
}

// orTime is t, or else if t is zero.
func orTime(t, other time.Time) time.Time {
	if t.IsZero() {
		return other
	}
	return t
}

// A TrustList describes the keys of a trust file, for people and programs:
// its JSON form is the object "hufu trust list -json" prints, every key
// present, times null when open.
type TrustList struct {
	Version int             `json:"hufu_trust_list"` // 1
	Keys    []TrustListItem `json:"keys"`
}

// A TrustListItem is one key of a TrustList.
type TrustListItem struct {
	KID        string     `json:"kid"` // hex
	Alg        string     `json:"alg"`
	Issuers    []string   `json:"issuers"`
	ValidFrom  *time.Time `json:"valid_from"`
	ValidUntil *time.Time `json:"valid_until"`
}

// List describes t's keys, in the order they were added.
func (t *TrustFile) List() *TrustList {
	l := &TrustList{Version: 1, Keys: []TrustListItem{}}
	opt := func(t time.Time) *time.Time {
		if t.IsZero() {
			return nil
		}
		t = t.UTC()
		return &t
	}
	for _, k := range t.keys {
		l.Keys = append(l.Keys, TrustListItem{hex.EncodeToString(k.KID), string(k.Alg), slices.Clone(k.Issuers), opt(k.ValidFrom), opt(k.ValidUntil)})
	}
	return l
}

// Lines is the list for people, a line per key: kid, algorithm, issuers
// and window.
func (l *TrustList) Lines() []string {
	var out []string
	for _, k := range l.Keys {
		s := fmt.Sprintf("%s  %-5s  issuers %s", k.KID, k.Alg, strings.Join(k.Issuers, ","))
		if k.ValidFrom != nil {
			s += "  from " + k.ValidFrom.Format(time.RFC3339)
		}
		if k.ValidUntil != nil {
			s += "  until " + k.ValidUntil.Format(time.RFC3339)
		}
		out = append(out, s)
	}
	return out
}
