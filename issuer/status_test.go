package issuer_test

import (
	"testing"

	"github.com/hufu-project/hufu/issuer"
	"github.com/hufu-project/hufu/pass"
)

func TestSetStatus(t *testing.T) {
	var c issuer.Claims
	if err := c.SetStatus("Yellow", "close_contact", []string{"test_suggested", "health_registration"}); err != nil {
		t.Fatal(err)
	}
	if c.Colour != pass.Yellow || c.Reason != pass.CloseContact || c.Hints != pass.TestSuggested|pass.HealthRegistration {
		t.Errorf("got %v %v %v", c.Colour, c.Reason, c.Hints)
	}
	for _, bad := range [][3]string{{"blue", "", ""}, {"green", "close_contact", ""}, {"red", "nope", ""}, {"red", "", "nope"}} {
		var hints []string
		if bad[2] != "" {
			hints = []string{bad[2]}
		}
		if err := c.SetStatus(bad[0], bad[1], hints); err == nil || c.Colour != pass.Yellow || c.Reason != pass.CloseContact {
			t.Errorf("SetStatus%q: %v, claims %v %v", bad, err, c.Colour, c.Reason)
		}
	}
}
