package verifier

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/hufu-project/hufu/internal/cbor"
	"github.com/hufu-project/hufu/internal/cose"
	"github.com/hufu-project/hufu/internal/hc1"
	"github.com/hufu-project/hufu/keys"
	"github.com/hufu-project/hufu/pass"
)

// HCert is the content of a verified EU Digital COVID Certificate (an HC1
// code): who it was issued to and what it certifies. Values are as the
// issuer wrote them — codes from the EU value sets (disease "840539006" is
// COVID-19), dates as ISO 8601 text — so that nothing is lost; hufu applies
// no business rules to them (how many doses, how old a test may be).
type HCert struct {
	Country     string    // iss: the issuing country (ISO 3166-1 alpha-2); may be empty
	IssuedAt    time.Time // iat
	ExpiresAt   time.Time // exp: the code is valid up to and including this time
	Version     string    // ver: the schema version, such as "1.3.0"
	Name        HCertName // nam
	DateOfBirth string    // dob: "YYYY-MM-DD", "YYYY-MM", "YYYY" or empty
	// Type is the kind of certificate: "v" (vaccination), "t" (test) or
	// "r" (recovery). Exactly one of Vaccination, Test and Recovery is set,
	// the one that Type names.
	Type        string
	ID          string // ci: the unique certificate identifier (UVCI)
	Vaccination *HCertVaccination
	Test        *HCertTest
	Recovery    *HCertRecovery
}

// HCertName is the holder's name, as written and in the ICAO 9303
// transliteration ("standardised": A–Z and "<", such as
// "MUSTERFRAU<GOESSINGER").
type HCertName struct {
	Family, FamilyStd string // fn, fnt
	Given, GivenStd   string // gn, gnt
}

// HCertVaccination is a vaccination certificate's entry.
type HCertVaccination struct {
	Disease      string // tg
	Vaccine      string // vp: vaccine or prophylaxis
	Product      string // mp: medicinal product
	Manufacturer string // ma: marketing authorisation holder or manufacturer
	Dose         int    // dn: number in a series of doses
	Doses        int    // sd: total doses in the series
	Date         string // dt: date of vaccination
	Country      string // co: member state of vaccination
	Issuer       string // is: certificate issuer
}

// HCertTest is a test certificate's entry.
type HCertTest struct {
	Disease   string // tg
	Type      string // tt: type of test
	Name      string // nm: NAA test name
	Device    string // ma: RAT test device identifier
	SampledAt string // sc: date and time of sample collection
	Result    string // tr: "260415000" not detected, "260373001" detected
	Centre    string // tc: testing centre or facility
	Country   string // co: member state of test
	Issuer    string // is: certificate issuer
}

// HCertRecovery is a recovery certificate's entry.
type HCertRecovery struct {
	Disease       string // tg
	FirstPositive string // fr: date of the first positive NAA test result
	Country       string // co: member state of test
	Issuer        string // is: certificate issuer
	ValidFrom     string // df: certificate valid from
	ValidUntil    string // du: certificate valid until
}

// Formats of a verified pass (Pass.Format).
const (
	FormatHF1 = "HF1" // a hufu pass
	FormatHC1 = "HC1" // an EU Digital COVID Certificate
)

// NameMatches reports whether name, as on an ID card, is the certificate
// holder's: the given and family names in either order, as written or as
// transliterated (with "<" read as a space), compared after the
// normalisation of hufu names (SPEC.md §5). A family name alone matches a
// certificate without a given name.
func (h *HCert) NameMatches(name string) bool {
	want, err := pass.NormalizeName(name)
	if err != nil {
		return false
	}
	std := func(s string) string {
		b := []byte(s)
		for i, c := range b {
			if c == '<' {
				b[i] = ' '
			}
		}
		return string(b)
	}
	for _, n := range [][2]string{
		{h.Name.Given, h.Name.Family},
		{std(h.Name.GivenStd), std(h.Name.FamilyStd)},
	} {
		for _, s := range []string{n[0] + " " + n[1], n[1] + " " + n[0]} {
			if got, err := pass.NormalizeName(s); err == nil && got == want {
				return true
			}
		}
	}
	return false
}

// verifyHC1 is Verify for a text that starts with "HC1:". The order of the
// checks is HF1's; see SPEC.md, "HC1".
func verifyHC1(text string, trust Trust, opts Options) (*Pass, error) {
	now := opts.now()
	msg, err := decodeHC1(text)
	if err != nil {
		return nil, err
	}
	alg := keys.ES256
	if msg.Alg == hc1.PS256 {
		alg = keys.PS256
	}
	kid := hex.EncodeToString(msg.KID)
	candidates := trust.Keys(msg.KID)
	digest := sha256.Sum256(cose.AppendToBeSigned(nil, msg.Protected, msg.Payload))
	var (
		key              *keys.Key
		tried, wrongType bool
	)
	for _, k := range candidates {
		if k.DSC == nil || k.Alg != alg {
			continue
		}
		switch pub := k.Public.(type) {
		case *ecdsa.PublicKey:
			if alg != keys.ES256 || pub.Curve != elliptic.P256() {
				wrongType = true
				continue
			}
			tried = true
			if verifyES256(pub, digest[:], msg.Signature) {
				key = k
			}
		case *rsa.PublicKey:
			if alg != keys.PS256 || pub.N == nil || pub.N.BitLen() < keys.MinRSABits {
				wrongType = true
				continue
			}
			tried = true
			if rsa.VerifyPSS(pub, crypto.SHA256, digest[:], msg.Signature, &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthEqualsHash, Hash: crypto.SHA256}) == nil {
				key = k
			}
		default:
			wrongType = true
		}
		if key != nil {
			break
		}
	}
	switch {
	case key != nil:
	case tried:
		return nil, fail(BadSignature, nil, "")
	case wrongType:
		return nil, fail(UnsupportedAlg, nil, "the document-signer key with kid "+kid+" is not an HC1 "+string(alg)+" key")
	default:
		return nil, fail(UnknownKey, nil, "no document-signer certificate with kid "+kid+" and a "+string(alg)+" key")
	}

	hc, err := parseHC1Claims(msg.Payload)
	if err != nil {
		return nil, fail(BadPayload, err, "")
	}
	iat, exp := hc.IssuedAt, hc.ExpiresAt
	v := &Pass{Format: FormatHC1, Alg: alg, Key: key, HC1: hc}
	v.Issuer, v.IssuedAt, v.ExpiresAt = hc.Country, iat, exp
	skew := opts.skew()
	warnings, err := trust.Check(&v.Pass, key, now, skew)
	if err != nil {
		if e, ok := err.(*Error); ok {
			return nil, e
		}
		return nil, fail(TrustUnavailable, err, "")
	}
	v.Warnings = warnings
	if !key.ValidAt(iat) || !key.ValidAt(exp) {
		return nil, fail(KeyNotValid, nil, fmt.Sprintf("issued at %s, expiring %s: not within the validity of document-signer certificate %x",
			iat.Format(time.RFC3339), exp.Format(time.RFC3339), key.KID))
	}
	if !key.DSC.MaySign(hc.Type) {
		return nil, fail(KeyUsage, nil, fmt.Sprintf("document-signer certificate %x may sign %q certificates, not %q", key.KID, key.DSC.Types, hc.Type))
	}
	if iat.After(now.Add(skew)) {
		return nil, fail(NotYetValid, nil, "issued at "+iat.Format(time.RFC3339))
	}
	// HCERT: exp is the time "after which a Verifier MUST reject" the code.
	if now.Add(-skew).After(exp) {
		return nil, fail(Expired, nil, "expired at "+exp.Format(time.RFC3339))
	}
	return v, nil
}

// decodeHC1 decodes the text after "HC1:" into a COSE_Sign1 message.
func decodeHC1(text string) (*hc1.Message, error) {
	msg, err := hc1.Decode(text)
	switch {
	case err == nil:
		return msg, nil
	case errors.Is(err, hc1.ErrBase45):
		return nil, fail(BadBase45, err, "")
	case errors.Is(err, hc1.ErrTooLarge):
		return nil, fail(TooLarge, err, "")
	case errors.Is(err, hc1.ErrCompression):
		return nil, fail(BadCompression, err, "")
	case errors.Is(err, hc1.ErrUnsupportedAlg):
		return nil, fail(UnsupportedAlg, err, "")
	}
	return nil, fail(BadCOSE, err, "")
}

// CWT claim keys of an HC1 payload, and the key of the EU DCC in the hcert
// claim.
const (
	hc1ClaimIss   = 1
	hc1ClaimExp   = 4
	hc1ClaimIat   = 6
	hc1ClaimHCert = -260
	hc1EUDCC      = 1
)

// parseHC1Claims reads an HC1 payload: a CWT claims set with iat, exp and
// the hcert claim, in any valid CBOR encoding. Unknown claims and fields
// are checked for well-formedness and ignored; known ones must have their
// types.
func parseHC1Claims(b []byte) (*HCert, error) {
	r := cbor.NewLenientReader(b, hc1.Limits, true)
	if _, err := r.Skip(0); err != nil {
		return nil, err
	}
	if !r.Done() {
		return nil, fmt.Errorf("%d bytes after the claims", len(r.Rest()))
	}
	h := &HCert{}
	iat, exp := &h.IssuedAt, &h.ExpiresAt
	var haveIat, haveExp, haveHCert bool
	r = cbor.NewLenientReader(b, hc1.Limits, true)
	err := readMap(r, func(key any) error {
		var err error
		switch key {
		case int64(hc1ClaimIss):
			h.Country, err = r.Text()
		case int64(hc1ClaimIat):
			*iat, err = numericDate(r)
			haveIat = true
		case int64(hc1ClaimExp):
			*exp, err = numericDate(r)
			haveExp = true
		case int64(hc1ClaimHCert):
			haveHCert = true
			err = readMap(r, func(key any) error {
				if key != int64(hc1EUDCC) {
					_, err := r.Skip(0)
					return err
				}
				return readDGC(r, h)
			})
		default:
			_, err = r.Skip(0)
		}
		if err != nil {
			return fmt.Errorf("claim %v: %w", key, err)
		}
		return nil
	})
	switch {
	case err != nil:
		return nil, err
	case !haveIat || !haveExp:
		return nil, errors.New("iat or exp missing")
	case !exp.After(*iat):
		return nil, errors.New("exp is not after iat")
	case !haveHCert || h.Type == "":
		return nil, errors.New("no EU DCC in the hcert claim (-260, 1)")
	}
	return h, nil
}

// readMap reads a map whose keys are integers or text, calling f with each
// key (an int64 or a string) to read its value. The whole claims set has
// been checked by Skip(0) first, with every limit at its true depth, so the
// readers here skip what they do not know at depth 0.
func readMap(r *cbor.Reader, f func(key any) error) error {
	n, err := r.MapHeader()
	if err != nil {
		return err
	}
	for i := 0; i < n; i++ {
		var key any
		switch rest := r.Rest(); {
		case rest[0]>>5 == cbor.Text:
			key, err = r.Text()
		case rest[0]>>5 == cbor.Uint || rest[0]>>5 == cbor.Neg:
			var v int64
			v, err = r.Int()
			key = v
		default:
			_, err = r.Skip(0)
			key = struct{}{} // matches no known key
		}
		if err != nil {
			return err
		}
		if err := f(key); err != nil {
			return err
		}
	}
	return nil
}

// numericDate reads a CWT NumericDate (RFC 8392 §2): an integer or, from
// some issuers, a float, of seconds since 1970, from 1 to the end of 9999.
func numericDate(r *cbor.Reader) (time.Time, error) {
	rest := r.Rest()
	if rest[0]>>5 == cbor.Simple {
		f, err := r.Float()
		if err != nil {
			return time.Time{}, err
		}
		if !(f >= 1 && f <= pass.MaxTime) { // also false for NaN
			return time.Time{}, fmt.Errorf("time %v out of range", f)
		}
		sec, frac := math.Modf(f)
		return time.Unix(int64(sec), int64(frac*1e9)).UTC(), nil
	}
	v, err := r.Int()
	if err != nil {
		return time.Time{}, err
	}
	if v < 1 || v > pass.MaxTime {
		return time.Time{}, fmt.Errorf("time %d out of range", v)
	}
	return time.Unix(v, 0).UTC(), nil
}

// readDGC reads the EU DCC (the schema's JSON object in CBOR) into h.
func readDGC(r *cbor.Reader, h *HCert) error {
	return readMap(r, func(key any) error {
		var err error
		switch key {
		case "ver":
			h.Version, err = r.Text()
		case "dob":
			h.DateOfBirth, err = readText(r)
		case "nam":
			n := &h.Name
			err = readFields(r, map[string]*string{"fn": &n.Family, "fnt": &n.FamilyStd, "gn": &n.Given, "gnt": &n.GivenStd}, nil)
		case "v", "t", "r":
			err = readEntries(r, h, key.(string))
		default:
			_, err = r.Skip(0)
		}
		if err != nil {
			return fmt.Errorf("%v: %w", key, err)
		}
		return nil
	})
}

// readEntries reads the array of a certificate type, which must hold
// exactly one entry and be the only one in the certificate.
func readEntries(r *cbor.Reader, h *HCert, typ string) error {
	if h.Type != "" {
		return fmt.Errorf("a certificate of type %q and of type %q", h.Type, typ)
	}
	h.Type = typ
	n, err := r.ArrayHeader()
	if err != nil {
		return err
	}
	if n != 1 {
		return fmt.Errorf("%d entries, want 1", n)
	}
	switch typ {
	case "v":
		v := &HCertVaccination{}
		h.Vaccination = v
		return readFields(r, map[string]*string{"tg": &v.Disease, "vp": &v.Vaccine, "mp": &v.Product, "ma": &v.Manufacturer,
			"dt": &v.Date, "co": &v.Country, "is": &v.Issuer, "ci": &h.ID}, map[string]*int{"dn": &v.Dose, "sd": &v.Doses})
	case "t":
		t := &HCertTest{}
		h.Test = t
		return readFields(r, map[string]*string{"tg": &t.Disease, "tt": &t.Type, "nm": &t.Name, "ma": &t.Device, "sc": &t.SampledAt,
			"tr": &t.Result, "tc": &t.Centre, "co": &t.Country, "is": &t.Issuer, "ci": &h.ID}, nil)
	}
	rc := &HCertRecovery{}
	h.Recovery = rc
	return readFields(r, map[string]*string{"tg": &rc.Disease, "fr": &rc.FirstPositive, "co": &rc.Country, "is": &rc.Issuer,
		"df": &rc.ValidFrom, "du": &rc.ValidUntil, "ci": &h.ID}, nil)
}

// readText reads a text string, which may carry one of the CBOR tags for
// dates: 0 (an RFC 3339 date-time, RFC 8949 §3.4.1) or 1004 (an RFC 3339
// full-date, RFC 8943). Some issuers tag the time a test sample was
// taken; any other tag is an error.
func readText(r *cbor.Reader) (string, error) {
	if rest := r.Rest(); rest[0]>>5 == cbor.Tag {
		start := r.Offset()
		if _, tag, err := r.Head(); err != nil || (tag != 0 && tag != 1004) {
			return "", fmt.Errorf("tag %d at offset %d not allowed on a text field", tag, start)
		}
	}
	return r.Text()
}

// readFields reads a map of text fields and small unsigned integer fields;
// other fields are skipped.
func readFields(r *cbor.Reader, texts map[string]*string, ints map[string]*int) error {
	return readMap(r, func(key any) error {
		name, _ := key.(string)
		var err error
		if p, ok := texts[name]; ok {
			*p, err = readText(r)
		} else if p, ok := ints[name]; ok {
			var v uint64
			if v, err = r.Uint(); err == nil && v > math.MaxInt32 {
				err = fmt.Errorf("%d out of range", v)
			}
			*p = int(v)
		} else {
			_, err = r.Skip(0)
		}
		if err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		return nil
	})
}
