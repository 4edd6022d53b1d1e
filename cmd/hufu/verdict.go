package main

import (
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/hufu-project/hufu/verifier"
)

// verdictVersion is the version of the JSON verdict object.
const verdictVersion = 1

// verdict is the outcome of checking one code, as printed by verify and
// scan. Its JSON form is documented in "hufu help verify".
type verdict struct {
	Version      int      `json:"hufu_verdict"`
	Input        string   `json:"input,omitempty"`
	Valid        bool     `json:"valid"`
	Undecided    bool     `json:"undecided"`
	Decision     string   `json:"decision"` // admit, observe, deny, or undecided
	Reason       string   `json:"reason,omitempty"`
	Detail       string   `json:"detail,omitempty"`
	Colour       string   `json:"colour,omitempty"`
	Issuer       string   `json:"issuer,omitempty"`
	PassID       string   `json:"pass_id,omitempty"`
	IssuedAt     string   `json:"issued_at,omitempty"`
	ExpiresAt    string   `json:"expires_at,omitempty"`
	SecondsLeft  *int64   `json:"seconds_left,omitempty"`
	StatusReason string   `json:"status_reason,omitempty"`
	Hints        []string `json:"hints,omitempty"`
	NameMatch    *bool    `json:"name_match,omitempty"`
	PhotoMatch   *bool    `json:"photo_match,omitempty"`
	PhotoID      string   `json:"photo_id,omitempty"`
	Alg          string   `json:"alg,omitempty"`
	KID          string   `json:"kid,omitempty"`
	Trust        string   `json:"trust,omitempty"`
	Warnings     []string `json:"warnings,omitempty"`
	Format       string   `json:"format,omitempty"` // HF1 or HC1, for a valid code
	HC1          *hc1JSON `json:"hc1,omitempty"`    // the EU DCC of a valid HC1 code

	// Set by scan only.
	Time       string `json:"time,omitempty"`        // when the code was scanned
	Site       string `json:"site,omitempty"`        // the station's site
	Source     string `json:"source,omitempty"`      // scanner, watch or web
	LogSeq     uint64 `json:"log_seq,omitempty"`     // the scan log record
	Passback   bool   `json:"passback,omitempty"`    // used at this site within the window
	PassbackAt string `json:"passback_at,omitempty"` // when
	PhotoFile  string `json:"photo_file,omitempty"`  // the holder's photo in the photo folder

	pass       *verifier.Pass
	now        time.Time
	issuerName string // from a trust bundle, for the human verdict
	photoGiven bool   // -photo was given (an HC1 code has none to match)
}

// checks are the optional person checks a guard asks for.
type checks struct {
	name  string // "" = not checked
	photo []byte // nil = not checked
}

func newVerdict(p *verifier.Pass, err error, ck checks, now time.Time, trustLabel string) *verdict {
	v := &verdict{Version: verdictVersion, now: now, Trust: trustLabel}
	if err != nil {
		var ve *verifier.Error
		if !errors.As(err, &ve) {
			ve = &verifier.Error{Reason: verifier.TrustUnavailable, Err: err}
		}
		v.Reason = string(ve.Reason)
		v.Detail = strings.TrimPrefix(ve.Error(), "verifier: "+string(ve.Reason))
		v.Detail = strings.TrimPrefix(v.Detail, ": ")
		v.Undecided = ve.Reason.Undecided()
		v.Decision = "deny"
		if v.Undecided {
			v.Decision = "undecided"
		}
		return v
	}
	v.pass = p
	v.Valid = true
	v.Format = p.Format
	if p.HC1 != nil {
		return v.hc1(p, ck)
	}
	v.Decision = p.Decision().String()
	v.Colour = p.Colour.String()
	v.Issuer = p.Issuer
	v.PassID = p.ID.String()
	v.IssuedAt = p.IssuedAt.UTC().Format(time.RFC3339)
	v.ExpiresAt = p.ExpiresAt.UTC().Format(time.RFC3339)
	left := int64(p.ExpiresAt.Sub(now) / time.Second)
	v.SecondsLeft = &left
	if p.Reason != 0 {
		v.StatusReason = p.Reason.String()
	}
	v.Hints = p.Hints.Names()
	v.PhotoID = p.PhotoID
	v.Alg = string(p.Alg)
	v.KID = hex.EncodeToString(p.Key.KID)
	v.Warnings = p.Warnings
	if ck.name != "" {
		m := p.NameMatches(ck.name)
		v.NameMatch = &m
		if !m {
			v.Decision = "deny"
		}
	}
	if ck.photo != nil {
		m := p.PhotoMatches(ck.photo)
		v.PhotoMatch = &m
		if !m {
			v.Decision = "deny"
		}
	}
	return v
}

// hc1 fills in the verdict on a valid EU DCC. hufu decides admit, observe
// or deny for HF1 passes only; a valid HC1 code is "valid" (exit status 6)
// unless the name given does not match it.
func (v *verdict) hc1(p *verifier.Pass, ck checks) *verdict {
	v.Decision = "valid"
	v.HC1 = newHC1JSON(p.HC1)
	v.Issuer = p.HC1.Country
	v.IssuedAt = p.IssuedAt.UTC().Format(time.RFC3339)
	v.ExpiresAt = p.ExpiresAt.UTC().Format(time.RFC3339)
	left := int64(p.ExpiresAt.Sub(v.now) / time.Second)
	v.SecondsLeft = &left
	v.Alg = string(p.Alg)
	v.KID = hex.EncodeToString(p.Key.KID)
	v.Warnings = p.Warnings
	if ck.name != "" {
		m := p.NameMatches(ck.name)
		v.NameMatch = &m
		if !m {
			v.Decision = "deny"
		}
	}
	v.photoGiven = ck.photo != nil
	return v
}

// exitCode is verify's exit status for the verdict.
func (v *verdict) exitCode() int {
	switch {
	case v.Undecided:
		return exitUndecid
	case !v.Valid:
		return exitInvalid
	case v.Decision == "admit":
		return exitOK
	case v.Decision == "observe":
		return exitObserve
	case v.Decision == "valid":
		return exitValid
	}
	return exitDeny
}

func (v *verdict) writeJSON(w io.Writer) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	_, err = w.Write(append(b, '\n'))
	return err
}

// Human-readable explanations of reason codes, hints and status reasons.
var reasonText = map[string]string{
	"too_large":          "the code is longer than any QR code can hold",
	"bad_prefix":         "this is not a hufu pass or an EU DCC (it does not start with HF1: or HC1:)",
	"bad_base45":         "the code is garbled (not valid Base45)",
	"bad_compression":    "the code is garbled (its compression is broken)",
	"bad_cose":           "the code is garbled or forged (malformed signed envelope)",
	"unsupported_alg":    "the code uses a signature algorithm hufu does not accept",
	"unknown_key":        "the code is signed by a key this station does not trust",
	"bad_signature":      "the signature is wrong: the code is forged or altered",
	"bad_payload":        "the signed content is malformed",
	"issuer_not_allowed": "the signing key may not issue passes for this issuer",
	"key_not_valid":      "the pass was signed, or expires, outside the signing key's validity period",
	"key_usage":          "the signing certificate may not sign this type of certificate",
	"not_yet_valid":      "the pass is dated in the future (check this computer's clock)",
	"expired":            "the pass has expired",
	"revoked_pass":       "the pass has been revoked",
	"revoked_key":        "the signing key has been revoked",
	"policy_violation":   "the pass breaks the issuer's rules",
	"trust_unavailable":  "the trust bundle could not be used",
	"trust_expired":      "the trust bundle has expired: install a new one",
	"clock_behind":       "this computer's clock looks wrong (earlier than the trust bundle)",
	"no_qr_code":         "no QR code found in the image",
	"unreadable_qr":      "a QR code was found but could not be read: try again closer, flatter, with less glare",
	"bad_image":          "the file is not a readable PNG, JPEG or GIF image",
}

var warningText = map[string]string{
	"trust_stale": "the trust bundle is past its next update: install a newer one",
}

var statusText = map[string]string{
	"key_region_arrival": "arrived from a key region within 14 days",
	"close_contact":      "close contact of a confirmed case",
	"secondary_contact":  "contact of a close contact",
	"medical_management": "under medical management",
	"confirmed":          "confirmed case",
	"suspected":          "suspected case",
	"fever_clinic":       "visited a fever clinic",
	"test_overdue":       "test result overdue",
}

var hintText = map[string]string{
	"health_registration": "health registration suggested",
	"test_suggested":      "a test is suggested",
	"appeal_pending":      "the holder has appealed the colour",
}

// style holds the terminal escapes; all empty when colour is off.
type style struct{ bold, green, yellow, red, dim, reset string }

func newStyle(on bool) style {
	if !on {
		return style{}
	}
	return style{"\x1b[1m", "\x1b[1;97;42m", "\x1b[1;30;43m", "\x1b[1;97;41m", "\x1b[2m", "\x1b[0m"}
}

// writeHuman prints the verdict for a guard: the decision as a word and a
// symbol first (never colour alone), then the details.
func (v *verdict) writeHuman(w io.Writer, st style) {
	var head, paint string
	switch {
	case v.Undecided:
		head, paint = "?  CANNOT DECIDE", st.yellow
	case !v.Valid:
		head, paint = "✘  INVALID — DO NOT ADMIT", st.red
	case v.Decision == "admit":
		head, paint = "✔  ADMIT", st.green
	case v.Decision == "observe":
		head, paint = "▲  OBSERVE", st.yellow
	case v.Decision == "valid":
		head, paint = "✔  VALID EU DCC", st.green
	default:
		head, paint = "✘  DENY", st.red
	}
	if v.Input != "" {
		fmt.Fprintf(w, "%s%s%s\n", st.dim, v.Input, st.reset)
	}
	switch {
	case !v.Valid:
	case v.NameMatch != nil && !*v.NameMatch:
		head += "  ·  NAME DOES NOT MATCH THIS CODE"
	case v.PhotoMatch != nil && !*v.PhotoMatch:
		head += "  ·  PHOTO DOES NOT MATCH THIS CODE"
	case v.HC1 != nil:
		head += "  ·  " + hc1Headline(v.HC1)
	default:
		head += "  ·  " + strings.ToUpper(v.Colour)
	}
	if paint != "" {
		head = paint + " " + head + " " + st.reset
	}
	fmt.Fprintln(w, head)
	line := func(label, format string, args ...any) {
		fmt.Fprintf(w, "  %-9s %s\n", label, fmt.Sprintf(format, args...))
	}
	if !v.Valid {
		text := reasonText[v.Reason]
		if text == "" {
			text = v.Reason
		}
		line("reason", "%s (%s)", text, v.Reason)
		if v.Detail != "" {
			line("detail", "%s", v.Detail)
		}
		if v.Trust != "" {
			line("trust", "%s", v.Trust)
		}
		return
	}
	if v.HC1 != nil {
		v.writeHC1(w, line)
		return
	}
	line("colour", "%s", v.Colour)
	if v.issuerName != "" {
		line("issuer", "%s  %s", v.Issuer, v.issuerName)
	} else {
		line("issuer", "%s", v.Issuer)
	}
	line("pass", "%s", v.PassID)
	if v.NameMatch == nil {
		line("name", "not checked (give -name NAME from the ID card)")
	} else if *v.NameMatch {
		line("name", "✔ matches")
	} else {
		line("name", "✘ DOES NOT MATCH the name given")
	}
	if v.PhotoMatch != nil {
		if *v.PhotoMatch {
			line("photo", "✔ matches")
		} else {
			line("photo", "✘ DOES NOT MATCH the photo given")
		}
	} else if v.pass != nil && v.pass.PhotoDigest != nil {
		line("photo", "not checked (the pass has a photo reference%s)", photoIDSuffix(v.PhotoID))
	}
	exp := v.pass.ExpiresAt
	line("valid", "until %s (%s left)", exp.UTC().Format("2006-01-02 15:04:05 MST"), roundDuration(exp.Sub(v.now)))
	if v.StatusReason != "" {
		text := statusText[v.StatusReason]
		if text == "" {
			text = "reason code " + strings.TrimPrefix(v.StatusReason, "reason_")
		}
		line("reason", "%s", text)
	}
	for _, h := range v.Hints {
		text := hintText[h]
		if text == "" {
			text = h
		}
		line("hint", "%s", text)
	}
	for _, warn := range v.Warnings {
		if text := warningText[warn]; text != "" {
			line("warning", "%s (%s)", text, warn)
		} else {
			line("warning", "%s", warn)
		}
	}
	line("signed", "key %s (%s), %s", v.KID, v.Alg, v.Trust)
}

func photoIDSuffix(id string) string {
	if id == "" {
		return ""
	}
	return " " + id
}

// roundDuration prints d to a precision a person reads at a glance.
func roundDuration(d time.Duration) string {
	switch {
	case d < 0:
		return "0s"
	case d < time.Hour:
		return d.Round(time.Second).String()
	}
	return strings.TrimSuffix(d.Round(time.Minute).String(), "0s")
}
