package main

import (
	"bytes"
	"crypto"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/hufu-project/hufu/bundle"
	"github.com/hufu-project/hufu/internal/atomicfile"
	"github.com/hufu-project/hufu/internal/strictjson"
	"github.com/hufu-project/hufu/keys"
	"github.com/hufu-project/hufu/pass"
)

// The bundle source: the issuing side's editable JSON form of a bundle,
// which "hufu bundle sign" turns into a signed bundle file. It is not a
// wire format; "hufu help bundle" documents it.

const (
	sourceVersion = 2 // 2: revoked passes are listed under their issuer
	maxSource     = 1 << 30
)

type bundleSource struct {
	Version     int                    `json:"hufu_bundle_source"`
	Seq         uint64                 `json:"seq"` // of the last bundle signed from it
	Issuers     []sourceIssuer         `json:"issuers"`
	RevokedKeys []sourceKey            `json:"revoked_keys"`
	Labels      map[string]sourceLabel `json:"labels"`
}

type sourceIssuer struct {
	ID          string      `json:"id"`
	NameZH      string      `json:"name_zh"`
	NameEN      string      `json:"name_en"`
	MaxLifetime string      `json:"max_lifetime"` // a Go duration, e.g. "168h"
	Colours     []string    `json:"colours"`
	Keys        []sourceKey `json:"keys"`
	// RevokedPasses are IDs in hex of the issuer's revoked passes.
	RevokedPasses []string `json:"revoked_passes,omitempty"`
}

type sourceKey struct {
	KID        string `json:"kid"`
	Alg        string `json:"alg"`
	PublicKey  string `json:"public_key"` // standard Base64 of the SubjectPublicKeyInfo DER
	ValidFrom  string `json:"valid_from,omitempty"`
	ValidUntil string `json:"valid_until,omitempty"`
}

type sourceLabel struct {
	ZH string `json:"zh"`
	EN string `json:"en"`
}

func newSource() *bundleSource {
	s := &bundleSource{Version: sourceVersion, Issuers: []sourceIssuer{},
		RevokedKeys: []sourceKey{}, Labels: map[string]sourceLabel{}}
	for k, l := range bundle.DefaultLabels() {
		s.Labels[k] = sourceLabel{l.ZH, l.EN}
	}
	return s
}

func readSource(path string) (*bundleSource, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var s bundleSource
	if err := strictjson.Unmarshal(data, &s, maxSource); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if s.Version != sourceVersion {
		return nil, fmt.Errorf("%s: hufu_bundle_source is %d, want %d", path, s.Version, sourceVersion)
	}
	if _, err := s.contents(); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return &s, nil
}

func (s *bundleSource) marshal() ([]byte, error) {
	b, err := json.MarshalIndent(s, "", "  ")
	return append(b, '\n'), err
}

func (s *bundleSource) write(path string) error {
	b, err := s.marshal()
	if err != nil {
		return err
	}
	return atomicfile.WriteFile(path, b, 0o644)
}

func (s *bundleSource) issuer(id string) *sourceIssuer {
	for i := range s.Issuers {
		if s.Issuers[i].ID == id {
			return &s.Issuers[i]
		}
	}
	return nil
}

func newSourceKey(pub crypto.PublicKey) (sourceKey, error) {
	der, err := keys.MarshalPublic(pub)
	if err != nil {
		return sourceKey{}, err
	}
	alg, _ := keys.AlgOf(pub)
	kid, _ := keys.KID(pub)
	return sourceKey{KID: hex.EncodeToString(kid), Alg: string(alg), PublicKey: base64.StdEncoding.EncodeToString(der)}, nil
}

// public parses the key and checks that its kid and alg are right.
func (k *sourceKey) public() (crypto.PublicKey, error) {
	der, err := base64.StdEncoding.Strict().DecodeString(k.PublicKey)
	if err != nil {
		return nil, fmt.Errorf("public_key: %w", err)
	}
	pub, err := keys.ParsePublic(der)
	if err != nil {
		return nil, err
	}
	want, _ := newSourceKey(pub)
	if k.KID != want.KID || k.Alg != want.Alg {
		return nil, fmt.Errorf("key %s: kid and alg must be %s and %s", k.KID, want.KID, want.Alg)
	}
	return pub, nil
}

func parseSourceTime(s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	return time.Parse(time.RFC3339, s)
}

// parsePassID parses a pass ID given in hex: 8 to 16 bytes.
func parsePassID(s string) (pass.ID, error) {
	id, err := hex.DecodeString(s)
	if err != nil || len(id) < pass.MinIDSize || len(id) > pass.MaxIDSize || hex.EncodeToString(id) != s {
		return nil, fmt.Errorf("pass ID %q is not %d to %d bytes in lower-case hex", s, pass.MinIDSize, pass.MaxIDSize)
	}
	return id, nil
}

// contents converts the source, checking every field; the bundle package
// checks the rest when signing.
func (s *bundleSource) contents() (*bundle.Contents, error) {
	c := &bundle.Contents{Seq: s.Seq, Labels: map[string]bundle.Label{}}
	for _, si := range s.Issuers {
		is := bundle.Issuer{ID: si.ID, Name: bundle.Label{ZH: si.NameZH, EN: si.NameEN}}
		d, err := time.ParseDuration(si.MaxLifetime)
		if err != nil || d <= 0 || d%time.Second != 0 {
			return nil, fmt.Errorf("issuer %s: max_lifetime %q is not a positive whole number of seconds such as \"168h\"", si.ID, si.MaxLifetime)
		}
		is.MaxLifetime = d
		for _, name := range si.Colours {
			col, ok := pass.ParseColour(name)
			if !ok {
				return nil, fmt.Errorf("issuer %s: unknown colour %q", si.ID, name)
			}
			is.Colours = append(is.Colours, col)
		}
		for _, sk := range si.Keys {
			pub, err := sk.public()
			if err != nil {
				return nil, fmt.Errorf("issuer %s: %w", si.ID, err)
			}
			ik := bundle.IssuerKey{Public: pub}
			if ik.ValidFrom, err = parseSourceTime(sk.ValidFrom); err == nil {
				ik.ValidUntil, err = parseSourceTime(sk.ValidUntil)
			}
			if err != nil {
				return nil, fmt.Errorf("issuer %s: key %s: %w", si.ID, sk.KID, err)
			}
			is.Keys = append(is.Keys, ik)
		}
		for _, h := range si.RevokedPasses {
			id, err := parsePassID(h)
			if err != nil {
				return nil, fmt.Errorf("issuer %s: %w", si.ID, err)
			}
			is.RevokedPasses = append(is.RevokedPasses, bundle.RevocationID(id))
		}
		c.Issuers = append(c.Issuers, is)
	}
	for _, sk := range s.RevokedKeys {
		pub, err := sk.public()
		if err != nil {
			return nil, fmt.Errorf("revoked key: %w", err)
		}
		c.RevokedKeys = append(c.RevokedKeys, pub)
	}
	for k, l := range s.Labels {
		c.Labels[k] = bundle.Label{ZH: l.ZH, EN: l.EN}
	}
	return c, nil
}

// revokeKey adds a key to the revoked keys, unless it is there already.
func (s *bundleSource) revokeKey(pub crypto.PublicKey) (sourceKey, bool, error) {
	sk, err := newSourceKey(pub)
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

// keyByKID finds the one listed key with the given kid.
func (s *bundleSource) keyByKID(kid string) (crypto.PublicKey, error) {
	var found []sourceKey
	for _, is := range s.Issuers {
		for _, k := range is.Keys {
			if k.KID == kid && !slices.ContainsFunc(found, func(f sourceKey) bool { return f.PublicKey == k.PublicKey }) {
				found = append(found, k)
			}
		}
	}
	switch len(found) {
	case 0:
		return nil, fmt.Errorf("no key with kid %s in the bundle source; give -key KEY.pub", kid)
	case 1:
		return found[0].public()
	}
	return nil, fmt.Errorf("several keys have kid %s; give -key KEY.pub", kid)
}

// readPEMKeys reads one or more "PUBLIC KEY" PEM blocks.
func readPEMKeys(data []byte) ([]crypto.PublicKey, error) {
	var out []crypto.PublicKey
	rest := bytes.TrimSpace(data)
	for len(rest) > 0 {
		end := bytes.Index(rest, []byte("-----END PUBLIC KEY-----"))
		if end < 0 {
			return nil, errors.New("not a sequence of PUBLIC KEY PEM blocks")
		}
		end += len("-----END PUBLIC KEY-----")
		pub, err := keys.ParsePublicPEM(rest[:end])
		if err != nil {
			return nil, err
		}
		out = append(out, pub)
		rest = bytes.TrimSpace(rest[end:])
	}
	return out, nil
}

func kidHex(pub crypto.PublicKey) string {
	kid, _ := keys.KID(pub)
	return hex.EncodeToString(kid)
}

func algOf(pub crypto.PublicKey) string {
	alg, _ := keys.AlgOf(pub)
	return string(alg)
}

func colourNames(cs []pass.Colour) string {
	var names []string
	for _, c := range cs {
		names = append(names, c.String())
	}
	return strings.Join(names, ", ")
}
