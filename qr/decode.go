package qr

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	"image/gif"
	"image/jpeg"
	"image/png"
	"io"
	"math"
	"time"

	"github.com/makiuchi-d/gozxing"
	zxmultidet "github.com/makiuchi-d/gozxing/multi/qrcode/detector"
	zxdecoder "github.com/makiuchi-d/gozxing/qrcode/decoder"
	zxdet "github.com/makiuchi-d/gozxing/qrcode/detector"
)

// MaxPixels is the largest image, in pixels, that Decode and DecodeBytes
// accept; DecodeBytes checks it from the image header, before decoding.
const MaxPixels = 40_000_000

// DefaultBudget bounds the time Decode spends on one image once its
// luminance is extracted: when an attempt ends past it, no new attempt
// starts. Easy pictures are read by the first attempt, in a few
// milliseconds for a 1280×720 frame; a picture without a code costs about
// the whole budget.
const DefaultBudget = 200 * time.Millisecond

// MaxDecodeTime is the hard deadline of Decode and DecodeBytes, counted
// from the call (for DecodeBytes, from the start of the image's decoding,
// which itself may take at most 1 s for a picture larger than 2.1 million
// pixels): for a picture larger than 2.1
// million pixels, every attempt, the first included, stops reading
// candidates once it has passed, and reports what it has. Smaller
// pictures are bounded by the number and size of the attempts.
const MaxDecodeTime = 1400 * time.Millisecond

// DecodeBytes decodes a PNG, JPEG or GIF image, recognised by its content,
// and returns every QR text in it, as Decode does. Images larger than
// MaxPixels, or whose decoding would take more than MaxDecodeBytes, are
// refused from their header, before they are decoded. Of a GIF, only the
// first frame is read.
func DecodeBytes(data []byte) ([]string, error) {
	var decodeConfig func(r *bytes.Reader) (image.Config, error)
	var decode func(r io.Reader) (image.Image, error)
	switch {
	case bytes.HasPrefix(data, []byte("\x89PNG\r\n\x1a\n")):
		decodeConfig = func(r *bytes.Reader) (image.Config, error) { return png.DecodeConfig(r) }
		decode = func(r io.Reader) (image.Image, error) { return png.Decode(r) }
	case bytes.HasPrefix(data, []byte("\xff\xd8\xff")):
		decodeConfig = func(r *bytes.Reader) (image.Config, error) { return jpeg.DecodeConfig(r) }
		decode = func(r io.Reader) (image.Image, error) { return jpeg.Decode(r) }
	case bytes.HasPrefix(data, []byte("GIF87a")), bytes.HasPrefix(data, []byte("GIF89a")):
		decodeConfig = func(r *bytes.Reader) (image.Config, error) { return gif.DecodeConfig(r) }
		decode = func(r io.Reader) (image.Image, error) { return gif.Decode(r) }
	default:
		return nil, fmt.Errorf("%w: not a png, jpeg or gif image", ErrImage)
	}
	cfg, err := decodeConfig(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrImage, err)
	}
	if err := checkHeader(data, cfg); err != nil {
		return nil, err
	}
	start := time.Now()
	r := &deadlineReader{data: data}
	if cfg.Width*cfg.Height > smallPicture {
		// A small picture's decoding is bounded by its size; a deadline
		// would only make the result depend on the machine's load (or the
		// race detector), as for the attempts (decodeTries).
		r.deadline = start.Add(maxPixelDecodeTime)
	}
	img, err := decode(r)
	if err != nil && r.late {
		return nil, fmt.Errorf("%w: decoding the %d×%d image took longer than %v", ErrImage, cfg.Width, cfg.Height, maxPixelDecodeTime)
	}
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrImage, err)
	}
	return decodeTries(img, DefaultBudget, 0, start.Add(MaxDecodeTime))
}

// maxPixelDecodeTime bounds the standard library's decoding of the pixels
// of an image larger than 2.1 million pixels in DecodeBytes: past it, the
// decoder's next read fails and the image is refused. What is left of MaxDecodeTime goes to the attempts.
const maxPixelDecodeTime = time.Second

var errSlowDecode = errors.New("qr: decoding took too long")

// deadlineReader hands data to an image decoder at most 512 bytes a read,
// and fails every read once the deadline has passed, so decoding stops
// soon after it: 512 bytes of a compressed PNG inflate to at most about
// half a megabyte of pixels.
type deadlineReader struct {
	data     []byte
	deadline time.Time // zero: none
	late     bool      // a read failed for the deadline
}

func (r *deadlineReader) Read(p []byte) (int, error) {
	if len(r.data) == 0 {
		return 0, io.EOF
	}
	if !r.deadline.IsZero() && time.Now().After(r.deadline) {
		r.late = true
		return 0, errSlowDecode
	}
	n := copy(p, r.data[:min(len(r.data), 512)])
	r.data = r.data[n:]
	return n, nil
}

// Decode returns the texts of every QR code found in img, each once, in the
// order found. It fails with ErrNotFound when it sees no QR code and with
// ErrUnreadable when it sees one but cannot read it. Several codes are all
// reported when the same attempt reads them (the first attempt that reads
// anything is the last).
func Decode(img image.Image) ([]string, error) {
	return decodeTries(img, DefaultBudget, 0, time.Now().Add(MaxDecodeTime))
}

func decodeBudget(img image.Image, budget time.Duration) ([]string, error) {
	return decodeTries(img, budget, 0, time.Now().Add(max(budget, MaxDecodeTime)))
}

// decodeTries decodes img making at most maxTries attempts (0: all): no
// attempt starts after budget has passed, and every attempt stops at the
// hard deadline.
func decodeTries(img image.Image, budget time.Duration, maxTries int, hard time.Time) ([]string, error) {
	if img == nil {
		return nil, fmt.Errorf("%w: nil image", ErrImage)
	}
	b := img.Bounds()
	if b.Dx() <= 0 || b.Dy() <= 0 {
		return nil, fmt.Errorf("%w: empty image", ErrImage)
	}
	if b.Dx() > MaxPixels/b.Dy() {
		return nil, fmt.Errorf("%w: %d×%d image is larger than %d pixels", ErrImage, b.Dx(), b.Dy(), MaxPixels)
	}
	p := workPlane(img)
	if p.w*p.h <= smallPicture {
		// The attempts' work is bounded by their number and the picture's
		// size; a deadline would only make the result depend on the
		// machine's load (or the race detector).
		hard = time.Time{}
	}
	s := &session{deadline: time.Now().Add(budget), hard: hard, maxTries: maxTries}
	if hard.IsZero() && maxTries > 0 {
		// A few attempts on a small picture (DecodeFrame) are bounded by
		// their number alone: under load, the budget would otherwise stop
		// a frame's second attempt and lose a code the same frame gives
		// on an idle machine.
		s.deadline = time.Time{}
	}
	return s.run(p)
}

// session is one call of Decode: what was found so far and what went wrong.
// Every attempt checks the hard deadline between its steps and between the
// candidates it reads, and gives up once it has passed.
type session struct {
	deadline time.Time // no attempt starts after it; zero for none
	hard     time.Time // every attempt stops at it; zero for a small picture
	texts    []string
	found    [][]float64 // corners of the codes read, for skipping them
	seen     bool        // a code was seen
	panics   int         // gozxing panics recovered
	tries    int         // attempts started
	maxTries int         // stop after this many attempts; 0 = no limit
	dec      *zxdecoder.Decoder
}

// smallPicture is the largest picture, in pixels, whose attempts are not
// cut short by the hard deadline: a 1080p frame and a bit more.
const smallPicture = 2_100_000

// expired reports whether the session's hard deadline has passed.
func (s *session) expired() bool {
	return !s.hard.IsZero() && time.Now().After(s.hard)
}

func (s *session) run(p plane) ([]string, error) {
	for _, a := range attempts(p) {
		if len(s.texts) > 0 || (!s.deadline.IsZero() && time.Now().After(s.deadline)) || s.expired() || (s.maxTries > 0 && s.tries >= s.maxTries) {
			break
		}
		s.tries++
		a(s)
	}
	if len(s.texts) > 0 {
		return s.texts, nil
	}
	err := ErrNotFound
	if s.seen {
		err = ErrUnreadable
	}
	if s.panics > 0 {
		return nil, fmt.Errorf("%w (%d decoder panics recovered)", err, s.panics)
	}
	return nil, err
}

type binarizerKind int

const (
	hybrid binarizerKind = iota
	global
	mean // meanBinarize with a small window
)

// attempts lists the ways Decode tries to read p, cheapest and most
// useful first; it stops at the first that reads something.
func attempts(p plane) []func(*session) {
	var a []func(*session)
	big := p.w*p.h >= 5_000_000
	if big {
		// Large photos: the code is usually large too.
		a = append(a, func(s *session) { s.tryScaled(p.half(), p, 2, hybrid, false) })
	}
	a = append(a,
		func(s *session) { s.try(p, hybrid, false) },
		// Light code on a dark screen; gozxing's ALSO_INVERTED hint
		// does nothing, so invert the picture.
		func(s *session) { s.try(p.inverted(), hybrid, false) },
		// Small window: low contrast next to a bright background, and
		// 2-pixel modules.
		func(s *session) { s.try(p, mean, true) },
		func(s *session) { s.try(p, hybrid, true) },
		// Faded pictures.
		func(s *session) { s.try(p, global, false) },
	)
	// Strong perspective squashes the finder patterns beyond gozxing's
	// tolerance: stretch the picture back along four directions.
	for _, theta := range []float64{0, math.Pi / 2, math.Pi / 4, 3 * math.Pi / 4} {
		a = append(a, func(s *session) { s.try(p.stretch(1.5, theta), hybrid, true) })
	}
	if p.w*p.h <= 1_500_000 {
		// Tiny modules in a small frame.
		a = append(a, func(s *session) { s.try(p.warp([4]float64{2, 0, 0, 2}, 2*p.w, 2*p.h), hybrid, true) })
	}
	a = append(a, func(s *session) { s.try(p.sharpened(2, 1.5), hybrid, true) })
	return a
}

var tryHarder = map[gozxing.DecodeHintType]any{gozxing.DecodeHintType_TRY_HARDER: true}

// try binarizes p, looks for finder patterns and reads every code they
// lead to.
func (s *session) try(p plane, kind binarizerKind, harder bool) {
	s.tryScaled(p, p, 1, kind, harder)
}

// tryScaled looks for codes in the detection plane dp and samples their
// modules from grey, which is dp enlarged scale times (grey is p itself
// when scale is 1).
func (s *session) tryScaled(p, grey plane, scale float64, kind binarizerKind, harder bool) {
	defer func() {
		if r := recover(); r != nil {
			// A gozxing panic on a strange picture is a failed attempt.
			s.panics++
		}
	}()
	src, err := gozxing.NewPlanarYUVLuminanceSource(p.pix, p.w, p.h, 0, 0, p.w, p.h, false)
	if err != nil {
		return
	}
	var bm *gozxing.BitMatrix
	switch kind {
	case global:
		bm, err = gozxing.NewGlobalHistgramBinarizer(src).GetBlackMatrix()
	case mean:
		bm = meanBinarize(p, 6, 6)
	default:
		bm = hybridBinarize(p)
	}
	if err != nil || bm == nil || s.expired() {
		return
	}
	s.found = s.found[:0]
	var hints map[gozxing.DecodeHintType]any
	if harder {
		hints = tryHarder
	}
	// The multi-code finder first; gozxing's single-code finder, which
	// ranks candidates differently, only if that read nothing.
	infos, err := zxmultidet.NewMultiFinderPatternFinder(bm, nil).FindMulti(hints)
	if err == nil {
		s.readAll(grey, scale, bm, infos)
	}
	if len(s.texts) > 0 || s.expired() {
		return
	}
	if info, err := zxdet.NewFinderPatternFinder(bm, nil).Find(hints); err == nil {
		s.readAll(grey, scale, bm, []*zxdet.FinderPatternInfo{info})
	}
}

// readAll reads the code of every finder triple.
func (s *session) readAll(grey plane, scale float64, bm *gozxing.BitMatrix, infos []*zxdet.FinderPatternInfo) {
	for _, info := range infos {
		if s.expired() {
			return
		}
		if s.covered(info.GetTopLeft()) {
			continue
		}
		s.readOne(grey, scale, bm, info)
	}
}

// readOne tries the plausible sizes and transforms of one finder triple
// until one decodes. Transforms are in the coordinates of bm; grey is
// scale times larger.
func (s *session) readOne(grey plane, scale float64, bm *gozxing.BitMatrix, info *zxdet.FinderPatternInfo) {
	sampled := func(h homography, dim int) *gozxing.BitMatrix {
		h = homography{scale * h[0], scale * h[1], scale * h[2], scale * h[3], scale * h[4], scale * h[5], h[6], h[7], h[8]}
		return sampleGrey(grey, h, dim)
	}
	dims, ms := dimensions(bm, info)
	for _, dim := range dims {
		if s.expired() {
			return
		}
		hs := initials(bm, info, dim, ms)
		for _, h := range hs {
			if s.read(sampleBits(bm, h, dim), h, dim) || s.read(sampled(h, dim), h, dim) {
				return
			}
		}
		for _, h := range hs {
			if h, ok := refine(bm, info, dim, h); ok {
				if s.read(sampled(h, dim), h, dim) || s.read(sampleBits(bm, h, dim), h, dim) {
					return
				}
			}
		}
	}
}

// read decodes sampled modules and records the text.
func (s *session) read(bits *gozxing.BitMatrix, h homography, dim int) bool {
	if bits == nil {
		return false
	}
	if s.dec == nil {
		s.dec = zxdecoder.NewDecoder()
	}
	res, err := s.dec.Decode(bits, nil)
	if err != nil {
		// A code was seen if its format and version were read (only
		// the error correction failed) or its timing patterns are
		// there; finder-like shapes alone are common in any scene.
		var ce gozxing.ChecksumException
		if errors.As(err, &ce) || timingOK(bits) {
			s.seen = true
		}
		return false
	}
	s.add(res.GetText())
	n := float64(dim)
	var q []float64
	for _, c := range [4][2]float64{{0, 0}, {n, 0}, {n, n}, {0, n}} {
		x, y := h.apply(c[0], c[1])
		q = append(q, x, y)
	}
	s.found = append(s.found, q)
	return true
}

// timingOK reports whether the sampled modules show the two timing
// patterns, alternating modules between the finders, nearly intact.
func timingOK(bits *gozxing.BitMatrix) bool {
	d := bits.GetWidth()
	good, total := 0, 0
	for i := 8; i < d-8; i++ {
		want := i%2 == 0
		if bits.Get(i, 6) == want {
			good++
		}
		if bits.Get(6, i) == want {
			good++
		}
		total += 2
	}
	return total > 0 && good*10 >= total*9
}

// covered reports whether pt lies inside a code already read.
func (s *session) covered(pt gozxing.ResultPoint) bool {
	x, y := pt.GetX(), pt.GetY()
	for _, q := range s.found {
		in := true
		for i := 0; i < 4; i++ {
			ax, ay := q[2*i], q[2*i+1]
			bx, by := q[(2*i+2)%8], q[(2*i+3)%8]
			if (bx-ax)*(y-ay)-(by-ay)*(x-ax) < 0 {
				in = false
				break
			}
		}
		if in {
			return true
		}
	}
	return false
}

func (s *session) add(text string) {
	for _, t := range s.texts {
		if t == text {
			return
		}
	}
	s.texts = append(s.texts, text)
}
