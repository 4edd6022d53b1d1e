package qr

import (
	"math/bits"
	"sync"

	zxdecoder "github.com/makiuchi-d/gozxing/qrcode/decoder"
)

// A QR encoder for alphanumeric text, the alphabet of Base45 passes. skip2
// spends about 2.5 ms on a pass (its Reed-Solomon code allocates per
// step); this one takes a fraction of that. Texts outside the alphabet go
// to skip2. Tables (block structure, alignment centres) come from
// gozxing's decoder, so encoder and decoder agree; every result is decoded
// again by the caller.

const alnumChars = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:"

var alnumValue = func() (t [256]int8) {
	for i := range t {
		t[i] = -1
	}
	for i := 0; i < len(alnumChars); i++ {
		t[alnumChars[i]] = int8(i)
	}
	return t
}()

func isAlnum(s string) bool {
	for i := 0; i < len(s); i++ {
		if alnumValue[s[i]] < 0 {
			return false
		}
	}
	return true
}

func (l Level) zx() zxdecoder.ErrorCorrectionLevel {
	switch l {
	case L:
		return zxdecoder.ErrorCorrectionLevel_L
	case Q:
		return zxdecoder.ErrorCorrectionLevel_Q
	case H:
		return zxdecoder.ErrorCorrectionLevel_H
	}
	return zxdecoder.ErrorCorrectionLevel_M
}

// formatBits are the two level bits of the format information.
func (l Level) formatBits() int {
	return map[Level]int{L: 1, M: 0, Q: 3, H: 2}[l]
}

type bitWriter struct {
	b []byte
	n int // bits written
}

func (w *bitWriter) write(v, n int) {
	for i := n - 1; i >= 0; i-- {
		if w.n%8 == 0 {
			w.b = append(w.b, 0)
		}
		if v>>i&1 != 0 {
			w.b[w.n/8] |= 0x80 >> (w.n % 8)
		}
		w.n++
	}
}

// encodeAlnum returns the module matrix for an alphanumeric text at level
// l in the smallest version that holds it, or nil if none does.
func encodeAlnum(text string, l Level) [][]bool {
	n := len(text)
	for v := 1; v <= 40; v++ {
		ver, err := zxdecoder.Version_GetVersionForNumber(v)
		if err != nil {
			return nil
		}
		ecb := ver.GetECBlocksForLevel(l.zx())
		dataCW := ver.GetTotalCodewords() - ecb.GetTotalECCodewords()
		countBits := 9
		if v >= 27 {
			countBits = 13
		} else if v >= 10 {
			countBits = 11
		}
		bits := 4 + countBits + 11*(n/2) + 6*(n%2)
		if bits > 8*dataCW {
			continue
		}
		w := bitWriter{b: make([]byte, 0, dataCW)}
		w.write(0b0010, 4)
		w.write(n, countBits)
		for i := 0; i+1 < n; i += 2 {
			w.write(45*int(alnumValue[text[i]])+int(alnumValue[text[i+1]]), 11)
		}
		if n%2 == 1 {
			w.write(int(alnumValue[text[n-1]]), 6)
		}
		w.write(0, min(4, 8*dataCW-w.n))
		if w.n%8 != 0 {
			w.write(0, 8-w.n%8)
		}
		for pad := 0xEC; len(w.b) < dataCW; pad ^= 0xEC ^ 0x11 {
			w.b = append(w.b, byte(pad))
		}
		return place(interleave(w.b, ver, ecb), ver, l)
	}
	return nil
}

// interleave splits data into the version's blocks, appends each block's
// Reed-Solomon code and interleaves the codewords.
func interleave(data []byte, ver *zxdecoder.Version, ecb *zxdecoder.ECBlocks) []byte {
	ecLen := ecb.GetECCodewordsPerBlock()
	var blocks [][]byte
	off := 0
	for _, g := range ecb.GetECBlocks() {
		for i := 0; i < g.GetCount(); i++ {
			blocks = append(blocks, data[off:off+g.GetDataCodewords()])
			off += g.GetDataCodewords()
		}
	}
	gen := generator(ecLen)
	out := make([]byte, 0, ver.GetTotalCodewords())
	ecs := make([][]byte, len(blocks))
	maxData := 0
	for i, b := range blocks {
		ecs[i] = rsEncode(b, gen)
		maxData = max(maxData, len(b))
	}
	for i := 0; i < maxData; i++ {
		for _, b := range blocks {
			if i < len(b) {
				out = append(out, b[i])
			}
		}
	}
	for i := 0; i < ecLen; i++ {
		for _, e := range ecs {
			out = append(out, e[i])
		}
	}
	return out
}

// GF(256) with the QR polynomial x⁸+x⁴+x³+x²+1.
var gfExp, gfLog = func() (exp [512]byte, log [256]byte) {
	x := 1
	for i := 0; i < 255; i++ {
		exp[i] = byte(x)
		log[x] = byte(i)
		x <<= 1
		if x&0x100 != 0 {
			x ^= 0x11d
		}
	}
	for i := 255; i < 512; i++ {
		exp[i] = exp[i-255]
	}
	return
}()

func gfMul(a, b byte) byte {
	if a == 0 || b == 0 {
		return 0
	}
	return gfExp[int(gfLog[a])+int(gfLog[b])]
}

var generators sync.Map // int → []byte

// generator returns the Reed-Solomon generator polynomial of degree n,
// (x-α⁰)…(x-αⁿ⁻¹), highest coefficient first, without the leading 1.
func generator(n int) []byte {
	if g, ok := generators.Load(n); ok {
		return g.([]byte)
	}
	g := []byte{1}
	for i := 0; i < n; i++ {
		next := make([]byte, len(g)+1)
		for j, c := range g {
			next[j] ^= c
			next[j+1] ^= gfMul(c, gfExp[i])
		}
		g = next
	}
	generators.Store(n, g[1:])
	return g[1:]
}

// rsEncode returns the remainder of data·xⁿ divided by the generator.
func rsEncode(data, gen []byte) []byte {
	rem := make([]byte, len(gen))
	for _, d := range data {
		f := d ^ rem[0]
		copy(rem, rem[1:])
		rem[len(rem)-1] = 0
		if f != 0 {
			lf := int(gfLog[f])
			for j, g := range gen {
				if g != 0 {
					rem[j] ^= gfExp[lf+int(gfLog[g])]
				}
			}
		}
	}
	return rem
}

// Module states while building a symbol.
const (
	light    = 0
	dark     = 1
	reserved = 2 // function module, light for now
)

// layout is what every symbol of one version shares: the function
// patterns, the order of the data modules and the eight mask patterns.
type layout struct {
	base  []byte
	order []int32
	masks [8][]byte // 1 where the mask flips the module
}

var layouts [41]struct {
	once sync.Once
	l    *layout
}

func layoutFor(ver *zxdecoder.Version) *layout {
	e := &layouts[ver.GetVersionNumber()]
	e.once.Do(func() { e.l = newLayout(ver) })
	return e.l
}

func newLayout(ver *zxdecoder.Version) *layout {
	dim := ver.GetDimensionForVersion()
	base := make([]byte, dim*dim)
	isFn := make([]bool, dim*dim)
	set := func(x, y int, v byte) {
		base[y*dim+x] = v
		isFn[y*dim+x] = true
	}
	// Finder patterns and separators.
	for _, c := range [][2]int{{0, 0}, {dim - 7, 0}, {0, dim - 7}} {
		for dy := -1; dy <= 7; dy++ {
			for dx := -1; dx <= 7; dx++ {
				x, y := c[0]+dx, c[1]+dy
				if x < 0 || y < 0 || x >= dim || y >= dim {
					continue
				}
				v := byte(light)
				if dx >= 0 && dx <= 6 && dy >= 0 && dy <= 6 &&
					(dx == 0 || dx == 6 || dy == 0 || dy == 6 || (dx >= 2 && dx <= 4 && dy >= 2 && dy <= 4)) {
					v = dark
				}
				set(x, y, v)
			}
		}
	}
	// Timing patterns.
	for i := 8; i < dim-8; i++ {
		v := byte(light)
		if i%2 == 0 {
			v = dark
		}
		set(i, 6, v)
		set(6, i, v)
	}
	// Alignment patterns.
	centres := ver.GetAlignmentPatternCenters()
	last := len(centres) - 1
	for i, cy := range centres {
		for j, cx := range centres {
			if (i == 0 && j == 0) || (i == 0 && j == last) || (i == last && j == 0) {
				continue
			}
			for dy := -2; dy <= 2; dy++ {
				for dx := -2; dx <= 2; dx++ {
					v := byte(light)
					if max(abs(dx), abs(dy)) != 1 {
						v = dark
					}
					set(cx+dx, cy+dy, v)
				}
			}
		}
	}
	// Dark module, and room for the format information.
	set(8, dim-8, dark)
	for i := 0; i < 9; i++ {
		if !isFn[8*dim+i] {
			set(i, 8, reserved)
		}
		if !isFn[i*dim+8] {
			set(8, i, reserved)
		}
	}
	for i := 0; i < 8; i++ {
		set(dim-1-i, 8, reserved)
		if dim-1-i != dim-8 {
			set(8, dim-1-i, reserved)
		}
	}
	// Version information.
	if v := ver.GetVersionNumber(); v >= 7 {
		info := v<<12 | bchRemainder(v, 0x1f25, 12)
		k := 0
		for i := 0; i < 6; i++ {
			for j := 0; j < 3; j++ {
				b := byte(info >> k & 1)
				set(i, dim-11+j, b)
				set(dim-11+j, i, b)
				k++
			}
		}
	}
	// Zigzag order of the data modules.
	order := make([]int, 0, dim*dim)
	up := true
	for x := dim - 1; x > 0; x -= 2 {
		if x == 6 {
			x--
		}
		for k := 0; k < dim; k++ {
			y := k
			if up {
				y = dim - 1 - k
			}
			for i := 0; i < 2; i++ {
				if !isFn[y*dim+x-i] {
					order = append(order, y*dim+x-i)
				}
			}
		}
		up = !up
	}
	lay := &layout{base: base}
	for _, idx := range order {
		lay.order = append(lay.order, int32(idx))
	}
	for mask := range lay.masks {
		mk := make([]byte, dim*dim)
		for i := range mk {
			if maskBit(mask, i%dim, i/dim) {
				mk[i] = 1
			}
		}
		lay.masks[mask] = mk
	}
	return lay
}

// place puts the codewords in the symbol under each of the eight masks and
// keeps the one with the lowest penalty.
func place(codewords []byte, ver *zxdecoder.Version, l Level) [][]bool {
	dim := ver.GetDimensionForVersion()
	lay := layoutFor(ver)
	var best []byte
	bestPenalty := -1
	m := make([]byte, dim*dim)
	t := make([]byte, dim*dim)
	rows, cols := make([]uint64, dim), make([]uint64, dim)
	for mask := 0; mask < 8; mask++ {
		copy(m, lay.base)
		mk := lay.masks[mask]
		for k, idx := range lay.order {
			bit := byte(0)
			if k/8 < len(codewords) {
				bit = codewords[k/8] >> (7 - k%8) & 1
			}
			m[idx] = bit ^ mk[idx]
		}
		info := (l.formatBits()<<3 | mask)
		info = (info<<10 | bchRemainder(info, 0x537, 10)) ^ 0x5412
		for i := 0; i < 15; i++ {
			b := byte(info >> i & 1)
			x, y := formatCoords[i][0], formatCoords[i][1]
			m[y*dim+x] = b
			if i < 8 {
				m[8*dim+dim-1-i] = b
			} else {
				m[(dim-7+i-8)*dim+8] = b
			}
		}
		var p int
		if dim < 64 {
			p = penalty64(m, rows, cols, dim)
		} else {
			p = penalty(m, t, dim)
		}
		if bestPenalty < 0 || p < bestPenalty {
			bestPenalty = p
			best = append(best[:0], m...)
		}
	}
	out := make([][]bool, dim)
	for y := range out {
		out[y] = make([]bool, dim)
		for x := range out[y] {
			out[y][x] = best[y*dim+x] == dark
		}
	}
	return out
}

var formatCoords = [15][2]int{{8, 0}, {8, 1}, {8, 2}, {8, 3}, {8, 4}, {8, 5}, {8, 7}, {8, 8}, {7, 8}, {5, 8}, {4, 8}, {3, 8}, {2, 8}, {1, 8}, {0, 8}}

// bchRemainder returns the remainder of v·x^n divided by poly.
func bchRemainder(v, poly, n int) int {
	r := v << n
	deg := 0
	for p := poly; p > 1; p >>= 1 {
		deg++
	}
	for i := n + 12; i >= deg; i-- {
		if r>>i&1 != 0 {
			r ^= poly << (i - deg)
		}
	}
	return r
}

func maskBit(mask, x, y int) bool {
	switch mask {
	case 0:
		return (x+y)%2 == 0
	case 1:
		return y%2 == 0
	case 2:
		return x%3 == 0
	case 3:
		return (x+y)%3 == 0
	case 4:
		return (y/2+x/3)%2 == 0
	case 5:
		return (x*y)%2+(x*y)%3 == 0
	case 6:
		return ((x*y)%2+(x*y)%3)%2 == 0
	default:
		return ((x+y)%2+(x*y)%3)%2 == 0
	}
}

// penalty is the mask penalty of the QR specification (rules N1–N4).
func penalty(m, t []byte, dim int) int {
	for y := 0; y < dim; y++ {
		for x := 0; x < dim; x++ {
			t[x*dim+y] = m[y*dim+x]
		}
	}
	p := linePenalty(m, dim) + linePenalty(t, dim)
	darkCount := 0
	for y := 0; y < dim; y++ {
		row := m[y*dim : (y+1)*dim]
		for _, v := range row {
			darkCount += int(v)
		}
		if y+1 == dim {
			break
		}
		next := m[(y+1)*dim : (y+2)*dim]
		for x := 0; x+1 < dim; x++ {
			v := row[x]
			if v == row[x+1] && v == next[x] && v == next[x+1] {
				p += 3
			}
		}
	}
	total := dim * dim
	return p + 10*(abs(2*darkCount-total)*10/total)
}

// linePenalty scores the rows of m: runs of five or more modules of one
// colour (N1) and finder-like 1:1:3:1:1 patterns next to four light
// modules (N3).
func linePenalty(m []byte, dim int) int {
	p := 0
	for y := 0; y < dim; y++ {
		row := m[y*dim : (y+1)*dim]
		run := 1
		for x := 1; x < dim; x++ {
			if row[x] == row[x-1] {
				run++
				continue
			}
			if run >= 5 {
				p += run - 2
			}
			run = 1
		}
		if run >= 5 {
			p += run - 2
		}
		win := 0
		for x, v := range row {
			win = (win<<1 | int(v)) & 0x7f
			if win == 0b1011101 && x >= 6 && (allLight(row, x-10, x-6) || allLight(row, x+1, x+5)) {
				p += 40
			}
		}
	}
	return p
}

// allLight reports whether row[from:to] is light, modules outside the row
// counting as light.
func allLight(row []byte, from, to int) bool {
	for x := max(from, 0); x < min(to, len(row)); x++ {
		if row[x] != light {
			return false
		}
	}
	return true
}

// penalty64 is penalty for symbols under 64 modules wide (versions 1–11,
// every hufu pass), on rows and columns packed in words: the rules become
// a few shifts and popcounts per line.
func penalty64(m []byte, rows, cols []uint64, dim int) int {
	clear(cols)
	for y := 0; y < dim; y++ {
		var r uint64
		for x, v := range m[y*dim : (y+1)*dim] {
			r |= uint64(v) << x
			cols[x] |= uint64(v) << y
		}
		rows[y] = r
	}
	full := uint64(1)<<dim - 1
	p := 0
	darkCount := 0
	for y, r := range rows {
		p += linePenalty64(r, full) + linePenalty64(cols[y], full)
		darkCount += bits.OnesCount64(r)
		if y+1 < dim {
			// N2: 2×2 blocks of one colour.
			r1 := rows[y+1]
			h0 := ^(r ^ r>>1) & (full >> 1)
			h1 := ^(r1 ^ r1>>1) & (full >> 1)
			v := ^(r ^ r1)
			p += 3 * bits.OnesCount64(h0&h1&v)
		}
	}
	total := dim * dim
	return p + 10*(abs(2*darkCount-total)*10/total)
}

// linePenalty64 is linePenalty for one line packed in a word, module i in
// bit i.
func linePenalty64(r, full uint64) int {
	// N1: eq has bit i set when modules i and i+1 match; a run of k ≥ 5
	// equal modules is k-1 ≥ 4 set bits, and scores k-2: the count of
	// bits of g (k-4 per run) plus 2 per run.
	eq := ^(r ^ r>>1) & (full >> 1)
	g := eq & (eq >> 1) & (eq >> 2) & (eq >> 3)
	p := bits.OnesCount64(g) + 2*bits.OnesCount64(g&^(g<<1))
	// N3: 1011101 starting at bit i, with modules i-4..i-1 or
	// i+7..i+10 light (outside the symbol counts as light).
	pat := r & ^(r >> 1) & (r >> 2) & (r >> 3) & (r >> 4) & ^(r >> 5) & (r >> 6) & (full >> 6)
	before := ^(r<<1 | r<<2 | r<<3 | r<<4)
	after := ^(r>>7 | r>>8 | r>>9 | r>>10)
	return p + 40*bits.OnesCount64(pat&(before|after))
}
