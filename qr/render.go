package qr

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/png"
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

// encode asks skip2 for the module matrix, without its quiet zone.
func encode(text string, level Level) ([][]bool, error) {
	rl, err := level.skip2()
	if err != nil {
		return nil, err
	}
	if text == "" {
		return nil, fmt.Errorf("%w: empty text", ErrRender)
	}
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

var palette = color.Palette{color.Gray{0}, color.Gray{255}}

// image draws the code as a two-colour paletted image (index 0 dark, 1
// light), every module a square of whole pixels.
func (g grid) image() *image.Paletted {
	side := g.side()
	img := image.NewPaletted(image.Rect(0, 0, side, side), palette)
	n := len(g.m) + 2*g.quiet
	row := make([]byte, side)
	for my := 0; my < n; my++ {
		for mx := 0; mx < n; mx++ {
			v := byte(1)
			if g.dark(mx, my) {
				v = 0
			}
			for i := mx * g.px; i < (mx+1)*g.px; i++ {
				row[i] = v
			}
		}
		for y := my * g.px; y < (my+1)*g.px; y++ {
			copy(img.Pix[y*img.Stride:], row)
		}
	}
	return img
}

// verifyImage samples the centre of every module of img and decodes the
// result, so that what is checked is the picture itself.
func (g grid) verifyImage(img *image.Paletted, text string) error {
	n := len(g.m)
	bits, err := gozxing.NewSquareBitMatrix(n)
	if err != nil {
		return fmt.Errorf("%w: %v", ErrRender, err)
	}
	for y := 0; y < n; y++ {
		py := (y+g.quiet)*g.px + g.px/2
		for x := 0; x < n; x++ {
			px := (x+g.quiet)*g.px + g.px/2
			if img.Pix[py*img.Stride+px] == 0 {
				bits.Set(x, y)
			}
		}
	}
	// The quiet zone must be light all round.
	side := g.side()
	q := g.quiet * g.px
	for y := 0; y < side; y++ {
		row := img.Pix[y*img.Stride : y*img.Stride+side]
		if y < q || y >= side-q {
			if bytes.IndexByte(row, 0) >= 0 {
				return fmt.Errorf("%w: dark pixel in quiet zone", ErrRender)
			}
			continue
		}
		if bytes.IndexByte(row[:q], 0) >= 0 || bytes.IndexByte(row[side-q:], 0) >= 0 {
			return fmt.Errorf("%w: dark pixel in quiet zone", ErrRender)
		}
	}
	return verifyBits(bits, text)
}

type pngPool struct{ p sync.Pool }

func (p *pngPool) Get() *png.EncoderBuffer  { b, _ := p.p.Get().(*png.EncoderBuffer); return b }
func (p *pngPool) Put(b *png.EncoderBuffer) { p.p.Put(b) }

var pngEncoder = png.Encoder{CompressionLevel: png.BestSpeed, BufferPool: &pngPool{}}

// PNG renders text as a PNG image: a 1-bit two-colour picture with every
// module opt.ModulePixels pixels wide and a light quiet zone. The picture is
// decoded again before it is returned.
func PNG(text string, opt Options) ([]byte, error) {
	g, err := render(text, opt)
	if err != nil {
		return nil, err
	}
	img := g.image()
	if err := g.verifyImage(img, text); err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	buf.Grow(1024 + len(img.Pix)/32)
	if err := pngEncoder.Encode(&buf, img); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrRender, err)
	}
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
