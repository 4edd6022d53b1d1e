// Package input reads the codes a person hands to hufu: a file holding a
// code's text (HF1:…, HC1:…, HF1P:…), a PNG, JPEG or GIF image of one or
// more QR codes (recognised by content, not by name), or a directory of
// such images. An image that gives no text is a [Code] with a reason, as
// a verdict names it (verdict.Unreadable), not an error: the person is
// told why, and the other codes are still checked.
//
// Every read is bounded: a file by [MaxFile], a code's text by
// [MaxText].
package input

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"

	"github.com/hufu-project/hufu/internal/filekind"
	"github.com/hufu-project/hufu/qr"
)

// Limits.
const (
	// MaxFile bounds the size of a file read, image or text.
	MaxFile = 64 << 20
	// MaxText is more than any verifier accepts: a longer text is cut to
	// MaxText+1 bytes, enough for the verifier to say too_large.
	MaxText = 1 << 20
)

// A Code is one code to check: its text, or why an image gave none.
type Code struct {
	Source string // where it came from: a file of a directory, "code 2 of 3"; "" for a single input
	Text   string // the code's text, white space around it removed
	Reason string // no_qr_code, unreadable_qr or bad_image when an image gave no text
	Detail string // more about Reason, for people
}

// Codes returns the codes in data, read from source ("" for a single
// input): the text itself, or every QR code of an image, each once.
func Codes(source string, data []byte) []Code {
	if !filekind.IsImage(data) {
		if len(data) > MaxText {
			data = data[:MaxText+1]
		}
		return []Code{{Source: source, Text: string(bytes.TrimSpace(data))}}
	}
	texts, err := qr.DecodeBytes(data)
	switch {
	case errors.Is(err, qr.ErrNotFound):
		return []Code{{Source: source, Reason: "no_qr_code", Detail: "no QR code found in the image"}}
	case errors.Is(err, qr.ErrUnreadable):
		return []Code{{Source: source, Reason: "unreadable_qr", Detail: "a QR code was found but could not be read"}}
	case err != nil:
		return []Code{{Source: source, Reason: "bad_image", Detail: err.Error()}}
	}
	out := make([]Code, len(texts))
	for i, t := range texts {
		out[i] = Code{Source: source, Text: t}
		if len(texts) > 1 {
			if source == "" {
				out[i].Source = fmt.Sprintf("code %d of %d", i+1, len(texts))
			} else {
				out[i].Source = fmt.Sprintf("%s (code %d of %d)", source, i+1, len(texts))
			}
		}
	}
	return out
}

// ErrNotOne is wrapped by One's error for no code or several.
var ErrNotOne = errors.New("input: want one code")

// One returns the text of the one code in codes, for a command that takes
// a single code (such as a pass to present): an error wrapping ErrNotOne
// if there is none or several, or one naming the Reason and Detail of an
// image that gave no text.
func One(codes []Code) (string, error) {
	if len(codes) != 1 {
		return "", fmt.Errorf("%w, not %d", ErrNotOne, len(codes))
	}
	if c := codes[0]; c.Reason != "" {
		return "", fmt.Errorf("input: %s: %s", c.Reason, c.Detail)
	}
	return codes[0].Text, nil
}

// Read returns the codes in the file at path, or in every image of the
// directory at path, in name order (other files there are skipped). An
// empty file, or a directory with no image, is an error.
func Read(path string) ([]Code, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if !st.IsDir() {
		b, err := ReadFile(path, MaxFile)
		if err != nil {
			return nil, err
		}
		if len(bytes.TrimSpace(b)) == 0 {
			return nil, fmt.Errorf("%s is empty: want a code (HF1:… or HC1:…) or an image of one", path)
		}
		return Codes("", b), nil
	}
	entries, err := os.ReadDir(path)
	if err != nil {
		return nil, err
	}
	var names []string
	for _, d := range entries {
		if d.Type().IsRegular() {
			names = append(names, d.Name())
		}
	}
	sort.Strings(names)
	var out []Code
	images := 0
	for _, n := range names {
		p := filepath.Join(path, n)
		b, err := ReadFile(p, MaxFile)
		if err != nil {
			return nil, err
		}
		if !filekind.IsImage(b) {
			continue
		}
		images++
		out = append(out, Codes(p, b)...)
	}
	if images == 0 {
		return nil, fmt.Errorf("%s: no PNG, JPEG or GIF images in the directory", path)
	}
	return out, nil
}

// ReadFile reads the file at path, refusing one larger than max bytes.
func ReadFile(path string, max int64) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, max+1))
	if err != nil {
		return nil, err
	}
	if int64(len(b)) > max {
		return nil, fmt.Errorf("%s: larger than %d bytes", path, max)
	}
	return b, nil
}
