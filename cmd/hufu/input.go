package main

import (
	"bufio"
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

// A scanned is one code to check: its text, or why none could be read.
type scanned struct {
	name   string // where it came from, for the verdict; "" for a single text input
	text   string
	reason string // no_qr_code, unreadable_qr or bad_image when an image gave no text
	detail string
}

// maxImage bounds the size of an image file verify reads.
const maxImage = 64 << 20

// isImage reports whether data starts like a PNG, JPEG or GIF file.
func isImage(data []byte) bool { return filekind.IsImage(data) }

// readScans reads the codes in path: standard input for "-", a text file,
// an image file (by content, not by name), or a directory of images.
func readScans(e *env, path string) ([]scanned, error) {
	if path == "-" {
		var b []byte
		var err error
		if f, ok := e.stdin.(*os.File); ok && isTerminal(f) {
			// A guard at a terminal: one line, ended by Enter.
			fmt.Fprintln(e.stderr, "hufu: paste or scan a code, then Enter")
			b, err = bufio.NewReader(io.LimitReader(f, maxInput+1)).ReadBytes('\n')
			if errors.Is(err, io.EOF) {
				err = nil
			}
		} else {
			b, err = io.ReadAll(io.LimitReader(e.stdin, maxImage+1))
		}
		if err != nil {
			return nil, err
		}
		if len(bytes.TrimSpace(b)) == 0 {
			return nil, errors.New("no code given: paste or scan a code, then Enter (or give a file)")
		}
		return fromBytes(e, "", b)
	}
	st, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if !st.IsDir() {
		b, err := readFileLimited(path, maxImage)
		if err != nil {
			return nil, err
		}
		if len(bytes.TrimSpace(b)) == 0 {
			return nil, fmt.Errorf("%s is empty: want a code (HF1:… or HC1:…) or an image of one", path)
		}
		return fromBytes(e, "", b)
	}
	entries, err := os.ReadDir(path)
	if err != nil {
		return nil, err
	}
	names := make([]string, 0, len(entries))
	for _, d := range entries {
		if d.Type().IsRegular() {
			names = append(names, d.Name())
		}
	}
	sort.Strings(names)
	var out []scanned
	images := 0
	for _, n := range names {
		p := filepath.Join(path, n)
		b, err := readFileLimited(p, maxImage)
		if err != nil {
			return nil, err
		}
		if !isImage(b) {
			continue
		}
		images++
		s, err := fromBytes(e, p, b)
		if err != nil {
			return nil, err
		}
		out = append(out, s...)
	}
	if images == 0 {
		return nil, fmt.Errorf("%s: no PNG, JPEG or GIF images in the directory", path)
	}
	return out, nil
}

func fromBytes(e *env, name string, b []byte) ([]scanned, error) {
	if !isImage(b) {
		if len(b) > maxInput {
			b = b[:maxInput+1] // enough for the verifier to say too_large
		}
		return []scanned{{name: name, text: string(bytes.TrimSpace(b))}}, nil
	}
	texts, err := qr.DecodeBytes(b)
	switch {
	case errors.Is(err, qr.ErrNotFound):
		return []scanned{{name: name, reason: "no_qr_code", detail: "no QR code found in the image"}}, nil
	case errors.Is(err, qr.ErrUnreadable):
		return []scanned{{name: name, reason: "unreadable_qr", detail: "a QR code was found but could not be read"}}, nil
	case err != nil:
		return []scanned{{name: name, reason: "bad_image", detail: err.Error()}}, nil
	}
	out := make([]scanned, len(texts))
	for i, t := range texts {
		out[i] = scanned{name: name, text: t}
		if len(texts) > 1 {
			if name == "" {
				out[i].name = fmt.Sprintf("code %d of %d", i+1, len(texts))
			} else {
				out[i].name = fmt.Sprintf("%s (code %d of %d)", name, i+1, len(texts))
			}
		}
	}
	return out, nil
}

func readFileLimited(path string, max int64) ([]byte, error) {
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

// worst combines exit statuses of several verdicts: the most serious wins,
// in the order error, invalid, undecided, deny, observe, valid EU DCC,
// admit.
func worst(a, b int) int {
	rank := map[int]int{exitOK: 0, exitValid: 1, exitObserve: 2, exitDeny: 3, exitUndecid: 4, exitInvalid: 5, exitUsage: 6}
	if rank[b] > rank[a] {
		return b
	}
	return a
}

func isTerminal(f *os.File) bool {
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

// wrongKind explains a file that cannot be read as what a flag wants: "" if
// the file is what it should be, or of no kind filekind knows.
func wrongKind(path, want, hint string) string {
	data, err := readFileLimited(path, maxImage)
	if err != nil {
		return ""
	}
	kind := string(filekind.Of(data))
	if kind == "" || kind == want {
		return ""
	}
	msg := fmt.Sprintf("%s is %s, not %s", path, kind, want)
	if hint != "" {
		msg = fmt.Sprintf("%s is %s; %s", path, kind, hint)
	}
	return msg
}
