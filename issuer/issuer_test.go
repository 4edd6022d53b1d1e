package issuer_test

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"errors"
	"io"
	"sync"
	"testing"
	"time"

	"github.com/hufu-project/hufu/issuer"
	"github.com/hufu-project/hufu/keys"
	"github.com/hufu-project/hufu/pass"
	"github.com/hufu-project/hufu/verifier"
)

// hsm stands in for a key in an HSM or KMS: only Public and Sign.
type hsm struct {
	inner crypto.Signer
	calls int
	mu    sync.Mutex
}

func (h *hsm) Public() crypto.PublicKey { return h.inner.Public() }
func (h *hsm) Sign(r io.Reader, d []byte, o crypto.SignerOpts) ([]byte, error) {
	h.mu.Lock()
	h.calls++
	h.mu.Unlock()
	return h.inner.Sign(r, d, o)
}

func trustFor(t *testing.T, pub crypto.PublicKey, iss ...string) *keys.TrustFile {
	t.Helper()
	alg, err := keys.AlgOf(pub)
	if err != nil {
		t.Fatal(err)
	}
	kid, _ := keys.KID(pub)
	tr, err := keys.NewTrust(&keys.Key{KID: kid, Alg: alg, Public: pub, Issuers: iss})
	if err != nil {
		t.Fatal(err)
	}
	return tr
}

func TestIssueWithOpaqueSigner(t *testing.T) {
	for _, alg := range []keys.Alg{keys.ES256, keys.EdDSA} {
		priv, _ := keys.Generate(alg)
		h := &hsm{inner: priv}
		is, err := issuer.New(h, "310000", 24*time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		kid, _ := keys.KID(priv.Public())
		if string(is.KID()) != string(kid) {
			t.Errorf("KID %x, want %x", is.KID(), kid)
		}
		before := time.Now().Truncate(time.Second)
		text, err := is.Issue(issuer.Claims{Name: "李雷", Colour: pass.Red, Reason: pass.Confirmed, Validity: 90 * time.Minute})
		if err != nil {
			t.Fatal(err)
		}
		if h.calls != 2 { // the self-test in New, and the pass
			t.Errorf("%d Sign calls", h.calls)
		}
		p, err := verifier.Verify(text, trustFor(t, priv.Public(), "310000"), verifier.Options{})
		if err != nil {
			t.Fatalf("%s: %v", alg, err)
		}
		if p.IssuedAt.Before(before) || p.IssuedAt.After(time.Now()) || p.ExpiresAt.Sub(p.IssuedAt) != 90*time.Minute {
			t.Errorf("times %v %v", p.IssuedAt, p.ExpiresAt)
		}
		if len(p.ID) != issuer.IDSize || !p.NameMatches("李雷") || p.Decision() != pass.Deny {
			t.Errorf("pass %+v", p.Pass)
		}
	}
}

func TestValidityBounds(t *testing.T) {
	priv, _ := keys.Generate(keys.EdDSA)
	is, err := issuer.New(priv, "310000", time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range []time.Duration{0, -time.Second, time.Hour + time.Second} {
		if _, err := is.Issue(issuer.Claims{Name: "a", Colour: pass.Green, Validity: v}); err == nil {
			t.Errorf("validity %v accepted", v)
		}
	}
	if _, err := is.Issue(issuer.Claims{Name: "a", Colour: pass.Green, Validity: time.Hour}); err != nil {
		t.Errorf("validity = max: %v", err)
	}
	// Sub-second validity rounds up to a whole second.
	text, err := is.Issue(issuer.Claims{Name: "a", Colour: pass.Green, Validity: time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	u, _ := verifier.InspectUnverified(text)
	if d := u.Pass.ExpiresAt.Sub(u.Pass.IssuedAt); d != time.Second {
		t.Errorf("1ms validity gave %v", d)
	}
	if _, err := issuer.New(priv, "310000", 0); err == nil {
		t.Error("zero maximum accepted")
	}
}

func TestRejectsBadInput(t *testing.T) {
	priv, _ := keys.Generate(keys.ES256)
	is, _ := issuer.New(priv, "310000", time.Hour)
	for name, c := range map[string]issuer.Claims{
		"no name":         {Colour: pass.Green, Validity: time.Minute},
		"invisible name":  {Name: "张\u200b三", Colour: pass.Green, Validity: time.Minute},
		"no colour":       {Name: "a", Validity: time.Minute},
		"reason on green": {Name: "a", Colour: pass.Green, Reason: pass.Confirmed, Validity: time.Minute},
		"photo twice":     {Name: "a", Colour: pass.Green, Photo: []byte("x"), PhotoDigest: pass.PhotoDigest([]byte("x")), Validity: time.Minute},
		"photo id alone":  {Name: "a", Colour: pass.Green, PhotoID: "X1", Validity: time.Minute},
		"long photo id":   {Name: "a", Colour: pass.Green, Photo: []byte("x"), PhotoID: "ABCDEFGHIJKLM", Validity: time.Minute},
	} {
		if _, err := is.Issue(c); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	if _, err := issuer.New(priv, "", time.Hour); err == nil {
		t.Error("empty issuer ID accepted")
	}
	p384, _ := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	if _, err := issuer.New(p384, "310000", time.Hour); !errors.Is(err, keys.ErrUnsupported) {
		t.Errorf("P-384 key: %v", err)
	}
}

// liar claims one public key and signs with another.
type liar struct{ pub, priv crypto.Signer }

func (l liar) Public() crypto.PublicKey { return l.pub.Public() }
func (l liar) Sign(r io.Reader, d []byte, o crypto.SignerOpts) ([]byte, error) {
	return l.priv.Sign(r, d, o)
}

func TestSelfTestCatchesWrongKey(t *testing.T) {
	for _, alg := range []keys.Alg{keys.ES256, keys.EdDSA} {
		a, _ := keys.Generate(alg)
		b, _ := keys.Generate(alg)
		if _, err := issuer.New(liar{a, b}, "310000", time.Hour); err == nil {
			t.Errorf("%s: a signer that does not hold its public key's private key was accepted", alg)
		}
	}
}

func TestConcurrentIssueUniqueIDs(t *testing.T) {
	priv, _ := keys.Generate(keys.EdDSA)
	is, _ := issuer.New(priv, "310000", time.Hour)
	tr := trustFor(t, priv.Public(), "310000")
	var mu sync.Mutex
	seen := map[string]bool{}
	var wg sync.WaitGroup
	for g := 0; g < 4; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 250; i++ {
				text, err := is.Issue(issuer.Claims{Name: "a", Colour: pass.Green, Validity: time.Minute})
				if err != nil {
					t.Error(err)
					return
				}
				p, err := verifier.Verify(text, tr, verifier.Options{})
				if err != nil {
					t.Error(err)
					return
				}
				mu.Lock()
				seen[p.ID.String()] = true
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if len(seen) != 1000 {
		t.Errorf("%d distinct pass IDs in 1000 passes", len(seen))
	}
}

func TestIssuedAt(t *testing.T) {
	priv, _ := keys.Generate(keys.EdDSA)
	is, err := issuer.New(priv, "310000", time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 6, 1, 9, 0, 0, 0, time.UTC)
	text, err := is.Issue(issuer.Claims{Name: "a", Colour: pass.Green, Validity: time.Hour, IssuedAt: at.Add(300 * time.Millisecond)})
	if err != nil {
		t.Fatal(err)
	}
	u, _ := verifier.InspectUnverified(text)
	if !u.Pass.IssuedAt.Equal(at) || !u.Pass.ExpiresAt.Equal(at.Add(time.Hour)) {
		t.Errorf("times %v %v, want %v and an hour later", u.Pass.IssuedAt, u.Pass.ExpiresAt, at)
	}
}

// TestIssuePass checks that the pass IssuePass returns is the one its text
// carries, for both algorithms and with every optional claim.
func TestIssuePass(t *testing.T) {
	holder, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	for _, alg := range []keys.Alg{keys.ES256, keys.EdDSA} {
		priv, _ := keys.Generate(alg)
		is, err := issuer.New(priv, "310000", time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		c := issuer.Claims{Name: "Li Hua", Photo: []byte("photo"), PhotoID: "p1", Colour: pass.Red, Reason: pass.Reasons()[0],
			Hints: pass.AppealPending, Validity: 30 * time.Minute, HolderKey: &holder.PublicKey}
		text, p, err := is.IssuePass(c)
		if err != nil {
			t.Fatal(err)
		}
		u, err := verifier.InspectUnverified(text)
		if err != nil || u.Pass == nil {
			t.Fatalf("%s: %v", alg, err)
		}
		got, err := p.AppendClaims(nil)
		if err != nil {
			t.Fatal(err)
		}
		want, _ := u.Pass.AppendClaims(nil)
		if string(got) != string(want) {
			t.Errorf("%s: IssuePass returned claims %x, the text carries %x", alg, got, want)
		}
		if !p.IssuedAt.Equal(u.Pass.IssuedAt) || !p.ExpiresAt.Equal(u.Pass.ExpiresAt) || p.ID.String() != u.Pass.ID.String() || p.Issuer != "310000" {
			t.Errorf("%s: pass %v, decoded %v", alg, p, u.Pass)
		}
		if string(u.KID) != string(is.KID()) {
			t.Errorf("%s: kid %x, Issuer.KID %x", alg, u.KID, is.KID())
		}
		if _, _, err := is.IssuePass(issuer.Claims{Name: "a", Colour: pass.Green, Validity: 2 * time.Hour}); !errors.Is(err, issuer.BadValidity) {
			t.Errorf("%s: too long a validity: %v", alg, err)
		}
	}
}
