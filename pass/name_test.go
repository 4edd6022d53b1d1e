package pass

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

func TestNormalizeName(t *testing.T) {
	tests := []struct {
		want string
		in   []string
	}{
		// Chinese: spaces between Han characters vanish, of any kind.
		{"张三", []string{"张三", "张 三", "张　三", " 张三 ", "张\t三", "张 \u00a0 三", "\u3000张三\u3000"}},
		{"欧阳娜娜", []string{"欧阳 娜娜", "欧 阳 娜 娜"}},
		// Latin: NFKC and full case folding; diacritics kept.
		{"müller", []string{"Müller", "Mu\u0308ller", "MÜLLER", "MU\u0308LLER", "müller", "ｍüｌｌｅｒ"}},
		{"josé", []string{"José", "Jose\u0301", "JOSÉ", "josé"}},
		{"jose", []string{"Jose", "JOSE"}},
		{"strasse", []string{"STRASSE", "straße", "Straße", "STRAẞE"}},
		{"zhang san", []string{"Zhang San", " ZHANG  san ", "ｚｈａｎｇ　ｓａｎ", "zhang\tsan", "zhang\nsan", "ZHANG\u00a0SAN", "zhang\u2003san"}},
		{"dž", []string{"ǅ", "Ǆ", "ǆ", "DŽ", "Dž"}}, // NFKC splits the digraph
		// Mixed scripts: the space between Han and Latin stays.
		{"王 wang", []string{"王 Wang", "王  WANG", "王\u3000Ｗａｎｇ"}},
		// Minority names: middle-dot look-alikes become U+00B7.
		{"买买提·艾力", []string{"买买提·艾力", "买买提•艾力", "买买提・艾力", "买买提‧艾力", "买买提∙艾力", "买买提⋅艾力", "买买提･艾力"}},
		{"阿沛·阿旺晋美", []string{"阿沛·阿旺晋美", "阿沛・阿旺晋美"}},
		// Dash look-alikes become '-'.
		{"jean-pierre", []string{"Jean-Pierre", "Jean‐Pierre", "Jean‒Pierre", "Jean–Pierre", "Jean−Pierre", "Jean‑Pierre"}},
		// Hangul and Japanese are kept as they are.
		{"김민준", []string{"김민준", "\u1100\u1175\u11b7\u1106\u1175\u11ab\u110c\u116e\u11ab"}},
		{"さとう はなこ", []string{"さとう はなこ", "さとう　はなこ"}},
		// Cherokee folds to capitals (x/text's Fold alone swaps the cases).
		{"ᏣᎳᎩ", []string{"ᏣᎳᎩ", "ꮳꮃꭹ", "Ꮳꮃꭹ"}},
		{"Ᏸ", []string{"Ᏸ", "ᏸ"}},
	}
	for _, tc := range tests {
		for _, in := range tc.in {
			got, err := NormalizeName(in)
			if err != nil || got != tc.want {
				t.Errorf("NormalizeName(%+q) = %+q, %v; want %+q", in, got, err, tc.want)
			}
		}
	}
}

func TestNormalizeNameDiffers(t *testing.T) {
	for _, pair := range [][2]string{
		{"José", "Jose"},
		{"Müller", "Muller"},
		{"Müller", "Mueller"},
		{"张三", "张叁"},
		{"王 Wang", "王Wang"},
		{"Zhang San", "ZhangSan"},
		{"买买提·艾力", "买买提艾力"},
		{"Jean-Pierre", "Jean Pierre"},
	} {
		a, errA := NormalizeName(pair[0])
		b, errB := NormalizeName(pair[1])
		if errA != nil || errB != nil || a == b {
			t.Errorf("NormalizeName(%q) = %q, %v; NormalizeName(%q) = %q, %v; want different names",
				pair[0], a, errA, pair[1], b, errB)
		}
	}
}

func TestNormalizeNameRejects(t *testing.T) {
	for name, in := range map[string]string{
		"zero-width space U+200B":     "张\u200b三",
		"zero-width joiner U+200D":    "Zhang\u200dSan",
		"zero-width non-joiner":       "Zhang\u200cSan",
		"word joiner U+2060":          "Zhang\u2060San",
		"soft hyphen U+00AD":          "Mül\u00adler",
		"BOM U+FEFF":                  "\ufeff张三",
		"RTL override U+202E":         "Zhang\u202eSan",
		"LTR mark U+200E":             "Zhang\u200eSan",
		"variation selector U+FE0F":   "张\ufe0f三",
		"variation selector U+FE00":   "张\ufe00三",
		"ideographic VS U+E0100":      "张\U000e0100三",
		"Mongolian FVS U+180B":        "Zhang\u180bSan",
		"Hangul filler U+3164":        "김\u3164민준",
		"half-width Hangul filler":    "김\uffa0민준",
		"Hangul choseong filler":      "김\u115f민준",
		"combining grapheme joiner":   "Zhang\u034fSan",
		"language tag U+E0001":        "Zhang\U000e0001",
		"private use U+E000":          "张\ue000三",
		"private use plane 15":        "张\U000f0000三",
		"unassigned U+0378":           "Zhang\u0378",
		"unassigned U+E0080":          "Zhang\U000e0080",
		"noncharacter U+FDD0":         "Zhang\ufdd0",
		"noncharacter U+FFFE":         "Zhang\ufffe",
		"noncharacter U+1FFFF":        "Zhang\U0001ffff",
		"NUL":                         "Zhang\x00San",
		"BEL":                         "Zhang\aSan",
		"ESC":                         "Zhang\x1bSan",
		"DEL":                         "Zhang\x7fSan",
		"C1 control U+0080":           "Zhang\u0080San",
		"C1 control U+009B":           "Zhang\u009bSan",
		"invalid UTF-8":               "Zhang\xffSan",
		"truncated UTF-8":             "张\xe4\xb8",
		"encoded surrogate":           "Zhang\xed\xa0\x80",
		"overlong encoding":           "Zhang\xc0\xaf",
		"replacement character":       "Zhang\ufffdSan",
		"empty":                       "",
		"only spaces":                 "   ",
		"only ideographic spaces":     "\u3000\u3000",
		"only tabs and newlines":      "\t\n\r",
		"input longer than 1024":      strings.Repeat("a", MaxNameInput+1),
		"normalised longer than 256":  strings.Repeat("a", MaxNameLen+1),
		"expansion past 256 (U+FDFA)": strings.Repeat("\ufdfa", 9), // 27 bytes in, 297 out
	} {
		got, err := NormalizeName(in)
		if !errors.Is(err, ErrName) {
			t.Errorf("%s: NormalizeName(%+q) = %+q, %v; want ErrName", name, in, got, err)
		}
		if got != "" {
			t.Errorf("%s: NormalizeName returned %q with an error", name, got)
		}
	}
}

func TestNormalizeNameLimits(t *testing.T) {
	if got, err := NormalizeName(strings.Repeat("a", MaxNameLen)); err != nil || len(got) != MaxNameLen {
		t.Errorf("name of MaxNameLen bytes: %d bytes, %v", len(got), err)
	}
	// Spaces trimmed away leave a short name even from a long input.
	in := strings.Repeat(" ", MaxNameInput-1) + "a"
	if got, err := NormalizeName(in); err != nil || got != "a" {
		t.Errorf("NormalizeName(1023 spaces + a) = %q, %v", got, err)
	}
}

func TestNameMatches(t *testing.T) {
	p := minimalPass() // issued to 张三
	for name, want := range map[string]bool{
		"张三": true, "张 三": true, "张　三": true, " 张三\t": true,
		"张四": false, "张": false, "三张": false, "": false, "张\u200b三": false, "\xff": false,
	} {
		if got := p.NameMatches(name); got != want {
			t.Errorf("NameMatches(%q) = %v, want %v", name, got, want)
		}
	}
	q := fullPass() // issued to 买买提·艾力
	if !q.NameMatches("买买提・艾力") || q.NameMatches("买买提艾力") {
		t.Error("NameMatches ignores or misreads the middle dot")
	}
	// A pass with a malformed hash matches nothing.
	p.NameHash = p.NameHash[:NameHashSize-1]
	if p.NameMatches("张三") {
		t.Error("NameMatches with a short hash")
	}
}

func TestNameHash(t *testing.T) {
	id1 := ID{1, 2, 3, 4, 5, 6, 7, 8}
	id2 := ID{1, 2, 3, 4, 5, 6, 7, 9}
	h1, err1 := NameHash(id1, "Zhang San")
	h1b, err1b := NameHash(id1, " ZHANG  san ")
	h2, err2 := NameHash(id2, "Zhang San")
	if err1 != nil || err1b != nil || err2 != nil {
		t.Fatal(err1, err1b, err2)
	}
	if len(h1) != NameHashSize || string(h1) != string(h1b) {
		t.Errorf("NameHash differs for equivalent names: %x %x", h1, h1b)
	}
	if string(h1) == string(h2) {
		t.Error("the same name hashes alike under two pass IDs")
	}
	if _, err := NameHash(id1, "\u200b"); !errors.Is(err, ErrName) {
		t.Errorf("NameHash of an unusable name: %v", err)
	}
}

func TestPhotoMatches(t *testing.T) {
	p := fullPass()
	if !p.PhotoMatches([]byte("photo bytes")) {
		t.Error("PhotoMatches rejects the photo")
	}
	for _, other := range []string{"photo byteS", "", "photo bytes "} {
		if p.PhotoMatches([]byte(other)) {
			t.Errorf("PhotoMatches(%q) = true", other)
		}
	}
	p.PhotoDigest = nil
	if p.PhotoMatches([]byte("photo bytes")) || p.PhotoMatches(nil) {
		t.Error("PhotoMatches without a digest")
	}
	if d := PhotoDigest(nil); len(d) != PhotoDigestSize {
		t.Errorf("PhotoDigest is %d bytes", len(d))
	}
}

// TestNormalizeNameIdempotentAll checks idempotence for every code point
// that case folding or NFKC changes, alone and after a Han character and a
// space: the exhaustive form of FuzzNormalizeName's main property where it
// can fail.
func TestNormalizeNameIdempotentAll(t *testing.T) {
	n := 0
	for r := rune(0); r <= unicode.MaxRune; r++ {
		if !utf8.ValidRune(r) || (unicode.SimpleFold(r) == r && norm.NFKC.IsNormalString(string(r))) {
			continue
		}
		n++
		for _, s := range [...]string{string(r), "张 " + string(r)} {
			n, err := NormalizeName(s)
			if err != nil {
				continue
			}
			if n2, err := NormalizeName(n); err != nil || n2 != n {
				t.Errorf("%U: %+q -> %+q -> %+q, %v", r, s, n, n2, err)
			}
		}
	}
	if n < 5000 {
		t.Fatalf("only %d code points checked", n)
	}
}

func ExampleNormalizeName() {
	for _, name := range []string{" ZHANG  San ", "张　三", "买买提•艾力", "Mu\u0308ller", "张\u200b三"} {
		n, err := NormalizeName(name)
		fmt.Printf("%q %v\n", n, err)
	}
	// Output:
	// "zhang san" <nil>
	// "张三" <nil>
	// "买买提·艾力" <nil>
	// "müller" <nil>
	// "" pass: unusable name: invisible character U+200B
}

func FuzzNormalizeName(f *testing.F) {
	seeds := []string{"张三", "张 三", "Müller", "Mu\u0308ller", "买买提•艾力", "王 Wang", " ZHANG  san ",
		"ｚｈａｎｇ　ｓａｎ", "\u200b", "", "ǅ", "ﷺ", "\u0345", "ᾳ", "İ", "\u1100\u1161", "a\u0301\u0345"}
	for _, s := range seeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n, err := NormalizeName(s)
		if err != nil {
			if !errors.Is(err, ErrName) || n != "" {
				t.Fatalf("NormalizeName(%+q) = %+q, %v", s, n, err)
			}
			return
		}
		if n == "" || len(n) > MaxNameLen || !utf8.ValidString(n) {
			t.Fatalf("NormalizeName(%+q) = %+q", s, n)
		}
		if strings.HasPrefix(n, " ") || strings.HasSuffix(n, " ") || strings.Contains(n, "  ") {
			t.Fatalf("NormalizeName(%+q) = %+q has stray spaces", s, n)
		}
		n2, err := NormalizeName(n)
		if err != nil || n2 != n {
			t.Fatalf("NormalizeName not idempotent: %+q -> %+q -> %+q, %v", s, n, n2, err)
		}
	})
}
