package qr

import (
	"bytes"
	"errors"
	"image"
	"image/color"
	"image/gif"
	"image/jpeg"
	"image/png"
	"math/rand/v2"
	"testing"
)

func TestDecodeBytesFormats(t *testing.T) {
	text := passText(rand.New(rand.NewPCG(31, 32)), 290)
	data, err := PNG(text, Options{ModulePixels: 3})
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	var jp, gf bytes.Buffer
	if err := jpeg.Encode(&jp, img, &jpeg.Options{Quality: 90}); err != nil {
		t.Fatal(err)
	}
	if err := gif.Encode(&gf, img, nil); err != nil {
		t.Fatal(err)
	}
	for name, b := range map[string][]byte{"png": data, "jpeg": jp.Bytes(), "gif": gf.Bytes()} {
		got, err := DecodeBytes(b)
		if err != nil || len(got) != 1 || got[0] != text {
			t.Errorf("%s: DecodeBytes = %q, %v", name, got, err)
		}
	}
}

func TestDecodeImageTypes(t *testing.T) {
	text := passText(rand.New(rand.NewPCG(33, 34)), 260)
	data, err := PNG(text, Options{})
	if err != nil {
		t.Fatal(err)
	}
	src, _ := png.Decode(bytes.NewReader(data))
	b := src.Bounds()
	// Each type, also as a sub-image off the origin so that strides and
	// offsets matter.
	big := image.Rect(-7, -5, b.Dx()+13, b.Dy()+11)
	gray := image.NewGray(big)
	rgba := image.NewRGBA(big)
	nrgba := image.NewNRGBA(big)
	ycc := image.NewYCbCr(big, image.YCbCrSubsampleRatio420)
	gray16 := image.NewGray16(big)
	for y := big.Min.Y; y < big.Max.Y; y++ {
		for x := big.Min.X; x < big.Max.X; x++ {
			v := uint8(255)
			if (image.Point{x, y}).In(b) {
				v = color.GrayModel.Convert(src.At(x, y)).(color.Gray).Y
			}
			gray.SetGray(x, y, color.Gray{v})
			rgba.Set(x, y, color.RGBA{v, v, v, 255})
			// Half-transparent black over white reads as grey: keep
			// modules opaque, the background transparent.
			if v == 255 {
				nrgba.Set(x, y, color.NRGBA{0, 0, 0, 0})
			} else {
				nrgba.Set(x, y, color.NRGBA{v, v, v, 255})
			}
			ycc.Y[ycc.YOffset(x, y)] = v
			gray16.Set(x, y, color.Gray16{uint16(v) * 257})
		}
	}
	for i := range ycc.Cb {
		ycc.Cb[i], ycc.Cr[i] = 128, 128
	}
	sub := image.Rect(-3, -2, b.Dx()+5, b.Dy()+4)
	for name, img := range map[string]image.Image{
		"gray":     gray.SubImage(sub),
		"rgba":     rgba.SubImage(sub),
		"nrgba":    nrgba.SubImage(sub),
		"ycbcr":    ycc.SubImage(sub),
		"gray16":   gray16.SubImage(sub),
		"paletted": src,
	} {
		got, err := Decode(img)
		if err != nil || len(got) != 1 || got[0] != text {
			t.Errorf("%s: Decode = %q, %v", name, got, err)
		}
	}
}

func TestDecodeErrors(t *testing.T) {
	// A textured scene without a code: nothing found.
	r := rand.New(rand.NewPCG(35, 36))
	bg := background(r, 320, 240)
	g := image.NewGray(image.Rect(0, 0, 320, 240))
	for i, v := range bg {
		g.Pix[i] = clampByte(v)
	}
	if _, err := Decode(g); !errors.Is(err, ErrNotFound) {
		t.Errorf("blank scene: err = %v, want ErrNotFound", err)
	}
	// A code with its data area wiped: its finders are seen, it cannot be
	// read.
	text := passText(r, 300)
	m, err := Matrix(text, M)
	if err != nil {
		t.Fatal(err)
	}
	for y := 10; y < len(m)-10; y++ {
		for x := 10; x < len(m)-10; x++ {
			m[y][x] = (x*7+y*3)%5 == 0
		}
	}
	gr := grid{m, 4, 4}
	side := gr.side()
	img := image.NewGray(image.Rect(0, 0, side, side))
	for y := 0; y < side; y++ {
		for x := 0; x < side; x++ {
			if !gr.dark(x/4, y/4) {
				img.Pix[y*side+x] = 255
			}
		}
	}
	if _, err := Decode(img); !errors.Is(err, ErrUnreadable) {
		t.Errorf("wiped code: err = %v, want ErrUnreadable", err)
	}
	for name, data := range map[string][]byte{
		"empty":     nil,
		"text":      []byte("HF1:NOT AN IMAGE"),
		"truncated": []byte("\x89PNG\r\n\x1a\n\x00\x00"),
		"bmp":       []byte("BM\x00\x00\x00\x00"),
	} {
		if _, err := DecodeBytes(data); !errors.Is(err, ErrImage) {
			t.Errorf("%s: err = %v, want ErrImage", name, err)
		}
	}
	if _, err := Decode(nil); !errors.Is(err, ErrImage) {
		t.Errorf("nil image: err = %v, want ErrImage", err)
	}
	// An unbounded image is refused from its bounds, before any pixel
	// is read.
	if _, err := Decode(image.NewUniform(color.Black)); !errors.Is(err, ErrImage) {
		t.Errorf("uniform image: err = %v, want ErrImage", err)
	}
	if _, err := Decode(image.NewGray(image.Rect(0, 0, 0, 0))); !errors.Is(err, ErrImage) {
		t.Errorf("empty image: err = %v, want ErrImage", err)
	}
}

// TestDecodeBytesTooLarge checks that a huge image is refused from its
// header, before any pixel is decoded.
func TestDecodeBytesTooLarge(t *testing.T) {
	var buf bytes.Buffer
	// A valid PNG header claiming 10000×5000 pixels, with no pixel data.
	img := image.NewGray(image.Rect(0, 0, 1, 1))
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	data := buf.Bytes()
	// IHDR data starts at byte 16: width, height.
	copy(data[16:], []byte{0, 0, 0x27, 0x10, 0, 0, 0x13, 0x88})
	if _, err := DecodeBytes(data); !errors.Is(err, ErrImage) {
		t.Errorf("10000×5000 png: err = %v, want ErrImage", err)
	}
}

// FuzzDecodeBytes feeds arbitrary bytes to DecodeBytes: it must never
// panic, and every error must be one of the package's.
func FuzzDecodeBytes(f *testing.F) {
	r := rand.New(rand.NewPCG(37, 38))
	seeds := 0
	for _, px := range []int{1, 2, 3} {
		data, err := PNG(passText(r, 250+r.IntN(81)), Options{ModulePixels: px, Quiet: 2})
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
		seeds++
	}
	var jp bytes.Buffer
	jpeg.Encode(&jp, image.NewGray(image.Rect(0, 0, 16, 16)), nil)
	f.Add(jp.Bytes())
	f.Add([]byte("GIF89a"))
	seeds += 2
	if seeds == 0 {
		f.Fatal("no seeds")
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		texts, err := DecodeBytes(data)
		if err != nil {
			if !errors.Is(err, ErrImage) && !errors.Is(err, ErrNotFound) && !errors.Is(err, ErrUnreadable) {
				t.Fatalf("unexpected error %v", err)
			}
			return
		}
		if len(texts) == 0 {
			t.Fatal("no error and no text")
		}
	})
}
