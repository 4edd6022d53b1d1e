package pass

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"errors"
	"testing"
)

func TestHolderKeyRoundTrip(t *testing.T) {
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	p := fullPass()
	if p.HolderKey, err = CompressHolderKey(&k.PublicKey); err != nil {
		t.Fatal(err)
	}
	if len(p.HolderKey) != HolderKeySize || (p.HolderKey[0] != 2 && p.HolderKey[0] != 3) {
		t.Fatalf("holder key %x", p.HolderKey)
	}
	b := mustClaims(t, p)
	// The holder key comes last: key -7 (0x26), then a 33-byte string.
	if tail := append([]byte{0x26, 0x58, 0x21}, p.HolderKey...); !bytes.HasSuffix(b, tail) {
		t.Fatalf("claims %x do not end with %x", b, tail)
	}
	got, err := ParseClaims(b)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got.HolderKey, p.HolderKey) {
		t.Fatalf("holder key %x, want %x", got.HolderKey, p.HolderKey)
	}
	pub, err := got.HolderPublicKey()
	if err != nil || !pub.Equal(&k.PublicKey) {
		t.Fatalf("HolderPublicKey = %v, %v", pub, err)
	}
	if again := mustClaims(t, got); !bytes.Equal(again, b) {
		t.Fatalf("re-encoding differs")
	}
	// A changed HolderKey is not answered from the cache.
	other, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	got.HolderKey, _ = CompressHolderKey(&other.PublicKey)
	if pub, err := got.HolderPublicKey(); err != nil || !pub.Equal(&other.PublicKey) {
		t.Fatalf("after a change, HolderPublicKey = %v, %v", pub, err)
	}
	got.HolderKey = nil
	if _, err := got.HolderPublicKey(); !errors.Is(err, ErrInvalid) {
		t.Fatalf("no holder key: %v", err)
	}
}

func TestHolderKeyRejects(t *testing.T) {
	k, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	good, _ := CompressHolderKey(&k.PublicKey)
	tooLarge := append([]byte{2}, bytes.Repeat([]byte{0xff}, 32)...)
	notOnCurve := offCurveX(t)
	for name, hk := range map[string][]byte{
		"empty":         {},
		"uncompressed":  elliptic.Marshal(elliptic.P256(), k.X, k.Y), //nolint:staticcheck // the form to reject
		"prefix 04":     append([]byte{4}, good[1:]...),
		"prefix 00":     append([]byte{0}, good[1:]...),
		"32 bytes":      good[:32],
		"34 bytes":      append(append([]byte(nil), good...), 0),
		"x ≥ p":         tooLarge,
		"off the curve": notOnCurve,
	} {
		if _, err := ParseHolderKey(hk); !errors.Is(err, ErrInvalid) {
			t.Errorf("%s: ParseHolderKey: %v", name, err)
		}
		p := fullPass()
		p.HolderKey = hk
		if _, err := p.AppendClaims(nil); !errors.Is(err, ErrInvalid) {
			t.Errorf("%s: AppendClaims: %v", name, err)
		}
		// Encoded by hand, the claims do not decode.
		p.HolderKey = nil
		b := mustClaims(t, p)
		b[0]++
		b = append(append(b, 0x26), append([]byte{0x40 + byte(len(hk))}, hk...)...)
		if len(hk) >= 24 {
			b = append(b[:len(b)-len(hk)-1], append([]byte{0x58, byte(len(hk))}, hk...)...)
		}
		if _, err := ParseClaims(b); !errors.Is(err, ErrInvalid) {
			t.Errorf("%s: ParseClaims(%x): %v", name, b, err)
		}
	}
	p384, _ := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	if _, err := CompressHolderKey(&p384.PublicKey); err == nil {
		t.Error("compressed a P-384 key")
	}
}

// offCurveX returns a compressed "point" whose x is below the field prime
// but not the x of any point on P-256.
func offCurveX(t *testing.T) []byte {
	for x := byte(1); x < 255; x++ {
		b := make([]byte, HolderKeySize)
		b[0], b[32] = 2, x
		if px, _ := elliptic.UnmarshalCompressed(elliptic.P256(), b); px == nil {
			return b
		}
	}
	t.Fatal("no x off the curve below 255")
	return nil
}
