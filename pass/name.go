package pass

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/cases"
	"golang.org/x/text/unicode/norm"
)

// folders pools case folders: a cases.Caser is not safe for concurrent use
// and costs allocations to make.
var folders = sync.Pool{New: func() any { c := cases.Fold(); return &c }}

// ErrName is wrapped by every error from NormalizeName.
var ErrName = errors.New("pass: unusable name")

// NormalizeName returns the form of a name that is hashed into a pass, so
// that the issuer and every verifier agree on it. In order:
//
//  1. the name must be valid UTF-8 of at most MaxNameInput bytes;
//  2. NFKC, full Unicode case folding, NFKC again (Cherokee letters fold
//     to capitals, as in Unicode's CaseFolding.txt);
//  3. middle-dot look-alikes (U+2022 U+2027 U+2219 U+22C5 U+30FB) become
//     U+00B7 MIDDLE DOT, and dash look-alikes (U+2010 U+2012 U+2013 U+2212)
//     become U+002D HYPHEN-MINUS;
//  4. every run of White_Space becomes one U+0020; spaces at either end, and
//     a space between two Han characters, are removed;
//  5. a name that then holds a control, format, private-use, surrogate,
//     unassigned (in this implementation's Unicode tables), noncharacter,
//     variation-selector or other default-ignorable code point, or U+FFFD,
//     is rejected, as is an empty name or one longer than MaxNameLen bytes.
//
// "Zhang San", " ZHANG  san " and "ｚｈａｎｇ　ｓａｎ" normalise alike; so do
// "张三" and "张 三", and "Müller" with a composed or decomposed ü. Diacritics
// are kept: "José" and "Jose" differ.
func NormalizeName(name string) (string, error) {
	if len(name) > MaxNameInput {
		return "", fmt.Errorf("%w: longer than %d bytes", ErrName, MaxNameInput)
	}
	if !utf8.ValidString(name) {
		return "", fmt.Errorf("%w: not valid UTF-8", ErrName)
	}
	var s string
	if lower, ok := fastFold(name); ok {
		s = lower
	} else {
		caser := folders.Get().(*cases.Caser)
		s = norm.NFKC.String(caser.String(norm.NFKC.String(name)))
		folders.Put(caser)
	}

	var b strings.Builder
	b.Grow(len(s))
	pendingSpace := false
	var last rune // last rune written, 0 at the start
	for _, r := range s {
		if unicode.Is(unicode.White_Space, r) {
			pendingSpace = last != 0
			continue
		}
		switch r {
		case 0x2022, 0x2027, 0x2219, 0x22C5, 0x30FB:
			r = 0x00B7
		case 0x2010, 0x2012, 0x2013, 0x2212:
			r = '-'
		}
		r = foldCherokee(r)
		if err := checkNameRune(r); err != nil {
			return "", err
		}
		if pendingSpace && !(unicode.Is(unicode.Han, last) && unicode.Is(unicode.Han, r)) {
			b.WriteByte(' ')
		}
		pendingSpace = false
		b.WriteRune(r)
		last = r
	}
	out := b.String()
	switch {
	case out == "":
		return "", fmt.Errorf("%w: empty", ErrName)
	case len(out) > MaxNameLen:
		return "", fmt.Errorf("%w: longer than %d bytes after normalisation", ErrName, MaxNameLen)
	}
	return out, nil
}

// foldCherokee maps Cherokee small letters to their capitals, as Unicode's
// case folding does. cases.Fold swaps the two cases of Cherokee instead, so
// without this "Ꮃ" and "ꮃ" would normalise differently, and NormalizeName
// would not be idempotent.
func foldCherokee(r rune) rune {
	switch {
	case 0xAB70 <= r && r <= 0xABBF: // U+AB70..ABBF -> U+13A0..13EF
		return r - 0xAB70 + 0x13A0
	case 0x13F8 <= r && r <= 0x13FD: // U+13F8..13FD -> U+13F0..13F5
		return r - 8
	}
	return r
}

func checkNameRune(r rune) error {
	// Printable ASCII and the CJK Unified Ideographs (basic block and
	// extension A) are all assigned, visible characters.
	if (0x21 <= r && r <= 0x7e) || (0x4E00 <= r && r <= 0x9FFF) || (0x3400 <= r && r <= 0x4DBF) {
		return nil
	}
	var what string
	switch {
	case r == utf8.RuneError:
		what = "replacement character"
	case unicode.Is(unicode.Cc, r):
		what = "control character"
	case unicode.Is(unicode.Cf, r), unicode.Is(unicode.Variation_Selector, r),
		unicode.Is(unicode.Other_Default_Ignorable_Code_Point, r):
		what = "invisible character"
	case unicode.Is(unicode.Co, r):
		what = "private-use character"
	case unicode.Is(unicode.Noncharacter_Code_Point, r):
		what = "noncharacter"
	case !unicode.In(r, unicode.L, unicode.M, unicode.N, unicode.P, unicode.S, unicode.Z):
		what = "unassigned character"
	default:
		return nil
	}
	return fmt.Errorf("%w: %s U+%04X", ErrName, what, r)
}

// fastFold computes step 2 (NFKC, case folding, NFKC) without the Unicode
// tables for the common names made only of ASCII and of CJK Unified
// Ideographs of the basic block and extension A: NFKC leaves those
// unchanged and case folding changes only A–Z. It reports false for any
// other name. FuzzNormalizeFast checks it against the general path.
func fastFold(name string) (string, bool) {
	upper := false
	for _, r := range name {
		switch {
		case r < 0x80:
			upper = upper || ('A' <= r && r <= 'Z')
		case 0x4E00 <= r && r <= 0x9FFF, 0x3400 <= r && r <= 0x4DBF:
		default:
			return "", false
		}
	}
	if !upper {
		return name, true
	}
	b := []byte(name)
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b), true
}

// slowFold is step 2 through the Unicode tables, for tests.
func slowFold(name string) string {
	caser := folders.Get().(*cases.Caser)
	defer folders.Put(caser)
	return norm.NFKC.String(caser.String(norm.NFKC.String(name)))
}
