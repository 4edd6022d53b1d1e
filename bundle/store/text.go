package store

import (
	"fmt"
	"strings"
	"time"

	"github.com/hufu-project/hufu/internal/humantime"
)

// Lines is the description for people, as "hufu bundle show" and
// "status" print it: for a bundle not Verified a warning line first, then
// a heading, then a labelled line for each time, issuer, key and count. With a non-zero now the issue time says how long
// ago it was; with State set, a last line says the state and what to do
// about it. The names are the bundle's text as signed: a terminal must
// escape them.
func (d *Description) Lines(now time.Time) []string {
	var l []string
	line := func(label, format string, args ...any) {
		l = append(l, fmt.Sprintf("  %-14s %s", label, fmt.Sprintf(format, args...)))
	}
	signed := "signed by root " + d.Signer + ", signature NOT checked"
	if d.Verified {
		signed = "signed by root " + d.Signer + ", signature verified"
	} else {
		l = append(l, "!!! UNVERIFIED — no root to check the signature with; give -root ROOT.pub or pin one !!!")
	}
	l = append(l, fmt.Sprintf("trust bundle seq %d, %s", d.Seq, signed))
	if now.IsZero() {
		line("issued", "%s", d.IssuedAt.Format(time.RFC3339))
	} else {
		line("issued", "%s (%s ago)", d.IssuedAt.Format(time.RFC3339), humantime.Duration("en", now.Sub(d.IssuedAt)))
	}
	line("next update", "%s", d.NextUpdate.Format(time.RFC3339))
	line("expires", "%s", d.Expires.Format(time.RFC3339))
	for _, is := range d.Issuers {
		line("issuer", "%s  %s · %s  (passes valid up to %s; %s)", is.ID, is.NameZH, is.NameEN,
			time.Duration(is.MaxLifetime)*time.Second, strings.Join(is.Colours, ", "))
		for _, k := range is.Keys {
			line("", "  key %s %s%s", k.KID, k.Alg, window(rfc3339(k.ValidFrom), rfc3339(k.ValidUntil)))
		}
	}
	line("revoked", "%s, %s", humantime.Plural(d.RevokedPasses, "pass"), humantime.Plural(len(d.RevokedKeys), "key"))
	for _, k := range d.RevokedKeys {
		line("", "  key %s %s", k.KID, k.Alg)
	}
	line("labels", "%d", d.Labels)
	if d.State != nil {
		line("state", "%s", map[string]string{
			Fresh:       "fresh",
			Stale:       "STALE: past its next update; install a newer bundle",
			Expired:     "EXPIRED: verify cannot decide anything; install a newer bundle",
			ClockBehind: "CLOCK BEHIND: this computer's clock (" + now.UTC().Format(time.RFC3339) + ") is earlier than the bundle; fix the clock",
		}[*d.State])
	}
	return l
}

// window says when a key may sign, " from FROM until UNTIL", either side
// left out when open ("" for a key without a window).
func window(from, until string) string {
	var s string
	if from != "" {
		s += " from " + from
	}
	if until != "" {
		s += " until " + until
	}
	return s
}

func rfc3339(t *time.Time) string {
	if t == nil {
		return ""
	}
	return t.Format(time.RFC3339)
}
