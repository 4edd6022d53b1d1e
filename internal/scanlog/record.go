// Package scanlog is the guard station's tamper-evident scan log: one
// append-only JSON Lines file per site, each record chained to the one
// before it by HMAC-SHA-256 under the site's secret, so that nobody
// without the secret can add or change a record, each synced to disk
// before its verdict is shown.
//
// A site's files live together in one directory:
//
//	SITE.jsonl        the records, one per line
//	SITE.head         the last sequence number and hash written (two slots)
//	SITE.key          the site's secret, for the chain and pass pseudonyms (mode 0600)
//	SITE.torn-N       an incomplete last line set aside after a crash
//
// A record holds no name, photo or pass text: the pass is recorded as a
// pseudonym, an HMAC of its issuer and ID under the site's secret, so that
// the same pass can be recognised at the same site (anti-passback) and
// nowhere else. The format is specified in SPEC.md, "Scan log".
package scanlog

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Version is the record format version that Append writes, the value of
// "hufu_scan". Version 2 keys the chain with the site's secret and escapes
// string values; version 1 records (unkeyed, verbatim strings) are still
// read, and a log may continue in version 2 after them.
const Version = 2

// TimeLayout is the one form of a record's time: UTC, milliseconds.
const TimeLayout = "2006-01-02T15:04:05.000Z"

// Limits on records.
const (
	MaxLine     = 16 << 10 // bytes in a line, without its newline
	MaxString   = 256      // bytes in any string value of a version 2 record but prev and hash
	MaxStringV1 = 64       // bytes in any string value of a version 1 record but prev and hash
)

// ZeroHash is the prev of the first record.
const ZeroHash = "0000000000000000000000000000000000000000000000000000000000000000"

// Record is one line of the log. The field order is the order on the
// line; the hash is HMAC-SHA-256 under the site's secret (SHA-256 in a
// version 1 record) of the line without its "hash" member.
type Record struct {
	Version  int    `json:"hufu_scan"`
	Seq      uint64 `json:"seq"`      // 1, 2, 3, …
	Time     string `json:"time"`     // TimeLayout
	Site     string `json:"site"`     // the site ID, as in the file name
	Guard    string `json:"guard"`    // who was on duty
	Source   string `json:"source"`   // scanner, watch or web
	Issuer   string `json:"issuer"`   // "" unless the pass verified
	Colour   string `json:"colour"`   // green, yellow, red, or ""
	Decision string `json:"decision"` // admit, observe, deny, valid, invalid, undecided
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

// Errors from ParseLine. Each means the line is not what the station wrote,
// or (ErrNoKey) cannot be checked.
var (
	ErrMalformed = errors.New("scanlog: not a well-formed record")
	ErrHash      = errors.New("scanlog: the record does not match its hash")
	ErrNoKey     = errors.New("scanlog: no site secret to check the record's keyed hash")
)

// ParseLine parses one line (without its newline) of a log whose site
// secret is secret. It accepts only the exact bytes the station writes:
// canonical JSON with the members in order, and a hash that matches. A
// version 2 record cannot be checked without the secret (ErrNoKey).
func ParseLine(line, secret []byte) (Record, error) {
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
	canon := r.canonical()
	if want := appendLine(nil, canon, r.Hash); !bytes.Equal(line, want[:len(want)-1]) {
		return r, fmt.Errorf("%w: not in canonical form", ErrMalformed)
	}
	if r.Version >= 2 && len(secret) == 0 {
		return r, ErrNoKey
	}
	if !hmac.Equal([]byte(r.sum(canon, secret)), []byte(r.Hash)) {
		return r, ErrHash
	}
	return r, nil
}

// sum returns the hash of a record with canonical bytes canon, in hex:
// HMAC-SHA-256 under the site's secret for version 2, SHA-256 for
// version 1.
func (r *Record) sum(canon, secret []byte) string {
	if r.Version == 1 {
		s := sha256.Sum256(canon)
		return hex.EncodeToString(s[:])
	}
	m := hmac.New(sha256.New, secret)
	m.Write(canon)
	return hex.EncodeToString(m.Sum(nil))
}

// canonical returns the record's bytes without the hash member: a JSON
// object with the members in order, no white space, and strings written
// by appendString.
func (r *Record) canonical() []byte {
	b := make([]byte, 0, 400)
	b = append(b, `{"hufu_scan":`...)
	b = strconv.AppendInt(b, int64(r.Version), 10)
	b = append(b, `,"seq":`...)
	b = strconv.AppendUint(b, r.Seq, 10)
	for _, f := range []struct{ name, v string }{
		{"time", r.Time}, {"site", r.Site}, {"guard", r.Guard}, {"source", r.Source},
		{"issuer", r.Issuer}, {"colour", r.Colour}, {"decision", r.Decision},
		{"reason", r.Reason}, {"name", r.Name}, {"pass", r.Pass},
	} {
		b = append(b, `,"`...)
		b = append(b, f.name...)
		b = append(b, `":`...)
		b = appendString(b, f.v)
	}
	b = append(b, `,"passback":`...)
	b = strconv.AppendBool(b, r.Passback)
	b = append(b, `,"prev":`...)
	b = appendString(b, r.Prev)
	return append(b, '}')
}

// appendString appends s, valid UTF-8, as a JSON string in the one form a
// record allows: '"' and '\' as \" and \\, every control character
// (U+0000–U+001F, U+007F, U+0080–U+009F) and U+2028 and U+2029 as \uXXXX
// with lower-case hex digits, and everything else as itself.
func appendString(b []byte, s string) []byte {
	b = append(b, '"')
	for _, c := range s {
		switch {
		case c == '"' || c == '\\':
			b = append(b, '\\', byte(c))
		case escaped(c):
			b = append(b, fmt.Sprintf(`\u%04x`, c)...)
		default:
			b = utf8.AppendRune(b, c)
		}
	}
	return append(b, '"')
}

// escaped reports whether appendString writes c as \uXXXX.
func escaped(c rune) bool {
	return c < 0x20 || c == 0x7f || (c >= 0x80 && c < 0xa0) || c == 0x2028 || c == 0x2029
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
	if r.Version != 1 && r.Version != Version {
		return fmt.Errorf("%w: hufu_scan %d, want 1 or %d", ErrMalformed, r.Version, Version)
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
		var err error
		if r.Version == 1 {
			err = CheckText(f.v)
		} else if len(f.v) > MaxString {
			err = fmt.Errorf("longer than %d bytes", MaxString)
		} else if !utf8.ValidString(f.v) {
			err = errors.New("not valid UTF-8")
		}
		if err != nil {
			return fmt.Errorf("%w: %s: %v", ErrMalformed, f.name, err)
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

// Text returns s as a version 2 record holds it: invalid UTF-8 replaced
// by U+FFFD, and a value longer than MaxString bytes cut at a character
// boundary and ended with "…" so that it is MaxString bytes at most.
// Append applies it to every string of an Entry, so that any value a pass
// can carry is recorded rather than refused.
func Text(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	if len(s) <= MaxString {
		return s
	}
	const ellipsis = "…"
	n := MaxString - len(ellipsis)
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + ellipsis
}

// CheckText reports whether s may be a string value of a version 1
// record: valid UTF-8, at most MaxStringV1 bytes, and none of the
// characters that version 1 does not allow (controls, '"', '\', '<',
// '>', '&', U+2028, U+2029). The station also holds a guard's name to it.
func CheckText(s string) error {
	if len(s) > MaxStringV1 {
		return fmt.Errorf("longer than %d bytes", MaxStringV1)
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
