package revset

import (
	"math/rand/v2"
	"runtime"
	"slices"
	"sync"
	"testing"
	"time"
)

const benchN = 10_000_000

// bench10M is the shared fixture: 10 million IDs from a fixed seed, their
// encoding, a loaded Set, and query streams in random order.
var bench10M = sync.OnceValue(func() (f struct {
	sorted     []uint64
	enc        []byte
	set        *Set
	hits, miss []uint64
}) {
	r := rand.New(rand.NewPCG(2024, 10))
	ids := randomIDs(r, benchN)
	var err error
	if f.enc, err = Build(ids); err != nil {
		panic(err)
	}
	if f.set, err = Load(f.enc); err != nil {
		panic(err)
	}
	f.sorted = slices.Clone(ids)
	slices.Sort(f.sorted)
	const q = 1 << 20
	f.hits = make([]uint64, q)
	f.miss = make([]uint64, q)
	for i := range q {
		f.hits[i] = ids[r.IntN(len(ids))]
		for {
			x := r.Uint64()
			if _, found := slices.BinarySearch(f.sorted, x); !found {
				f.miss[i] = x
				break
			}
		}
	}
	return f
})

var sink int

func BenchmarkBuild10M(b *testing.B) {
	f := bench10M()
	ids := slices.Clone(f.sorted)
	rand.New(rand.NewPCG(1, 1)).Shuffle(len(ids), func(i, j int) { ids[i], ids[j] = ids[j], ids[i] })
	var enc []byte
	for b.Loop() {
		enc, _ = Build(ids)
	}
	b.ReportMetric(float64(len(enc))/benchN, "B/entry")
}

func BenchmarkLoad10M(b *testing.B) {
	f := bench10M()
	var s *Set
	for b.Loop() {
		var err error
		if s, err = Load(f.enc); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed())/float64(b.N)/float64(time.Millisecond), "ms/load")
	b.ReportMetric(float64(len(f.enc))/benchN, "B/entry")
	b.ReportMetric(float64(s.memSize())/benchN, "mem-B/entry")
	b.ReportMetric(float64(heapDelta(f.enc))/benchN, "heap-B/entry")
}

// heapDelta returns the growth of the live heap caused by loading enc.
func heapDelta(enc []byte) uint64 {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	s, _ := Load(enc)
	runtime.GC()
	runtime.ReadMemStats(&after)
	runtime.KeepAlive(s)
	return after.HeapAlloc - before.HeapAlloc
}

// BenchmarkContains10M looks up IDs in random order: members ("hit") and
// random non-members ("miss"). In the "-chained" variants each query index
// depends on the previous answer, so lookups cannot overlap: that measures
// the latency of a single lookup rather than throughput.
//
// Each sub-benchmark first runs the same b.N queries against two baselines
// over the same IDs, slices.BinarySearch on a sorted []uint64 and a
// map[uint64]struct{}, and reports Contains time / baseline time as
// x-binsearch and x-map (plus their ns/op).
func BenchmarkContains10M(b *testing.B) {
	f := bench10M()
	m := benchMap()
	set := func(x uint64) bool { return f.set.Contains(x) }
	bin := func(x uint64) bool { _, ok := slices.BinarySearch(f.sorted, x); return ok }
	hash := func(x uint64) bool { _, ok := m[x]; return ok }
	for _, c := range []struct {
		name    string
		qs      []uint64
		chained bool
	}{
		{"hit", f.hits, false},
		{"miss", f.miss, false},
		{"hit-chained", f.hits, true},
		{"miss-chained", f.miss, true},
	} {
		run := func(n int, contains func(uint64) bool) (time.Duration, int) {
			mask := len(c.qs) - 1
			start := time.Now()
			found, j := 0, 0
			for i := range n {
				if contains(c.qs[(i+j)&mask]) {
					found++
				}
				if c.chained {
					j = found // the next query depends on this answer
				}
			}
			return time.Since(start), found
		}
		b.Run(c.name, func(b *testing.B) {
			tb, _ := run(b.N, bin)
			tm, _ := run(b.N, hash)
			b.ResetTimer()
			_, found := run(b.N, set)
			b.StopTimer()
			sink += found
			b.ReportMetric(float64(b.Elapsed())/float64(tb), "x-binsearch")
			b.ReportMetric(float64(b.Elapsed())/float64(tm), "x-map")
			b.ReportMetric(float64(tb)/float64(b.N), "binsearch-ns/op")
			b.ReportMetric(float64(tm)/float64(b.N), "map-ns/op")
		})
	}
}

var benchMap = sync.OnceValue(func() map[uint64]struct{} {
	ids := bench10M().sorted
	m := make(map[uint64]struct{}, len(ids))
	for _, id := range ids {
		m[id] = struct{}{}
	}
	return m
})
