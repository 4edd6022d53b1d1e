package station

import (
	"crypto"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/hufu-project/hufu/bundle"
	"github.com/hufu-project/hufu/keys"
	"github.com/hufu-project/hufu/pass"
)

// TestTrustReloadNoRollback: a running station never goes back to an
// older bundle (issue 11 item 1): not to one that may not replace the
// bundle in use, nor when the state refuses the installed file as a
// rollback; a newer one is taken up.
func TestTrustReloadNoRollback(t *testing.T) {
	f := newFixture(t)
	root, err := keys.Generate(keys.EdDSA)
	if err != nil {
		t.Fatal(err)
	}
	other, _ := keys.Generate(keys.EdDSA)
	at := f.clk.Now().Add(-time.Hour)
	mk := func(seq uint64) *bundle.Bundle {
		data, err := bundle.Sign(&bundle.Contents{Seq: seq, IssuedAt: at, NextUpdate: at.Add(24 * time.Hour), Expires: at.Add(48 * time.Hour),
			Issuers: []bundle.Issuer{{ID: "310000", Name: bundle.Label{ZH: "上海市", EN: "Shanghai"}, MaxLifetime: time.Hour,
				Colours: []pass.Colour{pass.Green}, Keys: []bundle.IssuerKey{{Public: other.Public()}}}}}, root)
		if err != nil {
			t.Fatal(err)
		}
		b, err := bundle.Open(data, []crypto.PublicKey{root.Public()})
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	var next *Trust
	var notes []string
	s := f.open(t, func(c *Config) {
		c.Dedupe = 0
		c.Trust = Trust{Keys: f.trust, Label: "bundle 2", Bundle: mk(2)}
		c.Reload = func() (*Trust, error) { t := next; next = nil; return t, nil }
		c.Notify = func(msg string) { notes = append(notes, msg) }
	})
	g := f.issue(t, "a", pass.Green)
	for _, older := range []*Trust{
		{Keys: f.trust, Label: "bundle 1", Bundle: mk(1)},
		{Label: "swapped file", Err: fmt.Errorf("store: %w", bundle.Rollback)},
	} {
		next = older
		check(t, s, g, "")
		if s.TrustLabel() != "bundle 2" || !strings.Contains(strings.Join(notes, "\n"), "rollback") {
			t.Fatalf("reload to %s: using %s; notes %q", older.Label, s.TrustLabel(), notes)
		}
	}
	next = &Trust{Keys: f.trust, Label: "bundle 3", Bundle: mk(3)}
	check(t, s, g, "")
	if s.TrustLabel() != "bundle 3" {
		t.Fatalf("reload to bundle 3: using %s", s.TrustLabel())
	}
}
