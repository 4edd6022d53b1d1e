package station

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"encoding/json"
	"sync"
	"testing"
	"time"

	"github.com/hufu-project/hufu/holder"
	"github.com/hufu-project/hufu/internal/verdictschema"
	"github.com/hufu-project/hufu/issuer"
	"github.com/hufu-project/hufu/keys"
	"github.com/hufu-project/hufu/pass"
	"github.com/hufu-project/hufu/testvectors"
	"github.com/hufu-project/hufu/verdict"
	"github.com/hufu-project/hufu/verifier"
)

// holderPass issues a green pass bound to a new holder key, and returns a
// function that presents it at a time.
func (f *fixture) holderPass(t testing.TB, name string) func(at time.Time, challenge []byte) string {
	t.Helper()
	hk, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	text, err := f.is.Issue(issuer.Claims{Name: name, Colour: pass.Green, Validity: 24 * time.Hour, HolderKey: &hk.PublicKey})
	if err != nil {
		t.Fatal(err)
	}
	return func(at time.Time, challenge []byte) string {
		p, err := holder.Present(text, hk, at, challenge)
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
}

// validJSON checks a verdict against the verdict schema.
func validJSON(t testing.TB, v *verdict.Verdict) {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	if err := verdictschema.Validate(b); err != nil {
		t.Errorf("verdict does not match the schema: %v\n%s", err, b)
	}
}

// TestReplay: the same presentation seen again after the dedupe window,
// while still fresh, is refused as replayed: logged (invalid, replayed,
// the pass's pseudonym), shown in words a guard understands, never
// admitted. Seen again within the dedupe window it is the same showing.
func TestReplay(t *testing.T) {
	f := newFixture(t)
	s := f.open(t, nil)
	present := f.holderPass(t, "张三")
	p1 := present(f.clk.Now(), nil)

	first := check(t, s, p1, "")
	if first.Outcome != Logged || first.Verdict.Decision != verdict.Admit || first.Verdict.Scan.LogSeq != 1 {
		t.Fatalf("first: %+v %+v", first, first.Verdict)
	}
	f.clk.add(2 * time.Second)
	if r := check(t, s, p1, ""); r.Outcome != Repeat || r.Verdict.Scan.LogSeq != 1 {
		t.Fatalf("within the dedupe window: %+v %+v", r, r.Verdict)
	}
	f.clk.add(2 * time.Second) // 2 s after its last sighting: still the same showing
	if r := check(t, s, p1, ""); r.Outcome != Repeat {
		t.Fatalf("a showing in sight: %+v %+v", r, r.Verdict)
	}

	f.clk.add(10 * time.Second) // 14 s after signing, 10 s out of sight
	r := check(t, s, p1, "")
	v := r.Verdict
	if r.Outcome != Replayed || v.Decision != verdict.Invalid || v.Reason != verdict.ReasonReplayed || v.IsValid() ||
		v.Pass != nil || v.Scan == nil || v.Scan.LogSeq != 2 || v.Scan.Passback {
		t.Fatalf("replay: %+v %+v", r, v)
	}
	if want := "the same live code was scanned here 14 s ago (record 1)"; v.Detail != want {
		t.Errorf("detail %q, want %q", v.Detail, want)
	}
	d := r.Display
	if d.State != "invalid" || d.Sub != "CODE ALREADY USED — ASK FOR THE LIVE CODE" || !d.Bell || d.Symbol != "✘" {
		t.Errorf("display: %+v", d)
	}
	if len(d.Rows) == 0 || d.Rows[0][0] != "reason" || d.Rows[0][1] != verdict.Text("en", "replayed")+" (replayed)" {
		t.Errorf("display rows: %q", d.Rows)
	}
	validJSON(t, v)
	for what, bad := range map[string]func(*verdict.Verdict){
		"without a scan": func(v *verdict.Verdict) { v.Scan = nil },
		"cannot_decide":  func(v *verdict.Verdict) { v.Decision = verdict.CannotDecide },
	} {
		c := *v
		bad(&c)
		if b, _ := json.Marshal(&c); verdictschema.Validate(b) == nil {
			t.Errorf("the schema accepts a replayed verdict %s: %s", what, b)
		}
	}

	recs := f.records(t)
	if len(recs) != 2 {
		t.Fatalf("%d records", len(recs))
	}
	if rec := recs[1]; rec.Decision != "invalid" || rec.Reason != "replayed" || rec.Pass != recs[0].Pass || rec.Pass == "" ||
		rec.Issuer != "310000" || rec.Colour != "" || rec.Passback {
		t.Errorf("replay record: %+v (first: %+v)", rec, recs[0])
	}

	// The copy held up to the camera: a repeat of the refusal, not logged.
	f.clk.add(time.Second)
	if r := check(t, s, p1, ""); r.Outcome != Repeat || r.Verdict.Reason != verdict.ReasonReplayed || r.Verdict.Scan.LogSeq != 2 {
		t.Fatalf("repeat of the replay: %+v %+v", r, r.Verdict)
	}
	// The guard types a name for the copy: still a replay.
	if r := check(t, s, p1, "张三"); r.Outcome != Replayed || r.Verdict.Scan.LogSeq != 3 {
		t.Fatalf("a name for the copy: %+v %+v", r, r.Verdict)
	}
	// The holder's phone shows its live code, a new presentation: not a
	// repeat of the refusal, not a replay; anti-passback says the pass was
	// admitted here moments ago.
	r = check(t, s, present(f.clk.Now(), nil), "")
	if r.Outcome != Logged || r.Verdict.Decision != verdict.Admit || !r.Verdict.Scan.Passback || r.Verdict.Scan.LogSeq != 4 {
		t.Fatalf("the live code: %+v %+v", r, r.Verdict)
	}
	validJSON(t, r.Verdict)
}

// TestReplayChinese: a station in Chinese says what happened in Chinese.
func TestReplayChinese(t *testing.T) {
	f := newFixture(t)
	s := f.open(t, func(c *Config) { c.Lang = "zh"; c.Dedupe = 0 })
	p := f.holderPass(t, "张三")(f.clk.Now(), nil)
	check(t, s, p, "")
	r := check(t, s, p, "")
	if r.Outcome != Replayed || r.Display.Sub != "此码已使用 — 请出示实时码" || r.Display.Word != "无效" ||
		r.Display.Rows[0][1] != "此实时码已在本站扫过：是别人码的副本（截图或照片） (replayed)" {
		t.Errorf("zh: %+v", r.Display)
	}
}

// TestReplayAfterWindow: a presentation is remembered for as long as the
// verifier accepts it (SPEC.md §14.4: its time plus the window, inclusive)
// and then forgotten; past it, the verifier calls it stale, not replayed.
func TestReplayAfterWindow(t *testing.T) {
	f := newFixture(t)
	s := f.open(t, nil)
	signed := f.clk.Now()
	p := f.holderPass(t, "张三")(signed, nil)
	if r := check(t, s, p, ""); r.Verdict.Decision != verdict.Admit {
		t.Fatalf("first: %+v", r.Verdict)
	}
	f.clk.add(verifier.DefaultPresentationWindow) // the last second it is fresh
	if r := check(t, s, p, ""); r.Outcome != Replayed {
		t.Fatalf("at the end of the window: %+v %+v", r, r.Verdict)
	}
	if n := s.replay.len(); n != 1 {
		t.Errorf("remembered %d presentations at the end of the window, want 1", n)
	}
	f.clk.add(time.Second)
	r := check(t, s, p, "")
	if r.Outcome != Logged || r.Verdict.Reason != string(verifier.PresentationStale) {
		t.Fatalf("past the window: %+v %+v", r, r.Verdict)
	}
	if r.Display.Sub != "CODE TOO OLD — ASK FOR THE LIVE CODE" {
		t.Errorf("stale display: %+v", r.Display)
	}
	if n := s.replay.len(); n != 0 {
		t.Errorf("remembered %d presentations past the window, want 0", n)
	}
	validJSON(t, r.Verdict)

	// A presentation dated in the future is remembered until its own time
	// plus the window.
	ahead := f.holderPass(t, "李四")(f.clk.Now().Add(20*time.Second), nil)
	check(t, s, ahead, "")
	f.clk.add(49 * time.Second)
	if r := check(t, s, ahead, ""); r.Outcome != Replayed {
		t.Fatalf("future-dated, 49 s on: %+v %+v", r, r.Verdict)
	}
	f.clk.add(2 * time.Second)
	if r := check(t, s, ahead, ""); r.Verdict.Reason != string(verifier.PresentationStale) {
		t.Fatalf("future-dated, 51 s on: %+v %+v", r, r.Verdict)
	}
}

// TestReplayDifferentPresentations: two presentations of the same pass
// (signed at another second, or with a challenge) are not a replay: the
// second is the holder's phone again, and anti-passback flags it.
func TestReplayDifferentPresentations(t *testing.T) {
	f := newFixture(t)
	s := f.open(t, func(c *Config) { c.Dedupe = 0 })
	present := f.holderPass(t, "张三")
	now := f.clk.Now()
	texts := []string{present(now, nil), present(now.Add(-time.Second), nil), present(now, []byte{1}), present(now, []byte{2})}
	for i, p := range texts {
		r := check(t, s, p, "")
		if r.Outcome != Logged || r.Verdict.Decision != verdict.Admit || r.Verdict.Scan.Passback != (i > 0) {
			t.Fatalf("presentation %d: %+v %+v", i, r, r.Verdict)
		}
	}
	// Another holder's presentation signed in the same second is not the
	// same presentation either.
	if r := check(t, s, f.holderPass(t, "李四")(now, nil), ""); r.Outcome != Logged || r.Verdict.Decision != verdict.Admit {
		t.Fatalf("another holder: %+v %+v", r, r.Verdict)
	}
	// The same presentation text again is.
	if r := check(t, s, texts[2], ""); r.Outcome != Replayed {
		t.Fatalf("again: %+v %+v", r, r.Verdict)
	}
}

// TestReplayMalleable: a presentation whose ECDSA signature was changed
// to its other valid form (s → n − s) is the same presentation (SPEC.md
// §14.4, vector present_other_s), and so a replay.
func TestReplayMalleable(t *testing.T) {
	vs, err := testvectors.All()
	if err != nil {
		t.Fatal(err)
	}
	var valid, other *testvectors.Vector
	for i := range vs {
		switch vs[i].Name {
		case "present_valid":
			valid = &vs[i]
		case "present_other_s":
			other = &vs[i]
		}
	}
	if valid == nil || other == nil || valid.Text == other.Text {
		t.Fatal("vectors present_valid and present_other_s missing")
	}
	tr, err := keys.ParseTrust(valid.Trust)
	if err != nil {
		t.Fatal(err)
	}
	at, _ := time.Parse(time.RFC3339, valid.Now)
	clk := &clock{now: at}
	s, err := Open(Config{Site: "gate-1", StateDir: t.TempDir(), Now: clk.Now, Trust: Trust{Keys: tr, Label: "vectors"}})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if r := check(t, s, valid.Text, ""); r.Outcome != Logged || !r.Verdict.IsValid() {
		t.Fatalf("present_valid: %+v %+v", r, r.Verdict)
	}
	clk.add(time.Second)
	if r := check(t, s, other.Text, ""); r.Outcome != Replayed {
		t.Fatalf("present_other_s after present_valid: %+v %+v", r, r.Verdict)
	}
}

// TestReplayName: the guard's name for a presentation just shown is not a
// replay of it, whether typed after the scan (TypedName) or sent with the
// next camera frame of the same showing.
func TestReplayName(t *testing.T) {
	f := newFixture(t)
	s := f.open(t, nil)
	p := f.holderPass(t, "张三")(f.clk.Now(), nil)
	check(t, s, p, "")
	f.clk.add(10 * time.Second)
	r, err := s.TypedName("张三")
	if err != nil || r == nil || r.Outcome != Logged || r.Verdict.NameMatch == nil || !*r.Verdict.NameMatch {
		t.Fatalf("typed after: %+v %v", r, err)
	}
	f.clk.add(time.Second) // within the dedupe window of the named scan
	if r := check(t, s, p, "李四"); r.Outcome != Logged || r.Verdict.Decision != verdict.Deny {
		t.Fatalf("another name with the showing: %+v %+v", r, r.Verdict)
	}
	f.clk.add(5 * time.Second) // out of sight: shown again, it is a copy
	if r := check(t, s, p, "张三"); r.Outcome != Replayed {
		t.Fatalf("shown again later: %+v %+v", r, r.Verdict)
	}
	// A name typed after a refused copy waits for the live code.
	if r, err := s.TypedName("张三"); r != nil || err != nil {
		t.Fatalf("name after a replay: %+v %v", r, err)
	}
}

// TestReplayConcurrent: the same presentation checked from two goroutines
// at once is admitted exactly once.
func TestReplayConcurrent(t *testing.T) {
	f := newFixture(t)
	s := f.open(t, func(c *Config) { c.Dedupe = 0 })
	p := f.holderPass(t, "张三")(f.clk.Now(), nil)
	const n = 8
	results := make([]*Result, n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			r, err := s.Check(p, "test", "")
			if err != nil {
				t.Error(err)
			}
			results[i] = r
		}()
	}
	close(start)
	wg.Wait()
	admitted, replayed := 0, 0
	for _, r := range results {
		switch {
		case r == nil:
		case r.Outcome == Logged && r.Verdict.Decision == verdict.Admit:
			admitted++
		case r.Outcome == Replayed:
			replayed++
		}
	}
	if admitted != 1 || replayed != n-1 {
		t.Fatalf("%d admitted, %d replayed of %d", admitted, replayed, n)
	}
	recs := f.records(t)
	if len(recs) != n || recs[0].Decision != "admit" {
		t.Fatalf("log: %+v", recs)
	}
	for _, rec := range recs[1:] {
		if rec.Decision != "invalid" || rec.Reason != "replayed" {
			t.Errorf("record %d: %+v", rec.Seq, rec)
		}
	}
}

// TestReplayMemory: the memory forgets what went stale, and when full,
// what goes stale soonest.
func TestReplayMemory(t *testing.T) {
	t0 := time.Date(2026, 6, 1, 8, 0, 0, 0, time.UTC)
	pres := func(i int, at time.Time) *verifier.Presentation {
		return &verifier.Presentation{Time: at, Digest: sha256.Sum256([]byte{byte(i)})}
	}
	m := newReplayMemory(3)
	a, b, c, d := pres(1, t0.Add(10*time.Second)), pres(2, t0), pres(3, t0.Add(20*time.Second)), pres(4, t0.Add(5*time.Second))
	for _, p := range []*verifier.Presentation{a, b, c} {
		m.add(p, t0, 1)
	}
	m.add(d, t0, 2) // full: b, stale soonest, goes
	if m.len() != 3 || m.get(b) != nil || m.get(a) == nil || m.get(c) == nil || m.get(d) == nil {
		t.Fatalf("full: %d, b %v", m.len(), m.get(b))
	}
	m.prune(t0.Add(presentationWindow + 10*time.Second)) // a's last fresh second
	if m.len() != 2 || m.get(a) == nil || m.get(d) != nil {
		t.Fatalf("pruned at a's end: %d", m.len())
	}
	m.prune(t0.Add(presentationWindow + 21*time.Second))
	if m.len() != 0 || len(m.byUntil) != 0 {
		t.Fatalf("pruned past all: %d", m.len())
	}
}
