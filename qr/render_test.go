package qr

import (
	"bytes"
	"errors"
	"image"
	"image/png"
	"math/rand/v2"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	zxdecoder "github.com/makiuchi-d/gozxing/qrcode/decoder"
	zxencoder "github.com/makiuchi-d/gozxing/qrcode/encoder"
	qrcode "github.com/skip2/go-qrcode"
)

const base45 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:"

// passText returns a pass-like text of n characters: "HF1:" and random
// Base45 characters drawn from r.
func passText(r *rand.Rand, n int) string {
	var b strings.Builder
	b.WriteString("HF1:")
	for b.Len() < n {
		b.WriteByte(base45[r.IntN(len(base45))])
	}
	return b.String()
}

func TestMatrixVersionAndMode(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for _, tc := range []struct {
		n, version int
	}{
		{259, 9},  // the largest alphanumeric text of version 9 at M
		{311, 10}, // the largest of version 10
		{330, 11},
	} {
		text := passText(r, tc.n)
		m, err := Matrix(text, M)
		if err != nil {
			t.Fatal(err)
		}
		if got, want := len(m), 17+4*tc.version; got != want {
			t.Errorf("%d chars: matrix side %d, want %d (version %d)", tc.n, got, want, tc.version)
		}
		res, err := zxdecoder.NewDecoder().DecodeBoolMap(m, nil)
		if err != nil {
			t.Fatal(err)
		}
		if len(res.GetByteSegments()) != 0 {
			t.Errorf("%d chars: text encoded in byte mode, want alphanumeric", tc.n)
		}
		if res.GetECLevel() != "M" {
			t.Errorf("EC level %q, want M", res.GetECLevel())
		}
	}
}

func TestLevels(t *testing.T) {
	text := passText(rand.New(rand.NewPCG(3, 4)), 300)
	for _, l := range []Level{L, M, Q, H} {
		m, err := Matrix(text, l)
		if err != nil {
			t.Fatal(err)
		}
		res, err := zxdecoder.NewDecoder().DecodeBoolMap(m, nil)
		if err != nil {
			t.Fatal(err)
		}
		if res.GetECLevel() != l.String() {
			t.Errorf("level %v encoded as %s", l, res.GetECLevel())
		}
	}
	if _, err := Matrix(text, Level(7)); !errors.Is(err, ErrRender) {
		t.Errorf("unknown level: err = %v, want ErrRender", err)
	}
}

func TestRenderErrors(t *testing.T) {
	for name, f := range map[string]func() error{
		"empty":       func() error { _, err := PNG("", Options{}); return err },
		"too long":    func() error { _, err := PNG(strings.Repeat("A", 5000), Options{}); return err },
		"module size": func() error { _, err := PNG("HF1:A", Options{ModulePixels: -1}); return err },
		"quiet":       func() error { _, err := SVG("HF1:A", Options{Quiet: 1000}); return err },
		"level":       func() error { _, err := SVG("HF1:A", Options{Level: -1}); return err },
	} {
		if err := f(); !errors.Is(err, ErrRender) {
			t.Errorf("%s: err = %v, want ErrRender", name, err)
		}
	}
}

func TestPNGGeometry(t *testing.T) {
	text := passText(rand.New(rand.NewPCG(5, 6)), 259)
	for _, px := range []int{1, 2, 3, 4, 8} {
		data, err := PNG(text, Options{ModulePixels: px})
		if err != nil {
			t.Fatal(err)
		}
		img, err := png.Decode(bytes.NewReader(data))
		if err != nil {
			t.Fatal(err)
		}
		side := (53 + 8) * px
		if b := img.Bounds(); b != image.Rect(0, 0, side, side) {
			t.Fatalf("%d px: bounds %v, want %dx%d", px, b, side, side)
		}
		// Every module is a uniform square of px×px pixels.
		m, _ := Matrix(text, M)
		for y := 0; y < side; y++ {
			for x := 0; x < side; x++ {
				mx, my := x/px-4, y/px-4
				dark := mx >= 0 && my >= 0 && mx < 53 && my < 53 && m[my][mx]
				r, _, _, _ := img.At(x, y).RGBA()
				if (r == 0) != dark {
					t.Fatalf("%d px: pixel (%d,%d) dark=%v, want %v", px, x, y, r == 0, dark)
				}
			}
		}
		got, err := Decode(img)
		if err != nil || len(got) != 1 || got[0] != text {
			t.Errorf("%d px: Decode = %q, %v", px, got, err)
		}
	}
}

func TestSVG(t *testing.T) {
	text := passText(rand.New(rand.NewPCG(7, 8)), 280)
	data, err := SVG(text, Options{ModulePixels: 5})
	if err != nil {
		t.Fatal(err)
	}
	s := string(data)
	for _, want := range []string{`viewBox="0 0 65 65"`, `width="325"`, `shape-rendering="crispEdges"`} {
		if !strings.Contains(s, want) {
			t.Errorf("svg lacks %s", want)
		}
	}
	if n := strings.Count(s, "<path"); n != 1 {
		t.Errorf("svg has %d paths, want 1", n)
	}
	// Paint the path back into a matrix and decode it.
	m := make([][]bool, 57)
	for i := range m {
		m[i] = make([]bool, 57)
	}
	re := regexp.MustCompile(`M(\d+) (\d+)h(\d+)v1h-(\d+)z`)
	for _, p := range re.FindAllStringSubmatch(s, -1) {
		x, y, w := atoi(p[1])-4, atoi(p[2])-4, atoi(p[3])
		for i := 0; i < w; i++ {
			m[y][x+i] = true
		}
	}
	res, err := zxdecoder.NewDecoder().DecodeBoolMap(m, nil)
	if err != nil || res.GetText() != text {
		t.Fatalf("svg path decodes to %v, %v", res, err)
	}
}

func atoi(s string) int {
	n := 0
	for _, c := range s {
		n = n*10 + int(c-'0')
	}
	return n
}

func TestVerifyCatchesBrokenRender(t *testing.T) {
	text := passText(rand.New(rand.NewPCG(9, 10)), 259)
	m, err := Matrix(text, M)
	if err != nil {
		t.Fatal(err)
	}
	if err := verify(m, text); err != nil {
		t.Fatal(err)
	}
	// A damaged block larger than level M can correct.
	broken := make([][]bool, len(m))
	for y := range m {
		broken[y] = slices.Clone(m[y])
		for x := range broken[y] {
			if x > 10 && x < 45 && y > 10 && y < 45 {
				broken[y][x] = !m[y][x]
			}
		}
	}
	if err := verify(broken, text); !errors.Is(err, ErrRender) {
		t.Errorf("damaged block: err = %v, want ErrRender", err)
	}
	if err := verify(m, text+"X"); !errors.Is(err, ErrRender) {
		t.Errorf("other text: err = %v, want ErrRender", err)
	}
	g := grid{m, 3, 4}
	rows := g.rows()
	rows[0][0] &^= 0x80 // a dark pixel in the quiet zone
	if err := g.verifyRows(rows, text); !errors.Is(err, ErrRender) {
		t.Errorf("dirty quiet zone: err = %v, want ErrRender", err)
	}
}

// BenchmarkPNG renders pass-like texts of 250–330 characters at the default
// options (level M, 4 px per module) and, interleaved call by call with the
// order alternating, skip2's own PNG path (qrcode.Encode) at the same
// picture size. Every call is timed: ns/op is the median of PNG,
// skip2-ns/op the median of skip2, x-skip2 how many times faster PNG is.
func BenchmarkPNG(b *testing.B) {
	texts := make([]string, 64)
	sizes := make([]int, len(texts))
	r := rand.New(rand.NewPCG(11, 12))
	for i := range texts {
		texts[i] = passText(r, 250+r.IntN(81))
		data, err := PNG(texts[i], Options{})
		if err != nil {
			b.Fatal(err)
		}
		cfg, err := png.DecodeConfig(bytes.NewReader(data))
		if err != nil {
			b.Fatal(err)
		}
		sizes[i] = cfg.Width
	}
	ours := func(i int) {
		if _, err := PNG(texts[i], Options{}); err != nil {
			b.Fatal(err)
		}
	}
	skip2 := func(i int) {
		if _, err := qrcode.Encode(texts[i], qrcode.Medium, sizes[i]); err != nil {
			b.Fatal(err)
		}
	}
	dOurs := make([]time.Duration, 0, b.N)
	dBase := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		k := i % len(texts)
		first, second := ours, skip2
		if i%2 == 1 {
			first, second = skip2, ours
		}
		t0 := time.Now()
		first(k)
		t1 := time.Now()
		second(k)
		t2 := time.Now()
		if i%2 == 0 {
			dOurs, dBase = append(dOurs, t1.Sub(t0)), append(dBase, t2.Sub(t1))
		} else {
			dBase, dOurs = append(dBase, t1.Sub(t0)), append(dOurs, t2.Sub(t1))
		}
	}
	b.StopTimer()
	mo, mb := medianDuration(dOurs), medianDuration(dBase)
	b.ReportMetric(float64(mo.Nanoseconds()), "ns/op")
	b.ReportMetric(float64(mb.Nanoseconds()), "skip2-ns/op")
	b.ReportMetric(float64(mb)/float64(mo), "x-skip2")
}

func medianDuration(d []time.Duration) time.Duration {
	slices.Sort(d)
	return d[len(d)/2]
}

// TestAlnumEncoder checks the alphanumeric encoder against gozxing's
// encoder (same mode, so the same version must come out) for texts of
// every length class and every level; Matrix decodes each one again.
func TestAlnumEncoder(t *testing.T) {
	r := rand.New(rand.NewPCG(13, 14))
	lengths := []int{1, 2, 10, 25, 47, 77, 114, 259, 300, 500, 1000, 2000, 4296}
	if testing.Short() {
		lengths = lengths[:9]
	}
	for _, n := range lengths {
		for _, l := range []Level{L, M, Q, H} {
			text := passText(r, n)[:n]
			m, err := Matrix(text, l)
			want, zerr := zxencoder.Encoder_encodeWithoutHint(text, l.zx())
			if zerr != nil {
				if err == nil {
					t.Errorf("%d chars at %v: encoded, gozxing says %v", n, l, zerr)
				}
				continue
			}
			if err != nil {
				t.Fatalf("%d chars at %v: %v", n, l, err)
			}
			if got := (len(m) - 17) / 4; got != want.GetVersion().GetVersionNumber() {
				t.Errorf("%d chars at %v: version %d, gozxing %d", n, l, got, want.GetVersion().GetVersionNumber())
			}
		}
	}
	// Text outside the alphanumeric set goes through skip2.
	for _, text := range []string{"hf1:lower case", "ünïcödé", "HF1:" + strings.Repeat("a", 300)} {
		m, err := Matrix(text, M)
		if err != nil {
			t.Fatal(err)
		}
		res, err := zxdecoder.NewDecoder().DecodeBoolMap(m, nil)
		if err != nil || res.GetText() != text {
			t.Errorf("%q decodes to %v, %v", text, res, err)
		}
	}
}

// TestPenalty64 checks the packed mask penalty against the plain one.
func TestPenalty64(t *testing.T) {
	r := rand.New(rand.NewPCG(15, 16))
	for _, dim := range []int{21, 25, 53, 57, 61} {
		for k := 0; k < 50; k++ {
			m := make([]byte, dim*dim)
			bias := r.IntN(10)
			for i := range m {
				if r.IntN(10) < bias {
					m[i] = dark
				}
			}
			want := penalty(m, make([]byte, dim*dim), dim)
			got := penalty64(m, make([]uint64, dim), make([]uint64, dim), dim)
			if got != want {
				t.Fatalf("dim %d: penalty64 %d, penalty %d", dim, got, want)
			}
		}
	}
}
