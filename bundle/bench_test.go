package bundle

import (
	"crypto"
	"math/rand/v2"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/hufu-project/hufu/internal/benchratio"
	"github.com/hufu-project/hufu/internal/cose"
	"github.com/hufu-project/hufu/internal/revset"
	"github.com/hufu-project/hufu/keys"
	"github.com/hufu-project/hufu/pass"
)

// The city-scale figures: a bundle revoking 10 million random pass IDs.
// Built once per benchmark binary, and only by benchmarks, so that
// "go test ./..." stays fast.
const cityRevoked = 10_000_000

var city struct {
	once  sync.Once
	ids   []uint64          // the revoked IDs
	files map[string][]byte // signed bundles by root algorithm
	rev   []byte            // the revocation list's encoding
}

func cityBundles(b *testing.B) {
	city.once.Do(func() {
		r := rand.New(rand.NewPCG(1, 2))
		city.ids = make([]uint64, cityRevoked)
		for i := range city.ids {
			city.ids[i] = r.Uint64()
		}
		c := contents()
		c.Issuers[0].RevokedPasses = nil      // Jiangsu's
		c.Issuers[1].RevokedPasses = city.ids // Shanghai's
		city.files = map[string][]byte{}
		for alg, priv := range map[string]crypto.Signer{"EdDSA": root, "ES256": root2} {
			data, err := Sign(c, priv)
			if err != nil {
				b.Fatal(err)
			}
			city.files[alg] = data
		}
		var err error
		if city.rev, err = revset.Build(city.ids); err != nil {
			b.Fatal(err)
		}
	})
}

// BenchmarkLoad10M opens a signed bundle with 10 million revoked pass IDs:
// signature check over the whole file, strict decoding and the revocation
// index. The raw operation is revset.Load of the same revocation list
// alone. It reports the median wall and CPU time of each, the ratio of
// the CPU times (x-raw), the file's size per revoked entry (B/entry) and
// the heap the opened bundle holds (MB-heap).
func BenchmarkLoad10M(b *testing.B) {
	cityBundles(b)
	for _, alg := range []string{"EdDSA", "ES256"} {
		b.Run(alg, func(b *testing.B) {
			data := city.files[alg]
			var before, after runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&before)
			bu, err := Open(data, allRoots)
			if err != nil {
				b.Fatal(err)
			}
			runtime.GC()
			runtime.ReadMemStats(&after)
			runtime.KeepAlive(bu)
			if bu.RevokedPasses() != cityRevoked {
				b.Fatalf("%d revoked", bu.RevokedPasses())
			}
			bu = nil
			// Open against revset.Load alone, interleaved; medians of wall
			// and CPU time per call (CPU time does not count what other
			// processes on a busy machine take from this one).
			var wall, cpu, rawWall, rawCPU []time.Duration
			for i := 0; b.Loop(); i++ {
				for k := range 2 {
					c0, t0 := cpuNow(), time.Now()
					if (i+k)%2 == 0 {
						if _, err := Open(data, allRoots); err != nil {
							b.Fatal(err)
						}
						wall, cpu = append(wall, time.Since(t0)), append(cpu, cpuNow()-c0)
					} else {
						if _, err := revset.Load(city.rev); err != nil {
							b.Fatal(err)
						}
						rawWall, rawCPU = append(rawWall, time.Since(t0)), append(rawCPU, cpuNow()-c0)
					}
				}
			}
			b.ReportMetric(float64(benchratio.Median(wall)), "ns/open")
			b.ReportMetric(float64(benchratio.Median(cpu)), "cpu-ns/open")
			b.ReportMetric(float64(benchratio.Median(rawWall)), "ns/raw")
			b.ReportMetric(float64(benchratio.Median(rawCPU)), "cpu-ns/raw")
			b.ReportMetric(float64(benchratio.Median(cpu))/float64(benchratio.Median(rawCPU)), "x-raw")
			b.ReportMetric(float64(len(data))/cityRevoked, "B/entry")
			b.ReportMetric(float64(after.HeapAlloc-before.HeapAlloc)/1e6, "MB-heap")
		})
	}
}

// cityCheck returns the opened city bundle, a key that may sign for
// Shanghai, and 2^16 revoked and 2^16 other pass IDs.
func cityCheck(b *testing.B) (*Bundle, *keys.Key, []pass.ID, []pass.ID) {
	cityBundles(b)
	bu, err := Open(city.files["EdDSA"], allRoots)
	if err != nil {
		b.Fatal(err)
	}
	kid, _ := keys.KID(shKey2.Public())
	k := bu.Keys(kid)[0]
	r := rand.New(rand.NewPCG(3, 4))
	hits, misses := make([]pass.ID, 1<<16), make([]pass.ID, 1<<16)
	for i := range hits {
		hits[i] = idBytes(city.ids[r.IntN(len(city.ids))])
		misses[i] = idBytes(r.Uint64()) // revoked with probability 10^7/2^64
	}
	return bu, k, hits, misses
}

func idBytes(v uint64) pass.ID {
	return pass.ID{byte(v >> 56), byte(v >> 48), byte(v >> 40), byte(v >> 32), byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)}
}

// BenchmarkCheckRevoked runs Bundle.Check, the trust bundle's whole part
// of a verification, on passes whose IDs are revoked (hit) or not (miss),
// in a bundle revoking 10 million IDs, against the raw lookup
// revset.Set.Contains. The IDs are random, so caches are as cold as at a
// gate; the two take disjoint halves of the query stream, so that neither
// finds the other's lines in the cache. They run interleaved in chunks of
// 1024 queries, alternating which goes first; ns/op is the mean time of
// Check, med-ns/check and med-ns/raw are medians over chunks of the wall
// time per query, cpu-ns/check and cpu-ns/raw the same of the process's
// CPU time (which, on a busy machine, does not count the time other
// processes take), and x-raw is the ratio of the CPU medians.
func BenchmarkCheckRevoked(b *testing.B) {
	bu, k, hits, misses := cityCheck(b)
	now := t0.Add(time.Hour)
	for _, c := range []struct {
		name    string
		ids     []pass.ID
		revoked bool
	}{{"hit", hits, true}, {"miss", misses, false}} {
		b.Run(c.name, func(b *testing.B) {
			p := testPass("bench", t0)
			sh := bu.Issuer(p.Issuer)
			half := len(c.ids) / 2
			interleaveChunks(b, "check", func(i int) {
				p.ID = c.ids[i%half]
				if _, err := bu.Check(&p, k, now, 0); (err != nil) != c.revoked {
					b.Fatal(err)
				}
			}, func(i int) {
				if sh.revoked.Contains(RevocationID(c.ids[half+i%half])) != c.revoked {
					b.Fatal("raw lookup")
				}
			})
		})
	}
}

// interleaveChunks runs ours and raw b.N times each, with i from 0, in
// chunks of 1024 calls, alternating which goes first. ns/op is the mean
// time of ours; med-ns/NAME and med-ns/raw are medians over chunks of the
// wall time per call, cpu-ns/NAME and cpu-ns/raw the same of the
// process's CPU time, and x-raw is the ratio of the CPU medians.
func interleaveChunks(b *testing.B, name string, ours, raw func(i int)) {
	const chunk = 1024
	var (
		total                        time.Duration
		mine, base, mineCPU, baseCPU []time.Duration
	)
	b.ResetTimer()
	for done, round := 0, 0; done < b.N; done, round = done+chunk, round+1 {
		n := min(chunk, b.N-done)
		for k := range 2 {
			f := ours
			if (k+round)%2 == 1 {
				f = raw
			}
			c0, start := cpuNow(), time.Now()
			for i := done; i < done+n; i++ {
				f(i)
			}
			d, cpu := time.Since(start), cpuNow()-c0
			if (k+round)%2 == 0 {
				total += d
				if n == chunk {
					mine, mineCPU = append(mine, d), append(mineCPU, cpu)
				}
			} else if n == chunk {
				base, baseCPU = append(base, d), append(baseCPU, cpu)
			}
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(total)/float64(b.N), "ns/op")
	if len(mine) > 0 {
		per := func(d []time.Duration) float64 { return float64(benchratio.Median(d)) / chunk }
		b.ReportMetric(per(mine), "med-ns/"+name)
		b.ReportMetric(per(base), "med-ns/raw")
		b.ReportMetric(per(mineCPU), "cpu-ns/"+name)
		b.ReportMetric(per(baseCPU), "cpu-ns/raw")
		b.ReportMetric(per(mineCPU)/per(baseCPU), "x-raw")
	}
}

// BenchmarkOpenSmall opens a bundle with a few issuers and revocations,
// as a phone app does on start, against the raw signature check.
func BenchmarkOpenSmall(b *testing.B) {
	data := mustSign(b, contents(), root)
	msg, _ := cose.ParseSign1Max(data, MaxSize)
	tbs := cose.AppendToBeSigned(nil, msg.Protected, msg.Payload)
	benchratio.Run(b, "open", func() {
		if !verifySig(root.Public(), tbs, msg.Signature) {
			b.Fatal("raw")
		}
	}, func() {
		if _, err := Open(data, allRoots); err != nil {
			b.Fatal(err)
		}
	})
	b.ReportMetric(float64(len(data)), "bytes")
}
