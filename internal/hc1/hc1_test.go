package hc1_test

import (
	"bytes"
	"compress/flate"
	"compress/zlib"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/fxamacker/cbor/v2"

	"github.com/hufu-project/hufu/internal/base45"
	"github.com/hufu-project/hufu/internal/hc1"
	"github.com/hufu-project/hufu/internal/hc1test"
)

func newDSC(t testing.TB) *hc1test.DSC {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	d, err := hc1test.NewDSC(k, time.Time{}, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	return d
}

var cert = hc1test.Cert{Country: "AT", IssuedAt: time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC), Expires: time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC), Type: "v"}

func TestInflate(t *testing.T) {
	msg := []byte("a COSE message")
	if got, err := hc1.Inflate(hc1test.Compress(msg)); err != nil || !bytes.Equal(got, msg) {
		t.Fatalf("Inflate = %q, %v", got, err)
	}
	exact := bytes.Repeat([]byte{0xa0}, hc1.MaxInflated)
	if got, err := hc1.Inflate(hc1test.Compress(exact)); err != nil || len(got) != hc1.MaxInflated {
		t.Errorf("exactly MaxInflated: %d bytes, %v", len(got), err)
	}
	// A zip bomb: 1 MiB of zeros compresses to about a kilobyte.
	bomb := hc1test.Compress(make([]byte, 1<<20))
	if len(bomb) > 2048 {
		t.Fatalf("bomb of %d bytes", len(bomb))
	}
	if _, err := hc1.Inflate(bomb); !errors.Is(err, hc1.ErrTooLarge) {
		t.Errorf("zip bomb: %v", err)
	}
	if _, err := hc1.Inflate(hc1test.Compress(append(exact, 0))); !errors.Is(err, hc1.ErrTooLarge) {
		t.Errorf("one byte over: %v", err)
	}

	good := hc1test.Compress(msg)
	var raw bytes.Buffer // raw DEFLATE, without the zlib header
	w, _ := flate.NewWriter(&raw, flate.BestCompression)
	w.Write(msg)
	w.Close()
	var dict bytes.Buffer
	zw, _ := zlib.NewWriterLevelDict(&dict, zlib.BestCompression, []byte("dictionary"))
	zw.Write(msg)
	zw.Close()
	badSum := bytes.Clone(good)
	badSum[len(badSum)-1] ^= 1
	for name, data := range map[string][]byte{
		"empty":          nil,
		"uncompressed":   []byte{0xd2, 0x84, 0x43, 0xa1, 0x01, 0x26},
		"raw deflate":    raw.Bytes(),
		"dictionary":     dict.Bytes(),
		"truncated":      good[:len(good)-5],
		"no checksum":    good[:len(good)-4],
		"bad checksum":   badSum,
		"trailing bytes": append(bytes.Clone(good), 0),
		"two streams":    append(bytes.Clone(good), good...),
	} {
		if _, err := hc1.Inflate(data); !errors.Is(err, hc1.ErrCompression) {
			t.Errorf("%s: %v", name, err)
		}
	}
}

func mustDiag(t *testing.T, b []byte) string {
	t.Helper()
	dm, _ := cbor.DiagOptions{ByteStringEncoding: cbor.ByteStringBase16Encoding}.DiagMode()
	s, err := dm.Diagnose(b)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestParseSign1Variants(t *testing.T) {
	d := newDSC(t)
	payload := hc1test.Payload(cert, nil)
	other := []byte("otherkid")
	for _, tc := range []struct {
		name string
		o    hc1test.Options
		kid  []byte
	}{
		{"tag 18, kid protected", hc1test.Options{}, d.KID()},
		{"untagged", hc1test.Options{Tags: []uint64{}}, d.KID()},
		{"tags 61 and 18", hc1test.Options{Tags: []uint64{61, 18}}, d.KID()},
		{"tag 61 around an untagged array", hc1test.Options{Tags: []uint64{61}}, d.KID()},
		{"kid unprotected", hc1test.Options{KIDIn: hc1test.KIDUnprotected}, d.KID()},
		{"kid in both, same", hc1test.Options{KIDIn: hc1test.KIDBoth}, d.KID()},
		{"kid in both, protected wins", hc1test.Options{KIDIn: hc1test.KIDBoth, OtherKID: other}, d.KID()},
		{"PS256", hc1test.Options{Alg: -37}, d.KID()},
	} {
		msg := hc1test.Sign(d, payload, tc.o)
		m, err := hc1.ParseSign1(msg)
		if err != nil {
			t.Errorf("%s: %v\n%s", tc.name, err, mustDiag(t, msg))
			continue
		}
		if !bytes.Equal(m.KID, tc.kid) || !bytes.Equal(m.Payload, payload) || !bytes.Equal(m.COSE, msg) {
			t.Errorf("%s: kid %x payload %x", tc.name, m.KID, m.Payload)
		}
		// The same through the whole text.
		text := hc1test.Text(msg)
		if m2, err := hc1.Decode(strings.TrimPrefix(text, hc1.Prefix)); err != nil || !bytes.Equal(m2.Signature, m.Signature) {
			t.Errorf("%s: Decode: %v", tc.name, err)
		}
	}
}

// sign1 assembles a COSE_Sign1 message from diagnostic-like parts.
func sign1(t *testing.T, tags []uint64, protected []byte, unprotected any, payload, sig any) []byte {
	t.Helper()
	b, err := cbor.Marshal([]any{protected, unprotected, payload, sig})
	if err != nil {
		t.Fatal(err)
	}
	for i := len(tags) - 1; i >= 0; i-- {
		b, _ = cbor.Marshal(cbor.RawTag{Number: tags[i], Content: b})
	}
	return b
}

func unhex(t *testing.T, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(strings.ReplaceAll(s, " ", ""))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestParseSign1Rejects(t *testing.T) {
	kid := []byte("12345678")
	sig := make([]byte, 64)
	pay := []byte{0xa0}
	prot := func(m map[int]any) []byte {
		b, _ := cbor.Marshal(m)
		return b
	}
	good := prot(map[int]any{1: -7, 4: kid})
	if _, err := hc1.ParseSign1(sign1(t, []uint64{18}, good, map[int]any{}, pay, sig)); err != nil {
		t.Fatalf("baseline: %v", err)
	}
	for name, msg := range map[string][]byte{
		"empty":                  nil,
		"not an array":           unhex(t, "a0"),
		"three elements":         unhex(t, "d2 83 40 a0 40"),
		"five elements":          unhex(t, "d2 85 40 a0 40 40 40"),
		"tag 98 (COSE_Sign)":     sign1(t, []uint64{98}, good, map[int]any{}, pay, sig),
		"tag 17 (COSE_Mac0)":     sign1(t, []uint64{17}, good, map[int]any{}, pay, sig),
		"tag 18 inside tag 18":   sign1(t, []uint64{18, 18}, good, map[int]any{}, pay, sig),
		"tag 61 inside tag 18":   sign1(t, []uint64{18, 61}, good, map[int]any{}, pay, sig),
		"trailing byte":          append(sign1(t, []uint64{18}, good, map[int]any{}, pay, sig), 0),
		"protected not bytes":    sign1(t, nil, nil, map[int]any{}, pay, sig),
		"protected two items":    sign1(t, nil, append(bytes.Clone(good), 0), map[int]any{}, pay, sig),
		"protected not a map":    sign1(t, nil, []byte{0x80}, map[int]any{}, pay, sig),
		"unprotected not a map":  sign1(t, nil, good, []any{}, pay, sig),
		"nil payload":            sign1(t, nil, good, map[int]any{}, nil, sig),
		"text payload":           sign1(t, nil, good, map[int]any{}, "payload", sig),
		"signature not bytes":    sign1(t, nil, good, map[int]any{}, pay, "sig"),
		"no alg":                 sign1(t, nil, prot(map[int]any{4: kid}), map[int]any{}, pay, sig),
		"alg unprotected only":   sign1(t, nil, prot(map[int]any{4: kid}), map[int]any{1: -7}, pay, sig),
		"alg as text":            sign1(t, nil, prot(map[int]any{1: "ES256", 4: kid}), map[int]any{}, pay, sig),
		"no kid":                 sign1(t, nil, prot(map[int]any{1: -7}), map[int]any{}, pay, sig),
		"empty kid":              sign1(t, nil, prot(map[int]any{1: -7, 4: []byte{}}), map[int]any{}, pay, sig),
		"kid as text":            sign1(t, nil, prot(map[int]any{1: -7, 4: "kid"}), map[int]any{}, pay, sig),
		"crit":                   sign1(t, nil, prot(map[int]any{1: -7, 2: []any{4}, 4: kid}), map[int]any{}, pay, sig),
		"crit unprotected":       sign1(t, nil, good, map[int]any{2: []any{4}}, pay, sig),
		"duplicate label":        sign1(t, nil, unhex(t, "a3 01 26 04 48 3132333435363738 01 26"), map[int]any{}, pay, sig),
		"duplicate non-shortest": sign1(t, nil, unhex(t, "a3 01 26 04 48 3132333435363738 1801 26"), map[int]any{}, pay, sig),
		"ES256 signature short":  sign1(t, nil, good, map[int]any{}, pay, sig[:63]),
		"ES256 signature long":   sign1(t, nil, good, map[int]any{}, pay, append(sig, 0)),
		"indefinite array":       unhex(t, "d2 9f 40 a0 40 40 ff"),
	} {
		if _, err := hc1.ParseSign1(msg); !errors.Is(err, hc1.ErrMalformed) {
			t.Errorf("%s: %v", name, err)
		}
	}
	for _, alg := range []int{-8, -35, -36, -38, -257, 0, 1} {
		msg := sign1(t, nil, prot(map[int]any{1: alg, 4: kid}), map[int]any{}, pay, sig)
		if _, err := hc1.ParseSign1(msg); !errors.Is(err, hc1.ErrUnsupportedAlg) {
			t.Errorf("alg %d: %v", alg, err)
		}
	}
	// Other header parameters, and unknown labels, are read and ignored.
	msg := sign1(t, nil, prot(map[int]any{1: -7, 3: "application/cwt", 4: kid, -70000: []any{1, map[string]any{"a": 1}}}),
		map[any]any{"x": 1, 33: []byte{1}}, pay, sig)
	if _, err := hc1.ParseSign1(msg); err != nil {
		t.Errorf("extra headers: %v", err)
	}
	// A non-shortest, unsorted encoding reads like the shortest one.
	lenient := sign1(t, nil, unhex(t, "a2 04 48 3132333435363738 1801 26"), map[int]any{}, pay, sig)
	if m, err := hc1.ParseSign1(lenient); err != nil || m.Alg != hc1.ES256 || string(m.KID) != string(kid) {
		t.Errorf("unsorted, non-shortest protected header: %v", err)
	}
}

func TestParseSign1Bounds(t *testing.T) {
	// Deep nesting in the unprotected header, a huge declared length and
	// a message over the limit are rejected without panics or big
	// allocations.
	deep := append(unhex(t, "84 40 a1 18 21"), bytes.Repeat([]byte{0x81}, 100)...)
	deep = append(deep, 0x00, 0x40, 0x40)
	huge := unhex(t, "84 40 a0 5b 7fffffffffffffff")
	for name, msg := range map[string][]byte{"deep": deep, "huge length": huge} {
		if _, err := hc1.ParseSign1(msg); !errors.Is(err, hc1.ErrMalformed) {
			t.Errorf("%s: %v", name, err)
		}
	}
	if _, err := hc1.ParseSign1(make([]byte, hc1.MaxInflated+1)); !errors.Is(err, hc1.ErrTooLarge) {
		t.Errorf("oversize: %v", err)
	}
}

func TestDecodeErrors(t *testing.T) {
	for name, tc := range map[string]struct {
		text string
		want error
	}{
		"lower case":     {"ncf", hc1.ErrBase45},
		"length 1 mod 3": {"ABCD", hc1.ErrBase45},
		"not zlib":       {base45.EncodeToString([]byte{0xd2, 0x84}), hc1.ErrCompression},
		"zip bomb":       {base45.EncodeToString(hc1test.Compress(make([]byte, 1<<20))), hc1.ErrTooLarge},
		"not COSE":       {base45.EncodeToString(hc1test.Compress([]byte{0})), hc1.ErrMalformed},
	} {
		if _, err := hc1.Decode(tc.text); !errors.Is(err, tc.want) {
			t.Errorf("%s: %v, want %v", name, err, tc.want)
		}
	}
}
