// Package pass defines the hufu pass: what it says about its holder, and
// its HF1 claims encoding (a CWT claims set, RFC 8392, in deterministic
// CBOR). It does not sign or verify; see packages issuer and verifier.
package pass

import (
	"crypto/ecdsa"
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Colour is the pass's colour. The zero value is not a valid colour.
type Colour uint8

const (
	Green  Colour = 1 // may pass
	Yellow Colour = 2 // observe
	Red    Colour = 3 // isolate
)

// ParseColour parses "green", "yellow" or "red".
func ParseColour(s string) (Colour, bool) {
	switch s {
	case "green":
		return Green, true
	case "yellow":
		return Yellow, true
	case "red":
		return Red, true
	}
	return 0, false
}

// ParseColours parses a list of colour names, each as ParseColour after
// trimming spaces; an unknown name is an error that quotes it.
func ParseColours(names []string) ([]Colour, error) {
	var cols []Colour
	for _, n := range names {
		c, ok := ParseColour(strings.TrimSpace(n))
		if !ok {
			return nil, fmt.Errorf("pass: unknown colour %q (want green, yellow or red)", n)
		}
		cols = append(cols, c)
	}
	return cols, nil
}

func (c Colour) String() string {
	switch c {
	case Green:
		return "green"
	case Yellow:
		return "yellow"
	case Red:
		return "red"
	}
	return "colour(" + strconv.Itoa(int(c)) + ")"
}

// Valid reports whether c is green, yellow or red.
func (c Colour) Valid() bool { return c >= Green && c <= Red }

// Decision is what a checkpoint does with the holder of a valid pass.
type Decision uint8

const (
	Admit   Decision = 1 // green
	Observe Decision = 2 // yellow: admit under the site's observation rules
	Deny    Decision = 3 // red
)

func (d Decision) String() string {
	switch d {
	case Admit:
		return "admit"
	case Observe:
		return "observe"
	case Deny:
		return "deny"
	}
	return "decision(" + strconv.Itoa(int(d)) + ")"
}

// Decision returns the decision for a pass of colour c.
func (c Colour) Decision() Decision {
	switch c {
	case Green:
		return Admit
	case Yellow:
		return Observe
	}
	return Deny
}

// Reason says why a pass is yellow or red. Codes not listed here are valid
// on the wire (issuers may add them before verifiers know them) and print as
// "reason_N".
type Reason uint16

const (
	KeyRegionArrival  Reason = 1 // arrived from a key region within 14 days
	CloseContact      Reason = 2 // close contact of a confirmed case
	SecondaryContact  Reason = 3 // contact of a close contact
	MedicalManagement Reason = 4 // under medical management (quarantine, isolation)
	Confirmed         Reason = 5 // confirmed case
	Suspected         Reason = 6 // suspected case
	FeverClinic       Reason = 7 // visited a fever clinic
	TestOverdue       Reason = 8 // no test result within the required interval
)

var reasonNames = [...]string{
	KeyRegionArrival:  "key_region_arrival",
	CloseContact:      "close_contact",
	SecondaryContact:  "secondary_contact",
	MedicalManagement: "medical_management",
	Confirmed:         "confirmed",
	Suspected:         "suspected",
	FeverClinic:       "fever_clinic",
	TestOverdue:       "test_overdue",
}

// Reasons lists the reason codes this package names, in order.
func Reasons() []Reason {
	var rs []Reason
	for r := range reasonNames {
		if reasonNames[r] != "" {
			rs = append(rs, Reason(r))
		}
	}
	return rs
}

func (r Reason) String() string {
	if int(r) < len(reasonNames) && reasonNames[r] != "" {
		return reasonNames[r]
	}
	return "reason_" + strconv.Itoa(int(r))
}

// ParseReason parses a reason name such as "confirmed", or "reason_N".
func ParseReason(s string) (Reason, bool) {
	for r, name := range reasonNames {
		if name != "" && name == s {
			return Reason(r), true
		}
	}
	if n, ok := parseSuffix(s, "reason_", 1<<16-1); ok && n > 0 {
		return Reason(n), true
	}
	return 0, false
}

// Hints is a set of advisory flags shown to the guard and the holder, even on
// a green pass. Bits not named here are kept and print as "hint_N".
type Hints uint32

const (
	HealthRegistration Hints = 1 << 0 // health registration suggested
	TestSuggested      Hints = 1 << 1 // a test is suggested
	AppealPending      Hints = 1 << 2 // the holder has appealed the colour
)

var hintNames = [...]string{"health_registration", "test_suggested", "appeal_pending"}

// Names returns the names of the set flags, lowest bit first.
func (h Hints) Names() []string {
	var names []string
	for i := 0; i < 32; i++ {
		if h&(1<<i) == 0 {
			continue
		}
		if i < len(hintNames) {
			names = append(names, hintNames[i])
		} else {
			names = append(names, "hint_"+strconv.Itoa(i))
		}
	}
	return names
}

// ParseHint parses one hint name such as "health_registration", or "hint_N"
// for bit N.
func ParseHint(s string) (Hints, bool) {
	for i, name := range hintNames {
		if name == s {
			return 1 << i, true
		}
	}
	if n, ok := parseSuffix(s, "hint_", 31); ok {
		return 1 << n, true
	}
	return 0, false
}

func parseSuffix(s, prefix string, max int) (int, bool) {
	if len(s) <= len(prefix) || s[:len(prefix)] != prefix {
		return 0, false
	}
	n, err := strconv.Atoi(s[len(prefix):])
	if err != nil || n < 0 || n > max || strconv.Itoa(n) != s[len(prefix):] {
		return 0, false
	}
	return n, true
}

// ID is a pass identifier: the CWT cti, random bytes chosen by the issuer.
type ID []byte

// String returns the ID in lower-case hex.
func (id ID) String() string { return hex.EncodeToString(id) }

// Pass is the content of a pass.
type Pass struct {
	Issuer    string    // issuer ID, e.g. an administrative region code "310000" (CWT iss)
	ID        ID        // random pass ID (CWT cti)
	IssuedAt  time.Time // CWT iat
	ExpiresAt time.Time // CWT exp
	Colour    Colour
	Reason    Reason // zero if none; only on yellow and red
	Hints     Hints
	// NameHash is HMAC-SHA-256 keyed with ID over the normalised name,
	// truncated. It is a match check, not a secret: names can be guessed.
	NameHash []byte
	// PhotoDigest is SHA-256 of the photo file's bytes, truncated; nil if
	// the pass has no photo.
	PhotoDigest []byte
	PhotoID     string // optional short reference to the photo at the issuer
	// HolderKey is the holder's P-256 public key, compressed (SEC 1
	// §2.3.3: 0x02 or 0x03, then the 32-byte x coordinate); nil if the
	// pass is not holder-bound. A holder-bound pass is accepted only inside
	// a presentation signed with this key (SPEC.md §14).
	HolderKey []byte

	// holder caches the decompressed HolderKey that UnmarshalClaims
	// checked, for HolderPublicKey: decompressing costs a square root.
	holder struct {
		claim [HolderKeySize]byte
		pub   *ecdsa.PublicKey
	}
}

// HolderPublicKey returns the holder's public key, decompressed from
// HolderKey; an error if HolderKey is nil or not a valid key.
func (p *Pass) HolderPublicKey() (*ecdsa.PublicKey, error) {
	if p.holder.pub != nil && string(p.HolderKey) == string(p.holder.claim[:]) {
		return p.holder.pub, nil
	}
	if p.HolderKey == nil {
		return nil, invalid("no holder key")
	}
	return ParseHolderKey(p.HolderKey)
}

// Decision returns the decision for the pass's colour.
func (p *Pass) Decision() Decision { return p.Colour.Decision() }

// NameMatches reports whether name, after normalisation, is the name the
// pass was issued to. A name that cannot be normalised never matches.
func (p *Pass) NameMatches(name string) bool {
	n, err := NormalizeName(name)
	if err != nil || len(p.NameHash) != NameHashSize {
		return false
	}
	return subtle.ConstantTimeCompare(nameHash(p.ID, n), p.NameHash) == 1
}

// PhotoMatches reports whether photo (the bytes of the photo file) is the
// photo the pass was issued with.
func (p *Pass) PhotoMatches(photo []byte) bool {
	if len(p.PhotoDigest) != PhotoDigestSize {
		return false
	}
	return subtle.ConstantTimeCompare(PhotoDigest(photo), p.PhotoDigest) == 1
}

// NameHash returns the name hash of name on the pass with the given ID.
func NameHash(id ID, name string) ([]byte, error) {
	n, err := NormalizeName(name)
	if err != nil {
		return nil, err
	}
	return nameHash(id, n), nil
}

// nameHash is HMAC-SHA-256(key=id, normalized) truncated to NameHashSize,
// computed without allocating (a pass ID is shorter than the block size).
func nameHash(id ID, normalized string) []byte {
	if len(id) > sha256.BlockSize {
		m := hmac.New(sha256.New, id)
		m.Write([]byte(normalized))
		return m.Sum(nil)[:NameHashSize]
	}
	var buf [sha256.BlockSize + MaxNameLen]byte
	if len(normalized) > MaxNameLen {
		normalized = normalized[:MaxNameLen] // never: NormalizeName bounds it
	}
	for i := range sha256.BlockSize {
		buf[i] = 0x36
	}
	for i, c := range id {
		buf[i] ^= c
	}
	n := copy(buf[sha256.BlockSize:], normalized)
	inner := sha256.Sum256(buf[:sha256.BlockSize+n])
	var outer [sha256.BlockSize + sha256.Size]byte
	for i := range sha256.BlockSize {
		outer[i] = 0x5c
	}
	for i, c := range id {
		outer[i] ^= c
	}
	copy(outer[sha256.BlockSize:], inner[:])
	sum := sha256.Sum256(outer[:])
	return append([]byte(nil), sum[:NameHashSize]...)
}

// PhotoDigest returns SHA-256 of photo, truncated to PhotoDigestSize bytes.
func PhotoDigest(photo []byte) []byte {
	d := sha256.Sum256(photo)
	return d[:PhotoDigestSize]
}
