package verdict

import (
	"fmt"
	"strings"

	"github.com/hufu-project/hufu/verifier"
)

// HC1 is the "hc1" object of a verdict on an EU Digital COVID Certificate:
// the certificate's fields as the issuer wrote them. Every key is present;
// a field the certificate leaves out is "". Exactly one of Vaccination,
// Test and Recovery is set.
type HC1 struct {
	Country       string       `json:"country"`
	Version       string       `json:"version"`
	Type          string       `json:"type"` // vaccination, test or recovery
	Name          HC1Name      `json:"name"`
	DateOfBirth   string       `json:"date_of_birth"`
	CertificateID string       `json:"certificate_id"` // "" when the certificate has no ci
	Vaccination   *Vaccination `json:"vaccination"`
	Test          *Test        `json:"test"`
	Recovery      *Recovery    `json:"recovery"`
}

// HC1Name is the holder's name, as written and in the standardised form.
type HC1Name struct {
	Family    string `json:"family"`
	FamilyStd string `json:"family_std"`
	Given     string `json:"given"`
	GivenStd  string `json:"given_std"`
}

// Vaccination is a vaccination entry.
type Vaccination struct {
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

// Test is a test entry.
type Test struct {
	Disease   string `json:"disease"`
	Type      string `json:"test_type"`
	Name      string `json:"test_name"`
	Device    string `json:"device"`
	SampledAt string `json:"sampled_at"`
	Result    string `json:"result"`
	Centre    string `json:"centre"`
	Country   string `json:"country"`
	Issuer    string `json:"issuer"`
}

// Recovery is a recovery entry.
type Recovery struct {
	Disease       string `json:"disease"`
	FirstPositive string `json:"first_positive"`
	Country       string `json:"country"`
	Issuer        string `json:"issuer"`
	ValidFrom     string `json:"valid_from"`
	ValidUntil    string `json:"valid_until"`
}

var hc1Types = map[string]string{"v": "vaccination", "t": "test", "r": "recovery"}

// NewHC1 returns the "hc1" object for a certificate (also an unverified
// one, for inspect).
func NewHC1(h *verifier.HCert) *HC1 { return newHC1(h) }

func newHC1(h *verifier.HCert) *HC1 {
	j := &HC1{Country: h.Country, Version: h.Version, Type: hc1Types[h.Type], DateOfBirth: h.DateOfBirth, CertificateID: h.ID,
		Name: HC1Name{h.Name.Family, h.Name.FamilyStd, h.Name.Given, h.Name.GivenStd}}
	if v := h.Vaccination; v != nil {
		j.Vaccination = &Vaccination{v.Disease, v.Vaccine, v.Product, v.Manufacturer, v.Dose, v.Doses, v.Date, v.Country, v.Issuer}
	}
	if t := h.Test; t != nil {
		j.Test = &Test{t.Disease, t.Type, t.Name, t.Device, t.SampledAt, t.Result, t.Centre, t.Country, t.Issuer}
	}
	if r := h.Recovery; r != nil {
		j.Recovery = &Recovery{r.Disease, r.FirstPositive, r.Country, r.Issuer, r.ValidFrom, r.ValidUntil}
	}
	return j
}

// Headline is what a verdict's headline says after the decision, in
// English capitals: "VACCINATION 2/2", "TEST NOT DETECTED", "RECOVERY".
func (h *HC1) Headline() string {
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

// CodeName returns a code of the EU value sets with its name, such as
// "Comirnaty (EU/1/20/1528)", or the code as it is if hufu does not know
// it.
func CodeName(c string) string {
	if n, ok := hc1Codes[c]; ok {
		return n + " (" + c + ")"
	}
	return c
}
