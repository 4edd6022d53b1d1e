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
	"strconv"
	"testing"

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
