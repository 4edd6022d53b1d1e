package base45

import (
	"bytes"
	"errors"
	"fmt"
	"github.com/hufu-project/hufu/testvectors"
	"math/rand/v2"
	"strings"
	"testing"
)

// RFC 9285 §4.3 and §4.4 examples.
var rfcExamples = []struct{ raw, enc string }{
	{"AB", "BB8"},
	{"Hello!!", "%69 VD92EX0"},
	{"base-45", "UJCLQE7W581"},
	{"ietf!", "QED8WEX0"},
	{"", ""},
	{"\x00", "00"},
	{"\xff", "U5"},
	{"\x00\x00", "000"},
	{"\xff\xff", "FGW"},
}

func TestRFCExamples(t *testing.T) {
	for _, tc := range rfcExamples {
		if got := EncodeToString([]byte(tc.raw)); got != tc.enc {
			t.Errorf("EncodeToString(%q) = %q, want %q", tc.raw, got, tc.enc)
		}
		got, err := DecodeString(tc.enc)
		if err != nil {
			t.Errorf("DecodeString(%q): %v", tc.enc, err)
			continue
		}
		if string(got) != tc.raw {
			t.Errorf("DecodeString(%q) = %q, want %q", tc.enc, got, tc.raw)
		}
	}
}

func TestAlphabet(t *testing.T) {
	if len(Alphabet) != 45 {
		t.Fatalf("alphabet has %d characters", len(Alphabet))
	}
	// Every single character decodes (as the low digit of a 2-char group
	// whose high digit is 0) to its index.
	for i := 0; i < 45; i++ {
		got, err := DecodeString(string(Alphabet[i]) + "0")
		if err != nil || len(got) != 1 || int(got[0]) != i {
			t.Errorf("DecodeString(%q) = %v, %v; want [%d]", string(Alphabet[i])+"0", got, err, i)
		}
	}
}

func TestDecodeErrors(t *testing.T) {
	tests := []struct {
		in   string
		want error // ErrLength, CharError(n) or RangeError(n)
	}{
		// Length 1 mod 3.
		{"A", ErrLength},
		{"BB8A", ErrLength},
		{"BB8BB8B", ErrLength},
		// The length check comes first, even with bad characters.
		{"a", ErrLength},
		{"bb8a", ErrLength},

		// Out of range: 3-char groups > 65535, 2-char groups > 255.
		{"GGW", RangeError(0)}, // 16 + 16*45 + 32*2025 = 65536
		{"::::", ErrLength},
		{":::", RangeError(0)}, // 44 + 44*45 + 44*2025 = 91124
		{"BB8GGW", RangeError(3)},
		{"V5", RangeError(0)},    // 31 + 5*45 = 256
		{"::", RangeError(0)},    // 44 + 44*45 = 2024
		{"BB8V5", RangeError(3)}, // final group
		{"GGWV5", RangeError(0)}, // first error wins

		// Characters outside the alphabet, at the right offset.
		{"bb8", CharError(0)},
		{"BB8", nil},
		{"Bb8", CharError(1)},
		{"BBa", CharError(2)},
		{"BB8Bb8", CharError(4)},
		{"BB8ab", CharError(3)},
		{"BB8Ab", CharError(4)},
		{"BB8\x00\x00", CharError(3)},
		{"BB8 \n", CharError(4)},
		{"BB8\xff0", CharError(3)},
		{"é0", CharError(0)},    // 2 bytes of UTF-8 as one 2-char group
		{"0é", CharError(1)},    // 3 bytes
		{"000é0", CharError(3)}, // 6 bytes
		{"BB8=", ErrLength},
		{"BB8==", CharError(3)}, // padding is not Base45
		{"BB8,0", CharError(3)},
		{"BB8#0", CharError(3)},
		{"%69 VD92EX0_", CharError(11)},
		{"%69 VD92EX0\t", CharError(11)},
		{"%69 VD92EX0\t0", ErrLength},
	}
	for _, tc := range tests {
		want := tc.want
		_, err := DecodeString(tc.in)
		checkErr(t, "DecodeString", tc.in, err, want)
		_, err = AppendDecode(nil, tc.in)
		checkErr(t, "AppendDecode", tc.in, err, want)
	}
}

func checkErr(t *testing.T, fn, in string, err, want error) {
	t.Helper()
	switch w := want.(type) {
	case nil:
		if err != nil {
			t.Errorf("%s(%q): unexpected error %v", fn, in, err)
		}
	case CharError:
		var ce CharError
		if !errors.As(err, &ce) || ce != w {
			t.Errorf("%s(%q) error = %v, want CharError(%d)", fn, in, err, int(w))
		}
	case RangeError:
		var re RangeError
		if !errors.As(err, &re) || re != w {
			t.Errorf("%s(%q) error = %v, want RangeError(%d)", fn, in, err, int(w))
		}
	default:
		if !errors.Is(err, want) {
			t.Errorf("%s(%q) error = %v, want %v", fn, in, err, want)
		}
	}
}

// Every lower-case letter is rejected wherever it stands in a group.
func TestLowerCaseRejected(t *testing.T) {
	for c := byte('a'); c <= 'z'; c++ {
		for pos := 0; pos < 3; pos++ {
			in := []byte("000")
			in[pos] = c
			_, err := DecodeString(string(in))
			checkErr(t, "DecodeString", string(in), err, CharError(pos))
		}
	}
}

// Every byte value outside the alphabet is rejected.
func TestNonAlphabetBytes(t *testing.T) {
	for c := 0; c < 256; c++ {
		in := string([]byte{byte(c)}) + "00"
		_, err := DecodeString(in)
		if strings.IndexByte(Alphabet, byte(c)) >= 0 {
			if err != nil {
				t.Errorf("DecodeString(%q): %v", in, err)
			}
			continue
		}
		checkErr(t, "DecodeString", in, err, CharError(0))
	}
}

func TestRoundTripRandom(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for n := 0; n < 300; n++ {
		src := make([]byte, n)
		for i := range src {
			src[i] = byte(rng.Uint32())
		}
		enc := EncodeToString(src)
		if len(enc) != EncodedLen(n) {
			t.Fatalf("len(EncodeToString(%d bytes)) = %d, EncodedLen = %d", n, len(enc), EncodedLen(n))
		}
		for i := 0; i < len(enc); i++ {
			if strings.IndexByte(Alphabet, enc[i]) < 0 {
				t.Fatalf("encoding has %q outside the alphabet", enc[i])
			}
		}
		dec, err := DecodeString(enc)
		if err != nil {
			t.Fatalf("DecodeString(EncodeToString(%x)): %v", src, err)
		}
		if !bytes.Equal(dec, src) {
			t.Fatalf("round trip of %x gave %x", src, dec)
		}
	}
}

func TestAppend(t *testing.T) {
	enc := AppendEncode([]byte("HF1:"), []byte("AB"))
	if string(enc) != "HF1:BB8" {
		t.Errorf("AppendEncode = %q", enc)
	}
	dec, err := AppendDecode([]byte("x"), "BB8")
	if err != nil || string(dec) != "xAB" {
		t.Errorf("AppendDecode = %q, %v", dec, err)
	}
}

func TestLens(t *testing.T) {
	for n := 0; n < 1000; n++ {
		if got := DecodedLen(EncodedLen(n)); got != n {
			t.Errorf("DecodedLen(EncodedLen(%d)) = %d", n, got)
		}
		if EncodedLen(n)%3 == 1 {
			t.Errorf("EncodedLen(%d) = %d is 1 mod 3", n, EncodedLen(n))
		}
	}
	for k := 0; k < 1000; k++ {
		got := DecodedLen(k)
		if k%3 == 1 {
			if got != -1 {
				t.Errorf("DecodedLen(%d) = %d, want -1", k, got)
			}
			continue
		}
		if EncodedLen(got) != k {
			t.Errorf("EncodedLen(DecodedLen(%d)) = %d", k, EncodedLen(got))
		}
	}
}

func ExampleEncodeToString() {
	fmt.Println(EncodeToString([]byte("Hello!!")))
	// Output: %69 VD92EX0
}

func ExampleDecodeString() {
	b, err := DecodeString("QED8WEX0")
	fmt.Printf("%q %v\n", b, err)
	_, err = DecodeString("GGW")
	fmt.Println(err)
	// Output:
	// "ietf!" <nil>
	// base45: value out of range in group at offset 0
}

func seedDecode(f *testing.F) {
	n := 0
	for _, tc := range rfcExamples {
		f.Add(tc.enc)
		n++
	}
	for _, s := range []string{"GGW", "V5", "bb8", "BB8A", "FGW", "U5", "::", ":::"} {
		f.Add(s)
		n++
	}
	if n == 0 {
		f.Fatal("no seeds")
	}
}

// FuzzDecode checks that decoding never panics, that every error is one of
// the documented kinds with a plausible offset, and that the decoder is
// strict: whatever it accepts re-encodes to exactly the input.
func FuzzDecode(f *testing.F) {
	seedDecode(f)
	// Seeds from the test vectors: the Base45 part of every pass text.
	seeds := 0
	for _, text := range testvectors.Texts() {
		if strings.HasPrefix(text, "HF1:") {
			f.Add(strings.TrimPrefix(text, "HF1:"))
			seeds++
		}
	}
	if seeds == 0 {
		f.Fatal("no seeds from the test vectors")
	}
	f.Fuzz(func(t *testing.T, s string) {
		b, err := DecodeString(s)
		if err != nil {
			var ce CharError
			var re RangeError
			switch {
			case errors.Is(err, ErrLength):
				if len(s)%3 != 1 {
					t.Fatalf("ErrLength for length %d", len(s))
				}
			case errors.As(err, &ce):
				if int(ce) < 0 || int(ce) >= len(s) || strings.IndexByte(Alphabet, s[ce]) >= 0 {
					t.Fatalf("CharError(%d) for %q", int(ce), s)
				}
			case errors.As(err, &re):
				if int(re) < 0 || int(re)%3 != 0 || int(re) >= len(s) {
					t.Fatalf("RangeError(%d) for %q", int(re), s)
				}
			default:
				t.Fatalf("unexpected error type %T: %v", err, err)
			}
			return
		}
		if len(b) != DecodedLen(len(s)) {
			t.Fatalf("decoded %d bytes, DecodedLen says %d", len(b), DecodedLen(len(s)))
		}
		if got := EncodeToString(b); got != s {
			t.Fatalf("DecodeString(%q) re-encodes to %q", s, got)
		}
	})
}

func FuzzRoundTrip(f *testing.F) {
	for _, tc := range rfcExamples {
		f.Add([]byte(tc.raw))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		s := EncodeToString(b)
		got, err := DecodeString(s)
		if err != nil {
			t.Fatalf("DecodeString(EncodeToString(%x)): %v", b, err)
		}
		if !bytes.Equal(got, b) {
			t.Fatalf("round trip of %x gave %x", b, got)
		}
	})
}
