package testvectors

import (
	"crypto"
	"encoding/hex"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/hufu-project/hufu/bundle"
	"github.com/hufu-project/hufu/keys"
	"github.com/hufu-project/hufu/pass"
)

// The revocation export vectors (revocations/*.json) through
// bundle.OpenRevocations, Contents.MergeRevocations, bundle.Sign and
// bundle.Open.

func TestRevocationVectors(t *testing.T) {
	vs, err := Revocations()
	if err != nil {
		t.Fatal(err)
	}
	reasons := map[string]bool{}
	for _, v := range vs {
		reasons[v.Expect.Error] = true
		t.Run(v.Name, func(t *testing.T) { revocationVector(t, &v) })
	}
	for _, r := range []bundle.Reason{"", bundle.WrongKind, bundle.UnknownKey, bundle.BadSignature, bundle.UnsupportedVersion, bundle.BadPayload} {
		if !reasons[string(r)] {
			t.Errorf("no revocation vector with error %q", r)
		}
	}
}

func revocationVector(t *testing.T, v *RevocationsVector) {
	var ks []crypto.PublicKey
	for _, k := range v.IssuerKeys {
		pub, err := keys.ParsePublic(decodeB64(t, k))
		if err != nil {
			t.Fatal(err)
		}
		ks = append(ks, pub)
	}
	r, err := bundle.OpenRevocations(decodeB64(t, v.Export), ks)
	if v.Expect.Error != "" {
		var e *bundle.Error
		if !errors.As(err, &e) || string(e.Reason) != v.Expect.Error || r != nil {
			t.Fatalf("OpenRevocations: %v, want %s", err, v.Expect.Error)
		}
		t.Log(err)
		return
	}
	if err != nil {
		t.Fatalf("OpenRevocations: %v", err)
	}
	if r.Issuer != v.Expect.Issuer || r.Seq != v.Expect.Seq || r.IssuedAt.Format(time.RFC3339) != v.Expect.IssuedAt || r.Signer == nil {
		t.Errorf("decoded %s %d %v, signer %v", r.Issuer, r.Seq, r.IssuedAt, r.Signer)
	}
	var got []RevocationPass
	for _, p := range r.Passes {
		got = append(got, RevocationPass{PassID: hex.EncodeToString(p.ID), ExpiresAt: p.ExpiresAt.Format(time.RFC3339)})
	}
	if !slices.Equal(got, v.Expect.Passes) {
		t.Errorf("passes %v, want %v", got, v.Expect.Passes)
	}

	// Merged into the vectors' bundle at now, then signed and opened: the
	// issuer's list gains exactly the merged IDs, and only that issuer
	// refuses them.
	now, err := time.Parse(time.RFC3339, v.Now)
	if err != nil {
		t.Fatal(err)
	}
	c := bundleContents(5)
	i := slices.IndexFunc(c.Issuers, func(is bundle.Issuer) bool { return is.ID == r.Issuer })
	before := slices.Clone(c.Issuers[i].RevokedPasses)
	if err := c.MergeRevocations(now, r); err != nil {
		t.Fatalf("MergeRevocations: %v", err)
	}
	want := before
	for _, h := range v.Expect.Merged {
		id, _ := hex.DecodeString(h)
		want = append(want, bundle.RevocationID(id))
	}
	slices.Sort(want)
	if !slices.Equal(c.Issuers[i].RevokedPasses, slices.Compact(want)) {
		t.Errorf("merged %x, want %x", c.Issuers[i].RevokedPasses, want)
	}
	b, err := bundle.Open(signBundle(keyR, c), []crypto.PublicKey{keyR.priv.Public()})
	if err != nil {
		t.Fatal(err)
	}
	other := "310000"
	if r.Issuer == other {
		other = "320000"
	}
	for _, p := range r.Passes {
		merged := slices.Contains(v.Expect.Merged, hex.EncodeToString(p.ID[:pass.MinIDSize]))
		if b.PassRevoked(r.Issuer, p.ID) != merged || b.PassRevoked(other, p.ID) {
			t.Errorf("pass %x: revoked for %s %v (want %v), for %s %v", []byte(p.ID), r.Issuer, !merged, merged, other, b.PassRevoked(other, p.ID))
		}
	}
}
