package cbor

import (
	"math"
	"testing"
)

func TestFloat(t *testing.T) {
	tests := []struct {
		in   string
		want float64
	}{
		// RFC 8949 Appendix A.
		{"f9 0000", 0},
		{"f9 3c00", 1},
		{"f9 3e00", 1.5},
		{"f9 7bff", 65504},
		{"f9 0001", 5.960464477539063e-8},
		{"f9 0400", 0.00006103515625},
		{"f9 c400", -4},
		{"f9 7c00", math.Inf(1)},
		{"f9 fc00", math.Inf(-1)},
		{"fa 47c35000", 100000},
		{"fa 7f7fffff", 3.4028234663852886e+38},
		{"fb 3ff199999999999a", 1.1},
		{"fb 41da7afe1b400000", 1777072237}, // an HCERT exp as sent by one issuer
	}
	for _, tc := range tests {
		for _, r := range []*Reader{NewReader(unhex(t, tc.in), testLimits), NewLenientReader(unhex(t, tc.in), testLimits, false)} {
			got, err := r.Float()
			if err != nil || got != tc.want || !r.Done() {
				t.Errorf("Float(%s) = %v, %v; want %v", tc.in, got, err, tc.want)
			}
		}
	}
	if v, err := NewReader(unhex(t, "f9 7e00"), testLimits).Float(); err != nil || !math.IsNaN(v) {
		t.Errorf("NaN: %v, %v", v, err)
	}
	for _, in := range []string{"01", "20", "f4", "f6", "f8 20", "60", "fb 00"} {
		r := NewReader(unhex(t, in), testLimits)
		if _, err := r.Float(); err == nil {
			t.Errorf("Float(%s) accepted", in)
		}
	}
	// A type mismatch leaves the reader where it was.
	r := NewReader(unhex(t, "01"), testLimits)
	if _, err := r.Float(); err == nil || r.Offset() != 0 {
		t.Errorf("offset %d after mismatch", r.Offset())
	}
}
