package main

import (
	"fmt"
	"io"
	"strings"

	"github.com/hufu-project/hufu/internal/termsafe"
	"github.com/hufu-project/hufu/station"
)

// writeBig prints a verdict across the terminal's width: the decision in
// block letters on its colour, then a line with the word, symbol and
// colour, an anti-passback alert, and the details. Texts from the pass
// are escaped (termsafe).
func (t *terminal) writeBig(w io.Writer, d *station.Display) {
	st := t.st
	paint := map[string]string{"admit": st.green, "valid": st.green, "observe": st.yellow, "cannot_decide": st.yellow}[d.State]
	if paint == "" {
		paint = st.red
	}
	width := min(max(t.width, 20), 240)
	var b strings.Builder
	bar := func(text, paint string) {
		line := center(termsafe.String(text), width)
		if paint == "" {
			b.WriteString(strings.TrimRight(line, " "))
		} else {
			b.WriteString(paint + line + st.reset)
		}
		b.WriteByte('\n')
	}
	b.WriteByte('\n')
	if big := bigText(d.Symbol + " " + say("en", d.State)); big != nil && displayWidth(big[0]) <= width {
		if paint != "" {
			bar("", paint)
		}
		for _, r := range big {
			bar(r, paint)
		}
		if paint != "" {
			bar("", paint)
		}
	}
	head := d.Symbol + "  " + d.Word
	if d.WordEn != "" {
		head += "  " + d.WordEn
	}
	bar(head+"  ·  "+d.Sub, paint)
	if d.Alert != "" {
		bar("⚠  "+d.Alert, st.yellow)
	}
	labelWidth := 0
	for _, r := range d.Rows {
		labelWidth = max(labelWidth, displayWidth(r[0]))
	}
	for _, r := range d.Rows {
		fmt.Fprintf(&b, "  %s%s  %s\n", r[0], strings.Repeat(" ", labelWidth-displayWidth(r[0])), termsafe.String(r[1]))
	}
	if d.Bell && t.bell {
		b.WriteByte('\a')
	}
	io.WriteString(w, b.String())
}
