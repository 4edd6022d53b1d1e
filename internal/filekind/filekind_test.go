package filekind

import (
	"crypto/ed25519"
	"crypto/sha256"
	"testing"
	"time"

	"github.com/hufu-project/hufu/bundle"
	"github.com/hufu-project/hufu/keys"
	"github.com/hufu-project/hufu/pass"
)

func TestOf(t *testing.T) {
	seed := sha256.Sum256([]byte("filekind"))
	priv := ed25519.NewKeyFromSeed(seed[:])
	pub, _ := keys.EncodePublicPEM(priv.Public())
	key, _ := keys.EncodePrivatePEM(priv)
	tf, _ := keys.NewTrust()
	trust, _ := tf.Marshal()
	at := time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)
	b, err := bundle.Sign(&bundle.Contents{Seq: 1, IssuedAt: at, NextUpdate: at.Add(time.Hour), Expires: at.Add(time.Hour),
		Issuers: []bundle.Issuer{{ID: "310000", Name: bundle.Label{ZH: "上海市", EN: "Shanghai"}, MaxLifetime: time.Hour,
			Colours: []pass.Colour{pass.Green}, Keys: []bundle.IssuerKey{{Public: priv.Public()}}}}}, priv)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		data string
		want Kind
	}{
		{"", Empty}, {" \n", Empty},
		{"HF1:6BF..\n", Pass}, {"HC1:NCF", DCC},
		{"\x89PNG\r\n\x1a\nxxxx", Image}, {"GIF89a", Image},
		{string(pub), PublicKey}, {string(key), PrivateKey}, {"Hufu-Key-Role: bundle-root\n" + string(key), PrivateKey},
		{"-----BEGIN CERTIFICATE-----\n", Cert},
		{string(trust), TrustFile}, {`{"hufu_bundle_source": 1, "seq": 0}`, Source},
		{string(b), Bundle},
		{"hello", Unknown}, {`{"x":1}`, Unknown},
	} {
		if got := Of([]byte(tc.data)); got != tc.want {
			t.Errorf("Of(%.20q) = %q, want %q", tc.data, got, tc.want)
		}
	}
}

func TestMismatch(t *testing.T) {
	for _, tc := range []struct {
		data string
		want Kind
		msg  string
	}{
		{"HF1:6BF", Bundle, "f is a pass, not a trust bundle"},
		{"", PublicKey, "f is empty, not a public key"},
		{"HF1:6BF", Pass, ""},
		{"hello", Bundle, ""},
	} {
		if got := Mismatch("f", []byte(tc.data), tc.want); got != tc.msg {
			t.Errorf("Mismatch(%q, %q) = %q, want %q", tc.data, tc.want, got, tc.msg)
		}
	}
}
