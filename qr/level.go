package qr

import "strings"

// ParseLevel returns the level named by s, one of L, M, Q or H in either
// case, and whether s names one.
func ParseLevel(s string) (Level, bool) {
	switch strings.ToUpper(s) {
	case "L":
		return L, true
	case "M":
		return M, true
	case "Q":
		return Q, true
	case "H":
		return H, true
	}
	return 0, false
}
