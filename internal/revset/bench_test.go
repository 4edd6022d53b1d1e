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
	cpu0 := cpuTime()
	for b.Loop() {
		var err error
		if s, err = Load(f.enc); err != nil {
			b.Fatal(err)
		}
	}
	cpu := cpuTime() - cpu0
	b.ReportMetric(float64(b.Elapsed())/float64(b.N)/float64(time.Millisecond), "ms/load")
	if cpu0 != 0 {
		// CPU time of the whole process (GC included) per Load: unlike
		// wall time, it does not grow when other processes take the CPU.
		b.ReportMetric(float64(cpu)/float64(b.N)/float64(time.Millisecond), "cpu-ms/load")
	}
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
// The same b.N queries also go to two baselines over the same IDs, run
// just before in the same process: slices.BinarySearch on a sorted
// []uint64 and a map[uint64]struct{}. Each of the three is timed in chunks
// of 1024 queries. ns/op is the mean time of Contains; med-ns/op,
// binsearch-med-ns/op and map-med-ns/op are medians over chunks, which
// filter out the chunks during which the process was descheduled, and
// x-binsearch and x-map are ratios of those medians.
func BenchmarkContains10M(b *testing.B) {
	f := bench10M()
	m := benchMap()
	impls := [3]func(uint64) bool{
		f.set.Contains,
		func(x uint64) bool { _, ok := slices.BinarySearch(f.sorted, x); return ok },
		func(x uint64) bool { _, ok := m[x]; return ok },
	}
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
		b.Run(c.name, func(b *testing.B) {
			const chunk = 1024
			mask := len(c.qs) - 1
			var (
				total   [3]time.Duration
				samples [3][]time.Duration
				j       [3]int // chained offset
				found   [3]int
			)
			for _, im := range []int{1, 2, 0} { // Contains last, timed by b
				if im == 0 {
					b.ResetTimer()
				}
				contains := impls[im]
				for done := 0; done < b.N; done += chunk {
					n := min(chunk, b.N-done)
					start := time.Now()
					for i := done; i < done+n; i++ {
						if contains(c.qs[(i+j[im])&mask]) {
							found[im]++
						}
						if c.chained {
							j[im] = found[im] // the next query depends on this answer
						}
					}
					d := time.Since(start)
					total[im] += d
					if n == chunk {
						samples[im] = append(samples[im], d)
					}
				}
			}
			b.StopTimer()
			if found[0] != found[1] || found[0] != found[2] {
				b.Fatalf("found %v: implementations disagree", found)
			}
			sink += found[0]
			b.ReportMetric(float64(total[0])/float64(b.N), "ns/op")
			if len(samples[0]) > 0 {
				med := [3]float64{}
				for im := range med {
					slices.Sort(samples[im])
					med[im] = float64(samples[im][len(samples[im])/2]) / chunk
				}
				b.ReportMetric(med[0], "med-ns/op")
				b.ReportMetric(med[1], "binsearch-med-ns/op")
				b.ReportMetric(med[2], "map-med-ns/op")
				b.ReportMetric(med[0]/med[1], "x-binsearch")
				b.ReportMetric(med[0]/med[2], "x-map")
			}
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
