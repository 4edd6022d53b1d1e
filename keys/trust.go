package keys

import (
	"crypto"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"time"

	"github.com/hufu-project/hufu/internal/atomicfile"
	"github.com/hufu-project/hufu/internal/strictjson"
	"github.com/hufu-project/hufu/pass"
)

// Key is a public key that a verifier trusts, with what it may sign.
type Key struct {
	// KID is the key ID that passes signed by this key carry. For HF1 keys
	// it is normally KID(Public), but a trust list may give several keys
	// the same KID; a verifier tries each.
	KID    []byte
	Alg    Alg
	Public crypto.PublicKey
	// Issuers lists the issuer IDs the key may sign passes for.
	Issuers []string
	// ValidFrom and ValidUntil bound when the key may sign: a pass is
	// accepted only if its issue time lies in [ValidFrom, ValidUntil].
	// A zero time leaves that side open. For a DSC key they are the
	// certificate's validity, which bounds an HC1 code's expiry too.
	ValidFrom, ValidUntil time.Time
	// DSC is set on a key taken from an EU document-signer certificate
	// (ParseDSC). Such a key verifies HC1 codes only, has no Issuers, and
	// cannot be written to a trust file; a key without a DSC verifies HF1
	// passes only.
	DSC *DSC
}

// MaySign reports whether the key may sign passes for issuer iss.
func (k *Key) MaySign(iss string) bool { return slices.Contains(k.Issuers, iss) }

// ValidAt reports whether t lies in the key's validity window.
func (k *Key) ValidAt(t time.Time) bool {
	return (k.ValidFrom.IsZero() || !t.Before(k.ValidFrom)) &&
		(k.ValidUntil.IsZero() || !t.After(k.ValidUntil))
}

// Check reports whether the key's fields are consistent: a KID of KIDSize
// bytes, an algorithm that matches the public key, at least one issuer, and
// a window that is not empty. A DSC key has ES256 on P-256 or PS256 and no
// issuers.
func (k *Key) Check() error {
	if len(k.KID) != KIDSize {
		return fmt.Errorf("keys: kid of %d bytes, want %d", len(k.KID), KIDSize)
	}
	if k.DSC != nil {
		return k.checkDSC()
	}
	alg, err := AlgOf(k.Public)
	if err != nil {
		return err
	}
	if alg != k.Alg {
		return fmt.Errorf("%w: alg %q but the public key is for %s", ErrUnsupported, k.Alg, alg)
	}
	if len(k.Issuers) == 0 {
		return errors.New("keys: key may sign for no issuer")
	}
	for i, iss := range k.Issuers {
		if pass.CheckIssuer(iss) != nil {
			return fmt.Errorf("keys: bad issuer ID %q: want 1 to %d bytes of printable ASCII without spaces", iss, pass.MaxIssuerLen)
		}
		if slices.Contains(k.Issuers[:i], iss) {
			return fmt.Errorf("keys: issuer %q listed twice", iss)
		}
	}
	if !k.ValidFrom.IsZero() && !k.ValidUntil.IsZero() && k.ValidUntil.Before(k.ValidFrom) {
		return errors.New("keys: valid_until is before valid_from")
	}
	return nil
}

// TrustFile is a set of trusted keys, kept as an unsigned JSON file. It is
// meant for development and small deployments; a signed trust bundle
// replaces it without changing the verifier's API. A TrustFile can also hold
// DSC keys for HC1 codes (added with Add, for example from ReadDSCFile), but
// a trust file on disk cannot. A TrustFile is safe for concurrent reads; Add
// must not run concurrently with anything else.
type TrustFile struct {
	keys  []*Key
	byKID map[[KIDSize]byte][]*Key
}

// NewTrust returns a TrustFile holding the given keys, after checking each.
func NewTrust(ks ...*Key) (*TrustFile, error) {
	t := &TrustFile{byKID: map[[KIDSize]byte][]*Key{}}
	for _, k := range ks {
		if err := t.Add(k); err != nil {
			return nil, err
		}
	}
	return t, nil
}

// Add checks k and adds it. Adding a key whose KID and public key are both
// already present is an error: extend that entry's issuers instead.
func (t *TrustFile) Add(k *Key) error {
	if err := k.Check(); err != nil {
		return err
	}
	id := [KIDSize]byte(k.KID)
	for _, old := range t.keys {
		if eq, ok := old.Public.(interface{ Equal(crypto.PublicKey) bool }); ok && eq.Equal(k.Public) {
			return fmt.Errorf("keys: key %x is already in the trust file (as kid %x)", k.KID, old.KID)
		}
	}
	t.keys = append(t.keys, k)
	t.byKID[id] = append(t.byKID[id], k)
	return nil
}

// Keys returns the keys with the given key ID, in the order they were added.
func (t *TrustFile) Keys(kid []byte) []*Key {
	if len(kid) != KIDSize {
		return nil
	}
	return t.byKID[[KIDSize]byte(kid)]
}

// Check implements the verifier's Trust interface. A trust file has no rules
// beyond each key's issuers and window, which the verifier checks itself.
func (t *TrustFile) Check(*pass.Pass, *Key, time.Time, time.Duration) ([]string, error) {
	return nil, nil
}

// All returns every key, in the order they were added.
func (t *TrustFile) All() []*Key { return slices.Clone(t.keys) }

// The JSON form of a trust file.
type trustJSON struct {
	Version int       `json:"hufu_trust"`
	Keys    []keyJSON `json:"keys"`
}

type keyJSON struct {
	KID        string   `json:"kid"`
	Alg        Alg      `json:"alg"`
	PublicKey  string   `json:"public_key"` // base64 (standard, padded) SubjectPublicKeyInfo DER
	Issuers    []string `json:"issuers"`
	ValidFrom  string   `json:"valid_from,omitempty"`  // RFC 3339
	ValidUntil string   `json:"valid_until,omitempty"` // RFC 3339
}

// TrustVersion is the version number a trust file carries.
const TrustVersion = 1

// MaxTrustFile bounds the size of a trust file.
const MaxTrustFile = 1 << 20

// ParseTrust parses a JSON trust file. It is strict: unknown or duplicate
// fields, trailing data, a wrong version, a key ID that is not 16 lower-case
// hex digits, a public key that is not the exact SubjectPublicKeyInfo DER of
// a P-256 or Ed25519 key, an alg that does not match the key, no issuers,
// times not in RFC 3339, and the same key listed twice are all errors.
func ParseTrust(data []byte) (*TrustFile, error) {
	var tj trustJSON
	if err := strictjson.Unmarshal(data, &tj, MaxTrustFile); err != nil {
		return nil, fmt.Errorf("keys: trust file: %w", err)
	}
	if tj.Version != TrustVersion {
		return nil, fmt.Errorf("keys: trust file: hufu_trust is %d, want %d", tj.Version, TrustVersion)
	}
	t := &TrustFile{byKID: map[[KIDSize]byte][]*Key{}}
	for i, kj := range tj.Keys {
		k, err := kj.key()
		if err == nil {
			err = t.Add(k)
		}
		if err != nil {
			return nil, fmt.Errorf("keys: trust file: key %d: %w", i, err)
		}
	}
	return t, nil
}

func (kj *keyJSON) key() (*Key, error) {
	k := &Key{Alg: kj.Alg, Issuers: kj.Issuers}
	var err error
	if k.KID, err = hex.DecodeString(kj.KID); err != nil || len(k.KID) != KIDSize || hex.EncodeToString(k.KID) != kj.KID {
		return nil, fmt.Errorf("kid %q is not %d lower-case hex digits", kj.KID, 2*KIDSize)
	}
	der, err := base64.StdEncoding.Strict().DecodeString(kj.PublicKey)
	if err == nil && base64.StdEncoding.EncodeToString(der) != kj.PublicKey {
		err = errors.New("not in canonical form (line breaks or white space)")
	}
	if err != nil {
		return nil, fmt.Errorf("public_key: %w", err)
	}
	if k.Public, err = ParsePublic(der); err != nil {
		return nil, err
	}
	if k.ValidFrom, err = parseTime(kj.ValidFrom); err != nil {
		return nil, fmt.Errorf("valid_from: %w", err)
	}
	if k.ValidUntil, err = parseTime(kj.ValidUntil); err != nil {
		return nil, fmt.Errorf("valid_until: %w", err)
	}
	return k, nil
}

func parseTime(s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return time.Time{}, err
	}
	return t.UTC(), nil
}

func formatTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}

// Marshal returns the trust file as indented JSON. A trust file with DSC
// keys cannot be marshalled.
func (t *TrustFile) Marshal() ([]byte, error) {
	tj := trustJSON{Version: TrustVersion, Keys: []keyJSON{}}
	for _, k := range t.keys {
		if k.DSC != nil {
			return nil, fmt.Errorf("keys: key %x is from a document-signer certificate; trust files hold HF1 keys only", k.KID)
		}
		der, err := MarshalPublic(k.Public)
		if err != nil {
			return nil, err
		}
		tj.Keys = append(tj.Keys, keyJSON{
			KID:        hex.EncodeToString(k.KID),
			Alg:        k.Alg,
			PublicKey:  base64.StdEncoding.EncodeToString(der),
			Issuers:    k.Issuers,
			ValidFrom:  formatTime(k.ValidFrom),
			ValidUntil: formatTime(k.ValidUntil),
		})
	}
	b, err := json.MarshalIndent(tj, "", "  ")
	if err != nil {
		return nil, err
	}
	return append(b, '\n'), nil
}

// ReadTrustFile reads and parses a trust file.
func ReadTrustFile(path string) (*TrustFile, error) {
	data, err := readLimited(path, MaxTrustFile)
	if err != nil {
		return nil, err
	}
	t, err := ParseTrust(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return t, nil
}

// WriteTrustFile atomically writes t to path (mode 0644), replacing any
// file there.
func WriteTrustFile(path string, t *TrustFile) error {
	data, err := t.Marshal()
	if err != nil {
		return err
	}
	return atomicfile.WriteFile(path, data, 0o644)
}

// readLimited reads the file at path, of at most max bytes: a regular
// file by its size, anything else (a pipe, such as the shell's
// <(cat k.pub), or /dev/stdin) to its end.
func readLimited(path string, max int64) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if !st.Mode().IsRegular() {
		data, err := io.ReadAll(io.LimitReader(f, max+1))
		if err == nil && int64(len(data)) > max {
			err = fmt.Errorf("%s: more than the limit of %d bytes", path, max)
		}
		return data, err
	}
	if st.Size() > max {
		return nil, fmt.Errorf("%s: %d bytes exceed the limit of %d", path, st.Size(), max)
	}
	data := make([]byte, st.Size())
	_, err = f.ReadAt(data, 0)
	return data, err
}
