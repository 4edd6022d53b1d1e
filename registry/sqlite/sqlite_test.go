package sqlite_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/hufu-project/hufu/registry"
	"github.com/hufu-project/hufu/registry/sqlite"
)

// TestReadersOnlyRead checks that a read-only transaction goes on while a
// write transaction is open, on a connection of its own that sees what
// the writer committed and cannot write.
func TestReadersOnlyRead(t *testing.T) {
	ctx := context.Background()
	s, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "r.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	var cache int
	if err := s.DB().QueryRow(`PRAGMA cache_size`).Scan(&cache); err != nil || cache != -65536 {
		t.Errorf("the writer's cache_size is %d (%v), want -65536", cache, err)
	}
	if err := s.Update(ctx, func(tx registry.Tx) error { return tx.SetMeta("k", "v1") }); err != nil {
		t.Fatal(err)
	}
	err = s.Update(ctx, func(tx registry.Tx) error {
		if err := tx.SetMeta("k", "v3"); err != nil {
			return err
		}
		// The write transaction holds the writing connection: the read
		// runs on another and sees the last commit, not v3.
		err := s.View(ctx, func(tx registry.Tx) error {
			v, _, err := tx.Meta("k")
			if err == nil && v != "v1" {
				t.Errorf("read during a write: %q, want the committed v1", v)
			}
			return err
		})
		if err != nil {
			return err
		}
		if err := s.View(ctx, func(tx registry.Tx) error { return tx.SetMeta("k", "v2") }); err == nil {
			t.Error("a read-only transaction beside the writer wrote")
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	s.View(ctx, func(tx registry.Tx) error {
		if v, _, err := tx.Meta("k"); err != nil || v != "v3" {
			t.Errorf("after the commit: %q, %v; want v3", v, err)
		}
		return nil
	})
}
