// Package hc1test makes EU Digital COVID Certificate (HC1) codes and
// document-signer certificates for tests: self-signed DSCs with chosen
// keys, validity and extended key usage, and codes with every variation of
// the envelope that issuers use (tags, where the key ID sits, compression).
//
// It uses crypto/x509 and fxamacker/cbor and is for tests only.
package hc1test

import (
	"bytes"
	"compress/zlib"
	"crypto"
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"fmt"
	"math/big"
	"time"

	"github.com/fxamacker/cbor/v2"

	"github.com/hufu-project/hufu/internal/base45"
	"github.com/hufu-project/hufu/internal/cose"
)

// Extended key usage OIDs of DSCs: the specification's arc and the arc with
// an extra 0 found in many certificates.
var (
	OIDTest         = asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 1847, 2021, 1, 1}
	OIDVaccination  = asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 1847, 2021, 1, 2}
	OIDRecovery     = asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 1847, 2021, 1, 3}
	OIDTestAlt      = asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 0, 1847, 2021, 1, 1}
	OIDVaccAlt      = asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 0, 1847, 2021, 1, 2}
	OIDRecoveryAlt  = asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 0, 1847, 2021, 1, 3}
	OIDServerAuth   = asn1.ObjectIdentifier{1, 3, 6, 1, 5, 5, 7, 3, 1}
	OIDCodeSigning  = asn1.ObjectIdentifier{1, 3, 6, 1, 5, 5, 7, 3, 3}
	oidExtKeyUsage  = asn1.ObjectIdentifier{2, 5, 29, 37}
	defaultValidity = [2]time.Time{time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2028, 1, 1, 0, 0, 0, 0, time.UTC)}
)

// DSC is a document-signer certificate with its private key.
type DSC struct {
	Key  crypto.Signer // *ecdsa.PrivateKey or *rsa.PrivateKey
	Cert []byte        // DER
}

// KID returns the HCERT key ID of the certificate.
func (d *DSC) KID() []byte {
	sum := sha256.Sum256(d.Cert)
	return sum[:8]
}

// NewDSC makes a self-signed DSC for key, valid from from until until (zero
// times mean 2026-01-01 to 2028-01-01), with an extended key usage
// extension listing eku (none if eku is empty).
func NewDSC(key crypto.Signer, from, until time.Time, eku ...asn1.ObjectIdentifier) (*DSC, error) {
	if from.IsZero() {
		from = defaultValidity[0]
	}
	if until.IsZero() {
		until = defaultValidity[1]
	}
	serial, err := rand.Int(rand.Reader, big.NewInt(1<<62))
	if err != nil {
		return nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber: serial,
		Subject:      pkix.Name{Country: []string{"XX"}, Organization: []string{"hufu tests"}, CommonName: "DSC " + serial.Text(16)},
		NotBefore:    from,
		NotAfter:     until,
		KeyUsage:     x509.KeyUsageDigitalSignature,
	}
	if len(eku) > 0 {
		v, err := asn1.Marshal(eku)
		if err != nil {
			return nil, err
		}
		tmpl.ExtraExtensions = []pkix.Extension{{Id: oidExtKeyUsage, Value: v}}
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	if err != nil {
		return nil, err
	}
	return &DSC{Key: key, Cert: der}, nil
}

// Cert is the content of a test certificate.
type Cert struct {
	Country  string    // iss; "" leaves it out
	IssuedAt time.Time // iat
	Expires  time.Time // exp
	Type     string    // "v", "t" or "r"
	Floats   bool      // iat and exp as floats, as some issuers send them
}

// DGC returns a schema-valid health certificate of type typ, like the EU
// samples.
func DGC(typ string) map[string]any {
	d := map[string]any{
		"ver": "1.3.0",
		"nam": map[string]any{"fn": "Musterfrau-Gößinger", "fnt": "MUSTERFRAU<GOESSINGER", "gn": "Gabriele", "gnt": "GABRIELE"},
		"dob": "1998-02-26",
	}
	switch typ {
	case "v":
		d["v"] = []any{map[string]any{"tg": "840539006", "vp": "1119349007", "mp": "EU/1/20/1528", "ma": "ORG-100030215",
			"dn": 2, "sd": 2, "dt": "2021-02-18", "co": "AT", "is": "Ministry of Health, Austria", "ci": "URN:UVCI:01:AT:10807843F94AEE0EE5093FBC254BD813#B"}}
	case "t":
		d["t"] = []any{map[string]any{"tg": "840539006", "tt": "LP6464-4", "nm": "Roche LightCycler qPCR", "sc": "2021-02-20T12:34:56Z",
			"tr": "260415000", "tc": "Testing center Vienna 1", "co": "AT", "is": "Ministry of Health, Austria", "ci": "URN:UVCI:01:AT:B5921A35D6A0D696421B3E2462178297#I"}}
	case "r":
		d["r"] = []any{map[string]any{"tg": "840539006", "fr": "2021-02-20", "df": "2021-04-04", "du": "2021-10-04",
			"co": "AT", "is": "Ministry of Health, Austria", "ci": "URN:UVCI:01:AT:858CC18CFCF5965EF82F60E493349AA5#K"}}
	default:
		panic("hc1test: certificate type " + typ)
	}
	return d
}

// Payload returns the CWT claims of c with the health certificate dgc (nil
// means DGC(c.Type)).
func Payload(c Cert, dgc map[string]any) []byte {
	if dgc == nil {
		dgc = DGC(c.Type)
	}
	claims := map[int]any{-260: map[int]any{1: dgc}}
	if c.Country != "" {
		claims[1] = c.Country
	}
	if c.Floats {
		claims[6], claims[4] = float64(c.IssuedAt.Unix()), float64(c.Expires.Unix())
	} else {
		claims[6], claims[4] = c.IssuedAt.Unix(), c.Expires.Unix()
	}
	b, err := cbor.Marshal(claims)
	if err != nil {
		panic(err)
	}
	return b
}

// Where the key ID goes.
const (
	KIDProtected   = iota // the default
	KIDUnprotected        // only in the unprotected header
	KIDBoth               // in both; the unprotected one is Options.OtherKID if set
	KIDNone
)

// Options vary the COSE_Sign1 envelope.
type Options struct {
	Alg      int64    // 0: ES256 for an ECDSA key, PS256 for RSA
	KID      []byte   // nil: the DSC's
	KIDIn    int      // KIDProtected, …
	OtherKID []byte   // the unprotected kid with KIDBoth
	Tags     []uint64 // nil: tag 18; empty: untagged; {61, 18}: both
}

// Sign returns a COSE_Sign1 message over payload, signed by d.
func Sign(d *DSC, payload []byte, o Options) []byte {
	alg := o.Alg
	if alg == 0 {
		alg = -7
		if _, ok := d.Key.(*rsa.PrivateKey); ok {
			alg = -37
		}
	}
	kid := o.KID
	if kid == nil {
		kid = d.KID()
	}
	prot := map[int]any{1: alg}
	unprot := map[int]any{}
	switch o.KIDIn {
	case KIDProtected:
		prot[4] = kid
	case KIDUnprotected:
		unprot[4] = kid
	case KIDBoth:
		prot[4] = kid
		unprot[4] = kid
		if o.OtherKID != nil {
			unprot[4] = o.OtherKID
		}
	}
	protected, err := cbor.Marshal(prot)
	if err != nil {
		panic(err)
	}
	tbs := cose.AppendToBeSigned(nil, protected, payload)
	digest := sha256.Sum256(tbs)
	var sig []byte
	switch k := d.Key.(type) {
	case *ecdsa.PrivateKey:
		r, s, err := ecdsa.Sign(rand.Reader, k, digest[:])
		if err != nil {
			panic(err)
		}
		size := (k.Curve.Params().BitSize + 7) / 8
		sig = append(r.FillBytes(make([]byte, size)), s.FillBytes(make([]byte, size))...)
	case *rsa.PrivateKey:
		sig, err = rsa.SignPSS(rand.Reader, k, crypto.SHA256, digest[:], &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthEqualsHash})
		if err != nil {
			panic(err)
		}
	default:
		panic(fmt.Sprintf("hc1test: key %T", d.Key))
	}
	msg, err := cbor.Marshal([]any{protected, unprot, payload, sig})
	if err != nil {
		panic(err)
	}
	tags := o.Tags
	if tags == nil {
		tags = []uint64{18}
	}
	for i := len(tags) - 1; i >= 0; i-- {
		msg, err = cbor.Marshal(cbor.RawTag{Number: tags[i], Content: msg})
		if err != nil {
			panic(err)
		}
	}
	return msg
}

// Compress returns the zlib compression of b.
func Compress(b []byte) []byte {
	var buf bytes.Buffer
	w, _ := zlib.NewWriterLevel(&buf, zlib.BestCompression)
	w.Write(b)
	w.Close()
	return buf.Bytes()
}

// Text returns the QR text of a COSE message: "HC1:" + Base45(zlib(msg)).
func Text(msg []byte) string { return "HC1:" + base45.EncodeToString(Compress(msg)) }

// Code signs a certificate with d and returns its QR text.
func Code(d *DSC, c Cert, o Options) string { return Text(Sign(d, Payload(c, nil), o)) }
