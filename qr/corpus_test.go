package qr

// A deterministic corpus of degraded pass pictures: pass-like texts rendered
// at level M, placed in textured 720p/1080p scenes under rotation,
// perspective, blur, JPEG, noise, low contrast, inversion and glare.
// Nothing is stored: every frame is generated from its seed.

import (
	"bytes"
	"hash/fnv"
	"image"
	"image/color"
	"image/jpeg"
	"math"
	"math/rand/v2"
)

// scene describes how one frame is made.
type scene struct {
	w, h     int
	codes    int     // QR codes in the frame (default 1)
	module   float64 // module size in pixels at the code's centre
	moduleHi float64 // if set, module size drawn from [module, moduleHi]
	rot      float64 // in-plane rotation, degrees (plus jitter)
	jitter   float64 // random extra rotation, ± degrees
	tilt     float64 // perspective tilt, degrees
	tiltHi   float64 // if set, tilt drawn from [tilt, tiltHi]
	blur     float64 // Gaussian σ in pixels
	noise    float64 // Gaussian noise σ in grey levels
	dark     float64 // grey of dark modules
	light    float64 // grey of light modules and the quiet zone
	gradient float64 // lighting gradient across the code, in grey levels
	inverted bool    // light modules on a dark card (phone in dark mode)
	glare    float64 // peak strength 0..1 of a glare patch on the code
	jpegQ    int     // JPEG quality, 0 for none
	color    bool    // deliver as a colour image (RGBA, or YCbCr after JPEG)
}

// degradation is one named kind of frame in the corpus.
type degradation struct {
	name string
	sc   scene
}

const w720, h720 = 1280, 720

func degradations() []degradation {
	base := scene{w: w720, h: h720, module: 4, jitter: 2, dark: 25, light: 225}
	with := func(f func(*scene)) scene { s := base; f(&s); return s }
	return []degradation{
		{"clean-4px", base},
		{"module-2px", with(func(s *scene) { s.module = 2; s.jitter = 0 })},
		{"module-3px", with(func(s *scene) { s.module = 3 })},
		{"rot-7", with(func(s *scene) { s.rot = 7; s.jitter = 0 })},
		{"rot-30", with(func(s *scene) { s.rot = 30; s.jitter = 0 })},
		{"rot-90", with(func(s *scene) { s.rot = 90; s.jitter = 0 })},
		{"tilt-20", with(func(s *scene) { s.module = 4.5; s.tilt = 20 })},
		{"tilt-35", with(func(s *scene) { s.module = 5; s.tilt = 35 })},
		{"tilt-50", with(func(s *scene) { s.module = 6; s.tilt = 50 })},
		{"blur-1.0", with(func(s *scene) { s.blur = 1.0 })},
		{"blur-1.7", with(func(s *scene) { s.module = 5; s.blur = 1.7 })},
		{"blur-2.4", with(func(s *scene) { s.module = 6; s.blur = 2.4 })},
		{"jpeg-30", with(func(s *scene) { s.module = 3; s.jpegQ = 30; s.color = true })},
		{"noise", with(func(s *scene) { s.noise = 28 })},
		{"low-contrast", with(func(s *scene) { s.dark, s.light, s.noise = 105, 150, 3 })},
		{"inverted", with(func(s *scene) { s.inverted = true; s.color = true })},
		{"glare", with(func(s *scene) { s.module = 5; s.glare = 0.9 })},
		{"scene-720p", with(func(s *scene) { s.module, s.moduleHi, s.jitter, s.noise = 2.5, 4, 20, 4 })},
		{"scene-1080p", with(func(s *scene) { s.w, s.h, s.module, s.moduleHi, s.jitter, s.noise = 1920, 1080, 3, 6, 20, 4 })},
		{"multi-3", with(func(s *scene) { s.codes, s.module, s.jitter = 3, 3, 10 })},
		{"photo-5mp", with(func(s *scene) {
			s.w, s.h, s.module, s.moduleHi, s.jitter = 2592, 1944, 10, 16, 10
			s.tilt, s.tiltHi, s.blur, s.noise = 10, 30, 2.5, 5
			s.jpegQ, s.color = 80, true
		})},
		{"phone", with(func(s *scene) {
			s.module, s.moduleHi, s.jitter = 4, 6, 15
			s.tilt, s.tiltHi = 20, 40
			s.blur, s.noise = 1.3, 6
			s.dark, s.light, s.gradient = 50, 200, 60
			s.glare, s.jpegQ, s.color = 0.5, 50, true
		})},
	}
}

// frame is one corpus picture and the texts it holds.
type frame struct {
	name  string
	img   image.Image
	texts []string
}

// makeFrame builds frame i of degradation d.
func makeFrame(d degradation, i int) frame {
	h := fnv.New64a()
	h.Write([]byte(d.name))
	r := rand.New(rand.NewPCG(h.Sum64(), uint64(i)))
	sc := d.sc
	if sc.codes == 0 {
		sc.codes = 1
	}
	canvas := background(r, sc.w, sc.h)
	var texts []string
	var boxes []image.Rectangle
	for c := 0; c < sc.codes; c++ {
		text := passText(r, 250+r.IntN(81))
		m, err := Matrix(text, M)
		if err != nil {
			panic(err)
		}
		module := sc.module
		if sc.moduleHi > 0 {
			module += r.Float64() * (sc.moduleHi - sc.module)
		}
		tilt := sc.tilt
		if sc.tiltHi > 0 {
			tilt += r.Float64() * (sc.tiltHi - sc.tilt)
		}
		rot := sc.rot + (2*r.Float64()-1)*sc.jitter
		n := float64(len(m) + 8)
		// Place the code off-centre, away from earlier codes.
		half := n * module * 0.75
		var cx, cy float64
		for try := 0; ; try++ {
			cx = half + r.Float64()*(float64(sc.w)-2*half)
			cy = half + r.Float64()*(float64(sc.h)-2*half)
			// Keep clear of the exact centre so nothing relies on it.
			if math.Abs(cx-float64(sc.w)/2) < float64(sc.w)/10 && try < 50 {
				continue
			}
			box := image.Rect(int(cx-half), int(cy-half), int(cx+half), int(cy+half))
			ok := true
			for _, b := range boxes {
				if b.Inset(-8).Overlaps(box) {
					ok = false
				}
			}
			if ok || try > 200 {
				boxes = append(boxes, box)
				break
			}
		}
		hm := placement(n, module, rot, tilt, r.Float64()*2*math.Pi, cx, cy)
		drawCode(canvas, sc.w, sc.h, m, hm, sc, r)
		texts = append(texts, text)
	}
	if sc.blur > 0 {
		gaussianBlur(canvas, sc.w, sc.h, sc.blur)
	}
	if sc.noise > 0 {
		for i := range canvas {
			canvas[i] += float32(r.NormFloat64() * sc.noise)
		}
	}
	return frame{name: d.name, img: deliver(canvas, sc, r), texts: texts}
}

// background paints a textured scene: smooth value noise at two scales,
// some rectangles (furniture, paper) and fine stripes (text lines).
func background(r *rand.Rand, w, h int) []float32 {
	c := make([]float32, w*h)
	coarse := valueNoise(r, w, h, 160)
	fine := valueNoise(r, w, h, 24)
	for i := range c {
		c[i] = 60 + 110*coarse[i] + 40*fine[i]
	}
	for k := 0; k < 12; k++ {
		x0, y0 := r.IntN(w), r.IntN(h)
		x1, y1 := x0+40+r.IntN(w/4), y0+30+r.IntN(h/4)
		v := float32(20 + r.IntN(220))
		stripes := r.IntN(3) == 0
		for y := y0; y < y1 && y < h; y++ {
			for x := x0; x < x1 && x < w; x++ {
				if stripes && (y-y0)%9 < 3 && (x-x0)%7 < 5 {
					c[y*w+x] = v * 0.3
				} else {
					c[y*w+x] = v
				}
			}
		}
	}
	return c
}

func valueNoise(r *rand.Rand, w, h, cell int) []float32 {
	gw, gh := w/cell+2, h/cell+2
	g := make([]float32, gw*gh)
	for i := range g {
		g[i] = r.Float32()
	}
	out := make([]float32, w*h)
	for y := 0; y < h; y++ {
		gy, fy := y/cell, float32(y%cell)/float32(cell)
		for x := 0; x < w; x++ {
			gx, fx := x/cell, float32(x%cell)/float32(cell)
			a := g[gy*gw+gx]*(1-fx) + g[gy*gw+gx+1]*fx
			b := g[(gy+1)*gw+gx]*(1-fx) + g[(gy+1)*gw+gx+1]*fx
			out[y*w+x] = a*(1-fy) + b*fy
		}
	}
	return out
}

// placement returns the homography from card coordinates in modules
// (0..n, quiet zone included) to pixels: the card is rotated by rot degrees
// in its plane, tilted by tilt degrees about an axis at angle axis, seen by
// a pinhole camera from 2.5 card widths away, and centred on (cx, cy) with
// module pixels per module at its centre.
func placement(n, module, rot, tilt, axis, cx, cy float64) homography {
	rr, tr := rot*math.Pi/180, tilt*math.Pi/180
	dist := 2.5 * n
	var pts [4][2]float64
	for i, c := range [4][2]float64{{0, 0}, {n, 0}, {n, n}, {0, n}} {
		x, y := c[0]-n/2, c[1]-n/2
		x, y = x*math.Cos(rr)-y*math.Sin(rr), x*math.Sin(rr)+y*math.Cos(rr)
		// Tilt: rotate about the in-plane axis at angle axis.
		ax, ay := math.Cos(axis), math.Sin(axis)
		along := x*ax + y*ay
		across := -x*ay + y*ax
		z := across * math.Sin(tr)
		across *= math.Cos(tr)
		x, y = along*ax-across*ay, along*ay+across*ax
		s := dist / (dist + z)
		pts[i] = [2]float64{cx + x*s*module, cy + y*s*module}
	}
	return quadToQuad([8]float64{0, 0, n, 0, n, n, 0, n},
		[8]float64{pts[0][0], pts[0][1], pts[1][0], pts[1][1], pts[2][0], pts[2][1], pts[3][0], pts[3][1]})
}

// drawCode paints the module matrix m (no quiet zone) on a light card with
// a 4-module quiet zone, through hm, with 3×3 supersampling.
func drawCode(c []float32, w, h int, m [][]bool, hmv homography, sc scene, r *rand.Rand) {
	hm := &hmv
	n := float64(len(m) + 8)
	inv := hm.inverse()
	minX, minY, maxX, maxY := math.Inf(1), math.Inf(1), math.Inf(-1), math.Inf(-1)
	for _, p := range [4][2]float64{{0, 0}, {n, 0}, {n, n}, {0, n}} {
		x, y := hm.apply(p[0], p[1])
		minX, minY = math.Min(minX, x), math.Min(minY, y)
		maxX, maxY = math.Max(maxX, x), math.Max(maxY, y)
	}
	x0, y0 := max(0, int(minX)-1), max(0, int(minY)-1)
	x1, y1 := min(w, int(maxX)+2), min(h, int(maxY)+2)
	dark, light := sc.dark, sc.light
	if sc.inverted {
		dark, light = light, dark
	}
	// Glare: a bright elliptical blob somewhere on the code.
	gu, gv := n*(0.25+0.5*r.Float64()), n*(0.25+0.5*r.Float64())
	gr := n * (0.08 + 0.06*r.Float64())
	gAngle := r.Float64() * 2 * math.Pi
	const ss = 3
	for y := y0; y < y1; y++ {
		for x := x0; x < x1; x++ {
			var sum float64
			inside := 0
			for j := 0; j < ss; j++ {
				for i := 0; i < ss; i++ {
					u, v := inv.apply(float64(x)+(float64(i)+0.5)/ss, float64(y)+(float64(j)+0.5)/ss)
					if u < 0 || v < 0 || u >= n || v >= n {
						sum += float64(c[y*w+x])
						continue
					}
					inside++
					mu, mv := int(u)-4, int(v)-4
					val := light
					if mu >= 0 && mv >= 0 && mu < len(m) && mv < len(m) && m[mv][mu] {
						val = dark
					}
					if sc.gradient != 0 {
						g := sc.gradient * ((u+v)/(2*n) - 0.5)
						val = math.Max(0, math.Min(255, val+g))
					}
					if sc.glare > 0 {
						du, dv := u-gu, v-gv
						a := du*math.Cos(gAngle) + dv*math.Sin(gAngle)
						b := -du*math.Sin(gAngle) + dv*math.Cos(gAngle)
						k := sc.glare * math.Exp(-(a*a/(4*gr*gr) + b*b/(gr*gr)))
						val += (255 - val) * k
					}
					sum += val
				}
			}
			if inside > 0 {
				c[y*w+x] = float32(sum / (ss * ss))
			}
		}
	}
}

// gaussianBlur blurs c in place with a separable Gaussian of deviation
// sigma pixels.
func gaussianBlur(c []float32, w, h int, sigma float64) {
	rad := int(math.Ceil(3 * sigma))
	k := make([]float32, 2*rad+1)
	var sum float32
	for i := range k {
		d := float64(i - rad)
		k[i] = float32(math.Exp(-d * d / (2 * sigma * sigma)))
		sum += k[i]
	}
	for i := range k {
		k[i] /= sum
	}
	tmp := make([]float32, len(c))
	clamp := func(v, hi int) int { return min(max(v, 0), hi-1) }
	for y := 0; y < h; y++ {
		row := c[y*w : (y+1)*w]
		for x := 0; x < w; x++ {
			var s float32
			for i, kv := range k {
				s += kv * row[clamp(x+i-rad, w)]
			}
			tmp[y*w+x] = s
		}
	}
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			var s float32
			for i, kv := range k {
				s += kv * tmp[clamp(y+i-rad, h)*w+x]
			}
			c[y*w+x] = s
		}
	}
}

func clampByte(v float32) uint8 {
	if v <= 0 {
		return 0
	}
	if v >= 255 {
		return 255
	}
	return uint8(v + 0.5)
}

// deliver turns the canvas into the image a reader gets: grey, or RGBA
// with a slight tint, optionally through JPEG.
func deliver(c []float32, sc scene, r *rand.Rand) image.Image {
	rect := image.Rect(0, 0, sc.w, sc.h)
	var img image.Image
	if sc.color {
		rgba := image.NewRGBA(rect)
		tr, tb := 0.9+0.2*r.Float64(), 0.9+0.2*r.Float64()
		for i, v := range c {
			rgba.Pix[4*i] = clampByte(v * float32(tr))
			rgba.Pix[4*i+1] = clampByte(v)
			rgba.Pix[4*i+2] = clampByte(v * float32(tb))
			rgba.Pix[4*i+3] = 255
		}
		img = rgba
	} else {
		g := image.NewGray(rect)
		for i, v := range c {
			g.Pix[i] = clampByte(v)
		}
		img = g
	}
	if sc.jpegQ > 0 {
		var buf bytes.Buffer
		if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: sc.jpegQ}); err != nil {
			panic(err)
		}
		out, err := jpeg.Decode(&buf)
		if err != nil {
			panic(err)
		}
		img = out
	}
	return img
}

var _ color.Color // keep image/color for tests that build palettes
