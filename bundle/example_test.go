package bundle_test

import (
	"bytes"
	"crypto"
	"crypto/ed25519"
	"encoding/base64"
	"errors"
	"fmt"
	"time"

	"github.com/hufu-project/hufu/bundle"
	"github.com/hufu-project/hufu/keys"
	"github.com/hufu-project/hufu/pass"
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

func ExampleContents_MergeRevocations() {
	// Two registries, Shanghai and Jiangsu, each with an issuer key; one
	// publisher with the root key. Fixed seeds keep the example
	// deterministic; real keys come from keys.Generate.
	key := func(s string) ed25519.PrivateKey { return ed25519.NewKeyFromSeed(bytes.Repeat([]byte(s), 32)) }
	shKey, jsKey, root := key("s"), key("j"), key("r")
	now := time.Date(2026, 6, 1, 8, 0, 0, 0, time.UTC)

	// Jiangsu's registry exports its live revocations.
	stolen, old := pass.ID("stolen!!"), pass.ID("old pass")
	export, err := bundle.SignRevocations(&bundle.Revocations{Issuer: "320000", Seq: 17, IssuedAt: now.Add(-time.Minute),
		Passes: []bundle.RevokedPass{{ID: stolen, ExpiresAt: now.Add(48 * time.Hour)}, {ID: old, ExpiresAt: now.Add(-time.Hour)}}}, jsKey)
	if err != nil {
		panic(err)
	}

	// The publisher opens it with Jiangsu's keys and merges it into the
	// next bundle.
	list, err := bundle.OpenRevocations(export, []crypto.PublicKey{jsKey.Public()})
	if err != nil {
		fmt.Println("export refused:", err)
		return
	}
	issuer := func(id string, k ed25519.PrivateKey) bundle.Issuer {
		return bundle.Issuer{ID: id, Name: bundle.Label{ZH: id, EN: id}, Keys: []bundle.IssuerKey{{Public: k.Public()}},
			MaxLifetime: 7 * 24 * time.Hour, Colours: []pass.Colour{pass.Green, pass.Yellow, pass.Red}}
	}
	c := &bundle.Contents{Seq: 8, IssuedAt: now, NextUpdate: now.Add(24 * time.Hour), Expires: now.Add(72 * time.Hour),
		Issuers: []bundle.Issuer{issuer("310000", shKey), issuer("320000", jsKey)}}
	if err := c.MergeRevocations(now, list); err != nil {
		fmt.Println("not merged:", err)
		return
	}
	b, err := bundle.Open(must(bundle.Sign(c, root)), []crypto.PublicKey{root.Public()})
	if err != nil {
		panic(err)
	}
	fmt.Println("export", list.Seq, "from", list.Issuer, "with", len(list.Passes), "passes; bundle revokes", b.RevokedPasses())
	fmt.Println("Jiangsu pass revoked:", b.PassRevoked("320000", stolen))
	fmt.Println("Shanghai pass with the same ID revoked:", b.PassRevoked("310000", stolen))
	fmt.Println("expired pass still listed:", b.PassRevoked("320000", old))

	// Jiangsu's key cannot revoke Shanghai's passes.
	forged := must(bundle.OpenRevocations(must(bundle.SignRevocations(&bundle.Revocations{Issuer: "310000", Seq: 1, IssuedAt: now,
		Passes: []bundle.RevokedPass{{ID: stolen, ExpiresAt: now.Add(time.Hour)}}}, jsKey)), []crypto.PublicKey{jsKey.Public()}))
	err = c.MergeRevocations(now, forged)
	fmt.Println(errors.Is(err, bundle.UnknownKey))
	// Output:
	// export 17 from 320000 with 2 passes; bundle revokes 1
	// Jiangsu pass revoked: true
	// Shanghai pass with the same ID revoked: false
	// expired pass still listed: false
	// true
}
