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

func ExampleVerify_presentation() {
	// A presentation of a holder-bound pass, from the test vectors: the
	// holder's phone signed it at 08:00:00.
	var v, bare testvectors.Vector
	for _, x := range must(testvectors.All()) {
		switch x.Name {
		case "present_valid":
			v = x
		case "present_bare":
			bare = x
		}
	}
	trust := must(keys.ParseTrust(v.Trust))
	now := time.Date(2026, 6, 1, 8, 0, 10, 0, time.UTC)

	p, err := verifier.Verify(v.Text, trust, verifier.Options{Now: now})
	if err != nil {
		fmt.Println("not valid:", err)
		return
	}
	fmt.Println(p.Decision(), p.Colour, "signed", p.Presentation.Time.Format(time.RFC3339))
	fmt.Printf("replay key %x\n", p.Presentation.Digest[:8])

	// A minute later the same presentation (a screenshot) is stale, and
	// the pass shown without a presentation is refused.
	_, err = verifier.Verify(v.Text, trust, verifier.Options{Now: now.Add(time.Minute)})
	fmt.Println(errors.Is(err, verifier.PresentationStale))
	_, err = verifier.Verify(bare.Text, trust, verifier.Options{Now: now})
	fmt.Println(errors.Is(err, verifier.PresentationRequired))
	// Output:
	// observe yellow signed 2026-06-01T08:00:00Z
	// replay key 03a282d951e592dc
	// true
	// true
}
