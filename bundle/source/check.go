package source

import (
	"crypto"
	"encoding/hex"
	"slices"
	"strings"

	"github.com/hufu-project/hufu/bundle"
	"github.com/hufu-project/hufu/keys"
)

// Codes of CheckKey.
const (
	UnknownKey  Code = "unknown_key"  // the key is not listed at all
	WrongIssuer Code = "wrong_issuer" // the key is listed, for other issuers
	NotTrust    Code = "not_trust"    // the data is none of the three kinds
)

// CheckKey checks, before a pass is issued, that the key pub may sign for
// the issuer iss according to data: a trust file, a bundle source or a
// trust bundle (its signature is not checked: this catches mistakes, it
// does not decide trust). It returns UnknownIssuer if no issuer iss is
// listed, UnknownKey if pub is not listed, WrongIssuer if pub is listed
// for other issuers only, NotTrust if data is none of those.
func CheckKey(data []byte, pub crypto.PublicKey, iss string) error {
	var issuers, mayFor []string
	found := false
	if tf, err := keys.ParseTrust(data); err == nil {
		for _, k := range tf.All() {
			issuers = append(issuers, k.Issuers...)
			if sameKey(k.Public, pub) {
				found, mayFor = true, append(mayFor, k.Issuers...)
			}
		}
	} else if s, err := Parse(data); err == nil {
		for _, is := range s.Issuers {
			issuers = append(issuers, is.ID)
		}
		mayFor = s.KeyIssuers(pub)
		found = len(mayFor) > 0
	} else if b, err := bundle.InspectUnverified(data); err == nil {
		for _, is := range b.Issuers {
			issuers = append(issuers, is.ID)
			for _, k := range is.Keys {
				if sameKey(k.Public, pub) {
					found, mayFor = true, append(mayFor, is.ID)
				}
			}
		}
	} else {
		return fail(NotTrust, nil, "not a trust file, a bundle source or a trust bundle")
	}
	kid, _ := keys.KID(pub)
	switch {
	case !slices.Contains(issuers, iss):
		slices.Sort(issuers)
		return fail(UnknownIssuer, nil, "no issuer %s (it lists %s)", iss, strings.Join(slices.Compact(issuers), ", "))
	case !found:
		return fail(UnknownKey, nil, "key %s is not listed", hex.EncodeToString(kid))
	case !slices.Contains(mayFor, iss):
		return fail(WrongIssuer, nil, "key %s signs for %s, not for %s", hex.EncodeToString(kid), strings.Join(mayFor, ", "), iss)
	}
	return nil
}

func sameKey(a, b crypto.PublicKey) bool {
	x, err1 := keys.MarshalPublic(a)
	y, err2 := keys.MarshalPublic(b)
	return err1 == nil && err2 == nil && string(x) == string(y)
}
