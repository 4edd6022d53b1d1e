package verifier_test

import (
	"crypto/ed25519"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hufu-project/hufu/issuer"
	"github.com/hufu-project/hufu/keys"
	"github.com/hufu-project/hufu/pass"
	"github.com/hufu-project/hufu/verifier"
)

func newIssuer(t testing.TB, alg keys.Alg, iss string) (*issuer.Issuer, *keys.Key) {
	t.Helper()
	priv, err := keys.Generate(alg)
	if err != nil {
		t.Fatal(err)
	}
	is, err := issuer.New(priv, iss, 7*24*time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	kid, _ := keys.KID(priv.Public())
	return is, &keys.Key{KID: kid, Alg: alg, Public: priv.Public(), Issuers: []string{iss}}
}

func mustTrust(t testing.TB, ks ...*keys.Key) *keys.TrustFile {
	t.Helper()
	tr, err := keys.NewTrust(ks...)
	if err != nil {
		t.Fatal(err)
	}
	return tr
}

func reasonOf(err error) verifier.Reason {
	var e *verifier.Error
	if errors.As(err, &e) {
		return e.Reason
	}
	return ""
}

func TestRoundTrip(t *testing.T) {
	for _, alg := range []keys.Alg{keys.ES256, keys.EdDSA} {
		is, k := newIssuer(t, alg, "310000")
		tr := mustTrust(t, k)
		photo := []byte("jpeg bytes")
		text, err := is.Issue(issuer.Claims{Name: "Zoë Müller", Colour: pass.Yellow, Reason: pass.CloseContact,
			Hints: pass.TestSuggested, Photo: photo, PhotoID: "ABC123", Validity: 2 * time.Hour})
		if err != nil {
			t.Fatal(err)
		}
		p, err := verifier.Verify(text, tr, verifier.Options{})
		if err != nil {
			t.Fatalf("%s: %v", alg, err)
		}
		if p.Colour != pass.Yellow || p.Decision() != pass.Observe || p.Reason != pass.CloseContact ||
			p.Hints != pass.TestSuggested || p.Issuer != "310000" || p.PhotoID != "ABC123" || p.Alg != alg || p.Key != k {
			t.Errorf("%s: got %+v", alg, p)
		}
		if d := p.ExpiresAt.Sub(p.IssuedAt); d != 2*time.Hour {
			t.Errorf("lifetime %v", d)
		}
		if !p.NameMatches("ZOË MÜLLER") || !p.NameMatches("zoe\u0308  mu\u0308ller") || p.NameMatches("Zoe Muller") {
			t.Error("NameMatches")
		}
		if !p.PhotoMatches(photo) || p.PhotoMatches([]byte("other")) {
			t.Error("PhotoMatches")
		}
	}
}

func TestZeroOptionsUseClockAndDefaultSkew(t *testing.T) {
	is, k := newIssuer(t, keys.EdDSA, "310000")
	tr := mustTrust(t, k)
	text, err := is.Issue(issuer.Claims{Name: "a", Colour: pass.Green, Validity: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	p, err := verifier.Verify(text, tr, verifier.Options{})
	if err != nil {
		t.Fatal(err)
	}
	// Within the default skew after expiry: still valid.
	if _, err := verifier.Verify(text, tr, verifier.Options{Now: p.ExpiresAt.Add(verifier.DefaultSkew - time.Second)}); err != nil {
		t.Errorf("inside default skew: %v", err)
	}
	if _, err := verifier.Verify(text, tr, verifier.Options{Now: p.ExpiresAt.Add(verifier.DefaultSkew)}); reasonOf(err) != verifier.Expired {
		t.Errorf("at default skew: %v", err)
	}
	if _, err := verifier.Verify(text, tr, verifier.Options{Now: p.ExpiresAt, Skew: -1}); reasonOf(err) != verifier.Expired {
		t.Errorf("no skew, at exp: %v", err)
	}
}

func TestOversizeAndGarbageNeverExpired(t *testing.T) {
	is, k := newIssuer(t, keys.ES256, "310000")
	tr := mustTrust(t, k)
	text, _ := is.Issue(issuer.Claims{Name: "a", Colour: pass.Green, Validity: time.Hour})
	later := verifier.Options{Now: time.Now().Add(48 * time.Hour)}
	if _, err := verifier.Verify(text, tr, later); reasonOf(err) != verifier.Expired {
		t.Fatalf("genuine pass later: %v", err)
	}
	// Every single-character change of a genuine, expired pass is
	// rejected for what it is, never as expired.
	for i := len(verifier.Prefix); i < len(text); i++ {
		for _, c := range []byte{'0', 'Z', ' ', ':'} {
			if text[i] == c {
				continue
			}
			mod := text[:i] + string(c) + text[i+1:]
			_, err := verifier.Verify(mod, tr, later)
			if r := reasonOf(err); r == verifier.Expired || r == "" {
				t.Fatalf("changing offset %d to %q: %v", i, c, err)
			}
		}
	}
	huge := verifier.Prefix + strings.Repeat("A", 1<<20)
	if _, err := verifier.Verify(huge, tr, verifier.Options{}); reasonOf(err) != verifier.TooLarge {
		t.Fatalf("1 MiB: %v", err)
	}
	// Rejected without allocating anything near the input's size.
	if b := bytesPerRun(func() { verifier.Verify(huge, tr, verifier.Options{}) }); b > 1024 {
		t.Errorf("1 MiB input: %d bytes allocated per call", b)
	}
}

// bytesPerRun returns the bytes f allocates, averaged over 20 runs.
func bytesPerRun(f func()) uint64 {
	f()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	for i := 0; i < 20; i++ {
		f()
	}
	runtime.ReadMemStats(&after)
	return (after.TotalAlloc - before.TotalAlloc) / 20
}

// fakeTrust wraps a trust file with a Check that the test controls.
type fakeTrust struct {
	*keys.TrustFile
	warnings []string
	err      error
	calls    int
}

func (f *fakeTrust) Check(p *pass.Pass, k *keys.Key, now time.Time, skew time.Duration) ([]string, error) {
	f.calls++
	return f.warnings, f.err
}

func TestTrustCheck(t *testing.T) {
	is, k := newIssuer(t, keys.EdDSA, "310000")
	text, _ := is.Issue(issuer.Claims{Name: "a", Colour: pass.Green, Validity: time.Hour})
	ft := &fakeTrust{TrustFile: mustTrust(t, k), warnings: []string{"trust_stale"}}
	p, err := verifier.Verify(text, ft, verifier.Options{})
	if err != nil || len(p.Warnings) != 1 || p.Warnings[0] != "trust_stale" {
		t.Fatalf("warnings: %v %v", p, err)
	}
	ft.err = &verifier.Error{Reason: verifier.RevokedPass}
	if _, err := verifier.Verify(text, ft, verifier.Options{}); !errors.Is(err, verifier.RevokedPass) {
		t.Fatalf("revoked: %v", err)
	}
	ft.err = errors.New("disk on fire")
	_, err = verifier.Verify(text, ft, verifier.Options{})
	if reasonOf(err) != verifier.TrustUnavailable || !reasonOf(err).Undecided() || !strings.Contains(err.Error(), "disk on fire") {
		t.Fatalf("plain error: %v", err)
	}
	// Check runs only after the signature verified.
	ft.calls = 0
	forged := text[:len(text)-4] + "0000"
	if _, err := verifier.Verify(forged, ft, verifier.Options{}); err == nil || ft.calls != 0 {
		t.Fatalf("forged: %v, Check called %d times", err, ft.calls)
	}
}

func TestWrongKeyTypeForAlg(t *testing.T) {
	is, k := newIssuer(t, keys.EdDSA, "310000")
	text, _ := is.Issue(issuer.Claims{Name: "a", Colour: pass.Green, Validity: time.Hour})
	// A custom Trust that hands out a key whose Go type does not match its
	// declared algorithm must not be trusted.
	bad := *k
	bad.Public = ed25519.PublicKey(make([]byte, 31))
	tr := trustFunc(func(kid []byte) []*keys.Key { return []*keys.Key{&bad} })
	if _, err := verifier.Verify(text, tr, verifier.Options{}); reasonOf(err) != verifier.UnsupportedAlg {
		t.Fatalf("got %v", err)
	}
}

type trustFunc func(kid []byte) []*keys.Key

func (f trustFunc) Keys(kid []byte) []*keys.Key { return f(kid) }
func (trustFunc) Check(*pass.Pass, *keys.Key, time.Time, time.Duration) ([]string, error) {
	return nil, nil
}

func TestConcurrent(t *testing.T) {
	isA, kA := newIssuer(t, keys.ES256, "310000")
	isB, kB := newIssuer(t, keys.EdDSA, "320000")
	tr := mustTrust(t, kA, kB)
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 20; i++ {
				is := isA
				if i%2 == 1 {
					is = isB
				}
				name := fmt.Sprintf("holder %d-%d", g, i)
				text, err := is.Issue(issuer.Claims{Name: name, Colour: pass.Colour(1 + i%3), Validity: time.Hour})
				if err != nil {
					t.Error(err)
					return
				}
				p, err := verifier.Verify(text, tr, verifier.Options{})
				if err != nil || !p.NameMatches(name) || p.Colour != pass.Colour(1+i%3) {
					t.Errorf("%s: %v", name, err)
					return
				}
			}
		}()
	}
	wg.Wait()
}

func TestErrorForms(t *testing.T) {
	_, err := verifier.Verify("nope", mustTrust(t), verifier.Options{})
	var e *verifier.Error
	if !errors.As(err, &e) || e.Reason != verifier.BadPrefix || !errors.Is(err, verifier.BadPrefix) || errors.Is(err, verifier.Expired) {
		t.Fatalf("%v", err)
	}
	if !strings.HasPrefix(err.Error(), "verifier: bad_prefix") {
		t.Errorf("message %q", err)
	}
	if verifier.Expired.Undecided() || !verifier.TrustExpired.Undecided() || !verifier.ClockBehind.Undecided() {
		t.Error("Undecided")
	}
}
