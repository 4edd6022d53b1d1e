package issuer_test

import (
	"crypto/ed25519"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/hufu-project/hufu/issuer"
)

// A request checked before it is signed: a validity over the issuer's
// maximum is refused with its code and a hint, and the corrected request
// is signed.
func ExamplePrepare() {
	key := ed25519.NewKeyFromSeed(make([]byte, ed25519.SeedSize))
	r := issuer.Request{
		Issuer: "310000", MaxValidity: 7 * 24 * time.Hour,
		Name: "张三", Colour: "yellow", Reason: "close_contact",
		Validity: 10 * 24 * time.Hour,
		IssuedAt: time.Date(2026, 6, 1, 8, 0, 0, 0, time.UTC),
	}
	_, _, err := issuer.Prepare(key, &r)
	var ie *issuer.Error
	if errors.As(err, &ie) {
		fmt.Println(ie.Code)
		fmt.Println(ie.Hint())
	}

	r.Validity = 24 * time.Hour
	is, claims, err := issuer.Prepare(key, &r)
	if err != nil {
		panic(err)
	}
	text, err := is.Issue(claims)
	fmt.Println(strings.HasPrefix(text, "HF1:"), err)
	// Output:
	// bad_validity
	// raise -max-ttl to allow a longer -ttl (hufu issue)
	// true <nil>
}
