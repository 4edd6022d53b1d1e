package bundle_test

import (
	"crypto"
	"encoding/base64"
	"errors"
	"fmt"
	"time"

	"github.com/hufu-project/hufu/bundle"
	"github.com/hufu-project/hufu/keys"
	"github.com/hufu-project/hufu/testvectors"
	"github.com/hufu-project/hufu/verifier"
)

func ExampleOpen() {
	// A bundle, its pinned roots and a pass from the test vectors; an app
	// reads the bundle from its installed file and pins its roots at build
	// time.
	v := vector("bundle_valid")
	var roots []crypto.PublicKey
	for _, r := range v.Roots {
		roots = append(roots, must(keys.ParsePublic(must(base64.StdEncoding.DecodeString(r)))))
	}
	b, err := bundle.Open(must(base64.StdEncoding.DecodeString(v.Bundle)), roots)
	if err != nil {
		fmt.Println("no usable trust:", err) // every pass is "cannot decide"
		return
	}
	fmt.Println("bundle", b.Seq, "expires", b.Expires.Format(time.RFC3339))

	now := time.Date(2026, 6, 1, 8, 0, 0, 0, time.UTC)
	p, err := verifier.Verify(v.Text, b, verifier.Options{Now: now})
	if err != nil {
		fmt.Println("not valid:", err)
		return
	}
	is := b.Issuer(p.Issuer)
	fmt.Println(p.Decision(), b.Label("colour."+p.Colour.String(), "zh"), is.Name.ZH, is.Name.EN, p.Warnings)

	// A day later the bundle is stale: still valid, with a warning. Three
	// days later it has expired: nothing can be decided.
	p, _ = verifier.Verify(v.Text, b, verifier.Options{Now: now.Add(22*time.Hour + 30*time.Minute)})
	fmt.Println(p.Decision(), p.Warnings)
	_, err = verifier.Verify(v.Text, b, verifier.Options{Now: now.Add(72 * time.Hour)})
	var e *verifier.Error
	errors.As(err, &e)
	fmt.Println(e.Reason, e.Reason.Undecided(), b.Label("reason."+string(e.Reason), "zh"))
	// Output:
	// bundle 5 expires 2026-06-04T06:00:00Z
	// admit 绿码 上海市 Shanghai []
	// admit [trust_stale]
	// trust_expired true 信任列表已过期，请更新
}

func vector(name string) testvectors.Vector {
	for _, v := range must(testvectors.All()) {
		if v.Name == name {
			return v
		}
	}
	panic("no vector " + name)
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}
