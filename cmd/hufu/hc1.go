package main

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/hufu-project/hufu/verdict"
	"github.com/hufu-project/hufu/verifier"
)

// Names of the commonest codes of the EU value sets, to print beside the
// codes; unknown codes print as they are.
var hc1Codes = map[string]string{
	"840539006":     "COVID-19",
	"260415000":     "not detected",
	"260373001":     "detected",
	"LP6464-4":      "NAAT (PCR)",
	"LP217198-3":    "rapid antigen test",
	"EU/1/20/1528":  "Comirnaty",
	"EU/1/20/1507":  "Spikevax",
	"EU/1/21/1529":  "Vaxzevria",
	"EU/1/20/1525":  "COVID-19 Vaccine Janssen",
	"1119349007":    "mRNA vaccine",
	"1119305005":    "antigen vaccine",
	"J07BX03":       "COVID-19 vaccine",
	"ORG-100030215": "Biontech",
	"ORG-100031184": "Moderna",
	"ORG-100001699": "AstraZeneca",
	"ORG-100001417": "Janssen",
}

func codeName(c string) string {
	if n, ok := hc1Codes[c]; ok {
		return n + " (" + c + ")"
	}
	return c
}

// hc1Headline is the part of the headline after the decision.
func hc1Headline(h *verdict.HC1) string {
	switch {
	case h.Vaccination != nil:
		return fmt.Sprintf("VACCINATION %d/%d", h.Vaccination.Dose, h.Vaccination.Doses)
	case h.Test != nil:
		if n, ok := hc1Codes[h.Test.Result]; ok {
			return "TEST " + strings.ToUpper(n)
		}
		return "TEST"
	}
	return "RECOVERY"
}

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
		line("vaccine", "%s against %s", codeName(x.Product), codeName(x.Disease))
		line("dose", "%d of %d, on %s in %s", x.Dose, x.Doses, x.Date, x.Country)
		line("kind", "%s, made by %s", codeName(x.Vaccine), codeName(x.Manufacturer))
		line("issuer", "%s", x.Issuer)
	case h.Test != nil:
		x := h.Test
		line("test", "%s for %s: %s", codeName(x.Type), codeName(x.Disease), codeName(x.Result))
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
		line("recovery", "from %s, first positive test %s in %s", codeName(x.Disease), x.FirstPositive, x.Country)
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

// hc1InspectLines prints an unverified HC1 code for inspect.
func hc1InspectLines(w io.Writer, h *verifier.HCert) {
	j := verdict.NewHC1(h)
	fmt.Fprintf(w, "  type      %s\n  country   %s\n  issued    %s\n  expires   %s\n  holder    %s, %s (%s, %s)\n  born      %s\n  cert id   %s\n",
		j.Type, j.Country, h.IssuedAt.Format(time.RFC3339), h.ExpiresAt.Format(time.RFC3339),
		j.Name.Family, j.Name.Given, j.Name.FamilyStd, j.Name.GivenStd, orNone(j.DateOfBirth), j.CertificateID)
}
