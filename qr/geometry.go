package qr

import "math"

// homography is a plane projective transform, a row-major 3×3 matrix
// mapping (u, v, 1) to (x·w, y·w, w).
type homography [9]float64

func (m *homography) apply(u, v float64) (float64, float64) {
	w := m[6]*u + m[7]*v + m[8]
	return (m[0]*u + m[1]*v + m[2]) / w, (m[3]*u + m[4]*v + m[5]) / w
}

func (m *homography) mul(n *homography) homography {
	var r homography
	for i := 0; i < 3; i++ {
		for j := 0; j < 3; j++ {
			r[3*i+j] = m[3*i]*n[j] + m[3*i+1]*n[3+j] + m[3*i+2]*n[6+j]
		}
	}
	return r
}

func (m *homography) inverse() homography {
	a, b, c, d, e, f, g, h, i := m[0], m[1], m[2], m[3], m[4], m[5], m[6], m[7], m[8]
	return homography{e*i - f*h, c*h - b*i, b*f - c*e, f*g - d*i, a*i - c*g, c*d - a*f, d*h - e*g, b*g - a*h, a*e - b*d}
}

// squareToQuad maps the unit square's corners (0,0) (1,0) (1,1) (0,1) to
// the four points p.
func squareToQuad(p [8]float64) homography {
	x0, y0, x1, y1, x2, y2, x3, y3 := p[0], p[1], p[2], p[3], p[4], p[5], p[6], p[7]
	dx3, dy3 := x0-x1+x2-x3, y0-y1+y2-y3
	if dx3 == 0 && dy3 == 0 {
		return homography{x1 - x0, x2 - x1, x0, y1 - y0, y2 - y1, y0, 0, 0, 1}
	}
	dx1, dx2, dy1, dy2 := x1-x2, x3-x2, y1-y2, y3-y2
	den := dx1*dy2 - dx2*dy1
	g := (dx3*dy2 - dx2*dy3) / den
	h := (dx1*dy3 - dx3*dy1) / den
	return homography{x1 - x0 + g*x1, x3 - x0 + h*x3, x0, y1 - y0 + g*y1, y3 - y0 + h*y3, y0, g, h, 1}
}

// quadToQuad maps the four points from onto the four points to.
func quadToQuad(from, to [8]float64) homography {
	s := squareToQuad(from)
	inv := s.inverse()
	t := squareToQuad(to)
	return t.mul(&inv)
}

// fitHomography returns the least-squares homography taking src points to
// dst points (pairs of coordinates, at least four points), or false.
func fitHomography(src, dst []float64) (homography, bool) {
	n := len(src) / 2
	if n < 4 {
		return homography{}, false
	}
	// Normalise both point sets for conditioning.
	ns, ss := normaliser(src)
	nd, sd := normaliser(dst)
	// Unknowns h0..h7 with h8 = 1: for each point two equations.
	var ata [8][9]float64
	for k := 0; k < n; k++ {
		u, v := (src[2*k]-ns[0])*ss, (src[2*k+1]-ns[1])*ss
		x, y := (dst[2*k]-nd[0])*sd, (dst[2*k+1]-nd[1])*sd
		rows := [2][9]float64{
			{u, v, 1, 0, 0, 0, -u * x, -v * x, x},
			{0, 0, 0, u, v, 1, -u * y, -v * y, y},
		}
		for _, r := range rows {
			for i := 0; i < 8; i++ {
				for j := 0; j < 9; j++ {
					ata[i][j] += r[i] * r[j]
				}
			}
		}
	}
	// Gaussian elimination with partial pivoting.
	for c := 0; c < 8; c++ {
		p := c
		for r := c + 1; r < 8; r++ {
			if math.Abs(ata[r][c]) > math.Abs(ata[p][c]) {
				p = r
			}
		}
		if math.Abs(ata[p][c]) < 1e-12 {
			return homography{}, false
		}
		ata[c], ata[p] = ata[p], ata[c]
		for r := 0; r < 8; r++ {
			if r == c {
				continue
			}
			f := ata[r][c] / ata[c][c]
			for j := c; j < 9; j++ {
				ata[r][j] -= f * ata[c][j]
			}
		}
	}
	var h homography
	for i := 0; i < 8; i++ {
		h[i] = ata[i][8] / ata[i][i]
	}
	h[8] = 1
	// Undo the normalisation: H = Nd⁻¹ · h · Ns.
	Ns := homography{ss, 0, -ns[0] * ss, 0, ss, -ns[1] * ss, 0, 0, 1}
	NdInv := homography{1 / sd, 0, nd[0], 0, 1 / sd, nd[1], 0, 0, 1}
	t := h.mul(&Ns)
	return NdInv.mul(&t), true
}

// normaliser returns the centroid of pts and the scale that brings their
// mean distance from it to √2.
func normaliser(pts []float64) ([2]float64, float64) {
	n := float64(len(pts) / 2)
	var cx, cy float64
	for i := 0; i < len(pts); i += 2 {
		cx += pts[i]
		cy += pts[i+1]
	}
	cx /= n
	cy /= n
	var d float64
	for i := 0; i < len(pts); i += 2 {
		d += math.Hypot(pts[i]-cx, pts[i+1]-cy)
	}
	d /= n
	if d == 0 {
		d = 1
	}
	return [2]float64{cx, cy}, math.Sqrt2 / d
}
