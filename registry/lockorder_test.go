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
	"github.com/hufu-project/hufu/registry/sqldb"
	"github.com/jackc/pgx/v5/pgconn"
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
	// A pass is due for re-issue 87 s after it was issued, and each
	// Reissue moves the clock on by 30 s: Pass and Reissue both keep
	// storing new passes.
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
		clk.Add(30 * time.Second)
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

// TestLockOrderProbe checks on PostgreSQL, one operation at a time, that
// each transaction that changes a holder or its passes locks the holder
// row before any other row of it: another transaction locks a row the
// operation needs (the holder's live pass, or the appeal it resolves),
// waits until the operation is blocked on it, and then tries to lock the
// holder without waiting. The operation must already hold the holder
// (SQLSTATE 55P03, lock_not_available); had it locked that row before its
// holder, the holder would be free, and a third transaction that locks
// the holder and then the row would deadlock with it.
func TestLockOrderProbe(t *testing.T) {
	b := registrytest.Backend{Name: "postgres", DSN: registrytest.PostgresDSN}
	red := registry.Status{Colour: pass.Red, Reason: pass.Confirmed}
	hk := func() []byte {
		k, err := ecdsa.GenerateKey(elliptic.P256(), crand.Reader)
		if err != nil {
			panic(err)
		}
		b, err := pass.CompressHolderKey(&k.PublicKey)
		if err != nil {
			panic(err)
		}
		return b
	}
	const lockPass = `SELECT 1 FROM passes WHERE holder_id = $1 AND revoked_at = 0 AND superseded_at = 0 FOR UPDATE`
	for _, c := range []struct {
		name string
		// prepare readies holder id and returns the statement that locks
		// the row op needs and its argument.
		prepare func(t *testing.T, fx *fixture, id string) (string, string)
		op      func(fx *fixture, id string) error
	}{
		{"SetStatus", nil, func(fx *fixture, id string) error {
			return second(fx.s.SetStatus(context.Background(), health, registry.StatusChange{EventID: "p-1", HolderID: id, Status: red}))
		}},
		{"Feed", nil, func(fx *fixture, id string) error {
			_, err := fx.s.Feed(context.Background(), health, []byte(`{"event_id":"p-1","holder_id":"`+id+`","colour":"red","reason":"confirmed"}`))
			return err
		}},
		{"CompleteRegistration", nil, func(fx *fixture, id string) error {
			return second(fx.s.CompleteRegistration(context.Background(), registrar, id))
		}},
		{"OpenAppeal", nil, func(fx *fixture, id string) error {
			return third(fx.s.OpenAppeal(context.Background(), appeals, id, "not me"))
		}},
		{"ResolveAppeal", func(t *testing.T, fx *fixture, id string) (string, string) {
			a, _, err := fx.s.OpenAppeal(context.Background(), appeals, id, "not me")
			if err != nil {
				t.Fatal(err)
			}
			return `SELECT 1 FROM appeals WHERE appeal_id = $1 FOR UPDATE`, a
		}, func(fx *fixture, id string) error {
			_, _, _, as, err := fx.s.Holder(context.Background(), id)
			if err != nil {
				return err
			}
			return second(fx.s.ResolveAppeal(context.Background(), appeals, as[0].ID, registry.Resolution{Outcome: registry.AppealRejected}))
		}},
		{"Enrol", nil, func(fx *fixture, id string) error {
			return second(fx.s.Enrol(context.Background(), id, hk()))
		}},
		{"Pass", func(t *testing.T, fx *fixture, id string) (string, string) {
			fx.clk.Add(20 * time.Hour) // due: the new pass supersedes the live one
			return lockPass, id
		}, func(fx *fixture, id string) error {
			return third(fx.s.Pass(context.Background(), id))
		}},
		{"Reissue", func(t *testing.T, fx *fixture, id string) (string, string) {
			fx.clk.Add(20 * time.Hour)
			return lockPass, id
		}, func(fx *fixture, id string) error {
			p, err := fx.s.Reissue(context.Background(), 1, nil)
			if err == nil && p.Issued != 1 {
				err = fmt.Errorf("reissue: %+v", p)
			}
			return err
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			ctx := context.Background()
			fx := newFixture(t, b)
			id, _, err := fx.s.Register(ctx, registrar, registry.NewHolder{Name: "Probe", IDNumber: "P1"})
			if err != nil {
				t.Fatal(err)
			}
			if _, _, err := fx.s.Pass(ctx, id); err != nil {
				t.Fatal(err)
			}
			stmt, arg := lockPass, id
			if c.prepare != nil {
				stmt, arg = c.prepare(t, fx, id)
			}
			db := fx.store.(*sqldb.Store).DB()
			other, err := db.BeginTx(ctx, nil)
			if err != nil {
				t.Fatal(err)
			}
			defer other.Rollback()
			var pid int
			if err := other.QueryRowContext(ctx, `SELECT pg_backend_pid()`).Scan(&pid); err != nil {
				t.Fatal(err)
			}
			if n, err := other.ExecContext(ctx, stmt, arg); err != nil {
				t.Fatal(err)
			} else if rows, _ := n.RowsAffected(); rows != 1 {
				t.Fatalf("%s locked %d rows", stmt, rows)
			}
			done := make(chan error, 1)
			go func() { done <- c.op(fx, id) }()
			blocked := false
			for deadline := time.Now().Add(5 * time.Second); !blocked && time.Now().Before(deadline); {
				var n int
				if err := db.QueryRowContext(ctx, `SELECT count(*) FROM pg_stat_activity WHERE $1 = ANY(pg_blocking_pids(pid))`, pid).Scan(&n); err != nil {
					t.Fatal(err)
				}
				if blocked = n > 0; !blocked {
					select {
					case err := <-done:
						t.Fatalf("%s ended without waiting for the locked row: %v", c.name, err)
					case <-time.After(5 * time.Millisecond):
					}
				}
			}
			if !blocked {
				t.Fatalf("%s did not wait for the locked row", c.name)
			}
			_, err = other.ExecContext(ctx, `SELECT 1 FROM holders WHERE holder_id = $1 FOR UPDATE NOWAIT`, id)
			var pe *pgconn.PgError
			if !errors.As(err, &pe) || pe.Code != "55P03" {
				t.Errorf("%s waits for a row of the holder before it holds the holder: locking the holder gave %v, want SQLSTATE 55P03", c.name, err)
			}
			other.Rollback()
			if err := <-done; err != nil {
				t.Errorf("%s: %v", c.name, err)
			}
		})
	}
}
