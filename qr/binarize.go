package qr

import "github.com/makiuchi-d/gozxing"

// hybridBinarize is gozxing's HybridBinarizer (ZXing's algorithm: a black
// point per 8×8 block, thresholds averaged over 5×5 blocks) computed on flat
// arrays and written to the BitMatrix a row at a time; gozxing's version
// allocates a slice per block row and sets bits one call at a time, which
// made it half of the cost of a first attempt. The output is the same,
// which a test checks.
func hybridBinarize(p plane) *gozxing.BitMatrix {
	const (
		block    = 8
		minRange = 24
	)
	w, h := p.w, p.h
	if w < 5*block || h < 5*block {
		src, err := gozxing.NewPlanarYUVLuminanceSource(p.pix, w, h, 0, 0, w, h, false)
		if err != nil {
			return nil
		}
		bm, err := gozxing.NewGlobalHistgramBinarizer(src).GetBlackMatrix()
		if err != nil {
			return nil
		}
		return bm
	}
	subW, subH := (w+block-1)/block, (h+block-1)/block
	maxX, maxY := w-block, h-block
	bp := make([]int, subW*subH)
	for by := 0; by < subH; by++ {
		yo := min(by*block, maxY)
		for bx := 0; bx < subW; bx++ {
			xo := min(bx*block, maxX)
			sum, lo, hi := 0, 255, 0
			for yy := 0; yy < block; yy++ {
				row := p.pix[(yo+yy)*w+xo : (yo+yy)*w+xo+block]
				for _, v := range row {
					sum += int(v)
					lo = min(lo, int(v))
					hi = max(hi, int(v))
				}
			}
			avg := sum >> 6
			if hi-lo <= minRange {
				avg = lo / 2
				if by > 0 && bx > 0 {
					nb := (bp[(by-1)*subW+bx] + 2*bp[by*subW+bx-1] + bp[(by-1)*subW+bx-1]) / 4
					if lo < nb {
						avg = nb
					}
				}
			}
			bp[by*subW+bx] = avg
		}
	}
	words := (w + 31) / 32
	bits := make([]uint32, words*h)
	capi := func(v, lo, hi int) int { return max(lo, min(v, hi)) }
	for by := 0; by < subH; by++ {
		yo := min(by*block, maxY)
		top := capi(by, 2, subH-3)
		for bx := 0; bx < subW; bx++ {
			xo := min(bx*block, maxX)
			left := capi(bx, 2, subW-3)
			sum := 0
			for z := -2; z <= 2; z++ {
				r := bp[(top+z)*subW:]
				sum += r[left-2] + r[left-1] + r[left] + r[left+1] + r[left+2]
			}
			t := sum / 25
			for yy := 0; yy < block; yy++ {
				y := yo + yy
				row := p.pix[y*w+xo : y*w+xo+block]
				out := bits[y*words:]
				for xx, v := range row {
					if int(v) <= t {
						x := xo + xx
						out[x>>5] |= 1 << (x & 31)
					}
				}
			}
		}
	}
	bm, _ := gozxing.NewBitMatrix(w, h)
	ba := gozxing.NewBitArray(w)
	for y := 0; y < h; y++ {
		for i, v := range bits[y*words : (y+1)*words] {
			ba.SetBulk(32*i, v)
		}
		bm.SetRow(y, ba)
	}
	return bm
}
