package qr

import "testing"

func TestParseLevel(t *testing.T) {
	for _, l := range []Level{L, M, Q, H} {
		for _, s := range []string{l.String(), string(l.String()[0] + 'a' - 'A')} {
			got, ok := ParseLevel(s)
			if !ok || got != l {
				t.Errorf("ParseLevel(%q) = %v, %v; want %v", s, got, ok, l)
			}
		}
	}
	for _, s := range []string{"", "X", "LL", " M", "m "} {
		if got, ok := ParseLevel(s); ok {
			t.Errorf("ParseLevel(%q) = %v, want not ok", s, got)
		}
	}
}
