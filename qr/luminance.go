package qr

import (
	"image"
	"image/color"
)

// plane is an 8-bit luminance picture, 0 black to 255 white, rows packed
// with no padding.
type plane struct {
	w, h int
	pix  []byte
}

// luminance returns the luminance plane of img. Grey and YCbCr images whose
// rows are already packed are used in place (the plane must then not be
// written to); RGBA, NRGBA, 16-bit grey and colour, and paletted images
// are converted from their pixel slices; only other image types go
// through img.At.
func luminance(img image.Image) plane {
	b := img.Bounds()
	w, h := b.Dx(), b.Dy()
	p := plane{w: w, h: h}
	if w <= 0 || h <= 0 {
		return p
	}
	switch m := img.(type) {
	case *image.Gray:
		p.pix = packed(m.Pix[m.PixOffset(b.Min.X, b.Min.Y):], m.Stride, w, h)
	case *image.YCbCr:
		p.pix = packed(m.Y[m.YOffset(b.Min.X, b.Min.Y):], m.YStride, w, h)
	case *image.RGBA:
		p.pix = make([]byte, w*h)
		for y := 0; y < h; y++ {
			src := m.Pix[m.PixOffset(b.Min.X, b.Min.Y+y):][: 4*w : 4*w]
			dst := p.pix[y*w : (y+1)*w : (y+1)*w]
			for x := range dst {
				s := src[4*x : 4*x+4 : 4*x+4]
				// Premultiplied: composite over white.
				dst[x] = byte(lum(uint32(s[0]), uint32(s[1]), uint32(s[2])) + 255 - uint32(s[3]))
			}
		}
	case *image.NRGBA:
		p.pix = make([]byte, w*h)
		for y := 0; y < h; y++ {
			src := m.Pix[m.PixOffset(b.Min.X, b.Min.Y+y):][: 4*w : 4*w]
			dst := p.pix[y*w : (y+1)*w : (y+1)*w]
			for x := range dst {
				s := src[4*x : 4*x+4 : 4*x+4]
				l, a := lum(uint32(s[0]), uint32(s[1]), uint32(s[2])), uint32(s[3])
				dst[x] = byte((l*a + 255*(255-a) + 127) / 255)
			}
		}
	case *image.Gray16:
		p.pix = make([]byte, w*h)
		for y := 0; y < h; y++ {
			src := m.Pix[m.PixOffset(b.Min.X, b.Min.Y+y):][: 2*w : 2*w]
			dst := p.pix[y*w : (y+1)*w : (y+1)*w]
			for x := range dst {
				dst[x] = src[2*x] // the high byte: as color.Gray16 converts to 8 bits
			}
		}
	case *image.NRGBA64:
		p.pix = make([]byte, w*h)
		for y := 0; y < h; y++ {
			src := m.Pix[m.PixOffset(b.Min.X, b.Min.Y+y):][: 8*w : 8*w]
			dst := p.pix[y*w : (y+1)*w : (y+1)*w]
			for x := range dst {
				r, g, bl, a := rgba16(src[8*x : 8*x+8 : 8*x+8])
				dst[x] = lum16(r*a/0xffff, g*a/0xffff, bl*a/0xffff, a)
			}
		}
	case *image.RGBA64:
		p.pix = make([]byte, w*h)
		for y := 0; y < h; y++ {
			src := m.Pix[m.PixOffset(b.Min.X, b.Min.Y+y):][: 8*w : 8*w]
			dst := p.pix[y*w : (y+1)*w : (y+1)*w]
			for x := range dst {
				dst[x] = lum16(rgba16(src[8*x : 8*x+8 : 8*x+8]))
			}
		}
	case *image.Paletted:
		var lut [256]byte
		for i := range lut {
			lut[i] = 255
		}
		for i, c := range m.Palette {
			lut[i] = colorLum(c)
		}
		p.pix = make([]byte, w*h)
		for y := 0; y < h; y++ {
			src := m.Pix[m.PixOffset(b.Min.X, b.Min.Y+y):][:w]
			dst := p.pix[y*w : (y+1)*w]
			for x, v := range src {
				dst[x] = lut[v]
			}
		}
	default:
		p.pix = make([]byte, w*h)
		for y := 0; y < h; y++ {
			for x := 0; x < w; x++ {
				p.pix[y*w+x] = colorLum(img.At(b.Min.X+x, b.Min.Y+y))
			}
		}
	}
	return p
}

// packed returns the w×h plane at the start of pix with the given stride,
// without copying when the rows are contiguous.
func packed(pix []byte, stride, w, h int) []byte {
	if stride == w {
		return pix[:w*h]
	}
	out := make([]byte, w*h)
	for y := 0; y < h; y++ {
		copy(out[y*w:(y+1)*w], pix[y*stride:])
	}
	return out
}

// lum is the Rec. 601 luma of 8-bit r, g, b, as JPEG's Y.
func lum(r, g, b uint32) uint32 {
	return (19595*r + 38470*g + 7471*b + 1<<15) >> 16
}

// colorLum is the luminance of c composited over white.
func colorLum(c color.Color) byte {
	return lum16(c.RGBA())
}

// lum16 is the luminance of premultiplied 16-bit r, g, b, a composited
// over white, in 8 bits.
func lum16(r, g, b, a uint32) byte {
	l := (19595*r + 38470*g + 7471*b + 1<<15) >> 16
	return byte((l + 0xffff - a) >> 8)
}

// rgba16 reads four big-endian 16-bit samples.
func rgba16(s []byte) (r, g, b, a uint32) {
	return uint32(s[0])<<8 | uint32(s[1]), uint32(s[2])<<8 | uint32(s[3]),
		uint32(s[4])<<8 | uint32(s[5]), uint32(s[6])<<8 | uint32(s[7])
}
