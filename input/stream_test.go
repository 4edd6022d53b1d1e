package input

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"
)

func TestReadStream(t *testing.T) {
	prompted := false
	prompt := func() { prompted = true }

	codes, err := ReadStream(strings.NewReader("  HF1:ABC \n"), prompt)
	if err != nil || len(codes) != 1 || codes[0].Text != "HF1:ABC" || codes[0].Source != "" {
		t.Fatalf("ReadStream(text) = %+v, %v", codes, err)
	}
	if prompted {
		t.Error("prompted for a stream that is not a terminal")
	}

	for _, in := range []string{"", " \n\t\r\n"} {
		if _, err := ReadStream(strings.NewReader(in), prompt); !errors.Is(err, ErrNoCode) {
			t.Errorf("ReadStream(%q) error %v, want ErrNoCode", in, err)
		}
	}

	// A pipe reads to its end: two lines are one text, as from a file.
	codes, err = ReadStream(strings.NewReader("HF1:A\nB\n"), nil)
	if err != nil || len(codes) != 1 || codes[0].Text != "HF1:A\nB" {
		t.Fatalf("ReadStream(two lines) = %+v, %v", codes, err)
	}
}

func TestReadStreamTooLarge(t *testing.T) {
	r := io.MultiReader(strings.NewReader("HF1:"), io.LimitReader(zeros{}, MaxFile))
	_, err := ReadStream(r, nil)
	if err == nil || !strings.Contains(err.Error(), "larger than") {
		t.Fatalf("ReadStream(MaxFile+4 bytes) error %v, want larger than", err)
	}
	// Exactly MaxFile bytes is read.
	big := bytes.Repeat([]byte{'A'}, MaxFile)
	copy(big, "HF1:")
	codes, err := ReadStream(bytes.NewReader(big), nil)
	if err != nil || len(codes) != 1 || len(codes[0].Text) != MaxText+1 {
		t.Fatalf("ReadStream(MaxFile bytes): %d codes, %v", len(codes), err)
	}
}

type zeros struct{}

func (zeros) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = 'A'
	}
	return len(p), nil
}
