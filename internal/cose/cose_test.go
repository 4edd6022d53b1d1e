package cose

import (
	"bytes"
	"errors"
	"github.com/hufu-project/hufu/testvectors"
	"testing"

	"github.com/hufu-project/hufu/internal/cbor"
)

var (
	testKID     = []byte{0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88}
	testPayload = []byte{0xa1, 0x01, 0x66, '3', '1', '0', '0', '0', '0'}
	testSig     = bytes.Repeat([]byte{0x5a}, SignatureSize)
)

func validMessage(alg Alg) []byte {
	return AppendSign1(nil, AppendProtected(nil, alg, testKID), testPayload, testSig)
}

func TestRoundTrip(t *testing.T) {
	for _, alg := range []Alg{ES256, EdDSA} {
		prot := AppendProtected(nil, alg, testKID)
		msg := AppendSign1(nil, prot, testPayload, testSig)
		m, err := ParseSign1(msg)
		if err != nil {
			t.Fatalf("%v: ParseSign1: %v", alg, err)
		}
		if m.Alg != alg || !bytes.Equal(m.KID, testKID) || !bytes.Equal(m.Protected, prot) ||
			!bytes.Equal(m.Payload, testPayload) || !bytes.Equal(m.Signature, testSig) {
			t.Errorf("%v: ParseSign1 = %+v", alg, m)
		}
		if got := AppendSign1(nil, m.Protected, m.Payload, m.Signature); !bytes.Equal(got, msg) {
			t.Errorf("%v: re-encoding differs", alg)
		}
		// The slices alias the input.
		if &m.Signature[0] != &msg[len(msg)-SignatureSize] {
			t.Errorf("%v: Signature does not alias the input", alg)
		}
	}
	// Golden bytes: tag 18, array of 4, protected {1: -8, 4: kid}, {}, payload, sig.
	want := append([]byte{0xd2, 0x84, 0x4d, 0xa2, 0x01, 0x27, 0x04, 0x48}, testKID...)
	want = append(want, 0xa0, 0x49)
	want = append(want, testPayload...)
	want = append(want, 0x58, 0x40)
	want = append(want, testSig...)
	if got := validMessage(EdDSA); !bytes.Equal(got, want) {
		t.Errorf("AppendSign1 = %x\nwant           %x", got, want)
	}
	// An empty payload is allowed.
	msg := AppendSign1(nil, AppendProtected(nil, ES256, testKID), nil, testSig)
	if m, err := ParseSign1(msg); err != nil || len(m.Payload) != 0 {
		t.Errorf("empty payload: %+v, %v", m, err)
	}
}

func TestToBeSigned(t *testing.T) {
	prot := AppendProtected(nil, ES256, testKID)
	got := AppendToBeSigned(nil, prot, testPayload)
	want := []byte{0x84, 0x6a}
	want = append(want, "Signature1"...)
	want = append(want, 0x4d)
	want = append(want, prot...)
	want = append(want, 0x40, 0x49)
	want = append(want, testPayload...)
	if !bytes.Equal(got, want) {
		t.Errorf("AppendToBeSigned = %x\nwant %x", got, want)
	}
}

func TestAlgString(t *testing.T) {
	for alg, want := range map[Alg]string{ES256: "ES256", EdDSA: "EdDSA", -35: "alg(-35)"} {
		if alg.String() != want {
			t.Errorf("Alg(%d).String() = %q", int64(alg), alg.String())
		}
	}
}

// Builders for malformed messages.

type pair struct{ k, v []byte }

func ienc(v int64) []byte  { return cbor.AppendInt(nil, v) }
func benc(b []byte) []byte { return cbor.AppendBytes(nil, b) }
func hdr(pairs ...pair) []byte {
	b := cbor.AppendHead(nil, cbor.Map, uint64(len(pairs)))
	for _, p := range pairs {
		b = append(append(b, p.k...), p.v...)
	}
	return b
}

var (
	algES256 = pair{ienc(HeaderAlg), ienc(int64(ES256))}
	kidPair  = pair{ienc(HeaderKID), benc(testKID)}
)

// sign1 builds tag 18 [protected-bstr, unprotected, payload, sig] from
// encoded parts.
func sign1(prot, unprot, payload, sig []byte) []byte {
	b := cbor.AppendHead(nil, cbor.Tag, TagSign1)
	b = cbor.AppendHead(b, cbor.Array, 4)
	b = append(b, prot...)
	b = append(b, unprot...)
	b = append(b, payload...)
	return append(b, sig...)
}

func withProtected(h []byte) []byte {
	return sign1(benc(h), []byte{0xa0}, benc(testPayload), benc(testSig))
}

func cat(parts ...[]byte) []byte { return bytes.Join(parts, nil) }

func TestParseSign1Rejects(t *testing.T) {
	good := validMessage(ES256)
	untagged := good[1:]
	goodProt := benc(AppendProtected(nil, ES256, testKID))
	arr := func(n uint64, items ...[]byte) []byte {
		return cat(cbor.AppendHead(cbor.AppendHead(nil, cbor.Tag, TagSign1), cbor.Array, n), cat(items...))
	}
	big := make([]byte, MaxMessage)

	tests := []struct {
		name string
		in   []byte
	}{
		{"empty", nil},
		{"untagged", untagged},
		{"tag 98 (COSE_Sign)", cat([]byte{0xd8, 0x62}, untagged)},
		{"tag 61 (CWT)", cat([]byte{0xd8, 0x3d}, untagged)},
		{"tag 61 around tag 18", cat([]byte{0xd8, 0x3d}, good)},
		{"tag 17 (COSE_Mac0)", cat([]byte{0xd1}, untagged)},
		{"tag 18 non-shortest", cat([]byte{0xd8, 0x12}, untagged)},
		{"tag 18 twice", cat([]byte{0xd2}, good)},
		{"tag 18 around a map", cat([]byte{0xd2, 0xa0})},
		{"array of 3", arr(3, goodProt, []byte{0xa0}, benc(testPayload))},
		{"array of 5", arr(5, goodProt, []byte{0xa0}, benc(testPayload), benc(testSig), benc(nil))},
		{"array head non-shortest", cat([]byte{0xd2, 0x98, 0x04}, good[2:])},
		{"indefinite array", cat([]byte{0xd2, 0x9f}, good[2:], []byte{0xff})},

		{"crit header", withProtected(hdr(algES256, pair{ienc(HeaderCrit), []byte{0x81, 0x01}}, kidPair))},
		{"content type label 3", withProtected(hdr(algES256, pair{ienc(3), ienc(0)}, kidPair))},
		{"IV label 5", withProtected(hdr(algES256, kidPair, pair{ienc(5), benc(nil)}))},
		{"label 0", withProtected(hdr(pair{ienc(0), ienc(0)}, algES256, kidPair))},
		{"negative label", withProtected(hdr(algES256, kidPair, pair{ienc(-1), ienc(0)}))},
		{"text label", withProtected(hdr(algES256, kidPair, pair{cbor.AppendText(nil, "x"), ienc(0)}))},
		{"text alg", withProtected(hdr(pair{ienc(HeaderAlg), cbor.AppendText(nil, "ES256")}, kidPair))},
		{"alg missing", withProtected(hdr(kidPair))},
		{"kid missing", withProtected(hdr(algES256))},
		{"empty protected map", withProtected(hdr())},
		{"empty protected bstr", sign1(benc(nil), []byte{0xa0}, benc(testPayload), benc(testSig))},
		{"protected not a bstr", sign1(hdr(algES256, kidPair), []byte{0xa0}, benc(testPayload), benc(testSig))},
		{"kid of 7 bytes", withProtected(hdr(algES256, pair{ienc(HeaderKID), benc(testKID[:7])}))},
		{"kid of 9 bytes", withProtected(hdr(algES256, pair{ienc(HeaderKID), benc(append(testKID[:8:8], 0))}))},
		{"kid of 0 bytes", withProtected(hdr(algES256, pair{ienc(HeaderKID), benc(nil)}))},
		{"kid as text", withProtected(hdr(algES256, pair{ienc(HeaderKID), cbor.AppendText(nil, "12345678")}))},
		{"keys out of order", withProtected(hdr(kidPair, algES256))},
		{"duplicate alg", withProtected(hdr(algES256, algES256, kidPair))},
		{"duplicate kid", withProtected(hdr(algES256, kidPair, kidPair))},
		{"alg label non-shortest", withProtected(hdr(pair{[]byte{0x18, 0x01}, ienc(-7)}, kidPair))},
		{"alg value non-shortest", withProtected(hdr(pair{ienc(HeaderAlg), []byte{0x38, 0x06}}, kidPair))},
		{"kid length non-shortest", withProtected(hdr(algES256, pair{ienc(HeaderKID), cat([]byte{0x58, 0x08}, testKID)}))},
		{"protected map head non-shortest", withProtected(cat([]byte{0xb8, 0x02}, algES256.k, algES256.v, kidPair.k, kidPair.v))},
		{"protected bstr head non-shortest", sign1(cat([]byte{0x58, 0x0d}, AppendProtected(nil, ES256, testKID)), []byte{0xa0}, benc(testPayload), benc(testSig))},
		{"protected indefinite map", withProtected(cat([]byte{0xbf}, algES256.k, algES256.v, kidPair.k, kidPair.v, []byte{0xff}))},
		{"protected trailing byte", withProtected(cat(AppendProtected(nil, ES256, testKID), []byte{0x00}))},
		{"protected map of 3 with 2 pairs", withProtected(cat([]byte{0xa3}, algES256.k, algES256.v, kidPair.k, kidPair.v))},

		{"unprotected {4: kid}", sign1(goodProt, hdr(kidPair), benc(testPayload), benc(testSig))},
		{"unprotected {1: -7}", sign1(goodProt, hdr(algES256), benc(testPayload), benc(testSig))},
		{"unprotected {\"x\": 0}", sign1(goodProt, hdr(pair{cbor.AppendText(nil, "x"), ienc(0)}), benc(testPayload), benc(testSig))},
		{"unprotected non-shortest empty map", sign1(goodProt, []byte{0xb8, 0x00}, benc(testPayload), benc(testSig))},
		{"unprotected as bstr", sign1(goodProt, benc(nil), benc(testPayload), benc(testSig))},

		{"detached payload (nil)", sign1(goodProt, []byte{0xa0}, []byte{0xf6}, benc(testSig))},
		{"text payload", sign1(goodProt, []byte{0xa0}, cbor.AppendText(nil, "x"), benc(testSig))},
		{"payload non-shortest length", sign1(goodProt, []byte{0xa0}, cat([]byte{0x58, 0x09}, testPayload), benc(testSig))},
		{"signature of 63 bytes", sign1(goodProt, []byte{0xa0}, benc(testPayload), benc(testSig[:63]))},
		{"signature of 65 bytes", sign1(goodProt, []byte{0xa0}, benc(testPayload), benc(append(testSig[:64:64], 0)))},
		{"signature of 96 bytes (ES384 size)", sign1(goodProt, []byte{0xa0}, benc(testPayload), benc(make([]byte, 96)))},
		{"empty signature", sign1(goodProt, []byte{0xa0}, benc(testPayload), benc(nil))},
		{"signature as array", sign1(goodProt, []byte{0xa0}, benc(testPayload), []byte{0x80})},

		{"trailing byte", cat(good, []byte{0x00})},
		{"trailing message", cat(good, good)},
		{"oversize", sign1(goodProt, []byte{0xa0}, benc(big), benc(testSig))},
	}
	for _, tc := range tests {
		m, err := ParseSign1(tc.in)
		if !errors.Is(err, ErrMalformed) {
			t.Errorf("%s: ParseSign1(%x) = %+v, %v; want ErrMalformed", tc.name, tc.in, m, err)
		}
		if errors.Is(err, ErrUnsupportedAlg) {
			t.Errorf("%s: error %v is also ErrUnsupportedAlg", tc.name, err)
		}
	}
}

func TestParseSign1EveryPrefix(t *testing.T) {
	msg := validMessage(EdDSA)
	for i := 0; i < len(msg); i++ {
		if _, err := ParseSign1(msg[:i]); !errors.Is(err, ErrMalformed) {
			t.Errorf("prefix of %d bytes: %v, want ErrMalformed", i, err)
		}
	}
}

func TestMaxMessage(t *testing.T) {
	prot := AppendProtected(nil, ES256, testKID)
	overhead := len(AppendSign1(nil, prot, make([]byte, 1000), testSig)) - 1000
	payload := make([]byte, MaxMessage-overhead)
	msg := AppendSign1(nil, prot, payload, testSig)
	if len(msg) != MaxMessage {
		t.Fatalf("built %d bytes, want %d", len(msg), MaxMessage)
	}
	if _, err := ParseSign1(msg); err != nil {
		t.Errorf("message of exactly MaxMessage bytes: %v", err)
	}
	msg = AppendSign1(nil, prot, append(payload, 0), testSig)
	if _, err := ParseSign1(msg); !errors.Is(err, ErrMalformed) {
		t.Errorf("message of MaxMessage+1 bytes: %v, want ErrMalformed", err)
	}
}

// ParseSign1Max applies the same rules to larger messages, up to its limit.
func TestParseSign1Max(t *testing.T) {
	prot := AppendProtected(nil, EdDSA, testKID)
	payload := bytes.Repeat([]byte{7}, 100_000)
	msg := AppendSign1(nil, prot, payload, testSig)
	if _, err := ParseSign1(msg); !errors.Is(err, ErrMalformed) {
		t.Errorf("ParseSign1 of %d bytes: %v, want ErrMalformed", len(msg), err)
	}
	m, err := ParseSign1Max(msg, len(msg))
	if err != nil || !bytes.Equal(m.Payload, payload) || m.Alg != EdDSA {
		t.Fatalf("ParseSign1Max: %v", err)
	}
	if _, err := ParseSign1Max(msg, len(msg)-1); !errors.Is(err, ErrMalformed) {
		t.Errorf("one byte over the limit: %v", err)
	}
	if _, err := ParseSign1Max(append(msg, 0), len(msg)+1); !errors.Is(err, ErrMalformed) {
		t.Errorf("trailing byte: %v", err)
	}
	// The header rules do not loosen with the size.
	bad := AppendSign1(nil, append(AppendProtected(nil, EdDSA, testKID)[:0:0], 0xa1, 0x01, 0x27), payload, testSig)
	if _, err := ParseSign1Max(bad, len(bad)); !errors.Is(err, ErrMalformed) {
		t.Errorf("no kid: %v", err)
	}
}

func TestUnsupportedAlg(t *testing.T) {
	for _, alg := range []int64{
		-35,  // ES384
		-36,  // ES512
		-257, // RS256
		-37,  // PS256
		-47,  // ES256K
		-19,  // Ed25519 (fully specified)
		0, 1, 5, -6,
	} {
		msg := withProtected(hdr(pair{ienc(HeaderAlg), ienc(alg)}, kidPair))
		_, err := ParseSign1(msg)
		if !errors.Is(err, ErrUnsupportedAlg) {
			t.Errorf("alg %d: %v, want ErrUnsupportedAlg", alg, err)
		}
		if errors.Is(err, ErrMalformed) {
			t.Errorf("alg %d: error is also ErrMalformed", alg)
		}
	}
}

// TestFormBeforeAlg: a message that is malformed after a header with an
// unsupported algorithm is malformed, not unsupported_alg: the form comes
// first, as go-cose sees it (found by FuzzOracleEnvelope in package
// verifier).
func TestFormBeforeAlg(t *testing.T) {
	whole := AppendSign1(nil, AppendProtected(nil, -17, testKID), testPayload, testSig)
	if _, err := ParseSign1(whole); !errors.Is(err, ErrUnsupportedAlg) {
		t.Fatalf("whole message: %v, want ErrUnsupportedAlg", err)
	}
	prot := AppendProtected(nil, -17, testKID)
	for _, bad := range [][]byte{
		whole[:2+len(prot)+1], // cut after the protected header
		AppendSign1(nil, prot, testPayload, testSig[:63]),
		append(bytes.Clone(whole), 0),
		sign1(benc(prot), hdr(kidPair), benc(testPayload), benc(testSig)),
	} {
		if _, err := ParseSign1(bad); !errors.Is(err, ErrMalformed) || errors.Is(err, ErrUnsupportedAlg) {
			t.Errorf("%x: %v, want ErrMalformed only", bad, err)
		}
	}
}

// FuzzParseSign1 checks that ParseSign1 never panics, that it fails with
// exactly one of its two errors, and that whatever it accepts is exactly
// what AppendSign1 and AppendProtected write.
func FuzzParseSign1(f *testing.F) {
	n := 0
	for _, alg := range []Alg{ES256, EdDSA, -35} {
		f.Add(AppendSign1(nil, AppendProtected(nil, alg, testKID), testPayload, testSig))
		f.Add(AppendSign1(nil, AppendProtected(nil, alg, testKID), nil, testSig))
		n += 2
	}
	f.Add(withProtected(hdr(algES256, pair{ienc(HeaderCrit), []byte{0x81, 0x01}}, kidPair)))
	f.Add(sign1(benc(AppendProtected(nil, ES256, testKID)), hdr(kidPair), benc(testPayload), benc(testSig)))
	n += 2
	for _, m := range testvectors.COSEs() { // the test vectors' messages
		f.Add(m)
		n++
	}
	if n == 0 {
		f.Fatal("no seeds")
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := ParseSign1(b)
		if err != nil {
			if errors.Is(err, ErrMalformed) == errors.Is(err, ErrUnsupportedAlg) {
				t.Fatalf("ParseSign1(%x): error %v is not exactly one of ErrMalformed, ErrUnsupportedAlg", b, err)
			}
			return
		}
		if m.Alg != ES256 && m.Alg != EdDSA {
			t.Fatalf("ParseSign1(%x) accepted alg %v", b, m.Alg)
		}
		if len(m.KID) != KIDSize || len(m.Signature) != SignatureSize || len(b) > MaxMessage {
			t.Fatalf("ParseSign1(%x) accepted kid %x, signature of %d bytes", b, m.KID, len(m.Signature))
		}
		if got := AppendProtected(nil, m.Alg, m.KID); !bytes.Equal(got, m.Protected) {
			t.Fatalf("protected header %x re-encodes to %x", m.Protected, got)
		}
		if got := AppendSign1(nil, m.Protected, m.Payload, m.Signature); !bytes.Equal(got, b) {
			t.Fatalf("ParseSign1(%x) re-encodes to %x", b, got)
		}
	})
}
