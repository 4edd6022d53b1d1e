package station

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/hufu-project/hufu/verifier"
)

// Scanner lines. A handheld scanner gives each code as a line. It reaches
// the station in one of two ways, and which one decides where a name may
// come from:
//
//   - Keyboard wedge (Line): the scanner types each code on the same input
//     as the guard's keyboard. A line is a code only if it starts with one
//     of CodePrefixes; a name comes after NameMarker ("=张三"); anything
//     else is refused. This stops a QR code that holds just a name, but not
//     one that holds NameMarker and a name: the scanner types whatever its
//     code holds, so on one shared input a scanned "=张三" cannot be told
//     from the guard typing it. Every name check is shown and logged as a
//     new verdict, so the guard sees it happen.
//   - Separate inputs (ScannerLine, KeyboardLine): the scanner is read
//     from its own device (a scanner in USB-CDC or serial mode, see
//     OpenScanner) and gives codes only; the guard's keyboard gives names
//     only. A QR code can then never supply a name, whatever it holds.
//     The camera page (package station/web) is the same: codes come from
//     the camera, names from its name box.

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

// A NotCodeError is a line that is not a code, and not a name where
// names are taken: refused, not logged.
type NotCodeError struct {
	Line    string
	Scanner bool // from ScannerLine: a scanner's line is never a name
}

func (e *NotCodeError) Error() string {
	if e.Scanner {
		return "station: not a code (a code starts with HF1:, HF1P: or HC1:); a name is never taken from the scanner"
	}
	return "station: not a code (a code starts with HF1:, HF1P: or HC1:) nor a name (" + NameMarker + "NAME)"
}

// A TypedCodeError is a code typed on the guard's keyboard while the
// codes come from a scanner of their own (KeyboardLine): refused, not
// logged, and not taken as a name.
type TypedCodeError struct{ Line string }

func (e *TypedCodeError) Error() string {
	return "station: a code on the keyboard: codes are read from the scanner only"
}

// Line handles one line from the shared input of a keyboard-wedge scanner
// and the guard's keyboard: a code is checked (Check), a name after
// NameMarker is checked against the last pass or waits for the next
// (TypedName: the result is nil while it waits), and anything else is a
// *NotCodeError, not logged. A QR code that holds NameMarker and a name is
// taken as typed: use ScannerLine and KeyboardLine where the two inputs
// can be kept apart.
func (s *Station) Line(line, source string) (*Result, error) {
	switch {
	case IsCode(line):
		return s.Check(line, source, "")
	case strings.HasPrefix(line, NameMarker):
		return s.TypedName(strings.TrimSpace(strings.TrimPrefix(line, NameMarker)))
	}
	return nil, &NotCodeError{Line: line}
}

// ScannerLine handles one line from a scanner that has an input of its
// own, apart from the guard's keyboard: a code is checked (Check); any
// other line, a name or NameMarker and a name included, is a
// *NotCodeError, not logged and never taken as a name.
func (s *Station) ScannerLine(line, source string) (*Result, error) {
	if !IsCode(line) {
		return nil, &NotCodeError{Line: line, Scanner: true}
	}
	return s.Check(line, source, "")
}

// KeyboardLine handles one line the guard typed on a keyboard that no
// scanner types into (the codes come through ScannerLine): the line is the
// holder's name (a NameMarker before it is dropped), checked against the
// last pass or waiting for the next, as for TypedName. A line that starts
// like a code is a *TypedCodeError, neither checked nor taken as a name: a
// code on the keyboard means a keyboard-wedge scanner types there too,
// and its QR codes could then type names.
func (s *Station) KeyboardLine(line string) (*Result, error) {
	if IsCode(line) {
		return nil, &TypedCodeError{Line: line}
	}
	return s.TypedName(strings.TrimSpace(strings.TrimPrefix(line, NameMarker)))
}

// OpenScanner opens the input of a scanner that is apart from the guard's
// keyboard, for ScannerLine: a serial device (a scanner in USB-CDC or
// serial mode, such as /dev/ttyACM0), a FIFO, or a file of lines. It is
// opened read-only and never becomes the controlling terminal. On Linux a
// terminal device is put in raw mode (8 bits, no echo, no line editing,
// no translation of CR; its speed is left as it is set); elsewhere set the
// device up first ("stty -f PATH raw -echo"). Opening a FIFO waits for a
// writer. Read it with a LineReader.
func OpenScanner(path string) (*os.File, error) {
	f, err := openScanner(path)
	if err != nil {
		return nil, fmt.Errorf("station: scanner: %w", err)
	}
	if st, err := f.Stat(); err != nil || st.IsDir() {
		f.Close()
		if err == nil {
			err = fmt.Errorf("%s is a directory", path)
		}
		return nil, fmt.Errorf("station: scanner: %w", err)
	}
	return f, nil
}

// ReadScanner reads the lines of r (NewLineReader) until r ends or ctx
// is done, and hands each to line: s.Line for a keyboard wedge (scanner
// and keyboard on one input), s.ScannerLine or s.KeyboardLine. A line
// that is not a code, a code typed on the keyboard, a name that cannot be
// used, and a name that waits for its pass are not errors: note is called
// with a message for the guard, in s's language. The error is r's, or the
// one that stopped the station (ErrStopped once it is closed).
func ReadScanner(ctx context.Context, s *Station, r io.Reader, line func(string) (*Result, error), note func(msg string)) error {
	lr := NewLineReader(r)
	for ctx.Err() == nil {
		l, err := lr.Next()
		if l != "" && ctx.Err() == nil {
			res, lerr := line(l)
			var ne *NameError
			var nc *NotCodeError
			var tc *TypedCodeError
			switch {
			case errors.As(lerr, &ne):
				note(Say(s.Lang(), "name_bad", strings.TrimPrefix(ne.Error(), "station: unusable name: ")))
			case errors.As(lerr, &nc) && nc.Scanner:
				note(Say(s.Lang(), "not_code_scan"))
			case errors.As(lerr, &nc):
				note(Say(s.Lang(), "not_code", NameMarker))
			case errors.As(lerr, &tc):
				note(Say(s.Lang(), "code_typed"))
			case lerr != nil:
				return lerr
			case res == nil:
				note(Say(s.Lang(), "name_pending", strings.TrimSpace(strings.TrimPrefix(l, NameMarker))))
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
