package qr

import (
	"encoding/binary"
	"runtime"
	"sync"

	"github.com/makiuchi-d/gozxing"
)

// hybridBinarize is gozxing's HybridBinarizer (ZXing's algorithm: a black
// point per 8×8 block, thresholds averaged over 5×5 blocks) computed on flat
// arrays and written to the BitMatrix a row at a time; gozxing's version
// allocates a slice per block row and sets bits one call at a time, which
// made it half of the cost of a first attempt. The output is the same,
// which a test checks.
func hybridBinarize(p plane) *gozxing.BitMatrix {
	const block = 8
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
	bp := make([]int, subW*subH)
	lows := make([]int, subW*subH) // -1, or the minimum of a flat block
	// The per-pixel passes run on two halves of the block rows at once
	// when the picture is large. Flat blocks take their black point from
	// their already computed neighbours, in order, so they are fixed up
	// afterwards, one block at a time.
	parallel(subH, w*h >= 1<<18, func(lo, hi int) { blackPoints(p, bp, lows, subW, lo, hi) })
	for by := 0; by < subH; by++ {
		for bx := 0; bx < subW; bx++ {
			lo := lows[by*subW+bx]
			if lo < 0 {
				continue
			}
			avg := lo / 2
			if by > 0 && bx > 0 {
				nb := (bp[(by-1)*subW+bx] + 2*bp[by*subW+bx-1] + bp[(by-1)*subW+bx-1]) / 4
				if lo < nb {
					avg = nb
				}
			}
			bp[by*subW+bx] = avg
		}
	}
	words := (w + 31) / 32
	bits := make([]uint32, words*h)
	parallel(subH, w*h >= 1<<18, func(lo, hi int) { thresholds(p, bp, bits, subW, subH, lo, hi) })
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

// blackPoints computes the mean of each 8×8 block of block rows
// [from, to), or marks the block flat in lows with its minimum.
func blackPoints(p plane, bp, lows []int, subW, from, to int) {
	const (
		block    = 8
		minRange = 24
	)
	w := p.w
	maxX, maxY := p.w-block, p.h-block
	for by := from; by < to; by++ {
		yo := min(by*block, maxY)
		for bx := 0; bx < subW; bx++ {
			xo := min(bx*block, maxX)
			// Eight pixels at a time: the sum in four 16-bit lanes;
			// the range byte by byte until it exceeds minRange, as
			// ZXing stops looking then too.
			var acc uint64
			lo, hi := 255, 0
			for yy := 0; yy < block; yy++ {
				off := (yo+yy)*w + xo
				v := binary.LittleEndian.Uint64(p.pix[off : off+block])
				acc += v&0x00ff00ff00ff00ff + v>>8&0x00ff00ff00ff00ff
				if hi-lo <= minRange {
					for i := 0; i < 64; i += 8 {
						b := int(v >> i & 0xff)
						lo = min(lo, b)
						hi = max(hi, b)
					}
				}
			}
			sum := int(acc * 0x0001000100010001 >> 48)
			bp[by*subW+bx] = sum >> 6
			lows[by*subW+bx] = -1
			if hi-lo <= minRange {
				lows[by*subW+bx] = lo
			}
		}
	}
}

// thresholds marks the black pixels of block rows [from, to) in bits.
func thresholds(p plane, bp []int, bits []uint32, subW, subH, from, to int) {
	const block = 8
	w := p.w
	maxX, maxY := p.w-block, p.h-block
	words := (w + 31) / 32
	capi := func(v, lo, hi int) int { return max(lo, min(v, hi)) }
	for by := from; by < to; by++ {
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
			T := uint64(t) * 0x0101010101010101
			for yy := 0; yy < block; yy++ {
				y := yo + yy
				// Bit i of m is set when pixel i <= t, eight pixels at a
				// time: per byte lane, t >= v is decided by the top
				// bits and, when they agree, by the borrow-free
				// difference of the low seven bits.
				v := binary.LittleEndian.Uint64(p.pix[y*w+xo : y*w+xo+block])
				const hb = 0x8080808080808080
				d := (T | hb) - (v &^ hb)
				ge := (T&^v | ^(T^v)&d) & hb
				m := (ge >> 7) * 0x0102040810204080 >> 56
				out := bits[y*words : (y+1)*words]
				out[xo>>5] |= uint32(m << (xo & 31))
				if sh := xo & 31; sh > 24 {
					out[xo>>5+1] |= uint32(m >> (32 - sh))
				}
			}
		}
	}
}

// parallel runs f over [0, n) split in two halves on two goroutines when
// on is set and there is more than one CPU, else over all of it.
func parallel(n int, on bool, f func(lo, hi int)) {
	if !on || runtime.GOMAXPROCS(0) < 2 || n < 16 {
		f(0, n)
		return
	}
	mid := n / 2
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		f(mid, n)
	}()
	f(0, mid)
	wg.Wait()
}
