package input

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
)

// ErrNoCode is returned by [ReadStream] for a stream that holds nothing
// but white space: no code was given.
var ErrNoCode = errors.New("no code given: paste or scan a code, then Enter (or give a file)")

// ReadStream returns the codes read from r, as [Codes] finds them in a
// file's contents: a code's text, or an image of QR codes.
//
// If r is a terminal (an *os.File on a character device), a person is
// typing or pasting, or a keyboard-wedge scanner is typing: prompt, if
// not nil, is called first, and one line is read, ended by Enter or by
// the end of input, at most [MaxText] bytes. Anything else, such as a
// pipe or a redirected file, is read to its end; more than [MaxFile]
// bytes is an error. A stream with nothing but white space is
// [ErrNoCode].
func ReadStream(r io.Reader, prompt func()) ([]Code, error) {
	var b []byte
	var err error
	if f, ok := r.(*os.File); ok && IsTerminal(f) {
		if prompt != nil {
			prompt()
		}
		b, err = bufio.NewReader(io.LimitReader(f, MaxText+1)).ReadBytes('\n')
		if errors.Is(err, io.EOF) {
			err = nil
		}
	} else {
		b, err = io.ReadAll(io.LimitReader(r, MaxFile+1))
		if err == nil && len(b) > MaxFile {
			err = fmt.Errorf("standard input: larger than %d bytes", MaxFile)
		}
	}
	if err != nil {
		return nil, err
	}
	if len(bytes.TrimSpace(b)) == 0 {
		return nil, ErrNoCode
	}
	return Codes("", b), nil
}

// IsTerminal reports whether f is a character device, such as a terminal.
func IsTerminal(f *os.File) bool {
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}
