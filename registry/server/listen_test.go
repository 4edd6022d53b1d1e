package server_test

import (
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/hufu-project/hufu/issuer"
	"github.com/hufu-project/hufu/keys"
	"github.com/hufu-project/hufu/registry"
	"github.com/hufu-project/hufu/registry/registrytest"
	"github.com/hufu-project/hufu/registry/server"
)

func TestListenAndRun(t *testing.T) {
	st := registrytest.Open(t, filepath.Join(t.TempDir(), "registry.db"))
	key, _ := keys.Generate(keys.ES256)
	root, _ := keys.Generate(keys.EdDSA)
	is, _ := issuer.New(key, "310000", 24*time.Hour)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	s, err := registry.New(ctx, registry.Config{Store: st, Issuer: is, IssuerID: "310000", Secret: []byte("server test secret, 32 bytes...."), Validity: 24 * time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	out := t.TempDir()
	addrc := make(chan net.Addr, 1)
	done := make(chan error, 1)
	go func() {
		done <- server.ListenAndRun(ctx, server.ListenConfig{
			Options:  server.Options{Service: s, Root: root, OutDir: out, Log: slog.New(slog.NewTextHandler(io.Discard, nil))},
			IssuerID: "310000", Key: key.Public(), Addr: "127.0.0.1:0",
			PublishEvery: 20 * time.Millisecond,
			Listening:    func(a net.Addr) { addrc <- a },
		})
	}()
	var addr net.Addr
	select {
	case addr = <-addrc:
	case err := <-done:
		t.Fatalf("ListenAndRun returned before listening: %v", err)
	}
	res, err := http.Get("http://" + addr.String() + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusOK {
		t.Fatalf("GET /metrics: %s", res.Status)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		ents, _ := os.ReadDir(out)
		if len(ents) > 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("no bundle published within 10 s at -publish-every 20ms")
		}
		time.Sleep(20 * time.Millisecond)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("ListenAndRun after ctx ended: %v", err)
	}
	if _, err := net.DialTimeout("tcp", addr.String(), time.Second); err == nil {
		t.Error("still listening after ListenAndRun returned")
	}
}

func TestListenAndRunBadAddr(t *testing.T) {
	st := registrytest.Open(t, filepath.Join(t.TempDir(), "registry.db"))
	key, _ := keys.Generate(keys.ES256)
	is, _ := issuer.New(key, "310000", 24*time.Hour)
	ctx := context.Background()
	s, err := registry.New(ctx, registry.Config{Store: st, Issuer: is, IssuerID: "310000", Secret: []byte("server test secret, 32 bytes...."), Validity: 24 * time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	err = server.ListenAndRun(ctx, server.ListenConfig{Options: server.Options{Service: s}, IssuerID: "310000", Key: key.Public(), Addr: "127.0.0.1:-1",
		Listening: func(net.Addr) { t.Error("Listening called for a bad address") }})
	if err == nil {
		t.Fatal("ListenAndRun on a bad address returned nil")
	}
}
