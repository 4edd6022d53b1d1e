package registry_test

import (
	"context"
	"crypto"
	"sync"
	"testing"

	"github.com/hufu-project/hufu/bundle"
)

// TestExportSeq: exports made at the same time get different sequence
// numbers, each one more than the last (a read-then-write of the counter
// gave two of them the same number on PostgreSQL).
func TestExportSeq(t *testing.T) {
	eachBackend(t, func(t *testing.T, fx *fixture) {
		const n = 8
		var wg sync.WaitGroup
		seqs := make([]uint64, n)
		errs := make([]error, n)
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				data, _, err := fx.s.Export(context.Background(), "310000", fx.key)
				if err == nil {
					var r *bundle.Revocations
					if r, err = bundle.OpenRevocations(data, []crypto.PublicKey{fx.key.Public()}); err == nil {
						seqs[i] = r.Seq
					}
				}
				errs[i] = err
			}()
		}
		wg.Wait()
		seen := map[uint64]bool{}
		for i := range n {
			if errs[i] != nil {
				t.Fatalf("export %d: %v", i, errs[i])
			}
			if seqs[i] < 1 || seqs[i] > n || seen[seqs[i]] {
				t.Fatalf("sequence numbers %v: want each of 1 to %d once", seqs, n)
			}
			seen[seqs[i]] = true
		}
		data, _, err := fx.s.Export(context.Background(), "310000", fx.key)
		if err != nil {
			t.Fatal(err)
		}
		if r, err := bundle.OpenRevocations(data, []crypto.PublicKey{fx.key.Public()}); err != nil || r.Seq != n+1 {
			t.Fatalf("next export: %+v, %v; want seq %d", r, err, n+1)
		}
	})
}
