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
	"encoding/asn1"
	"encoding/pem"
	"errors"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

func generate(t testing.TB, alg Alg) crypto.Signer {
	t.Helper()
	k, err := Generate(alg)
	if err != nil {
		t.Fatalf("Generate(%s): %v", alg, err)
	}
	return k
}

type equaler interface{ Equal(crypto.PrivateKey) bool }
type pubEqualer interface{ Equal(crypto.PublicKey) bool }

func TestGenerateMarshalParse(t *testing.T) {
	for _, alg := range []Alg{ES256, EdDSA} {
		t.Run(string(alg), func(t *testing.T) {
			priv := generate(t, alg)
			if got, err := AlgOf(priv.Public()); err != nil || got != alg {
				t.Errorf("AlgOf = %q, %v", got, err)
			}

			// PKCS#8: byte-identical to crypto/x509, and each reads the other's.
			der, err := MarshalPrivate(priv)
			if err != nil {
				t.Fatal(err)
			}
			want, err := x509.MarshalPKCS8PrivateKey(priv)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(der, want) {
				t.Errorf("MarshalPrivate = %x\nx509          %x", der, want)
			}
			xk, err := x509.ParsePKCS8PrivateKey(der)
			if err != nil || !priv.(equaler).Equal(xk) {
				t.Errorf("x509.ParsePKCS8PrivateKey: %v", err)
			}
			back, err := ParsePrivate(want)
			if err != nil || !priv.(equaler).Equal(back) {
				t.Errorf("ParsePrivate(x509 PKCS#8): %v", err)
			}

			// SPKI: byte-identical to crypto/x509.
			spki, err := MarshalPublic(priv.Public())
			if err != nil {
				t.Fatal(err)
			}
			want, err = x509.MarshalPKIXPublicKey(priv.Public())
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(spki, want) {
				t.Errorf("MarshalPublic = %x\nx509         %x", spki, want)
			}
			xp, err := x509.ParsePKIXPublicKey(spki)
			if err != nil || !priv.Public().(pubEqualer).Equal(xp) {
				t.Errorf("x509.ParsePKIXPublicKey: %v", err)
			}
			pub, err := ParsePublic(spki)
			if err != nil || !priv.Public().(pubEqualer).Equal(pub) {
				t.Errorf("ParsePublic: %v", err)
			}

			// KID: first 8 bytes of SHA-256 over the SPKI DER.
			kid, err := KID(priv.Public())
			sum := sha256.Sum256(want)
			if err != nil || !bytes.Equal(kid, sum[:KIDSize]) {
				t.Errorf("KID = %x, %v; want %x", kid, err, sum[:KIDSize])
			}

			// PEM.
			pp, err := EncodePrivatePEM(priv)
			if err != nil {
				t.Fatal(err)
			}
			if b, _ := pem.Decode(pp); b == nil || b.Type != "PRIVATE KEY" || !bytes.Equal(b.Bytes, der) {
				t.Errorf("EncodePrivatePEM = %s", pp)
			}
			if k, err := ParsePrivatePEM(pp); err != nil || !priv.(equaler).Equal(k) {
				t.Errorf("ParsePrivatePEM: %v", err)
			}
			pubPEM, err := EncodePublicPEM(priv.Public())
			if err != nil {
				t.Fatal(err)
			}
			if b, _ := pem.Decode(pubPEM); b == nil || b.Type != "PUBLIC KEY" || !bytes.Equal(b.Bytes, spki) {
				t.Errorf("EncodePublicPEM = %s", pubPEM)
			}
			if k, err := ParsePublicPEM(pubPEM); err != nil || !priv.Public().(pubEqualer).Equal(k) {
				t.Errorf("ParsePublicPEM: %v", err)
			}
		})
	}
	if _, err := Generate("RS256"); !errors.Is(err, ErrUnsupported) {
		t.Errorf("Generate(RS256): %v", err)
	}
}

// A P-256 scalar with leading zero bytes is padded back to 32 bytes.
func TestParsePrivateShortScalar(t *testing.T) {
	for i := 0; i < 2000; i++ {
		k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		d, _ := k.Bytes()
		if d[0] != 0 {
			continue
		}
		der, _ := x509.MarshalPKCS8PrivateKey(k)
		// Re-encode the inner key with the scalar's leading zero dropped,
		// as some encoders do.
		var p pkcs8
		asn1.Unmarshal(der, &p)
		var ec ecPrivateKey
		asn1.Unmarshal(p.PrivateKey, &ec)
		ec.PrivateKey = bytes.TrimLeft(ec.PrivateKey, "\x00")
		p.PrivateKey, _ = asn1.Marshal(ec)
		short, _ := asn1.Marshal(p)
		got, err := ParsePrivate(short)
		if err != nil || !k.Equal(got) {
			t.Fatalf("ParsePrivate with a %d-byte scalar: %v", len(ec.PrivateKey), err)
		}
		return
	}
	t.Skip("no key with a leading zero byte in 2000 tries")
}

func TestFixedEd25519Vector(t *testing.T) {
	// RFC 8410 §10.3 private key and the public key it derives (§10.1).
	const privPEM = `-----BEGIN PRIVATE KEY-----
MC4CAQAwBQYDK2VwBCIEINTuctv5E1hK1bbY8fdp+K06/nwoy/HU++CXqI9EdVhC
-----END PRIVATE KEY-----
`
	const pubPEM = `-----BEGIN PUBLIC KEY-----
MCowBQYDK2VwAyEAGb9ECWmEzf6FQbrBZ9w7lshQhqowtrbLDFw4rXAxZuE=
-----END PUBLIC KEY-----
`
	priv, err := ParsePrivatePEM([]byte(privPEM))
	if err != nil {
		t.Fatal(err)
	}
	pub, err := ParsePublicPEM([]byte(pubPEM))
	if err != nil {
		t.Fatal(err)
	}
	if !priv.Public().(pubEqualer).Equal(pub) {
		t.Error("RFC 8410 private key does not derive its public key")
	}
	if out, _ := EncodePrivatePEM(priv); string(out) != privPEM {
		t.Errorf("EncodePrivatePEM = %s", out)
	}
	if out, _ := EncodePublicPEM(pub); string(out) != pubPEM {
		t.Errorf("EncodePublicPEM = %s", out)
	}
}

// secp256k1 and brainpool have no Go implementation; build their DER by hand.
var (
	oidSecp256k1 = asn1.ObjectIdentifier{1, 3, 132, 0, 10}
	oidBrainpool = asn1.ObjectIdentifier{1, 3, 36, 3, 3, 2, 8, 1, 1, 7}
	oidRSA       = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 1}
	oidX25519    = asn1.ObjectIdentifier{1, 3, 101, 110}
	oidEd448     = asn1.ObjectIdentifier{1, 3, 101, 113}
)

func ecSPKI(t *testing.T, curve asn1.ObjectIdentifier, point []byte) []byte {
	params, _ := asn1.Marshal(curve)
	der, err := asn1.Marshal(spki{
		Algorithm: algorithmIdentifier{Algorithm: oidECPublicKey, Parameters: asn1.RawValue{FullBytes: params}},
		PublicKey: asn1.BitString{Bytes: point, BitLength: 8 * len(point)},
	})
	if err != nil {
		t.Fatal(err)
	}
	return der
}

func ecPKCS8(t *testing.T, curve asn1.ObjectIdentifier) []byte {
	params, _ := asn1.Marshal(curve)
	inner, _ := asn1.Marshal(ecPrivateKey{Version: 1, PrivateKey: bytes.Repeat([]byte{1}, 32)})
	der, err := asn1.Marshal(pkcs8{
		Algorithm:  algorithmIdentifier{Algorithm: oidECPublicKey, Parameters: asn1.RawValue{FullBytes: params}},
		PrivateKey: inner,
	})
	if err != nil {
		t.Fatal(err)
	}
	return der
}

func TestUnsupportedKeys(t *testing.T) {
	p384, err := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	p521, err := ecdsa.GenerateKey(elliptic.P521(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	rsaKey, err := rsa.GenerateKey(rand.Reader, 1024)
	if err != nil {
		t.Fatal(err)
	}
	point := append([]byte{4}, bytes.Repeat([]byte{2}, 64)...)

	publics := map[string][]byte{}
	privates := map[string][]byte{}
	for name, k := range map[string]crypto.Signer{"P-384": p384, "P-521": p521, "RSA": rsaKey} {
		if _, err := AlgOf(k.Public()); !errors.Is(err, ErrUnsupported) {
			t.Errorf("AlgOf(%s): %v", name, err)
		}
		if _, err := MarshalPublic(k.Public()); !errors.Is(err, ErrUnsupported) {
			t.Errorf("MarshalPublic(%s): %v", name, err)
		}
		if _, err := KID(k.Public()); !errors.Is(err, ErrUnsupported) {
			t.Errorf("KID(%s): %v", name, err)
		}
		if _, err := MarshalPrivate(k); !errors.Is(err, ErrUnsupported) {
			t.Errorf("MarshalPrivate(%s): %v", name, err)
		}
		publics[name], _ = x509.MarshalPKIXPublicKey(k.Public())
		privates[name], _ = x509.MarshalPKCS8PrivateKey(k)
	}
	publics["secp256k1"] = ecSPKI(t, oidSecp256k1, point)
	publics["brainpoolP256r1"] = ecSPKI(t, oidBrainpool, point)
	publics["unknown curve"] = ecSPKI(t, asn1.ObjectIdentifier{1, 2, 3, 4}, point)
	privates["secp256k1"] = ecPKCS8(t, oidSecp256k1)
	privates["brainpoolP256r1"] = ecPKCS8(t, oidBrainpool)
	for name, oid := range map[string]asn1.ObjectIdentifier{"X25519": oidX25519, "Ed448": oidEd448} {
		publics[name], _ = asn1.Marshal(spki{Algorithm: algorithmIdentifier{Algorithm: oid}, PublicKey: asn1.BitString{Bytes: make([]byte, 32), BitLength: 256}})
		seed, _ := asn1.Marshal(make([]byte, 32))
		privates[name], _ = asn1.Marshal(pkcs8{Algorithm: algorithmIdentifier{Algorithm: oid}, PrivateKey: seed})
	}
	for name, der := range publics {
		if _, err := ParsePublic(der); !errors.Is(err, ErrUnsupported) {
			t.Errorf("ParsePublic(%s): %v, want ErrUnsupported", name, err)
		}
	}
	for name, der := range privates {
		if _, err := ParsePrivate(der); !errors.Is(err, ErrUnsupported) {
			t.Errorf("ParsePrivate(%s): %v, want ErrUnsupported", name, err)
		}
	}
	// Wrong-sized Ed25519 keys.
	if _, err := AlgOf(ed25519.PublicKey(make([]byte, 31))); !errors.Is(err, ErrUnsupported) {
		t.Errorf("AlgOf(31-byte Ed25519 key): %v", err)
	}
	if _, err := MarshalPrivate(ed25519.PrivateKey(make([]byte, 32))); !errors.Is(err, ErrUnsupported) {
		t.Errorf("MarshalPrivate(32-byte Ed25519 key): %v", err)
	}
}

// Encodings of supported keys that are not the exact DER are errors, but
// not "unsupported".
func TestMalformedKeys(t *testing.T) {
	ec := generate(t, ES256).(*ecdsa.PrivateKey)
	ed := generate(t, EdDSA).(ed25519.PrivateKey)
	ecSPKIDER, _ := MarshalPublic(ec.Public())
	edSPKIDER, _ := MarshalPublic(ed.Public())
	compressed := elliptic.MarshalCompressed(elliptic.P256(), ec.X, ec.Y)
	notOnCurve := append([]byte{4}, bytes.Repeat([]byte{1}, 64)...)
	edDER, _ := MarshalPrivate(ed)
	ecDER, _ := MarshalPrivate(ec)

	other := generate(t, ES256).(*ecdsa.PrivateKey)
	var p pkcs8
	asn1.Unmarshal(ecDER, &p)
	var inner ecPrivateKey
	asn1.Unmarshal(p.PrivateKey, &inner)
	otherPoint, _ := other.PublicKey.Bytes()
	inner.PublicKey = asn1.BitString{Bytes: otherPoint, BitLength: 8 * len(otherPoint)}
	p.PrivateKey, _ = asn1.Marshal(inner)
	mismatched, _ := asn1.Marshal(p)

	for name, der := range map[string][]byte{
		"empty":                   nil,
		"garbage":                 []byte("not a key"),
		"P-256 compressed":        ecSPKI(t, oidP256, compressed),
		"P-256 not on curve":      ecSPKI(t, oidP256, notOnCurve),
		"P-256 trailing byte":     append(bytes.Clone(ecSPKIDER), 0),
		"P-256 truncated":         ecSPKIDER[:len(ecSPKIDER)-1],
		"Ed25519 trailing byte":   append(bytes.Clone(edSPKIDER), 0),
		"Ed25519 truncated":       edSPKIDER[:len(edSPKIDER)-1],
		"Ed25519 SPKI as PKCS#8":  edDER,
		"Ed25519 short key":       append(bytes.Clone(edSPKIDER[:len(edSPKIDER)-33]), bytes.Repeat([]byte{1}, 31)...),
		"P-256 SPKI with garbage": append(bytes.Clone(ecSPKIDER[:10]), 0xff),
	} {
		if _, err := ParsePublic(der); err == nil || errors.Is(err, ErrUnsupported) {
			t.Errorf("ParsePublic(%s) = %v, want a non-ErrUnsupported error", name, err)
		}
	}
	for name, der := range map[string][]byte{
		"empty":                   nil,
		"SPKI":                    ecSPKIDER,
		"trailing byte":           append(bytes.Clone(ecDER), 0),
		"truncated":               edDER[:len(edDER)-1],
		"mismatched public key":   mismatched,
		"Ed25519 with parameters": edWithParams(t, edDER),
	} {
		if _, err := ParsePrivate(der); err == nil || errors.Is(err, ErrUnsupported) {
			t.Errorf("ParsePrivate(%s) = %v, want a non-ErrUnsupported error", name, err)
		}
	}
}

func edWithParams(t *testing.T, der []byte) []byte {
	var p pkcs8
	if _, err := asn1.Unmarshal(der, &p); err != nil {
		t.Fatal(err)
	}
	p.Algorithm.Parameters = asn1.NullRawValue
	out, err := asn1.Marshal(p)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestPEMStrictness(t *testing.T) {
	priv := generate(t, EdDSA)
	good, _ := EncodePublicPEM(priv.Public())
	der, _ := MarshalPublic(priv.Public())
	privPEM, _ := EncodePrivatePEM(priv)
	withHeader := pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Headers: map[string]string{"Proc-Type": "4,ENCRYPTED"}, Bytes: der})
	for name, data := range map[string][]byte{
		"empty":             nil,
		"DER, not PEM":      der,
		"private as public": privPEM,
		"wrong type":        pem.EncodeToMemory(&pem.Block{Type: "EC PUBLIC KEY", Bytes: der}),
		"headers":           withHeader,
		"two blocks":        append(bytes.Clone(good), good...),
		"trailing text":     append(bytes.Clone(good), "junk\n"...),
	} {
		if _, err := ParsePublicPEM(data); err == nil {
			t.Errorf("ParsePublicPEM(%s) accepted", name)
		}
	}
	for name, data := range map[string][]byte{
		"leading space":   append([]byte("\n  \n"), good...),
		"trailing spaces": append(bytes.Clone(good), " \n\t\n"...),
	} {
		if _, err := ParsePublicPEM(data); err != nil {
			t.Errorf("ParsePublicPEM(%s): %v", name, err)
		}
	}
	if _, err := ParsePrivatePEM(good); err == nil {
		t.Error("ParsePrivatePEM accepted a public key")
	}
	ecPriv, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	sec1, _ := x509.MarshalECPrivateKey(ecPriv)
	if _, err := ParsePrivatePEM(pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: sec1})); err == nil {
		t.Error("ParsePrivatePEM accepted a SEC 1 \"EC PRIVATE KEY\"")
	}
}

// TestOpenSSLKeys checks that keys made by `openssl genpkey` parse (P-256,
// Ed25519), with the same key ID as openssl's public key, and that other
// kinds are unsupported.
func TestOpenSSLKeys(t *testing.T) {
	openssl, err := exec.LookPath("openssl")
	if err != nil {
		t.Skip("openssl is not installed")
	}
	dir := t.TempDir()
	run := func(args ...string) []byte {
		t.Helper()
		out, err := exec.Command(openssl, args...).Output()
		if err != nil {
			t.Fatalf("openssl %q: %v", args, err)
		}
		return out
	}
	gen := func(name string, args ...string) (priv, pub []byte) {
		path := filepath.Join(dir, name+".pem")
		run(append([]string{"genpkey", "-out", path}, args...)...)
		priv, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		return priv, run("pkey", "-in", path, "-pubout")
	}
	for _, tc := range []struct {
		name string
		args []string
		alg  Alg
	}{
		{"ed25519", []string{"-algorithm", "ED25519"}, EdDSA},
		{"p256", []string{"-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256"}, ES256},
		{"prime256v1-named", []string{"-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-pkeyopt", "ec_param_enc:named_curve"}, ES256},
	} {
		privPEM, pubPEM := gen(tc.name, tc.args...)
		priv, err := ParsePrivatePEM(privPEM)
		if err != nil {
			t.Errorf("%s: ParsePrivatePEM(openssl key): %v\n%s", tc.name, err, privPEM)
			continue
		}
		pub, err := ParsePublicPEM(pubPEM)
		if err != nil {
			t.Errorf("%s: ParsePublicPEM(openssl key): %v", tc.name, err)
			continue
		}
		if alg, _ := AlgOf(pub); alg != tc.alg || !priv.Public().(pubEqualer).Equal(pub) {
			t.Errorf("%s: openssl public key does not match its private key", tc.name)
		}
		// Our public key encoding is openssl's.
		if out, _ := EncodePublicPEM(priv.Public()); !bytes.Equal(out, pubPEM) {
			t.Errorf("%s: EncodePublicPEM = %s\nopenssl %s", tc.name, out, pubPEM)
		}
		// And openssl reads what we write.
		path := filepath.Join(dir, tc.name+"-ours.pem")
		if err := WritePrivateFile(path, priv); err != nil {
			t.Fatal(err)
		}
		if out := run("pkey", "-in", path, "-pubout"); !bytes.Equal(out, pubPEM) {
			t.Errorf("%s: openssl reads our private key as %s", tc.name, out)
		}
	}
	for _, tc := range []struct {
		name string
		args []string
	}{
		{"p384", []string{"-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-384"}},
		{"secp256k1", []string{"-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:secp256k1"}},
		{"brainpool", []string{"-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:brainpoolP256r1"}},
		{"ed448", []string{"-algorithm", "ED448"}},
		{"x25519", []string{"-algorithm", "X25519"}},
		{"rsa", []string{"-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:1024"}},
	} {
		privPEM, pubPEM := gen(tc.name, tc.args...)
		if _, err := ParsePrivatePEM(privPEM); !errors.Is(err, ErrUnsupported) {
			t.Errorf("%s: ParsePrivatePEM: %v, want ErrUnsupported", tc.name, err)
		}
		if _, err := ParsePublicPEM(pubPEM); !errors.Is(err, ErrUnsupported) {
			t.Errorf("%s: ParsePublicPEM: %v, want ErrUnsupported", tc.name, err)
		}
	}
}

func TestPrivateFile(t *testing.T) {
	dir := t.TempDir()
	for _, alg := range []Alg{ES256, EdDSA} {
		priv := generate(t, alg)
		path := filepath.Join(dir, string(alg)+".key")
		if err := WritePrivateFile(path, priv); err != nil {
			t.Fatal(err)
		}
		st, err := os.Stat(path)
		if err != nil || st.Mode().Perm() != 0o600 {
			t.Fatalf("private key file mode %v, %v; want 0600", st.Mode(), err)
		}
		before, _ := os.ReadFile(path)
		err = WritePrivateFile(path, generate(t, alg))
		if !errors.Is(err, fs.ErrExist) {
			t.Errorf("WritePrivateFile over an existing file: %v, want fs.ErrExist", err)
		}
		if after, _ := os.ReadFile(path); !bytes.Equal(before, after) {
			t.Error("WritePrivateFile changed an existing file")
		}
		got, err := ReadPrivateFile(path)
		if err != nil || !priv.(equaler).Equal(got) {
			t.Errorf("ReadPrivateFile: %v", err)
		}

		for _, mode := range []fs.FileMode{0o644, 0o640, 0o604, 0o660, 0o602} {
			if err := os.Chmod(path, mode); err != nil {
				t.Fatal(err)
			}
			got, err := ReadPrivateFile(path)
			if !errors.Is(err, ErrReadableByOthers) {
				t.Errorf("ReadPrivateFile of a %04o file: %v, want ErrReadableByOthers", mode, err)
			}
			if got == nil || !priv.(equaler).Equal(got) {
				t.Errorf("ReadPrivateFile of a %04o file did not return the key with its warning", mode)
			}
		}
		os.Chmod(path, 0o400)
		if _, err := ReadPrivateFile(path); err != nil {
			t.Errorf("ReadPrivateFile of a 0400 file: %v", err)
		}
	}
	if err := WritePrivateFile(filepath.Join(dir, "rsa"), mustRSA(t)); !errors.Is(err, ErrUnsupported) {
		t.Errorf("WritePrivateFile(RSA): %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "rsa")); !errors.Is(err, fs.ErrNotExist) {
		t.Error("WritePrivateFile(RSA) left a file")
	}
}

func mustRSA(t *testing.T) *rsa.PrivateKey {
	k, err := rsa.GenerateKey(rand.Reader, 1024)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func TestReadPrivateFileErrors(t *testing.T) {
	dir := t.TempDir()
	if _, err := ReadPrivateFile(filepath.Join(dir, "missing")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("missing file: %v", err)
	}
	if k, err := ReadPrivateFile(dir); err == nil || k != nil {
		t.Errorf("directory: %v, %v", k, err)
	}
	big := filepath.Join(dir, "big")
	if err := os.WriteFile(big, make([]byte, 65<<10), 0o600); err != nil {
		t.Fatal(err)
	}
	if k, err := ReadPrivateFile(big); err == nil || k != nil {
		t.Errorf("oversize file: %v, %v", k, err)
	}
	// A malformed key in a file readable by others: the parse error wins,
	// with no key.
	bad := filepath.Join(dir, "bad")
	if err := os.WriteFile(bad, []byte("junk"), 0o644); err != nil {
		t.Fatal(err)
	}
	if k, err := ReadPrivateFile(bad); err == nil || k != nil || errors.Is(err, ErrReadableByOthers) {
		t.Errorf("malformed key file: %v, %v", k, err)
	}
}

func TestPublicFile(t *testing.T) {
	dir := t.TempDir()
	priv := generate(t, ES256)
	path := filepath.Join(dir, "k.pub")
	if err := WritePublicFile(path, priv.Public()); err != nil {
		t.Fatal(err)
	}
	if st, err := os.Stat(path); err != nil || st.Mode().Perm() != 0o644 {
		t.Errorf("public key file mode %v, %v", st.Mode(), err)
	}
	if err := WritePublicFile(path, priv.Public()); !errors.Is(err, fs.ErrExist) {
		t.Errorf("WritePublicFile over an existing file: %v", err)
	}
	pub, err := ReadPublicFile(path)
	if err != nil || !priv.Public().(pubEqualer).Equal(pub) {
		t.Errorf("ReadPublicFile: %v", err)
	}
	if _, err := ReadPublicFile(filepath.Join(dir, "missing")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("ReadPublicFile(missing): %v", err)
	}
}
