package registry_test

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/hufu-project/hufu/registry"
	"github.com/hufu-project/hufu/registry/registrytest"
)

// bigN returns the size of the large runs: HUFU_BIG (e.g. 1000000), or
// small if it is unset.
func bigN(small int) int {
	if n, err := strconv.Atoi(os.Getenv("HUFU_BIG")); err == nil && n > 0 {
		return n
	}
	return small
}

// registerMany registers n holders and returns their IDs.
func registerMany(b testing.TB, fx *fixture, n int) []string {
	ids := make([]string, n)
	for i := range ids {
		id, _, err := fx.s.Register(context.Background(), registrar, registry.NewHolder{Name: "Holder " + strconv.Itoa(i), IDNumber: strconv.Itoa(1000000 + i)})
		if err != nil {
			b.Fatal(err)
		}
		ids[i] = id
	}
	return ids
}

// feedOf returns a feed of n lines over the holders, each a real change.
func feedOf(ids []string, n int, prefix string) []byte {
	cycle := []string{`"colour":"yellow","reason":"close_contact"`, `"colour":"red","reason":"confirmed"`, `"colour":"green"`}
	var sb strings.Builder
	for i := range n {
		fmt.Fprintf(&sb, `{"event_id":"%s-%d","holder_id":"%s",%s}`+"\n", prefix, i, ids[i%len(ids)], cycle[(i/len(ids))%3])
	}
	return []byte(sb.String())
}

// BenchmarkFeed applies a feed of HUFU_BIG (default 20 000) status changes
// over 10 000 holders and reports lines per second.
func BenchmarkFeed(b *testing.B) {
	for _, be := range registrytest.Backends() {
		b.Run(be.Name, func(b *testing.B) {
			fx := newFixtureB(b, be)
			ids := registerMany(b, fx, 10000)
			n := bigN(20000)
			feeds := make([][]byte, b.N)
			for i := range feeds {
				feeds[i] = feedOf(ids, n, "b"+strconv.Itoa(i))
			}
			b.ResetTimer()
			start := time.Now()
			for i := range b.N {
				res, err := fx.s.Feed(context.Background(), health, feeds[i])
				if err != nil || res.Applied != n {
					b.Fatalf("%+v %v", res, err)
				}
			}
			b.ReportMetric(float64(n*b.N)/time.Since(start).Seconds(), "lines/s")
			b.ReportMetric(time.Since(start).Seconds()/float64(b.N), "s/feed")
		})
	}
}
