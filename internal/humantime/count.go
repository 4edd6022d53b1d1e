package humantime

import (
	"strconv"
	"strings"
)

// Plural says a count of things in English: "1 what", else "n whats", or
// "n whates" for a word ending in s ("2 passes", "0 revoked keys").
func Plural(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	if strings.HasSuffix(what, "s") {
		return strconv.Itoa(n) + " " + what + "es"
	}
	return strconv.Itoa(n) + " " + what + "s"
}
