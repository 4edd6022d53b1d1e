package bundle

import (
	"crypto"
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"github.com/hufu-project/hufu/internal/benchratio"
	"github.com/hufu-project/hufu/internal/revset"
	"github.com/hufu-project/hufu/keys"
	"github.com/hufu-project/hufu/pass"
)

// The publishing figures: 1 000 000 revoked passes spread over two
// issuers, 500 000 each, as the registry publishes them. Built once per
// benchmark binary, only by benchmarks.
const millionRevoked = 1_000_000

var million struct {
	once    sync.Once
	ids     [2][]uint64 // Jiangsu's and Shanghai's (contents().Issuers order)
	file    []byte      // the signed bundle
	exports [2][]byte   // each issuer's signed revocation export
	signers [2]crypto.Signer
}

func millionBundle(b *testing.B) {
	million.once.Do(func() {
		r := rand.New(rand.NewPCG(5, 6))
		c := contents()
		million.signers = [2]crypto.Signer{jsKey, shKey2}
		for i := range million.ids {
			ids := make([]uint64, millionRevoked/2)
			list := &Revocations{Issuer: c.Issuers[i].ID, Seq: 1, IssuedAt: t0, Passes: make([]RevokedPass, len(ids))}
			for j := range ids {
				ids[j] = r.Uint64()
				list.Passes[j] = RevokedPass{ID: idBytes(ids[j]), ExpiresAt: t0.Add(24 * time.Hour)}
			}
			million.ids[i] = ids
			c.Issuers[i].RevokedPasses = ids
			var err error
			if million.exports[i], err = SignRevocations(list, million.signers[i]); err != nil {
				b.Fatal(err)
			}
		}
		var err error
		if million.file, err = Sign(c, root); err != nil {
			b.Fatal(err)
		}
	})
}

// versusRaw runs ours and raw b.N times each, interleaved call by call,
// alternating which goes first, and reports the median wall and CPU time
// of each call (ns/NAME, cpu-ns/NAME, ns/raw, cpu-ns/raw) and the ratio of
// the CPU medians (x-raw).
func versusRaw(b *testing.B, name string, ours, raw func()) {
	var wall, cpu, rawWall, rawCPU []time.Duration
	for i := 0; b.Loop(); i++ {
		for k := range 2 {
			c0, t0 := cpuNow(), time.Now()
			if (i+k)%2 == 0 {
				ours()
				wall, cpu = append(wall, time.Since(t0)), append(cpu, cpuNow()-c0)
			} else {
				raw()
				rawWall, rawCPU = append(rawWall, time.Since(t0)), append(rawCPU, cpuNow()-c0)
			}
		}
	}
	b.ReportMetric(float64(benchratio.Median(wall)), "ns/"+name)
	b.ReportMetric(float64(benchratio.Median(cpu)), "cpu-ns/"+name)
	b.ReportMetric(float64(benchratio.Median(rawWall)), "ns/raw")
	b.ReportMetric(float64(benchratio.Median(rawCPU)), "cpu-ns/raw")
	b.ReportMetric(float64(benchratio.Median(cpu))/float64(benchratio.Median(rawCPU)), "x-raw")
}

// BenchmarkMillion measures a bundle revoking 1 000 000 random pass IDs,
// 500 000 under each of its two issuers:
//
//   - Sign: bundle.Sign of the contents (sorting, encoding and checking
//     both lists, the Ed25519 signature), against revset.Build of the two
//     lists alone; B/entry is the file size per revoked pass.
//   - Open: bundle.Open of the file, against revset.Load of the two lists.
//   - Publish: what a publisher does with two registries' exports of
//     500 000 passes each: OpenRevocations of both, MergeRevocations into
//     contents without revocations, and Sign; against Sign of the merged
//     contents alone.
//
// BenchmarkMillionCheck has the lookups.
func BenchmarkMillion(b *testing.B) {
	millionBundle(b)
	c := contents()
	for i := range million.ids {
		c.Issuers[i].RevokedPasses = million.ids[i]
	}
	b.Run("Sign", func(b *testing.B) {
		var data []byte
		versusRaw(b, "sign", func() {
			var err error
			if data, err = Sign(c, root); err != nil {
				b.Fatal(err)
			}
		}, func() {
			for _, ids := range million.ids {
				if _, err := revset.Build(ids); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.ReportMetric(float64(len(data))/millionRevoked, "B/entry")
	})
	b.Run("Open", func(b *testing.B) {
		bu, err := Open(million.file, allRoots)
		if err != nil || bu.RevokedPasses() != millionRevoked {
			b.Fatalf("%v", err)
		}
		var lists [2][]byte
		for i, ids := range million.ids {
			if lists[i], err = revset.Build(ids); err != nil {
				b.Fatal(err)
			}
		}
		versusRaw(b, "open", func() {
			if _, err := Open(million.file, allRoots); err != nil {
				b.Fatal(err)
			}
		}, func() {
			for _, l := range lists {
				if _, err := revset.Load(l); err != nil {
					b.Fatal(err)
				}
			}
		})
	})
	b.Run("Publish", func(b *testing.B) {
		versusRaw(b, "publish", func() {
			var lists []*Revocations
			for i, data := range million.exports {
				r, err := OpenRevocations(data, []crypto.PublicKey{million.signers[i].Public()})
				if err != nil {
					b.Fatal(err)
				}
				lists = append(lists, r)
			}
			fresh := contents()
			for i := range fresh.Issuers {
				fresh.Issuers[i].RevokedPasses = nil
			}
			if err := fresh.MergeRevocations(t0, lists...); err != nil {
				b.Fatal(err)
			}
			if _, err := Sign(fresh, root); err != nil {
				b.Fatal(err)
			}
		}, func() {
			if _, err := Sign(c, root); err != nil {
				b.Fatal(err)
			}
		})
		b.ReportMetric(float64(len(million.exports[0])+len(million.exports[1]))/millionRevoked, "export-B/entry")
	})
}

// BenchmarkMillionCheck runs Bundle.Check of a Shanghai pass whose ID is
// revoked (hit) or random (miss), in the bundle of BenchmarkMillion,
// against a lookup of such an ID in a Go map of Shanghai's 500 000
// revocation IDs (see interleaveChunks).
func BenchmarkMillionCheck(b *testing.B) {
	millionBundle(b)
	bu, err := Open(million.file, allRoots)
	if err != nil {
		b.Fatal(err)
	}
	kid, _ := keys.KID(shKey2.Public())
	k := bu.Keys(kid)[0]
	sh := million.ids[1]
	m := make(map[uint64]struct{}, len(sh))
	for _, id := range sh {
		m[id] = struct{}{}
	}
	r := rand.New(rand.NewPCG(7, 8))
	hits, misses := make([]pass.ID, 1<<16), make([]pass.ID, 1<<16)
	for i := range hits {
		hits[i] = idBytes(sh[r.IntN(len(sh))])
		misses[i] = idBytes(r.Uint64())
	}
	now := t0.Add(time.Hour)
	for _, c := range []struct {
		name    string
		ids     []pass.ID
		revoked bool
	}{{"hit", hits, true}, {"miss", misses, false}} {
		b.Run(c.name, func(b *testing.B) {
			p := testPass("bench", t0)
			half := len(c.ids) / 2
			interleaveChunks(b, "check", func(i int) {
				p.ID = c.ids[i%half]
				if _, err := bu.Check(&p, k, now, 0); (err != nil) != c.revoked {
					b.Fatal(err)
				}
			}, func(i int) {
				if _, ok := m[RevocationID(c.ids[half+i%half])]; ok != c.revoked {
					b.Fatal("map lookup")
				}
			})
		})
	}
}
