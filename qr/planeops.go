package qr

import (
	"math"

	"github.com/makiuchi-d/gozxing"
)

// Picture operations used by the retries of Decode.

func (p plane) inverted() plane {
	q := plane{w: p.w, h: p.h, pix: make([]byte, len(p.pix))}
	for i, v := range p.pix {
		q.pix[i] = 255 - v
	}
	return q
}

// half returns p shrunk by two, each pixel the mean of a 2×2 block.
func (p plane) half() plane {
	q := plane{w: p.w / 2, h: p.h / 2}
	q.pix = make([]byte, q.w*q.h)
	for y := 0; y < q.h; y++ {
		a := p.pix[2*y*p.w:]
		b := p.pix[(2*y+1)*p.w:]
		for x := 0; x < q.w; x++ {
			q.pix[y*q.w+x] = byte((int(a[2*x]) + int(a[2*x+1]) + int(b[2*x]) + int(b[2*x+1]) + 2) >> 2)
		}
	}
	return q
}

// warp resamples p through the linear map m (2×2, row-major) applied about
// the picture centre; the result has size w×h. Pixels from outside p are
// white.
func (p plane) warp(m [4]float64, w, h int) plane {
	q := plane{w: w, h: h, pix: make([]byte, w*h)}
	det := m[0]*m[3] - m[1]*m[2]
	inv := [4]float64{m[3] / det, -m[1] / det, -m[2] / det, m[0] / det}
	cx, cy := float64(p.w)/2, float64(p.h)/2
	qx, qy := float64(w)/2, float64(h)/2
	for y := 0; y < h; y++ {
		dy := float64(y) + 0.5 - qy
		for x := 0; x < w; x++ {
			dx := float64(x) + 0.5 - qx
			sx := inv[0]*dx + inv[1]*dy + cx
			sy := inv[2]*dx + inv[3]*dy + cy
			v, ok := p.bilinear(sx, sy)
			if !ok {
				v = 255
			}
			q.pix[y*w+x] = byte(v + 0.5)
		}
	}
	return q
}

// stretch returns p stretched by factor k along the direction at angle
// theta (radians), keeping its pixel count about the same.
func (p plane) stretch(k, theta float64) plane {
	c, s := math.Cos(theta), math.Sin(theta)
	// R · diag(k, 1) · Rᵀ, scaled by 1/√k to keep the size.
	n := 1 / math.Sqrt(k)
	m := [4]float64{
		n * (k*c*c + s*s), n * (k - 1) * c * s,
		n * (k - 1) * c * s, n * (k*s*s + c*c),
	}
	return p.warp(m, p.w, p.h)
}

// sharpened returns p with an unsharp mask: v + amount·(v − mean of the
// (2r+1)² box around it).
func (p plane) sharpened(r int, amount float64) plane {
	sat := p.integral()
	q := plane{w: p.w, h: p.h, pix: make([]byte, len(p.pix))}
	W := p.w + 1
	for y := 0; y < p.h; y++ {
		y0, y1 := max(0, y-r), min(p.h, y+r+1)
		for x := 0; x < p.w; x++ {
			x0, x1 := max(0, x-r), min(p.w, x+r+1)
			sum := sat[y1*W+x1] - sat[y0*W+x1] - sat[y1*W+x0] + sat[y0*W+x0]
			mean := float64(sum) / float64((y1-y0)*(x1-x0))
			v := float64(p.pix[y*p.w+x])
			q.pix[y*p.w+x] = clamp255(v + amount*(v-mean))
		}
	}
	return q
}

func clamp255(v float64) byte {
	if v <= 0 {
		return 0
	}
	if v >= 255 {
		return 255
	}
	return byte(v + 0.5)
}

// integral returns the summed-area table of p, (w+1)×(h+1).
func (p plane) integral() []uint32 {
	W := p.w + 1
	sat := make([]uint32, W*(p.h+1))
	for y := 0; y < p.h; y++ {
		var row uint32
		src := p.pix[y*p.w : (y+1)*p.w]
		prev := sat[y*W : (y+1)*W]
		cur := sat[(y+1)*W : (y+2)*W]
		for x, v := range src {
			row += uint32(v)
			cur[x+1] = prev[x+1] + row
		}
	}
	return sat
}

// meanBinarize marks a pixel black when it is darker than the mean of the
// (2r+1)² box around it by more than bias grey levels. Its window is much
// smaller than the hybrid binarizer's 40 pixels, which keeps a low-contrast
// code on a bright background, and small modules, apart.
func meanBinarize(p plane, r int, bias int) *gozxing.BitMatrix {
	sat := p.integral()
	bm, _ := gozxing.NewBitMatrix(p.w, p.h)
	W := p.w + 1
	for y := 0; y < p.h; y++ {
		y0, y1 := max(0, y-r), min(p.h, y+r+1)
		for x := 0; x < p.w; x++ {
			x0, x1 := max(0, x-r), min(p.w, x+r+1)
			n := (y1 - y0) * (x1 - x0)
			sum := int(sat[y1*W+x1] - sat[y0*W+x1] - sat[y1*W+x0] + sat[y0*W+x0])
			if (int(p.pix[y*p.w+x])+bias)*n < sum {
				bm.Set(x, y)
			}
		}
	}
	return bm
}
