package verdictschema

import (
	"strings"
	"testing"
)

// TestRejects: the schema is strict enough to fail: missing keys, extra
// keys, other decision words, an invalid code with a format.
func TestRejects(t *testing.T) {
	good := `{"hufu_verdict":2,"decision":"invalid","valid":false,"input":null,"reason":"bad_prefix","detail":null,"format":null,"colour":null,"issuer":null,"issuer_name":null,"pass_id":null,"issued_at":null,"expires_at":null,"checked_at":"2026-01-01T00:00:00.000Z","seconds_left":null,"status_reason":null,"hints":[],"name_match":null,"photo_match":null,"photo_id":null,"alg":null,"kid":null,"trust":null,"warnings":[],"hc1":null,"scan":null}`
	if err := Validate([]byte(good)); err != nil {
		t.Fatalf("a good verdict: %v", err)
	}
	for name, bad := range map[string]string{
		"version 1":        strings.Replace(good, `"hufu_verdict":2`, `"hufu_verdict":1`, 1),
		"deny for invalid": strings.Replace(good, `"decision":"invalid"`, `"decision":"deny"`, 1),
		"undecided":        strings.Replace(good, `"decision":"invalid"`, `"decision":"undecided"`, 1),
		"missing key":      strings.Replace(good, `"detail":null,`, ``, 1),
		"extra key":        strings.Replace(good, `"scan":null`, `"scan":null,"undecided":false`, 1),
		"valid with reason": strings.Replace(strings.Replace(good, `"decision":"invalid","valid":false`, `"decision":"admit","valid":true`, 1),
			`"format":null`, `"format":"HF1"`, 1),
		"hints null":   strings.Replace(good, `"hints":[]`, `"hints":null`, 1),
		"bad time":     strings.Replace(good, `2026-01-01T00:00:00.000Z`, `2026-01-01 00:00`, 1),
		"invalid, HF1": strings.Replace(good, `"format":null`, `"format":"HF1"`, 1),
	} {
		if Validate([]byte(bad)) == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	if ValidateDecision([]byte(`"cannot_decide"`)) != nil || ValidateDecision([]byte(`"undecided"`)) == nil {
		t.Error("ValidateDecision")
	}
}
