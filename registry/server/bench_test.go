package server_test

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"io"
	"net/http"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hufu-project/hufu/internal/benchratio"
	"github.com/hufu-project/hufu/registry"
	"github.com/hufu-project/hufu/registry/registrytest"
)

// BenchmarkRegistryIssue issues passes through the API — GET
// /v1/holders/{id}/pass over a keep-alive connection, each for a holder
// without a pass, so every call signs and stores a new pass — against raw
// ES256 signing (ecdsa.Sign of a SHA-256 digest with a P-256 key) in the
// same run. x-raw is the ratio of the median times: the API's issuing
// throughput is 1/x-raw of raw signing.
func BenchmarkRegistryIssue(b *testing.B) {
	for _, be := range registrytest.Backends() {
		b.Run(be.Name, func(b *testing.B) {
			a := newAPI(b, be.DSN(b))
			ctx := context.Background()
			ids := make([]string, b.N+1)
			for i := range ids {
				id, _, err := a.s.Register(ctx, registry.Principal{Operator: "bench"}, registry.NewHolder{Name: "Holder " + strconv.Itoa(i), IDNumber: strconv.Itoa(5000000 + i)})
				if err != nil {
					b.Fatal(err)
				}
				ids[i] = id
			}
			key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
			digest := sha256.Sum256([]byte("a pass's Sig_structure"))
			client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 4}}
			tok := "Bearer " + a.tokens[registry.Reader]
			next := 0
			benchratio.Run(b, "issue", func() {
				if _, err := key.Sign(rand.Reader, digest[:], crypto.SHA256); err != nil {
					b.Fatal(err)
				}
			}, func() {
				req, _ := http.NewRequest("GET", a.srv.URL+"/v1/holders/"+ids[next]+"/pass", nil)
				next++
				req.Header.Set("Authorization", tok)
				resp, err := client.Do(req)
				if err != nil {
					b.Fatal(err)
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode != 200 {
					b.Fatalf("status %d", resp.StatusCode)
				}
			})
		})
	}
}

// BenchmarkRegistryIssueParallel compares throughput rather than
// latency: rounds of 64 issues through the API from 8 keep-alive clients
// at once, alternating with rounds of 64 raw ES256 signatures on
// GOMAXPROCS goroutines. x-raw is the API's total time over raw signing's:
// the API's issuing throughput is 1/x-raw of raw signing's.
func BenchmarkRegistryIssueParallel(b *testing.B) {
	for _, be := range registrytest.Backends() {
		b.Run(be.Name, func(b *testing.B) {
			a := newAPI(b, be.DSN(b))
			ctx := context.Background()
			const round, clients = 64, 8
			rounds := (b.N + round - 1) / round
			ids := make([]string, rounds*round)
			for i := range ids {
				id, _, err := a.s.Register(ctx, registry.Principal{Operator: "bench"}, registry.NewHolder{Name: "Holder " + strconv.Itoa(i), IDNumber: strconv.Itoa(7000000 + i)})
				if err != nil {
					b.Fatal(err)
				}
				ids[i] = id
			}
			key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
			digest := sha256.Sum256([]byte("a pass's Sig_structure"))
			client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: clients}}
			tok := "Bearer " + a.tokens[registry.Reader]
			par := func(workers int, n int, f func(i int)) time.Duration {
				start := time.Now()
				var wg sync.WaitGroup
				var next atomic.Int64
				for range workers {
					wg.Add(1)
					go func() {
						defer wg.Done()
						for {
							i := int(next.Add(1)) - 1
							if i >= n {
								return
							}
							f(i)
						}
					}()
				}
				wg.Wait()
				return time.Since(start)
			}
			var raw, ours time.Duration
			b.ResetTimer()
			for r := range rounds {
				raw += par(runtime.GOMAXPROCS(0), round, func(int) {
					key.Sign(rand.Reader, digest[:], crypto.SHA256)
				})
				ours += par(clients, round, func(i int) {
					req, _ := http.NewRequest("GET", a.srv.URL+"/v1/holders/"+ids[r*round+i]+"/pass", nil)
					req.Header.Set("Authorization", tok)
					resp, err := client.Do(req)
					if err != nil {
						b.Error(err)
						return
					}
					io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
					if resp.StatusCode != 200 {
						b.Errorf("status %d", resp.StatusCode)
					}
				})
			}
			n := float64(rounds * round)
			b.ReportMetric(float64(ours)/float64(raw), "x-raw")
			b.ReportMetric(n/ours.Seconds(), "issues/s")
			b.ReportMetric(n/raw.Seconds(), "raw-signs/s")
		})
	}
}
