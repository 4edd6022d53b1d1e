package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
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

// readScanner reads lines from r until it ends or ctx is done, and hands
// each to line: s.Line (a keyboard wedge), s.ScannerLine or
// s.KeyboardLine.
func readScanner(ctx context.Context, t *terminal, r io.Reader, line func(string) (*station.Result, error)) error {
	lr := station.NewLineReader(r)
	for ctx.Err() == nil {
		l, err := lr.Next()
		if l != "" && ctx.Err() == nil {
			res, lerr := line(l)
			var ne *station.NameError
			var nc *station.NotCodeError
			var tc *station.TypedCodeError
			switch {
			case errors.As(lerr, &ne):
				t.note(say(t.lang, "name_bad", strings.TrimPrefix(ne.Error(), "station: unusable name: ")))
			case errors.As(lerr, &nc) && nc.Scanner:
				t.note(say(t.lang, "not_code_scan"))
			case errors.As(lerr, &nc):
				t.note(say(t.lang, "not_code", station.NameMarker))
			case errors.As(lerr, &tc):
				t.note(say(t.lang, "code_typed"))
			case lerr != nil:
				return lerr
			case res == nil:
				t.note(say(t.lang, "name_pending", strings.TrimSpace(strings.TrimPrefix(l, station.NameMarker))))
			}
		}
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
	}
	return nil
}
