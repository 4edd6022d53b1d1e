package input

import (
	"bytes"
	"errors"
	"image"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hufu-project/hufu/qr"
)

func TestCodes(t *testing.T) {
	if c := Codes("", []byte("  HF1:ABC\n")); len(c) != 1 || c[0].Text != "HF1:ABC" || c[0].Reason != "" {
		t.Errorf("text: %+v", c)
	}
	big := bytes.Repeat([]byte("A"), MaxText+100)
	if c := Codes("", big); len(c[0].Text) != MaxText+1 {
		t.Errorf("a long text is %d bytes, want it cut to %d", len(c[0].Text), MaxText+1)
	}
	one, err := qr.PNG("HF1:ONE", qr.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if c := Codes("a.png", one); len(c) != 1 || c[0].Text != "HF1:ONE" || c[0].Source != "a.png" {
		t.Errorf("image: %+v", c)
	}
	if c := Codes("b.png", blank(t)); len(c) != 1 || c[0].Reason != "no_qr_code" || c[0].Text != "" {
		t.Errorf("blank image: %+v", c)
	}
	if c := Codes("", []byte("\x89PNG\r\n\x1a\nnot really")); len(c) != 1 || c[0].Reason != "bad_image" {
		t.Errorf("broken image: %+v", c)
	}
}

func TestRead(t *testing.T) {
	dir := t.TempDir()
	one, _ := qr.PNG("HF1:ONE", qr.Options{})
	two, _ := qr.PNG("HF1:TWO", qr.Options{})
	for name, data := range map[string][]byte{"2.png": two, "1.png": one, "notes.txt": []byte("HF1:SKIPPED"), "3.png": blank(t)} {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	codes, err := Read(dir)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, c := range codes {
		got = append(got, filepath.Base(c.Source)+"="+c.Text+c.Reason)
	}
	if strings.Join(got, " ") != "1.png=HF1:ONE 2.png=HF1:TWO 3.png=no_qr_code" {
		t.Errorf("directory: %v", got)
	}
	if c, err := Read(filepath.Join(dir, "notes.txt")); err != nil || c[0].Text != "HF1:SKIPPED" || c[0].Source != "" {
		t.Errorf("text file: %+v %v", c, err)
	}
	empty := filepath.Join(t.TempDir(), "empty.txt")
	os.WriteFile(empty, []byte(" \n"), 0o644)
	if _, err := Read(empty); err == nil {
		t.Error("an empty file gave no error")
	}
	if _, err := Read(t.TempDir()); err == nil {
		t.Error("a directory without images gave no error")
	}
	if _, err := ReadFile(empty, 1); err == nil {
		t.Error("ReadFile read past its limit")
	}
}

func blank(t *testing.T) []byte {
	img := image.NewGray(image.Rect(0, 0, 200, 120))
	for i := range img.Pix {
		img.Pix[i] = 0xf0
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func TestOne(t *testing.T) {
	if text, err := One([]Code{{Text: "HF1:ONE"}}); err != nil || text != "HF1:ONE" {
		t.Errorf("one code: %q, %v", text, err)
	}
	for _, codes := range [][]Code{nil, {{Text: "HF1:A"}, {Text: "HF1:B"}}} {
		if text, err := One(codes); !errors.Is(err, ErrNotOne) || text != "" {
			t.Errorf("%d codes: %q, %v; want ErrNotOne", len(codes), text, err)
		}
	}
	text, err := One([]Code{{Reason: "no_qr_code", Detail: "no QR code found in the image"}})
	if err == nil || errors.Is(err, ErrNotOne) || !strings.Contains(err.Error(), "no_qr_code") || text != "" {
		t.Errorf("an image without a code: %q, %v", text, err)
	}
}
