package cbor

import "math"

// Float reads a floating-point value (major type 7, half, single or double
// precision) and returns it as a float64. It is for foreign formats that
// may carry numbers as floats, such as CWT times in HCERT; the canonical
// reader's Skip rejects floats, but Float reads them in either mode.
func (r *Reader) Float() (float64, error) {
	start := r.off
	m, info, arg, err := r.head()
	if err != nil {
		return 0, err
	}
	switch {
	case m != Simple:
		r.off = start
		return 0, r.errf(start, "want float, have major type %d", m)
	case info == 25:
		return halfToFloat(uint16(arg)), nil
	case info == 26:
		return float64(math.Float32frombits(uint32(arg))), nil
	case info == 27:
		return math.Float64frombits(arg), nil
	}
	r.off = start
	return 0, r.errf(start, "want float, have simple value %d", arg)
}

// halfToFloat converts an IEEE 754 half-precision value (RFC 8949
// Appendix D).
func halfToFloat(h uint16) float64 {
	exp := int(h>>10) & 0x1f
	mant := float64(h & 0x3ff)
	var v float64
	switch exp {
	case 0:
		v = math.Ldexp(mant, -24)
	case 31:
		if mant == 0 {
			v = math.Inf(1)
		} else {
			v = math.NaN()
		}
	default:
		v = math.Ldexp(mant+1024, exp-25)
	}
	if h&0x8000 != 0 {
		return -v
	}
	return v
}
