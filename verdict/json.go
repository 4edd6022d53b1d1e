package verdict

import (
	"encoding/json"
	"fmt"
	"time"
)

// wire is the JSON form of a Verdict: every key present, null for unknown.
type wire struct {
	Version      int       `json:"hufu_verdict"`
	Decision     Decision  `json:"decision"`
	Valid        bool      `json:"valid"`
	Input        *string   `json:"input"`
	Reason       *string   `json:"reason"`
	Detail       *string   `json:"detail"`
	Format       *string   `json:"format"`
	Colour       *string   `json:"colour"`
	Issuer       *string   `json:"issuer"`
	IssuerName   *string   `json:"issuer_name"`
	PassID       *string   `json:"pass_id"`
	IssuedAt     *string   `json:"issued_at"`
	ExpiresAt    *string   `json:"expires_at"`
	CheckedAt    string    `json:"checked_at"`
	SecondsLeft  *int64    `json:"seconds_left"`
	StatusReason *string   `json:"status_reason"`
	Hints        []string  `json:"hints"`
	NameMatch    *bool     `json:"name_match"`
	PhotoMatch   *bool     `json:"photo_match"`
	PhotoID      *string   `json:"photo_id"`
	Alg          *string   `json:"alg"`
	KID          *string   `json:"kid"`
	Trust        *string   `json:"trust"`
	Warnings     []string  `json:"warnings"`
	HC1          *HC1      `json:"hc1"`
	Scan         *wireScan `json:"scan"`
}

type wireScan struct {
	Time       string  `json:"time"`
	Site       string  `json:"site"`
	Source     string  `json:"source"`
	LogSeq     uint64  `json:"log_seq"`
	Passback   bool    `json:"passback"`
	PassbackAt *string `json:"passback_at"`
	PhotoFile  *string `json:"photo_file"`
}

// Time layouts of a verdict, all in UTC: the code's own times to the
// second (RFC 3339), and the times of the check and the scan to the
// millisecond, as in the scan log's records.
const (
	TimeLayout      = time.RFC3339
	CheckTimeLayout = "2006-01-02T15:04:05.000Z07:00"
)

func str(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func tm(t time.Time) *string {
	if t.IsZero() {
		return nil
	}
	s := t.UTC().Format(TimeLayout)
	return &s
}

func unstr(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

func untm(s *string) (time.Time, error) {
	if s == nil {
		return time.Time{}, nil
	}
	return time.Parse(time.RFC3339Nano, *s)
}

func list(l []string) []string {
	if l == nil {
		return []string{}
	}
	return l
}

// MarshalJSON returns the verdict's JSON form (SPEC.md §17).
func (v *Verdict) MarshalJSON() ([]byte, error) {
	w := wire{
		Version: Version, Decision: v.Decision, Valid: v.IsValid(), Input: str(v.Input),
		Reason: str(v.Reason), Detail: str(v.Detail), Format: str(v.Format), Colour: str(v.Colour),
		Issuer: str(v.Issuer), IssuerName: str(v.IssuerName), PassID: str(v.PassID),
		IssuedAt: tm(v.IssuedAt), ExpiresAt: tm(v.ExpiresAt), CheckedAt: v.CheckedAt.UTC().Format(CheckTimeLayout),
		StatusReason: str(v.StatusReason), Hints: list(v.Hints), NameMatch: v.NameMatch, PhotoMatch: v.PhotoMatch,
		PhotoID: str(v.PhotoID), Alg: str(v.Alg), KID: str(v.KID), Trust: str(v.Trust),
		Warnings: list(v.Warnings), HC1: v.HC1,
	}
	if !v.ExpiresAt.IsZero() {
		left := int64(v.ExpiresAt.Sub(v.CheckedAt) / time.Second)
		w.SecondsLeft = &left
	}
	if s := v.Scan; s != nil {
		w.Scan = &wireScan{Time: s.Time.UTC().Format(CheckTimeLayout), Site: s.Site, Source: s.Source, LogSeq: s.LogSeq,
			Passback: s.Passback, PassbackAt: tm(s.PassbackAt), PhotoFile: str(s.PhotoFile)}
	}
	return json.Marshal(w)
}

// UnmarshalJSON reads a verdict of this version; Pass stays nil.
func (v *Verdict) UnmarshalJSON(b []byte) error {
	var w wire
	if err := json.Unmarshal(b, &w); err != nil {
		return fmt.Errorf("verdict: %w", err)
	}
	if w.Version != Version {
		return fmt.Errorf("verdict: hufu_verdict %d, want %d", w.Version, Version)
	}
	*v = Verdict{
		Input: unstr(w.Input), Decision: w.Decision, Reason: unstr(w.Reason), Detail: unstr(w.Detail),
		Format: unstr(w.Format), Colour: unstr(w.Colour), Issuer: unstr(w.Issuer), IssuerName: unstr(w.IssuerName),
		PassID: unstr(w.PassID), StatusReason: unstr(w.StatusReason), Hints: w.Hints, NameMatch: w.NameMatch,
		PhotoMatch: w.PhotoMatch, PhotoID: unstr(w.PhotoID), Alg: unstr(w.Alg), KID: unstr(w.KID),
		Trust: unstr(w.Trust), Warnings: w.Warnings, HC1: w.HC1,
	}
	var errs [4]error
	v.IssuedAt, errs[0] = untm(w.IssuedAt)
	v.ExpiresAt, errs[1] = untm(w.ExpiresAt)
	v.CheckedAt, errs[2] = time.Parse(time.RFC3339Nano, w.CheckedAt)
	if s := w.Scan; s != nil {
		v.Scan = &Scan{Site: s.Site, Source: s.Source, LogSeq: s.LogSeq, Passback: s.Passback, PhotoFile: unstr(s.PhotoFile)}
		v.Scan.Time, errs[3] = time.Parse(time.RFC3339Nano, s.Time)
		if errs[3] == nil {
			v.Scan.PassbackAt, errs[3] = untm(s.PassbackAt)
		}
	}
	for _, err := range errs {
		if err != nil {
			return fmt.Errorf("verdict: %w", err)
		}
	}
	return nil
}
