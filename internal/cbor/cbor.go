// Package cbor is a small, strict, bounded CBOR (RFC 8949) reader and writer
// for hufu's wire formats.
//
// The writer produces deterministic encoding (RFC 8949 §4.2.1): shortest
// argument encoding, definite lengths only, and map keys sorted by their
// encoded bytes (callers write keys in that order). The reader, in its
// canonical mode, accepts exactly what the writer produces: any
// non-shortest argument, indefinite length, unsorted or duplicate map key,
// invalid UTF-8 text, or item nested deeper than its limit is an error, so an
// accepted item always re-encodes to the same bytes. Its lenient mode, for
// foreign formats such as HCERT, still rejects indefinite lengths beyond
// the limits, duplicates and malformed input, but accepts non-shortest
// arguments and unsorted keys.
//
// Nothing here allocates in proportion to a declared length: every length
// is checked against the bytes actually left before it is used.
package cbor

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"unicode/utf8"
)

// Major types.
const (
	Uint   = 0
	Neg    = 1
	Bytes  = 2
	Text   = 3
	Array  = 4
	Map    = 5
	Tag    = 6
	Simple = 7
)

// Simple values and float markers (major type 7).
const (
	False = 20
	True  = 21
	Null  = 22
)

// Error describes malformed or non-canonical input at a byte offset.
type Error struct {
	Offset int
	Msg    string
}

func (e *Error) Error() string { return fmt.Sprintf("cbor: %s at offset %d", e.Msg, e.Offset) }

// ErrTruncated is wrapped by errors about input that ends too early.
var ErrTruncated = errors.New("cbor: unexpected end of input")

// ---- writer ----

// AppendHead appends the head of an item of the given major type with
// argument v, in shortest form.
func AppendHead(dst []byte, major byte, v uint64) []byte {
	m := major << 5
	switch {
	case v < 24:
		return append(dst, m|byte(v))
	case v <= math.MaxUint8:
		return append(dst, m|24, byte(v))
	case v <= math.MaxUint16:
		return append(dst, m|25, byte(v>>8), byte(v))
	case v <= math.MaxUint32:
		return append(dst, m|26, byte(v>>24), byte(v>>16), byte(v>>8), byte(v))
	default:
		return append(dst, m|27, byte(v>>56), byte(v>>48), byte(v>>40), byte(v>>32),
			byte(v>>24), byte(v>>16), byte(v>>8), byte(v))
	}
}

// AppendInt appends an integer (major type 0 or 1).
func AppendInt(dst []byte, v int64) []byte {
	if v >= 0 {
		return AppendHead(dst, Uint, uint64(v))
	}
	return AppendHead(dst, Neg, uint64(-1-v))
}

// AppendBytes appends a byte string.
func AppendBytes(dst, b []byte) []byte {
	return append(AppendHead(dst, Bytes, uint64(len(b))), b...)
}

// AppendText appends a text string. The caller ensures it is valid UTF-8.
func AppendText(dst []byte, s string) []byte {
	return append(AppendHead(dst, Text, uint64(len(s))), s...)
}

// ---- reader ----

// Limits bound what a Reader accepts.
type Limits struct {
	MaxDepth int // deepest nesting of arrays, maps and tags; 1 = no nesting
	MaxItems int // most elements in one array or pairs in one map
	MaxLen   int // longest byte or text string
}

// Reader reads CBOR items from a byte slice.
type Reader struct {
	b         []byte
	off       int
	limits    Limits
	lenient   bool
	allowTags bool
}

// NewReader returns a canonical-mode reader of b.
func NewReader(b []byte, l Limits) *Reader { return &Reader{b: b, limits: l} }

// NewLenientReader returns a reader of b that accepts non-shortest heads and
// unsorted map keys, and tags if allowTags is set.
func NewLenientReader(b []byte, l Limits, allowTags bool) *Reader {
	return &Reader{b: b, limits: l, lenient: true, allowTags: allowTags}
}

// Offset returns the offset of the next unread byte.
func (r *Reader) Offset() int { return r.off }

// Done reports whether every byte has been read.
func (r *Reader) Done() bool { return r.off == len(r.b) }

// Rest returns the unread bytes.
func (r *Reader) Rest() []byte { return r.b[r.off:] }

func (r *Reader) errf(off int, format string, args ...any) error {
	return &Error{Offset: off, Msg: fmt.Sprintf(format, args...)}
}

// Head reads the head of the next item: its major type and argument. For
// major type 7 the argument is the simple value or the raw float bits, and
// info is the additional information (24 simple, 25–27 floats).
func (r *Reader) Head() (major byte, arg uint64, err error) {
	major, _, arg, err = r.head()
	return
}

func (r *Reader) head() (major, info byte, arg uint64, err error) {
	start := r.off
	if r.off >= len(r.b) {
		return 0, 0, 0, fmt.Errorf("%w at offset %d", ErrTruncated, r.off)
	}
	ib := r.b[r.off]
	r.off++
	major, info = ib>>5, ib&0x1f
	switch {
	case info < 24:
		arg = uint64(info)
	case info <= 27:
		n := 1 << (info - 24)
		if len(r.b)-r.off < n {
			r.off = start
			return 0, 0, 0, fmt.Errorf("%w at offset %d", ErrTruncated, start)
		}
		for _, c := range r.b[r.off : r.off+n] {
			arg = arg<<8 | uint64(c)
		}
		r.off += n
		if !r.lenient && major != Simple {
			var min uint64
			switch info {
			case 24:
				min = 24
			case 25:
				min = 1 << 8
			case 26:
				min = 1 << 16
			case 27:
				min = 1 << 32
			}
			if arg < min {
				return 0, 0, 0, r.errf(start, "non-shortest argument")
			}
		}
	case info == 31:
		return 0, 0, 0, r.errf(start, "indefinite length")
	default:
		return 0, 0, 0, r.errf(start, "reserved additional information %d", info)
	}
	if major == Simple && info == 24 && arg < 32 {
		return 0, 0, 0, r.errf(start, "invalid simple value encoding")
	}
	return major, info, arg, nil
}

// Int reads an integer (major type 0 or 1) that fits in an int64.
func (r *Reader) Int() (int64, error) {
	start := r.off
	m, v, err := r.Head()
	if err != nil {
		return 0, err
	}
	switch {
	case m == Uint && v <= math.MaxInt64:
		return int64(v), nil
	case m == Neg && v <= math.MaxInt64:
		return -1 - int64(v), nil
	case m == Uint || m == Neg:
		return 0, r.errf(start, "integer out of range")
	}
	return 0, r.errf(start, "want integer, have major type %d", m)
}

// Uint reads an unsigned integer.
func (r *Reader) Uint() (uint64, error) {
	start := r.off
	m, v, err := r.Head()
	if err != nil {
		return 0, err
	}
	if m != Uint {
		return 0, r.errf(start, "want unsigned integer, have major type %d", m)
	}
	return v, nil
}

// Bytes reads a byte string, returning a slice of the input.
func (r *Reader) Bytes() ([]byte, error) { return r.str(Bytes) }

// Text reads a text string, which must be valid UTF-8.
func (r *Reader) Text() (string, error) {
	b, err := r.str(Text)
	return string(b), err
}

// TextBytes is Text without the conversion: it returns a slice of the input.
func (r *Reader) TextBytes() ([]byte, error) { return r.str(Text) }

func (r *Reader) str(want byte) ([]byte, error) {
	start := r.off
	m, n, err := r.Head()
	if err != nil {
		return nil, err
	}
	if m != want {
		r.off = start
		return nil, r.errf(start, "want major type %d, have %d", want, m)
	}
	return r.strBody(start, m, n)
}

func (r *Reader) strBody(start int, m byte, n uint64) ([]byte, error) {
	if r.limits.MaxLen > 0 && n > uint64(r.limits.MaxLen) {
		return nil, r.errf(start, "string of %d bytes exceeds limit %d", n, r.limits.MaxLen)
	}
	if n > uint64(len(r.b)-r.off) {
		return nil, fmt.Errorf("%w: string of %d bytes at offset %d", ErrTruncated, n, start)
	}
	s := r.b[r.off : r.off+int(n)]
	if m == Text && !utf8.Valid(s) {
		return nil, r.errf(start, "invalid UTF-8 in text string")
	}
	r.off += int(n)
	return s, nil
}

// ArrayHeader reads the head of an array and returns its length.
func (r *Reader) ArrayHeader() (int, error) { return r.container(Array) }

// MapHeader reads the head of a map and returns its number of pairs.
func (r *Reader) MapHeader() (int, error) { return r.container(Map) }

func (r *Reader) container(want byte) (int, error) {
	start := r.off
	m, n, err := r.Head()
	if err != nil {
		return 0, err
	}
	if m != want {
		r.off = start
		return 0, r.errf(start, "want major type %d, have %d", want, m)
	}
	return r.count(start, m, n)
}

func (r *Reader) count(start int, m byte, n uint64) (int, error) {
	if r.limits.MaxItems > 0 && n > uint64(r.limits.MaxItems) {
		return 0, r.errf(start, "%d elements exceed limit %d", n, r.limits.MaxItems)
	}
	// Every element takes at least one byte. (Dividing the bytes left,
	// rather than doubling n, cannot overflow.)
	max := uint64(len(r.b) - r.off)
	if m == Map {
		max /= 2
	}
	if n > max {
		return 0, fmt.Errorf("%w: %d elements at offset %d", ErrTruncated, n, start)
	}
	return int(n), nil
}

// Skip reads one complete item of any type, checking it as the reader's
// mode requires, and returns its encoded bytes. depth is the nesting level
// at which the item sits (0 for a top-level item).
func (r *Reader) Skip(depth int) ([]byte, error) {
	start := r.off
	if err := r.skip(depth); err != nil {
		return nil, err
	}
	return r.b[start:r.off], nil
}

func (r *Reader) skip(depth int) error {
	start := r.off
	m, info, arg, err := r.head()
	if err != nil {
		return err
	}
	switch m {
	case Uint, Neg:
		return nil
	case Bytes, Text:
		_, err := r.strBody(start, m, arg)
		return err
	case Array, Map:
		if depth >= r.limits.MaxDepth {
			return r.errf(start, "nesting deeper than %d", r.limits.MaxDepth)
		}
		n, err := r.count(start, m, arg)
		if err != nil {
			return err
		}
		if m == Array {
			for i := 0; i < n; i++ {
				if err := r.skip(depth + 1); err != nil {
					return err
				}
			}
			return nil
		}
		return r.skipMap(n, depth+1)
	case Tag:
		if !r.allowTags {
			return r.errf(start, "tag %d not allowed", arg)
		}
		if depth >= r.limits.MaxDepth {
			return r.errf(start, "nesting deeper than %d", r.limits.MaxDepth)
		}
		return r.skip(depth + 1)
	default: // Simple
		switch {
		case info < 24:
			if arg == False || arg == True || arg == Null {
				return nil
			}
			return r.errf(start, "simple value %d not allowed", arg)
		case info == 24:
			return r.errf(start, "simple value %d not allowed", arg)
		default:
			if !r.lenient {
				return r.errf(start, "floating-point value not allowed")
			}
			return nil
		}
	}
}

func (r *Reader) skipMap(n, depth int) error {
	var prev []byte
	var seen map[string]struct{}
	for i := 0; i < n; i++ {
		kstart := r.off
		if err := r.skip(depth); err != nil {
			return err
		}
		key := r.b[kstart:r.off]
		if r.lenient {
			if seen == nil {
				seen = make(map[string]struct{}, n)
			}
			// Compare keys in shortest form, so that 1 and 0x18 0x01
			// are duplicates too.
			k, _ := shortestForm(nil, key)
			if _, dup := seen[string(k)]; dup {
				return r.errf(kstart, "duplicate map key")
			}
			seen[string(k)] = struct{}{}
		} else {
			if err := r.CheckKeyOrder(prev, key, kstart); err != nil {
				return err
			}
			prev = key
		}
		if err := r.skip(depth); err != nil {
			return err
		}
	}
	return nil
}

// shortestForm appends the first item of b, which skip has accepted, with
// every head in shortest form, and returns the rest of b. Floats and maps
// are kept as they are: 1.0 in two widths, or a map-valued key with its
// pairs in another order, are not recognised as equal.
func shortestForm(dst, b []byte) ([]byte, []byte) {
	r := Reader{b: b, lenient: true}
	major, _, arg, _ := r.head()
	rest := b[r.off:]
	switch major {
	case Simple:
		return append(dst, b[:r.off]...), rest
	case Bytes, Text:
		return append(AppendHead(dst, major, arg), rest[:arg]...), rest[arg:]
	case Array, Map:
		dst = AppendHead(dst, major, arg)
		if major == Map {
			arg *= 2
		}
		for ; arg > 0; arg-- {
			dst, rest = shortestForm(dst, rest)
		}
		return dst, rest
	case Tag:
		return shortestForm(AppendHead(dst, major, arg), rest)
	}
	return AppendHead(dst, major, arg), rest
}

// CheckKeyOrder returns an error unless key (the encoded bytes of a map key,
// found at offset off) sorts strictly after prev, the previous key of the
// same map (nil for the first), as deterministic encoding requires. Equal
// keys are duplicates.
func (r *Reader) CheckKeyOrder(prev, key []byte, off int) error {
	if prev == nil {
		return nil
	}
	switch c := bytes.Compare(prev, key); {
	case c == 0:
		return r.errf(off, "duplicate map key")
	case c > 0:
		return r.errf(off, "map keys not in deterministic order")
	}
	return nil
}
