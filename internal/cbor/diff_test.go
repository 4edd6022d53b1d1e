package cbor

import (
	"bytes"
	"encoding/hex"
	"errors"
	"math"
	"math/big"
	"strings"
	"testing"

	fx "github.com/fxamacker/cbor/v2"
)

// A second, independent CBOR implementation with the strictest options it
// has, used to cross-check the canonical reader.
var (
	fxDec fx.DecMode
	fxEnc fx.EncMode
)

func init() {
	var err error
	fxDec, err = fx.DecOptions{
		DupMapKey:        fx.DupMapKeyEnforcedAPF,
		IndefLength:      fx.IndefLengthForbidden,
		TagsMd:           fx.TagsForbidden,
		UTF8:             fx.UTF8RejectInvalid,
		MaxNestedLevels:  32,
		MaxArrayElements: 1 << 16,
		MaxMapPairs:      1 << 16,
		IntDec:           fx.IntDecConvertNone,
		BigIntDec:        fx.BigIntDecodeValue,
	}.DecMode()
	if err != nil {
		panic(err)
	}
	fxEnc, err = fx.CoreDetEncOptions().EncMode()
	if err != nil {
		panic(err)
	}
}

var diffLimits = Limits{MaxDepth: 32, MaxItems: 1 << 12, MaxLen: 1 << 16}

// hasUnhashableKey reports whether fxamacker's error is that it could not
// build a Go map with an array or map as a key, which CBOR allows.
func hasUnhashableKey(err error) bool {
	var ke *fx.InvalidMapKeyTypeError
	return errors.As(err, &ke)
}

// checkAgainstFx asserts that an item the canonical reader accepts is
// accepted by fxamacker's strict decoder and re-encodes, with its Core
// Deterministic options, to the same bytes; and, conversely, that an item
// fxamacker decodes and re-encodes unchanged, using only what HF1 allows
// (no floats, no simple values but false, true and null), is accepted.
func checkAgainstFx(t *testing.T, b []byte) {
	t.Helper()
	r := NewReader(b, diffLimits)
	_, err := r.Skip(0)
	ours := err == nil && r.Done()

	var v any
	fxErr := fxDec.Unmarshal(b, &v)
	if ours {
		if fxErr != nil {
			if hasUnhashableKey(fxErr) {
				if werr := fxDec.Wellformed(b); werr != nil {
					t.Fatalf("Skip accepted %x; fxamacker: %v", b, werr)
				}
				return
			}
			t.Fatalf("Skip accepted %x; fxamacker rejected it: %v", b, fxErr)
		}
		enc, err := fxEnc.Marshal(v)
		if err != nil {
			t.Fatalf("fxamacker cannot re-encode %x: %v", b, err)
		}
		if !bytes.Equal(enc, b) {
			t.Fatalf("Skip accepted %x; deterministic re-encoding is %x", b, enc)
		}
		return
	}
	if fxErr != nil || !onlyHF1Values(v) {
		return
	}
	enc, err := fxEnc.Marshal(v)
	if err == nil && bytes.Equal(enc, b) {
		t.Fatalf("fxamacker finds %x canonical, Skip rejected it: %v", b, err)
	}
}

// onlyHF1Values reports whether v holds nothing the canonical reader
// refuses by policy rather than form: floats and simple values.
func onlyHF1Values(v any) bool {
	switch v := v.(type) {
	case nil, bool, uint64, int64, string, []byte, big.Int, fx.ByteString:
		return true
	case []any:
		for _, e := range v {
			if !onlyHF1Values(e) {
				return false
			}
		}
		return true
	case map[any]any:
		for k, e := range v {
			if !onlyHF1Values(k) || !onlyHF1Values(e) {
				return false
			}
		}
		return true
	}
	return false // float64, fx.SimpleValue, ...
}

func diffSeeds() [][]byte {
	var seeds [][]byte
	for _, v := range []uint64{0, 23, 24, 255, 256, 65535, 65536, math.MaxUint32, math.MaxUint32 + 1, math.MaxUint64} {
		seeds = append(seeds, AppendHead(nil, Uint, v), AppendHead(nil, Neg, v))
	}
	seeds = append(seeds,
		AppendInt(nil, math.MinInt64),
		AppendText(nil, "张三 Müller"),
		AppendBytes(nil, make([]byte, 300)),
		[]byte{0xf4}, []byte{0xf5}, []byte{0xf6}, []byte{0xf7}, []byte{0xf9, 0x3c, 0},
		[]byte{0x80}, []byte{0xa0},
	)
	m := AppendHead(nil, Map, 4)
	m = AppendInt(m, 1)
	m = AppendText(m, "310000")
	m = AppendInt(m, 24)
	m = AppendHead(m, Array, 2)
	m = AppendBytes(m, []byte{1, 2})
	m = AppendHead(m, Map, 0)
	m = AppendInt(m, -1)
	m = append(m, 0xf5)
	m = AppendText(m, "k")
	m = append(m, 0xf6)
	seeds = append(seeds, m)
	for _, tc := range rejectCanonical {
		seeds = append(seeds, mustUnhex(tc.in))
	}
	return seeds
}

func mustUnhex(s string) []byte {
	b, err := hex.DecodeString(strings.ReplaceAll(s, " ", ""))
	if err != nil {
		panic(err)
	}
	return b
}

func TestDifferential(t *testing.T) {
	seeds := diffSeeds()
	if len(seeds) == 0 {
		t.Fatal("no seeds")
	}
	for _, b := range seeds {
		checkAgainstFx(t, b)
	}
	// Every head the writer makes is what fxamacker would make.
	for _, v := range []int64{0, 1, 23, 24, -24, -25, 255, 256, -256, -257, 65535, 65536,
		-65536, -65537, math.MaxUint32, math.MaxUint32 + 1, -1 << 32, -1<<32 - 1,
		math.MaxInt64, math.MinInt64} {
		want, err := fxEnc.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		if got := AppendInt(nil, v); !bytes.Equal(got, want) {
			t.Errorf("AppendInt(%d) = %x, fxamacker %x", v, got, want)
		}
	}
	for _, n := range []int{0, 23, 24, 255, 256, 65535, 65536} {
		want, _ := fxEnc.Marshal(strings.Repeat("a", n))
		if got := AppendText(nil, strings.Repeat("a", n)); !bytes.Equal(got, want) {
			t.Errorf("AppendText of %d bytes differs from fxamacker", n)
		}
		want, _ = fxEnc.Marshal(make([]byte, n))
		if got := AppendBytes(nil, make([]byte, n)); !bytes.Equal(got, want) {
			t.Errorf("AppendBytes of %d bytes differs from fxamacker", n)
		}
	}
}

// FuzzSkip checks that the canonical reader's Skip never panics, returns
// exactly the bytes it consumed, fails only with *Error or ErrTruncated,
// and agrees with fxamacker/cbor (see checkAgainstFx).
func FuzzSkip(f *testing.F) {
	for _, b := range diffSeeds() {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		r := NewReader(b, diffLimits)
		item, err := r.Skip(0)
		if err != nil {
			var e *Error
			if !errors.As(err, &e) && !errors.Is(err, ErrTruncated) {
				t.Fatalf("Skip(%x): error of type %T: %v", b, err, err)
			}
			if e != nil && (e.Offset < 0 || e.Offset >= len(b)) {
				t.Fatalf("Skip(%x): error offset %d out of range", b, e.Offset)
			}
		} else if !bytes.Equal(item, b[:r.Offset()]) {
			t.Fatalf("Skip(%x) returned %x but consumed %d bytes", b, item, r.Offset())
		}

		// The lenient reader accepts a superset of the canonical one.
		lr := NewLenientReader(b, diffLimits, true)
		litem, lerr := lr.Skip(0)
		if err == nil && (lerr != nil || !bytes.Equal(litem, item)) {
			t.Fatalf("canonical Skip accepted %x, lenient Skip: %x, %v", b, litem, lerr)
		}

		checkAgainstFx(t, b)
	})
}
