package registry_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	crand "crypto/rand"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hufu-project/hufu/issuer"
	"github.com/hufu-project/hufu/keys"
	"github.com/hufu-project/hufu/pass"
	"github.com/hufu-project/hufu/registry"
	"github.com/hufu-project/hufu/registry/registrytest"
)

// TestLockOrder runs every kind of transaction that changes a holder or
// its passes at once, on a few holders, for a fixed time: status changes
// (SetStatus and feeds), appeals, enrolments, Pass (the group store) and
// Reissue. On PostgreSQL each takes row locks, and two that took one
// holder's rows in opposite orders (the holder, then its pass; the pass,
// then its holder) would deadlock and one of them fail with SQLSTATE
// 40P01. Every call must succeed, and each holder must end consistent:
// its history ends at its status, it has at most one live pass, and every
// pass of an earlier version is revoked or superseded.
func TestLockOrder(t *testing.T) {
	if testing.Short() {
		t.Skip("runs for seconds")
	}
	for _, b := range registrytest.Backends() {
		t.Run(b.Name, func(t *testing.T) { testLockOrder(t, b) })
	}
}

func testLockOrder(t *testing.T, b registrytest.Backend) {
	ctx := context.Background()
	key, err := keys.Generate(keys.ES256)
	if err != nil {
		t.Fatal(err)
	}
	is, err := issuer.New(key, "310000", 24*time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	clk := &clock{t: time.Date(2026, 6, 1, 8, 0, 0, 0, time.UTC)}
	// A pass is due for re-issue 87 s after it was issued, and the clock
	// moves on by a minute or two during the run: Pass and Reissue both
	// keep storing new passes.
	s, err := registry.New(ctx, registry.Config{
		Store: registrytest.Open(t, b.DSN(t)), Issuer: is, IssuerID: "310000",
		Secret: []byte("0123456789abcdef0123456789abcdef"), Validity: 24 * time.Hour,
		ReissueFraction: 0.999, Now: clk.Now,
	})
	if err != nil {
		t.Fatal(err)
	}
	const holders = 8
	var ids []string
	for i := range holders {
		id, _, err := s.Register(ctx, registrar, registry.NewHolder{Name: "Lock Order", IDNumber: fmt.Sprintf("LO%d", i)})
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := s.Pass(ctx, id); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
	}

	run := 3 * time.Second
	if b.Name == "sqlite" { // one writer: nothing to interleave
		run = time.Second
	}
	stop := time.Now().Add(run)
	var (
		wg       sync.WaitGroup
		errMu    sync.Mutex
		errs     []string
		event    atomic.Int64
		changes  atomic.Int64
		issued   atomic.Int64
		reissued atomic.Int64
		gaveUp   atomic.Int64
	)
	fail := func(what string, err error) {
		errMu.Lock()
		defer errMu.Unlock()
		if len(errs) < 10 {
			errs = append(errs, what+": "+err.Error())
		}
	}
	colours := []registry.Status{
		{Colour: pass.Green},
		{Colour: pass.Yellow, Reason: pass.CloseContact},
		{Colour: pass.Red, Reason: pass.Confirmed},
	}
	worker := func(seed uint64, fn func(r *rand.Rand)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := rand.New(rand.NewPCG(seed, 1))
			for time.Now().Before(stop) {
				fn(r)
			}
		}()
	}
	for g := range 4 { // status changes, one holder at a time
		worker(uint64(g), func(r *rand.Rand) {
			c := registry.StatusChange{EventID: fmt.Sprintf("e%d", event.Add(1)), HolderID: ids[r.IntN(holders)], Status: colours[r.IntN(len(colours))]}
			res, err := s.SetStatus(ctx, health, c)
			if err != nil {
				fail("SetStatus", err)
			} else if res.Changed {
				changes.Add(1)
			}
		})
	}
	worker(10, func(r *rand.Rand) { // feeds of several holders, in any order
		var feed strings.Builder
		for range 1 + r.IntN(2*holders) {
			st := []string{`"colour":"green"`, `"colour":"yellow","reason":"close_contact"`}[r.IntN(2)]
			fmt.Fprintf(&feed, `{"event_id":"f%d","holder_id":%q,%s}`+"\n", event.Add(1), ids[r.IntN(holders)], st)
		}
		res, err := s.Feed(ctx, health, []byte(feed.String()))
		if err == nil && res.Failed > 0 {
			err = fmt.Errorf("%d lines failed: %+v", res.Failed, res.Errors)
		}
		if err != nil {
			fail("Feed", err)
		} else {
			changes.Add(int64(res.Changed))
		}
	})
	for g := range 4 { // passes, issued and stored in groups
		worker(uint64(20+g), func(r *rand.Rand) {
			_, fresh, err := s.Pass(ctx, ids[r.IntN(holders)])
			if code(err) == registry.Unavailable {
				// The status changed under each of its five tries: the
				// documented outcome of this much churn, not a fault.
				gaveUp.Add(1)
			} else if err != nil {
				fail("Pass", err)
			} else if fresh {
				issued.Add(1)
			}
		})
	}
	worker(30, func(r *rand.Rand) { // re-issue of every due pass
		clk.Add(2 * time.Second)
		p, err := s.Reissue(ctx, 1, nil)
		if err != nil {
			fail("Reissue", err)
		}
		reissued.Add(int64(p.Issued))
	})
	enrolled := make([]bool, holders)
	worker(40, func(r *rand.Rand) { // appeals, and an enrolment once per holder
		i := r.IntN(holders)
		if !enrolled[i] && r.IntN(4) == 0 {
			enrolled[i] = true
			k, err := ecdsa.GenerateKey(elliptic.P256(), crand.Reader)
			if err != nil {
				t.Error(err)
				return
			}
			hk, err := pass.CompressHolderKey(&k.PublicKey)
			if err != nil {
				t.Error(err)
				return
			}
			if _, err := s.Enrol(ctx, ids[i], hk); err != nil {
				fail("Enrol", err)
			}
			return
		}
		a, _, err := s.OpenAppeal(ctx, appeals, ids[i], "not me")
		if err != nil {
			fail("OpenAppeal", err)
			return
		}
		if _, err := s.ResolveAppeal(ctx, appeals, a, registry.Resolution{Outcome: registry.AppealRejected}); err != nil {
			fail("ResolveAppeal", err)
		}
	})
	wg.Wait()
	for _, e := range errs {
		t.Error(e)
	}
	t.Logf("%d status changes, %d passes issued by Pass (%d calls gave up), %d by Reissue", changes.Load(), issued.Load(), gaveUp.Load(), reissued.Load())
	if changes.Load() == 0 || issued.Load() == 0 || reissued.Load() == 0 {
		t.Errorf("the run did not interleave: %d status changes, %d passes issued by Pass, %d by Reissue", changes.Load(), issued.Load(), reissued.Load())
	}
	for _, id := range ids {
		checkConsistent(t, &fixture{s: s}, id)
		h, _, passes, _, err := s.Holder(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range passes {
			if p.Version < h.Version && p.RevokedAt.IsZero() && p.SupersededAt.IsZero() {
				t.Errorf("holder %s at version %d: pass %s of version %d is live", id, h.Version, p.ID, p.Version)
			}
		}
		rec, _, err := s.Pass(ctx, id)
		if err != nil || rec.Version != h.Version || rec.Status != h.Status {
			t.Errorf("holder %s (version %d, %+v): pass %+v, %v", id, h.Version, h.Status, rec, err)
		}
	}
}

// faultStore is a Store whose transactions fail in ClaimEvents, as a
// database does on a deadlock or a lost connection.
type faultStore struct{ registry.Store }

func (s faultStore) Update(ctx context.Context, fn func(registry.Tx) error) error {
	return s.Store.Update(ctx, func(tx registry.Tx) error { return fn(faultTx{tx}) })
}

type faultTx struct{ registry.Tx }

var errFault = errors.New("test: database fault")

func (faultTx) ClaimEvents(map[string]string, time.Time) (map[string]bool, error) {
	return nil, errFault
}

// TestSetStatusFault: a status change whose transaction fails returns the
// database's error (it once indexed the missing results and panicked).
func TestSetStatusFault(t *testing.T) {
	eachBackend(t, func(t *testing.T, fx *fixture) {
		ctx := context.Background()
		id, _, err := fx.s.Register(ctx, registrar, registry.NewHolder{Name: "Fault Line", IDNumber: "F1"})
		if err != nil {
			t.Fatal(err)
		}
		s, err := registry.New(ctx, registry.Config{Store: faultStore{fx.store}, Now: fx.clk.Now})
		if err != nil {
			t.Fatal(err)
		}
		_, err = s.SetStatus(ctx, health, registry.StatusChange{EventID: "f-1", HolderID: id, Status: registry.Status{Colour: pass.Red, Reason: pass.Confirmed}})
		if !errors.Is(err, errFault) {
			t.Errorf("SetStatus: %v, want %v", err, errFault)
		}
		h, _, _, _, err := fx.s.Holder(ctx, id)
		if err != nil || h.Status.Colour != pass.Green || h.Version != 1 {
			t.Errorf("after the failed change: %+v, %v", h, err)
		}
	})
}
