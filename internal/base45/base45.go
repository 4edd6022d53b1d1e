// Package base45 implements the Base45 encoding of RFC 9285, with a strict
// decoder: only the 45 characters of the alphabet are accepted (upper case,
// so that a QR code can hold the text in alphanumeric mode), and a group
// whose value is out of range is an error rather than being reduced modulo.
package base45

import (
	"errors"
	"slices"
	"strconv"
)

// Alphabet is the RFC 9285 alphabet, in value order.
const Alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:"

// ErrLength reports a text whose length leaves a single character over
// (length mod 3 == 1), which cannot be decoded.
var ErrLength = errors.New("base45: invalid length")

// CharError reports a character outside the alphabet at the given offset.
type CharError int

func (e CharError) Error() string {
	return "base45: illegal character at offset " + strconv.Itoa(int(e))
}

// RangeError reports a group, starting at the given offset, whose value is
// larger than the bytes it stands for can hold.
type RangeError int

func (e RangeError) Error() string {
	return "base45: value out of range in group at offset " + strconv.Itoa(int(e))
}

var decodeMap [256]byte

func init() {
	for i := range decodeMap {
		decodeMap[i] = 0xff
	}
	for i := 0; i < len(Alphabet); i++ {
		decodeMap[Alphabet[i]] = byte(i)
	}
}

// EncodedLen returns the length of the encoding of n bytes.
func EncodedLen(n int) int { return n/2*3 + n%2*2 }

// DecodedLen returns the length of the bytes that an encoding of n characters
// holds, or -1 if no valid encoding has that length.
func DecodedLen(n int) int {
	if n%3 == 1 {
		return -1
	}
	return n/3*2 + n%3/2
}

// AppendEncode appends the encoding of src to dst.
func AppendEncode(dst, src []byte) []byte {
	n := len(dst)
	dst = slices.Grow(dst, EncodedLen(len(src)))[:n+EncodedLen(len(src))]
	out := dst[n:]
	j := 0
	for i := 0; i+1 < len(src); i += 2 {
		v := uint(src[i])<<8 | uint(src[i+1])
		q := v / 45
		out[j] = Alphabet[v-q*45]
		out[j+1] = Alphabet[q%45]
		out[j+2] = Alphabet[q/45]
		j += 3
	}
	if len(src)%2 == 1 {
		v := uint(src[len(src)-1])
		out[j] = Alphabet[v%45]
		out[j+1] = Alphabet[v/45]
	}
	return dst
}

// EncodeToString returns the encoding of src.
func EncodeToString(src []byte) string {
	return string(AppendEncode(make([]byte, 0, EncodedLen(len(src))), src))
}

// AppendDecode appends the bytes that src encodes to dst. It rejects
// characters outside the alphabet, a length of 1 mod 3, and groups whose
// value is out of range.
func AppendDecode(dst []byte, src string) ([]byte, error) {
	if len(src)%3 == 1 {
		return dst, ErrLength
	}
	for i := 0; i+3 <= len(src); i += 3 {
		c, d, e := decodeMap[src[i]], decodeMap[src[i+1]], decodeMap[src[i+2]]
		if c > 44 || d > 44 || e > 44 {
			return dst, CharError(firstBad(src, i, 3))
		}
		v := int(c) + int(d)*45 + int(e)*2025
		if v > 0xffff {
			return dst, RangeError(i)
		}
		dst = append(dst, byte(v>>8), byte(v))
	}
	if r := len(src) % 3; r == 2 {
		i := len(src) - 2
		c, d := decodeMap[src[i]], decodeMap[src[i+1]]
		if c > 44 || d > 44 {
			return dst, CharError(firstBad(src, i, 2))
		}
		v := int(c) + int(d)*45
		if v > 0xff {
			return dst, RangeError(i)
		}
		dst = append(dst, byte(v))
	}
	return dst, nil
}

// DecodeString returns the bytes that s encodes.
func DecodeString(s string) ([]byte, error) {
	n := DecodedLen(len(s))
	if n < 0 {
		return nil, ErrLength
	}
	return AppendDecode(make([]byte, 0, n), s)
}

func firstBad(s string, i, n int) int {
	for j := i; j < i+n; j++ {
		if decodeMap[s[j]] == 0xff {
			return j
		}
	}
	return i
}
