package holder_test

import (
	"bytes"
	"encoding/hex"
	"errors"
	"strings"
	"testing"

	"github.com/hufu-project/hufu/holder"
	"github.com/hufu-project/hufu/internal/cose"
	"github.com/hufu-project/hufu/pass"
	"github.com/hufu-project/hufu/testvectors"
)

// FuzzClaims: ParseClaims never panics, fails only with ErrInvalid, and
// what it accepts is in range and re-encodes to exactly the same bytes.
// Seeded with the claims of every presentation vector whose message parses.
func FuzzClaims(f *testing.F) {
	vs, err := testvectors.All()
	if err != nil {
		f.Fatal(err)
	}
	seeds := 0
	for _, v := range vs {
		if !strings.HasPrefix(v.Text, holder.Prefix) || v.COSEHex == "" {
			continue
		}
		raw, _ := hex.DecodeString(v.COSEHex)
		if msg, err := cose.ParsePresentation(raw); err == nil {
			f.Add(msg.Payload)
			seeds++
		}
	}
	if seeds == 0 {
		f.Fatal("no seeds from the presentation vectors")
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		c, err := holder.ParseClaims(b)
		if err != nil {
			if c != nil || !errors.Is(err, holder.ErrInvalid) {
				t.Fatalf("ParseClaims(%x) = %v, %v", b, c, err)
			}
			return
		}
		if len(c.Pass) == 0 || len(c.Pass) > holder.MaxPass || c.Time.Unix() <= 0 || c.Time.Unix() > pass.MaxTime ||
			(c.Challenge != nil && (len(c.Challenge) == 0 || len(c.Challenge) > holder.MaxChallenge)) {
			t.Fatalf("ParseClaims(%x) accepted %+v", b, c)
		}
		again, err := c.Append(nil)
		if err != nil || !bytes.Equal(again, b) {
			t.Fatalf("ParseClaims(%x) re-encodes to %x, %v", b, again, err)
		}
	})
}
