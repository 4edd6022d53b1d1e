// Package shellquote writes command lines as a person would type them in
// a POSIX shell, for showing commands (hufu demo).
package shellquote

import "strings"

// Join returns args as one command line: an argument that is empty or
// holds a space, a quote or a shell metacharacter is single-quoted (a
// single quote in it closes, escapes and reopens the quoting); one that is not ASCII is
// single-quoted too, so that it reads as one word; others are as they
// are.
func Join(args []string) string {
	q := make([]string, len(args))
	for i, a := range args {
		if a == "" || strings.ContainsAny(a, " \t'\"$\\*?;&|<>()") {
			a = "'" + strings.ReplaceAll(a, "'", `'\''`) + "'"
		} else if !isASCII(a) {
			a = "'" + a + "'"
		}
		q[i] = a
	}
	return strings.Join(q, " ")
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}
