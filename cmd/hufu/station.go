package main

import (
	"fmt"
	"io"
	"sync"

	"github.com/hufu-project/hufu/internal/termsafe"
	"github.com/hufu-project/hufu/station"
)

// terminal shows a station's results on the terminal: the big verdict,
// or one JSON object per scan.
type terminal struct {
	out    io.Writer
	errOut io.Writer // notes in JSON mode
	lang   string
	asJSON bool
	st     style
	bell   bool
	width  int
	mu     sync.Mutex
}

// show is the station's OnResult: called in log order.
func (t *terminal) show(r *station.Result) {
	t.mu.Lock()
	defer t.mu.Unlock()
	switch {
	case r.Outcome == station.Repeat && !t.asJSON && r.Source == "scanner":
		// A guard who scans twice sees why nothing happens; a camera
		// sees the code many times a second, silently.
		fmt.Fprintf(t.out, "%s%s%s\n", t.st.dim, say(t.lang, "repeat"), t.st.reset)
	case r.Outcome == station.Repeat:
	case t.asJSON:
		writeJSON(t.out, r.Verdict)
	default:
		t.writeBig(t.out, r.Display)
	}
}

// note shows a line that is not a verdict: on standard error in JSON
// mode, so that standard output stays one verdict per line.
func (t *terminal) note(msg string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.asJSON {
		fmt.Fprintf(t.errOut, "hufu: %s\n", termsafe.String(msg))
		return
	}
	fmt.Fprintf(t.out, "%s%s%s\n", t.st.bold, termsafe.String(msg), t.st.reset)
}
