package verifier_test

import (
	"bytes"
	"compress/zlib"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"encoding/asn1"
	"errors"
	"io"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/fxamacker/cbor/v2"

	"github.com/hufu-project/hufu/internal/base45"
	"github.com/hufu-project/hufu/internal/hc1test"
	"github.com/hufu-project/hufu/issuer"
	"github.com/hufu-project/hufu/keys"
	"github.com/hufu-project/hufu/pass"
	"github.com/hufu-project/hufu/verifier"
)

var (
	rsaOnce sync.Once
	rsaKey  *rsa.PrivateKey
)

// signer returns a new P-256 key, or the test binary's one RSA-2048 key.
func signer(t testing.TB, alg keys.Alg) crypto.Signer {
	t.Helper()
	if alg == keys.PS256 {
		rsaOnce.Do(func() {
			var err error
			if rsaKey, err = rsa.GenerateKey(rand.Reader, 2048); err != nil {
				panic(err)
			}
		})
		return rsaKey
	}
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// The DSCs of these tests are valid through 2026 and 2027; certificates
// are issued on 1 June 2026 and expire on 1 December 2026.
var (
	dscFrom = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	dscTo   = time.Date(2027, 12, 31, 23, 59, 59, 0, time.UTC)
	june    = time.Date(2026, 6, 1, 8, 0, 0, 0, time.UTC)
	dec     = time.Date(2026, 12, 1, 8, 0, 0, 0, time.UTC)
	july    = verifier.Options{Now: time.Date(2026, 7, 1, 12, 0, 0, 0, time.UTC)}
)

// newDSC makes a DSC and its trusted key.
func newDSC(t testing.TB, key crypto.Signer, from, until time.Time, eku ...asn1.ObjectIdentifier) (*hc1test.DSC, *keys.Key) {
	t.Helper()
	d, err := hc1test.NewDSC(key, from, until, eku...)
	if err != nil {
		t.Fatal(err)
	}
	k, err := keys.ParseDSC(d.Cert)
	if err != nil {
		t.Fatal(err)
	}
	return d, k
}

func cert(typ string) hc1test.Cert {
	return hc1test.Cert{Country: "AT", IssuedAt: june, Expires: dec, Type: typ}
}

func TestHC1RoundTrip(t *testing.T) {
	for _, alg := range []keys.Alg{keys.ES256, keys.PS256} {
		d, k := newDSC(t, signer(t, alg), dscFrom, dscTo)
		tr := mustTrust(t, k)
		for _, o := range []struct {
			name string
			o    hc1test.Options
		}{
			{"tag 18, kid protected", hc1test.Options{}},
			{"untagged", hc1test.Options{Tags: []uint64{}}},
			{"tag 61 and tag 18", hc1test.Options{Tags: []uint64{61, 18}}},
			{"kid unprotected", hc1test.Options{KIDIn: hc1test.KIDUnprotected}},
			{"kid in both", hc1test.Options{KIDIn: hc1test.KIDBoth}},
			{"kid in both, unprotected wrong", hc1test.Options{KIDIn: hc1test.KIDBoth, OtherKID: []byte("wrongkid")}},
		} {
			for _, typ := range []string{"v", "t", "r"} {
				text := hc1test.Code(d, cert(typ), o.o)
				p, err := verifier.Verify(text, tr, july)
				if err != nil {
					t.Errorf("%s %s %s: %v", alg, o.name, typ, err)
					continue
				}
				h := p.HC1
				if p.Format != verifier.FormatHC1 || p.Alg != alg || p.Key != k || h == nil || h.Type != typ ||
					!p.IssuedAt.Equal(june) || !p.ExpiresAt.Equal(dec) || p.Issuer != "AT" || h.Country != "AT" ||
					h.Name.FamilyStd != "MUSTERFRAU<GOESSINGER" || h.Name.Given != "Gabriele" || h.DateOfBirth != "1998-02-26" || h.Version != "1.3.0" {
					t.Errorf("%s %s %s: %+v %+v", alg, o.name, typ, p, h)
				}
				if p.Colour != 0 || p.Decision() != pass.Deny {
					t.Errorf("%s: colour %v, decision %v: an HC1 result must not admit by itself", alg, p.Colour, p.Decision())
				}
			}
		}
	}
}

func TestHC1Fields(t *testing.T) {
	d, k := newDSC(t, signer(t, keys.ES256), dscFrom, dscTo)
	tr := mustTrust(t, k)
	check := func(typ string) *verifier.HCert {
		p, err := verifier.Verify(hc1test.Code(d, cert(typ), hc1test.Options{}), tr, july)
		if err != nil {
			t.Fatal(err)
		}
		return p.HC1
	}
	v := check("v")
	if v.Vaccination == nil || v.Test != nil || v.Recovery != nil ||
		*v.Vaccination != (verifier.HCertVaccination{Disease: "840539006", Vaccine: "1119349007", Product: "EU/1/20/1528", Manufacturer: "ORG-100030215",
			Dose: 2, Doses: 2, Date: "2021-02-18", Country: "AT", Issuer: "Ministry of Health, Austria"}) ||
		v.ID != "URN:UVCI:01:AT:10807843F94AEE0EE5093FBC254BD813#B" {
		t.Errorf("vaccination: %+v %+v", v, v.Vaccination)
	}
	tc := check("t")
	if tc.Test == nil || *tc.Test != (verifier.HCertTest{Disease: "840539006", Type: "LP6464-4", Name: "Roche LightCycler qPCR",
		SampledAt: "2021-02-20T12:34:56Z", Result: "260415000", Centre: "Testing center Vienna 1", Country: "AT", Issuer: "Ministry of Health, Austria"}) {
		t.Errorf("test: %+v", tc.Test)
	}
	r := check("r")
	if r.Recovery == nil || *r.Recovery != (verifier.HCertRecovery{Disease: "840539006", FirstPositive: "2021-02-20", Country: "AT",
		Issuer: "Ministry of Health, Austria", ValidFrom: "2021-04-04", ValidUntil: "2021-10-04"}) {
		t.Errorf("recovery: %+v", r.Recovery)
	}
	for name, want := range map[string]bool{
		"Gabriele Musterfrau-Gößinger": true, "MUSTERFRAU-GÖSSINGER gabriele": true, "Gabriele Musterfrau Goessinger": true,
		"GOESSINGER": false, "Gabriele": false, "Gabriele Musterfrau": false, "": false,
	} {
		if got := v.NameMatches(name); got != want {
			t.Errorf("NameMatches(%q) = %v", name, got)
		}
	}
	p, _ := verifier.Verify(hc1test.Code(d, cert("v"), hc1test.Options{}), tr, july)
	if !p.NameMatches("gabriele musterfrau-gößinger") || p.NameMatches("Zoë Müller") || p.PhotoMatches([]byte("photo")) {
		t.Error("Pass.NameMatches for HC1")
	}
}

// code builds an HC1 text from a payload with a signing variation.
func codeFor(d *hc1test.DSC, payload []byte, o hc1test.Options) string {
	return hc1test.Text(hc1test.Sign(d, payload, o))
}

func TestHC1Rejects(t *testing.T) {
	d, k := newDSC(t, signer(t, keys.ES256), dscFrom, dscTo)
	tr := mustTrust(t, k)
	good := hc1test.Sign(d, hc1test.Payload(cert("v"), nil), hc1test.Options{})
	if _, err := verifier.Verify(hc1test.Text(good), tr, july); err != nil {
		t.Fatal(err)
	}
	forged := bytes.Clone(good)
	forged[len(forged)-1] ^= 1
	other, _ := newDSC(t, signer(t, keys.ES256), dscFrom, dscTo)
	noHCert := must(cbor.Marshal(map[int]any{1: "AT", 4: dec.Unix(), 6: june.Unix()}))
	twoTypes := hc1test.DGC("v")
	twoTypes["t"] = hc1test.DGC("t")["t"]
	twoEntries := hc1test.DGC("v")
	twoEntries["v"] = append(twoEntries["v"].([]any), twoEntries["v"].([]any)[0])
	badDose := hc1test.DGC("v")
	badDose["v"].([]any)[0].(map[string]any)["dn"] = "2"
	for name, tc := range map[string]struct {
		text string
		want verifier.Reason
	}{
		"lower-case prefix":   {"hc1:" + hc1test.Text(good)[4:], verifier.BadPrefix},
		"HC2":                 {"HC2:" + hc1test.Text(good)[4:], verifier.BadPrefix},
		"no prefix":           {hc1test.Text(good)[4:], verifier.BadPrefix},
		"bad Base45":          {"HC1:" + strings.ToLower(hc1test.Text(good)[4:]), verifier.BadBase45},
		"not compressed":      {"HC1:" + base45.EncodeToString(good), verifier.BadCompression},
		"broken compression":  {"HC1:" + base45.EncodeToString(hc1test.Compress(good)[:20]), verifier.BadCompression},
		"zip bomb":            {"HC1:" + base45.EncodeToString(hc1test.Compress(make([]byte, 100<<10))), verifier.TooLarge},
		"just over 64 KiB":    {"HC1:" + base45.EncodeToString(hc1test.Compress(make([]byte, 64<<10+1))), verifier.TooLarge},
		"text too long":       {"HC1:" + strings.Repeat("0", verifier.MaxText), verifier.TooLarge},
		"not COSE":            {hc1test.Text([]byte{0xa0}), verifier.BadCOSE},
		"EdDSA":               {codeFor(d, hc1test.Payload(cert("v"), nil), hc1test.Options{Alg: -8}), verifier.UnsupportedAlg},
		"ES384":               {codeFor(d, hc1test.Payload(cert("v"), nil), hc1test.Options{Alg: -35}), verifier.UnsupportedAlg},
		"bad signature":       {hc1test.Text(forged), verifier.BadSignature},
		"unknown kid":         {codeFor(d, hc1test.Payload(cert("v"), nil), hc1test.Options{KID: []byte("unknown!")}), verifier.UnknownKey},
		"other DSC, same kid": {codeFor(other, hc1test.Payload(cert("v"), nil), hc1test.Options{KID: d.KID()}), verifier.BadSignature},
		"alg PS256, EC key":   {codeFor(d, hc1test.Payload(cert("v"), nil), hc1test.Options{Alg: -37}), verifier.UnknownKey},
		"kid only unprotected, wrong; protected none": {codeFor(d, hc1test.Payload(cert("v"), nil),
			hc1test.Options{KIDIn: hc1test.KIDUnprotected, KID: []byte("wrongkid")}), verifier.UnknownKey},
		"protected kid wrong, unprotected right": {codeFor(d, hc1test.Payload(cert("v"), nil),
			hc1test.Options{KIDIn: hc1test.KIDBoth, KID: []byte("wrongkid"), OtherKID: d.KID()}), verifier.UnknownKey},
		"no hcert claim":   {codeFor(d, noHCert, hc1test.Options{}), verifier.BadPayload},
		"two types":        {codeFor(d, hc1test.Payload(cert("v"), twoTypes), hc1test.Options{}), verifier.BadPayload},
		"two entries":      {codeFor(d, hc1test.Payload(cert("v"), twoEntries), hc1test.Options{}), verifier.BadPayload},
		"dose as text":     {codeFor(d, hc1test.Payload(cert("v"), badDose), hc1test.Options{}), verifier.BadPayload},
		"exp before iat":   {hc1test.Code(d, hc1test.Cert{IssuedAt: dec, Expires: june, Type: "v"}, hc1test.Options{}), verifier.BadPayload},
		"payload not CBOR": {codeFor(d, []byte{0xff}, hc1test.Options{}), verifier.BadPayload},
	} {
		_, err := verifier.Verify(tc.text, tr, july)
		if r := reasonOf(err); r != tc.want {
			t.Errorf("%s: %v, want %s", name, err, tc.want)
		}
	}
}

func TestHC1CertificateWindowAndUsage(t *testing.T) {
	key := signer(t, keys.ES256)
	// A DSC valid from 1 June 2026 until 1 December 2026.
	d, k := newDSC(t, key, june, dec)
	tr := mustTrust(t, k)
	for name, tc := range map[string]struct {
		iat, exp time.Time
		want     verifier.Reason
	}{
		"iat and exp at the bounds": {june, dec, ""},
		"iat before the DSC":        {june.Add(-time.Second), dec, verifier.KeyNotValid},
		"exp after the DSC":         {june, dec.Add(time.Second), verifier.KeyNotValid},
		"both outside":              {june.AddDate(-1, 0, 0), dec.AddDate(1, 0, 0), verifier.KeyNotValid},
	} {
		text := hc1test.Code(d, hc1test.Cert{IssuedAt: tc.iat, Expires: tc.exp, Type: "t"}, hc1test.Options{})
		_, err := verifier.Verify(text, tr, july)
		if r := reasonOf(err); r != tc.want {
			t.Errorf("%s: %v, want %q", name, err, tc.want)
		}
	}

	// Extended key usage: the DSC may sign only the types it names, on
	// either OID arc; without any of the three, every type.
	for _, tc := range []struct {
		eku     []asn1.ObjectIdentifier
		allowed string
	}{
		{nil, "vtr"},
		{[]asn1.ObjectIdentifier{hc1test.OIDServerAuth}, "vtr"},
		{[]asn1.ObjectIdentifier{hc1test.OIDTest}, "t"},
		{[]asn1.ObjectIdentifier{hc1test.OIDVaccAlt}, "v"},
		{[]asn1.ObjectIdentifier{hc1test.OIDRecovery, hc1test.OIDTestAlt}, "tr"},
		{[]asn1.ObjectIdentifier{hc1test.OIDTest, hc1test.OIDVaccination, hc1test.OIDRecovery}, "vtr"},
	} {
		d, k := newDSC(t, key, dscFrom, dscTo, tc.eku...)
		tr := mustTrust(t, k)
		for _, typ := range []string{"v", "t", "r"} {
			_, err := verifier.Verify(hc1test.Code(d, cert(typ), hc1test.Options{}), tr, july)
			want := verifier.Reason("")
			if !strings.Contains(tc.allowed, typ) {
				want = verifier.KeyUsage
			}
			if r := reasonOf(err); r != want {
				t.Errorf("EKU %v, type %s: %v, want %q", tc.eku, typ, err, want)
			}
		}
	}
}

func TestHC1Times(t *testing.T) {
	d, k := newDSC(t, signer(t, keys.ES256), dscFrom, dscTo)
	tr := mustTrust(t, k)
	for _, floats := range []bool{false, true} {
		text := hc1test.Code(d, hc1test.Cert{IssuedAt: june, Expires: dec, Type: "v", Floats: floats}, hc1test.Options{})
		for name, tc := range map[string]struct {
			opts verifier.Options
			want verifier.Reason
		}{
			"inside":                  {july, ""},
			"at iat, no skew":         {verifier.Options{Now: june, Skew: -1}, ""},
			"before iat, no skew":     {verifier.Options{Now: june.Add(-time.Second), Skew: -1}, verifier.NotYetValid},
			"before iat, within skew": {verifier.Options{Now: june.Add(-time.Minute)}, ""},
			"before iat, beyond skew": {verifier.Options{Now: june.Add(-verifier.DefaultSkew - time.Second)}, verifier.NotYetValid},
			// HCERT: rejected after exp, so valid at exp itself.
			"at exp, no skew":        {verifier.Options{Now: dec, Skew: -1}, ""},
			"after exp, no skew":     {verifier.Options{Now: dec.Add(time.Second), Skew: -1}, verifier.Expired},
			"after exp, within skew": {verifier.Options{Now: dec.Add(verifier.DefaultSkew)}, ""},
			"after exp, beyond skew": {verifier.Options{Now: dec.Add(verifier.DefaultSkew + time.Second)}, verifier.Expired},
		} {
			_, err := verifier.Verify(text, tr, tc.opts)
			if r := reasonOf(err); r != tc.want {
				t.Errorf("floats %v, %s: %v, want %q", floats, name, err, tc.want)
			}
		}
	}
	// Out-of-range and ill-typed times are malformed.
	for name, c := range map[string]map[int]any{
		"negative":       {4: -1, 6: june.Unix()},
		"year 10000":     {4: int64(253402300800), 6: june.Unix()},
		"NaN":            {4: nanFloat(), 6: june.Unix()},
		"text":           {4: "2026-12-01", 6: june.Unix()},
		"no iat":         {4: dec.Unix()},
		"no exp":         {6: june.Unix()},
		"exp equals iat": {4: june.Unix(), 6: june.Unix()},
	} {
		c[-260] = map[int]any{1: hc1test.DGC("v")}
		_, err := verifier.Verify(codeFor(d, must(cbor.Marshal(c)), hc1test.Options{}), tr, july)
		if r := reasonOf(err); r != verifier.BadPayload {
			t.Errorf("%s: %v", name, err)
		}
	}
}

func nanFloat() float64 {
	var zero float64
	return zero / zero
}

// A forged, altered or garbled HC1 code is never reported as expired, as
// for HF1: times are read only after the signature verified.
func TestHC1GarbageNeverExpired(t *testing.T) {
	d, k := newDSC(t, signer(t, keys.ES256), dscFrom, dscTo)
	tr := mustTrust(t, k)
	text := hc1test.Code(d, cert("v"), hc1test.Options{})
	later := verifier.Options{Now: dec.AddDate(0, 1, 0)}
	if _, err := verifier.Verify(text, tr, later); reasonOf(err) != verifier.Expired {
		t.Fatalf("genuine later: %v", err)
	}
	genuine := inflated(text)
	for i := len(verifier.PrefixHC1); i < len(text); i++ {
		for _, c := range []byte{'0', 'Z', ':'} {
			if text[i] == c {
				continue
			}
			mod := text[:i] + string(c) + text[i+1:]
			if m := inflated(mod); m != nil && bytes.Equal(m, genuine) {
				// Some changes to a DEFLATE stream (unused bits of its
				// last byte, say) leave the message as it was: that is
				// still the genuine, expired certificate.
				continue
			}
			_, err := verifier.Verify(mod, tr, later)
			if r := reasonOf(err); r == verifier.Expired || r == "" {
				t.Fatalf("changing offset %d to %q: %v", i, c, err)
			}
		}
	}
}

// inflated returns the COSE message an HC1 text carries, or nil.
func inflated(text string) []byte {
	raw, err := base45.DecodeString(strings.TrimPrefix(text, verifier.PrefixHC1))
	if err != nil {
		return nil
	}
	zr, err := zlib.NewReader(bytes.NewReader(raw))
	if err != nil {
		return nil
	}
	b, err := io.ReadAll(io.LimitReader(zr, 1<<16))
	if err != nil {
		return nil
	}
	return b
}

func TestHC1SeveralCertificatesPerKID(t *testing.T) {
	d1, k1 := newDSC(t, signer(t, keys.ES256), dscFrom, dscTo)
	d2, k2 := newDSC(t, signer(t, keys.PS256), dscFrom, dscTo)
	d3, k3 := newDSC(t, signer(t, keys.ES256), dscFrom, dscTo)
	// Three certificates under one kid, as a trust list may have them.
	k2.KID, k3.KID = k1.KID, k1.KID
	tr := mustTrust(t, k1, k2, k3)
	for i, d := range []*hc1test.DSC{d1, d2, d3} {
		p, err := verifier.Verify(hc1test.Code(d, cert("v"), hc1test.Options{KID: k1.KID}), tr, july)
		if err != nil || p.Key != []*keys.Key{k1, k2, k3}[i] {
			t.Errorf("certificate %d: %v", i+1, err)
		}
	}
	// Signed by none of them: a bad signature, not an unknown key.
	stranger, _ := newDSC(t, signer(t, keys.ES256), dscFrom, dscTo)
	if _, err := verifier.Verify(hc1test.Code(stranger, cert("v"), hc1test.Options{KID: k1.KID}), tr, july); reasonOf(err) != verifier.BadSignature {
		t.Errorf("stranger: %v", err)
	}
}

func TestHC1AndHF1KeysStayApart(t *testing.T) {
	// An HF1 key and a DSC under the same kid: each format uses only its
	// own kind of key.
	is, hk := newIssuer(t, keys.ES256, "310000")
	d, dk := newDSC(t, signer(t, keys.ES256), dscFrom, dscTo)
	hk.KID = dk.KID
	tr := mustTrust(t, hk, dk)
	hf1Text, err := is.Issue(issuer.Claims{Name: "a", Colour: pass.Green, Validity: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	// The issuer put its own kid in the pass; re-key the trust to it.
	hkOwn := *hk
	hkOwn.KID = must(keys.KID(hk.Public))
	dkOwn := *dk
	dkOwn.KID = hkOwn.KID
	tr2 := mustTrust(t, &hkOwn, &dkOwn)
	if p, err := verifier.Verify(hf1Text, tr2, verifier.Options{}); err != nil || p.Key != &hkOwn || p.Format != verifier.FormatHF1 || p.HC1 != nil {
		t.Errorf("HF1 with a DSC under its kid: %v", err)
	}
	if p, err := verifier.Verify(hc1test.Code(d, cert("v"), hc1test.Options{}), tr, july); err != nil || p.Key != dk {
		t.Errorf("HC1 with an HF1 key under its kid: %v", err)
	}
	// Only the other kind of key: unknown.
	if _, err := verifier.Verify(hc1test.Code(d, cert("v"), hc1test.Options{}), mustTrust(t, hk), july); reasonOf(err) != verifier.UnknownKey {
		t.Errorf("HC1 with only an HF1 key: %v", err)
	}
	if _, err := verifier.Verify(hf1Text, mustTrust(t, &dkOwn), verifier.Options{}); reasonOf(err) != verifier.UnknownKey {
		t.Errorf("HF1 with only a DSC: %v", err)
	}
}

func TestHC1WrongKeyType(t *testing.T) {
	// A custom Trust that hands out a DSC key on the wrong curve, or an
	// RSA key too small, must not be trusted.
	p384, _ := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	d, k := newDSC(t, signer(t, keys.ES256), dscFrom, dscTo)
	text := hc1test.Code(d, cert("v"), hc1test.Options{})
	bad := *k
	bad.Public = &p384.PublicKey
	if _, err := verifier.Verify(text, trustFunc(func([]byte) []*keys.Key { return []*keys.Key{&bad} }), july); reasonOf(err) != verifier.UnsupportedAlg {
		t.Errorf("P-384: %v", err)
	}
	small, _ := rsa.GenerateKey(rand.Reader, 1024)
	dr, kr := newDSC(t, signer(t, keys.PS256), dscFrom, dscTo)
	badRSA := *kr
	badRSA.Public = &small.PublicKey
	if _, err := verifier.Verify(hc1test.Code(dr, cert("v"), hc1test.Options{}), trustFunc(func([]byte) []*keys.Key { return []*keys.Key{&badRSA} }), july); reasonOf(err) != verifier.UnsupportedAlg {
		t.Errorf("RSA 1024: %v", err)
	}
	// And keys.ParseDSC refuses such certificates in the first place.
	p384DSC, err := hc1test.NewDSC(p384, dscFrom, dscTo)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := keys.ParseDSC(p384DSC.Cert); !errors.Is(err, keys.ErrUnsupported) {
		t.Errorf("ParseDSC(P-384): %v", err)
	}
}

func TestHC1TrustCheck(t *testing.T) {
	d, k := newDSC(t, signer(t, keys.ES256), dscFrom, dscTo)
	tr := &recordingTrust{TrustFile: mustTrust(t, k)}
	text := hc1test.Code(d, cert("v"), hc1test.Options{})
	p, err := verifier.Verify(text, tr, july)
	got := tr.seen
	if err != nil || len(p.Warnings) != 1 || got == nil || tr.key != k || got.Issuer != "AT" ||
		!got.IssuedAt.Equal(june) || !got.ExpiresAt.Equal(dec) || got.Colour != 0 || got.ID != nil {
		t.Fatalf("Check saw %+v; %v", got, err)
	}
	tr.err = &verifier.Error{Reason: verifier.RevokedKey}
	if _, err := verifier.Verify(text, tr, july); !errors.Is(err, verifier.RevokedKey) {
		t.Errorf("revoked: %v", err)
	}
}

// recordingTrust records what the verifier hands its Check.
type recordingTrust struct {
	*keys.TrustFile
	seen *pass.Pass
	key  *keys.Key
	err  error
}

func (r *recordingTrust) Check(p *pass.Pass, k *keys.Key, _ time.Time, _ time.Duration) ([]string, error) {
	r.seen, r.key = p, k
	return []string{"trust_stale"}, r.err
}

func TestHC1InspectUnverified(t *testing.T) {
	d, _ := newDSC(t, signer(t, keys.PS256), dscFrom, dscTo)
	msg := hc1test.Sign(d, hc1test.Payload(cert("r"), nil), hc1test.Options{Tags: []uint64{61, 18}})
	u, err := verifier.InspectUnverified(hc1test.Text(msg))
	if err != nil || u.Format != verifier.FormatHC1 || u.Alg != keys.PS256 || !bytes.Equal(u.KID, d.KID()) ||
		!bytes.Equal(u.COSE, msg) || u.Pass != nil || u.HC1 == nil || u.HC1.Recovery == nil || u.Claim != nil || !u.HC1.ExpiresAt.Equal(dec) {
		t.Fatalf("%+v, %v", u, err)
	}
	u, err = verifier.InspectUnverified(codeFor(d, []byte{0xa0}, hc1test.Options{}))
	if err != nil || u.HC1 != nil || u.Claim == nil {
		t.Errorf("bad claims: %+v, %v", u, err)
	}
	if _, err := verifier.InspectUnverified("HC1:" + base45.EncodeToString(msg)); reasonOf(err) != verifier.BadCompression {
		t.Errorf("uncompressed: %v", err)
	}
}
