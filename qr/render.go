package qr

import (
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"io"
	"strconv"
	"sync"

	"github.com/makiuchi-d/gozxing"
	zxdecoder "github.com/makiuchi-d/gozxing/qrcode/decoder"
	qrcode "github.com/skip2/go-qrcode"
)

// Level is a QR error correction level. The zero value is M.
type Level int

// Error correction levels, from the QR specification: the share of the
// code that may be damaged and still read.
const (
	M Level = iota // about 15%, the default
	L              // about 7%
	Q              // about 25%
	H              // about 30%
)

func (l Level) String() string {
	switch l {
	case L:
		return "L"
	case M:
		return "M"
	case Q:
		return "Q"
	case H:
		return "H"
	}
	return "Level(" + strconv.Itoa(int(l)) + ")"
}

func (l Level) skip2() (qrcode.RecoveryLevel, error) {
	switch l {
	case L:
		return qrcode.Low, nil
	case M:
		return qrcode.Medium, nil
	case Q:
		return qrcode.High, nil
	case H:
		return qrcode.Highest, nil
	}
	return 0, fmt.Errorf("%w: unknown error correction level %d", ErrRender, int(l))
}

// Options control rendering. The zero value renders at level M with 4 pixels
// per module and a 4-module quiet zone.
type Options struct {
	Level Level
	// ModulePixels is the width of one module in pixels (0 means 4).
	ModulePixels int
	// Quiet is the width of the light border in modules (0 means 4, the
	// minimum the QR specification asks for).
	Quiet int
}

// Limits on rendering options, so that a mistaken option cannot ask for a
// huge picture.
const (
	maxModulePixels = 64
	maxQuiet        = 64
)

func (o Options) norm() (Options, error) {
	if _, err := o.Level.skip2(); err != nil {
		return o, err
	}
	if o.ModulePixels == 0 {
		o.ModulePixels = 4
	}
	if o.Quiet == 0 {
		o.Quiet = 4
	}
	if o.ModulePixels < 1 || o.ModulePixels > maxModulePixels {
		return o, fmt.Errorf("%w: module size %d pixels out of range 1..%d", ErrRender, o.ModulePixels, maxModulePixels)
	}
	if o.Quiet < 1 || o.Quiet > maxQuiet {
		return o, fmt.Errorf("%w: quiet zone %d modules out of range 1..%d", ErrRender, o.Quiet, maxQuiet)
	}
	return o, nil
}

// Matrix returns the modules of the QR code for text at the given level,
// without quiet zone: m[y][x] is true for a dark module. The matrix is
// checked by decoding it back.
func Matrix(text string, level Level) ([][]bool, error) {
	m, err := encode(text, level)
	if err != nil {
		return nil, err
	}
	if err := verify(m, text); err != nil {
		return nil, err
	}
	return m, nil
}

// encode returns the module matrix, without quiet zone: from the
// alphanumeric encoder when the text allows, else from skip2.
func encode(text string, level Level) ([][]bool, error) {
	rl, err := level.skip2()
	if err != nil {
		return nil, err
	}
	if text == "" {
		return nil, fmt.Errorf("%w: empty text", ErrRender)
	}
	if isAlnum(text) {
		if m := encodeAlnum(text, level); m != nil {
			return m, nil
		}
		return nil, fmt.Errorf("%w: text of %d characters too long for a qr code at level %v", ErrRender, len(text), level)
	}
	return skip2Bitmap(text, rl)
}

// skip2Bitmap asks skip2 for the module matrix; skip2 log.Panics on an
// internal inconsistency, which becomes an error here.
func skip2Bitmap(text string, rl qrcode.RecoveryLevel) (m [][]bool, err error) {
	defer func() {
		if r := recover(); r != nil {
			m, err = nil, fmt.Errorf("%w: skip2 panic: %v", ErrRender, r)
		}
	}()
	q, err := qrcode.New(text, rl)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrRender, err)
	}
	q.DisableBorder = true
	return q.Bitmap(), nil
}

var decoderPool = sync.Pool{New: func() any { return zxdecoder.NewDecoder() }}

// verify decodes a module matrix (no quiet zone) and checks that it holds
// text.
func verify(m [][]bool, text string) (err error) {
	bits, err := gozxing.ParseBoolMapToBitMatrix(m)
	if err != nil {
		return fmt.Errorf("%w: %v", ErrRender, err)
	}
	return verifyBits(bits, text)
}

func verifyBits(bits *gozxing.BitMatrix, text string) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("%w: decoder panic: %v", ErrRender, r)
		}
	}()
	d := decoderPool.Get().(*zxdecoder.Decoder)
	defer decoderPool.Put(d)
	res, err := d.Decode(bits, nil)
	if err != nil {
		return fmt.Errorf("%w: rendered code does not decode: %v", ErrRender, err)
	}
	if res.GetText() != text {
		return fmt.Errorf("%w: rendered code decodes to different text", ErrRender)
	}
	return nil
}

// grid is a rendered code: one byte per pixel would waste memory, so the
// picture is kept as the module matrix plus its geometry.
type grid struct {
	m     [][]bool
	px    int // pixels per module
	quiet int // modules
}

func (g grid) side() int { return (len(g.m) + 2*g.quiet) * g.px }

// dark reports whether module (x, y) of the picture, quiet zone included,
// is dark.
func (g grid) dark(x, y int) bool {
	x -= g.quiet
	y -= g.quiet
	if x < 0 || y < 0 || y >= len(g.m) || x >= len(g.m) {
		return false
	}
	return g.m[y][x]
}

func render(text string, opt Options) (grid, error) {
	opt, err := opt.norm()
	if err != nil {
		return grid{}, err
	}
	m, err := encode(text, opt.Level)
	if err != nil {
		return grid{}, err
	}
	return grid{m, opt.ModulePixels, opt.Quiet}, nil
}

// rows returns one packed 1-bit row (bit set = light, most significant
// bit first, as a 1-bit grey PNG row) for each module row of the picture,
// quiet zone included; every module row is g.px pixel rows.
func (g grid) rows() [][]byte {
	side := g.side()
	n := len(g.m) + 2*g.quiet
	stride := (side + 7) / 8
	buf := make([]byte, n*stride)
	out := make([][]byte, n)
	for my := 0; my < n; my++ {
		row := buf[my*stride : (my+1)*stride]
		for mx := 0; mx < n; mx++ {
			if g.dark(mx, my) {
				continue
			}
			for x := mx * g.px; x < (mx+1)*g.px; x++ {
				row[x>>3] |= 0x80 >> (x & 7)
			}
		}
		out[my] = row
	}
	return out
}

// verifyRows samples the centre of every module from the packed rows and
// decodes the result, so that what is checked is the picture itself.
func (g grid) verifyRows(rows [][]byte, text string) error {
	n := len(g.m)
	bits, err := gozxing.NewSquareBitMatrix(n)
	if err != nil {
		return fmt.Errorf("%w: %v", ErrRender, err)
	}
	lightAt := func(row []byte, x int) bool { return row[x>>3]&(0x80>>(x&7)) != 0 }
	for y := 0; y < n; y++ {
		row := rows[y+g.quiet]
		for x := 0; x < n; x++ {
			if !lightAt(row, (x+g.quiet)*g.px+g.px/2) {
				bits.Set(x, y)
			}
		}
	}
	// The quiet zone must be light all round.
	side := g.side()
	for my, row := range rows {
		for x := 0; x < side; x++ {
			inQuiet := my < g.quiet || my >= g.quiet+n || x < g.quiet*g.px || x >= (g.quiet+n)*g.px
			if inQuiet && !lightAt(row, x) {
				return fmt.Errorf("%w: dark pixel in quiet zone", ErrRender)
			}
		}
	}
	return verifyBits(bits, text)
}

var zlibPool = sync.Pool{New: func() any {
	w, _ := zlib.NewWriterLevel(io.Discard, zlib.BestSpeed)
	return w
}}

// writePNG writes a 1-bit greyscale PNG of the rows, each repeated g.px
// times.
func (g grid) writePNG(w *bytes.Buffer, rows [][]byte) {
	side := g.side()
	w.WriteString("\x89PNG\r\n\x1a\n")
	var ihdr [13]byte
	binary.BigEndian.PutUint32(ihdr[0:], uint32(side))
	binary.BigEndian.PutUint32(ihdr[4:], uint32(side))
	ihdr[8] = 1 // bit depth
	ihdr[9] = 0 // greyscale
	writeChunk(w, "IHDR", ihdr[:])
	var idat bytes.Buffer
	zw := zlibPool.Get().(*zlib.Writer)
	zw.Reset(&idat)
	for _, row := range rows {
		for i := 0; i < g.px; i++ {
			zw.Write([]byte{0}) // filter: none
			zw.Write(row)
		}
	}
	zw.Close()
	zlibPool.Put(zw)
	writeChunk(w, "IDAT", idat.Bytes())
	writeChunk(w, "IEND", nil)
}

func writeChunk(w *bytes.Buffer, typ string, data []byte) {
	var n [4]byte
	binary.BigEndian.PutUint32(n[:], uint32(len(data)))
	w.Write(n[:])
	crc := crc32.NewIEEE()
	crc.Write([]byte(typ))
	crc.Write(data)
	w.WriteString(typ)
	w.Write(data)
	binary.BigEndian.PutUint32(n[:], crc.Sum32())
	w.Write(n[:])
}

// PNG renders text as a PNG image: a 1-bit two-colour picture with every
// module opt.ModulePixels pixels wide and a light quiet zone. The picture is
// decoded again before it is returned.
func PNG(text string, opt Options) ([]byte, error) {
	g, err := render(text, opt)
	if err != nil {
		return nil, err
	}
	rows := g.rows()
	if err := g.verifyRows(rows, text); err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	buf.Grow(2048)
	g.writePNG(&buf, rows)
	return buf.Bytes(), nil
}

// SVG renders text as an SVG image: one path of the dark modules (runs of
// a row merged into one rectangle) on a light background, with a viewBox in
// modules, quiet zone included, and a width and height of
// opt.ModulePixels per module. The module matrix is decoded again before it
// is returned.
func SVG(text string, opt Options) ([]byte, error) {
	g, err := render(text, opt)
	if err != nil {
		return nil, err
	}
	if err := verify(g.m, text); err != nil {
		return nil, err
	}
	n := len(g.m) + 2*g.quiet
	var b bytes.Buffer
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" version="1.1" viewBox="0 0 %d %d" width="%d" height="%d" shape-rendering="crispEdges">`, n, n, n*g.px, n*g.px)
	fmt.Fprintf(&b, `<rect width="%d" height="%d" fill="#fff"/><path fill="#000" d="`, n, n)
	for y := 0; y < len(g.m); y++ {
		row := g.m[y]
		for x := 0; x < len(row); {
			if !row[x] {
				x++
				continue
			}
			run := 1
			for x+run < len(row) && row[x+run] {
				run++
			}
			fmt.Fprintf(&b, "M%d %dh%dv1h-%dz", x+g.quiet, y+g.quiet, run, run)
			x += run
		}
	}
	b.WriteString(`"/></svg>` + "\n")
	return b.Bytes(), nil
}
