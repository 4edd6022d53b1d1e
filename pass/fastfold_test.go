package pass

import "testing"

// FuzzNormalizeFast: the table-free path of NormalizeName gives the same
// result as the general one wherever it applies.
func FuzzNormalizeFast(f *testing.F) {
	for _, s := range []string{"张三", "Zhang San", "ZHANG  san", "王 Wang", "\t李四\n", "㐀䶿一鿿", "A-B.C", "x\x00y", "~!@#$%^&*()"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		fast, ok := fastFold(s)
		if !ok {
			return
		}
		if slow := slowFold(s); fast != slow {
			t.Fatalf("fastFold(%q) = %q, slowFold = %q", s, fast, slow)
		}
	})
}

func TestFastFoldApplies(t *testing.T) {
	for _, s := range []string{"张三", "Zhang San", "王 Wang"} {
		if _, ok := fastFold(s); !ok {
			t.Errorf("fastFold(%q) not taken", s)
		}
	}
	for _, s := range []string{"Müller", "ｚｈａｎｇ", "\uF900", "ß"} { // U+F900 is a compatibility ideograph
		if _, ok := fastFold(s); ok {
			t.Errorf("fastFold(%q) taken", s)
		}
	}
}
