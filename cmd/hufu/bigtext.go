package main

import (
	"os"
	"strconv"
	"strings"
)

// A five-row block font for the station's headline, readable from across
// a desk: the decision words and their symbols. '#' is a lit cell.
var bigFont = map[rune][5]string{
	'A': {" ### ", "#   #", "#####", "#   #", "#   #"},
	'B': {"#### ", "#   #", "#### ", "#   #", "#### "},
	'C': {" ####", "#    ", "#    ", "#    ", " ####"},
	'D': {"#### ", "#   #", "#   #", "#   #", "#### "},
	'E': {"#####", "#    ", "#### ", "#    ", "#####"},
	'I': {"###", " # ", " # ", " # ", "###"},
	'L': {"#    ", "#    ", "#    ", "#    ", "#####"},
	'M': {"#   #", "## ##", "# # #", "#   #", "#   #"},
	'N': {"#   #", "##  #", "# # #", "#  ##", "#   #"},
	'O': {" ### ", "#   #", "#   #", "#   #", " ### "},
	'R': {"#### ", "#   #", "#### ", "#  # ", "#   #"},
	'S': {" ####", "#    ", " ### ", "    #", "#### "},
	'T': {"#####", "  #  ", "  #  ", "  #  ", "  #  "},
	'U': {"#   #", "#   #", "#   #", "#   #", " ### "},
	'V': {"#   #", "#   #", "#   #", " # # ", "  #  "},
	'Y': {"#   #", " # # ", "  #  ", "  #  ", "  #  "},
	' ': {" ", " ", " ", " ", " "},
	'?': {" ### ", "#   #", "  ## ", "     ", "  #  "},
	'✔': {"      #", "     # ", "#   #  ", " # #   ", "  #    "},
	'✘': {"#   #", " # # ", "  #  ", " # # ", "#   #"},
	'▲': {"    #    ", "   ###   ", "  #####  ", " ####### ", "#########"},
}

// bigText renders s in the block font, or returns nil if a character has
// no glyph. Characters are one column apart; rows have equal width.
func bigText(s string) []string {
	var rows [5]strings.Builder
	for i, r := range s {
		g, ok := bigFont[r]
		if !ok {
			return nil
		}
		for j := range rows {
			if i > 0 {
				rows[j].WriteByte(' ')
			}
			rows[j].WriteString(strings.ReplaceAll(g[j], "#", "█"))
		}
	}
	out := make([]string, len(rows))
	for j := range rows {
		out[j] = rows[j].String()
	}
	return out
}

// displayWidth is the number of terminal columns s takes: East Asian wide
// characters take two.
func displayWidth(s string) int {
	n := 0
	for _, r := range s {
		n++
		if wide(r) {
			n++
		}
	}
	return n
}

// wide reports whether r takes two terminal columns (CJK and full-width
// forms; enough for the station's own words).
func wide(r rune) bool {
	return r >= 0x1100 && r <= 0x115f || r >= 0x2e80 && r <= 0xa4cf || r >= 0xac00 && r <= 0xd7a3 ||
		r >= 0xf900 && r <= 0xfaff || r >= 0xfe30 && r <= 0xfe4f || r >= 0xff00 && r <= 0xff60 ||
		r >= 0xffe0 && r <= 0xffe6 || r >= 0x20000 && r <= 0x3fffd
}

// center pads s with spaces on both sides to width columns.
func center(s string, width int) string {
	w := displayWidth(s)
	if w >= width {
		return s
	}
	left := (width - w) / 2
	return strings.Repeat(" ", left) + s + strings.Repeat(" ", width-w-left)
}

// termWidth returns the width of the terminal on standard output, else
// $COLUMNS, else 80.
func termWidth(e *env) int {
	if f, ok := e.stdout.(*os.File); ok {
		if w := ttyWidth(f); w > 0 {
			return w
		}
	}
	if n, err := strconv.Atoi(e.getenv("COLUMNS")); err == nil && n > 0 {
		return n
	}
	return 80
}
