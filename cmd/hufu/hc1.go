package main

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/hufu-project/hufu/verifier"
)

// hc1JSON is the "hc1" object of a verdict on an EU Digital COVID
// Certificate: the certificate's fields as the issuer wrote them.
type hc1JSON struct {
	Country string `json:"country,omitempty"`
	Version string `json:"version,omitempty"`
	Type    string `json:"type"` // vaccination, test or recovery
	Name    struct {
		Family    string `json:"family,omitempty"`
		FamilyStd string `json:"family_std,omitempty"`
		Given     string `json:"given,omitempty"`
		GivenStd  string `json:"given_std,omitempty"`
	} `json:"name"`
	DateOfBirth   string           `json:"date_of_birth"`
	CertificateID string           `json:"certificate_id,omitempty"`
	Vaccination   *vaccinationJSON `json:"vaccination,omitempty"`
	Test          *testJSON        `json:"test,omitempty"`
	Recovery      *recoveryJSON    `json:"recovery,omitempty"`
}

type vaccinationJSON struct {
	Disease      string `json:"disease"`
	Vaccine      string `json:"vaccine"`
	Product      string `json:"product"`
	Manufacturer string `json:"manufacturer"`
	Dose         int    `json:"dose"`
	Doses        int    `json:"doses"`
	Date         string `json:"date"`
	Country      string `json:"country"`
	Issuer       string `json:"issuer"`
}

type testJSON struct {
	Disease   string `json:"disease"`
	Type      string `json:"test_type"`
	Name      string `json:"test_name,omitempty"`
	Device    string `json:"device,omitempty"`
	SampledAt string `json:"sampled_at"`
	Result    string `json:"result"`
	Centre    string `json:"centre,omitempty"`
	Country   string `json:"country"`
	Issuer    string `json:"issuer"`
}

type recoveryJSON struct {
	Disease       string `json:"disease"`
	FirstPositive string `json:"first_positive"`
	Country       string `json:"country"`
	Issuer        string `json:"issuer"`
	ValidFrom     string `json:"valid_from"`
	ValidUntil    string `json:"valid_until"`
}

var hc1Types = map[string]string{"v": "vaccination", "t": "test", "r": "recovery"}

func newHC1JSON(h *verifier.HCert) *hc1JSON {
	j := &hc1JSON{Country: h.Country, Version: h.Version, Type: hc1Types[h.Type], DateOfBirth: h.DateOfBirth, CertificateID: h.ID}
	j.Name.Family, j.Name.FamilyStd, j.Name.Given, j.Name.GivenStd = h.Name.Family, h.Name.FamilyStd, h.Name.Given, h.Name.GivenStd
	if v := h.Vaccination; v != nil {
		j.Vaccination = &vaccinationJSON{v.Disease, v.Vaccine, v.Product, v.Manufacturer, v.Dose, v.Doses, v.Date, v.Country, v.Issuer}
	}
	if t := h.Test; t != nil {
		j.Test = &testJSON{t.Disease, t.Type, t.Name, t.Device, t.SampledAt, t.Result, t.Centre, t.Country, t.Issuer}
	}
	if r := h.Recovery; r != nil {
		j.Recovery = &recoveryJSON{r.Disease, r.FirstPositive, r.Country, r.Issuer, r.ValidFrom, r.ValidUntil}
	}
	return j
}

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
func hc1Headline(h *hc1JSON) string {
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
func (v *verdict) writeHC1(w io.Writer, line func(label, format string, args ...any)) {
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
	if v.photoGiven {
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
	exp := v.pass.ExpiresAt
	line("valid", "until %s (%s left)", exp.UTC().Format("2006-01-02 15:04:05 MST"), roundDuration(exp.Sub(v.now)))
	for _, warn := range v.Warnings {
		line("warning", "%s", warn)
	}
	line("signed", "document-signer certificate %s (%s), %s", v.KID, v.Alg, v.pass.Key.DSC.Subject)
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
	j := newHC1JSON(h)
	fmt.Fprintf(w, "  type      %s\n  country   %s\n  issued    %s\n  expires   %s\n  holder    %s, %s (%s, %s)\n  born      %s\n  cert id   %s\n",
		j.Type, j.Country, h.IssuedAt.Format(time.RFC3339), h.ExpiresAt.Format(time.RFC3339),
		j.Name.Family, j.Name.Given, j.Name.FamilyStd, j.Name.GivenStd, orNone(j.DateOfBirth), j.CertificateID)
}
