package bundle

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/sha256"
	"testing"
	"time"

	"github.com/hufu-project/hufu/internal/base45"
	"github.com/hufu-project/hufu/internal/cbor"
	"github.com/hufu-project/hufu/internal/cose"
	"github.com/hufu-project/hufu/keys"
	"github.com/hufu-project/hufu/pass"
)

// Fixed keys, so that tests are deterministic.
func seed(label string) []byte {
	s := sha256.Sum256([]byte("hufu bundle test key " + label))
	return s[:]
}

func edKey(label string) ed25519.PrivateKey { return ed25519.NewKeyFromSeed(seed(label)) }

func p256Key(label string) *ecdsa.PrivateKey {
	k, err := ecdsa.ParseRawPrivateKey(elliptic.P256(), seed(label))
	if err != nil {
		panic(err)
	}
	return k
}

var (
	root     = edKey("root")
	root2    = p256Key("root2")
	otherRt  = edKey("other root")
	shKey    = p256Key("shanghai")
	shKey2   = edKey("shanghai 2")
	jsKey    = edKey("jiangsu")
	t0       = time.Date(2026, 6, 1, 8, 0, 0, 0, time.UTC)
	allRoots = []crypto.PublicKey{root.Public(), root2.Public()}
)

// contents returns a valid bundle: Shanghai with two keys (the first
// rotated out at t0), Jiangsu with one, issued at t0.
func contents() *Contents {
	return &Contents{
		Seq:        7,
		IssuedAt:   t0,
		NextUpdate: t0.Add(24 * time.Hour),
		Expires:    t0.Add(72 * time.Hour),
		Issuers: []Issuer{
			{ID: "320000", Name: Label{"江苏省", "Jiangsu"}, MaxLifetime: 72 * time.Hour,
				Colours:       []pass.Colour{pass.Green, pass.Yellow},
				Keys:          []IssuerKey{{Public: jsKey.Public()}},
				RevokedPasses: []uint64{2, RevocationID(passID("jiangsu revoked"))}},
			{ID: "310000", Name: Label{"上海市", "Shanghai"}, MaxLifetime: 7 * 24 * time.Hour,
				Colours: []pass.Colour{pass.Red, pass.Green, pass.Yellow},
				Keys: []IssuerKey{
					{Public: shKey.Public(), ValidUntil: t0},
					{Public: shKey2.Public(), ValidFrom: t0},
				},
				RevokedPasses: []uint64{1, 2, 3, RevocationID(passID("revoked"))}},
		},
		Labels: map[string]Label{"colour.green": {"绿码", "green"}, "x": {"甲", "a"}},
	}
}

func mustSign(t testing.TB, c *Contents, priv crypto.Signer) []byte {
	t.Helper()
	b, err := Sign(c, priv)
	if err != nil {
		t.Fatalf("Sign: %v", err)
	}
	return b
}

func mustOpen(t testing.TB, data []byte) *Bundle {
	t.Helper()
	b, err := Open(data, allRoots)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	return b
}

func passID(label string) pass.ID {
	s := sha256.Sum256([]byte("pass " + label))
	return s[:8]
}

// testPass returns a green Shanghai pass issued at iat, valid for a day.
func testPass(label string, iat time.Time) pass.Pass {
	p := pass.Pass{Issuer: "310000", ID: passID(label), IssuedAt: iat, ExpiresAt: iat.Add(24 * time.Hour), Colour: pass.Green}
	p.NameHash, _ = pass.NameHash(p.ID, "张三")
	return p
}

// signPass signs p with priv (Ed25519, or ECDSA with RFC 6979 nonces) and
// returns its QR text.
func signPass(t testing.TB, priv crypto.Signer, p pass.Pass) string {
	t.Helper()
	payload, err := p.AppendClaims(nil)
	if err != nil {
		t.Fatal(err)
	}
	alg, _ := keys.AlgOf(priv.Public())
	kid, _ := keys.KID(priv.Public())
	calg := cose.ES256
	if alg == keys.EdDSA {
		calg = cose.EdDSA
	}
	ph := cose.AppendProtected(nil, calg, kid)
	return "HF1:" + base45.EncodeToString(cose.AppendSign1(nil, ph, payload, rawSign(t, priv, ph, payload)))
}

func rawSign(t testing.TB, priv crypto.Signer, protected, payload []byte) []byte {
	tbs := cose.AppendToBeSigned(nil, protected, payload)
	switch k := priv.(type) {
	case ed25519.PrivateKey:
		return ed25519.Sign(k, tbs)
	case *ecdsa.PrivateKey:
		d := sha256.Sum256(tbs)
		r, s, err := ecdsa.Sign(zeroReader{}, k, d[:])
		if err != nil {
			t.Fatal(err)
		}
		sig := make([]byte, 64)
		r.FillBytes(sig[:32])
		s.FillBytes(sig[32:])
		return sig
	}
	t.Fatalf("unknown key %T", priv)
	return nil
}

type zeroReader struct{}

func (zeroReader) Read(p []byte) (int, error) {
	clear(p)
	return len(p), nil
}

// field is one pair of a CBOR map with integer keys, value encoded.
type field struct {
	key int64
	val []byte
}

// fields splits a map with integer keys into its pairs.
func fields(t testing.TB, m []byte) []field {
	t.Helper()
	r := cbor.NewReader(m, cbor.Limits{MaxDepth: 16, MaxItems: 1 << 20, MaxLen: MaxSize})
	n, err := r.MapHeader()
	if err != nil {
		t.Fatal(err)
	}
	var fs []field
	for range n {
		k, err := r.Int()
		if err != nil {
			t.Fatal(err)
		}
		v, err := r.Skip(1)
		if err != nil {
			t.Fatal(err)
		}
		fs = append(fs, field{k, v})
	}
	return fs
}

// mapOf encodes pairs in the order given.
func mapOf(fs []field) []byte {
	b := cbor.AppendHead(nil, cbor.Map, uint64(len(fs)))
	for _, f := range fs {
		b = cbor.AppendInt(b, f.key)
		b = append(b, f.val...)
	}
	return b
}

// signPayload signs a raw payload as a bundle with priv.
func signPayload(t testing.TB, priv crypto.Signer, payload []byte) []byte {
	t.Helper()
	alg, _ := keys.AlgOf(priv.Public())
	kid, _ := keys.KID(priv.Public())
	calg := cose.ES256
	if alg == keys.EdDSA {
		calg = cose.EdDSA
	}
	ph := cose.AppendProtected(nil, calg, kid)
	return cose.AppendSign1(nil, ph, payload, rawSign(t, priv, ph, payload))
}

// payloadOf returns the payload of a bundle file.
func payloadOf(t testing.TB, data []byte) []byte {
	t.Helper()
	msg, err := cose.ParseSign1Max(data, MaxSize)
	if err != nil {
		t.Fatal(err)
	}
	return msg.Payload
}

// contentsOf rebuilds the Contents of a decoded bundle, without the
// issuers' revoked passes (which a Set does not list).
func contentsOf(b *Bundle) *Contents {
	return &Contents{Seq: b.Seq, IssuedAt: b.IssuedAt, NextUpdate: b.NextUpdate, Expires: b.Expires,
		Issuers: b.Issuers, RevokedKeys: b.RevokedKeys, Labels: b.Labels}
}
