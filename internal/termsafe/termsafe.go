// Package termsafe makes text taken from a pass, a certificate or a log
// safe to print on a terminal: a forged code must not be able to move the
// cursor, clear the screen, recolour the verdict or reorder what follows.
package termsafe

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// String returns s with every terminal-dangerous rune replaced by a
// visible escape: C0 controls (including ESC, CR, LF and TAB), DEL, C1
// controls (U+0080–U+009F), the bidirectional embeddings, overrides and
// isolates (U+202A–U+202E, U+2066–U+2069), U+200E/U+200F/U+061C marks,
// line and paragraph separators (U+2028, U+2029), and invalid UTF-8. A
// rune is shown as \xHH (below U+0100) or \u{HHHH}; a byte of invalid
// UTF-8 as \xHH. Everything else, including all printable non-ASCII
// text such as Chinese names, is kept.
func String(s string) string {
	if safe(s) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && n == 1:
			fmt.Fprintf(&b, `\x%02x`, s[i])
		case dangerous(r) && r < 0x100:
			fmt.Fprintf(&b, `\x%02x`, r)
		case dangerous(r):
			fmt.Fprintf(&b, `\u{%04x}`, r)
		default:
			b.WriteString(s[i : i+n])
		}
		i += n
	}
	return b.String()
}

func safe(s string) bool {
	for _, r := range s {
		if r == utf8.RuneError || dangerous(r) {
			return false
		}
	}
	return true
}

func dangerous(r rune) bool {
	switch {
	case r < 0x20, r == 0x7f, r >= 0x80 && r <= 0x9f:
		return true
	case r >= 0x202a && r <= 0x202e, r >= 0x2066 && r <= 0x2069:
		return true
	case r == 0x200e, r == 0x200f, r == 0x061c, r == 0x2028, r == 0x2029:
		return true
	}
	return false
}
