package registry_test

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/hufu-project/hufu/registry"
	"github.com/hufu-project/hufu/registry/registrytest"
	"github.com/hufu-project/hufu/registry/sqldb"
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
			start, cpu := time.Now(), cpuTime()
			for i := range b.N {
				res, err := fx.s.Feed(context.Background(), health, feeds[i])
				if err != nil || res.Applied != n {
					b.Fatalf("%+v %v", res, err)
				}
			}
			b.ReportMetric(float64(n*b.N)/time.Since(start).Seconds(), "lines/s")
			b.ReportMetric(time.Since(start).Seconds()/float64(b.N), "s/feed")
			b.ReportMetric((cpuTime()-cpu).Seconds()/float64(b.N), "cpu-s/feed")
		})
	}
}

// cpuTime returns the user and system CPU time of this process (not of a
// PostgreSQL server).
func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// load inserts n holders straight into the database, each with one pass
// issued at issued (valid 24 hours) and revoked at revoked if that is not
// zero. It is for setting up the large benchmarks quickly; the passes'
// text is a placeholder.
func load(b testing.TB, fx *fixture, n int, issued, revoked time.Time) {
	db := fx.store.(*sqldb.Store).DB()
	ctx := context.Background()
	const rows = 500
	for lo := 0; lo < n; lo += rows {
		hi := min(lo+rows, n)
		tx, err := db.BeginTx(ctx, nil)
		if err != nil {
			b.Fatal(err)
		}
		var hq, pq strings.Builder
		var ha, pa []any
		hq.WriteString(`INSERT INTO holders (holder_id, name, id_hash, photo_digest, photo_ref, link_hash, public_key, colour, reason, hints, version, registered, open_appeals, created_at, changed_at) VALUES `)
		pq.WriteString(`INSERT INTO passes (pass_id, holder_id, issuer, kid, issued_at, expires_at, colour, reason, hints, version, code, revoked_at, superseded_at) VALUES `)
		for i := lo; i < hi; i++ {
			if i > lo {
				hq.WriteString(", ")
				pq.WriteString(", ")
			}
			hq.WriteString("(?, ?, ?, '', '', ?, '', 1, 0, 0, 1, 1, 0, ?, ?)")
			pq.WriteString("(?, ?, '310000', '00', ?, ?, 1, 0, 0, 1, 'HF1:', ?, 0)")
			id := fmt.Sprintf("h%015d", i)
			ha = append(ha, id, "Holder "+strconv.Itoa(i), "id"+id, "link"+id, issued.Unix(), issued.Unix())
			var rev int64
			if !revoked.IsZero() {
				rev = revoked.Unix()
			}
			pa = append(pa, fmt.Sprintf("%016x", uint64(i)*0x9e3779b97f4a7c15), id, issued.Unix(), issued.Add(24*time.Hour).Unix(), rev)
		}
		q := func(s string) string { return s }
		if strings.HasPrefix(fx.dsn, "postgres") {
			q = numbered
		}
		if _, err := tx.Exec(q(hq.String()), ha...); err != nil {
			b.Fatal(err)
		}
		if _, err := tx.Exec(q(pq.String()), pa...); err != nil {
			b.Fatal(err)
		}
		if err := tx.Commit(); err != nil {
			b.Fatal(err)
		}
	}
}

func numbered(s string) string {
	var sb strings.Builder
	n := 0
	for _, c := range s {
		if c == '?' {
			n++
			sb.WriteString("$" + strconv.Itoa(n))
			continue
		}
		sb.WriteRune(c)
	}
	return sb.String()
}

// BenchmarkPublish publishes a bundle with HUFU_BIG (default 100 000)
// revoked passes.
func BenchmarkPublish(b *testing.B) {
	for _, be := range registrytest.Backends() {
		b.Run(be.Name, func(b *testing.B) {
			fx := newFixtureB(b, be)
			n := bigN(100000)
			load(b, fx, n, fx.clk.Now().Add(-time.Hour), fx.clk.Now().Add(-time.Minute))
			dir := b.TempDir()
			b.ResetTimer()
			start, cpu := time.Now(), cpuTime()
			for range b.N {
				r, err := fx.s.Publish(context.Background(), registry.PublishOptions{Root: fx.root, Dir: dir})
				if err != nil || r.Revoked != n {
					b.Fatalf("%+v %v", r, err)
				}
			}
			b.ReportMetric(time.Since(start).Seconds()/float64(b.N), "s/publish")
			b.ReportMetric((cpuTime()-cpu).Seconds()/float64(b.N), "cpu-s/publish")
		})
	}
}

// BenchmarkReissue re-issues HUFU_BIG (default 10 000) passes that are
// near expiry.
func BenchmarkReissue(b *testing.B) {
	for _, be := range registrytest.Backends() {
		b.Run(be.Name, func(b *testing.B) {
			n := bigN(10000)
			var total, cpuTotal time.Duration
			for range b.N {
				b.StopTimer()
				fx := newFixtureB(b, be)
				load(b, fx, n, fx.clk.Now().Add(-23*time.Hour), time.Time{})
				b.StartTimer()
				start, cpu := time.Now(), cpuTime()
				p, err := fx.s.Reissue(context.Background(), 0, nil)
				if err != nil || p.Issued != n {
					b.Fatalf("%+v %v", p, err)
				}
				total += time.Since(start)
				cpuTotal += cpuTime() - cpu
			}
			b.ReportMetric(total.Seconds()/float64(b.N), "s/reissue")
			b.ReportMetric(cpuTotal.Seconds()/float64(b.N), "cpu-s/reissue")
			b.ReportMetric(float64(n)*float64(b.N)/total.Seconds(), "passes/s")
		})
	}
}
