package registry_test

import (
	"context"
	"errors"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/hufu-project/hufu/issuer"
	"github.com/hufu-project/hufu/keys"
	"github.com/hufu-project/hufu/registry"
	"github.com/hufu-project/hufu/registry/registrytest"
)

// hookStore wraps a Store: an Update can be held until a channel closes,
// and AddPasses of more than one pass can be made to fail once.
type hookStore struct {
	registry.Store
	mu        sync.Mutex
	hold      chan struct{} // the next Update waits until it is closed
	held      chan struct{} // closed when that Update waits
	failGroup bool          // fail the next AddPasses of more than one pass
	panicNext bool          // panic in the next AddPasses of more than one pass
	failed    int           // AddPasses made to fail
	largest   int           // the most passes one AddPasses stored
}

func (s *hookStore) Update(ctx context.Context, fn func(registry.Tx) error) error {
	s.mu.Lock()
	hold, held := s.hold, s.held
	s.hold, s.held = nil, nil
	s.mu.Unlock()
	if hold != nil {
		close(held)
		<-hold
	}
	return s.Store.Update(ctx, func(tx registry.Tx) error { return fn(hookTx{tx, s}) })
}

type hookTx struct {
	registry.Tx
	s *hookStore
}

func (t hookTx) AddPasses(ps []*registry.PassRecord, supersede []string, at time.Time) error {
	t.s.mu.Lock()
	fail := t.s.failGroup && len(ps) > 1
	if fail {
		t.s.failGroup = false
		t.s.failed++
	}
	t.s.largest = max(t.s.largest, len(ps))
	panics := t.s.panicNext && len(ps) > 1
	if panics {
		t.s.panicNext = false
	}
	t.s.mu.Unlock()
	if panics {
		panic("test: storing panics")
	}
	if fail {
		return errors.New("test: this group fails")
	}
	return t.Tx.AddPasses(ps, supersede, at)
}

// newHooked returns a Service on a hookStore of backend b, with n
// registered holders.
func newHooked(t *testing.T, b registrytest.Backend, n int) (*registry.Service, *hookStore, []string) {
	s, hs, ids, _ := newHookedClock(t, b, n)
	return s, hs, ids
}

// newHookedClock is newHooked with the Service's clock.
func newHookedClock(t *testing.T, b registrytest.Backend, n int) (*registry.Service, *hookStore, []string, *clock) {
	t.Helper()
	hs := &hookStore{Store: registrytest.Open(t, b.DSN(t))}
	key, _ := keys.Generate(keys.ES256)
	is, err := issuer.New(key, "310000", 24*time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	clk := &clock{t: time.Date(2026, 6, 1, 8, 0, 0, 0, time.UTC)}
	s, err := registry.New(ctx, registry.Config{Store: hs, Issuer: is, IssuerID: "310000", Secret: []byte("0123456789abcdef0123456789abcdef"), Now: clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	ids := make([]string, n)
	for i := range ids {
		if ids[i], _, err = s.Register(ctx, registrar, registry.NewHolder{Name: "Holder " + strconv.Itoa(i), IDNumber: strconv.Itoa(1000 + i)}); err != nil {
			t.Fatal(err)
		}
	}
	return s, hs, ids, clk
}

type passResult struct {
	rec   *registry.PassRecord
	fresh bool
	err   error
}

// passAll calls Pass for each holder in ids, callers times, all at once.
func passAll(s *registry.Service, ids []string, callers int) map[string][]passResult {
	var mu sync.Mutex
	out := map[string][]passResult{}
	var wg sync.WaitGroup
	for c := range callers {
		for i := range ids {
			id := ids[(i+c)%len(ids)]
			wg.Add(1)
			go func() {
				defer wg.Done()
				rec, fresh, err := s.Pass(context.Background(), id)
				mu.Lock()
				out[id] = append(out[id], passResult{rec, fresh, err})
				mu.Unlock()
			}()
		}
	}
	wg.Wait()
	return out
}

// checkOnePass checks that every call for a holder got the same pass,
// exactly one of them fresh, and that it is the holder's one live pass.
func checkOnePass(t *testing.T, s *registry.Service, res map[string][]passResult) {
	t.Helper()
	for id, rs := range res {
		fresh := 0
		for _, r := range rs {
			if r.err != nil {
				t.Fatalf("holder %s: %v", id, r.err)
			}
			if r.rec.ID != rs[0].rec.ID {
				t.Errorf("holder %s: concurrent calls got passes %s and %s", id, rs[0].rec.ID, r.rec.ID)
			}
			if r.fresh {
				fresh++
			}
		}
		if fresh != 1 {
			t.Errorf("holder %s: %d of %d calls report a fresh pass, want 1", id, fresh, len(rs))
		}
		_, _, passes, _, err := s.Holder(context.Background(), id)
		if err != nil {
			t.Fatal(err)
		}
		if len(passes) != 1 || passes[0].ID != rs[0].rec.ID || !passes[0].RevokedAt.IsZero() || !passes[0].SupersededAt.IsZero() {
			t.Errorf("holder %s: stored passes %+v, want the one live pass %s", id, passes, rs[0].rec.ID)
		}
	}
}

// TestPassGroupCommit issues passes for many holders at once, several
// calls per holder: the passes are stored in groups, and every call for a
// holder gets the same pass, issued once.
func TestPassGroupCommit(t *testing.T) {
	for _, b := range registrytest.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			s, hs, ids, clk := newHookedClock(t, b, 24)
			// Hold the first transaction so that the others queue behind it.
			hs.hold, hs.held = make(chan struct{}), make(chan struct{})
			hold, held := hs.hold, hs.held
			go func() { <-held; time.Sleep(100 * time.Millisecond); close(hold) }()
			first := passAll(s, ids, 3)
			checkOnePass(t, s, first)
			if hs.largest < 2 {
				t.Errorf("no group: at most %d passes stored in one transaction", hs.largest)
			}

			// Near expiry every pass is re-issued once, in groups, and the
			// old one is superseded at the new one's issue time.
			clk.Add(23 * time.Hour)
			hs.largest = 0
			hs.hold, hs.held = make(chan struct{}), make(chan struct{})
			hold, held = hs.hold, hs.held
			go func() { <-held; time.Sleep(100 * time.Millisecond); close(hold) }()
			for id, rs := range passAll(s, ids, 3) {
				fresh := 0
				for _, r := range rs {
					if r.err != nil || r.rec.ID != rs[0].rec.ID || r.rec.ID == first[id][0].rec.ID {
						t.Fatalf("holder %s: re-issue got %+v (%v); first pass %s", id, r.rec, r.err, first[id][0].rec.ID)
					}
					if r.fresh {
						fresh++
					}
				}
				_, _, passes, _, err := s.Holder(context.Background(), id)
				if err != nil || fresh != 1 || len(passes) != 2 {
					t.Fatalf("holder %s: %d fresh, passes %+v (%v)", id, fresh, passes, err)
				}
				for _, p := range passes {
					old := p.ID == first[id][0].rec.ID
					if !p.RevokedAt.IsZero() || old != !p.SupersededAt.IsZero() || old && !p.SupersededAt.Equal(rs[0].rec.IssuedAt) {
						t.Errorf("holder %s: pass %s revoked %v superseded %v", id, p.ID, p.RevokedAt, p.SupersededAt)
					}
				}
			}
			if hs.largest < 2 {
				t.Errorf("no group on re-issue: at most %d passes stored in one transaction", hs.largest)
			}
		})
	}
}

// TestPassGroupFails makes a group's transaction fail: each of its passes
// is then stored alone, and every call still gets its pass.
func TestPassGroupFails(t *testing.T) {
	for _, b := range registrytest.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			s, hs, ids := newHooked(t, b, 16)
			hs.hold, hs.held = make(chan struct{}), make(chan struct{})
			hs.failGroup = true
			hold, held := hs.hold, hs.held
			go func() { <-held; time.Sleep(100 * time.Millisecond); close(hold) }()
			res := passAll(s, ids, 1)
			if hs.failed != 1 {
				t.Fatalf("%d groups failed, want 1", hs.failed)
			}
			// The writer of the failed group reports its error; the others
			// stored their passes alone.
			failed := 0
			for id, rs := range res {
				if rs[0].err != nil {
					failed++
					delete(res, id)
				}
			}
			if failed > 1 {
				t.Errorf("%d calls failed, want at most the failed group's writer", failed)
			}
			checkOnePass(t, s, res)
		})
	}
}

// TestPassCancelledWhileQueued cancels a call whose pass waits for the
// writer: it returns at once with the context's error and stores nothing,
// and the calls around it are not disturbed.
func TestPassCancelledWhileQueued(t *testing.T) {
	for _, b := range registrytest.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			s, hs, ids := newHooked(t, b, 3)
			hs.hold, hs.held = make(chan struct{}), make(chan struct{})
			hold, held := hs.hold, hs.held
			first := make(chan passResult)
			go func() {
				rec, fresh, err := s.Pass(context.Background(), ids[0])
				first <- passResult{rec, fresh, err}
			}()
			<-held // the first call writes and is held: the others queue
			ctx, cancel := context.WithCancel(context.Background())
			cancelled := make(chan error)
			go func() { _, _, err := s.Pass(ctx, ids[1]); cancelled <- err }()
			third := make(chan passResult)
			go func() {
				rec, fresh, err := s.Pass(context.Background(), ids[2])
				third <- passResult{rec, fresh, err}
			}()
			time.Sleep(100 * time.Millisecond) // let both sign and queue
			cancel()
			select {
			case err := <-cancelled:
				if !errors.Is(err, context.Canceled) {
					t.Errorf("cancelled call: %v, want context.Canceled", err)
				}
			case <-time.After(5 * time.Second):
				t.Fatal("a cancelled call waited for the writer")
			}
			close(hold)
			for _, ch := range []chan passResult{first, third} {
				if r := <-ch; r.err != nil || !r.fresh {
					t.Errorf("call beside the cancelled one: fresh %v, %v", r.fresh, r.err)
				}
			}
			_, _, passes, _, err := s.Holder(context.Background(), ids[1])
			if err != nil || len(passes) != 0 {
				t.Errorf("the cancelled call stored passes %+v (%v)", passes, err)
			}
			if _, fresh, err := s.Pass(context.Background(), ids[1]); err != nil || !fresh {
				t.Errorf("after the cancelled call: fresh %v, %v", fresh, err)
			}
		})
	}
}

// TestPassGroupPanics makes storing a group panic: the writer's call
// panics, every other call of the group stores its pass alone, and the
// writer's role is handed on, so later calls are served.
func TestPassGroupPanics(t *testing.T) {
	for _, b := range registrytest.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			s, hs, ids := newHooked(t, b, 12)
			hs.hold, hs.held = make(chan struct{}), make(chan struct{})
			hs.panicNext = true
			hold, held := hs.hold, hs.held
			go func() { <-held; time.Sleep(100 * time.Millisecond); close(hold) }()
			var mu sync.Mutex
			res := map[string][]passResult{}
			panicked := 0
			var wg sync.WaitGroup
			for _, id := range ids {
				wg.Add(1)
				go func() {
					defer wg.Done()
					defer func() {
						if v := recover(); v != nil {
							mu.Lock()
							panicked++
							mu.Unlock()
						}
					}()
					rec, fresh, err := s.Pass(context.Background(), id)
					mu.Lock()
					res[id] = append(res[id], passResult{rec, fresh, err})
					mu.Unlock()
				}()
			}
			done := make(chan struct{})
			go func() { wg.Wait(); close(done) }()
			select {
			case <-done:
			case <-time.After(30 * time.Second):
				t.Fatal("calls hang after a panic while storing")
			}
			if panicked != 1 || len(res) != len(ids)-1 {
				t.Fatalf("%d calls panicked, %d returned; want 1 and %d", panicked, len(res), len(ids)-1)
			}
			checkOnePass(t, s, res)
			for _, id := range ids {
				if _, ok := res[id]; !ok {
					if _, fresh, err := s.Pass(context.Background(), id); err != nil || !fresh {
						t.Errorf("after the panic: fresh %v, %v", fresh, err)
					}
				}
			}
		})
	}
}
