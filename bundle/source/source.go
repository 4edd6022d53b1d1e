// Package source reads, edits and writes a bundle source: the issuing
// side's editable JSON form of a trust bundle, from which "hufu bundle
// sign" (or a registry) makes a signed bundle with [Source.Contents] and
// bundle.Sign.
//
// A source is not a wire format. It is JSON, read strictly (unknown or
// repeated fields are errors, at most MaxSize bytes):
//
//	{"hufu_bundle_source": 2, "seq": 0,
//	 "issuers": [{"id": "310000", "name_zh": "上海市", "name_en": "Shanghai",
//	              "max_lifetime": "168h", "colours": ["green", "yellow", "red"],
//	              "keys": [{"kid": "…", "alg": "ES256", "public_key": "MFkw…",
//	                        "valid_from": "…", "valid_until": "…"}],
//	              "revoked_passes": ["2de09875ee3158c4"]}],
//	 "revoked_keys": [{"kid": "…", "alg": "EdDSA", "public_key": "MCow…"}],
//	 "labels": {"colour.green": {"zh": "绿码", "en": "green"}, …}}
//
// seq is that of the last bundle signed from it; public_key is the
// standard Base64 of the key's SubjectPublicKeyInfo DER; times are RFC
// 3339; a revoked pass is listed under its issuer and revokes only that
// issuer's pass (version 2; version 1 listed them at the top). A Source is
// not safe for concurrent use.
package source

import (
	"crypto"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"slices"
	"time"

	"github.com/hufu-project/hufu/bundle"
	"github.com/hufu-project/hufu/internal/atomicfile"
	"github.com/hufu-project/hufu/internal/filekind"
	"github.com/hufu-project/hufu/internal/strictjson"
	"github.com/hufu-project/hufu/keys"
	"github.com/hufu-project/hufu/pass"
	"github.com/hufu-project/hufu/verifier"
)

const (
	// Version is the value of "hufu_bundle_source".
	Version = 2
	// MaxSize bounds a source file.
	MaxSize = 1 << 30
)

// Code is a stable, snake_case reason why a source could not be read or
// edited. A Code is itself an error, so errors.Is(err, source.UnknownIssuer)
// works.
type Code string

const (
	BadSource     Code = "bad_source"     // not a bundle source, or a field breaks a rule
	IssuerExists  Code = "issuer_exists"  // AddIssuer: the ID is already listed
	UnknownIssuer Code = "unknown_issuer" // no issuer with that ID
	UnknownKID    Code = "unknown_kid"    // KeyByKID: no listed key has that kid
	AmbiguousKID  Code = "ambiguous_kid"  // KeyByKID: several different keys have that kid
	Exists        Code = "exists"         // Create: the file exists
	NotPass       Code = "not_pass"       // CodeRevocation: the code is not a pass
)

func (c Code) Error() string { return string(c) }

// Error is the error the package's functions return for bad input.
type Error struct {
	Code   Code
	Detail string
	Err    error // the underlying error, if any
	hint   string
}

// Hint says what the operator can do about the error, naming the hufu
// command or flag that does it ("add it with \"hufu bundle
// add-issuer\""); "" when there is nothing to add.
func (e *Error) Hint() string { return e.hint }

func (e *Error) Error() string {
	msg := "source: " + string(e.Code)
	if e.Detail != "" {
		msg += ": " + e.Detail
	}
	if e.Err != nil {
		msg += ": " + e.Err.Error()
	}
	return msg
}

// Unwrap returns the code, fs.ErrExist for Exists, and the underlying
// error.
func (e *Error) Unwrap() []error {
	errs := []error{e.Code}
	if e.Code == Exists {
		errs = append(errs, fs.ErrExist)
	}
	if e.Err != nil {
		errs = append(errs, e.Err)
	}
	return errs
}

func fail(c Code, err error, format string, args ...any) *Error {
	return &Error{Code: c, Err: err, Detail: fmt.Sprintf(format, args...)}
}

// hinted sets the error's hint and returns it.
func (e *Error) hinted(hint string) *Error {
	e.hint = hint
	return e
}

// The hints of UnknownIssuer and of a failed kid lookup.
const (
	hintAddIssuer = "add it with \"hufu bundle add-issuer\""
	hintGiveKey   = "give the key itself: -pub KEY.pub"
	// Not hintAddIssuer for a revocation: listing the issuer would make
	// the bundle trust it. The issuer ID or the source is wrong.
	hintCheckIssuer = "check the issuer ID (-iss), and that -in is the source that lists the pass's issuer"
)

// Source is a bundle source. Its fields are its JSON form; edit it with
// the methods, which keep it consistent, or by hand, and check it with
// Contents.
type Source struct {
	Version     int              `json:"hufu_bundle_source"`
	Seq         uint64           `json:"seq"` // of the last bundle signed from it
	Issuers     []Issuer         `json:"issuers"`
	RevokedKeys []Key            `json:"revoked_keys"`
	Labels      map[string]Label `json:"labels"`
}

// Issuer is an issuer in a source.
type Issuer struct {
	ID          string   `json:"id"`
	NameZH      string   `json:"name_zh"`
	NameEN      string   `json:"name_en"`
	MaxLifetime string   `json:"max_lifetime"` // a Go duration, e.g. "168h"
	Colours     []string `json:"colours"`
	Keys        []Key    `json:"keys"`
	// RevokedPasses are the IDs of the issuer's revoked passes, in
	// lower-case hex.
	RevokedPasses []string `json:"revoked_passes,omitempty"`
}

// Key is a public key in a source, with its window for issuer keys.
type Key struct {
	KID        string `json:"kid"`
	Alg        string `json:"alg"`
	PublicKey  string `json:"public_key"` // standard Base64 of the SubjectPublicKeyInfo DER
	ValidFrom  string `json:"valid_from,omitempty"`
	ValidUntil string `json:"valid_until,omitempty"`
}

// Label is a text in Chinese and English.
type Label struct {
	ZH string `json:"zh"`
	EN string `json:"en"`
}

// New returns an empty source with the default labels.
func New() *Source {
	s := &Source{Version: Version, Issuers: []Issuer{}, RevokedKeys: []Key{}, Labels: map[string]Label{}}
	for k, l := range bundle.DefaultLabels() {
		s.Labels[k] = Label{l.ZH, l.EN}
	}
	return s
}

// Parse parses and checks a source.
func Parse(data []byte) (*Source, error) {
	var s Source
	if err := strictjson.Unmarshal(data, &s, MaxSize); err != nil {
		return nil, fail(BadSource, err, "not a bundle source")
	}
	if s.Version != Version {
		return nil, fail(BadSource, nil, "hufu_bundle_source is %d, want %d", s.Version, Version)
	}
	if _, err := s.Contents(); err != nil {
		return nil, err
	}
	return &s, nil
}

// Read reads and checks the source at path. An error other than an I/O
// error names the file; a file that is another kind hufu knows is a
// BadSource error that says so ("t.json is a trust file, not a bundle
// source").
func Read(path string) (*Source, error) {
	data, err := readLimited(path, MaxSize)
	if err != nil {
		return nil, err
	}
	s, err := Parse(data)
	if err != nil {
		if msg := filekind.Mismatch(path, data, filekind.Source); msg != "" {
			return nil, fail(BadSource, nil, "%s", msg)
		}
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return s, nil
}

func readLimited(path string, max int64) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, max+1))
	if err == nil && int64(len(b)) > max {
		err = fail(BadSource, nil, "larger than %d bytes", max)
	}
	return b, err
}

// Marshal returns the source as indented JSON.
func (s *Source) Marshal() ([]byte, error) {
	b, err := json.MarshalIndent(s, "", "  ")
	return append(b, '\n'), err
}

// Write checks the source and writes it to path atomically (temporary
// file, fsync, rename).
func (s *Source) Write(path string) error {
	b, err := s.checked()
	if err != nil {
		return err
	}
	return atomicfile.WriteFile(path, b, 0o644)
}

// Edit reads the source at path, applies edit, and writes it back (Write:
// checked, atomically). If Read or edit fails the file is left as it was.
// An error of edit or of the check is returned after "PATH: ".
func Edit(path string, edit func(*Source) error) error {
	s, err := Read(path)
	if err != nil {
		return err
	}
	if err := edit(s); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	if err := s.Write(path); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return nil
}

// Create is Write, but it never replaces a file: if path exists it is an
// Exists error, which also satisfies errors.Is(err, fs.ErrExist).
func (s *Source) Create(path string) error {
	b, err := s.checked()
	if err != nil {
		return err
	}
	err = atomicfile.Create(path, b, 0o644)
	if errors.Is(err, fs.ErrExist) {
		return fail(Exists, nil, "%s already exists", path).hinted("give another file, or edit that one with \"hufu bundle add-issuer\"")
	}
	return err
}

func (s *Source) checked() ([]byte, error) {
	if _, err := s.Contents(); err != nil {
		return nil, err
	}
	return s.Marshal()
}

// Issuer returns the issuer with the given ID, or nil.
func (s *Source) Issuer(id string) *Issuer {
	for i := range s.Issuers {
		if s.Issuers[i].ID == id {
			return &s.Issuers[i]
		}
	}
	return nil
}

// AddIssuer adds an issuer with no keys. It fails with IssuerExists if the
// ID is listed, and with BadSource if a value breaks a rule.
func (s *Source) AddIssuer(id string, name bundle.Label, maxLifetime time.Duration, colours []pass.Colour) error {
	if err := pass.CheckIssuer(id); err != nil {
		return fail(BadSource, err, "issuer ID %q", id)
	}
	if s.Issuer(id) != nil {
		return fail(IssuerExists, nil, "issuer %s is already in the source", id)
	}
	if name.ZH == "" || name.EN == "" {
		return fail(BadSource, nil, "issuer %s needs a name in Chinese and in English", id)
	}
	if maxLifetime <= 0 || maxLifetime%time.Second != 0 {
		return fail(BadSource, nil, "issuer %s: max lifetime %v is not a positive whole number of seconds", id, maxLifetime)
	}
	if len(colours) == 0 {
		colours = []pass.Colour{pass.Green, pass.Yellow, pass.Red}
	}
	var names []string
	for _, c := range colours {
		names = append(names, c.String())
	}
	s.Issuers = append(s.Issuers, Issuer{ID: id, NameZH: name.ZH, NameEN: name.EN,
		MaxLifetime: maxLifetime.String(), Colours: names, Keys: []Key{}})
	return nil
}

// Window says when the key may sign, for people: " from FROM until
// UNTIL", either side left out when open ("" for a key without a window).
func (k Key) Window() string {
	var s string
	if k.ValidFrom != "" {
		s += " from " + k.ValidFrom
	}
	if k.ValidUntil != "" {
		s += " until " + k.ValidUntil
	}
	return s
}

// NewKey returns the source form of pub.
func NewKey(pub crypto.PublicKey) (Key, error) {
	der, err := keys.MarshalPublic(pub)
	if err != nil {
		return Key{}, fail(BadSource, err, "public key")
	}
	alg, _ := keys.AlgOf(pub)
	kid, _ := keys.KID(pub)
	return Key{KID: hex.EncodeToString(kid), Alg: string(alg), PublicKey: base64.StdEncoding.EncodeToString(der)}, nil
}

// Public parses the key and checks that its kid and alg are right.
func (k *Key) Public() (crypto.PublicKey, error) {
	der, err := base64.StdEncoding.Strict().DecodeString(k.PublicKey)
	if err != nil {
		return nil, fail(BadSource, err, "key %s: public_key", k.KID)
	}
	pub, err := keys.ParsePublic(der)
	if err != nil {
		return nil, fail(BadSource, err, "key %s", k.KID)
	}
	want, _ := NewKey(pub)
	if k.KID != want.KID || k.Alg != want.Alg {
		return nil, fail(BadSource, nil, "key %s: kid and alg must be %s and %s", k.KID, want.KID, want.Alg)
	}
	return pub, nil
}

// Listed is what AddKey did: the key as listed under the issuer Issuer,
// and whether it was added (false: it was listed, its window updated).
type Listed struct {
	Issuer string
	Key    Key
	Added  bool
}

// String says it for people: "added key KID (ALG) for ISS", or "updated
// key …", then the key's window (Key.Window).
func (l Listed) String() string {
	verb := "updated"
	if l.Added {
		verb = "added"
	}
	return fmt.Sprintf("%s key %s (%s) for %s%s", verb, l.Key.KID, l.Key.Alg, l.Issuer, l.Key.Window())
}

// AddKey lists pub under the issuer iss, or, if it is listed there
// already, updates its window. A zero from or until leaves that side as
// it was. UnknownIssuer, with a hint, if iss is not listed.
func (s *Source) AddKey(iss string, pub crypto.PublicKey, from, until time.Time) (Listed, error) {
	is := s.Issuer(iss)
	if is == nil {
		return Listed{}, fail(UnknownIssuer, nil, "no issuer %s in the source", iss).hinted(hintAddIssuer)
	}
	sk, err := NewKey(pub)
	if err != nil {
		return Listed{}, err
	}
	i := slices.IndexFunc(is.Keys, func(k Key) bool { return k.PublicKey == sk.PublicKey })
	added := i < 0
	if added {
		is.Keys = append(is.Keys, sk)
		i = len(is.Keys) - 1
	}
	if !from.IsZero() {
		is.Keys[i].ValidFrom = from.UTC().Format(time.RFC3339)
	}
	if !until.IsZero() {
		is.Keys[i].ValidUntil = until.UTC().Format(time.RFC3339)
	}
	return Listed{Issuer: iss, Key: is.Keys[i], Added: added}, nil
}

// KeyIssuers returns the IDs of the issuers pub is listed under.
func (s *Source) KeyIssuers(pub crypto.PublicKey) []string {
	sk, err := NewKey(pub)
	if err != nil {
		return nil
	}
	var ids []string
	for _, is := range s.Issuers {
		if slices.ContainsFunc(is.Keys, func(k Key) bool { return k.PublicKey == sk.PublicKey }) {
			ids = append(ids, is.ID)
		}
	}
	return ids
}

// RevokePass adds a pass ID to the revoked passes of the issuer iss (the
// pass's iss): UnknownIssuer if it is not listed. It reports false if the
// pass was revoked already.
func (s *Source) RevokePass(iss string, id pass.ID) (bool, error) {
	n, err := s.RevokePasses(iss, []pass.ID{id})
	return n == 1, err
}

// RevokePasses is RevokePass for many passes of the issuer iss at once,
// in time linear in the length of its list: it adds each ID not listed
// yet and returns how many it added. It checks every ID before it adds
// any, so an error adds none.
func (s *Source) RevokePasses(iss string, ids []pass.ID) (int, error) {
	for _, id := range ids {
		if len(id) < pass.MinIDSize || len(id) > pass.MaxIDSize {
			return 0, fail(BadSource, nil, "pass ID of %d bytes, want %d to %d", len(id), pass.MinIDSize, pass.MaxIDSize)
		}
	}
	is := s.Issuer(iss)
	if is == nil {
		return 0, fail(UnknownIssuer, nil, "no issuer %s in the source", iss).hinted(hintCheckIssuer)
	}
	listed := make(map[string]bool, len(is.RevokedPasses)+len(ids))
	for _, h := range is.RevokedPasses {
		listed[h] = true
	}
	n := 0
	for _, id := range ids {
		if h := id.String(); !listed[h] {
			listed[h] = true
			is.RevokedPasses = append(is.RevokedPasses, h)
			n++
		}
	}
	return n, nil
}

// RevokedPasses returns how many passes the source revokes.
func (s *Source) RevokedPasses() int {
	n := 0
	for _, is := range s.Issuers {
		n += len(is.RevokedPasses)
	}
	return n
}

// RevokeKey adds a key to the revoked keys; it reports false if it was
// there already.
func (s *Source) RevokeKey(pub crypto.PublicKey) (Key, bool, error) {
	sk, err := NewKey(pub)
	if err != nil {
		return sk, false, err
	}
	for _, k := range s.RevokedKeys {
		if k.PublicKey == sk.PublicKey {
			return sk, false, nil
		}
	}
	s.RevokedKeys = append(s.RevokedKeys, sk)
	return sk, true, nil
}

// KeyByKID returns the one key listed under an issuer with the given kid
// (hex): UnknownKID if there is none, AmbiguousKID if several different
// keys have it.
func (s *Source) KeyByKID(kid string) (crypto.PublicKey, error) {
	var found []Key
	for _, is := range s.Issuers {
		for _, k := range is.Keys {
			if k.KID == kid && !slices.ContainsFunc(found, func(f Key) bool { return f.PublicKey == k.PublicKey }) {
				found = append(found, k)
			}
		}
	}
	switch len(found) {
	case 0:
		return nil, fail(UnknownKID, nil, "no key with kid %s", kid).hinted(hintGiveKey)
	case 1:
		return found[0].Public()
	}
	return nil, fail(AmbiguousKID, nil, "several keys have kid %s", kid).hinted(hintGiveKey)
}

// ParsePassID parses a pass ID given in lower-case hex: 8 to 16 bytes.
func ParsePassID(s string) (pass.ID, error) {
	id, err := hex.DecodeString(s)
	if err != nil || len(id) < pass.MinIDSize || len(id) > pass.MaxIDSize || hex.EncodeToString(id) != s {
		return nil, fail(BadSource, nil, "pass ID %q is not %d to %d bytes in lower-case hex", s, pass.MinIDSize, pass.MaxIDSize)
	}
	return id, nil
}

func parseTime(s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	return time.Parse(time.RFC3339, s)
}

// Contents checks every field of the source and converts it; Seq is the
// source's, and the times are zero. bundle.Sign checks the rest.
func (s *Source) Contents() (*bundle.Contents, error) {
	c := &bundle.Contents{Seq: s.Seq, Labels: map[string]bundle.Label{}}
	for _, si := range s.Issuers {
		is := bundle.Issuer{ID: si.ID, Name: bundle.Label{ZH: si.NameZH, EN: si.NameEN}}
		d, err := time.ParseDuration(si.MaxLifetime)
		if err != nil || d <= 0 || d%time.Second != 0 {
			return nil, fail(BadSource, nil, "issuer %s: max_lifetime %q is not a positive whole number of seconds such as \"168h\"", si.ID, si.MaxLifetime)
		}
		is.MaxLifetime = d
		for _, name := range si.Colours {
			col, ok := pass.ParseColour(name)
			if !ok {
				return nil, fail(BadSource, nil, "issuer %s: unknown colour %q", si.ID, name)
			}
			is.Colours = append(is.Colours, col)
		}
		for _, sk := range si.Keys {
			pub, err := sk.Public()
			if err != nil {
				return nil, fail(BadSource, err, "issuer %s", si.ID)
			}
			ik := bundle.IssuerKey{Public: pub}
			if ik.ValidFrom, err = parseTime(sk.ValidFrom); err == nil {
				ik.ValidUntil, err = parseTime(sk.ValidUntil)
			}
			if err != nil {
				return nil, fail(BadSource, err, "issuer %s: key %s", si.ID, sk.KID)
			}
			is.Keys = append(is.Keys, ik)
		}
		for _, h := range si.RevokedPasses {
			id, err := ParsePassID(h)
			if err != nil {
				return nil, fail(BadSource, err, "issuer %s", si.ID)
			}
			is.RevokedPasses = append(is.RevokedPasses, bundle.RevocationID(id))
		}
		c.Issuers = append(c.Issuers, is)
	}
	for _, sk := range s.RevokedKeys {
		pub, err := sk.Public()
		if err != nil {
			return nil, fail(BadSource, err, "revoked key")
		}
		c.RevokedKeys = append(c.RevokedKeys, pub)
	}
	for k, l := range s.Labels {
		c.Labels[k] = bundle.Label{ZH: l.ZH, EN: l.EN}
	}
	return c, nil
}

// Sign signs the next bundle from the source with the root key priv:
// sequence number seq (0 for the source's last one plus 1), issued at
// issuedAt, with the given next update and expiry after it. It then
// records the sequence number in s (the caller writes s back). It returns
// the bundle file and its contents.
func (s *Source) Sign(priv crypto.Signer, seq uint64, issuedAt time.Time, nextUpdate, expires time.Duration) ([]byte, *bundle.Contents, error) {
	if nextUpdate <= 0 || expires < nextUpdate {
		return nil, nil, fail(BadSource, nil, "want 0 < next update (%v) <= expiry (%v)", nextUpdate, expires)
	}
	c, err := s.Contents()
	if err != nil {
		return nil, nil, err
	}
	if seq == 0 {
		seq = s.Seq + 1
	}
	issuedAt = issuedAt.Truncate(time.Second).UTC()
	c.Seq, c.IssuedAt, c.NextUpdate, c.Expires = seq, issuedAt, issuedAt.Add(nextUpdate), issuedAt.Add(expires)
	data, err := bundle.Sign(c, priv)
	if err != nil {
		return nil, nil, err
	}
	s.Seq = max(s.Seq, seq)
	return data, c, nil
}

// Revocation is what Revoke revokes: the pass Pass of the issuer Issuer
// if Pass is set, else the key Key, else the issuer key with kid KID (hex).
type Revocation struct {
	Issuer string
	Pass   pass.ID
	Key    crypto.PublicKey
	KID    string
}

// CodeRevocation is the revocation of the pass whose code (HF1:…) is
// text, its pass ID and issuer read without checking the signature (the
// operator revokes a pass they hold). It fails with NotPass, saying what
// the code is when hufu knows ("NAME is a public key, not a pass"), name
// being where the code came from.
func CodeRevocation(name, text string) (Revocation, error) {
	u, err := verifier.InspectUnverified(text)
	if err == nil && u.Pass == nil {
		err = u.Claim
	}
	if err != nil {
		if msg := filekind.Mismatch(name, []byte(text), filekind.Pass); msg != "" {
			return Revocation{}, fail(NotPass, nil, "%s", msg)
		}
		return Revocation{}, fail(NotPass, err, "%s", name)
	}
	return Revocation{Issuer: u.Pass.Issuer, Pass: u.Pass.ID}, nil
}

// Revoked is what Revoke did: the pass (its issuer and ID) or the key
// revoked, and whether it was added (false if it was revoked already).
type Revoked struct {
	Issuer string  // for a pass
	Pass   pass.ID // nil for a key
	Key    Key     // zero for a pass
	Added  bool
}

// String says what Revoke did, for people: "revoked pass ID of issuer
// ISS", "revoked key KID (ALG): passes it signed are rejected as
// revoked_key", or that it was already revoked.
func (r Revoked) String() string {
	switch {
	case r.Pass != nil && r.Added:
		return fmt.Sprintf("revoked pass %s of issuer %s", r.Pass, r.Issuer)
	case r.Pass != nil:
		return fmt.Sprintf("pass %s of issuer %s was already revoked", r.Pass, r.Issuer)
	case !r.Added:
		return fmt.Sprintf("key %s was already revoked", r.Key.KID)
	}
	return fmt.Sprintf("revoked key %s (%s): passes it signed are rejected as revoked_key", r.Key.KID, r.Key.Alg)
}

// Revoke revokes a pass (as RevokePass) or a key (as RevokeKey, looking it
// up with KeyByKID if only its kid is given). A failed kid lookup returns
// its error with a zero Revoked.Key.
func (s *Source) Revoke(r Revocation) (Revoked, error) {
	var out Revoked
	var err error
	if r.Pass != nil {
		out.Issuer, out.Pass = r.Issuer, r.Pass
		out.Added, err = s.RevokePass(r.Issuer, r.Pass)
		return out, err
	}
	pub := r.Key
	if pub == nil {
		if pub, err = s.KeyByKID(r.KID); err != nil {
			return out, err
		}
	}
	out.Key, out.Added, err = s.RevokeKey(pub)
	return out, err
}
