package verifier_test

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/sha256"
	"strings"
	"testing"
	"time"

	"github.com/hufu-project/hufu/internal/base45"
	"github.com/hufu-project/hufu/internal/benchratio"
	"github.com/hufu-project/hufu/internal/cose"
	"github.com/hufu-project/hufu/internal/hc1test"
	"github.com/hufu-project/hufu/issuer"
	"github.com/hufu-project/hufu/keys"
	"github.com/hufu-project/hufu/pass"
	"github.com/hufu-project/hufu/verifier"
)

// fullPass issues a pass with every field set.
func fullPass(b *testing.B, alg keys.Alg) (string, *keys.TrustFile) {
	is, k := newIssuer(b, alg, "310000")
	text, err := is.Issue(issuer.Claims{Name: "张三", Colour: pass.Yellow, Reason: pass.KeyRegionArrival,
		Hints: pass.HealthRegistration, Photo: []byte("photo"), PhotoID: "P2026060100A", Validity: 24 * time.Hour})
	if err != nil {
		b.Fatal(err)
	}
	return text, mustTrust(b, k)
}

// BenchmarkVerify verifies a full pass against the raw signature check on
// the same message: ecdsa.VerifyASN1 of its digest, or ed25519.Verify.
func BenchmarkVerify(b *testing.B) {
	for _, alg := range []keys.Alg{keys.ES256, keys.EdDSA} {
		b.Run(string(alg), func(b *testing.B) {
			text, tr := fullPass(b, alg)
			raw, _ := base45.DecodeString(strings.TrimPrefix(text, verifier.Prefix))
			msg, err := cose.ParseSign1(raw)
			if err != nil {
				b.Fatal(err)
			}
			tbs := cose.AppendToBeSigned(nil, msg.Protected, msg.Payload)
			k := tr.All()[0]
			var rawCheck func()
			switch pub := k.Public.(type) {
			case *ecdsa.PublicKey:
				digest := sha256.Sum256(tbs)
				der := derSig(msg.Signature)
				rawCheck = func() {
					if !ecdsa.VerifyASN1(pub, digest[:], der) {
						b.Fatal("raw verify failed")
					}
				}
			case ed25519.PublicKey:
				rawCheck = func() {
					if !ed25519.Verify(pub, tbs, msg.Signature) {
						b.Fatal("raw verify failed")
					}
				}
			}
			benchratio.Run(b, "verify", rawCheck, func() {
				if _, err := verifier.Verify(text, tr, verifier.Options{}); err != nil {
					b.Fatal(err)
				}
			})
		})
	}
}

func derSig(sig []byte) []byte {
	enc := func(v []byte) []byte {
		for len(v) > 1 && v[0] == 0 {
			v = v[1:]
		}
		if v[0]&0x80 != 0 {
			v = append([]byte{0}, v...)
		}
		return append([]byte{0x02, byte(len(v))}, v...)
	}
	body := append(enc(sig[:32]), enc(sig[32:])...)
	return append([]byte{0x30, byte(len(body))}, body...)
}

// BenchmarkHostile feeds inputs meant to cost a verifier time or memory;
// each must be rejected in about a microsecond or less, allocating little.
func BenchmarkHostile(b *testing.B) {
	tr := mustTrust(b)
	huge := verifier.Prefix + strings.Repeat("A", 1<<20)
	deep := verifier.Prefix + base45.EncodeToString(append([]byte{0xd2}, append([]byte(strings.Repeat("\x81", 2000)), 0)...))
	hugeLen := verifier.Prefix + base45.EncodeToString([]byte{0xd2, 0x84, 0x5b, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff})
	random := verifier.Prefix + strings.Repeat("Q7 ", 85)
	for _, c := range []struct{ name, text string }{
		{"1MiB", huge}, {"deep_nesting", deep}, {"huge_length", hugeLen}, {"random_base45", random},
	} {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				if _, err := verifier.Verify(c.text, tr, verifier.Options{}); err == nil {
					b.Fatal("accepted")
				}
			}
		})
	}
}

// BenchmarkHC1 verifies EU DCCs (ES256 and PS256) and rejects the costliest
// hostile HC1 input, a zip bomb: the inflation stops at 64 KiB, so the
// cost is bounded by that, not by what the bomb would inflate to.
func BenchmarkHC1(b *testing.B) {
	for _, alg := range []keys.Alg{keys.ES256, keys.PS256} {
		d, k := newDSC(b, signer(b, alg), dscFrom, dscTo)
		tr := mustTrust(b, k)
		text := hc1test.Code(d, cert("v"), hc1test.Options{})
		b.Run(string(alg), func(b *testing.B) {
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				if _, err := verifier.Verify(text, tr, july); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
	bomb := "HC1:" + base45.EncodeToString(hc1test.Compress(make([]byte, 2<<20)))
	if len(bomb) > verifier.MaxText {
		b.Fatalf("bomb of %d characters", len(bomb))
	}
	b.Run("zip_bomb", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			if _, err := verifier.Verify(bomb, mustTrust(b), verifier.Options{}); err == nil {
				b.Fatal("accepted")
			}
		}
	})
}
