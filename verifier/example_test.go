package verifier_test

import (
	"errors"
	"fmt"
	"time"

	"github.com/hufu-project/hufu/keys"
	"github.com/hufu-project/hufu/testvectors"
	"github.com/hufu-project/hufu/verifier"
)

func ExampleVerify() {
	// A trust file and a pass from the test vectors; a real app loads its
	// trust with keys.ReadTrustFile and gets the text from a QR reader.
	var v testvectors.Vector
	for _, x := range must(testvectors.All()) {
		if x.Name == "valid_es256_full" {
			v = x
		}
	}
	trust := must(keys.ParseTrust(v.Trust))
	now := time.Date(2026, 6, 1, 8, 0, 0, 0, time.UTC)

	p, err := verifier.Verify(v.Text, trust, verifier.Options{Now: now})
	if err != nil {
		fmt.Println("not valid:", err)
		return
	}
	fmt.Println(p.Decision(), p.Colour, p.Reason, p.Hints.Names())
	fmt.Println("issuer", p.Issuer, "expires", p.ExpiresAt.Format(time.RFC3339))
	fmt.Println("name matches:", p.NameMatches("张 三"), p.NameMatches("李四"))

	// A day later it has expired.
	_, err = verifier.Verify(v.Text, trust, verifier.Options{Now: now.Add(48 * time.Hour)})
	fmt.Println(errors.Is(err, verifier.Expired), err)
	// Output:
	// observe yellow key_region_arrival [health_registration test_suggested]
	// issuer 310000 expires 2026-06-02T07:00:00Z
	// name matches: true false
	// true verifier: expired: expired at 2026-06-02T07:00:00Z
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}
