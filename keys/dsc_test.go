package keys

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hufu-project/hufu/internal/dgctest"
	"github.com/hufu-project/hufu/internal/hc1test"
)

var (
	rsaOnce sync.Once
	rsaKey  *rsa.PrivateKey
)

// testRSAKey returns a 2048-bit RSA key, made once per test binary.
func testRSAKey(t *testing.T) *rsa.PrivateKey {
	rsaOnce.Do(func() {
		var err error
		if rsaKey, err = rsa.GenerateKey(rand.Reader, 2048); err != nil {
			panic(err)
		}
	})
	return rsaKey
}

func newDSCCert(t *testing.T, key crypto.Signer, eku ...asn1.ObjectIdentifier) []byte {
	t.Helper()
	d, err := hc1test.NewDSC(key, time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC), time.Date(2027, 3, 1, 12, 0, 0, 0, time.UTC), eku...)
	if err != nil {
		t.Fatal(err)
	}
	return d.Cert
}

// unreadByDSC matches the errors of crypto/x509 about parts of a
// certificate that ParseDSC does not read (see its doc comment).
var unreadByDSC = []string{
	"x509: invalid key usage", "basic constraints", "subject key identifier", "authority key identifier",
	"certificate policies", "CRL distribution points", "subject alternative name", "SAN", "name constraints",
	"authority info access", "policy constraints", "policy mappings", "inhibit",
}

// crossCheck compares ParseDSC with crypto/x509 on one certificate. On
// well-formed certificates (mutated false) they must agree on acceptance;
// on mutated ones ParseDSC may be the stricter, and may accept only what
// crypto/x509 rejects for an extension ParseDSC does not read. Whenever
// both accept, they must agree on everything ParseDSC returns.
func crossCheck(t *testing.T, name string, der []byte, mutated bool) *Key {
	t.Helper()
	c, xerr := x509.ParseCertificate(der)
	k, err := ParseDSC(der)
	if xerr != nil {
		unread := slices.ContainsFunc(unreadByDSC, func(s string) bool { return strings.Contains(xerr.Error(), s) })
		if err == nil && !(mutated && unread) {
			t.Errorf("%s: crypto/x509 rejects (%v), ParseDSC accepts", name, xerr)
		}
		return nil
	}
	if err != nil {
		if !errors.Is(err, ErrUnsupported) && !mutated {
			t.Errorf("%s: crypto/x509 accepts, ParseDSC: %v", name, err)
		}
		return nil
	}
	sum := sha256.Sum256(der)
	if !bytes.Equal(k.KID, sum[:8]) || !bytes.Equal(k.DSC.Raw, c.Raw) {
		t.Errorf("%s: kid %x", name, k.KID)
	}
	if !k.Public.(interface{ Equal(crypto.PublicKey) bool }).Equal(c.PublicKey) {
		t.Errorf("%s: public key differs from crypto/x509's", name)
	}
	if !k.ValidFrom.Equal(c.NotBefore) || !k.ValidUntil.Equal(c.NotAfter) {
		t.Errorf("%s: window %v–%v, crypto/x509 %v–%v", name, k.ValidFrom, k.ValidUntil, c.NotBefore, c.NotAfter)
	}
	if k.DSC.Subject != c.Subject.String() && !strings.Contains(k.DSC.Subject, c.Subject.CommonName) {
		t.Errorf("%s: subject %q, crypto/x509 %q", name, k.DSC.Subject, c.Subject)
	}
	// The usages crypto/x509 sees, mapped as the verifier maps them.
	var want []string
	for _, u := range []struct {
		typ  string
		oids []string
	}{
		{"t", []string{"1.3.6.1.4.1.1847.2021.1.1", "1.3.6.1.4.1.0.1847.2021.1.1"}},
		{"v", []string{"1.3.6.1.4.1.1847.2021.1.2", "1.3.6.1.4.1.0.1847.2021.1.2"}},
		{"r", []string{"1.3.6.1.4.1.1847.2021.1.3", "1.3.6.1.4.1.0.1847.2021.1.3"}},
	} {
		if slices.ContainsFunc(c.UnknownExtKeyUsage, func(o asn1.ObjectIdentifier) bool { return slices.Contains(u.oids, o.String()) }) {
			want = append(want, u.typ)
		}
	}
	if !slices.Equal(k.DSC.Types, want) {
		t.Errorf("%s: types %q, want %q", name, k.DSC.Types, want)
	}
	if err := k.Check(); err != nil {
		t.Errorf("%s: Check: %v", name, err)
	}
	return k
}

func TestParseDSC(t *testing.T) {
	p256, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	for _, tc := range []struct {
		name  string
		key   crypto.Signer
		eku   []asn1.ObjectIdentifier
		alg   Alg
		types []string
	}{
		{"P-256, no EKU", p256, nil, ES256, nil},
		{"P-256, test", p256, []asn1.ObjectIdentifier{hc1test.OIDTest}, ES256, []string{"t"}},
		{"P-256, all three, alternative arc", p256, []asn1.ObjectIdentifier{hc1test.OIDRecoveryAlt, hc1test.OIDVaccAlt, hc1test.OIDTestAlt}, ES256, []string{"t", "v", "r"}},
		{"P-256, both arcs mixed", p256, []asn1.ObjectIdentifier{hc1test.OIDVaccination, hc1test.OIDRecoveryAlt}, ES256, []string{"v", "r"}},
		{"P-256, other usages only", p256, []asn1.ObjectIdentifier{hc1test.OIDServerAuth, hc1test.OIDCodeSigning}, ES256, nil},
		{"P-256, empty EKU", p256, []asn1.ObjectIdentifier{}, ES256, nil},
		{"RSA 2048, vaccination", testRSAKey(t), []asn1.ObjectIdentifier{hc1test.OIDVaccination, hc1test.OIDServerAuth}, PS256, []string{"v"}},
	} {
		der := newDSCCert(t, tc.key, tc.eku...)
		if tc.eku != nil && len(tc.eku) == 0 {
			// hc1test leaves the extension out for no usages; build an
			// empty one by hand.
			d, err := newDSCWithEmptyEKU(tc.key)
			if err != nil {
				t.Fatal(err)
			}
			der = d
		}
		k := crossCheck(t, tc.name, der, false)
		if k == nil {
			t.Errorf("%s: rejected", tc.name)
			continue
		}
		if k.Alg != tc.alg || !slices.Equal(k.DSC.Types, tc.types) || k.Issuers != nil {
			t.Errorf("%s: alg %s types %q", tc.name, k.Alg, k.DSC.Types)
		}
		if !k.ValidFrom.Equal(time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)) || !k.ValidUntil.Equal(time.Date(2027, 3, 1, 12, 0, 0, 0, time.UTC)) {
			t.Errorf("%s: window %v – %v", tc.name, k.ValidFrom, k.ValidUntil)
		}
		for _, typ := range []string{"v", "t", "r"} {
			if got, want := k.DSC.MaySign(typ), tc.types == nil || slices.Contains(tc.types, typ); got != want {
				t.Errorf("%s: MaySign(%q) = %v", tc.name, typ, got)
			}
		}
	}
}

var (
	bigOne            = big.NewInt(1)
	extensionEmptyEKU = pkix.Extension{Id: asn1.ObjectIdentifier{2, 5, 29, 37}, Value: []byte{0x30, 0x00}}
)

// newDSCWithEmptyEKU makes a certificate whose extended key usage lists
// nothing, as one of the EU test certificates does.
func newDSCWithEmptyEKU(key crypto.Signer) ([]byte, error) {
	tmpl := &x509.Certificate{SerialNumber: bigOne, NotBefore: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC), NotAfter: time.Date(2027, 3, 1, 12, 0, 0, 0, time.UTC)}
	tmpl.ExtraExtensions = append(tmpl.ExtraExtensions, extensionEmptyEKU)
	return x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
}

func TestParseDSCUnsupportedKeys(t *testing.T) {
	p384, _ := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	rsa1024, _ := rsa.GenerateKey(rand.Reader, 1024)
	_, ed, _ := ed25519.GenerateKey(rand.Reader)
	for name, key := range map[string]crypto.Signer{"P-384": p384, "RSA 1024": rsa1024, "Ed25519": ed} {
		der := newDSCCert(t, key)
		if _, err := x509.ParseCertificate(der); err != nil {
			t.Fatalf("%s: crypto/x509: %v", name, err)
		}
		if _, err := ParseDSC(der); !errors.Is(err, ErrUnsupported) {
			t.Errorf("%s: %v, want ErrUnsupported", name, err)
		}
	}
}

func TestParseDSCMalformed(t *testing.T) {
	p256, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	for _, der := range [][]byte{newDSCCert(t, p256, hc1test.OIDTest), newDSCCert(t, testRSAKey(t), hc1test.OIDRecoveryAlt)} {
		mutate(t, der)
	}
	der := newDSCCert(t, p256)
	for name, data := range map[string][]byte{
		"empty":         nil,
		"trailing data": append(bytes.Clone(der), 0),
		"extra element": appendToSequence(der),
		"a public key":  must(MarshalPublic(&p256.PublicKey)),
	} {
		if _, err := ParseDSC(data); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

// mutate checks ParseDSC against crypto/x509 on every truncation of der
// and on byte changes at every offset: errors or, if both accept, the same
// reading.
func mutate(t *testing.T, der []byte) {
	for i := range der {
		crossCheck(t, "truncated", der[:i], true)
		for _, x := range []byte{0x01, 0x20, 0x55, 0x80, 0xff} {
			mod := bytes.Clone(der)
			mod[i] ^= x
			crossCheck(t, fmt.Sprintf("byte %d ^ %#x", i, x), mod, true)
		}
	}
}

// appendToSequence adds a NULL after the last element of the certificate
// SEQUENCE, which encoding/asn1 alone would not notice.
func appendToSequence(der []byte) []byte {
	var seq asn1.RawValue
	asn1.Unmarshal(der, &seq)
	seq.Bytes = append(bytes.Clone(seq.Bytes), asn1.NullBytes...)
	seq.FullBytes = nil
	return must(asn1.Marshal(seq))
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

func TestParseDSCs(t *testing.T) {
	a, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	b, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	da, db := newDSCCert(t, a, hc1test.OIDTest), newDSCCert(t, b)
	pa := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: da})
	pb := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: db})
	for name, tc := range map[string]struct {
		data []byte
		n    int
	}{
		"DER":             {da, 1},
		"one PEM":         {pa, 1},
		"two PEM":         {append(bytes.Clone(pa), pb...), 2},
		"white space":     {[]byte("\n  " + string(pa) + "\n\n" + string(pb) + "\t\n"), 2},
		"CRLF":            {bytes.ReplaceAll(pa, []byte("\n"), []byte("\r\n")), 1},
		"junk":            {[]byte("hello"), 0},
		"text before":     {append([]byte("subject=CN=x\n"), pa...), 0},
		"text between":    {[]byte(string(pa) + "subject=CN=x\n" + string(pb)), 0},
		"text after":      {append(bytes.Clone(pa), "bye"...), 0},
		"public key PEM":  {pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: must(MarshalPublic(&a.PublicKey))}), 0},
		"PEM headers":     {pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Headers: map[string]string{"Proc-Type": "4"}, Bytes: da}), 0},
		"broken PEM":      {pa[:len(pa)-10], 0},
		"empty":           {nil, 0},
		"bad cert in PEM": {pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: da[:50]}), 0},
	} {
		ks, err := ParseDSCs(tc.data)
		if tc.n == 0 {
			if err == nil {
				t.Errorf("%s: accepted", name)
			}
			continue
		}
		if err != nil || len(ks) != tc.n {
			t.Errorf("%s: %d keys, %v", name, len(ks), err)
			continue
		}
		if !bytes.Equal(ks[0].DSC.Raw, da) || (tc.n == 2 && !bytes.Equal(ks[1].DSC.Raw, db)) {
			t.Errorf("%s: wrong certificates", name)
		}
	}
	dir := t.TempDir()
	path := filepath.Join(dir, "dsc.pem")
	os.WriteFile(path, append(bytes.Clone(pa), pb...), 0o644)
	if ks, err := ReadDSCFile(path); err != nil || len(ks) != 2 {
		t.Errorf("ReadDSCFile: %d, %v", len(ks), err)
	}
	if _, err := ReadDSCFile(filepath.Join(dir, "missing")); err == nil {
		t.Error("missing file")
	}
	big := filepath.Join(dir, "big")
	os.WriteFile(big, make([]byte, MaxDSCFile+1), 0o644)
	if _, err := ReadDSCFile(big); err == nil {
		t.Error("oversize file accepted")
	}
}

func TestDSCKeysInTrust(t *testing.T) {
	p256, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	k, err := ParseDSC(newDSCCert(t, p256))
	if err != nil {
		t.Fatal(err)
	}
	hf1 := keyFor(t, fixedEd25519(9).Public(), "310000")
	tf, err := NewTrust(hf1, k)
	if err != nil {
		t.Fatal(err)
	}
	if got := tf.Keys(k.KID); len(got) != 1 || got[0] != k {
		t.Errorf("Keys: %v", got)
	}
	if err := tf.Add(k); err == nil {
		t.Error("same DSC added twice")
	}
	if _, err := tf.Marshal(); err == nil {
		t.Error("Marshal wrote a DSC key into a trust file")
	}

	// Check keeps DSC keys consistent, and HF1 keys away from PS256.
	bad := func(f func(k *Key)) error {
		c := *k
		c.DSC = &DSC{Raw: k.DSC.Raw}
		f(&c)
		return c.Check()
	}
	p384, _ := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	for name, f := range map[string]func(k *Key){
		"issuers":          func(k *Key) { k.Issuers = []string{"310000"} },
		"PS256 with ECDSA": func(k *Key) { k.Alg = PS256 },
		"EdDSA":            func(k *Key) { k.Alg, k.Public = EdDSA, fixedEd25519(1).Public() },
		"P-384":            func(k *Key) { k.Public = &p384.PublicKey },
		"RSA as ES256":     func(k *Key) { k.Public = &testRSAKey(t).PublicKey },
		"small RSA":        func(k *Key) { k.Alg, k.Public = PS256, &rsa.PublicKey{N: bigOne, E: 65537} },
		"bad type":         func(k *Key) { k.DSC.Types = []string{"x"} },
		"type twice":       func(k *Key) { k.DSC.Types = []string{"v", "v"} },
		"window":           func(k *Key) { k.ValidFrom, k.ValidUntil = k.ValidUntil, k.ValidFrom },
		"kid":              func(k *Key) { k.KID = k.KID[:4] },
	} {
		if err := bad(f); err == nil {
			t.Errorf("%s: Check accepts", name)
		}
	}
	if err := bad(func(k *Key) { k.DSC.Types = []string{"t", "r"} }); err != nil {
		t.Errorf("types t, r: %v", err)
	}
	// An HF1 key (no DSC) can never be PS256 or RSA.
	rk := &Key{KID: k.KID, Alg: PS256, Public: &testRSAKey(t).PublicKey, Issuers: []string{"310000"}}
	if err := rk.Check(); !errors.Is(err, ErrUnsupported) {
		t.Errorf("HF1 PS256 key: %v", err)
	}
	js := `{"hufu_trust":1,"keys":[{"kid":"0011223344556677","alg":"PS256","public_key":"` +
		base64.StdEncoding.EncodeToString(must(x509.MarshalPKIXPublicKey(&testRSAKey(t).PublicKey))) + `","issuers":["310000"]}]}`
	if _, err := ParseTrust([]byte(js)); !errors.Is(err, ErrUnsupported) {
		t.Errorf("trust file with a PS256 key: %v", err)
	}
}

// FuzzParseDSC: ParseDSC never panics, and agrees with crypto/x509 as
// crossCheck requires; seeded with generated certificates.
func FuzzParseDSC(f *testing.F) {
	p256, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	for _, eku := range [][]asn1.ObjectIdentifier{nil, {hc1test.OIDTest, hc1test.OIDVaccAlt}} {
		d, err := hc1test.NewDSC(p256, time.Time{}, time.Time{}, eku...)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(d.Cert)
	}
	f.Fuzz(func(t *testing.T, der []byte) {
		crossCheck(t, "fuzz", der, true)
	})
}

// TestParseDSCWithEUTestData cross-checks ParseDSC with crypto/x509 on the
// certificates of the EU DCC test data in testdata/dgc.
func TestParseDSCWithEUTestData(t *testing.T) {
	dir := dgctest.Dir(t)
	n, unsupported := 0, 0
	filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || filepath.Ext(path) != ".json" {
			return err
		}
		var v struct {
			Ctx struct {
				Certificate string `json:"CERTIFICATE"`
			} `json:"TESTCTX"`
		}
		data, _ := os.ReadFile(path)
		if json.Unmarshal(data, &v) != nil {
			t.Errorf("%s: not JSON", path)
			return nil
		}
		der, err := base64.StdEncoding.DecodeString(v.Ctx.Certificate)
		if err != nil {
			t.Errorf("%s: certificate: %v", path, err)
			return nil
		}
		n++
		if crossCheck(t, path, der, false) == nil {
			unsupported++
		}
		return nil
	})
	if n == 0 {
		t.Fatal("no certificates")
	}
	t.Logf("%d certificates, %d with keys hufu does not support (P-384)", n, unsupported)
}
