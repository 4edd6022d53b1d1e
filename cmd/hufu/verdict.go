package main

import (
	"encoding/json"
	"fmt"
	"io"

	"github.com/hufu-project/hufu/internal/termsafe"
	"github.com/hufu-project/hufu/verdict"
)

// exitCode is verify's exit status for a verdict.
func exitCode(v *verdict.Verdict) int {
	switch v.Decision {
	case verdict.CannotDecide:
		return exitUndecid
	case verdict.Invalid:
		return exitInvalid
	case verdict.Admit:
		return exitOK
	case verdict.Observe:
		return exitObserve
	case verdict.Valid:
		return exitValid
	}
	return exitDeny
}

func writeJSON(w io.Writer, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	_, err = w.Write(append(b, '\n'))
	return err
}

// style holds the terminal escapes; all empty when colour is off.
type style struct{ bold, green, yellow, red, dim, reset string }

func newStyle(on bool) style {
	if !on {
		return style{}
	}
	return style{"\x1b[1m", "\x1b[1;97;42m", "\x1b[1;30;43m", "\x1b[1;97;41m", "\x1b[2m", "\x1b[0m"}
}

// writeHuman prints the verdict for a guard (verdict.Report): the
// decision as a word and a symbol first, on its colour (never colour
// alone), then the details. Every text is escaped (termsafe).
func writeHuman(w io.Writer, v *verdict.Verdict, photoGiven bool, st style) {
	paint := map[verdict.Decision]string{verdict.Admit: st.green, verdict.Valid: st.green, verdict.Observe: st.yellow, verdict.CannotDecide: st.yellow}[v.Decision]
	if paint == "" {
		paint = st.red
	}
	if v.Input != "" {
		fmt.Fprintf(w, "%s%s%s\n", st.dim, termsafe.String(v.Input), st.reset)
	}
	r := v.Report(photoGiven)
	head := termsafe.String(r.Head)
	if paint != "" {
		head = paint + " " + head + " " + st.reset
	}
	fmt.Fprintln(w, head)
	for _, row := range r.Rows {
		fmt.Fprintf(w, "  %-9s %s\n", row[0], termsafe.String(row[1]))
	}
}
