// Package verdict is the one outcome of checking a code, shared by every
// front end: "hufu verify -json", "hufu scan -json", the camera page's API,
// the scan log export and the registry. A [Verdict] marshals to one
// versioned JSON object, documented by the JSON Schema in [Schema] and in
// SPEC.md §17: every key is always present (null where it is unknown), and
// the decision is one of the [Decision] words.
//
// The package sits above verifier: it turns a verified pass, or the error
// that says why there is none, into a verdict. It draws nothing and reads
// no files.
package verdict

import (
	_ "embed"
	"encoding/hex"
	"errors"
	"strings"
	"time"

	"github.com/hufu-project/hufu/verifier"
)

// Version is the value of the "hufu_verdict" key: the version of the JSON
// schema. Version 1 (hufu before the schema) omitted unknown keys and said
// "deny" for an invalid code.
const Version = 2

// Schema is the JSON Schema (draft 2020-12) of a verdict.
//
//go:embed schema/verdict.v2.json
var Schema []byte

// A Decision is what the guard is told to do. The same words are used in
// the JSON verdict, the scan log and its exports.
type Decision string

const (
	Admit        Decision = "admit"         // a valid green pass
	Observe      Decision = "observe"       // a valid yellow pass: admit under the site's rules
	Deny         Decision = "deny"          // a valid red pass, or the name or photo does not match
	Invalid      Decision = "invalid"       // not a valid pass: forged, altered, expired, unreadable, …
	CannotDecide Decision = "cannot_decide" // the trust source cannot be used, or the clock is behind it
	Valid        Decision = "valid"         // a valid EU DCC: genuine and in date; admitting is for the site's rules
)

// Decisions lists every decision word, in the order reports count them.
var Decisions = []Decision{Admit, Observe, Deny, Invalid, CannotDecide, Valid}

// ReasonReplayed is the reason of a verdict on a presentation (HF1P:…)
// that a guard station has already seen (SPEC.md §14.8): a copy of a live
// code. Its decision is Invalid, as for a stale presentation; no verifier
// returns it, only a station, so such a verdict always has a Scan.
const ReasonReplayed = "replayed"

// Admitted reports whether d lets the holder in: the decisions
// anti-passback remembers.
func (d Decision) Admitted() bool { return d == Admit || d == Observe || d == Valid }

// A Verdict is the outcome of checking one code. In Go, an empty string,
// a zero time and a nil pointer mean "unknown"; in JSON they are null.
type Verdict struct {
	Input        string    // where the code came from (a file), or ""
	Decision     Decision  // never empty
	Reason       string    // why the code is invalid or undecided: a verifier.Reason, an image reason, or ReasonReplayed
	Detail       string    // more about Reason, for people
	Format       string    // verifier.FormatHF1 or FormatHC1, for a valid code
	Colour       string    // green, yellow or red (HF1)
	Issuer       string    // the issuer ID (HF1) or issuing country (HC1)
	IssuerName   string    // the issuer's name from a trust bundle
	PassID       string    // the pass ID (HF1)
	IssuedAt     time.Time // the code's issue time
	ExpiresAt    time.Time // the code's expiry time
	CheckedAt    time.Time // the time it was checked as of
	StatusReason string    // why a pass is yellow or red
	Hints        []string  // the pass's hints
	NameMatch    *bool     // the name given matches; nil if none was given
	PhotoMatch   *bool     // the photo given matches; nil if none was given
	PhotoID      string    // the pass's photo reference
	Alg          string    // the signature algorithm
	KID          string    // the signing key's ID, in hex
	Trust        string    // where the trusted keys came from
	Warnings     []string  // e.g. trust_stale, clock_earlier_than_seen
	HC1          *HC1      // the EU DCC of a valid HC1 code
	Scan         *Scan     // set by a guard station

	// Pass is the verified pass, for renderers; nil for an invalid code.
	// It is not part of the JSON form.
	Pass *verifier.Pass
}

// Scan is what a guard station adds to a verdict.
type Scan struct {
	Time       time.Time // when the code was scanned
	Site       string    // the station's site
	Source     string    // scanner, watch, web, or what the program embedding the station says
	LogSeq     uint64    // the scan log record
	Passback   bool      // the pass was admitted at this site within the anti-passback window
	PassbackAt time.Time // when; zero without Passback
	PhotoFile  string    // the holder's photo in the station's photo folder, or ""
}

// Checks are the person checks a guard asks for; the zero value checks
// nothing.
type Checks struct {
	Name  string // the name on the holder's ID card; "" = not checked
	Photo []byte // the holder's photo file; nil = not checked
}

// New returns the verdict on a code that verifier.Verify returned p and
// err for, as of now, with the trust source described by trust. A name or
// photo that does not match makes the decision Deny.
func New(p *verifier.Pass, err error, ck Checks, now time.Time, trust string) *Verdict {
	v := &Verdict{CheckedAt: now, Trust: trust}
	if err != nil {
		var ve *verifier.Error
		if !errors.As(err, &ve) {
			ve = &verifier.Error{Reason: verifier.TrustUnavailable, Err: err}
		}
		v.Reason = string(ve.Reason)
		v.Detail = strings.TrimPrefix(ve.Error(), "verifier: "+string(ve.Reason))
		v.Detail = strings.TrimPrefix(v.Detail, ": ")
		v.Decision = Invalid
		if ve.Reason.Undecided() {
			v.Decision = CannotDecide
		}
		return v
	}
	v.Pass = p
	v.Format = p.Format
	v.IssuedAt, v.ExpiresAt = p.IssuedAt, p.ExpiresAt
	v.Alg = string(p.Alg)
	v.KID = hex.EncodeToString(p.Key.KID)
	v.Warnings = p.Warnings
	if p.HC1 != nil {
		v.Decision = Valid
		v.HC1 = newHC1(p.HC1)
		v.Issuer = p.HC1.Country
	} else {
		v.Decision = Decision(p.Decision().String())
		v.Colour = p.Colour.String()
		v.Issuer = p.Issuer
		v.PassID = p.ID.String()
		if p.Reason != 0 {
			v.StatusReason = p.Reason.String()
		}
		v.Hints = p.Hints.Names()
		v.PhotoID = p.PhotoID
		if ck.Photo != nil {
			m := p.PhotoMatches(ck.Photo)
			v.PhotoMatch = &m
		}
	}
	if ck.Name != "" {
		m := p.NameMatches(ck.Name)
		v.NameMatch = &m
	}
	if (v.NameMatch != nil && !*v.NameMatch) || (v.PhotoMatch != nil && !*v.PhotoMatch) {
		v.Decision = Deny
	}
	return v
}

// Unreadable returns the verdict on an image that gave no code: reason is
// no_qr_code, unreadable_qr or bad_image.
func Unreadable(reason, detail string, now time.Time, trust string) *Verdict {
	return &Verdict{Decision: Invalid, Reason: reason, Detail: detail, CheckedAt: now, Trust: trust}
}

// IsValid reports whether the code verified: the decision is not Invalid
// or CannotDecide.
func (v *Verdict) IsValid() bool { return v.Decision != Invalid && v.Decision != CannotDecide }

// Left is the time left until the code expires, or 0 if it has no expiry
// or has expired.
func (v *Verdict) Left() time.Duration {
	if v.ExpiresAt.IsZero() || !v.ExpiresAt.After(v.CheckedAt) {
		return 0
	}
	return v.ExpiresAt.Sub(v.CheckedAt)
}

// Severity orders verdicts from the least to the most serious, for a
// frame or a file with several codes: admit, valid, observe, passback,
// deny, cannot decide, invalid.
func (v *Verdict) Severity() int {
	switch {
	case v.Decision == Invalid:
		return 6
	case v.Decision == CannotDecide:
		return 5
	case v.Decision == Deny:
		return 4
	case v.Scan != nil && v.Scan.Passback:
		return 3
	case v.Decision == Observe:
		return 2
	case v.Decision == Valid:
		return 1
	}
	return 0
}
