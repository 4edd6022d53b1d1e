package keys

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func fixedEd25519(seed byte) ed25519.PrivateKey {
	return ed25519.NewKeyFromSeed(bytes.Repeat([]byte{seed}, ed25519.SeedSize))
}

func keyFor(t *testing.T, pub crypto.PublicKey, issuers ...string) *Key {
	t.Helper()
	alg, err := AlgOf(pub)
	if err != nil {
		t.Fatal(err)
	}
	kid, err := KID(pub)
	if err != nil {
		t.Fatal(err)
	}
	return &Key{KID: kid, Alg: alg, Public: pub, Issuers: issuers}
}

func sameKey(a, b *Key) bool {
	return bytes.Equal(a.KID, b.KID) && a.Alg == b.Alg && a.Public.(pubEqualer).Equal(b.Public) &&
		strings.Join(a.Issuers, ",") == strings.Join(b.Issuers, ",") &&
		a.ValidFrom.Equal(b.ValidFrom) && a.ValidUntil.Equal(b.ValidUntil)
}

func testTrust(t *testing.T) (*TrustFile, []*Key) {
	t.Helper()
	ec, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	k1 := keyFor(t, fixedEd25519(1).Public(), "310000", "320000")
	k2 := keyFor(t, ec.Public(), "110000")
	k2.ValidFrom = time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	k2.ValidUntil = time.Date(2026, 6, 30, 23, 59, 59, 0, time.UTC)
	k3 := keyFor(t, fixedEd25519(3).Public(), "440000")
	k3.ValidUntil = time.Date(2030, 1, 1, 0, 0, 0, 0, time.FixedZone("CST", 8*3600))
	ks := []*Key{k1, k2, k3}
	tf, err := NewTrust(ks...)
	if err != nil {
		t.Fatal(err)
	}
	return tf, ks
}

func TestTrustRoundTrip(t *testing.T) {
	tf, ks := testTrust(t)
	data, err := tf.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	back, err := ParseTrust(data)
	if err != nil {
		t.Fatalf("ParseTrust(Marshal()): %v\n%s", err, data)
	}
	all := back.All()
	if len(all) != len(ks) {
		t.Fatalf("%d keys back, want %d", len(all), len(ks))
	}
	for i := range ks {
		if !sameKey(all[i], ks[i]) {
			t.Errorf("key %d: %+v, want %+v", i, all[i], ks[i])
		}
		if got := back.Keys(ks[i].KID); len(got) != 1 || !sameKey(got[0], ks[i]) {
			t.Errorf("Keys(%x) = %v", ks[i].KID, got)
		}
	}
	again, err := back.Marshal()
	if err != nil || !bytes.Equal(again, data) {
		t.Errorf("Marshal is not stable:\n%s\n%s", data, again)
	}
	// The times are written in UTC.
	if !bytes.Contains(data, []byte(`"valid_until": "2029-12-31T16:00:00Z"`)) {
		t.Errorf("Marshal does not write times in UTC:\n%s", data)
	}
	// All returns a copy.
	all[0] = nil
	if back.All()[0] == nil {
		t.Error("All returns the trust file's own slice")
	}
	// An empty trust file round-trips too.
	empty, _ := NewTrust()
	data, err = empty.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	if back, err := ParseTrust(data); err != nil || len(back.All()) != 0 {
		t.Errorf("empty trust file: %v, %v\n%s", back, err, data)
	}
}

func TestTrustFile(t *testing.T) {
	tf, ks := testTrust(t)
	path := filepath.Join(t.TempDir(), "trust.json")
	if err := WriteTrustFile(path, tf); err != nil {
		t.Fatal(err)
	}
	if err := WriteTrustFile(path, tf); err != nil {
		t.Errorf("WriteTrustFile does not replace: %v", err)
	}
	if st, err := os.Stat(path); err != nil || st.Mode().Perm() != 0o644 {
		t.Errorf("trust file mode %v, %v", st.Mode(), err)
	}
	back, err := ReadTrustFile(path)
	if err != nil || len(back.All()) != len(ks) {
		t.Fatalf("ReadTrustFile: %v", err)
	}
	// Oversize files are refused before they are read.
	big := filepath.Join(t.TempDir(), "big.json")
	if err := os.WriteFile(big, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Truncate(big, MaxTrustFile+1); err != nil {
		t.Fatal(err)
	}
	if _, err := ReadTrustFile(big); err == nil {
		t.Error("ReadTrustFile accepted an oversize file")
	}
}

// validTrustKey is one key entry of a valid trust file, as a JSON object.
func validTrustKey(t *testing.T) map[string]any {
	pub := fixedEd25519(1).Public()
	der, _ := MarshalPublic(pub)
	kid, _ := KID(pub)
	return map[string]any{
		"kid":         hex.EncodeToString(kid),
		"alg":         "EdDSA",
		"public_key":  base64.StdEncoding.EncodeToString(der),
		"issuers":     []string{"310000"},
		"valid_from":  "2024-01-01T00:00:00Z",
		"valid_until": "2025-01-01T00:00:00+08:00",
	}
}

func trustDoc(t *testing.T, keys ...map[string]any) string {
	b, err := json.Marshal(map[string]any{"hufu_trust": 1, "keys": keys})
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestParseTrustValid(t *testing.T) {
	doc := trustDoc(t, validTrustKey(t))
	tf, err := ParseTrust([]byte(doc))
	if err != nil {
		t.Fatalf("ParseTrust(%s): %v", doc, err)
	}
	k := tf.All()[0]
	if k.Alg != EdDSA || !k.ValidFrom.Equal(time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)) ||
		!k.ValidUntil.Equal(time.Date(2024, 12, 31, 16, 0, 0, 0, time.UTC)) || k.ValidUntil.Location() != time.UTC {
		t.Errorf("ParseTrust = %+v", k)
	}
	// Optional fields may be absent; white space is free.
	key := validTrustKey(t)
	delete(key, "valid_from")
	delete(key, "valid_until")
	if _, err := ParseTrust([]byte("\n  " + trustDoc(t, key) + "\n\n")); err != nil {
		t.Errorf("ParseTrust without validity: %v", err)
	}
	if _, err := ParseTrust([]byte(`{"hufu_trust": 1, "keys": []}`)); err != nil {
		t.Errorf("ParseTrust with no keys: %v", err)
	}
}

func TestParseTrustRejects(t *testing.T) {
	p384, _ := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	p384DER, _ := x509.MarshalPKIXPublicKey(p384.Public())
	rsaDER, _ := x509.MarshalPKIXPublicKey(mustRSA(t).Public())
	ecPub := generate(t, ES256).Public()
	ecDER, _ := MarshalPublic(ecPub)
	edDER, _ := MarshalPublic(fixedEd25519(1).Public())

	with := func(field string, v any) string {
		k := validTrustKey(t)
		if v == nil {
			delete(k, field)
		} else {
			k[field] = v
		}
		return trustDoc(t, k)
	}
	valid := trustDoc(t, validTrustKey(t))
	b64 := base64.StdEncoding.EncodeToString(edDER)
	if !strings.HasSuffix(b64, "=") {
		t.Fatalf("test assumes a padded encoding: %s", b64)
	}
	// Change the last data character so that the unused bits are not zero.
	badBits := b64[:len(b64)-2] + string(b64[len(b64)-2]+1) + "="

	tests := []struct {
		name        string
		doc         string
		unsupported bool // the error must wrap ErrUnsupported
	}{
		{"unknown top-level field", strings.Replace(valid, `{"hufu_trust"`, `{"comment":"x","hufu_trust"`, 1), false},
		{"unknown key field", with("note", "x"), false},
		{"duplicate top-level field", strings.Replace(valid, `{"hufu_trust":1`, `{"hufu_trust":1,"hufu_trust":1`, 1), false},
		{"duplicate key field", strings.Replace(valid, `"alg":"EdDSA"`, `"alg":"EdDSA","alg":"EdDSA"`, 1), false},
		{"duplicate issuers via folding", strings.Replace(valid, `"issuers":`, `"iſſuers":["999999"],"issuers":`, 1), false},
		{"upper-case KID", strings.Replace(valid, `"kid"`, `"KID"`, 1), false},
		{"capitalised Alg", strings.Replace(valid, `"alg"`, `"Alg"`, 1), false},
		{"trailing data", valid + "{}", false},
		{"trailing garbage", valid + "x", false},
		{"version 2", strings.Replace(valid, `"hufu_trust":1`, `"hufu_trust":2`, 1), false},
		{"version 0", strings.Replace(valid, `"hufu_trust":1`, `"hufu_trust":0`, 1), false},
		{"version as string", strings.Replace(valid, `"hufu_trust":1`, `"hufu_trust":"1"`, 1), false},
		{"no version", strings.Replace(valid, `"hufu_trust":1,`, ``, 1), false},
		{"not an object", `[]`, false},
		{"null", `null`, false},
		{"kid in upper-case hex", with("kid", strings.ToUpper(validTrustKey(t)["kid"].(string))), false},
		{"kid of 15 digits", with("kid", validTrustKey(t)["kid"].(string)[:15]), false},
		{"kid of 14 digits", with("kid", validTrustKey(t)["kid"].(string)[:14]), false},
		{"kid of 18 digits", with("kid", validTrustKey(t)["kid"].(string)+"00"), false},
		{"kid not hex", with("kid", "zzzzzzzzzzzzzzzz"), false},
		{"no kid", with("kid", nil), false},
		{"public key without padding", with("public_key", strings.TrimRight(b64, "=")), false},
		{"public key with extra padding", with("public_key", b64+"="), false},
		{"public key with non-zero padding bits", with("public_key", badBits), false},
		{"public key in URL alphabet", with("public_key", base64.URLEncoding.EncodeToString(append([]byte{0xfb, 0xff}, edDER...))), false},
		{"public key not SPKI", with("public_key", base64.StdEncoding.EncodeToString([]byte("hello"))), false},
		{"no public key", with("public_key", nil), false},
		{"P-384 key", with("public_key", base64.StdEncoding.EncodeToString(p384DER)), true},
		{"RSA key", with("public_key", base64.StdEncoding.EncodeToString(rsaDER)), true},
		{"alg ES256 with Ed25519 key", with("alg", "ES256"), true},
		{"alg EdDSA with P-256 key", with("public_key", base64.StdEncoding.EncodeToString(ecDER)), true},
		{"alg in lower case", with("alg", "eddsa"), true},
		{"alg Ed25519", with("alg", "Ed25519"), true},
		{"no alg", with("alg", nil), true},
		{"empty issuers", with("issuers", []string{}), false},
		{"null issuers", strings.Replace(valid, `"issuers":["310000"]`, `"issuers":null`, 1), false},
		{"no issuers", with("issuers", nil), false},
		{"duplicate issuer", with("issuers", []string{"310000", "320000", "310000"}), false},
		{"issuer with a space", with("issuers", []string{"31 00"}), false},
		{"empty issuer", with("issuers", []string{""}), false},
		{"valid_until before valid_from", with("valid_until", "2023-12-31T23:59:59Z"), false},
		{"date without time", with("valid_from", "2024-01-01"), false},
		{"time without zone", with("valid_from", "2024-01-01T00:00:00"), false},
		{"space instead of T", with("valid_from", "2024-01-01 00:00:00Z"), false},
		{"month 13", with("valid_from", "2024-13-01T00:00:00Z"), false},
		{"not a time", with("valid_until", "next year"), false},
		{"time as number", with("valid_until", 1700000000), false},
		{"same key twice", trustDoc(t, validTrustKey(t), validTrustKey(t)), false},
		{"too deep", `{"hufu_trust": 1, "keys": [` + strings.Repeat("[", 40) + strings.Repeat("]", 40) + `]}`, false},
		{"too large", `{"hufu_trust": 1, "keys": [], "x": "` + strings.Repeat("a", MaxTrustFile) + `"}`, false},
	}
	for _, tc := range tests {
		tf, err := ParseTrust([]byte(tc.doc))
		if err == nil {
			t.Errorf("%s: ParseTrust(%.200s) accepted: %v", tc.name, tc.doc, tf.All())
			continue
		}
		if tf != nil {
			t.Errorf("%s: ParseTrust returned a trust file with its error", tc.name)
		}
		if tc.unsupported != errors.Is(err, ErrUnsupported) {
			t.Errorf("%s: ParseTrust error %v; ErrUnsupported: %v, want %v", tc.name, err, errors.Is(err, ErrUnsupported), tc.unsupported)
		}
	}
}

func TestKeysSameKID(t *testing.T) {
	a := keyFor(t, fixedEd25519(1).Public(), "310000")
	b := keyFor(t, fixedEd25519(2).Public(), "320000")
	b.KID = a.KID // a trust list may give two keys the same kid
	tf, err := NewTrust(a, b)
	if err != nil {
		t.Fatal(err)
	}
	got := tf.Keys(a.KID)
	if len(got) != 2 || got[0] != a || got[1] != b {
		t.Fatalf("Keys(%x) = %v, want both keys in order", a.KID, got)
	}
	data, _ := tf.Marshal()
	back, err := ParseTrust(data)
	if err != nil {
		t.Fatal(err)
	}
	if got := back.Keys(a.KID); len(got) != 2 || !sameKey(got[0], a) || !sameKey(got[1], b) {
		t.Errorf("after a round trip Keys(%x) = %v", a.KID, got)
	}
	if got := tf.Keys(make([]byte, KIDSize)); got != nil {
		t.Errorf("Keys(unknown) = %v", got)
	}
	if got := tf.Keys(a.KID[:7]); got != nil {
		t.Errorf("Keys(7 bytes) = %v", got)
	}
	if got := tf.Keys(nil); got != nil {
		t.Errorf("Keys(nil) = %v", got)
	}
	// The same key with the same kid again is an error.
	if err := tf.Add(keyFor(t, fixedEd25519(1).Public(), "440000")); err == nil {
		t.Error("Add accepted the same key and kid twice")
	}
	if len(tf.All()) != 2 {
		t.Errorf("a failed Add changed the trust file: %d keys", len(tf.All()))
	}
}

func TestKeyCheck(t *testing.T) {
	ec := generate(t, ES256)
	for name, mod := range map[string]func(k *Key){
		"kid of 7 bytes": func(k *Key) { k.KID = k.KID[:7] },
		"kid of 9 bytes": func(k *Key) { k.KID = append(k.KID, 0) },
		"no kid":         func(k *Key) { k.KID = nil },
		"alg mismatch":   func(k *Key) { k.Alg = ES256 },
		"unknown alg":    func(k *Key) { k.Alg = "ES384" },
		"P-256 key":      func(k *Key) { k.Public = ec.Public() },
		"no public key":  func(k *Key) { k.Public = nil },
		"no issuers":     func(k *Key) { k.Issuers = nil },
		"bad issuer":     func(k *Key) { k.Issuers = []string{"a b"} },
		"issuer twice":   func(k *Key) { k.Issuers = []string{"1", "2", "1"} },
		"empty window": func(k *Key) {
			k.ValidFrom = time.Unix(100, 0)
			k.ValidUntil = time.Unix(99, 0)
		},
	} {
		k := keyFor(t, fixedEd25519(1).Public(), "310000")
		mod(k)
		if err := k.Check(); err == nil {
			t.Errorf("%s: Check accepted %+v", name, k)
		}
		if _, err := NewTrust(k); err == nil {
			t.Errorf("%s: NewTrust accepted the key", name)
		}
	}
	k := keyFor(t, fixedEd25519(1).Public(), "310000")
	k.ValidFrom, k.ValidUntil = time.Unix(100, 0), time.Unix(100, 0)
	if err := k.Check(); err != nil {
		t.Errorf("one-second window: %v", err)
	}
}

func TestKeyWindowAndIssuers(t *testing.T) {
	k := keyFor(t, fixedEd25519(1).Public(), "310000", "320000")
	if !k.MaySign("310000") || !k.MaySign("320000") || k.MaySign("330000") || k.MaySign("") {
		t.Error("MaySign is wrong")
	}
	at := func(s int64) time.Time { return time.Unix(s, 0) }
	if !k.ValidAt(at(0)) || !k.ValidAt(at(1<<40)) {
		t.Error("an open window excludes a time")
	}
	k.ValidFrom, k.ValidUntil = at(100), at(200)
	for s, want := range map[int64]bool{99: false, 100: true, 150: true, 200: true, 201: false} {
		if got := k.ValidAt(at(s)); got != want {
			t.Errorf("ValidAt(%d) = %v, want %v", s, got, want)
		}
	}
	if k.ValidAt(at(200).Add(time.Nanosecond)) || k.ValidAt(at(100).Add(-time.Nanosecond)) {
		t.Error("ValidAt rounds the bounds")
	}
	k.ValidUntil = time.Time{}
	if !k.ValidAt(at(1 << 40)) {
		t.Error("an open end excludes a late time")
	}
}

func TestTrustCheck(t *testing.T) {
	tf, _ := testTrust(t)
	if hints, err := tf.Check(nil, nil, time.Time{}, 0); hints != nil || err != nil {
		t.Errorf("TrustFile.Check = %v, %v", hints, err)
	}
}
