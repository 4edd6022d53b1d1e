// Package scanlog is the guard station's tamper-evident scan log: one
// append-only JSON Lines file per site, each record chained to the one
// before it by SHA-256, each synced to disk before its verdict is shown.
//
// A site's files live together in one directory:
//
//	SITE.jsonl        the records, one per line
//	SITE.head         the last sequence number and hash written (two slots)
//	SITE.key          the site's secret for pass pseudonyms (mode 0600)
//	SITE.torn-N       an incomplete last line set aside after a crash
//
// A record holds no name, photo or pass text: the pass is recorded as a
// pseudonym, an HMAC of its issuer and ID under the site's secret, so that
// the same pass can be recognised at the same site (anti-passback) and
// nowhere else. The format is specified in SPEC.md, "Scan log".
package scanlog

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"time"
	"unicode/utf8"
)

// Version is the record format version, the value of "hufu_scan".
const Version = 1

// TimeLayout is the one form of a record's time: UTC, milliseconds.
const TimeLayout = "2006-01-02T15:04:05.000Z"

// Limits on records.
const (
	MaxLine   = 1024 // bytes in a line, without its newline
	MaxString = 64   // bytes in any string field but prev and hash
)

// ZeroHash is the prev of the first record.
const ZeroHash = "0000000000000000000000000000000000000000000000000000000000000000"

// Record is one line of the log. The field order is the order on the
// line; the hash is SHA-256 of the line without its "hash" member.
type Record struct {
	Version  int    `json:"hufu_scan"`
	Seq      uint64 `json:"seq"`      // 1, 2, 3, …
	Time     string `json:"time"`     // TimeLayout
	Site     string `json:"site"`     // the site ID, as in the file name
	Guard    string `json:"guard"`    // who was on duty
	Source   string `json:"source"`   // scanner, watch or web
	Issuer   string `json:"issuer"`   // "" unless the pass verified
	Colour   string `json:"colour"`   // green, yellow, red, or ""
	Decision string `json:"decision"` // admit, observe, deny, invalid, undecided
	Reason   string `json:"reason"`   // the verifier's reason code, or ""
	Name     string `json:"name"`     // the name check: match, mismatch, or ""
	Pass     string `json:"pass"`     // pseudonym of the pass (32 hex digits), or ""
	Passback bool   `json:"passback"` // the same pass was used here within the window
	Prev     string `json:"prev"`     // hash of the record before, ZeroHash for the first
	Hash     string `json:"hash,omitempty"`
}

// When returns the record's time.
func (r *Record) When() time.Time {
	t, _ := time.Parse(TimeLayout, r.Time)
	return t
}

// Errors from ParseLine. Both mean the line is not what the station wrote.
var (
	ErrMalformed = errors.New("scanlog: not a well-formed record")
	ErrHash      = errors.New("scanlog: the record does not match its hash")
)

// ParseLine parses one line (without its newline). It accepts only the
// exact bytes the station writes: canonical JSON with the members in
// order, and a hash that matches.
func ParseLine(line []byte) (Record, error) {
	var r Record
	if len(line) > MaxLine {
		return r, fmt.Errorf("%w: %d bytes, longer than %d", ErrMalformed, len(line), MaxLine)
	}
	if err := json.Unmarshal(line, &r); err != nil {
		return Record{}, fmt.Errorf("%w: %v", ErrMalformed, err)
	}
	if err := r.check(); err != nil {
		return r, err
	}
	if !isHex(r.Hash, 64) {
		return r, fmt.Errorf("%w: hash is not 64 lower-case hex digits", ErrMalformed)
	}
	canon, sum := r.canonical()
	if want := appendLine(nil, canon, r.Hash); !bytes.Equal(line, want[:len(want)-1]) {
		return r, fmt.Errorf("%w: not in canonical form", ErrMalformed)
	}
	if hex.EncodeToString(sum[:]) != r.Hash {
		return r, ErrHash
	}
	return r, nil
}

// canonical returns the record's bytes without the hash member, and their
// SHA-256.
func (r *Record) canonical() ([]byte, [sha256.Size]byte) {
	c := *r
	c.Hash = ""
	b, err := json.Marshal(&c)
	if err != nil {
		panic(err) // a struct of strings, numbers and a bool always encodes
	}
	return b, sha256.Sum256(b)
}

// appendLine appends the line for the canonical bytes canon with hash
// spliced in as the last member, and a newline.
func appendLine(dst, canon []byte, hash string) []byte {
	dst = append(dst, canon[:len(canon)-1]...)
	dst = append(dst, `,"hash":"`...)
	dst = append(dst, hash...)
	return append(dst, "\"}\n"...)
}

// check validates every field but the hash.
func (r *Record) check() error {
	if r.Version != Version {
		return fmt.Errorf("%w: hufu_scan %d, want %d", ErrMalformed, r.Version, Version)
	}
	if r.Seq == 0 {
		return fmt.Errorf("%w: seq 0", ErrMalformed)
	}
	if t, err := time.Parse(TimeLayout, r.Time); err != nil || t.Format(TimeLayout) != r.Time {
		return fmt.Errorf("%w: time %q is not in the form %s", ErrMalformed, r.Time, TimeLayout)
	}
	if err := ValidSite(r.Site); err != nil {
		return fmt.Errorf("%w: %v", ErrMalformed, err)
	}
	for _, f := range []struct{ name, v string }{
		{"guard", r.Guard}, {"source", r.Source}, {"issuer", r.Issuer}, {"colour", r.Colour},
		{"decision", r.Decision}, {"reason", r.Reason}, {"name", r.Name},
	} {
		if err := checkString(f.name, f.v); err != nil {
			return err
		}
	}
	if r.Decision == "" {
		return fmt.Errorf("%w: no decision", ErrMalformed)
	}
	if r.Pass != "" && !isHex(r.Pass, 32) {
		return fmt.Errorf("%w: pass is not 32 lower-case hex digits", ErrMalformed)
	}
	if !isHex(r.Prev, 64) {
		return fmt.Errorf("%w: prev is not 64 lower-case hex digits", ErrMalformed)
	}
	return nil
}

// checkString enforces the rule that lets every string appear verbatim
// between its quotes: valid UTF-8, at most MaxString bytes, and none of
// the characters JSON or Go's encoder would escape.
func checkString(field, s string) error {
	if err := CheckText(s); err != nil {
		return fmt.Errorf("%w: %s: %v", ErrMalformed, field, err)
	}
	return nil
}

// CheckText reports whether s may be a string field of a record, such as
// a guard's name.
func CheckText(s string) error {
	if len(s) > MaxString {
		return fmt.Errorf("longer than %d bytes", MaxString)
	}
	if !utf8.ValidString(s) {
		return errors.New("not valid UTF-8")
	}
	for _, c := range s {
		switch {
		case c < 0x20 || c == 0x7f || (c >= 0x80 && c < 0xa0):
			return fmt.Errorf("control character U+%04X", c)
		case c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' || c == 0x2028 || c == 0x2029:
			return fmt.Errorf("character %q is not allowed", c)
		}
	}
	return nil
}

// ValidSite reports whether s can name a site: 1 to 32 characters of
// lower-case ASCII letters, digits, '-', '_' and '.', starting with a
// letter or digit. The site names its files, so nothing else is allowed.
func ValidSite(s string) error {
	if len(s) == 0 || len(s) > 32 {
		return fmt.Errorf("site %q: want 1 to 32 characters", s)
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z', c >= '0' && c <= '9':
		case i > 0 && (c == '-' || c == '_' || c == '.'):
		default:
			return fmt.Errorf("site %q: use lower-case letters, digits, '-', '_' and '.', starting with a letter or digit", s)
		}
	}
	return nil
}

func isHex(s string, n int) bool {
	if len(s) != n {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return false
		}
	}
	return true
}
