package verdict

import (
	"fmt"
	"strings"
)

// A Report is a verdict as "hufu verify" shows it to a guard, in English:
// a headline that leads with the decision as a word and a symbol, then
// labelled rows. The texts hold what the code says as it is: a terminal
// must escape them.
type Report struct {
	Head string      // e.g. "✔  ADMIT  ·  GREEN", "✘  DENY  ·  NAME DOES NOT MATCH THIS CODE"
	Rows [][2]string // label, text: "issuer", "310000  上海市 · Shanghai"
}

// Report returns v for people. photoGiven says whether the guard gave a
// photo to match (an EU DCC carries none, which the report then says).
func (v *Verdict) Report(photoGiven bool) *Report {
	r := &Report{}
	switch v.Decision {
	case CannotDecide:
		r.Head = "?  CANNOT DECIDE"
	case Invalid:
		r.Head = "✘  INVALID — DO NOT ADMIT"
	case Admit:
		r.Head = "✔  ADMIT"
	case Observe:
		r.Head = "▲  OBSERVE"
	case Valid:
		r.Head = "✔  VALID EU DCC"
	default:
		r.Head = "✘  DENY"
	}
	switch {
	case !v.IsValid():
	case v.NameMatch != nil && !*v.NameMatch:
		r.Head += "  ·  NAME DOES NOT MATCH THIS CODE"
	case v.PhotoMatch != nil && !*v.PhotoMatch:
		r.Head += "  ·  PHOTO DOES NOT MATCH THIS CODE"
	case v.HC1 != nil:
		r.Head += "  ·  " + v.HC1.Headline()
	default:
		r.Head += "  ·  " + strings.ToUpper(v.Colour)
	}
	if !v.IsValid() {
		r.add("reason", "%s (%s)", Text("en", v.Reason), v.Reason)
		if v.Detail != "" {
			r.add("detail", "%s", v.Detail)
		}
		if v.Trust != "" {
			r.add("trust", "%s", v.Trust)
		}
		return r
	}
	if v.HC1 != nil {
		r.hc1(v, photoGiven)
		return r
	}
	r.add("colour", "%s", v.Colour)
	r.add("issuer", "%s", strings.TrimSpace(v.Issuer+"  "+v.IssuerName))
	r.add("pass", "%s", v.PassID)
	r.nameRow(v.NameMatch, "not checked (give -name NAME from the ID card)")
	switch {
	case v.PhotoMatch != nil && *v.PhotoMatch:
		r.add("photo", "✔ matches")
	case v.PhotoMatch != nil:
		r.add("photo", "✘ DOES NOT MATCH the photo given")
	case v.Pass != nil && v.Pass.PhotoDigest != nil:
		id := ""
		if v.PhotoID != "" {
			id = " " + v.PhotoID
		}
		r.add("photo", "not checked (the pass has a photo reference%s)", id)
	}
	r.add("valid", "until %s (%s left)", LocalTime(v.ExpiresAt), HumanDuration("en", v.Left()))
	if v.StatusReason != "" {
		text := Text("en", v.StatusReason)
		if text == v.StatusReason {
			text = "reason code " + strings.TrimPrefix(v.StatusReason, "reason_")
		}
		r.add("reason", "%s", text)
	}
	for _, h := range v.Hints {
		r.add("hint", "%s", Text("en", h))
	}
	r.warnings(v)
	r.add("signed", "key %s (%s), %s", v.KID, v.Alg, v.Trust)
	return r
}

func (r *Report) add(label, format string, args ...any) {
	r.Rows = append(r.Rows, [2]string{label, fmt.Sprintf(format, args...)})
}

func (r *Report) nameRow(match *bool, unchecked string) {
	switch {
	case match == nil:
		r.add("name", "%s", unchecked)
	case *match:
		r.add("name", "✔ matches")
	default:
		r.add("name", "✘ DOES NOT MATCH the name given")
	}
}

func (r *Report) warnings(v *Verdict) {
	for _, w := range v.Warnings {
		if text := Text("en", w); text != w {
			r.add("warning", "%s (%s)", text, w)
		} else {
			r.add("warning", "%s", w)
		}
	}
}

// hc1 adds the rows of a valid EU DCC: the holder, the certificate and
// what hufu did and did not check.
func (r *Report) hc1(v *Verdict, photoGiven bool) {
	h := v.HC1
	name := strings.TrimSuffix(strings.TrimPrefix(h.Name.Family+", "+h.Name.Given, ", "), ", ")
	std := strings.TrimSuffix(strings.TrimPrefix(h.Name.FamilyStd+", "+h.Name.GivenStd, ", "), ", ")
	r.add("holder", "%s  (%s)", name, std)
	born := h.DateOfBirth
	if born == "" {
		born = "(none given)"
	}
	r.add("born", "%s", born)
	r.nameRow(v.NameMatch, "not checked (give -name NAME from the ID card, or compare the holder above)")
	if photoGiven {
		r.add("photo", "not checked: an EU DCC carries no photo")
	}
	switch {
	case h.Vaccination != nil:
		x := h.Vaccination
		r.add("vaccine", "%s against %s", CodeName(x.Product), CodeName(x.Disease))
		r.add("dose", "%d of %d, on %s in %s", x.Dose, x.Doses, x.Date, x.Country)
		r.add("kind", "%s, made by %s", CodeName(x.Vaccine), CodeName(x.Manufacturer))
		r.add("issuer", "%s", x.Issuer)
	case h.Test != nil:
		x := h.Test
		r.add("test", "%s for %s: %s", CodeName(x.Type), CodeName(x.Disease), CodeName(x.Result))
		r.add("sampled", "%s in %s", x.SampledAt, x.Country)
		if x.Name != "" || x.Device != "" {
			r.add("product", "%s", strings.TrimSpace(x.Name+" "+x.Device))
		}
		if x.Centre != "" {
			r.add("centre", "%s", x.Centre)
		}
		r.add("issuer", "%s", x.Issuer)
	case h.Recovery != nil:
		x := h.Recovery
		r.add("recovery", "from %s, first positive test %s in %s", CodeName(x.Disease), x.FirstPositive, x.Country)
		r.add("states", "valid from %s until %s", x.ValidFrom, x.ValidUntil)
		r.add("issuer", "%s", x.Issuer)
	}
	r.add("cert id", "%s", h.CertificateID)
	r.add("valid", "until %s (%s left)", LocalTime(v.ExpiresAt), HumanDuration("en", v.Left()))
	r.warnings(v)
	subject := ""
	if v.Pass != nil && v.Pass.Key != nil && v.Pass.Key.DSC != nil {
		subject = v.Pass.Key.DSC.Subject
	}
	r.add("signed", "document-signer certificate %s (%s), %s", v.KID, v.Alg, subject)
	r.add("trust", "%s", v.Trust)
	r.add("note", "hufu checked the signature, the signing certificate and the dates;")
	r.add("", "whether this %s is enough to enter is for your rules", h.Type)
}
