package termsafe

import "testing"

func TestString(t *testing.T) {
	for in, want := range map[string]string{
		"张三":                           "张三",
		"MUSTERFRAU<GOESSINGER":        "MUSTERFRAU<GOESSINGER",
		"\x1b[2J\x1b[H\x1b[32m✔ VALID": `\x1b[2J\x1b[H\x1b[32m✔ VALID`,
		"a\rb\nc\td\x7f":               `a\x0db\x0ac\x09d\x7f`,
		"\u009b31m":                    `\x9b31m`,
		"abc\u202edef\u2066":           `abc\u{202e}def\u{2066}`,
		"bad\xffutf8":                  `bad\xffutf8`,
		"\u2028line":                   `\u{2028}line`,
		"":                             "",
	} {
		if got := String(in); got != want {
			t.Errorf("String(%q) = %q, want %q", in, got, want)
		}
		if got := String(in); !safe(got) {
			t.Errorf("String(%q) = %q is not safe", in, got)
		}
	}
}
