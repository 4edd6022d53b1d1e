package keys

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"slices"
	"strings"
	"time"
)

// DSC is the EU Digital COVID Certificate document-signer certificate
// (DSC) that a key was taken from. A key with a DSC verifies HC1 codes
// only; a key without one verifies HF1 passes only.
//
// Only the parts the verifier needs are kept: the key, its validity window
// (Key.ValidFrom and Key.ValidUntil, from the certificate's notBefore and
// notAfter) and the certificate types its extended key usage allows. The
// certificate's own signature and its chain to a country signing CA are
// not checked: a DSC is trusted because the caller trusts it, as the
// entries of the EU trust list are.
type DSC struct {
	Raw     []byte // the DER certificate; its SHA-256 starts with the key's KID
	Subject string // the subject's distinguished name, for display
	// Types lists the certificate types the DSC may sign, from its extended
	// key usage: "t" (test), "v" (vaccination), "r" (recovery), in that
	// order. It is nil if the certificate has none of the three usages,
	// and then the DSC may sign every type (HCERT, key usage policy).
	Types []string
}

// MaySign reports whether the DSC may sign a certificate of type typ ("v",
// "t" or "r").
func (d *DSC) MaySign(typ string) bool {
	return d.Types == nil || slices.Contains(d.Types, typ)
}

// The extended key usage OIDs that restrict what a DSC may sign. Each
// usage has two: the arc of the HCERT specification, and the arc with an
// extra 0 that versions up to 1.0.5 printed and that many DSCs — and the
// EU's own test data — carry; the EU reference apps accept both.
var dscUsages = []struct {
	typ  string
	oids []asn1.ObjectIdentifier
}{
	{"t", []asn1.ObjectIdentifier{{1, 3, 6, 1, 4, 1, 1847, 2021, 1, 1}, {1, 3, 6, 1, 4, 1, 0, 1847, 2021, 1, 1}}},
	{"v", []asn1.ObjectIdentifier{{1, 3, 6, 1, 4, 1, 1847, 2021, 1, 2}, {1, 3, 6, 1, 4, 1, 0, 1847, 2021, 1, 2}}},
	{"r", []asn1.ObjectIdentifier{{1, 3, 6, 1, 4, 1, 1847, 2021, 1, 3}, {1, 3, 6, 1, 4, 1, 0, 1847, 2021, 1, 3}}},
}

var (
	oidRSAEncryption    = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 1}
	oidExtendedKeyUsage = asn1.ObjectIdentifier{2, 5, 29, 37}
)

// MinRSABits is the smallest RSA modulus accepted for PS256 (the HCERT
// specification names 2048 bits).
const MinRSABits = 2048

// X.509 structures (RFC 5280 §4.1), as far as a DSC needs them.
// encoding/asn1 ignores SEQUENCE elements after the last field of a
// struct, so every SEQUENCE is first counted by elements.
type validity struct {
	NotBefore, NotAfter time.Time
}

type extension struct {
	ID       asn1.ObjectIdentifier
	Critical bool `asn1:"optional"`
	Value    []byte
}

type rsaPublicKey struct {
	N *big.Int
	E int
}

// elements returns the elements of the DER SEQUENCE b, which must be all
// of b.
func elements(b []byte) ([]asn1.RawValue, error) {
	var seq asn1.RawValue
	rest, err := asn1.Unmarshal(b, &seq)
	switch {
	case err != nil:
		return nil, err
	case len(rest) != 0:
		return nil, errors.New("trailing data")
	case seq.Class != asn1.ClassUniversal || seq.Tag != asn1.TagSequence || !seq.IsCompound:
		return nil, errors.New("not a SEQUENCE")
	}
	var es []asn1.RawValue
	for in := seq.Bytes; len(in) > 0; {
		var e asn1.RawValue
		if in, err = asn1.Unmarshal(in, &e); err != nil {
			return nil, err
		}
		es = append(es, e)
	}
	return es, nil
}

// unmarshalSeq unmarshals the SEQUENCE b into v, a struct with at least min
// and at most max elements.
func unmarshalSeq(b []byte, v any, min, max int) error {
	es, err := elements(b)
	if err != nil {
		return err
	}
	if len(es) < min || len(es) > max {
		return fmt.Errorf("SEQUENCE of %d elements, want %d to %d", len(es), min, max)
	}
	_, err = asn1.Unmarshal(b, v)
	return err
}

func isContext(e asn1.RawValue, tag int) bool {
	return e.Class == asn1.ClassContextSpecific && e.Tag == tag
}

// ParseDSC parses a DER X.509 certificate as a DSC and returns its key:
// KID the first 8 bytes of SHA-256 over der, algorithm ES256 (a P-256 key)
// or PS256 (an RSA key of at least MinRSABits), the certificate's validity
// as the key's window, and a DSC with the types its extended key usage
// allows. Other key types are errors wrapping ErrUnsupported.
//
// It uses encoding/asn1, not crypto/x509, which would pull package net
// into the verifier's apps. It is strict about the structure of the
// certificate and about every part it reads; like the verifier, which
// trusts a DSC because the caller does, it does not check the signature or
// the contents of the names and of extensions other than the extended key
// usage.
func ParseDSC(der []byte) (*Key, error) {
	k, err := parseDSC(der)
	if err != nil && !errors.Is(err, ErrUnsupported) {
		err = fmt.Errorf("keys: certificate: %w", err)
	}
	return k, err
}

func parseDSC(der []byte) (*Key, error) {
	c, err := elements(der)
	if err != nil || len(c) != 3 {
		return nil, fmt.Errorf("not a DER X.509 certificate: %v", errOr(err, "want 3 elements"))
	}
	tbs, err := elements(c[0].FullBytes)
	if err != nil {
		return nil, fmt.Errorf("bad TBSCertificate: %v", err)
	}
	// TBSCertificate: [0] version, serial, signature, issuer, validity,
	// subject, subjectPublicKeyInfo, [1] issuerUID, [2] subjectUID,
	// [3] extensions.
	version := 0
	if len(tbs) > 0 && isContext(tbs[0], 0) && tbs[0].IsCompound {
		if rest, err := asn1.Unmarshal(tbs[0].Bytes, &version); err != nil || len(rest) != 0 || version < 1 || version > 2 {
			return nil, errors.New("bad version")
		}
		tbs = tbs[1:]
	}
	if len(tbs) < 6 || !bytes.Equal(c[1].FullBytes, tbs[1].FullBytes) {
		return nil, errors.New("bad TBSCertificate (too short, or its signature algorithm differs from the certificate's)")
	}
	var serial *big.Int
	if e := tbs[0]; e.Class != asn1.ClassUniversal || e.Tag != asn1.TagInteger || e.IsCompound {
		return nil, errors.New("bad serial number")
	}
	if rest, err := asn1.Unmarshal(tbs[0].FullBytes, &serial); err != nil || len(rest) != 0 || serial.Sign() < 0 {
		return nil, errors.New("bad serial number")
	}
	var sigAlg algorithmIdentifier
	if err := unmarshalSeq(c[1].FullBytes, &sigAlg, 1, 2); err != nil {
		return nil, fmt.Errorf("bad signature algorithm: %v", err)
	}
	var sig asn1.BitString
	if rest, err := asn1.Unmarshal(c[2].FullBytes, &sig); err != nil || len(rest) != 0 {
		return nil, errors.New("bad signature")
	}
	var issuer, subject pkix.RDNSequence
	if err := parseName(tbs[2].FullBytes, &issuer); err != nil {
		return nil, fmt.Errorf("bad issuer: %v", err)
	}
	var valid validity
	if err := unmarshalSeq(tbs[3].FullBytes, &valid, 2, 2); err != nil {
		return nil, fmt.Errorf("bad validity: %v", err)
	}
	if valid.NotAfter.Before(valid.NotBefore) {
		return nil, errors.New("notAfter is before notBefore")
	}
	if err := parseName(tbs[4].FullBytes, &subject); err != nil {
		return nil, fmt.Errorf("bad subject: %v", err)
	}
	spkiDER := tbs[5].FullBytes
	var exts []asn1.RawValue
	prev := 0
	for _, e := range tbs[6:] {
		switch {
		case e.Class != asn1.ClassContextSpecific || e.Tag <= prev || e.Tag > 3 || e.IsCompound != (e.Tag == 3):
			return nil, errors.New("bad TBSCertificate (unexpected element)")
		case e.Tag < 3 && version < 1, e.Tag == 3 && version != 2:
			return nil, fmt.Errorf("version %d certificate with unique IDs or extensions", version+1)
		case e.Tag == 3:
			if exts, err = elements(e.Bytes); err != nil || len(exts) == 0 {
				return nil, fmt.Errorf("bad extensions: %v", errOr(err, "empty"))
			}
		}
		prev = e.Tag
	}

	sum := sha256.Sum256(der)
	k := &Key{
		KID:        sum[:KIDSize],
		ValidFrom:  valid.NotBefore.UTC(),
		ValidUntil: valid.NotAfter.UTC(),
		DSC:        &DSC{Raw: bytes.Clone(der), Subject: subject.String()},
	}
	if k.Alg, k.Public, err = parseDSCKey(spkiDER); err != nil {
		return nil, err
	}
	var seen []asn1.ObjectIdentifier
	for _, e := range exts {
		var ext extension
		if err := unmarshalSeq(e.FullBytes, &ext, 2, 3); err != nil {
			return nil, fmt.Errorf("bad extension: %v", err)
		}
		for _, id := range seen {
			if id.Equal(ext.ID) {
				return nil, fmt.Errorf("extension %s twice", ext.ID)
			}
		}
		seen = append(seen, ext.ID)
		if ext.ID.Equal(oidExtendedKeyUsage) {
			if k.DSC.Types, err = dscTypes(ext.Value); err != nil {
				return nil, err
			}
		}
	}
	return k, nil
}

// parseName parses a Name (RFC 5280 §4.1.2.4) whose attribute values are
// strings.
func parseName(der []byte, name *pkix.RDNSequence) error {
	if rest, err := asn1.Unmarshal(der, name); err != nil || len(rest) != 0 {
		return fmt.Errorf("%v", errOr(err, "trailing data"))
	}
	for _, rdn := range *name {
		if len(rdn) == 0 {
			return errors.New("empty relative distinguished name")
		}
		for _, atv := range rdn {
			if _, ok := atv.Value.(string); !ok {
				return fmt.Errorf("attribute %s is not a string", atv.Type)
			}
		}
	}
	return nil
}

func errOr(err error, msg string) any {
	if err != nil {
		return err
	}
	return msg
}

// parseDSCKey parses the SubjectPublicKeyInfo of a DSC.
func parseDSCKey(der []byte) (Alg, any, error) {
	var s spki
	es, err := elements(der)
	if err != nil || len(es) != 2 || unmarshalSeq(es[0].FullBytes, &algorithmIdentifier{}, 1, 2) != nil {
		return "", nil, errors.New("bad SubjectPublicKeyInfo")
	}
	if _, err := asn1.Unmarshal(der, &s); err != nil {
		return "", nil, fmt.Errorf("bad SubjectPublicKeyInfo: %v", err)
	}
	if !s.Algorithm.Algorithm.Equal(oidRSAEncryption) {
		pub, err := ParsePublic(der)
		switch pub := pub.(type) {
		case *ecdsa.PublicKey:
			return ES256, pub, nil
		case ed25519.PublicKey:
			return "", nil, fmt.Errorf("%w: Ed25519 is not an HC1 algorithm (ES256 or PS256)", ErrUnsupported)
		}
		if errors.Is(err, ErrUnsupported) {
			return "", nil, err
		}
		return "", nil, errors.New(strings.TrimPrefix(err.Error(), "keys: ")) // ParseDSC adds the prefix
	}
	// RFC 3279 §2.3.1: the parameters are NULL, the key an RSAPublicKey.
	if !bytes.Equal(s.Algorithm.Parameters.FullBytes, asn1.NullBytes) {
		return "", nil, errors.New("RSA key without NULL parameters")
	}
	var rk rsaPublicKey
	if s.PublicKey.BitLength%8 != 0 || unmarshalSeq(s.PublicKey.Bytes, &rk, 2, 2) != nil {
		return "", nil, errors.New("bad RSA public key")
	}
	if rk.N.Sign() <= 0 || rk.E < 3 || rk.E%2 == 0 || rk.E > 1<<31-1 {
		return "", nil, errors.New("bad RSA public key")
	}
	if rk.N.BitLen() < MinRSABits {
		return "", nil, fmt.Errorf("%w: RSA key of %d bits; PS256 needs at least %d", ErrUnsupported, rk.N.BitLen(), MinRSABits)
	}
	return PS256, &rsa.PublicKey{N: rk.N, E: rk.E}, nil
}

// dscTypes reads an extended key usage extension and returns the
// certificate types it allows, or nil if it names none of the DSC usages.
func dscTypes(value []byte) ([]string, error) {
	// RFC 5280 wants at least one usage, but DSCs with an empty list exist
	// (and crypto/x509 reads them): like no extension, it restricts nothing.
	var oids []asn1.ObjectIdentifier
	if rest, err := asn1.Unmarshal(value, &oids); err != nil || len(rest) != 0 {
		return nil, errors.New("bad extended key usage")
	}
	var types []string
	for _, u := range dscUsages {
		for _, oid := range oids {
			if slices.ContainsFunc(u.oids, oid.Equal) {
				types = append(types, u.typ)
				break
			}
		}
	}
	return types, nil
}

// pemCertificate is the PEM block type of a certificate.
const pemCertificate = "CERTIFICATE"

// ParseDSCs parses document-signer certificates: PEM with one or more
// "CERTIFICATE" blocks (and only white space around them), or a single DER
// certificate. It returns a key per certificate, in order.
func ParseDSCs(data []byte) ([]*Key, error) {
	rest := bytes.TrimSpace(data)
	if !bytes.HasPrefix(rest, []byte("-----BEGIN ")) {
		k, err := ParseDSC(data)
		if err != nil {
			return nil, err
		}
		return []*Key{k}, nil
	}
	var ks []*Key
	for len(rest) > 0 {
		if !bytes.HasPrefix(rest, []byte("-----BEGIN ")) {
			return nil, fmt.Errorf("keys: certificate %d: text between PEM blocks", len(ks)+1)
		}
		var b *pem.Block
		b, rest = pem.Decode(rest)
		switch {
		case b == nil:
			return nil, fmt.Errorf("keys: certificate %d: bad PEM block", len(ks)+1)
		case b.Type != pemCertificate:
			return nil, fmt.Errorf("keys: certificate %d: PEM block is %q, want %q", len(ks)+1, b.Type, pemCertificate)
		case len(b.Headers) != 0:
			return nil, fmt.Errorf("keys: certificate %d: PEM block has headers", len(ks)+1)
		}
		k, err := ParseDSC(b.Bytes)
		if err != nil {
			return nil, fmt.Errorf("certificate %d: %w", len(ks)+1, err)
		}
		ks = append(ks, k)
		rest = bytes.TrimSpace(rest)
	}
	return ks, nil
}

// MaxDSCFile bounds the size of a file of document-signer certificates.
const MaxDSCFile = 1 << 20

// ReadDSCFile reads a file of document-signer certificates (see
// ParseDSCs).
func ReadDSCFile(path string) ([]*Key, error) {
	data, err := readLimited(path, MaxDSCFile)
	if err != nil {
		return nil, err
	}
	ks, err := ParseDSCs(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return ks, nil
}

// checkDSC is Check for a key with a DSC.
func (k *Key) checkDSC() error {
	switch pub := k.Public.(type) {
	case *ecdsa.PublicKey:
		if k.Alg != ES256 || pub.Curve != elliptic.P256() {
			return fmt.Errorf("%w: alg %q with an ECDSA key on %s; HC1 allows ES256 on P-256", ErrUnsupported, k.Alg, pub.Curve.Params().Name)
		}
	case *rsa.PublicKey:
		if k.Alg != PS256 || pub.N == nil || pub.N.BitLen() < MinRSABits {
			return fmt.Errorf("%w: alg %q with an RSA key; HC1 allows PS256 with at least %d bits", ErrUnsupported, k.Alg, MinRSABits)
		}
	default:
		return fmt.Errorf("%w: %T is not an HC1 key", ErrUnsupported, k.Public)
	}
	if len(k.Issuers) != 0 {
		return errors.New("keys: a DSC key has no issuers (HC1 codes name their country)")
	}
	for i, t := range k.DSC.Types {
		if (t != "t" && t != "v" && t != "r") || slices.Contains(k.DSC.Types[:i], t) {
			return fmt.Errorf("keys: DSC types %q: want some of t, v, r", k.DSC.Types)
		}
	}
	if !k.ValidFrom.IsZero() && !k.ValidUntil.IsZero() && k.ValidUntil.Before(k.ValidFrom) {
		return errors.New("keys: valid_until is before valid_from")
	}
	return nil
}
