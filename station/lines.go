package station

import (
	"bufio"
	"context"
	"errors"
	"io"
	"strings"

	"github.com/hufu-project/hufu/verifier"
)

// Scanner lines. A handheld scanner in keyboard-wedge mode types each code
// as a line, on the same input as the guard's keyboard. A line is a code
// only if it starts with one of CodePrefixes; a name comes from the guard
// only after NameMarker; anything else is refused. So a QR code that holds
// a name is never taken for the guard checking it (a scanner can type any
// text, NameMarker too: the marker stops a code that holds just a name,
// and every name check is shown and logged as a new verdict).

// NameMarker starts a line the guard types to give the holder's name.
const NameMarker = "="

// CodePrefixes are the prefixes of the codes a station checks, in any
// case (so that a code typed with Caps Lock on gets the verifier's hint):
// HF1 passes, EU DCCs, and HF1P, kept for holder presentations.
var CodePrefixes = []string{"HF1:", "HC1:", "HF1P:"}

// IsCode reports whether a scanner line is a code.
func IsCode(line string) bool {
	up := strings.ToUpper(line)
	for _, p := range CodePrefixes {
		if strings.HasPrefix(up, p) {
			return true
		}
	}
	return false
}

// A NotCodeError is a scanner line that is neither a code nor a name.
type NotCodeError struct{ Line string }

func (e *NotCodeError) Error() string {
	return "station: not a code (a code starts with HF1: or HC1:) nor a name (" + NameMarker + "NAME)"
}

// Line handles one line from a scanner or the guard's keyboard: a code is
// checked (Check), a name after NameMarker is checked against the last
// pass or waits for the next (TypedName: the result is nil while it
// waits), and anything else is a *NotCodeError, not logged.
func (s *Station) Line(line, source string) (*Result, error) {
	switch {
	case IsCode(line):
		return s.Check(line, source, "")
	case strings.HasPrefix(line, NameMarker):
		return s.TypedName(strings.TrimSpace(strings.TrimPrefix(line, NameMarker)))
	}
	return nil, &NotCodeError{Line: line}
}

// ReadScanner reads the lines of r (NewLineReader) from source, a
// handheld scanner or a keyboard, and hands each to s.Line until r ends or
// ctx is done. A line that is not a code, a name that cannot be used, and
// a name that waits for its pass are not errors: note is called with a
// message for the guard, in s's language. The error is r's, or the one
// that stopped the station (ErrStopped once it is closed).
func ReadScanner(ctx context.Context, s *Station, r io.Reader, source string, note func(msg string)) error {
	lr := NewLineReader(r)
	for ctx.Err() == nil {
		line, err := lr.Next()
		if line != "" && ctx.Err() == nil {
			res, lerr := s.Line(line, source)
			var ne *NameError
			var nc *NotCodeError
			switch {
			case errors.As(lerr, &ne):
				note(Say(s.Lang(), "name_bad", strings.TrimPrefix(ne.Error(), "station: unusable name: ")))
			case errors.As(lerr, &nc):
				note(Say(s.Lang(), "not_code", NameMarker))
			case lerr != nil:
				return lerr
			case res == nil:
				note(Say(s.Lang(), "name_pending", strings.TrimSpace(strings.TrimPrefix(line, NameMarker))))
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

// A LineReader splits scanner input into lines at CR, LF or CRLF, drops
// spaces around them, applies backspaces typed by a person, drops other
// control characters, and bounds the length of a line.
type LineReader struct {
	r      *bufio.Reader
	lastCR bool
	buf    []byte
}

// maxLine bounds a scanner line: longer than any QR code, so that the
// verifier still says too_large.
const maxLine = 2 * verifier.MaxText

// NewLineReader returns a LineReader of r.
func NewLineReader(r io.Reader) *LineReader { return &LineReader{r: bufio.NewReader(r)} }

// Next returns the next non-empty line, or "" and the read error (io.EOF
// at the end); a last line without an ending comes with io.EOF.
func (lr *LineReader) Next() (string, error) {
	lr.buf = lr.buf[:0]
	for {
		c, err := lr.r.ReadByte()
		if err != nil {
			return strings.TrimSpace(string(lr.buf)), err
		}
		wasCR := lr.lastCR
		lr.lastCR = c == '\r'
		switch {
		case c == '\n' && wasCR:
			continue
		case c == '\n' || c == '\r':
			if line := strings.TrimSpace(string(lr.buf)); line != "" {
				return line, nil
			}
			lr.buf = lr.buf[:0]
		case c == '\b' || c == 0x7f:
			if n := len(lr.buf); n > 0 {
				// Remove the last UTF-8 character.
				n--
				for n > 0 && lr.buf[n]&0xc0 == 0x80 {
					n--
				}
				lr.buf = lr.buf[:n]
			}
		case c < 0x20 && c != '\t':
		default:
			if len(lr.buf) < maxLine {
				lr.buf = append(lr.buf, c)
			}
		}
	}
}
