package web

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"sync"
	"testing"
	"time"

	"github.com/hufu-project/hufu/holder"
	"github.com/hufu-project/hufu/issuer"
	"github.com/hufu-project/hufu/pass"
	"github.com/hufu-project/hufu/station"
)

// TestFramesReplay: a holder's live code held to the camera is one
// showing, also when the guard types the name for it; the same code shown
// again later is a copy, refused as replayed; the phone's next code is
// admitted.
func TestFramesReplay(t *testing.T) {
	f := newFixture(t)
	hk, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	text := f.issue(t, issuer.Claims{Name: "张三", Colour: pass.Green, HolderKey: &hk.PublicKey})
	var mu sync.Mutex
	now := time.Now().Truncate(time.Second)
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	advance := func(d time.Duration) { mu.Lock(); now = now.Add(d); mu.Unlock() }
	s, err := station.Open(station.Config{Site: "gate-1", StateDir: f.state, Lang: "en", Now: clock,
		Trust: station.Trust{Keys: f.trust, Label: "test"}, Dedupe: 3 * time.Second, Passback: 30 * time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	srv, err := Listen(s, "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ctx) }()
	defer func() { cancel(); <-done; s.Close() }()
	u := srv.URL

	code := func() string {
		p, err := holder.Present(text, hk, clock(), nil)
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	live := cameraFrame(t, code(), 1280, 720, 5)
	fr := postFrame(t, u, live, "")
	if !fr.Found || fr.Repeat || fr.Verdict.Decision != "admit" || fr.Verdict.Scan.LogSeq != 1 {
		t.Fatalf("live code: %+v %+v", fr, fr.Verdict)
	}
	advance(time.Second)
	if fr := postFrame(t, u, live, ""); !fr.Repeat || fr.Verdict.Scan.LogSeq != 1 {
		t.Fatalf("next frame: %+v %+v", fr, fr.Verdict)
	}
	advance(time.Second)
	fr = postFrame(t, u, live, "%E5%BC%A0%E4%B8%89", fr.Verdict.PassID)
	if fr.Repeat || fr.Verdict.Decision != "admit" || fr.Verdict.NameMatch == nil || !*fr.Verdict.NameMatch || fr.Verdict.Scan.LogSeq != 2 {
		t.Fatalf("the name for it: %+v %+v", fr, fr.Verdict)
	}

	advance(10 * time.Second) // out of sight; then the same code again: a copy
	fr = postFrame(t, u, live, "")
	if !fr.Found || fr.Repeat || fr.Verdict.Decision != "invalid" || fr.Verdict.Reason != "replayed" || fr.Verdict.Scan.LogSeq != 3 ||
		fr.Display.Sub != "CODE ALREADY USED — ASK FOR THE LIVE CODE" || !fr.Display.Bell {
		t.Fatalf("the copy: %+v %+v %+v", fr, fr.Verdict, fr.Display)
	}
	advance(time.Second)
	if fr := postFrame(t, u, live, ""); !fr.Repeat || fr.Verdict.Reason != "replayed" {
		t.Fatalf("the copy, next frame: %+v %+v", fr, fr.Verdict)
	}
	// The phone's next code, while the copy's refusal is still on screen.
	fr = postFrame(t, u, cameraFrame(t, code(), 1280, 720, 5), "")
	if fr.Repeat || fr.Verdict.Decision != "admit" || !fr.Verdict.Scan.Passback || fr.Verdict.Scan.LogSeq != 4 {
		t.Fatalf("the next live code: %+v %+v", fr, fr.Verdict)
	}
}
