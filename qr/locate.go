package qr

import (
	"math"
	"sort"

	"github.com/makiuchi-d/gozxing"
	zxdecoder "github.com/makiuchi-d/gozxing/qrcode/decoder"
	zxdet "github.com/makiuchi-d/gozxing/qrcode/detector"
)

// This file replaces gozxing's Detector.ProcessFinderPatternInfo: given the
// three finder patterns, it proposes symbol sizes (the estimate and its
// neighbours) and transforms (initials, refine); session.readOne samples the
// modules both from the binarized picture, as gozxing does, and from the
// grey picture against a local mean, which survives blur, glare and low
// contrast much better.

// dimensions returns the plausible symbol sizes for a finder triple, the
// most likely first, and the module size in pixels.
func dimensions(bm *gozxing.BitMatrix, info *zxdet.FinderPatternInfo) ([]int, float64) {
	tl, tr, bl := info.GetTopLeft(), info.GetTopRight(), info.GetBottomLeft()
	ms := (moduleSizeOneWay(bm, tl, tr) + moduleSizeOneWay(bm, tl, bl)) / 2
	if !(ms >= 1) {
		ms = (tl.GetEstimatedModuleSize() + tr.GetEstimatedModuleSize() + bl.GetEstimatedModuleSize()) / 3
		if !(ms >= 1) {
			return nil, 0
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
	return dims, ms
}

// initials returns starting transforms for a finder triple and a symbol
// size: gozxing's (the three finder centres and the bottom-right alignment
// pattern if one is found near where it should be), the parallelogram
// guess, and a perspective guess from how the finder sizes differ.
func initials(bm *gozxing.BitMatrix, info *zxdet.FinderPatternInfo, dim int, ms float64) []homography {
	tl, tr, bl := info.GetTopLeft(), info.GetTopRight(), info.GetBottomLeft()
	brX := tr.GetX() - tl.GetX() + bl.GetX()
	brY := tr.GetY() - tl.GetY() + bl.GetY()
	d := float64(dim)
	from := [8]float64{3.5, 3.5, d - 3.5, 3.5, d - 3.5, d - 3.5, 3.5, d - 3.5}
	to := [8]float64{tl.GetX(), tl.GetY(), tr.GetX(), tr.GetY(), brX, brY, bl.GetX(), bl.GetY()}
	var out []homography
	if dim > 21 {
		k := 1 - 3/(d-7)
		ex := int(tl.GetX() + k*(brX-tl.GetX()))
		ey := int(tl.GetY() + k*(brY-tl.GetY()))
		for f := 4.0; f <= 16; f *= 2 {
			if ap := findAlignment(bm, ms, ex, ey, f); ap != nil {
				f2, t2 := from, to
				f2[4], f2[5] = d-6.5, d-6.5
				t2[4], t2[5] = ap.GetX(), ap.GetY()
				out = append(out, quadToQuad(f2, t2))
				break
			}
		}
	}
	out = append(out, quadToQuad(from, to))
	// Perspective: along an edge from a finder of module size s1 to one of
	// size s2, U modules apart, x(u) = a·u/(1+g·u) with s2/s1 = 1/(1+g·U)².
	s1, s2, s3 := tl.GetEstimatedModuleSize(), tr.GetEstimatedModuleSize(), bl.GetEstimatedModuleSize()
	if s1 > 0 && s2 > 0 && s3 > 0 {
		U := d - 7
		g := (math.Sqrt(s1/s2) - 1) / U
		h := (math.Sqrt(s1/s3) - 1) / U
		if math.Abs(g*U) > 0.05 || math.Abs(h*U) > 0.05 {
			// In coordinates relative to the top-left finder centre.
			ax, ay := (tr.GetX()-tl.GetX())*(1+g*U)/U, (tr.GetY()-tl.GetY())*(1+g*U)/U
			bx, by := (bl.GetX()-tl.GetX())*(1+h*U)/U, (bl.GetY()-tl.GetY())*(1+h*U)/U
			rel := homography{ax, bx, tl.GetX(), ay, by, tl.GetY(), g, h, 1}
			// Shift module coordinates so that (3.5, 3.5) is the origin.
			shift := homography{1, 0, -3.5, 0, 1, -3.5, 0, 0, 1}
			out = append(out, rel.mul(&shift))
		}
	}
	return out
}

// refine fits the transform to the finder centres and every alignment
// pattern of the version it can find, searched in turn from the top left
// near where the current transform puts them. It corrects the
// perspective that three finders and one alignment pattern get wrong.
func refine(bm *gozxing.BitMatrix, info *zxdet.FinderPatternInfo, dim int, h homography) (homography, bool) {
	ver, err := zxdecoder.Version_GetProvisionalVersionForDimension(dim)
	if err != nil {
		return h, false
	}
	centres := ver.GetAlignmentPatternCenters()
	if len(centres) == 0 {
		return h, false
	}
	d := float64(dim)
	tl, tr, bl := info.GetTopLeft(), info.GetTopRight(), info.GetBottomLeft()
	src := []float64{3.5, 3.5, d - 3.5, 3.5, 3.5, d - 3.5}
	dst := []float64{tl.GetX(), tl.GetY(), tr.GetX(), tr.GetY(), bl.GetX(), bl.GetY()}
	type pt struct{ u, v float64 }
	var todo []pt
	last := len(centres) - 1
	for i, cy := range centres {
		for j, cx := range centres {
			if (i == 0 && j == 0) || (i == 0 && j == last) || (i == last && j == 0) {
				continue
			}
			todo = append(todo, pt{float64(cx) + 0.5, float64(cy) + 0.5})
		}
	}
	// Nearest the known finders first: by distance from the top left.
	sort.Slice(todo, func(a, b int) bool { return todo[a].u+todo[a].v < todo[b].u+todo[b].v })
	found := 0
	for _, p := range todo {
		x, y := h.apply(p.u, p.v)
		x1, y1 := h.apply(p.u+1, p.v)
		x2, y2 := h.apply(p.u, p.v+1)
		ms := (math.Hypot(x1-x, y1-y) + math.Hypot(x2-x, y2-y)) / 2
		if !(ms >= 1) || math.IsInf(x, 0) || math.IsNaN(x) {
			continue
		}
		ap := findAlignment(bm, ms, int(x), int(y), 2.5)
		if ap == nil || math.Hypot(ap.GetX()-x, ap.GetY()-y) > 2.5*ms {
			continue
		}
		src = append(src, p.u, p.v)
		dst = append(dst, ap.GetX(), ap.GetY())
		found++
		if len(src) >= 8 {
			if nh, ok := fitHomography(src, dst); ok {
				h = nh
			}
		}
	}
	if found == 0 {
		return h, false
	}
	// Drop the points the fit misses by more than a module and fit again.
	if len(src) >= 10 {
		var s2, d2 []float64
		for k := 0; k < len(src); k += 2 {
			x, y := h.apply(src[k], src[k+1])
			x1, y1 := h.apply(src[k]+1, src[k+1])
			if math.Hypot(x-dst[k], y-dst[k+1]) <= math.Hypot(x1-x, y1-y) {
				s2 = append(s2, src[k], src[k+1])
				d2 = append(d2, dst[k], dst[k+1])
			}
		}
		if len(s2) >= 8 && len(s2) < len(src) {
			if nh, ok := fitHomography(s2, d2); ok {
				h = nh
			}
		}
	}
	return h, true
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

// sampleBits samples the module centres from the binarized picture. It
// returns nil when the symbol lies partly outside the picture.
func sampleBits(bm *gozxing.BitMatrix, h homography, d int) *gozxing.BitMatrix {
	bits, _ := gozxing.NewSquareBitMatrix(d)
	w, ht := bm.GetWidth(), bm.GetHeight()
	for y := 0; y < d; y++ {
		for x := 0; x < d; x++ {
			px, py := h.apply(float64(x)+0.5, float64(y)+0.5)
			if !(px >= 0 && py >= 0 && px < float64(w) && py < float64(ht)) {
				return nil
			}
			if bm.Get(int(px), int(py)) {
				bits.Set(x, y)
			}
		}
	}
	return bits
}

// sampleGrey samples the module centres from the grey plane (bilinear) and
// thresholds each against the mean of the modules around it. It returns
// nil when the symbol lies partly outside the picture.
func sampleGrey(p plane, h homography, d int) *gozxing.BitMatrix {
	vals := make([]float32, d*d)
	for y := 0; y < d; y++ {
		for x := 0; x < d; x++ {
			v, ok := p.bilinear(h.apply(float64(x)+0.5, float64(y)+0.5))
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
