package issuer

import (
	"fmt"
	"strings"

	"github.com/hufu-project/hufu/pass"
)

// SetStatus sets c's colour, reason and hints from their names as SPEC.md
// lists them and people type them: colour green, yellow or red (in any
// case), reason a reason code or "" (only for yellow and red), hints hint
// codes. It changes c only if every name is known; otherwise it returns
// a BadStatus *Error.
func (c *Claims) SetStatus(colour, reason string, hints []string) error {
	col, ok := pass.ParseColour(strings.ToLower(colour))
	if !ok {
		return fail(BadStatus, nil, "", fmt.Sprintf("unknown colour %q (want green, yellow or red)", colour))
	}
	const codes = `run "hufu help issue" for the reason and hint codes`
	var r pass.Reason
	if reason != "" {
		if r, ok = pass.ParseReason(reason); !ok {
			return fail(BadStatus, nil, codes, fmt.Sprintf("unknown reason %q", reason))
		}
		if col == pass.Green {
			return fail(BadStatus, nil, "drop -reason, or make the pass yellow or red", "a green pass carries no reason; hints give advice")
		}
	}
	var hs pass.Hints
	for _, h := range hints {
		bit, ok := pass.ParseHint(h)
		if !ok {
			return fail(BadStatus, nil, codes, fmt.Sprintf("unknown hint %q", h))
		}
		hs |= bit
	}
	c.Colour, c.Reason, c.Hints = col, r, hs
	return nil
}
