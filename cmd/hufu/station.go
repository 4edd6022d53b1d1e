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

// Scanner lines: a code is recognised by its prefix; a name comes only
// from the guard's keyboard, after nameMarker. Anything else is refused:
// a QR code that holds a name must never pass for the guard typing it.
const nameMarker = "="

var codePrefixes = []string{"HF1:", "HC1:", "HF1P:"}

// isCodeLine reports whether a scanner line is a code: it starts with
// HF1:, HC1: or HF1P: (in any case, so that Caps Lock gets its hint).
func isCodeLine(line string) bool {
	up := strings.ToUpper(line)
	for _, p := range codePrefixes {
		if strings.HasPrefix(up, p) {
			return true
		}
	}
	return false
}

// readScanner reads scanner lines from r until it ends or ctx is done.
func readScanner(ctx context.Context, s *station.Station, t *terminal, r io.Reader) error {
	lr := newLineReader(r)
	for ctx.Err() == nil {
		line, err := lr.next()
		if line != "" && ctx.Err() == nil {
			if rerr := scannerLine(s, t, line); rerr != nil {
				return rerr
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

func scannerLine(s *station.Station, t *terminal, line string) error {
	switch {
	case isCodeLine(line):
		_, err := s.Check(line, "scanner", "")
		return err
	case strings.HasPrefix(line, nameMarker):
		name := strings.TrimSpace(strings.TrimPrefix(line, nameMarker))
		r, err := s.TypedName(name)
		var ne *station.NameError
		switch {
		case errors.As(err, &ne):
			t.note(say(t.lang, "name_bad", strings.TrimPrefix(ne.Error(), "station: unusable name: ")))
			return nil
		case err != nil:
			return err
		case r == nil:
			t.note(say(t.lang, "name_pending", name))
		}
		return nil
	}
	t.note(say(t.lang, "not_code", nameMarker))
	return nil
}
