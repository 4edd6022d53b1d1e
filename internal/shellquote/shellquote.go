// Package shellquote writes command lines as a person would type them in
// a POSIX shell, for showing commands (hufu demo) and for hints to paste.
package shellquote

import "strings"

// Join returns args as one command line: an argument that is empty or
// holds anything but ASCII letters, digits and @%+=:,./-_ (a space, a
// quote, a shell metacharacter, a newline, a character that is not ASCII,
// which is quoted so that it reads as one word) is single-quoted, a single
// quote in it closing, escaping and reopening the quoting; others are as
// they are.
func Join(args []string) string {
	q := make([]string, len(args))
	for i, a := range args {
		if a == "" || strings.IndexFunc(a, unsafe) >= 0 {
			a = "'" + strings.ReplaceAll(a, "'", `'\''`) + "'"
		}
		q[i] = a
	}
	return strings.Join(q, " ")
}

// unsafe reports whether r needs quoting.
func unsafe(r rune) bool {
	switch {
	case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9':
		return false
	}
	return !strings.ContainsRune("@%+=:,./-_", r)
}
