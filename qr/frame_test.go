package qr

import (
	"errors"
	"image"
	"testing"
	"time"
)

func TestDecodeFrame(t *testing.T) {
	text := "HF1:6BFOXN*TS0BI$ZD.P9UOL97O4-2HH77HRM3DSPTLRR+%3.ZJ$-FI2QG8UKH5"
	m, err := Matrix(text, M)
	if err != nil {
		t.Fatal(err)
	}
	for _, invert := range []bool{false, true} {
		img := image.NewGray(image.Rect(0, 0, 1280, 720))
		light, dark := byte(220), byte(30)
		if invert {
			light, dark = dark, light
		}
		for i := range img.Pix {
			img.Pix[i] = light
		}
		for y := range m {
			for x := range m[y] {
				if m[y][x] {
					for d := range 36 {
						img.Pix[(200+y*6+d/6)*1280+500+x*6+d%6] = dark
					}
				}
			}
		}
		got, err := DecodeFrame(img)
		if err != nil || len(got) != 1 || got[0] != text {
			t.Errorf("inverted %v: %q, %v", invert, got, err)
		}
		// On a loaded machine the first attempt can outlast the budget;
		// the second (the inverted code's) must still run. A budget
		// already spent stands for that.
		got, err = decodeTries(img, 0, frameTries, time.Now().Add(MaxDecodeTime))
		if err != nil || len(got) != 1 || got[0] != text {
			t.Errorf("inverted %v, budget spent: %q, %v", invert, got, err)
		}
	}
	blank := image.NewGray(image.Rect(0, 0, 1280, 720))
	if _, err := DecodeFrame(blank); !errors.Is(err, ErrNotFound) {
		t.Errorf("blank frame: %v", err)
	}
	if _, err := DecodeFrame(nil); !errors.Is(err, ErrImage) {
		t.Errorf("nil frame: %v", err)
	}
}
