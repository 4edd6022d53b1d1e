package verifier_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"strings"
	"testing"
	"time"

	"github.com/hufu-project/hufu/holder"
	"github.com/hufu-project/hufu/internal/base45"
	"github.com/hufu-project/hufu/internal/benchratio"
	"github.com/hufu-project/hufu/internal/cose"
	"github.com/hufu-project/hufu/issuer"
	"github.com/hufu-project/hufu/keys"
	"github.com/hufu-project/hufu/pass"
	"github.com/hufu-project/hufu/verifier"
)

// BenchmarkPresentation measures against one raw ES256 verification of
// the pass's signature (ecdsa.VerifyASN1 of its digest), in the same run:
//
//   - verify: verifying a presentation of a full ES256 pass, which makes
//     two ES256 verifications (the issuer's and the holder's) and
//     decompresses the holder key (issue 10's goal: x-raw ≤ 2.15);
//   - decompress: decompressing the holder key alone (pass.ParseHolderKey);
//   - bare: verifying the same pass without a holder key, as BenchmarkVerify.
func BenchmarkPresentation(b *testing.B) {
	at := time.Date(2026, 6, 1, 8, 0, 0, 0, time.UTC)
	is, k := newIssuer(b, keys.ES256, "310000")
	hk, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		b.Fatal(err)
	}
	text, err := is.Issue(issuer.Claims{Name: "张三", Colour: pass.Yellow, Reason: pass.KeyRegionArrival,
		Hints: pass.HealthRegistration, Photo: []byte("photo"), PhotoID: "P2026060100A", Validity: 24 * time.Hour,
		IssuedAt: at.Add(-time.Hour), HolderKey: &hk.PublicKey})
	if err != nil {
		b.Fatal(err)
	}
	pt, err := holder.Present(text, hk, at, nil)
	if err != nil {
		b.Fatal(err)
	}
	tr := mustTrust(b, k)
	raw, _ := base45.DecodeString(strings.TrimPrefix(text, verifier.Prefix))
	msg, err := cose.ParseSign1(raw)
	if err != nil {
		b.Fatal(err)
	}
	digest := sha256.Sum256(cose.AppendToBeSigned(nil, msg.Protected, msg.Payload))
	der := derSig(msg.Signature)
	pub := tr.All()[0].Public.(*ecdsa.PublicKey)
	opts := verifier.Options{Now: at}
	rawCheck := func() {
		if !ecdsa.VerifyASN1(pub, digest[:], der) {
			b.Fatal("raw verify failed")
		}
	}
	b.Run("verify", func(b *testing.B) {
		benchratio.Run(b, "present", rawCheck, func() {
			if p, err := verifier.Verify(pt, tr, opts); err != nil || p.Presentation == nil {
				b.Fatal(err)
			}
		})
	})
	b.Run("decompress", func(b *testing.B) {
		claim, _ := pass.CompressHolderKey(&hk.PublicKey)
		benchratio.Run(b, "decompress", rawCheck, func() {
			if _, err := pass.ParseHolderKey(claim); err != nil {
				b.Fatal(err)
			}
		})
	})
	b.Run("bare", func(b *testing.B) {
		bare, err := is.Issue(issuer.Claims{Name: "张三", Colour: pass.Yellow, Reason: pass.KeyRegionArrival,
			Hints: pass.HealthRegistration, Photo: []byte("photo"), PhotoID: "P2026060100A", Validity: 24 * time.Hour,
			IssuedAt: at.Add(-time.Hour)})
		if err != nil {
			b.Fatal(err)
		}
		benchratio.Run(b, "verify", rawCheck, func() {
			if _, err := verifier.Verify(bare, tr, opts); err != nil {
				b.Fatal(err)
			}
		})
	})
}
