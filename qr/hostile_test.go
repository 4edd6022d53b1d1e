package qr

import (
	"bytes"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"image"
	"image/color"
	"image/gif"
	"image/jpeg"
	"image/png"
	"math/rand/v2"
	"os"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/hufu-project/hufu/internal/benchratio"
)

// hostile is an image made to cost as much as DecodeBytes allows.
type hostile struct {
	name string
	make func() []byte
}

func noiseBytes(seed uint64, n int) []byte {
	r := rand.New(rand.NewPCG(seed, seed+1))
	b := make([]byte, n)
	for i := 0; i+8 <= n; i += 8 {
		v := r.Uint64()
		for j := range 8 {
			b[i+j] = byte(v >> (8 * j))
		}
	}
	return b
}

func encodePNG(img image.Image) []byte {
	var buf bytes.Buffer
	if err := (&png.Encoder{CompressionLevel: png.BestSpeed}).Encode(&buf, img); err != nil {
		panic(err)
	}
	return buf.Bytes()
}

// hostileImages are the worst images we could construct under the limits:
// the largest accepted pictures, blank (nothing to find, every attempt
// runs) or noise (finder-like shapes everywhere, and incompressible data),
// in the most expensive pixel formats, and a GIF with many frames.
func hostileImages() []hostile {
	const side = 6320 // 39.9 million pixels, under MaxPixels
	return []hostile{
		{"blank-gray16-png-6320", func() []byte {
			// The image of issue 11: 316 KB on disk.
			img := image.NewGray16(image.Rect(0, 0, side, side))
			for i := range img.Pix {
				img.Pix[i] = 0xff
			}
			var buf bytes.Buffer
			png.Encode(&buf, img)
			return buf.Bytes()
		}},
		{"noise-gray-png-6320", func() []byte {
			img := image.NewGray(image.Rect(0, 0, side, side))
			img.Pix = noiseBytes(1, len(img.Pix))
			return encodePNG(img)
		}},
		{"noise-gray-png-2449", func() []byte {
			// The largest picture the attempts work on unshrunk.
			img := image.NewGray(image.Rect(0, 0, 2449, 2449))
			img.Pix = noiseBytes(2, len(img.Pix))
			return encodePNG(img)
		}},
		{"noise-gray-png-1449", func() []byte {
			// The largest picture whose attempts ignore the hard deadline.
			img := image.NewGray(image.Rect(0, 0, 1449, 1449))
			img.Pix = noiseBytes(5, len(img.Pix))
			return encodePNG(img)
		}},
		{"blank-nrgba64-png-4096", func() []byte {
			// 8 bytes a pixel: 128 MB decoded, the most MaxDecodeBytes allows.
			img := image.NewNRGBA64(image.Rect(0, 0, 4096, 4096))
			for i := range img.Pix {
				img.Pix[i] = 0xff
			}
			return encodePNG(img)
		}},
		{"noise-nrgba-png-4000", func() []byte {
			img := image.NewNRGBA(image.Rect(0, 0, 4000, 4000))
			img.Pix = noiseBytes(3, len(img.Pix))
			for i := 3; i < len(img.Pix); i += 4 {
				img.Pix[i] = 0xff
			}
			return encodePNG(img)
		}},
		{"noise-jpeg-6320", func() []byte {
			img := image.NewYCbCr(image.Rect(0, 0, side, side), image.YCbCrSubsampleRatio420)
			img.Y = noiseBytes(4, len(img.Y))
			var buf bytes.Buffer
			jpeg.Encode(&buf, img, &jpeg.Options{Quality: 50})
			return buf.Bytes()
		}},
		{"gif-6320-500-frames", func() []byte {
			// Only the first frame is decoded; the others must cost nothing.
			pal := color.Palette{color.White, color.Black}
			g := &gif.GIF{Config: image.Config{Width: side, Height: side, ColorModel: pal}}
			g.Image = append(g.Image, image.NewPaletted(image.Rect(0, 0, side, side), pal))
			g.Delay = append(g.Delay, 0)
			for range 500 {
				g.Image = append(g.Image, image.NewPaletted(image.Rect(0, 0, 64, 64), pal))
				g.Delay = append(g.Delay, 0)
			}
			var buf bytes.Buffer
			if err := gif.EncodeAll(&buf, g); err != nil {
				panic(err)
			}
			return buf.Bytes()
		}},
	}
}

// procStatus returns a field of /proc/self/status in MB, or -1.
func procStatus(field string) float64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return -1
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, field+":"); ok {
			kb, err := strconv.Atoi(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")))
			if err != nil {
				return -1
			}
			return float64(kb) / 1024
		}
	}
	return -1
}

// resetPeakRSS frees what it can and resets the kernel's peak RSS of the
// process (VmHWM) to its current RSS; false where that is not possible.
func resetPeakRSS() bool {
	runtime.GC()
	debug.FreeOSMemory()
	return os.WriteFile("/proc/self/clear_refs", []byte("5"), 0) == nil
}

// BenchmarkHostileImages decodes each hostile image with DecodeBytes and,
// interleaved, with the standard library's image.Decode alone (the raw
// cost of reading the pixels). It reports the median time of each
// (ns/decodebytes, ns/raw) and their ratio (x-raw), the peak RSS of the
// whole process during a DecodeBytes call (peak-MB, the kernel's VmHWM
// after resetting it; the input data and the test binary included) and
// the RSS before it (base-MB), and the bytes allocated per call.
func BenchmarkHostileImages(b *testing.B) {
	for _, h := range hostileImages() {
		b.Run(h.name, func(b *testing.B) {
			data := h.make()
			b.ReportMetric(float64(len(data))/(1<<20), "file-MB")
			peak, base := 0.0, 0.0
			var alloc uint64
			canPeak := true
			ours := func() {
				var m0, m1 runtime.MemStats
				canPeak = canPeak && resetPeakRSS()
				base = max(base, procStatus("VmRSS"))
				runtime.ReadMemStats(&m0)
				_, err := DecodeBytes(data)
				runtime.ReadMemStats(&m1)
				peak = max(peak, procStatus("VmHWM"))
				alloc += m1.TotalAlloc - m0.TotalAlloc
				if !errors.Is(err, ErrNotFound) && !errors.Is(err, ErrUnreadable) && !errors.Is(err, ErrImage) {
					b.Fatalf("DecodeBytes: %v", err)
				}
			}
			raw := func() {
				if _, _, err := image.Decode(bytes.NewReader(data)); err != nil {
					b.Fatal(err)
				}
			}
			calls := 0
			benchratio.Run(b, "decodebytes", raw, func() { ours(); calls++ })
			if canPeak {
				b.ReportMetric(peak, "peak-MB")
				b.ReportMetric(base, "base-MB")
			}
			b.ReportMetric(float64(alloc)/float64(calls)/(1<<20), "alloc-MB/op")
		})
	}
}

// TestHostileHeaders: images whose decoding would cost more than
// MaxDecodeBytes are refused from their header, before any pixel is
// decoded, in every format; the blank 16-bit PNG of issue 11 is accepted
// (and decided within the limits: BenchmarkHostileImages).
func TestHostileHeaders(t *testing.T) {
	pngHeader := func(w, h int, depth, colourType, interlace byte) []byte {
		// A real 1×1 PNG with its IHDR patched: the header is all that
		// is read.
		var buf bytes.Buffer
		png.Encode(&buf, image.NewGray(image.Rect(0, 0, 1, 1)))
		d := buf.Bytes()
		d[16], d[17], d[18], d[19] = byte(w>>24), byte(w>>16), byte(w>>8), byte(w)
		d[20], d[21], d[22], d[23] = byte(h>>24), byte(h>>16), byte(h>>8), byte(h)
		d[24], d[25], d[28] = depth, colourType, interlace
		binary.BigEndian.PutUint32(d[29:], crc32.ChecksumIEEE(d[12:29]))
		return d
	}
	jpegHeader := func(w, h int, sof byte, comps ...byte) []byte {
		d := []byte{0xff, 0xd8, 0xff, 0xdb, 0, 67, 0}
		d = append(d, make([]byte, 64)...)
		for i := range 64 {
			d[7+i] = 1
		}
		n := 8 + 3*len(comps)
		d = append(d, 0xff, sof, byte(n>>8), byte(n), 8, byte(h>>8), byte(h), byte(w>>8), byte(w), byte(len(comps)))
		for i, hv := range comps {
			d = append(d, byte(i+1), hv, 0)
		}
		// A start of scan, where DecodeConfig stops, and no scan data.
		return append(d, 0xff, 0xda, 0, 8, 1, 1, 0, 0, 0x3f, 0, 0xff, 0xd9)
	}
	for _, c := range []struct {
		name   string
		data   []byte
		refuse bool
	}{
		{"gray16 6320×6320", pngHeader(6320, 6320, 16, 0, 0), false},
		{"nrgba64 4096×4096", pngHeader(4096, 4096, 16, 6, 0), false},
		{"nrgba64 4200×4200", pngHeader(4200, 4200, 16, 6, 0), true},
		{"rgb 6000×6000", pngHeader(6000, 6000, 8, 2, 0), true},
		{"rgb 5000×5000", pngHeader(5000, 5000, 8, 2, 0), false},
		{"gray16 interlaced 6320×6320", pngHeader(6320, 6320, 16, 0, 1), false},
		{"rgba interlaced 5000×5000", pngHeader(5000, 5000, 8, 6, 1), true},
		{"jpeg baseline 4:2:0 6320×6320", jpegHeader(6320, 6320, 0xc0, 0x22, 0x11, 0x11), false},
		{"jpeg baseline 4:4:4 6320×6320", jpegHeader(6320, 6320, 0xc0, 0x11, 0x11, 0x11), false},
		{"jpeg progressive 4:2:0 6320×6320", jpegHeader(6320, 6320, 0xc2, 0x22, 0x11, 0x11), true},
		{"jpeg progressive grey 6320×6320", jpegHeader(6320, 6320, 0xc2, 0x11), true},
		{"jpeg progressive grey 4000×4000", jpegHeader(4000, 4000, 0xc2, 0x11), false},
		{"jpeg cmyk 6000×6000", jpegHeader(6000, 6000, 0xc0, 0x11, 0x11, 0x11, 0x11), true},
	} {
		_, err := DecodeBytes(c.data)
		refused := errors.Is(err, ErrImage) && strings.Contains(err.Error(), "would take")
		if refused != c.refuse {
			t.Errorf("%s: DecodeBytes = %v; refused from the header: %v, want %v", c.name, err, refused, c.refuse)
		}
		if !errors.Is(err, ErrImage) {
			t.Errorf("%s: %v, want ErrImage (the header has no pixels)", c.name, err)
		}
	}
}

// TestWorkPlane: a picture larger than MaxWorkPixels is shrunk by a whole
// factor to at most MaxWorkPixels, each pixel the mean of its block, for
// every pixel format, straight from the image.
func TestWorkPlane(t *testing.T) {
	const w, h = 4000, 2100 // 8.4 MP: shrunk by 2
	g := image.NewGray(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			g.Pix[y*w+x] = byte((x/2)*7 + (y/2)*13)
		}
	}
	g16 := image.NewGray16(g.Rect)
	rgba := image.NewNRGBA64(g.Rect)
	for i, v := range g.Pix {
		g16.Pix[2*i], g16.Pix[2*i+1] = v, v
		for c := range 3 {
			rgba.Pix[8*i+2*c], rgba.Pix[8*i+2*c+1] = v, v
		}
		rgba.Pix[8*i+6], rgba.Pix[8*i+7] = 0xff, 0xff
	}
	for name, img := range map[string]image.Image{"gray": g, "gray16": g16, "nrgba64": rgba, "at": bandImage{g, g.Rect}} {
		p := workPlane(img)
		if p.w != w/2 || p.h != h/2 || p.w*p.h > MaxWorkPixels {
			t.Fatalf("%s: %d×%d, want %d×%d", name, p.w, p.h, w/2, h/2)
		}
		for _, pt := range [][2]int{{0, 0}, {17, 3}, {p.w - 1, p.h - 1}, {1000, 700}} {
			x, y := pt[0], pt[1]
			if want := byte(x*7 + y*13); p.pix[y*p.w+x] != want {
				t.Errorf("%s: pixel %v = %d, want %d", name, pt, p.pix[y*p.w+x], want)
			}
		}
	}
	if p := workPlane(image.NewGray(image.Rect(0, 0, 2449, 2449))); p.w != 2449 {
		t.Errorf("a picture of %d pixels was shrunk", 2449*2449)
	}
}

// TestHardDeadline: on a picture above smallPicture, every attempt, the
// first included, stops at the hard deadline; before it, the same picture
// is read. A small picture ignores it.
func TestHardDeadline(t *testing.T) {
	text := passText(rand.New(rand.NewPCG(5, 6)), 260)
	data, err := PNG(text, Options{})
	if err != nil {
		t.Fatal(err)
	}
	code, _ := png.Decode(bytes.NewReader(data))
	// The code on a white picture larger than smallPicture.
	img := image.NewGray(image.Rect(0, 0, 2000, 1200))
	for i := range img.Pix {
		img.Pix[i] = 0xff
	}
	cb := code.Bounds()
	for y := cb.Min.Y; y < cb.Max.Y; y++ {
		for x := cb.Min.X; x < cb.Max.X; x++ {
			img.Set(600+x, 300+y, code.At(x, y))
		}
	}
	if got, err := decodeTries(img, time.Minute, 0, time.Now().Add(-time.Millisecond)); !errors.Is(err, ErrNotFound) {
		t.Errorf("past the hard deadline: %q, %v; want ErrNotFound", got, err)
	}
	if got, err := decodeTries(img, time.Minute, 0, time.Now().Add(time.Minute)); err != nil || len(got) != 1 || got[0] != text {
		t.Errorf("before the hard deadline: %q, %v", got, err)
	}
	if got, err := decodeTries(code, time.Minute, 0, time.Now().Add(-time.Millisecond)); err != nil || len(got) != 1 || got[0] != text {
		t.Errorf("small picture past the hard deadline: %q, %v", got, err)
	}
}

// TestLuminance16 checks the 16-bit pixel paths against color conversion
// through At.
func TestLuminance16(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	rect := image.Rect(-3, 2, 61, 40)
	g16, n64, r64 := image.NewGray16(rect), image.NewNRGBA64(rect), image.NewRGBA64(rect)
	for y := rect.Min.Y; y < rect.Max.Y; y++ {
		for x := rect.Min.X; x < rect.Max.X; x++ {
			g16.SetGray16(x, y, color.Gray16{uint16(r.Uint32())})
			n64.SetNRGBA64(x, y, color.NRGBA64{uint16(r.Uint32()), uint16(r.Uint32()), uint16(r.Uint32()), uint16(r.Uint32())})
			a := uint16(r.Uint32())
			r64.SetRGBA64(x, y, color.RGBA64{uint16(r.Uint32()) % (a + 1), uint16(r.Uint32()) % (a + 1), uint16(r.Uint32()) % (a + 1), a})
		}
	}
	sub := image.Rect(0, 5, 50, 33)
	for name, img := range map[string]image.Image{"gray16": g16.SubImage(sub), "nrgba64": n64.SubImage(sub), "rgba64": r64.SubImage(sub)} {
		p := luminance(img)
		for y := 0; y < p.h; y++ {
			for x := 0; x < p.w; x++ {
				if want := colorLum(img.At(sub.Min.X+x, sub.Min.Y+y)); p.pix[y*p.w+x] != want {
					t.Fatalf("%s: pixel (%d,%d) = %d, want %d", name, x, y, p.pix[y*p.w+x], want)
				}
			}
		}
	}
}

// TestDeadlineReader: once its deadline has passed, the reader fails the
// decoder's next read, so a slow decoding stops and is refused as such.
func TestDeadlineReader(t *testing.T) {
	img := image.NewGray16(image.Rect(0, 0, 600, 600))
	data := encodePNG(img)
	r := &deadlineReader{data: data, deadline: time.Now().Add(-time.Millisecond)}
	if _, err := png.Decode(r); err == nil || !r.late {
		t.Fatalf("past the deadline: err %v, late %v", err, r.late)
	}
	r = &deadlineReader{data: data, deadline: time.Now().Add(time.Minute)}
	if _, err := png.Decode(r); err != nil || r.late {
		t.Fatalf("before the deadline: err %v, late %v", err, r.late)
	}
}
