package bundle

import (
	"bytes"
	"crypto"
	"encoding/base64"
	"errors"
	"testing"

	"github.com/hufu-project/hufu/internal/cose"
	"github.com/hufu-project/hufu/keys"
	"github.com/hufu-project/hufu/testvectors"
)

var knownReasons = map[Reason]bool{
	TooLarge: true, BadCOSE: true, UnsupportedAlg: true, UnknownRoot: true,
	BadSignature: true, UnsupportedVersion: true, BadPayload: true, WrongKind: true,
}

// FuzzOpen: any input gives exactly one of a bundle or an *Error with a
// known reason, never a panic; a payload that decodes re-encodes to the
// same bytes (unless it has extension fields, which are dropped); Open
// accepts only what InspectUnverified accepts. Seeded with every bundle of
// the test vectors, and opened with their roots.
func FuzzOpen(f *testing.F) {
	vs, err := testvectors.All()
	if err != nil {
		f.Fatal(err)
	}
	var roots []crypto.PublicKey
	seeds := 0
	for _, v := range vs {
		for _, s := range []string{v.Bundle, v.InstalledBundle} {
			if s == "" {
				continue
			}
			b, err := base64.StdEncoding.DecodeString(s)
			if err != nil {
				f.Fatal(err)
			}
			f.Add(b)
			seeds++
		}
		if roots == nil && len(v.Roots) > 0 {
			for _, r := range v.Roots {
				der, _ := base64.StdEncoding.DecodeString(r)
				pub, err := keys.ParsePublic(der)
				if err != nil {
					f.Fatal(err)
				}
				roots = append(roots, pub)
			}
		}
	}
	if seeds == 0 || roots == nil {
		f.Fatal("no seeds")
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) > 1<<20 {
			return
		}
		u, uerr := InspectUnverified(data)
		checkErr(t, u, uerr)
		b, err := Open(data, roots)
		checkErr(t, b, err)
		if err == nil && (uerr != nil || !b.Verified || b.Seq != u.Seq) {
			t.Fatalf("Open accepted what InspectUnverified says is %v", uerr)
		}
		if uerr != nil {
			return
		}
		if u.Verified || u.Keys(u.Signer) != nil {
			t.Fatal("an unverified bundle trusts keys")
		}
		msg, err := cose.ParseSign1Max(data, MaxSize)
		if err != nil {
			t.Fatal(err)
		}
		roundTrip(t, msg.Payload)
	})
}

// FuzzPayload fuzzes the payload decoder alone, where mutations need not
// keep a COSE envelope intact: a payload that decodes re-encodes to the
// same bytes (less its extension fields). Seeded with the payloads of the
// test vectors' bundles.
func FuzzPayload(f *testing.F) {
	vs, err := testvectors.All()
	if err != nil {
		f.Fatal(err)
	}
	seeds := 0
	for _, v := range vs {
		if v.Bundle == "" {
			continue
		}
		b, _ := base64.StdEncoding.DecodeString(v.Bundle)
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
		b, _, err := parsePayload(payload)
		checkErr(t, b, err)
		if err == nil {
			roundTrip(t, payload)
		}
	})
}

func roundTrip(t *testing.T, payload []byte) {
	b, rev, err := parsePayload(payload)
	if err != nil {
		t.Fatal(err)
	}
	again, err := contentsOf(b).appendPayload(rev)
	if err != nil {
		t.Fatalf("re-encoding: %v", err)
	}
	if b.extensions == 0 && !bytes.Equal(again, payload) {
		t.Fatalf("re-encoding changes the payload\n%x\n%x", payload, again)
	}
	if b2, _, err := parsePayload(again); err != nil || b2.extensions != 0 || b2.Seq != b.Seq {
		t.Fatalf("the re-encoded payload: %v", err)
	}
}

func checkErr(t *testing.T, b *Bundle, err error) {
	t.Helper()
	if (b == nil) == (err == nil) {
		t.Fatalf("bundle %v, error %v", b, err)
	}
	if err != nil {
		var e *Error
		if !errors.As(err, &e) || !knownReasons[e.Reason] {
			t.Fatalf("error %v", err)
		}
	}
}
