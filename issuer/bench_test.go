package issuer_test

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"testing"
	"time"

	"github.com/hufu-project/hufu/internal/benchratio"
	"github.com/hufu-project/hufu/internal/cose"
	"github.com/hufu-project/hufu/issuer"
	"github.com/hufu-project/hufu/keys"
	"github.com/hufu-project/hufu/pass"
	"github.com/hufu-project/hufu/verifier"
)

// BenchmarkIssue issues a full pass (every field) against the raw
// signature of a message of the same size: ecdsa.SignASN1 of a digest, or
// ed25519.Sign.
func BenchmarkIssue(b *testing.B) {
	photo := pass.PhotoDigest([]byte("photo"))
	for _, alg := range []keys.Alg{keys.ES256, keys.EdDSA} {
		b.Run(string(alg), func(b *testing.B) {
			priv, _ := keys.Generate(alg)
			is, err := issuer.New(priv, "310000", 24*time.Hour)
			if err != nil {
				b.Fatal(err)
			}
			claims := issuer.Claims{Name: "张三", Colour: pass.Yellow, Reason: pass.KeyRegionArrival,
				Hints: pass.HealthRegistration, PhotoDigest: photo, PhotoID: "P2026060100A", Validity: 24 * time.Hour}
			// The raw operation signs the Sig_structure of a real pass.
			text, err := is.Issue(claims)
			if err != nil {
				b.Fatal(err)
			}
			u, err := verifier.InspectUnverified(text)
			if err != nil {
				b.Fatal(err)
			}
			m, err := cose.ParseSign1(u.COSE)
			if err != nil {
				b.Fatal(err)
			}
			msg := cose.AppendToBeSigned(nil, m.Protected, m.Payload)
			var raw func()
			switch k := priv.(type) {
			case *ecdsa.PrivateKey:
				raw = func() {
					d := sha256.Sum256(msg)
					if _, err := ecdsa.SignASN1(rand.Reader, k, d[:]); err != nil {
						b.Fatal(err)
					}
				}
			case ed25519.PrivateKey:
				raw = func() { ed25519.Sign(k, msg) }
			}
			benchratio.Run(b, "issue", raw, func() {
				if _, err := is.Issue(claims); err != nil {
					b.Fatal(err)
				}
			})
		})
	}
}
