package qr

import (
	"encoding/binary"
	"fmt"
	"image"
	"image/color"
)

// Limits on the work DecodeBytes and Decode do for one image. With them,
// any image DecodeBytes accepts is decided in about a second and a few
// hundred megabytes at most (BENCHMARKS.md, "Hostile images").
const (
	// MaxDecodeBytes bounds the memory the standard library's decoder
	// allocates for an image, estimated from its header before decoding:
	// the pixels in their decoded form (2 bytes a pixel for 16-bit grey,
	// 8 for 16-bit colour), a progressive JPEG's coefficients (256 bytes
	// per 8×8 block of each component), an interlaced PNG's passes.
	MaxDecodeBytes = 128 << 20

	// MaxWorkPixels is the largest picture Decode's attempts work on. A
	// larger image is shrunk by a whole factor, each pixel the mean of a
	// block, as its luminance is extracted, so no full-size copy of it is
	// ever made. A code in a picture that large has large modules, which
	// survive the shrinking.
	MaxWorkPixels = 6_000_000
)

// decodeCost returns the estimated decoding memory of the PNG, JPEG or GIF
// image in data, whose header says cfg.
func decodeCost(data []byte, cfg image.Config) int64 {
	px := int64(cfg.Width) * int64(cfg.Height)
	if len(data) > 2 && data[0] == 0xff && data[1] == 0xd8 {
		return jpegCost(data, px)
	}
	var perPixel int64
	switch cfg.ColorModel {
	case color.GrayModel, color.AlphaModel:
		perPixel = 1
	case color.Gray16Model, color.Alpha16Model:
		perPixel = 2
	case color.RGBA64Model, color.NRGBA64Model:
		perPixel = 8
	default: // RGBA, NRGBA, paletted and anything else
		perPixel = 4
		if _, ok := cfg.ColorModel.(color.Palette); ok {
			perPixel = 1
		}
	}
	cost := px * perPixel
	// An interlaced PNG (IHDR byte 12) decodes each of its seven passes
	// into an image of its own before copying it; the largest is half.
	if len(data) > 28 && data[12] == 'I' && data[28] == 1 {
		cost += cost / 2
	}
	return cost
}

// jpegCost estimates what image/jpeg allocates for the JPEG in data of px
// pixels from its frame header (SOF0, SOF1 or SOF2): the image, at one
// byte per sample of each component; for a progressive JPEG its
// coefficients, 256 bytes per 8×8 block; for CMYK and RGB JPEGs the
// converted image. Without a readable frame header it assumes the worst
// the decoder allows: four full-resolution progressive components.
func jpegCost(data []byte, px int64) int64 {
	worst := px * 4 * (1 + 4 + 1)
	adobeRGB := false
	for i := 2; i+4 <= len(data); {
		if data[i] != 0xff {
			return worst
		}
		m := data[i+1]
		if m == 0xff || m == 0x01 || (m >= 0xd0 && m <= 0xd7) {
			i += 2 // fill byte, TEM or RST: no length
			continue
		}
		n := int(binary.BigEndian.Uint16(data[i+2:]))
		seg := data[i+4 : min(len(data), i+2+n)]
		if m == 0xee && len(seg) >= 12 && string(seg[:5]) == "Adobe" {
			adobeRGB = seg[11] == 0 // colour transform 0: RGB
		}
		if m != 0xc0 && m != 0xc1 && m != 0xc2 { // the frames image/jpeg reads
			if m == 0xda || n < 2 {
				return worst // scan data before a frame header
			}
			i += 2 + n
			continue
		}
		if len(seg) < 6 {
			return worst
		}
		h, w, nc := int64(binary.BigEndian.Uint16(seg[1:])), int64(binary.BigEndian.Uint16(seg[3:])), int(seg[5])
		if nc == 0 || len(seg) < 6+3*nc {
			return worst
		}
		hmax, vmax := int64(1), int64(1)
		for c := range nc {
			hv := seg[6+3*c+1]
			hmax, vmax = max(hmax, int64(hv>>4)), max(vmax, int64(hv&15))
		}
		mcux, mcuy := (w+8*hmax-1)/(8*hmax), (h+8*vmax-1)/(8*vmax)
		var blocks int64
		for c := range nc {
			hv := seg[6+3*c+1]
			blocks += mcux * int64(hv>>4) * mcuy * int64(hv&15)
		}
		cost := blocks * 64
		if m == 0xc2 { // progressive: every coefficient is kept
			cost += blocks * 256
		}
		rgbIDs := nc == 3 && seg[6] == 'R' && seg[9] == 'G' && seg[12] == 'B'
		if nc == 4 || nc == 3 && (adobeRGB || rgbIDs) {
			cost += px * 4 // CMYK and RGB are converted into an image of their own
		}
		return max(cost, px)
	}
	return worst
}

// checkHeader refuses an image whose header says it is larger than
// MaxPixels or would cost more than MaxDecodeBytes to decode.
func checkHeader(data []byte, cfg image.Config) error {
	if cfg.Width <= 0 || cfg.Height <= 0 {
		return fmt.Errorf("%w: empty image", ErrImage)
	}
	if cfg.Width > MaxPixels/cfg.Height {
		return fmt.Errorf("%w: %d×%d image is larger than %d pixels", ErrImage, cfg.Width, cfg.Height, MaxPixels)
	}
	if c := decodeCost(data, cfg); c > MaxDecodeBytes {
		return fmt.Errorf("%w: decoding the %d×%d image would take %d MB, more than %d MB", ErrImage, cfg.Width, cfg.Height, c>>20, MaxDecodeBytes>>20)
	}
	return nil
}

// workPlane returns the luminance of img, shrunk by the smallest whole
// factor k that brings it to MaxWorkPixels or fewer, each pixel the mean
// of a k×k block. The image is read in bands of k rows, so a shrunk
// picture costs no full-size luminance plane.
func workPlane(img image.Image) plane {
	b := img.Bounds()
	w, h := b.Dx(), b.Dy()
	k := 1
	for (w/k)*(h/k) > MaxWorkPixels {
		k++
	}
	if k == 1 {
		return luminance(img)
	}
	sub, ok := img.(interface {
		SubImage(image.Rectangle) image.Image
	})
	q := plane{w: w / k, h: h / k}
	q.pix = make([]byte, q.w*q.h)
	sums := make([]uint32, q.w)
	for qy := 0; qy < q.h; qy++ {
		clear(sums)
		band := image.Rect(b.Min.X, b.Min.Y+qy*k, b.Min.X+q.w*k, b.Min.Y+(qy+1)*k)
		var p plane
		if ok {
			p = luminance(sub.SubImage(band))
		} else {
			p = luminance(bandImage{img, band})
		}
		for y := 0; y < k; y++ {
			row := p.pix[y*p.w : (y+1)*p.w]
			for x := range sums {
				for _, v := range row[x*k : (x+1)*k] {
					sums[x] += uint32(v)
				}
			}
		}
		n := uint32(k * k)
		for x, s := range sums {
			q.pix[qy*q.w+x] = byte((s + n/2) / n)
		}
	}
	return q
}

// bandImage is a rectangle of an image without a SubImage method.
type bandImage struct {
	image.Image
	r image.Rectangle
}

func (b bandImage) Bounds() image.Rectangle { return b.r }
