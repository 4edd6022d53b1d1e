package registry_test

import (
	"bytes"
	"context"
	"crypto"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/hufu-project/hufu/bundle"
	"github.com/hufu-project/hufu/keys"
	"github.com/hufu-project/hufu/pass"
	"github.com/hufu-project/hufu/registry"
	"github.com/hufu-project/hufu/registry/registrytest"
)

// TestSourceSignsLikePublish: a source from Source, signed with the same
// sequence number and times as the bundle Publish writes at the same
// moment, is the same file, byte for byte (the root is Ed25519, whose
// signatures are deterministic): the same issuers, names, lifetimes,
// colours, keys and windows, and the same revoked passes — Shanghai's
// own that have not expired, and those of a merged Jiangsu export.
func TestSourceSignsLikePublish(t *testing.T) {
	for _, b := range registrytest.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			ctx := context.Background()
			sh := newFixture(t, b)
			js, jsKey := newJiangsu(t, b, sh)
			jsOld, _ := keys.Generate(keys.EdDSA)
			t0 := sh.clk.Now()
			err := sh.s.AddIssuer(ctx, bundle.Issuer{ID: "320000", Name: bundle.Label{ZH: "江苏省", EN: "Jiangsu"},
				Keys: []bundle.IssuerKey{{Public: jsKey.Public(), ValidFrom: t0.Add(-time.Hour)},
					{Public: jsOld.Public(), ValidFrom: t0.Add(-30 * 24 * time.Hour), ValidUntil: t0.Add(-time.Hour)}},
				MaxLifetime: 48 * time.Hour, Colours: []pass.Colour{pass.Green, pass.Red}})
			if err != nil {
				t.Fatal(err)
			}
			red := func(s *registry.Service, holder, event string) {
				t.Helper()
				if _, err := s.SetStatus(ctx, health, registry.StatusChange{EventID: event, HolderID: holder,
					Status: registry.Status{Colour: pass.Red, Reason: pass.Confirmed}}); err != nil {
					t.Fatal(err)
				}
			}
			// A pass revoked a day ago has expired: neither lists it.
			old, _, _ := sh.s.Register(ctx, registrar, registry.NewHolder{Name: "Old Pass", IDNumber: "300"})
			oldPass, _, _ := sh.s.Pass(ctx, old)
			red(sh.s, old, "sh-0")
			sh.clk.Add(25 * time.Hour)
			a, _, _ := sh.s.Register(ctx, registrar, registry.NewHolder{Name: "Shang Hai", IDNumber: "310"})
			aPass, _, _ := sh.s.Pass(ctx, a)
			bID, _, _ := sh.s.Register(ctx, registrar, registry.NewHolder{Name: "Hu Nan", IDNumber: "311"})
			bPass, _, _ := sh.s.Pass(ctx, bID)
			red(sh.s, bID, "sh-1")
			jid, _, _ := js.Register(ctx, registrar, registry.NewHolder{Name: "Jiang Su", IDNumber: "320"})
			jPass, _, err := js.Pass(ctx, jid)
			if err != nil {
				t.Fatal(err)
			}
			red(js, jid, "js-1")
			exp, n, err := js.Export(ctx, "320000", jsKey)
			if err != nil || n != 1 {
				t.Fatalf("export: %d, %v", n, err)
			}

			src, err := sh.s.Source(ctx, registry.SourceOptions{Merge: [][]byte{exp}})
			if err != nil {
				t.Fatal(err)
			}
			if src.Seq != 0 || len(src.Issuers) != 2 || src.RevokedPasses() != 2 {
				t.Fatalf("source: seq %d, %d issuers, %d revoked passes; want 0, 2, 2", src.Seq, len(src.Issuers), src.RevokedPasses())
			}
			dir := t.TempDir()
			pub, err := sh.s.Publish(ctx, registry.PublishOptions{Root: sh.root, Dir: dir, Merge: [][]byte{exp}})
			if err != nil {
				t.Fatal(err)
			}
			online, err := os.ReadFile(pub.File)
			if err != nil {
				t.Fatal(err)
			}
			roots := []crypto.PublicKey{sh.root.Public()}
			ob, err := bundle.Open(online, roots)
			if err != nil {
				t.Fatal(err)
			}
			offline, _, err := src.Sign(sh.root, ob.Seq, ob.IssuedAt, ob.NextUpdate.Sub(ob.IssuedAt), ob.Expires.Sub(ob.IssuedAt))
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(offline, online) {
				fb, _ := bundle.Open(offline, roots)
				t.Fatalf("the signed source differs from the published bundle:\nsource:    %+v\npublished: %+v", fb, ob)
			}
			// The same is not vacuous: it says what the registry knows.
			for _, c := range []struct {
				iss, id string
				revoked bool
			}{{"310000", aPass.ID, false}, {"310000", bPass.ID, true}, {"310000", oldPass.ID, false}, {"320000", jPass.ID, true}} {
				id, _ := hex.DecodeString(c.id)
				if got := ob.PassRevoked(c.iss, id); got != c.revoked {
					t.Errorf("pass %s of %s revoked: %v, want %v", c.id, c.iss, got, c.revoked)
				}
			}
			if is := ob.Issuer("320000"); is == nil || len(is.Keys) != 2 || is.MaxLifetime != 48*time.Hour || len(is.Colours) != 2 {
				t.Errorf("Jiangsu in the bundle: %+v", is)
			}
		})
	}
}

// TestSourceSeq: a source takes the registry's next bundle number, and
// "bundle sign"'s default (the source's seq plus one) signs it; sources
// and publications, one after another and at once, never give two bundles
// one number, so a verifier never sees two different bundles with one
// seq.
func TestSourceSeq(t *testing.T) {
	eachBackend(t, func(t *testing.T, fx *fixture) {
		ctx := context.Background()
		dir := t.TempDir()
		var mu sync.Mutex
		seen := map[uint64]string{}
		record := func(seq uint64, what string) {
			mu.Lock()
			defer mu.Unlock()
			if prev, ok := seen[seq]; ok {
				t.Errorf("seq %d given twice: to %s and to %s", seq, prev, what)
			}
			seen[seq] = what
		}
		fromSource := func() error {
			src, err := fx.s.Source(ctx, registry.SourceOptions{})
			if err != nil {
				return err
			}
			_, c, err := src.Sign(fx.root, 0, fx.clk.Now(), 24*time.Hour, 7*24*time.Hour)
			if err != nil {
				return err
			}
			record(c.Seq, "a source")
			return nil
		}
		publish := func() error {
			r, err := fx.s.Publish(ctx, registry.PublishOptions{Root: fx.root, Dir: dir})
			if err == nil {
				record(r.Seq, "a publication")
			}
			return err
		}
		for _, f := range []func() error{fromSource, publish, fromSource, fromSource, publish} {
			if err := f(); err != nil {
				t.Fatal(err)
			}
		}
		for seq := uint64(1); seq <= 5; seq++ {
			if _, ok := seen[seq]; !ok {
				t.Errorf("one after another: seq %d not given (%v)", seq, seen)
			}
		}
		var wg sync.WaitGroup
		errs := make(chan error, 8)
		for i := range 8 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				f := fromSource
				if i%2 == 1 {
					f = publish
				}
				if err := f(); err != nil {
					errs <- err
				}
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Error(err)
		}
		if len(seen) != 13 {
			t.Errorf("%d distinct numbers, want 13: %v", len(seen), seen)
		}
		// The bundle in the directory is the last publication's.
		data, err := os.ReadFile(filepath.Join(dir, "bundle.hfb"))
		if err != nil {
			t.Fatal(err)
		}
		if b, err := bundle.Open(data, []crypto.PublicKey{fx.root.Public()}); err != nil || seen[b.Seq] != "a publication" {
			t.Errorf("bundle.hfb: %v, %v", b, err)
		}
		// A database whose bundles predate the counter: the next number
		// is still above its last bundle.
		if err := fx.store.Update(ctx, func(tx registry.Tx) error { return tx.SetMeta("bundle_seq", "0") }); err != nil {
			t.Fatal(err)
		}
		if err := fromSource(); err != nil || seen[14] != "a source" {
			t.Errorf("after the counter was reset: %v, %v; want seq 14 for the source", err, seen)
		}
	})
}

// TestSourceTooLarge: a source over the limit is too_large with a
// SourceTooLargeError that says what to do, and takes no number.
func TestSourceTooLarge(t *testing.T) {
	eachBackend(t, func(t *testing.T, fx *fixture) {
		ctx := context.Background()
		id, _, _ := fx.s.Register(ctx, registrar, registry.NewHolder{Name: "A A", IDNumber: "1"})
		fx.s.Pass(ctx, id)
		fx.s.SetStatus(ctx, health, registry.StatusChange{EventID: "e1", HolderID: id, Status: registry.Status{Colour: pass.Red, Reason: pass.Confirmed}})
		src, err := fx.s.Source(ctx, registry.SourceOptions{})
		if err != nil {
			t.Fatal(err)
		}
		data, _ := src.Marshal()
		defer registry.SetSourceMaxSize(int64(len(data)) - 1)()
		_, err = fx.s.Source(ctx, registry.SourceOptions{})
		var te *registry.SourceTooLargeError
		if code(err) != registry.TooLarge || !errors.As(err, &te) || te.Revoked != 1 || te.Size != int64(len(data)) || te.Hint() == "" {
			t.Fatalf("source over the limit: %v; want too_large with a SourceTooLargeError of %d bytes, 1 pass", err, len(data))
		}
		if r, err := fx.s.Publish(ctx, registry.PublishOptions{Root: fx.root, Dir: t.TempDir()}); err != nil || r.Seq != 2 {
			t.Errorf("publish after the refused source: %+v, %v; want seq 2 (1 went to the first source)", r, err)
		}
	})
}
