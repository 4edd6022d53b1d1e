package registry_test

import (
	"context"
	"crypto"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hufu-project/hufu/bundle"
	"github.com/hufu-project/hufu/issuer"
	"github.com/hufu-project/hufu/keys"
	"github.com/hufu-project/hufu/pass"
	"github.com/hufu-project/hufu/registry"
	"github.com/hufu-project/hufu/registry/registrytest"
	"github.com/hufu-project/hufu/verifier"
)

// clock is a settable test clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

type fixture struct {
	s     *registry.Service
	store registry.Store
	clk   *clock
	key   crypto.Signer
	root  crypto.Signer
	dsn   string
}

var (
	registrar = registry.Principal{Operator: "reg", Role: registry.Registrar}
	health    = registry.Principal{Operator: "feed", Role: registry.Health}
	appeals   = registry.Principal{Operator: "judge", Role: registry.Appeals}
)

func newFixture(t *testing.T, b registrytest.Backend) *fixture { return newFixtureB(t, b) }

func newFixtureB(t testing.TB, b registrytest.Backend) *fixture {
	t.Helper()
	dsn := b.DSN(t)
	st := registrytest.Open(t, dsn)
	key, err := keys.Generate(keys.ES256)
	if err != nil {
		t.Fatal(err)
	}
	root, _ := keys.Generate(keys.EdDSA)
	is, err := issuer.New(key, "310000", 24*time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	clk := &clock{t: time.Date(2026, 6, 1, 8, 0, 0, 0, time.UTC)}
	s, err := registry.New(context.Background(), registry.Config{
		Store: st, Issuer: is, IssuerID: "310000", Secret: []byte("0123456789abcdef0123456789abcdef"),
		Validity: 24 * time.Hour, Now: clk.Now,
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.EnsureIssuerKey(context.Background(), "310000", key.Public()); err != nil {
		t.Fatal(err)
	}
	return &fixture{s: s, store: st, clk: clk, key: key, root: root, dsn: dsn}
}

// newJiangsu opens a second registry, Jiangsu's (320000), on its own
// database of backend b, with its own issuing key (returned) and sh's
// clock.
func newJiangsu(t *testing.T, b registrytest.Backend, sh *fixture) (*registry.Service, crypto.Signer) {
	t.Helper()
	key, err := keys.Generate(keys.ES256)
	if err != nil {
		t.Fatal(err)
	}
	is, err := issuer.New(key, "320000", 24*time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	js, err := registry.New(context.Background(), registry.Config{Store: registrytest.Open(t, b.DSN(t)), Issuer: is, IssuerID: "320000",
		Secret: []byte("jiangsu secret, 32 bytes long..."), Now: sh.clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	return js, key
}

// eachBackend runs f as a subtest on SQLite and on PostgreSQL.
func eachBackend(t *testing.T, f func(t *testing.T, fx *fixture)) {
	for _, b := range registrytest.Backends() {
		t.Run(b.Name, func(t *testing.T) { f(t, newFixture(t, b)) })
	}
}

func code(err error) registry.Code {
	if err == nil {
		return ""
	}
	return registry.ErrorCode(err)
}

// checkConsistent checks that the holder's last history row is its
// current status and that it has at most one live pass.
func checkConsistent(t testing.TB, fx *fixture, id string) {
	t.Helper()
	h, hist, passes, _, err := fx.s.Holder(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	last := hist[len(hist)-1]
	if last.Version != h.Version || last.Status != h.Status || last.Name != h.Name {
		t.Errorf("history %+v disagrees with holder %+v", last, h)
	}
	live := 0
	for _, p := range passes {
		if p.RevokedAt.IsZero() && p.SupersededAt.IsZero() {
			live++
		}
	}
	if live > 1 {
		t.Errorf("holder %s has %d live passes", id, live)
	}
}

func TestRules(t *testing.T) {
	eachBackend(t, func(t *testing.T, fx *fixture) {
		ctx := context.Background()
		id, link, err := fx.s.Register(ctx, registrar, registry.NewHolder{Name: "张三", IDNumber: "31010119900101123x"})
		if err != nil {
			t.Fatal(err)
		}
		if p, err := fx.s.Authenticate(ctx, link); err != nil || p.HolderID != id {
			t.Fatalf("link token: %+v, %v", p, err)
		}
		if _, _, err := fx.s.Register(ctx, registrar, registry.NewHolder{Name: "李四", IDNumber: "31010119900101123X"}); code(err) != registry.HolderExists {
			t.Errorf("same ID number again: %v, want holder_exists", err)
		}
		p1, fresh, err := fx.s.Pass(ctx, id)
		if err != nil || !fresh {
			t.Fatalf("first pass: fresh %v, %v", fresh, err)
		}
		if p1.Status.Colour != pass.Green || p1.Status.Hints != pass.HealthRegistration {
			t.Errorf("new holder's pass %+v, want green with health_registration", p1.Status)
		}
		// The record says what the text carries.
		if u, err := verifier.InspectUnverified(p1.Text); err != nil || u.Pass.ID.String() != p1.ID || hex.EncodeToString(u.KID) != p1.KID ||
			u.Pass.Issuer != p1.Issuer || !u.Pass.IssuedAt.Equal(p1.IssuedAt) || !u.Pass.ExpiresAt.Equal(p1.ExpiresAt) || !p1.IssuedAt.Equal(fx.clk.Now()) {
			t.Errorf("pass record %+v disagrees with its text (%v)", p1, err)
		}
		fx.clk.Add(time.Hour)
		if p, fresh, _ := fx.s.Pass(ctx, id); fresh || p.ID != p1.ID {
			t.Errorf("unchanged holder got a new pass")
		}

		// Red: revokes the green pass; a replayed event is a duplicate.
		red := registry.StatusChange{EventID: "ev-1", HolderID: id, Status: registry.Status{Colour: pass.Red, Reason: pass.Confirmed}}
		r, err := fx.s.SetStatus(ctx, health, red)
		if err != nil || r.Revoked != 1 || r.Duplicate {
			t.Fatalf("red: %+v, %v", r, err)
		}
		red.Status.Colour = pass.Yellow
		if r, err := fx.s.SetStatus(ctx, health, red); err != nil || !r.Duplicate || r.Revoked != 0 {
			t.Fatalf("replayed event: %+v, %v", r, err)
		}
		p2, fresh, err := fx.s.Pass(ctx, id)
		if err != nil || !fresh || p2.Status.Colour != pass.Red || p2.Status.Reason != pass.Confirmed {
			t.Fatalf("after red: %+v fresh %v, %v", p2, fresh, err)
		}
		checkConsistent(t, fx, id)

		// Registration clears the hint (a change: the red pass goes).
		if n, err := fx.s.CompleteRegistration(ctx, registrar, id); err != nil || n != 1 {
			t.Fatalf("registration: %d, %v", n, err)
		}
		p3, _, _ := fx.s.Pass(ctx, id)
		if p3.Status.Hints != 0 {
			t.Errorf("hints after registration: %v", p3.Status.Hints.Names())
		}
		// A feed's own attempt to set health_registration is ignored.
		r, _ = fx.s.SetStatus(ctx, health, registry.StatusChange{EventID: "ev-2", HolderID: id,
			Status: registry.Status{Colour: pass.Red, Reason: pass.Confirmed, Hints: pass.HealthRegistration | pass.AppealPending}})
		if r.Changed || r.Revoked != 0 {
			t.Errorf("managed hints from the feed changed the status: %+v", r)
		}

		// Appeal: appeal_pending; upheld: green, the red pass revoked.
		aid, _, err := fx.s.OpenAppeal(ctx, registry.Principal{HolderID: id}, id, "I was never tested")
		if err != nil {
			t.Fatal(err)
		}
		p4, _, _ := fx.s.Pass(ctx, id)
		if p4.Status.Hints != pass.AppealPending || p4.Status.Colour != pass.Red {
			t.Errorf("pass during appeal: %+v", p4.Status)
		}
		if n, err := fx.s.ResolveAppeal(ctx, appeals, aid, registry.Resolution{Outcome: registry.AppealUpheld, Colour: pass.Green, Note: "lab error"}); err != nil || n != 1 {
			t.Fatalf("upheld: %d, %v", n, err)
		}
		if _, err := fx.s.ResolveAppeal(ctx, appeals, aid, registry.Resolution{Outcome: registry.AppealRejected}); code(err) != registry.AppealResolved {
			t.Errorf("resolving twice: %v", err)
		}
		p5, _, _ := fx.s.Pass(ctx, id)
		if p5.Status != (registry.Status{Colour: pass.Green}) {
			t.Errorf("after upheld appeal: %+v", p5.Status)
		}
		_, hist, passes, apps, _ := fx.s.Holder(ctx, id)
		for _, p := range passes {
			if p.ID != p5.ID && p.RevokedAt.IsZero() {
				t.Errorf("pass %s (%v) not revoked after later changes", p.ID, p.Status)
			}
		}
		if len(apps) != 1 || apps[0].State != registry.AppealUpheld || apps[0].Note != "lab error" || apps[0].ResolvedBy != "judge" {
			t.Errorf("appeal record %+v", apps)
		}
		if len(hist) != 5 || hist[1].EventID != "ev-1" || hist[1].Actor != "feed" {
			t.Errorf("history %+v", hist)
		}
		checkConsistent(t, fx, id)

		// Re-issue near expiry: a new pass, the old one superseded, not revoked.
		fx.clk.Add(17 * time.Hour)
		if p, fresh, _ := fx.s.Pass(ctx, id); fresh || p.ID != p5.ID {
			t.Errorf("pass with 7h of 24h left was re-issued")
		}
		fx.clk.Add(2 * time.Hour)
		p6, fresh, _ := fx.s.Pass(ctx, id)
		if !fresh || p6.ID == p5.ID {
			t.Errorf("pass with 5h of 24h left was not re-issued")
		}
		_, _, passes, _, _ = fx.s.Holder(ctx, id)
		for _, p := range passes {
			if p.ID == p5.ID && (!p.RevokedAt.IsZero() || p.SupersededAt.IsZero()) {
				t.Errorf("re-issued pass: revoked %v superseded %v", p.RevokedAt, p.SupersededAt)
			}
		}
		checkConsistent(t, fx, id)
	})
}

func TestBadInput(t *testing.T) {
	eachBackend(t, func(t *testing.T, fx *fixture) {
		ctx := context.Background()
		id, _, err := fx.s.Register(ctx, registrar, registry.NewHolder{Name: "王五", IDNumber: "1"})
		if err != nil {
			t.Fatal(err)
		}
		for _, tc := range []struct {
			name string
			err  error
			want registry.Code
		}{
			{"empty name", third(fx.s.Register(ctx, registrar, registry.NewHolder{Name: "", IDNumber: "2"})), registry.InvalidName},
			{"bad id number", third(fx.s.Register(ctx, registrar, registry.NewHolder{Name: "A B", IDNumber: "12-3"})), registry.InvalidIDNumber},
			{"bad photo digest", third(fx.s.Register(ctx, registrar, registry.NewHolder{Name: "A B", IDNumber: "3", PhotoDigest: "zz"})), registry.InvalidField},
			{"photo ref without digest", third(fx.s.Register(ctx, registrar, registry.NewHolder{Name: "A B", IDNumber: "3", PhotoRef: "p1"})), registry.InvalidField},
			{"unknown holder", second(fx.s.SetStatus(ctx, health, registry.StatusChange{EventID: "e", HolderID: "nope", Status: registry.Status{Colour: pass.Green}})), registry.HolderNotFound},
			{"no event", second(fx.s.SetStatus(ctx, health, registry.StatusChange{HolderID: id, Status: registry.Status{Colour: pass.Green}})), registry.InvalidEventID},
			{"bad colour", second(fx.s.SetStatus(ctx, health, registry.StatusChange{EventID: "e", HolderID: id, Status: registry.Status{Colour: 9}})), registry.InvalidColour},
			{"red without reason", second(fx.s.SetStatus(ctx, health, registry.StatusChange{EventID: "e", HolderID: id, Status: registry.Status{Colour: pass.Red}})), registry.InvalidReason},
			{"green with reason", second(fx.s.SetStatus(ctx, health, registry.StatusChange{EventID: "e", HolderID: id, Status: registry.Status{Colour: pass.Green, Reason: 1}})), registry.InvalidReason},
			{"unnamed reason", second(fx.s.SetStatus(ctx, health, registry.StatusChange{EventID: "e", HolderID: id, Status: registry.Status{Colour: pass.Red, Reason: 99}})), registry.InvalidReason},
			{"unknown hint", second(fx.s.SetStatus(ctx, health, registry.StatusChange{EventID: "e", HolderID: id, Status: registry.Status{Colour: pass.Green, Hints: 1 << 9}})), registry.InvalidHint},
			{"empty appeal", third(fx.s.OpenAppeal(ctx, registrar, id, " ")), registry.InvalidField},
			{"appeal unknown holder", third(fx.s.OpenAppeal(ctx, registrar, "nope", "x")), registry.HolderNotFound},
			{"unknown appeal", second(fx.s.ResolveAppeal(ctx, appeals, "nope", registry.Resolution{Outcome: registry.AppealRejected})), registry.AppealNotFound},
			{"bad outcome", second(fx.s.ResolveAppeal(ctx, appeals, "nope", registry.Resolution{Outcome: "maybe"})), registry.InvalidField},
			{"bad role", second(fx.s.CreateOperator(ctx, "x", "admin")), registry.InvalidField},
			{"unknown token", second(fx.s.Authenticate(ctx, "hfo_nothing")), registry.Unauthorized},
			{"unknown link", second(fx.s.Authenticate(ctx, "hfh_nothing")), registry.Unauthorized},
		} {
			if got := code(tc.err); got != tc.want {
				t.Errorf("%s: %v, want %s", tc.name, tc.err, tc.want)
			}
		}
		// Nothing of the above was written.
		_, hist, passes, apps, _ := fx.s.Holder(ctx, id)
		if len(hist) != 1 || len(passes) != 0 || len(apps) != 0 {
			t.Errorf("bad input left rows: %d history, %d passes, %d appeals", len(hist), len(passes), len(apps))
		}
		// A different secret on the same database is refused.
		_, err = registry.New(ctx, registry.Config{Store: fx.store, Secret: []byte("another secret of 32 bytes......")})
		if err == nil {
			t.Error("a second secret was accepted")
		}
	})
}

func second[T any](_ T, err error) error        { return err }
func third[T, U any](_ T, _ U, err error) error { return err }

func TestFeed(t *testing.T) {
	eachBackend(t, func(t *testing.T, fx *fixture) {
		ctx := context.Background()
		a, _, _ := fx.s.Register(ctx, registrar, registry.NewHolder{Name: "A A", IDNumber: "1"})
		b, _, _ := fx.s.Register(ctx, registrar, registry.NewHolder{Name: "B B", IDNumber: "2"})
		fx.s.Pass(ctx, a)
		feed := strings.Join([]string{
			`{"event_id":"f1","holder_id":"` + a + `","colour":"yellow","reason":"close_contact"}`,
			`{"event_id":"f2","holder_id":"` + b + `","colour":"red","reason":"confirmed","hints":["test_suggested"]}`,
			``,
			`{"event_id":"f3","holder_id":"nobody","colour":"red","reason":"confirmed"}`,
			`{"event_id":"f4","holder_id":"` + a + `","colour":"purple"}`,
			`{"event_id":"f5","holder_id":"` + a + `","colour":"red","reason":"flu"}`,
			`{"event_id":"f6","holder_id":"` + a + `","colour":"red","reason":"confirmed","extra":1}`,
			`not json`,
			`{"event_id":"f1","holder_id":"` + a + `","colour":"green"}`,
			`{"event_id":"f7","holder_id":"` + a + `","colour":"red","reason":"confirmed"}`,
		}, "\n")
		res, err := fx.s.Feed(ctx, health, []byte(feed))
		if err != nil {
			t.Fatal(err)
		}
		want := []registry.LineError{{Line: 4, Error: registry.HolderNotFound}, {Line: 5, Error: registry.InvalidColour},
			{Line: 6, Error: registry.InvalidReason}, {Line: 7, Error: registry.BadRequest}, {Line: 8, Error: registry.BadRequest}}
		if res.Applied != 3 || res.Duplicates != 1 || res.Revoked != 1 || len(res.Errors) != len(want) {
			t.Fatalf("feed result %+v", res)
		}
		for i, e := range res.Errors {
			if e.Line != want[i].Line || e.Error != want[i].Error || e.Detail == "" {
				t.Errorf("error %d: %+v, want line %d %s", i, e, want[i].Line, want[i].Error)
			}
		}
		h, _, _, _, _ := fx.s.Holder(ctx, a)
		if h.Status.Colour != pass.Red || h.Version != 3 {
			t.Errorf("holder a: %+v", h)
		}
		// The same feed again: all duplicates, nothing applied.
		res, err = fx.s.Feed(ctx, health, []byte(feed))
		if err != nil || res.Applied != 0 || res.Duplicates != 4 {
			t.Errorf("replayed feed: %+v, %v", res, err)
		}
		checkConsistent(t, fx, a)
		checkConsistent(t, fx, b)
	})
}

func TestPublish(t *testing.T) {
	eachBackend(t, func(t *testing.T, fx *fixture) {
		ctx := context.Background()
		id, _, _ := fx.s.Register(ctx, registrar, registry.NewHolder{Name: "A A", IDNumber: "1"})
		green, _, _ := fx.s.Pass(ctx, id)
		dir := t.TempDir()
		r1, err := fx.s.Publish(ctx, registry.PublishOptions{Root: fx.root, Dir: dir})
		if err != nil || r1.Seq != 1 || r1.Revoked != 0 {
			t.Fatalf("publish 1: %+v, %v", r1, err)
		}
		roots := []crypto.PublicKey{fx.root.Public()}
		now := fx.clk.Now()
		check := func(text string) error {
			data, err := os.ReadFile(filepath.Join(dir, "bundle.hfb"))
			if err != nil {
				t.Fatal(err)
			}
			b, err := bundle.Open(data, roots)
			if err != nil {
				t.Fatal(err)
			}
			_, err = verifier.Verify(text, b, verifier.Options{Now: now})
			return err
		}
		if err := check(green.Text); err != nil {
			t.Fatalf("green pass under bundle 1: %v", err)
		}
		fx.s.SetStatus(ctx, health, registry.StatusChange{EventID: "e1", HolderID: id, Status: registry.Status{Colour: pass.Red, Reason: pass.Confirmed}})
		r2, err := fx.s.Publish(ctx, registry.PublishOptions{Root: fx.root, Dir: dir})
		if err != nil || r2.Seq != 2 || r2.Revoked != 1 {
			t.Fatalf("publish 2: %+v, %v", r2, err)
		}
		var ve *verifier.Error
		if err := check(green.Text); !errors.As(err, &ve) || ve.Reason != verifier.RevokedPass {
			t.Errorf("green pass under bundle 2: %v, want revoked_pass", err)
		}
		if _, err := os.Stat(filepath.Join(dir, "bundle-1.hfb")); err != nil {
			t.Error(err)
		}
		// Once the revoked pass has expired, its revocation drops out.
		fx.clk.Add(25 * time.Hour)
		r3, err := fx.s.Publish(ctx, registry.PublishOptions{Root: fx.root, Dir: dir})
		if err != nil || r3.Seq != 3 || r3.Revoked != 0 {
			t.Errorf("publish 3: %+v, %v", r3, err)
		}
	})
}

func TestReissue(t *testing.T) {
	eachBackend(t, func(t *testing.T, fx *fixture) {
		ctx := context.Background()
		var ids []string
		for i := range 25 {
			id, _, err := fx.s.Register(ctx, registrar, registry.NewHolder{Name: "A A", IDNumber: string(rune('A'+i%26)) + "1" + strings.Repeat("0", i)})
			if err != nil {
				t.Fatal(err)
			}
			ids = append(ids, id)
			if i < 20 {
				fx.s.Pass(ctx, id)
			}
		}
		fx.clk.Add(20 * time.Hour)
		var last registry.ReissueProgress
		p, err := fx.s.Reissue(ctx, 3, func(p registry.ReissueProgress) { last = p })
		if err != nil || p.Total != 20 || p.Issued != 20 || last != p {
			t.Fatalf("reissue: %+v (last progress %+v), %v", p, last, err)
		}
		p, err = fx.s.Reissue(ctx, 3, nil)
		if err != nil || p.Total != 0 {
			t.Errorf("second reissue: %+v, %v", p, err)
		}
		for _, id := range ids[:20] {
			_, _, passes, _, _ := fx.s.Holder(ctx, id)
			if len(passes) != 2 || passes[1].IssuedAt != fx.clk.Now() {
				t.Errorf("holder %s: %+v", id, passes)
			}
			checkConsistent(t, fx, id)
		}
	})
}

// TestTwoRegistries: Jiangsu (320000) exports its revocations; Shanghai
// (310000) knows Jiangsu's key, merges the export and publishes; a guard
// with Shanghai's bundle refuses the pass Jiangsu revoked, and an export
// signed by Jiangsu cannot revoke a Shanghai pass.
func TestTwoRegistries(t *testing.T) {
	for _, b := range registrytest.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			ctx := context.Background()
			sh := newFixture(t, b)
			js, jsKey := newJiangsu(t, b, sh)
			err := sh.s.AddIssuer(ctx, bundle.Issuer{ID: "320000", Name: bundle.Label{ZH: "江苏省", EN: "Jiangsu"},
				Keys: []bundle.IssuerKey{{Public: jsKey.Public()}}, MaxLifetime: 168 * time.Hour,
				Colours: []pass.Colour{pass.Green, pass.Yellow, pass.Red}})
			if err != nil {
				t.Fatal(err)
			}
			jid, _, _ := js.Register(ctx, registrar, registry.NewHolder{Name: "Jiang Su", IDNumber: "320"})
			jpass, _, err := js.Pass(ctx, jid)
			if err != nil {
				t.Fatal(err)
			}
			sid, _, _ := sh.s.Register(ctx, registrar, registry.NewHolder{Name: "Shang Hai", IDNumber: "310"})
			spass, _, _ := sh.s.Pass(ctx, sid)

			dir := t.TempDir()
			guard := func(text string) error {
				data, err := os.ReadFile(filepath.Join(dir, "bundle.hfb"))
				if err != nil {
					t.Fatal(err)
				}
				bd, err := bundle.Open(data, []crypto.PublicKey{sh.root.Public()})
				if err != nil {
					t.Fatal(err)
				}
				_, err = verifier.Verify(text, bd, verifier.Options{Now: sh.clk.Now()})
				return err
			}
			// helpDesk is Shanghai's help desk checking text with the
			// exports merge: the decision, reason and warnings.
			helpDesk := func(text string, merge ...[]byte) string {
				t.Helper()
				v, _, err := sh.s.Check(ctx, text, registry.CheckOptions{Merge: merge})
				if err != nil {
					t.Fatal(err)
				}
				return fmt.Sprintf("%s %s %v", v.Decision, v.Reason, v.Warnings)
			}
			exp1, n, err := js.Export(ctx, "320000", jsKey)
			if err != nil || n != 0 {
				t.Fatalf("export: %d, %v", n, err)
			}
			// Without an export the help desk cannot know Jiangsu's
			// revocations, and says so; with one, it knows them as of
			// the export.
			if got := helpDesk(jpass.Text); got != "admit  [revocations_unknown]" {
				t.Errorf("Jiangsu pass, no export: %s", got)
			}
			if got := helpDesk(jpass.Text, exp1); got != "admit  []" {
				t.Errorf("Jiangsu pass, export 1: %s", got)
			}
			if _, err := sh.s.Publish(ctx, registry.PublishOptions{Root: sh.root, Dir: dir, Merge: [][]byte{exp1}}); err != nil {
				t.Fatal(err)
			}
			if err := guard(jpass.Text); err != nil {
				t.Fatalf("Jiangsu pass at a Shanghai guard: %v", err)
			}
			js.SetStatus(ctx, health, registry.StatusChange{EventID: "js-1", HolderID: jid, Status: registry.Status{Colour: pass.Red, Reason: pass.Confirmed}})
			exp2, n, err := js.Export(ctx, "320000", jsKey)
			if err != nil || n != 1 {
				t.Fatalf("export 2: %d, %v", n, err)
			}
			// The help desk refuses the revoked pass as a guard with
			// the next bundle will; with the export from before the
			// revocation, or none, it does not know.
			if got := helpDesk(jpass.Text, exp2); got != "invalid revoked_pass []" {
				t.Errorf("revoked Jiangsu pass, export 2: %s", got)
			}
			if got := helpDesk(jpass.Text, exp1); got != "admit  []" {
				t.Errorf("revoked Jiangsu pass, export 1: %s", got)
			}
			if got := helpDesk(spass.Text, exp2); got != "admit  []" {
				t.Errorf("Shanghai pass, export 2: %s", got)
			}
			// Check records nothing: export 1 is still not older than
			// the last one merged.
			if _, err := sh.s.Publish(ctx, registry.PublishOptions{Root: sh.root, Dir: dir, Merge: [][]byte{exp1}}); err != nil {
				t.Fatalf("export 1 again after Check saw export 2: %v", err)
			}
			r, err := sh.s.Publish(ctx, registry.PublishOptions{Root: sh.root, Dir: dir, Merge: [][]byte{exp2}})
			if err != nil || r.Revoked != 1 {
				t.Fatalf("publish with merge: %+v, %v", r, err)
			}
			var ve *verifier.Error
			if err := guard(jpass.Text); !errors.As(err, &ve) || ve.Reason != verifier.RevokedPass {
				t.Errorf("revoked Jiangsu pass at a Shanghai guard: %v, want revoked_pass", err)
			}
			if err := guard(spass.Text); err != nil {
				t.Errorf("Shanghai pass: %v", err)
			}
			// An older export is refused; so is an export of Shanghai's
			// passes signed with Jiangsu's key.
			if _, err := sh.s.Publish(ctx, registry.PublishOptions{Root: sh.root, Dir: dir, Merge: [][]byte{exp1}}); code(err) != registry.InvalidField {
				t.Errorf("older export: %v", err)
			}
			forged, _, err := js.Export(ctx, "310000", jsKey)
			if err != nil {
				t.Fatal(err)
			}
			// What a publish refuses, the help desk leaves out: the
			// older export (Jiangsu's revocations are unknown again),
			// the export of Shanghai's passes signed by Jiangsu, and
			// bytes that are not an export.
			if got := helpDesk(jpass.Text, exp1); got != "admit  [revocations_unknown]" {
				t.Errorf("Jiangsu pass, older export: %s", got)
			}
			if got := helpDesk(jpass.Text, forged, []byte("not an export"), exp2); got != "invalid revoked_pass []" {
				t.Errorf("Jiangsu pass, refused exports beside export 2: %s", got)
			}
			// Jiangsu's key signing a list that revokes a Shanghai pass
			// opens (the key is listed) but may not sign for 310000.
			spassID, _ := hex.DecodeString(spass.ID)
			forgedSH, err := bundle.SignRevocations(&bundle.Revocations{Issuer: "310000", Seq: 99, IssuedAt: sh.clk.Now(),
				Passes: []bundle.RevokedPass{{ID: spassID, ExpiresAt: spass.ExpiresAt}}}, jsKey)
			if err != nil {
				t.Fatal(err)
			}
			if got := helpDesk(spass.Text, forgedSH); got != "admit  []" {
				t.Errorf("Shanghai pass, export revoking it signed by Jiangsu: %s", got)
			}
			if _, err := sh.s.Publish(ctx, registry.PublishOptions{Root: sh.root, Dir: dir, Merge: [][]byte{forged}}); code(err) != registry.InvalidField {
				t.Errorf("export for 310000 signed by 320000's key: %v", err)
			}
		})
	}
}
