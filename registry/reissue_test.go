package registry_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hufu-project/hufu/issuer"
	"github.com/hufu-project/hufu/pass"
	"github.com/hufu-project/hufu/registry"
)

// TestJSONProgress: one versioned JSON object a line, the version first.
func TestJSONProgress(t *testing.T) {
	var b strings.Builder
	report := registry.JSONProgress(&b)
	report(registry.ReissueProgress{Total: 5})
	report(registry.ReissueProgress{Done: 5, Total: 5, Issued: 4, Skipped: 1})
	want := `{"hufu_reissue":1,"done":0,"total":5,"issued":0,"skipped":0}` + "\n" +
		`{"hufu_reissue":1,"done":5,"total":5,"issued":4,"skipped":1}` + "\n"
	if b.String() != want {
		t.Errorf("got\n%swant\n%s", b.String(), want)
	}
}

// firstUpdate is a Store that runs before ahead of its first Update
// once before is set.
type firstUpdate struct {
	registry.Store
	once   sync.Once
	before func()
}

func (s *firstUpdate) Update(ctx context.Context, fn func(registry.Tx) error) error {
	if s.before != nil {
		s.once.Do(s.before)
	}
	return s.Store.Update(ctx, fn)
}

// TestReissueVersionChanged: a holder whose status changes after
// Reissue signed its pass and before the pass is stored is skipped (its
// next fetch issues a pass with the new status); the others are stored.
func TestReissueVersionChanged(t *testing.T) {
	eachBackend(t, func(t *testing.T, fx *fixture) {
		ctx := context.Background()
		var ids []string
		for i := range 3 {
			id, _, err := fx.s.Register(ctx, registrar, registry.NewHolder{Name: "V V", IDNumber: "V" + strconv.Itoa(i)})
			if err != nil {
				t.Fatal(err)
			}
			if _, _, err := fx.s.Pass(ctx, id); err != nil {
				t.Fatal(err)
			}
			ids = append(ids, id)
		}
		fx.clk.Add(20 * time.Hour)
		is, err := issuer.New(fx.key, "310000", 24*time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		st := &firstUpdate{Store: fx.store}
		s, err := registry.New(ctx, registry.Config{Store: st, Issuer: is, IssuerID: "310000",
			Secret: []byte("0123456789abcdef0123456789abcdef"), Validity: 24 * time.Hour, Now: fx.clk.Now})
		if err != nil {
			t.Fatal(err)
		}
		changed := false
		st.before = func() { // the passes are signed, the first batch not yet stored
			r, err := fx.s.SetStatus(ctx, health, registry.StatusChange{EventID: "ev-v", HolderID: ids[1], Status: registry.Status{Colour: pass.Red, Reason: pass.Confirmed}})
			changed = err == nil && r.Changed
		}
		p, err := s.Reissue(ctx, 2, nil)
		if !changed {
			t.Fatal("the status change before the first store did not happen")
		}
		if err != nil || p.Total != 3 || p.Done != 3 || p.Issued != 2 || p.Skipped != 1 {
			t.Fatalf("reissue: %+v, %v", p, err)
		}
		for i, id := range ids {
			_, _, passes, _, _ := fx.s.Holder(ctx, id)
			want := 2
			if i == 1 {
				want = 1 // the first pass, revoked by the change; no green one stored after it
			}
			if len(passes) != want {
				t.Errorf("holder %d: %d passes, want %d: %+v", i, len(passes), want, passes)
			}
			checkConsistent(t, fx, id)
		}
	})
}

// TestInsertPasses: a batch stores only a holder's last pass and only
// if the holder's version is still the pass's; the stored pass
// supersedes the holder's live one. Skipped passes change nothing.
func TestInsertPasses(t *testing.T) {
	eachBackend(t, func(t *testing.T, fx *fixture) {
		ctx := context.Background()
		var cur []*registry.PassRecord
		for i := range 3 {
			id, _, err := fx.s.Register(ctx, registrar, registry.NewHolder{Name: "I I", IDNumber: "I" + strconv.Itoa(i)})
			if err != nil {
				t.Fatal(err)
			}
			p, _, err := fx.s.Pass(ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			cur = append(cur, p)
		}
		fx.clk.Add(time.Hour)
		at := fx.clk.Now()
		next := func(p *registry.PassRecord, n int, version int64) *registry.PassRecord {
			q := *p
			q.ID = fmt.Sprintf("%016x", 0xabc0+n)
			q.IssuedAt, q.ExpiresAt, q.Version = at, at.Add(24*time.Hour), version
			return &q
		}
		batch := []*registry.PassRecord{
			next(cur[2], 1, cur[2].Version),   // not the last of holder 2
			next(cur[0], 2, cur[0].Version),   // stored
			next(cur[1], 3, cur[1].Version+1), // a version the holder does not have
			next(cur[2], 4, cur[2].Version),   // stored
			{ID: fmt.Sprintf("%016x", 0xabc5), HolderID: "nobody", Version: 1, IssuedAt: at, ExpiresAt: at.Add(time.Hour), Text: "HF1:"},
		}
		var ok []bool
		err := fx.store.Update(ctx, func(tx registry.Tx) error {
			var err error
			ok, err = tx.InsertPasses(batch)
			return err
		})
		if want := []bool{false, true, false, true, false}; err != nil || !slices.Equal(ok, want) {
			t.Fatalf("InsertPasses: %v, %v; want %v", ok, err, want)
		}
		for i, c := range cur {
			_, _, passes, _, _ := fx.s.Holder(ctx, c.HolderID)
			var live []string
			for _, p := range passes {
				if p.RevokedAt.IsZero() && p.SupersededAt.IsZero() {
					live = append(live, p.ID)
				} else if p.ID == c.ID && !p.SupersededAt.Equal(at) {
					t.Errorf("holder %d: old pass superseded at %v, want %v", i, p.SupersededAt, at)
				}
			}
			wantLive, wantN := c.ID, 1
			switch i {
			case 0:
				wantLive, wantN = batch[1].ID, 2
			case 2:
				wantLive, wantN = batch[3].ID, 2
			}
			if len(passes) != wantN || !slices.Equal(live, []string{wantLive}) {
				t.Errorf("holder %d: %d passes, live %v; want %d, live %s", i, len(passes), live, wantN, wantLive)
			}
		}
		err = fx.store.Update(ctx, func(tx registry.Tx) error {
			var err error
			ok, err = tx.InsertPasses(batch[2:3])
			return err
		})
		if err != nil || !slices.Equal(ok, []bool{false}) {
			t.Errorf("a batch with nothing to store: %v, %v", ok, err)
		}
	})
}

// failingUpdate is a Store whose Update fails from call fail on, once
// fail is set (counting from then).
type failingUpdate struct {
	registry.Store
	fail, calls int
}

var errStore = errors.New("test: the store fails")

func (s *failingUpdate) Update(ctx context.Context, fn func(registry.Tx) error) error {
	if s.fail > 0 {
		if s.calls++; s.calls >= s.fail {
			return errStore
		}
	}
	return s.Store.Update(ctx, fn)
}

// TestReissueBatches: with more than one transaction's worth of due
// passes, progress comes after each stored batch, in order; a store
// error stops Reissue and is returned, with what was stored before it
// kept; so does a cancelled context.
func TestReissueBatches(t *testing.T) {
	eachBackend(t, func(t *testing.T, fx *fixture) {
		ctx := context.Background()
		load(t, fx, 2500, fx.clk.Now().Add(-23*time.Hour), time.Time{})
		is, err := issuer.New(fx.key, "310000", 24*time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		st := &failingUpdate{Store: fx.store}
		s, err := registry.New(ctx, registry.Config{Store: st, Issuer: is, IssuerID: "310000",
			Secret: []byte("0123456789abcdef0123456789abcdef"), Validity: 24 * time.Hour, Now: fx.clk.Now})
		if err != nil {
			t.Fatal(err)
		}
		var reports []registry.ReissueProgress
		p, err := s.Reissue(ctx, 2, func(p registry.ReissueProgress) { reports = append(reports, p) })
		want := []registry.ReissueProgress{{Total: 2500}, {Done: 1000, Total: 2500, Issued: 1000}, {Done: 2000, Total: 2500, Issued: 2000}, {Done: 2500, Total: 2500, Issued: 2500}}
		if err != nil || !slices.Equal(reports, want) || p != want[3] {
			t.Fatalf("reissue: %+v, %v; progress %+v, want %+v", p, err, reports, want)
		}

		fx.clk.Add(23 * time.Hour) // all due again
		st.fail = 2
		reports = nil
		p, err = s.Reissue(ctx, 2, func(p registry.ReissueProgress) { reports = append(reports, p) })
		want = []registry.ReissueProgress{{Total: 2500}, {Done: 1000, Total: 2500, Issued: 1000}}
		if !errors.Is(err, errStore) || !slices.Equal(reports, want) || p != want[1] {
			t.Fatalf("reissue with the second transaction failing: %+v, %v; progress %+v, want %+v", p, err, reports, want)
		}

		st.fail = 0
		cctx, cancel := context.WithCancel(ctx)
		defer cancel()
		reports = nil
		p, err = s.Reissue(cctx, 2, func(p registry.ReissueProgress) {
			reports = append(reports, p)
			if p.Done > 0 {
				cancel()
			}
		})
		want = []registry.ReissueProgress{{Total: 1500}, {Done: 1000, Total: 1500, Issued: 1000}}
		if !errors.Is(err, context.Canceled) || !slices.Equal(reports, want) || p != want[1] {
			t.Fatalf("reissue cancelled after the first batch: %+v, %v; progress %+v, want %+v", p, err, reports, want)
		}
		if p, err := s.Reissue(ctx, 2, nil); err != nil || p.Total != 500 || p.Issued != 500 {
			t.Errorf("reissue of the rest: %+v, %v", p, err)
		}
	})
}
