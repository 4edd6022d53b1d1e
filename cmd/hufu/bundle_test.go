package main

import (
	"crypto"
	"crypto/ed25519"
	"crypto/sha256"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/hufu-project/hufu/bundle"
	"github.com/hufu-project/hufu/bundle/store"
	"github.com/hufu-project/hufu/pass"
)

// TestConcurrentInstalls: installs racing each other never leave an older
// bundle in force than the newest one installed.
func TestConcurrentInstalls(t *testing.T) {
	dir := t.TempDir()
	state := filepath.Join(dir, "state")
	seed := sha256.Sum256([]byte("install race root"))
	root := ed25519.NewKeyFromSeed(seed[:])
	if _, err := (&store.Store{Dir: state}).Pin(root.Public()); err != nil {
		t.Fatal(err)
	}
	issuerSeed := sha256.Sum256([]byte("install race issuer"))
	issuerKey := ed25519.NewKeyFromSeed(issuerSeed[:])
	at := time.Date(2026, 6, 1, 8, 0, 0, 0, time.UTC)
	const n = 8
	files := make([]string, n)
	for i := range files {
		data, err := bundle.Sign(&bundle.Contents{
			Seq: uint64(i + 1), IssuedAt: at, NextUpdate: at.Add(time.Hour), Expires: at.Add(2 * time.Hour),
			Issuers: []bundle.Issuer{{ID: "310000", Name: bundle.Label{ZH: "上海市", EN: "Shanghai"}, MaxLifetime: time.Hour,
				Colours: []pass.Colour{pass.Green}, Keys: []bundle.IssuerKey{{Public: issuerKey.Public()}}}},
		}, root)
		if err != nil {
			t.Fatal(err)
		}
		files[i] = filepath.Join(dir, fmt.Sprintf("b%d.hfb", i+1))
		if err := os.WriteFile(files[i], data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	e := &env{stdin: nil, stdout: io.Discard, stderr: io.Discard, getenv: func(string) string { return "" }}
	var wg sync.WaitGroup
	for round := range 3 {
		for i := range files {
			wg.Add(1)
			go func() {
				defer wg.Done()
				f := files[(i*5+round)%n]
				if code := run(e, []string{"bundle", "install", "-state", state, "-at", "2026-06-01T08:30:00Z", f}); code != exitOK && code != exitInvalid {
					t.Errorf("install %s: exit %d", f, code)
				}
			}()
		}
	}
	wg.Wait()
	data, err := os.ReadFile(filepath.Join(state, store.BundleFile))
	if err != nil {
		t.Fatal(err)
	}
	b, err := bundle.Open(data, []crypto.PublicKey{root.Public()})
	if err != nil {
		t.Fatal(err)
	}
	if b.Seq != n {
		t.Fatalf("bundle in force: seq %d, want %d", b.Seq, n)
	}
}
