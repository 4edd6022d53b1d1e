package main

import (
	"strings"

	"github.com/hufu-project/hufu/verdict"
)

// writeHC1 prints the body of a valid HC1 verdict.
func writeHC1(v *verdict.Verdict, photoGiven bool, line func(label, format string, args ...any)) {
	h := v.HC1
	name := strings.TrimPrefix(h.Name.Family+", "+h.Name.Given, ", ")
	name = strings.TrimSuffix(name, ", ")
	std := strings.TrimSuffix(strings.TrimPrefix(h.Name.FamilyStd+", "+h.Name.GivenStd, ", "), ", ")
	line("holder", "%s  (%s)", name, std)
	line("born", "%s", orNone(h.DateOfBirth))
	switch {
	case v.NameMatch == nil:
		line("name", "not checked (give -name NAME from the ID card, or compare the holder above)")
	case *v.NameMatch:
		line("name", "✔ matches")
	default:
		line("name", "✘ DOES NOT MATCH the name given")
	}
	if photoGiven {
		line("photo", "not checked: an EU DCC carries no photo")
	}
	switch {
	case h.Vaccination != nil:
		x := h.Vaccination
		line("vaccine", "%s against %s", verdict.CodeName(x.Product), verdict.CodeName(x.Disease))
		line("dose", "%d of %d, on %s in %s", x.Dose, x.Doses, x.Date, x.Country)
		line("kind", "%s, made by %s", verdict.CodeName(x.Vaccine), verdict.CodeName(x.Manufacturer))
		line("issuer", "%s", x.Issuer)
	case h.Test != nil:
		x := h.Test
		line("test", "%s for %s: %s", verdict.CodeName(x.Type), verdict.CodeName(x.Disease), verdict.CodeName(x.Result))
		line("sampled", "%s in %s", x.SampledAt, x.Country)
		if x.Name != "" || x.Device != "" {
			line("product", "%s", strings.TrimSpace(x.Name+" "+x.Device))
		}
		if x.Centre != "" {
			line("centre", "%s", x.Centre)
		}
		line("issuer", "%s", x.Issuer)
	case h.Recovery != nil:
		x := h.Recovery
		line("recovery", "from %s, first positive test %s in %s", verdict.CodeName(x.Disease), x.FirstPositive, x.Country)
		line("states", "valid from %s until %s", x.ValidFrom, x.ValidUntil)
		line("issuer", "%s", x.Issuer)
	}
	line("cert id", "%s", h.CertificateID)
	line("valid", "until %s (%s left)", verdict.LocalTime(v.ExpiresAt), verdict.HumanDuration("en", v.Left()))
	writeWarnings(v, line)
	line("signed", "document-signer certificate %s (%s), %s", v.KID, v.Alg, v.Pass.Key.DSC.Subject)
	line("trust", "%s", v.Trust)
	line("note", "hufu checked the signature, the signing certificate and the dates;")
	line("", "whether this %s is enough to enter is for your rules", h.Type)
}

func orNone(s string) string {
	if s == "" {
		return "(none given)"
	}
	return s
}
