package qr

import (
	"math"

	"github.com/makiuchi-d/gozxing"
	"github.com/makiuchi-d/gozxing/common"
	zxmultidet "github.com/makiuchi-d/gozxing/multi/qrcode/detector"
	zxdecoder "github.com/makiuchi-d/gozxing/qrcode/decoder"
	zxdet "github.com/makiuchi-d/gozxing/qrcode/detector"
)

// This file replaces gozxing's Detector.ProcessFinderPatternInfo: given the
// three finder patterns, it tries the estimated symbol size and its
// neighbours, and samples the modules both from the binarized picture (as
// gozxing does) and from the grey picture with a local threshold, which
// survives blur, glare and low contrast much better.

// finders returns the finder-pattern triples found in bm: every triple the
// multi-code finder sees, then the single-code finder's best triple.
func finders(bm *gozxing.BitMatrix, hints map[gozxing.DecodeHintType]any) []*zxdet.FinderPatternInfo {
	var out []*zxdet.FinderPatternInfo
	if infos, err := zxmultidet.NewMultiFinderPatternFinder(bm, nil).FindMulti(hints); err == nil {
		out = append(out, infos...)
	}
	if info, err := zxdet.NewFinderPatternFinder(bm, nil).Find(hints); err == nil {
		dup := false
		for _, o := range out {
			if near(o.GetTopLeft(), info.GetTopLeft()) && near(o.GetTopRight(), info.GetTopRight()) && near(o.GetBottomLeft(), info.GetBottomLeft()) {
				dup = true
			}
		}
		if !dup {
			out = append(out, info)
		}
	}
	return out
}

func near(a, b gozxing.ResultPoint) bool {
	return math.Abs(a.GetX()-b.GetX()) < 2 && math.Abs(a.GetY()-b.GetY()) < 2
}

// candidate is one way to read a code: the transform from module to image
// coordinates and the symbol size.
type candidate struct {
	t   *common.PerspectiveTransform
	dim int
}

// candidates lists plausible transforms for one finder triple, the most
// likely first.
func candidates(bm *gozxing.BitMatrix, info *zxdet.FinderPatternInfo) []candidate {
	tl, tr, bl := info.GetTopLeft(), info.GetTopRight(), info.GetBottomLeft()
	ms := (moduleSizeOneWay(bm, tl, tr) + moduleSizeOneWay(bm, tl, bl)) / 2
	if !(ms >= 1) {
		ms = (tl.GetEstimatedModuleSize() + tr.GetEstimatedModuleSize() + bl.GetEstimatedModuleSize()) / 3
		if !(ms >= 1) {
			return nil
		}
	}
	a := gozxing.ResultPoint_Distance(tl, tr) / ms
	b := gozxing.ResultPoint_Distance(tl, bl) / ms
	est := (a+b)/2 + 7
	var dims []int
	base := int(math.Round((est-17)/4))*4 + 17
	for _, d := range []int{base, base + 4, base - 4, base + 8, base - 8} {
		if d >= 21 && d <= 177 {
			dims = append(dims, d)
		}
	}
	var out []candidate
	for _, dim := range dims {
		ver, err := zxdecoder.Version_GetProvisionalVersionForDimension(dim)
		if err != nil {
			continue
		}
		var align *zxdet.AlignmentPattern
		if len(ver.GetAlignmentPatternCenters()) > 0 {
			between := float64(dim - 7)
			brX := tr.GetX() - tl.GetX() + bl.GetX()
			brY := tr.GetY() - tl.GetY() + bl.GetY()
			k := 1 - 3/between
			ex := int(tl.GetX() + k*(brX-tl.GetX()))
			ey := int(tl.GetY() + k*(brY-tl.GetY()))
			for f := 4.0; f <= 16; f *= 2 {
				if ap := findAlignment(bm, ms, ex, ey, f); ap != nil {
					align = ap
					break
				}
			}
		}
		out = append(out, candidate{zxdet.Detector_createTransform(tl, tr, bl, align, dim), dim})
		if align != nil {
			// Also the parallelogram guess, in case the alignment
			// pattern found is a false one.
			out = append(out, candidate{zxdet.Detector_createTransform(tl, tr, bl, nil, dim), dim})
		}
	}
	return out
}

func findAlignment(bm *gozxing.BitMatrix, ms float64, ex, ey int, f float64) *zxdet.AlignmentPattern {
	allow := int(f * ms)
	x0, x1 := max(0, ex-allow), min(bm.GetWidth()-1, ex+allow)
	y0, y1 := max(0, ey-allow), min(bm.GetHeight()-1, ey+allow)
	if float64(x1-x0) < 3*ms || float64(y1-y0) < 3*ms {
		return nil
	}
	ap, err := zxdet.NewAlignmentPatternFinder(bm, x0, y0, x1-x0, y1-y0, ms, nil).Find()
	if err != nil {
		return nil
	}
	return ap
}

// sampleBits samples the module centres from the binarized picture.
func sampleBits(bm *gozxing.BitMatrix, c candidate) *gozxing.BitMatrix {
	bits, err := zxdet.Detector_sampleGrid(bm, c.t, c.dim)
	if err != nil {
		return nil
	}
	return bits
}

// sampleGrey samples the module centres from the grey plane (bilinear) and
// thresholds each against the mean of the modules around it. It returns
// nil when the symbol lies partly outside the picture.
func sampleGrey(p plane, c candidate) *gozxing.BitMatrix {
	d := c.dim
	pts := make([]float64, 2*d)
	vals := make([]float32, d*d)
	for y := 0; y < d; y++ {
		for x := 0; x < d; x++ {
			pts[2*x] = float64(x) + 0.5
			pts[2*x+1] = float64(y) + 0.5
		}
		c.t.TransformPoints(pts)
		for x := 0; x < d; x++ {
			v, ok := p.bilinear(pts[2*x], pts[2*x+1])
			if !ok {
				return nil
			}
			vals[y*d+x] = v
		}
	}
	// Local mean over a (2r+1)² window of modules, by a summed-area table.
	const r = 4
	sat := make([]float32, (d+1)*(d+1))
	for y := 0; y < d; y++ {
		var row float32
		for x := 0; x < d; x++ {
			row += vals[y*d+x]
			sat[(y+1)*(d+1)+x+1] = sat[y*(d+1)+x+1] + row
		}
	}
	bits, _ := gozxing.NewSquareBitMatrix(d)
	for y := 0; y < d; y++ {
		y0, y1 := max(0, y-r), min(d, y+r+1)
		for x := 0; x < d; x++ {
			x0, x1 := max(0, x-r), min(d, x+r+1)
			sum := sat[y1*(d+1)+x1] - sat[y0*(d+1)+x1] - sat[y1*(d+1)+x0] + sat[y0*(d+1)+x0]
			mean := sum / float32((y1-y0)*(x1-x0))
			if vals[y*d+x] < mean {
				bits.Set(x, y)
			}
		}
	}
	return bits
}

// bilinear returns the interpolated luminance at (x, y), pixel centres at
// half-integers.
func (p plane) bilinear(x, y float64) (float32, bool) {
	x -= 0.5
	y -= 0.5
	if x < -1 || y < -1 || x > float64(p.w) || y > float64(p.h) {
		return 0, false
	}
	x = min(max(x, 0), float64(p.w-1))
	y = min(max(y, 0), float64(p.h-1))
	x0, y0 := int(x), int(y)
	x1, y1 := min(x0+1, p.w-1), min(y0+1, p.h-1)
	fx, fy := float32(x-float64(x0)), float32(y-float64(y0))
	a := float32(p.pix[y0*p.w+x0])*(1-fx) + float32(p.pix[y0*p.w+x1])*fx
	b := float32(p.pix[y1*p.w+x0])*(1-fx) + float32(p.pix[y1*p.w+x1])*fx
	return a*(1-fy) + b*fy, true
}

// moduleSizeOneWay is gozxing's Detector.calculateModuleSizeOneWay.
func moduleSizeOneWay(bm *gozxing.BitMatrix, a, b gozxing.ResultPoint) float64 {
	e1 := runBothWays(bm, int(a.GetX()), int(a.GetY()), int(b.GetX()), int(b.GetY()))
	e2 := runBothWays(bm, int(b.GetX()), int(b.GetY()), int(a.GetX()), int(a.GetY()))
	if math.IsNaN(e1) {
		return e2 / 7
	}
	if math.IsNaN(e2) {
		return e1 / 7
	}
	return (e1 + e2) / 14
}

func runBothWays(bm *gozxing.BitMatrix, fromX, fromY, toX, toY int) float64 {
	result := run(bm, fromX, fromY, toX, toY)
	w, h := bm.GetWidth(), bm.GetHeight()
	scale := 1.0
	otherToX := fromX - (toX - fromX)
	if otherToX < 0 {
		scale = float64(fromX) / float64(fromX-otherToX)
		otherToX = 0
	} else if otherToX >= w {
		scale = float64(w-1-fromX) / float64(otherToX-fromX)
		otherToX = w - 1
	}
	otherToY := int(float64(fromY) - float64(toY-fromY)*scale)
	scale = 1.0
	if otherToY < 0 {
		scale = float64(fromY) / float64(fromY-otherToY)
		otherToY = 0
	} else if otherToY >= h {
		scale = float64(h-1-fromY) / float64(otherToY-fromY)
		otherToY = h - 1
	}
	otherToX = int(float64(fromX) + float64(otherToX-fromX)*scale)
	return result + run(bm, fromX, fromY, otherToX, otherToY) - 1
}

// run measures a black-white-black run from (fromX, fromY) towards (toX,
// toY), as gozxing's Detector.sizeOfBlackWhiteBlackRun.
func run(bm *gozxing.BitMatrix, fromX, fromY, toX, toY int) float64 {
	steep := false
	dx, dy := abs(toX-fromX), abs(toY-fromY)
	if dy > dx {
		steep = true
		fromX, fromY = fromY, fromX
		toX, toY = toY, toX
		dx, dy = dy, dx
	}
	err := -dx / 2
	xstep, ystep := 1, 1
	if fromX >= toX {
		xstep = -1
	}
	if fromY >= toY {
		ystep = -1
	}
	state := 0
	xLimit := toX + xstep
	for x, y := fromX, fromY; x != xLimit; x += xstep {
		rx, ry := x, y
		if steep {
			rx, ry = y, x
		}
		if rx < 0 || ry < 0 || rx >= bm.GetWidth() || ry >= bm.GetHeight() {
			break
		}
		if (state == 1) == bm.Get(rx, ry) {
			if state == 2 {
				return math.Hypot(float64(x-fromX), float64(y-fromY))
			}
			state++
		}
		err += dy
		if err > 0 {
			if y == toY {
				break
			}
			y += ystep
			err -= dx
		}
	}
	if state == 2 {
		return math.Hypot(float64(toX+xstep-fromX), float64(toY-fromY))
	}
	return math.NaN()
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}
