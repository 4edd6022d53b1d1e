package cbor

import (
	"bytes"
	"encoding/hex"
	"errors"
	"math"
	"strings"
	"testing"
)

func unhex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(strings.ReplaceAll(s, " ", ""))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

var testLimits = Limits{MaxDepth: 8, MaxItems: 64, MaxLen: 1024}

func TestAppendHeadBoundaries(t *testing.T) {
	tests := []struct {
		v    uint64
		want string
	}{
		{0, "00"},
		{1, "01"},
		{23, "17"},
		{24, "18 18"},
		{255, "18 ff"},
		{256, "19 0100"},
		{65535, "19 ffff"},
		{65536, "1a 00010000"},
		{math.MaxUint32, "1a ffffffff"},
		{math.MaxUint32 + 1, "1b 0000000100000000"},
		{math.MaxInt64, "1b 7fffffffffffffff"},
		{math.MaxUint64, "1b ffffffffffffffff"},
	}
	for _, tc := range tests {
		for major := byte(0); major < 8; major++ {
			want := unhex(t, tc.want)
			want[0] |= major << 5
			if got := AppendHead(nil, major, tc.v); !bytes.Equal(got, want) {
				t.Errorf("AppendHead(%d, %d) = %x, want %x", major, tc.v, got, want)
			}
		}
		// The canonical reader reads back every head the writer wrote.
		for _, major := range []byte{Uint, Neg, Tag} {
			b := AppendHead(nil, major, tc.v)
			r := NewReader(b, testLimits)
			m, v, err := r.Head()
			if err != nil || m != major || v != tc.v || !r.Done() {
				t.Errorf("Head(%x) = %d, %d, %v", b, m, v, err)
			}
		}
	}
}

func TestAppendInt(t *testing.T) {
	tests := []struct {
		v    int64
		want string
	}{
		{0, "00"},
		{23, "17"},
		{24, "1818"},
		{-1, "20"},
		{-24, "37"},
		{-25, "3818"},
		{-256, "38ff"},
		{-257, "390100"},
		{-65536, "39ffff"},
		{-65537, "3a00010000"},
		{-1 << 32, "3affffffff"},
		{-1<<32 - 1, "3b0000000100000000"},
		{math.MaxInt64, "1b7fffffffffffffff"},
		{math.MinInt64, "3b7fffffffffffffff"},
	}
	for _, tc := range tests {
		got := AppendInt(nil, tc.v)
		if hex.EncodeToString(got) != tc.want {
			t.Errorf("AppendInt(%d) = %x, want %s", tc.v, got, tc.want)
		}
		r := NewReader(got, testLimits)
		v, err := r.Int()
		if err != nil || v != tc.v || !r.Done() {
			t.Errorf("Int(%x) = %d, %v; want %d", got, v, err, tc.v)
		}
	}
}

func TestAppendStrings(t *testing.T) {
	for _, n := range []int{0, 1, 23, 24, 255, 256, 1000} {
		s := strings.Repeat("é", n)[:n] // n bytes; may cut a rune, fine for bytes
		b := AppendBytes([]byte{0xaa}, []byte(s))
		head := AppendHead([]byte{0xaa}, Bytes, uint64(n))
		if !bytes.HasPrefix(b, head) || !bytes.Equal(b[len(head):], []byte(s)) {
			t.Errorf("AppendBytes of %d bytes = %x", n, b)
		}
		txt := strings.Repeat("a", n)
		b = AppendText(nil, txt)
		r := NewReader(b, Limits{MaxDepth: 1, MaxLen: 2000})
		got, err := r.Text()
		if err != nil || got != txt || !r.Done() {
			t.Errorf("Text(AppendText(%d bytes)) = %d bytes, %v", n, len(got), err)
		}
	}
}

func TestReaderValues(t *testing.T) {
	b := AppendInt(nil, -7)
	b = AppendHead(b, Uint, math.MaxUint64)
	b = AppendBytes(b, []byte{1, 2, 3})
	b = AppendText(b, "张三")
	b = AppendHead(b, Array, 2)
	b = AppendHead(b, Map, 1)
	b = append(b, 0xf4, 0xf5, 0xf6)

	r := NewReader(b, testLimits)
	if v, err := r.Int(); err != nil || v != -7 {
		t.Fatalf("Int = %d, %v", v, err)
	}
	if v, err := r.Uint(); err != nil || v != math.MaxUint64 {
		t.Fatalf("Uint = %d, %v", v, err)
	}
	if v, err := r.Bytes(); err != nil || !bytes.Equal(v, []byte{1, 2, 3}) {
		t.Fatalf("Bytes = %x, %v", v, err)
	}
	off := r.Offset()
	v, err := r.TextBytes()
	if err != nil || string(v) != "张三" {
		t.Fatalf("TextBytes = %q, %v", v, err)
	}
	if &v[0] != &b[off+1] {
		t.Error("TextBytes does not alias the input")
	}
	if n, err := r.ArrayHeader(); err != nil || n != 2 {
		t.Fatalf("ArrayHeader = %d, %v", n, err)
	}
	if n, err := r.MapHeader(); err != nil || n != 1 {
		t.Fatalf("MapHeader = %d, %v", n, err)
	}
	for _, want := range []uint64{False, True, Null} {
		if m, v, err := r.Head(); err != nil || m != Simple || v != want {
			t.Fatalf("Head = %d, %d, %v; want simple %d", m, v, err, want)
		}
	}
	if !r.Done() || len(r.Rest()) != 0 || r.Offset() != len(b) {
		t.Errorf("reader not done: offset %d of %d", r.Offset(), len(b))
	}
}

func TestIntRange(t *testing.T) {
	tests := []struct {
		in   string
		want int64
		ok   bool
	}{
		{"1b7fffffffffffffff", math.MaxInt64, true},
		{"1b8000000000000000", 0, false},
		{"1bffffffffffffffff", 0, false},
		{"3b7fffffffffffffff", math.MinInt64, true},
		{"3b8000000000000000", 0, false},
		{"3bffffffffffffffff", 0, false},
		{"40", 0, false},
		{"60", 0, false},
		{"80", 0, false},
		{"f4", 0, false},
		{"c100", 0, false},
	}
	for _, tc := range tests {
		r := NewReader(unhex(t, tc.in), testLimits)
		v, err := r.Int()
		if tc.ok {
			if err != nil || v != tc.want {
				t.Errorf("Int(%s) = %d, %v; want %d", tc.in, v, err, tc.want)
			}
			continue
		}
		var e *Error
		if !errors.As(err, &e) {
			t.Errorf("Int(%s) = %d, %v; want *Error", tc.in, v, err)
		}
	}
	r := NewReader(unhex(t, "20"), testLimits)
	if _, err := r.Uint(); !isCBORError(err) {
		t.Errorf("Uint(-1) error = %v, want *Error", err)
	}
}

func isCBORError(err error) bool {
	var e *Error
	return errors.As(err, &e) && !errors.Is(err, ErrTruncated)
}

// TestTypeMismatch checks that reading the wrong type is an error and, for
// strings and containers, leaves the reader where it was.
func TestTypeMismatch(t *testing.T) {
	read := map[string]func(*Reader) error{
		"Bytes":       func(r *Reader) error { _, err := r.Bytes(); return err },
		"Text":        func(r *Reader) error { _, err := r.Text(); return err },
		"ArrayHeader": func(r *Reader) error { _, err := r.ArrayHeader(); return err },
		"MapHeader":   func(r *Reader) error { _, err := r.MapHeader(); return err },
	}
	inputs := map[string]string{"Bytes": "41 00", "Text": "61 61", "ArrayHeader": "81 00", "MapHeader": "a1 00 00"}
	for name, fn := range read {
		for other, in := range inputs {
			r := NewReader(unhex(t, in), testLimits)
			err := fn(r)
			if name == other {
				if err != nil {
					t.Errorf("%s(%s): %v", name, in, err)
				}
				continue
			}
			if !isCBORError(err) {
				t.Errorf("%s(%s) error = %v, want *Error", name, in, err)
			}
			if r.Offset() != 0 {
				t.Errorf("%s(%s) moved the reader to %d", name, in, r.Offset())
			}
		}
	}
}

// rejectCanonical lists well-formed or malformed items that the canonical
// reader's Skip must reject with a *Error (not truncation).
var rejectCanonical = []struct{ name, in string }{
	// Non-shortest heads, for every major type and width.
	{"uint 0 in 1 byte", "18 00"},
	{"uint 23 in 1 byte", "18 17"},
	{"uint 255 in 2 bytes", "19 00ff"},
	{"uint 65535 in 4 bytes", "1a 0000ffff"},
	{"uint 2^32-1 in 8 bytes", "1b 00000000ffffffff"},
	{"uint 0 in 8 bytes", "1b 0000000000000000"},
	{"neg -1 in 1 byte", "38 00"},
	{"neg in 2 bytes", "39 00ff"},
	{"neg in 4 bytes", "3a 0000ffff"},
	{"neg in 8 bytes", "3b 00000000ffffffff"},
	{"bytes len 0 in 1 byte", "58 00"},
	{"bytes len 1 in 2 bytes", "59 0001 00"},
	{"text len 0 in 1 byte", "78 00"},
	{"text len 1 in 4 bytes", "7a 00000001 61"},
	{"array len 0 in 1 byte", "98 00"},
	{"array len 1 in 8 bytes", "9b 0000000000000001 00"},
	{"map len 0 in 1 byte", "b8 00"},
	{"map len 1 in 2 bytes", "b9 0001 00 00"},
	{"non-shortest inside array", "82 00 18 01"},
	{"non-shortest map key", "a1 18 01 00"},

	// Indefinite lengths and break.
	{"indefinite bytes", "5f 41 00 ff"},
	{"indefinite text", "7f 61 61 ff"},
	{"indefinite array", "9f 00 ff"},
	{"indefinite map", "bf 00 00 ff"},
	{"uint info 31", "1f"},
	{"neg info 31", "3f"},
	{"tag info 31", "df 00"},
	{"lone break", "ff"},
	{"indefinite inside array", "81 9f ff"},

	// Reserved additional information 28–30.
	{"uint info 28", "1c"}, {"uint info 29", "1d"}, {"uint info 30", "1e"},
	{"neg info 28", "3c"}, {"bytes info 29", "5d"}, {"text info 30", "7e"},
	{"array info 28", "9c"}, {"map info 29", "bd"}, {"tag info 30", "de 00"},
	{"simple info 28", "fc"}, {"simple info 29", "fd"}, {"simple info 30", "fe"},

	// Floats and simple values other than false, true and null.
	{"half float", "f9 3c00"},
	{"single float", "fa 3f800000"},
	{"double float", "fb 3ff0000000000000"},
	{"float in array", "81 f9 0000"},
	{"undefined", "f7"},
	{"simple 0", "e0"},
	{"simple 19", "f3"},
	{"simple 24 via 1 byte", "f8 18"},
	{"simple 31 via 1 byte", "f8 1f"},
	{"simple 32", "f8 20"},
	{"simple 255", "f8 ff"},
	{"false in 2 bytes", "f8 14"},

	// Tags are not allowed in canonical mode.
	{"tag 0", "c0 60"},
	{"tag 18", "d2 80"},
	{"tag 55799", "d9 d9f7 00"},
	{"tag in map value", "a1 00 c1 00"},

	// Invalid UTF-8.
	{"text bad continuation", "62 c328"},
	{"text lone continuation", "61 80"},
	{"text 0xff", "61 ff"},
	{"text surrogate", "63 eda080"},
	{"text overlong", "62 c0af"},
	{"text cut rune", "62 61e4"},
	{"bad text as map key", "a1 61ff 00"},

	// Map keys out of order or duplicated (bytewise lexicographic order).
	{"keys 2,1", "a2 02 00 01 00"},
	{"duplicate key 1", "a2 01 00 01 00"},
	{"duplicate text key", "a2 6161 00 6161 01"},
	{"keys -1,24 (length-first order)", "a2 20 00 1818 00"},
	{"keys 'b','a'", "a2 6162 00 6161 00"},
	{"keys 'aa','b' (length-first would be b first)", "a2 626161 00 6162 00"},
	{"keys text before int", "a2 6161 00 01 00"},
	{"unsorted nested map", "81 a2 02 00 01 00"},
	{"duplicate key in key map", "a1 a2 01 00 01 00 00"},

	// MaxLen and MaxItems (testLimits: 1024 and 64).
	{"bytes longer than MaxLen", "59 0401" + strings.Repeat("00", 1025)},
	{"array longer than MaxItems", "98 41" + strings.Repeat("00", 65)},
	{"map longer than MaxItems", "b8 41" + strings.Repeat("00", 130)},
}

func TestSkipRejects(t *testing.T) {
	for _, tc := range rejectCanonical {
		b := unhex(t, tc.in)
		_, err := NewReader(b, testLimits).Skip(0)
		if !isCBORError(err) {
			t.Errorf("%s: Skip(%x) error = %v, want *cbor.Error", tc.name, b, err)
		}
	}
}

func TestSkipTruncated(t *testing.T) {
	for _, in := range []string{
		"", "18", "19 01", "1a 0000", "1b 00000000000000",
		"41", "42 00", "62 61", "81", "82 00", "a1 00", "a1", "c0",
		"5b ffffffffffffffff", "7b 0000000100000000 61",
		"9b ffffffffffffffff", "bb ffffffffffffffff",
		"9a ffffffff 00", "ba 80000000 0000",
	} {
		b := unhex(t, in)
		_, err := NewLenientReader(b, Limits{MaxDepth: 8}, true).Skip(0)
		if !errors.Is(err, ErrTruncated) {
			t.Errorf("Skip(%x) error = %v, want ErrTruncated", b, err)
		}
		_, err = NewReader(b, Limits{MaxDepth: 8}).Skip(0)
		if in == "c0" { // canonical mode refuses the tag before reading on
			continue
		}
		if !errors.Is(err, ErrTruncated) {
			t.Errorf("canonical Skip(%x) error = %v, want ErrTruncated", b, err)
		}
	}
}

// Every proper prefix of a valid item is truncated input.
func TestSkipEveryPrefix(t *testing.T) {
	b := AppendHead(nil, Map, 3)
	b = AppendInt(b, 1)
	b = AppendText(b, "hufu")
	b = AppendInt(b, 300)
	b = AppendHead(b, Array, 2)
	b = AppendBytes(b, []byte("xyz"))
	b = AppendInt(b, -70000)
	b = AppendInt(b, -1)
	b = append(b, 0xf6)
	if got, err := NewReader(b, testLimits).Skip(0); err != nil || !bytes.Equal(got, b) {
		t.Fatalf("Skip(%x) = %x, %v", b, got, err)
	}
	for i := 0; i < len(b); i++ {
		_, err := NewReader(b[:i], testLimits).Skip(0)
		if !errors.Is(err, ErrTruncated) {
			t.Errorf("Skip(%x) error = %v, want ErrTruncated", b[:i], err)
		}
	}
}

func TestSkipAccepts(t *testing.T) {
	for _, in := range []string{
		"00", "17", "1818", "20", "3818", "40", "60", "6461626364", "80", "a0",
		"f4", "f5", "f6",
		"83 01 02 03",
		"a2 01 00 02 00",
		"a2 1818 00 20 00",     // 24 sorts before -1 bytewise
		"a2 6162 00 626161 00", // "b" before "aa" bytewise
		"a3 00 00 20 00 40 00", // int, neg, bytes
		"a2 a0 00 a1 00 00 00", // maps as keys, sorted
		"a2 80 00 81 00 00",    // arrays as keys
		"82 a1 01 a1 02 03 80", // nested
		"63 e5bca0",            // "张"
		"1b ffffffffffffffff",  // max uint64
		"3b ffffffffffffffff",  // -2^64
	} {
		b := unhex(t, in)
		r := NewReader(b, testLimits)
		got, err := r.Skip(0)
		if err != nil || !bytes.Equal(got, b) || !r.Done() {
			t.Errorf("Skip(%x) = %x, %v", b, got, err)
		}
	}
}

// Skip returns exactly one item and leaves the reader after it.
func TestSkipOneItem(t *testing.T) {
	b := unhex(t, "82 01 02 03 f6")
	r := NewReader(b, testLimits)
	got, err := r.Skip(0)
	if err != nil || !bytes.Equal(got, b[:3]) || r.Offset() != 3 || !bytes.Equal(r.Rest(), b[3:]) || r.Done() {
		t.Fatalf("Skip = %x, %v; offset %d", got, err, r.Offset())
	}
}

func TestErrorOffset(t *testing.T) {
	tests := []struct {
		in  string
		off int
	}{
		{"82 00 18 01", 2},
		{"a2 01 00 01 00", 3},
		{"a2 02 00 01 00", 3},
		{"83 00 00 f7", 3},
		{"81 81 81 62 c328", 3},
		{"a1 00 c0 00", 2},
	}
	for _, tc := range tests {
		_, err := NewReader(unhex(t, tc.in), testLimits).Skip(0)
		var e *Error
		if !errors.As(err, &e) || e.Offset != tc.off {
			t.Errorf("Skip(%s) error = %v, want *Error at offset %d", tc.in, err, tc.off)
		}
	}
}

func TestDepth(t *testing.T) {
	nest := func(n int, inner string) []byte {
		return unhex(t, strings.Repeat("81", n)+inner)
	}
	l := Limits{MaxDepth: 3}
	for _, tc := range []struct {
		b  []byte
		ok bool
	}{
		{nest(0, "00"), true},
		{nest(3, "00"), true},  // [[[0]]]: containers at depth 0, 1, 2
		{nest(2, "80"), true},  // [[[]]]
		{nest(3, "80"), false}, // [[[[]]]]
		{nest(4, "00"), false},
		{unhex(t, "a1 00 a1 00 a1 00 00"), true},
		{unhex(t, "a1 00 a1 00 a1 00 a0"), false},
		{unhex(t, "a1 81 81 00 00"), true},
		{unhex(t, "a1 81 81 80 00"), false}, // depth counts in keys too
	} {
		_, err := NewReader(tc.b, l).Skip(0)
		if tc.ok && err != nil {
			t.Errorf("Skip(%x) with MaxDepth 3: %v", tc.b, err)
		}
		if !tc.ok && !isCBORError(err) {
			t.Errorf("Skip(%x) with MaxDepth 3 error = %v, want *Error", tc.b, err)
		}
	}

	// The depth argument is where the item sits.
	if _, err := NewReader(nest(1, "00"), l).Skip(2); err != nil {
		t.Errorf("Skip([0]) at depth 2: %v", err)
	}
	if _, err := NewReader(nest(1, "00"), l).Skip(3); !isCBORError(err) {
		t.Errorf("Skip([0]) at depth 3 error = %v, want *Error", err)
	}

	// Tags count as nesting in lenient mode with tags allowed.
	if _, err := NewLenientReader(unhex(t, "c1 c1 c1 00"), l, true).Skip(0); err != nil {
		t.Errorf("three nested tags with MaxDepth 3: %v", err)
	}
	if _, err := NewLenientReader(unhex(t, "c1 c1 c1 c1 00"), l, true).Skip(0); !isCBORError(err) {
		t.Errorf("four nested tags with MaxDepth 3: %v", err)
	}

	// Very deep input is rejected early, without exhausting anything.
	deep := nest(200000, "00")
	if _, err := NewReader(deep, Limits{MaxDepth: 16}).Skip(0); !isCBORError(err) {
		t.Errorf("deep nesting: %v", err)
	}
}

// TestHugeDeclaredLength checks that a declared length larger than the input
// is refused before anything is allocated for it.
func TestHugeDeclaredLength(t *testing.T) {
	for _, in := range []string{
		"5b ffffffffffffffff", "7b 7fffffffffffffff", "5a ffffffff 00",
		"9b ffffffffffffffff", "bb ffffffffffffffff", "9b 7fffffffffffffff 00",
		"bb 8000000000000000 0000", "bb 8000000000000001 0000",
		"81 9b ffffffffffffffff", "a1 00 bb 4000000000000000 00",
	} {
		b := unhex(t, in)
		for _, mk := range []func() *Reader{
			func() *Reader { return NewReader(b, Limits{MaxDepth: 4}) },
			func() *Reader { return NewLenientReader(b, Limits{MaxDepth: 4}, false) },
		} {
			var err error
			allocs := testing.AllocsPerRun(20, func() {
				r := mk()
				_, err = r.Skip(0)
			})
			if !errors.Is(err, ErrTruncated) {
				t.Errorf("Skip(%x) error = %v, want ErrTruncated", b, err)
			}
			// The reader itself, and the error value, may be allocated;
			// nothing in proportion to the declared length is.
			if allocs > 10 {
				t.Errorf("Skip(%x) made %v allocations", b, allocs)
			}
		}
	}
	// The same through the typed readers.
	b := unhex(t, "bb 8000000000000000 0000")
	if n, err := NewReader(b, Limits{}).MapHeader(); !errors.Is(err, ErrTruncated) {
		t.Errorf("MapHeader(%x) = %d, %v; want ErrTruncated", b, n, err)
	}
	b = unhex(t, "9b ffffffffffffffff")
	if n, err := NewReader(b, Limits{}).ArrayHeader(); !errors.Is(err, ErrTruncated) {
		t.Errorf("ArrayHeader(%x) = %d, %v; want ErrTruncated", b, n, err)
	}
	b = unhex(t, "5b ffffffffffffffff")
	if _, err := NewReader(b, Limits{}).Bytes(); !errors.Is(err, ErrTruncated) {
		t.Errorf("Bytes(%x) error = %v, want ErrTruncated", b, err)
	}
}

func TestLimits(t *testing.T) {
	l := Limits{MaxDepth: 4, MaxItems: 2, MaxLen: 3}
	for _, tc := range []struct {
		in string
		ok bool
	}{
		{"82 00 00", true},
		{"83 00 00 00", false},
		{"a2 00 00 01 00", true},
		{"a3 00 00 01 00 02 00", false},
		{"43 010203", true},
		{"44 01020304", false},
		{"63 616263", true},
		{"64 61626364", false},
		{"81 44 01020304", false},
		{"a1 64 61626364 00", false},
	} {
		b := unhex(t, tc.in)
		_, err := NewReader(b, l).Skip(0)
		if tc.ok != (err == nil) {
			t.Errorf("Skip(%s) with %+v: %v", tc.in, l, err)
		}
		if !tc.ok && !isCBORError(err) {
			t.Errorf("Skip(%s) error = %v, want *Error (limit, not truncation)", tc.in, err)
		}
	}
	// Zero MaxItems and MaxLen mean no limit.
	b := AppendHead(nil, Bytes, 5000)
	b = append(b, make([]byte, 5000)...)
	if _, err := NewReader(b, Limits{MaxDepth: 1}).Skip(0); err != nil {
		t.Errorf("5000-byte string with no MaxLen: %v", err)
	}
}

func TestCheckKeyOrder(t *testing.T) {
	r := NewReader(nil, testLimits)
	for _, tc := range []struct {
		prev, key string
		ok        bool
	}{
		{"", "01", true},
		{"01", "02", true},
		{"02", "01", false},
		{"01", "01", false},
		{"17", "1818", true},
		{"1818", "20", true},
		{"20", "1818", false},
		{"6162", "626161", true},
		{"626161", "6162", false},
	} {
		var prev []byte
		if tc.prev != "" {
			prev = unhex(t, tc.prev)
		}
		err := r.CheckKeyOrder(prev, unhex(t, tc.key), 7)
		if tc.ok != (err == nil) {
			t.Errorf("CheckKeyOrder(%s, %s) = %v", tc.prev, tc.key, err)
		}
		var e *Error
		if !tc.ok && (!errors.As(err, &e) || e.Offset != 7) {
			t.Errorf("CheckKeyOrder(%s, %s) error = %v, want *Error at 7", tc.prev, tc.key, err)
		}
	}
}

func TestHeadSimple(t *testing.T) {
	for _, tc := range []struct {
		in  string
		arg uint64
		ok  bool
	}{
		{"f4", False, true},
		{"f7", 23, true},
		{"f8 20", 32, true},
		{"f8 ff", 255, true},
		{"f8 1f", 0, false},
		{"f9 3c00", 0x3c00, true},
		{"fb 3ff0000000000000", 0x3ff0000000000000, true},
	} {
		m, v, err := NewReader(unhex(t, tc.in), testLimits).Head()
		if tc.ok && (err != nil || m != Simple || v != tc.arg) {
			t.Errorf("Head(%s) = %d, %#x, %v", tc.in, m, v, err)
		}
		if !tc.ok && !isCBORError(err) {
			t.Errorf("Head(%s) error = %v, want *Error", tc.in, err)
		}
	}
}

func TestLenient(t *testing.T) {
	for _, tc := range []struct {
		in        string
		allowTags bool
		ok        bool
	}{
		{"18 01", false, true}, // non-shortest
		{"9b 0000000000000001 00", false, true},
		{"a2 02 00 01 00", false, true}, // unsorted
		{"f9 3c00", false, true},        // floats
		{"fb 3ff0000000000000", false, true},
		{"c1 1a 5f000000", true, true},          // tag allowed
		{"c1 1a 5f000000", false, false},        // tag not allowed
		{"a2 01 00 01 00", false, false},        // duplicate
		{"a2 01 00 18 01 00", false, false},     // duplicate, one key non-shortest
		{"a2 20 00 38 00 00", false, false},     // -1 twice
		{"a2 6161 00 7801 61 00", false, false}, // "a" twice
		{"a2 8101 00 811801 00", false, false},  // [1] twice
		{"a2 01 00 02 00", false, true},
		{"a2 01 00 f9 3c00 00", false, true}, // 1 and 1.0 differ
		{"9f ff", false, false},              // indefinite
		{"f7", false, false},                 // undefined
		{"f8 20", false, false},              // unassigned simple
		{"62 c328", false, false},            // invalid UTF-8
		{"fc", false, false},                 // reserved
	} {
		b := unhex(t, tc.in)
		_, err := NewLenientReader(b, testLimits, tc.allowTags).Skip(0)
		if tc.ok != (err == nil) {
			t.Errorf("lenient Skip(%s), tags %v: %v", tc.in, tc.allowTags, err)
		}
		if !tc.ok && !isCBORError(err) {
			t.Errorf("lenient Skip(%s) error = %v, want *Error", tc.in, err)
		}
	}
	r := NewLenientReader(unhex(t, "1b 0000000000000005"), testLimits, false)
	if v, err := r.Int(); err != nil || v != 5 {
		t.Errorf("lenient Int = %d, %v", v, err)
	}
}
