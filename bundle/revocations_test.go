package bundle

import (
	"bytes"
	"crypto"
	"encoding/base64"
	"errors"
	"runtime"
	"slices"
	"testing"
	"time"

	"github.com/hufu-project/hufu/internal/cbor"
	"github.com/hufu-project/hufu/internal/cose"
	"github.com/hufu-project/hufu/keys"
	"github.com/hufu-project/hufu/pass"
	"github.com/hufu-project/hufu/testvectors"
)

// jsList is a Jiangsu export: three passes, one of which expires at t0.
func jsList() *Revocations {
	return &Revocations{Issuer: "320000", Seq: 3, IssuedAt: t0.Add(-time.Minute), Passes: []RevokedPass{
		{ID: passID("js c"), ExpiresAt: t0.Add(time.Hour)},
		{ID: passID("js a"), ExpiresAt: t0},
		{ID: append(passID("js b"), 9, 9, 9, 9), ExpiresAt: t0.Add(2 * time.Hour)},
	}}
}

func wantReason(t *testing.T, what string, err error, r Reason) {
	t.Helper()
	var e *Error
	if !errors.As(err, &e) || e.Reason != r || !errors.Is(err, r) {
		t.Errorf("%s: %v, want %s", what, err, r)
	}
}

func TestRevocationsRoundTrip(t *testing.T) {
	for _, priv := range []crypto.Signer{jsKey, shKey} {
		in := jsList()
		orig := slices.Clone(in.Passes)
		// The same ID twice: written once, with the later expiry.
		in.Passes = append(in.Passes, RevokedPass{ID: passID("js c"), ExpiresAt: t0.Add(3 * time.Hour)})
		data, err := SignRevocations(in, priv)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.EqualFunc(in.Passes[:3], orig, func(a, b RevokedPass) bool { return bytes.Equal(a.ID, b.ID) }) {
			t.Error("SignRevocations reordered its input")
		}
		r, err := OpenRevocations(data, []crypto.PublicKey{root.Public(), priv.Public()})
		if err != nil {
			t.Fatal(err)
		}
		if r.Issuer != "320000" || r.Seq != 3 || !r.IssuedAt.Equal(in.IssuedAt) || r.Signer == nil || len(r.Passes) != 3 {
			t.Fatalf("opened %+v", r)
		}
		if der, _ := keys.MarshalPublic(r.Signer); !bytes.Equal(der, mustDER(t, priv.Public())) {
			t.Error("Signer is not the key that signed")
		}
		if !slices.IsSortedFunc(r.Passes, func(a, b RevokedPass) int { return bytes.Compare(a.ID, b.ID) }) {
			t.Error("passes not sorted")
		}
		for _, p := range r.Passes {
			if bytes.Equal(p.ID, passID("js c")) && !p.ExpiresAt.Equal(t0.Add(3*time.Hour)) {
				t.Errorf("duplicate kept expiry %v", p.ExpiresAt)
			}
		}
		// The decoded IDs do not alias the file.
		clear(data)
		if !slices.ContainsFunc(r.Passes, func(p RevokedPass) bool { return bytes.Equal(p.ID, passID("js a")) }) {
			t.Error("IDs alias the input")
		}
		// Signing the decoded list again gives the same payload.
		again, err := r.marshal()
		if err != nil {
			t.Fatal(err)
		}
		first, _ := in.marshal()
		if !bytes.Equal(again, first) {
			t.Error("re-encoding differs")
		}
	}
}

func mustDER(t *testing.T, pub crypto.PublicKey) []byte {
	der, err := keys.MarshalPublic(pub)
	if err != nil {
		t.Fatal(err)
	}
	return der
}

func TestSignRevocationsRejects(t *testing.T) {
	for name, mod := range map[string]func(r *Revocations){
		"issuer empty":        func(r *Revocations) { r.Issuer = "" },
		"issuer with a space": func(r *Revocations) { r.Issuer = "32 00" },
		"seq 0":               func(r *Revocations) { r.Seq = 0 },
		"issued zero":         func(r *Revocations) { r.IssuedAt = time.Time{} },
		"issued fraction":     func(r *Revocations) { r.IssuedAt = r.IssuedAt.Add(time.Millisecond) },
		"ID of 7 bytes":       func(r *Revocations) { r.Passes[0].ID = r.Passes[0].ID[:7] },
		"ID of 17 bytes":      func(r *Revocations) { r.Passes[0].ID = make(pass.ID, 17) },
		"expiry zero":         func(r *Revocations) { r.Passes[0].ExpiresAt = time.Time{} },
		"expiry after 9999":   func(r *Revocations) { r.Passes[0].ExpiresAt = time.Unix(pass.MaxTime+1, 0) },
	} {
		r := jsList()
		mod(r)
		_, err := SignRevocations(r, jsKey)
		wantReason(t, name, err, BadPayload)
	}
}

func TestOpenRevocationsRejects(t *testing.T) {
	good, err := SignRevocations(jsList(), jsKey)
	if err != nil {
		t.Fatal(err)
	}
	payload := payloadOf(t, good)
	tampered := bytes.Clone(good)
	tampered[len(tampered)-70] ^= 1 // an expiry
	kid, _ := keys.KID(jsKey.Public())
	ph := cose.AppendProtected(nil, cose.EdDSA, kid)
	impostor := cose.AppendSign1(nil, ph, payload, rawSign(t, otherRt, ph, payload))
	js := []crypto.PublicKey{jsKey.Public()}
	for _, c := range []struct {
		name   string
		data   []byte
		keys   []crypto.PublicKey
		reason Reason
	}{
		{"another issuer's key", good, []crypto.PublicKey{shKey.Public(), shKey2.Public()}, UnknownKey},
		{"no keys", good, nil, UnknownKey},
		{"tampered", tampered, js, BadSignature},
		{"impostor with the key's kid", impostor, js, BadSignature},
		{"a bundle", mustSign(t, contents(), jsKey), js, WrongKind},
		{"a pass", signPayload(t, jsKey, mustClaims(t)), js, WrongKind},
		{"too large", make([]byte, MaxSize+1), js, TooLarge},
		{"not COSE", payload, js, BadCOSE},
		{"trailing byte", append(bytes.Clone(good), 0), js, BadCOSE},
	} {
		r, err := OpenRevocations(c.data, c.keys)
		if r != nil {
			t.Errorf("%s: opened", c.name)
		}
		wantReason(t, c.name, err, c.reason)
	}
	// An export is not a bundle, even if a pinned root signed it.
	fromRoot, err := SignRevocations(jsList(), root)
	if err != nil {
		t.Fatal(err)
	}
	_, err = Open(fromRoot, allRoots)
	wantReason(t, "Open of an export", err, WrongKind)
	_, err = InspectUnverified(fromRoot)
	wantReason(t, "InspectUnverified of an export", err, WrongKind)
}

// TestRevocationsBounded: a count of passes that the bytes left cannot
// hold is refused before anything is allocated for them (2 M passes of
// 48 bytes in memory each would take 96 MB).
func TestRevocationsBounded(t *testing.T) {
	const n = 2_000_000
	p := append(bytes.Clone(revocationsPrefix), cbor.AppendHead(nil, cbor.Map, 5)...)
	p = append(p, revVersion, 1, revIssuer)
	p = cbor.AppendText(p, "320000")
	p = append(p, revSeq, 1, revIssuedAt)
	p = cbor.AppendHead(p, cbor.Uint, uint64(t0.Unix()))
	p = append(p, revPasses)
	p = cbor.AppendHead(p, cbor.Array, n)
	p = append(p, make([]byte, n)...) // n bytes: enough for the CBOR reader's count check
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	_, err := parseRevocations(p)
	runtime.ReadMemStats(&after)
	wantReason(t, "2 M passes in 2 MB", err, BadPayload)
	if a := after.TotalAlloc - before.TotalAlloc; a > 1<<20 {
		t.Errorf("allocated %d bytes", a)
	}
}

func mustClaims(t *testing.T) []byte {
	p := testPass("x", t0)
	b, err := p.AppendClaims(nil)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestMergeRevocations(t *testing.T) {
	open := func(r *Revocations, priv crypto.Signer) *Revocations {
		t.Helper()
		data, err := SignRevocations(r, priv)
		if err != nil {
			t.Fatal(err)
		}
		r, err = OpenRevocations(data, []crypto.PublicKey{priv.Public()})
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	c := contents()
	js := open(jsList(), jsKey)
	more := &Revocations{Issuer: "320000", Seq: 4, IssuedAt: t0, Passes: []RevokedPass{
		{ID: passID("js c"), ExpiresAt: t0.Add(time.Hour)},            // again: one entry
		{ID: passID("js b"), ExpiresAt: t0.Add(time.Second)},          // same first 8 bytes as a 12-byte ID above
		{ID: passID("jiangsu revoked"), ExpiresAt: t0.Add(time.Hour)}, // already in the bundle
	}}
	if err := c.MergeRevocations(t0, js, more); err != nil {
		t.Fatal(err)
	}
	want := []uint64{2, RevocationID(passID("jiangsu revoked")), RevocationID(passID("js b")), RevocationID(passID("js c"))}
	slices.Sort(want)
	if got := c.Issuers[0].RevokedPasses; !slices.Equal(got, want) {
		t.Errorf("Jiangsu's list %x, want %x (js a expires at now: dropped)", got, want)
	}
	if got := c.Issuers[1].RevokedPasses; len(got) != 4 {
		t.Errorf("Shanghai's list changed: %x", got)
	}
	b := mustOpen(t, mustSign(t, c, root))
	for _, x := range []struct {
		iss, label string
		revoked    bool
	}{
		{"320000", "js c", true}, {"320000", "js b", true}, {"320000", "js a", false},
		{"310000", "js c", false}, {"310000", "js b", false}, {"310000", "revoked", true},
	} {
		if b.PassRevoked(x.iss, passID(x.label)) != x.revoked {
			t.Errorf("PassRevoked(%s, %s) = %v", x.iss, x.label, !x.revoked)
		}
	}

	// Nothing is merged if one list is refused.
	unknown := &Revocations{Issuer: "330000", Seq: 1, IssuedAt: t0}
	// Jiangsu's key signs a list that claims to be Shanghai's.
	forged := open(&Revocations{Issuer: "310000", Seq: 1, IssuedAt: t0, Passes: []RevokedPass{{ID: passID("victim"), ExpiresAt: t0.Add(time.Hour)}}}, jsKey)
	// Shanghai's first key was rotated out at t0; an export after that.
	late := open(&Revocations{Issuer: "310000", Seq: 1, IssuedAt: t0.Add(time.Second)}, shKey)
	early := open(&Revocations{Issuer: "310000", Seq: 1, IssuedAt: t0.Add(-time.Second)}, shKey2)
	short := &Revocations{Issuer: "320000", Seq: 1, IssuedAt: t0, Passes: []RevokedPass{{ID: pass.ID{1, 2, 3}, ExpiresAt: t0.Add(time.Hour)}}}
	revokedKey := contents()
	revokedKey.RevokedKeys = []crypto.PublicKey{jsKey.Public()}
	for _, x := range []struct {
		name   string
		c      *Contents
		list   *Revocations
		reason Reason
	}{
		{"issuer not in the bundle", contents(), unknown, UnknownIssuer},
		{"signed by another issuer's key", contents(), forged, UnknownKey},
		{"signed after the key's window", contents(), late, UnknownKey},
		{"signed before the key's window", contents(), early, UnknownKey},
		{"signed by a revoked key", revokedKey, js, UnknownKey},
		{"pass ID too short", contents(), short, BadPayload},
	} {
		before := mustSign(t, x.c, root)
		err := x.c.MergeRevocations(t0, open(jsList(), jsKey), x.list)
		wantReason(t, x.name, err, x.reason)
		if !bytes.Equal(mustSign(t, x.c, root), before) {
			t.Errorf("%s: the contents changed", x.name)
		}
	}
	// A list without a Signer (built by the publisher itself) is trusted.
	c = contents()
	if err := c.MergeRevocations(t0, &Revocations{Issuer: "310000", Seq: 1, IssuedAt: t0,
		Passes: []RevokedPass{{ID: passID("own"), ExpiresAt: t0.Add(time.Hour)}}}); err != nil {
		t.Fatal(err)
	}
	if !mustOpen(t, mustSign(t, c, root)).PassRevoked("310000", passID("own")) {
		t.Error("own list not merged")
	}
}

var knownRevReasons = map[Reason]bool{
	TooLarge: true, BadCOSE: true, UnsupportedAlg: true, WrongKind: true, UnknownKey: true,
	BadSignature: true, UnsupportedVersion: true, BadPayload: true,
}

// FuzzOpenRevocations: any input gives exactly one of a list or an *Error
// with a known reason, never a panic; a list that opens re-encodes to the
// same payload. Seeded with every export of the revocation vectors (opened
// with their keys) and every bundle of the bundle vectors.
func FuzzOpenRevocations(f *testing.F) {
	rvs, err := testvectors.Revocations()
	if err != nil {
		f.Fatal(err)
	}
	var ks []crypto.PublicKey
	seeds := 0
	for _, v := range rvs {
		b, err := base64.StdEncoding.DecodeString(v.Export)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
		seeds++
		for _, k := range v.IssuerKeys {
			der, _ := base64.StdEncoding.DecodeString(k)
			pub, err := keys.ParsePublic(der)
			if err != nil {
				f.Fatal(err)
			}
			ks = append(ks, pub)
		}
	}
	vs, err := testvectors.All()
	if err != nil {
		f.Fatal(err)
	}
	for _, v := range vs {
		if v.Bundle != "" {
			b, _ := base64.StdEncoding.DecodeString(v.Bundle)
			f.Add(b)
			seeds++
		}
	}
	if seeds == 0 || len(ks) == 0 {
		f.Fatal("no seeds")
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) > 1<<20 {
			return
		}
		r, err := OpenRevocations(data, ks)
		if (r == nil) == (err == nil) {
			t.Fatalf("list %v, error %v", r, err)
		}
		if err != nil {
			var e *Error
			if !errors.As(err, &e) || !knownRevReasons[e.Reason] {
				t.Fatalf("error %v", err)
			}
			return
		}
		msg, err := cose.ParseSign1Max(data, MaxSize)
		if err != nil {
			t.Fatal(err)
		}
		again, err := r.marshal()
		if err != nil || !bytes.Equal(again, msg.Payload) {
			t.Fatalf("re-encoding: %v\n%x\n%x", err, msg.Payload, again)
		}
	})
}

// FuzzRevocationsPayload fuzzes the export decoder alone: a payload that
// decodes re-encodes to the same bytes. Seeded with the payloads of the
// revocation vectors.
func FuzzRevocationsPayload(f *testing.F) {
	rvs, err := testvectors.Revocations()
	if err != nil {
		f.Fatal(err)
	}
	seeds := 0
	for _, v := range rvs {
		b, _ := base64.StdEncoding.DecodeString(v.Export)
		if msg, err := cose.ParseSign1Max(b, MaxSize); err == nil {
			f.Add(msg.Payload)
			seeds++
		}
	}
	if seeds == 0 {
		f.Fatal("no seeds")
	}
	f.Fuzz(func(t *testing.T, payload []byte) {
		if len(payload) > 1<<20 {
			return
		}
		r, err := parseRevocations(payload)
		if err != nil {
			var e *Error
			if !errors.As(err, &e) || (e.Reason != BadPayload && e.Reason != UnsupportedVersion) {
				t.Fatalf("error %v", err)
			}
			return
		}
		again, err := r.marshal()
		if err != nil || !bytes.Equal(again, payload) {
			t.Fatalf("re-encoding: %v\n%x\n%x", err, payload, again)
		}
	})
}
