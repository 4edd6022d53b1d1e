package main

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/hufu-project/hufu/internal/termsafe"
	"github.com/hufu-project/hufu/verdict"
)

// exitCode is verify's exit status for a verdict.
func exitCode(v *verdict.Verdict) int {
	switch v.Decision {
	case verdict.CannotDecide:
		return exitUndecid
	case verdict.Invalid:
		return exitInvalid
	case verdict.Admit:
		return exitOK
	case verdict.Observe:
		return exitObserve
	case verdict.Valid:
		return exitValid
	}
	return exitDeny
}

func writeJSON(w io.Writer, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	_, err = w.Write(append(b, '\n'))
	return err
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
// symbol first (never colour alone), then the details. Every text taken
// from the code is escaped (termsafe).
func writeHuman(w io.Writer, v *verdict.Verdict, photoGiven bool, st style) {
	var head, paint string
	switch v.Decision {
	case verdict.CannotDecide:
		head, paint = "?  CANNOT DECIDE", st.yellow
	case verdict.Invalid:
		head, paint = "✘  INVALID — DO NOT ADMIT", st.red
	case verdict.Admit:
		head, paint = "✔  ADMIT", st.green
	case verdict.Observe:
		head, paint = "▲  OBSERVE", st.yellow
	case verdict.Valid:
		head, paint = "✔  VALID EU DCC", st.green
	default:
		head, paint = "✘  DENY", st.red
	}
	if v.Input != "" {
		fmt.Fprintf(w, "%s%s%s\n", st.dim, termsafe.String(v.Input), st.reset)
	}
	switch {
	case !v.IsValid():
	case v.NameMatch != nil && !*v.NameMatch:
		head += "  ·  NAME DOES NOT MATCH THIS CODE"
	case v.PhotoMatch != nil && !*v.PhotoMatch:
		head += "  ·  PHOTO DOES NOT MATCH THIS CODE"
	case v.HC1 != nil:
		head += "  ·  " + v.HC1.Headline()
	default:
		head += "  ·  " + strings.ToUpper(termsafe.String(v.Colour))
	}
	if paint != "" {
		head = paint + " " + head + " " + st.reset
	}
	fmt.Fprintln(w, head)
	line := func(label, format string, args ...any) {
		fmt.Fprintf(w, "  %-9s %s\n", label, termsafe.String(fmt.Sprintf(format, args...)))
	}
	if !v.IsValid() {
		line("reason", "%s (%s)", verdict.Text("en", v.Reason), v.Reason)
		if v.Detail != "" {
			line("detail", "%s", v.Detail)
		}
		if v.Trust != "" {
			line("trust", "%s", v.Trust)
		}
		return
	}
	if v.HC1 != nil {
		writeHC1(v, photoGiven, line)
		return
	}
	line("colour", "%s", v.Colour)
	line("issuer", "%s", strings.TrimSpace(v.Issuer+"  "+v.IssuerName))
	line("pass", "%s", v.PassID)
	switch {
	case v.NameMatch == nil:
		line("name", "not checked (give -name NAME from the ID card)")
	case *v.NameMatch:
		line("name", "✔ matches")
	default:
		line("name", "✘ DOES NOT MATCH the name given")
	}
	if v.PhotoMatch != nil {
		if *v.PhotoMatch {
			line("photo", "✔ matches")
		} else {
			line("photo", "✘ DOES NOT MATCH the photo given")
		}
	} else if v.Pass != nil && v.Pass.PhotoDigest != nil {
		line("photo", "not checked (the pass has a photo reference%s)", photoIDSuffix(v.PhotoID))
	}
	line("valid", "until %s (%s left)", verdict.LocalTime(v.ExpiresAt), verdict.HumanDuration("en", v.Left()))
	if v.StatusReason != "" {
		text := verdict.Text("en", v.StatusReason)
		if text == v.StatusReason {
			text = "reason code " + strings.TrimPrefix(v.StatusReason, "reason_")
		}
		line("reason", "%s", text)
	}
	for _, h := range v.Hints {
		line("hint", "%s", verdict.Text("en", h))
	}
	writeWarnings(v, line)
	line("signed", "key %s (%s), %s", v.KID, v.Alg, v.Trust)
}

func writeWarnings(v *verdict.Verdict, line func(label, format string, args ...any)) {
	for _, warn := range v.Warnings {
		if text := verdict.Text("en", warn); text != warn {
			line("warning", "%s (%s)", text, warn)
		} else {
			line("warning", "%s", warn)
		}
	}
}

func photoIDSuffix(id string) string {
	if id == "" {
		return ""
	}
	return " " + id
}

// roundDuration prints d as people say it ("7 days", "2 h 5 min").
func roundDuration(d time.Duration) string { return verdict.HumanDuration("en", d) }
