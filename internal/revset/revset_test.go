package revset

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"slices"
	"sync"
	"testing"
)

func mustBuild(t testing.TB, ids []uint64) []byte {
	t.Helper()
	b, err := Build(ids)
	if err != nil {
		t.Fatalf("Build(%d ids): %v", len(ids), err)
	}
	return b
}

func mustLoad(t testing.TB, b []byte) *Set {
	t.Helper()
	s, err := Load(b)
	if err != nil {
		t.Fatalf("Load(%d bytes): %v", len(b), err)
	}
	return s
}

func randomIDs(r *rand.Rand, n int) []uint64 {
	ids := make([]uint64, n)
	for i := range ids {
		ids[i] = r.Uint64()
	}
	return ids
}

// oneBucket returns n IDs that share their bucket in a set of n IDs.
func oneBucket(r *rand.Rand, n int) []uint64 {
	l, _, _, _ := params(uint64(n))
	top := r.Uint64() &^ (^uint64(0) >> (64 - l))
	ids := make([]uint64, n)
	for i := range ids {
		ids[i] = top | r.Uint64()>>(64-l)
	}
	return ids
}

func consecutive(from uint64, n int) []uint64 {
	ids := make([]uint64, n)
	for i := range ids {
		ids[i] = from + uint64(i)
	}
	return ids
}

// clustered returns n IDs, half of them packed into a narrow range so that
// some index blocks are dense, half spread at random.
func clustered(r *rand.Rand, n int) []uint64 {
	ids := randomIDs(r, n)
	base := r.Uint64() >> 1
	for i := 0; i < n/2; i++ {
		ids[i] = base + r.Uint64N(uint64(n)*(1<<40))
	}
	return ids
}

// check verifies s against the reference set want: Len, every member, the
// neighbours of every member, and q random probes.
func check(t *testing.T, s *Set, ids []uint64, r *rand.Rand, q int) {
	t.Helper()
	want := make(map[uint64]bool, len(ids))
	for _, id := range ids {
		want[id] = true
	}
	if s.Len() != len(want) {
		t.Fatalf("Len() = %d, want %d", s.Len(), len(want))
	}
	probe := func(id uint64) {
		if got := s.Contains(id); got != want[id] {
			t.Fatalf("Contains(%#x) = %v, want %v", id, got, want[id])
		}
	}
	for id := range want {
		probe(id)
		probe(id - 1)
		probe(id + 1)
		probe(id ^ 1<<63)
	}
	for range q {
		probe(r.Uint64())
	}
	for _, id := range []uint64{0, 1, math.MaxUint64, math.MaxUint64 - 1, 1 << 63} {
		probe(id)
	}
	got := s.members(nil)
	sorted := slices.Sorted(func(yield func(uint64) bool) {
		for id := range want {
			if !yield(id) {
				return
			}
		}
	})
	if !slices.Equal(got, sorted) {
		t.Fatalf("members differ from the input set")
	}
}

func TestRoundTrip(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 1))
	tests := []struct {
		name string
		ids  []uint64
	}{
		{"empty", nil},
		{"zero", []uint64{0}},
		{"max", []uint64{math.MaxUint64}},
		{"zero and max", []uint64{math.MaxUint64, 0}},
		{"one random", randomIDs(r, 1)},
		{"two", randomIDs(r, 2)},
		{"three", randomIDs(r, 3)},
		{"duplicates", []uint64{7, 7, 7, 1, 1, math.MaxUint64, math.MaxUint64}},
		{"all duplicates", []uint64{42, 42, 42, 42}},
		{"consecutive from 0", consecutive(0, 1000)},
		{"consecutive to max", consecutive(math.MaxUint64-999, 1000)},
		{"consecutive middle", consecutive(1<<63-500, 1000)},
		{"one bucket 2", oneBucket(r, 2)},
		{"one bucket 1000", oneBucket(r, 1000)},
		{"one bucket 100k", oneBucket(r, 100_000)},
		{"clustered 10k", clustered(r, 10_000)},
		{"powers of two", func() []uint64 {
			var ids []uint64
			for i := range 64 {
				ids = append(ids, 1<<i, 1<<i-1)
			}
			return ids
		}()},
		{"n=63", randomIDs(r, 63)},
		{"n=64", randomIDs(r, 64)},
		{"n=65", randomIDs(r, 65)},
		{"n=1000", randomIDs(r, 1000)},
		{"n=4096", randomIDs(r, 4096)},
		{"n=100k", randomIDs(r, 100_000)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := mustBuild(t, tt.ids)
			s := mustLoad(t, b)
			q := 10_000
			if len(tt.ids) > 10_000 {
				q = 100_000
			}
			check(t, s, tt.ids, r, q)
			if b2 := mustBuild(t, s.members(nil)); !bytes.Equal(b, b2) {
				t.Fatalf("Build(members) differs from the loaded encoding")
			}
		})
	}
}

func TestRandomSets(t *testing.T) {
	r := rand.New(rand.NewPCG(2, 2))
	for range 200 {
		n := r.IntN(3000)
		var ids []uint64
		switch r.IntN(4) {
		case 0:
			ids = randomIDs(r, n)
		case 1: // small universe: many duplicates and neighbours
			ids = make([]uint64, n)
			for i := range ids {
				ids[i] = r.Uint64N(uint64(2*n + 1))
			}
		case 2:
			ids = clustered(r, n)
		case 3:
			if n > 0 {
				ids = oneBucket(r, n)
			}
		}
		s := mustLoad(t, mustBuild(t, ids))
		check(t, s, ids, r, 1000)
	}
}

func TestDeterministic(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 3))
	ids := randomIDs(r, 5000)
	want := mustBuild(t, ids)
	orig := slices.Clone(ids)
	for range 5 {
		shuffled := slices.Clone(ids)
		shuffled = append(shuffled, shuffled[:r.IntN(len(shuffled))]...)
		r.Shuffle(len(shuffled), func(i, j int) {
			shuffled[i], shuffled[j] = shuffled[j], shuffled[i]
		})
		if got := mustBuild(t, shuffled); !bytes.Equal(got, want) {
			t.Fatalf("Build depends on input order or duplicates")
		}
	}
	if !slices.Equal(ids, orig) {
		t.Fatalf("Build modified its input")
	}
}

func TestEncodingSize(t *testing.T) {
	// Exact sizes follow from the format: 5 + 8*(WU+WL).
	tests := []struct {
		n    int
		want int
	}{
		{0, 5},
		{1, 5 + 8*(1+1)},              // L=64, NB=1: NH=2, NL=64
		{2, 5 + 8*(1+2)},              // L=63, NB=2: NH=4, NL=126
		{1000, 5 + 8*(32+844)},        // L=54, NB=1024: NH=2024, NL=54000
		{100_000, 5 + 8*(3611+73438)}, // L=47, NB=131072: NH=231072, NL=4700000
	}
	r := rand.New(rand.NewPCG(4, 4))
	for _, tt := range tests {
		if got := len(mustBuild(t, consecutive(r.Uint64()>>1, tt.n))); got != tt.want {
			t.Errorf("n=%d: %d bytes, want %d", tt.n, got, tt.want)
		}
	}
}

// TestVector pins the example in the package documentation.
func TestVector(t *testing.T) {
	want := []byte{
		0x01, 0x02, 0x00, 0x00, 0x00, // version, n
		0x05, 0, 0, 0, 0, 0, 0, 0x00, // H
		0x01, 0, 0, 0, 0, 0, 0, 0x80, // Lo
		0x02, 0, 0, 0, 0, 0, 0, 0x00,
	}
	b := mustBuild(t, []uint64{1<<63 + 5, 1})
	if !bytes.Equal(b, want) {
		t.Fatalf("Build = % x, want % x", b, want)
	}
	s := mustLoad(t, want)
	if !s.Contains(1) || !s.Contains(1<<63+5) || s.Contains(5) || s.Contains(1<<63+1) {
		t.Fatalf("wrong membership")
	}
}

// TestSkewedSets checks sets far from random, whose buckets are large
// enough for the binary-search path, and that random sets keep small
// buckets.
func TestSkewedSets(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 5))
	for _, ids := range [][]uint64{oneBucket(r, 5000), clustered(r, 20_000), consecutive(12345, 3000)} {
		s := mustLoad(t, mustBuild(t, ids))
		if maxBucket(s) <= 16 {
			t.Fatalf("expected a bucket of more than 16 IDs")
		}
		check(t, s, ids, r, 1000)
	}
	s := mustLoad(t, mustBuild(t, randomIDs(r, 100_000)))
	if m := maxBucket(s); m > 40 {
		t.Errorf("largest bucket of a random set holds %d IDs", m)
	}
}

func maxBucket(s *Set) int {
	m := 0
	for b := 0; b+1 < len(s.start); b++ {
		m = max(m, int(s.start[b+1]-s.start[b]))
	}
	return m
}

func TestConcurrentReaders(t *testing.T) {
	r := rand.New(rand.NewPCG(6, 6))
	ids := randomIDs(r, 20_000)
	s := mustLoad(t, mustBuild(t, ids))
	member := make(map[uint64]bool, len(ids))
	for _, id := range ids {
		member[id] = true
	}
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for g := range 8 {
		wg.Go(func() {
			for i, id := range ids {
				if (i+g)%8 != 0 {
					continue
				}
				if !s.Contains(id) || s.Contains(^id) != member[^id] {
					errs <- fmt.Errorf("wrong answer for %#x", id)
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
}

// corrupt returns a copy of b with fn applied to a decoded view of it.
func corrupt(b []byte, fn func(b []byte, hi, lo []byte)) []byte {
	c := slices.Clone(b)
	n := uint64(binary.LittleEndian.Uint32(c[1:]))
	_, _, wu, _ := params(n)
	fn(c, c[headerLen:headerLen+8*wu], c[headerLen+8*wu:])
	return c
}

func setBit(v []byte, i uint64) { v[i/8] |= 1 << (i % 8) }

func TestLoadRejects(t *testing.T) {
	valid := mustBuild(t, []uint64{1, 2, 3, 1 << 40, 1<<63 + 5, math.MaxUint64}) // n=6
	// n=6: L=61, NB=8, NH=14, NL=366, WU=1, WL=6. Buckets: 1, 2, 3 and
	// 1<<40 in bucket 0, 1<<63+5 in 4, MaxUint64 in 7, so H has ones at
	// bits 0, 1, 2, 3, 8, 12.
	manyHeader := []byte{Version, 0, 0, 0, 0}
	binary.LittleEndian.PutUint32(manyHeader[1:], MaxEntries+1)
	tests := []struct {
		name string
		b    []byte
		want Reason
	}{
		{"nil", nil, ReasonTruncated},
		{"short header", []byte{Version, 0, 0, 0}, ReasonTruncated},
		{"version 0", []byte{0, 0, 0, 0, 0}, ReasonVersion},
		{"version 2", []byte{2, 0, 0, 0, 0}, ReasonVersion},
		{"empty with trailing byte", []byte{Version, 0, 0, 0, 0, 0}, ReasonTrailingData},
		{"too many", manyHeader, ReasonTooMany},
		{"too many, max n", []byte{Version, 0xff, 0xff, 0xff, 0xff}, ReasonTooMany},
		{"huge n, tiny input", []byte{Version, 0, 0, 0, 0x1f}, ReasonTruncated},
		{"truncated by one", valid[:len(valid)-1], ReasonTruncated},
		{"truncated by a word", valid[:len(valid)-8], ReasonTruncated},
		{"header only", valid[:headerLen], ReasonTruncated},
		{"trailing byte", append(slices.Clone(valid), 0), ReasonTrailingData},
		{"trailing word", append(slices.Clone(valid), make([]byte, 8)...), ReasonTrailingData},
		{"n too small", corrupt(valid, func(b, _, _ []byte) { b[1] = 5 }), ReasonTrailingData},
		{"n too large", corrupt(valid, func(b, _, _ []byte) { b[1] = 7 }), ReasonTruncated},
		{"high padding", corrupt(valid, func(_, hi, _ []byte) { setBit(hi, 14) }), ReasonPadding},
		{"high padding top", corrupt(valid, func(_, hi, _ []byte) { setBit(hi, 63) }), ReasonPadding},
		{"low padding", corrupt(valid, func(_, _, lo []byte) { setBit(lo, 366) }), ReasonPadding},
		{"low padding top", corrupt(valid, func(_, _, lo []byte) { setBit(lo, 383) }), ReasonPadding},
		{"extra one", corrupt(valid, func(_, hi, _ []byte) { setBit(hi, 10) }), ReasonHighBits},
		{"missing one", corrupt(valid, func(_, hi, _ []byte) { hi[0] &^= 1 }), ReasonHighBits},
		{"unterminated", corrupt(valid, func(_, hi, _ []byte) {
			hi[0], hi[1] = 0, 0
			for i := uint64(8); i < 14; i++ { // 8 zeros then 6 ones
				setBit(hi, i)
			}
		}), ReasonHighBits},
		{"duplicate", corrupt(valid, func(_, _, lo []byte) {
			// IDs 1, 2, 3, 1<<40 share bucket 0; low(1) = 2 is in
			// bits 61...121: make it 1, equal to low(0).
			setBit(lo, 61)
			lo[62/8] &^= 1 << (62 % 8)
		}), ReasonOrder},
		{"decreasing", corrupt(valid, func(_, _, lo []byte) { setBit(lo, 5) }), ReasonOrder},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := Load(tt.b)
			if err == nil {
				t.Fatalf("Load succeeded (%d ids), want %s", s.Len(), tt.want)
			}
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("error %v is not an *Error", err)
			}
			if e.Reason != tt.want {
				t.Fatalf("reason %s, want %s (%v)", e.Reason, tt.want, err)
			}
			if !errors.Is(err, &Error{Reason: tt.want}) {
				t.Fatalf("errors.Is does not match the reason")
			}
		})
	}
}

// TestLoadBoundedAllocation checks that a header declaring many IDs makes
// Load allocate nothing in proportion to the declared count.
func TestLoadBoundedAllocation(t *testing.T) {
	inputs := [][]byte{
		{Version, 0, 0, 0, 0x20}, // n = MaxEntries, no body
		append([]byte{Version, 0, 0, 0, 0x20}, make([]byte, 4096)...),
		{Version, 0xff, 0xff, 0xff, 0xff}, // n > MaxEntries
	}
	for _, b := range inputs {
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		for range 100 {
			if _, err := Load(b); err == nil {
				t.Fatalf("Load accepted %d bytes", len(b))
			}
		}
		runtime.ReadMemStats(&after)
		if per := (after.TotalAlloc - before.TotalAlloc) / 100; per > 1024 {
			t.Errorf("Load of %d bytes allocated %d bytes per call", len(b), per)
		}
	}
}

// TestLoadMutations flips every bit and cuts every prefix of small
// encodings: Load must never panic, and whatever it accepts must be the
// canonical encoding of what it decodes to.
func TestLoadMutations(t *testing.T) {
	r := rand.New(rand.NewPCG(8, 8))
	for _, ids := range [][]uint64{{0}, {math.MaxUint64}, randomIDs(r, 3), consecutive(100, 70), oneBucket(r, 40), randomIDs(r, 200)} {
		valid := mustBuild(t, ids)
		for i := range len(valid) {
			if _, err := Load(valid[:i]); !errors.Is(err, &Error{Reason: ReasonTruncated}) {
				t.Fatalf("prefix of %d/%d bytes: err = %v, want truncated", i, len(valid), err)
			}
		}
		accepted := 0
		for i := range 8 * len(valid) {
			b := slices.Clone(valid)
			b[i/8] ^= 1 << (i % 8)
			s, err := Load(b)
			if err != nil {
				var e *Error
				if !errors.As(err, &e) {
					t.Fatalf("error %v is not an *Error", err)
				}
				continue
			}
			accepted++
			if got := mustBuild(t, s.members(nil)); !bytes.Equal(got, b) {
				t.Fatalf("bit %d: accepted a non-canonical encoding", i)
			}
		}
		t.Logf("n=%d: %d of %d bit flips give another valid set", len(ids), accepted, 8*len(valid))
	}
}

func FuzzLoad(f *testing.F) {
	r := rand.New(rand.NewPCG(9, 9))
	seeds := [][]uint64{nil, {0}, {math.MaxUint64}, {1, 2, 3}, consecutive(1<<62, 100), randomIDs(r, 100), oneBucket(r, 50), clustered(r, 300)}
	for _, ids := range seeds {
		f.Add(mustBuild(f, ids))
	}
	if len(seeds) == 0 {
		f.Fatal("no seeds")
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		s, err := Load(b)
		if err != nil {
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("error %v is not an *Error", err)
			}
			return
		}
		m := s.members(nil)
		if len(m) != s.Len() {
			t.Fatalf("%d members, Len() = %d", len(m), s.Len())
		}
		for i, id := range m {
			if i > 0 && m[i-1] >= id {
				t.Fatalf("members not strictly increasing")
			}
			if !s.Contains(id) {
				t.Fatalf("member %#x not found", id)
			}
			if (i == 0 || m[i-1] != id-1) && s.Contains(id-1) {
				t.Fatalf("non-member %#x found", id-1)
			}
		}
		s.Contains(0)
		s.Contains(math.MaxUint64)
		if got := mustBuild(t, m); !bytes.Equal(got, b) {
			t.Fatalf("Build(members) differs from the loaded encoding")
		}
	})
}

func Example() {
	revoked := []uint64{0x8c3f2a1b00d4e5f6, 0x0123456789abcdef, 0x8c3f2a1b00d4e5f6}
	b, err := Build(revoked)
	if err != nil {
		panic(err)
	}
	s, err := Load(b)
	if err != nil {
		panic(err)
	}
	fmt.Println(len(b), s.Len(), s.Contains(0x0123456789abcdef), s.Contains(0x0123456789abcdee))
	// Output: 29 2 true false
}
