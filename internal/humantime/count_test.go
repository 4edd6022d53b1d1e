package humantime

import "testing"

func TestPlural(t *testing.T) {
	for _, tc := range []struct {
		n          int
		what, want string
	}{
		{0, "issuer", "0 issuers"}, {1, "issuer", "1 issuer"}, {2, "revoked pass", "2 revoked passes"}, {1, "revoked pass", "1 revoked pass"},
	} {
		if got := Plural(tc.n, tc.what); got != tc.want {
			t.Errorf("Plural(%d, %q) = %q, want %q", tc.n, tc.what, got, tc.want)
		}
	}
}
