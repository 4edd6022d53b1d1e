package page

import (
	"testing"
	"time"

	"github.com/hufu-project/hufu/station"
	"github.com/hufu-project/hufu/verdict"
	"github.com/hufu-project/hufu/verifier"
)

// stationReplay runs codes read from the page's screenshots through a
// guard station (the test 4): the first presentation, read at at,
// is admitted (observe: the test pass is yellow); the same presentation
// scanned again at the same station five seconds later is refused as
// replayed; the page's re-signed presentation, text2 (read at at2), is
// the holder's phone and is admitted.
func stationReplay(t *testing.T, trust verifier.Trust, text string, at time.Time, text2 string, at2 time.Time) {
	t.Helper()
	now := at
	s, err := station.Open(station.Config{Site: "gate-1", StateDir: t.TempDir(), Now: func() time.Time { return now },
		Trust: station.Trust{Keys: trust, Label: "test trust"}, Dedupe: 3 * time.Second, Passback: 30 * time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	scan := func(text string) *station.Result {
		t.Helper()
		r, err := s.Line(text, "scanner")
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	if r := scan(text); r.Outcome != station.Logged || r.Verdict.Decision != verdict.Observe {
		t.Fatalf("station, first scan of the screenshot: %+v %+v", r, r.Verdict)
	}
	now = at.Add(5 * time.Second)
	r := scan(text)
	if r.Outcome != station.Replayed || r.Verdict.Decision != verdict.Invalid || r.Verdict.Reason != verdict.ReasonReplayed ||
		r.Display.Sub != "CODE ALREADY USED — ASK FOR THE LIVE CODE" {
		t.Fatalf("station, the same screenshot 5 s later: %+v %+v %+v", r, r.Verdict, r.Display)
	}
	if now = at.Add(6 * time.Second); at2.After(now) {
		now = at2
	}
	if r := scan(text2); r.Outcome != station.Logged || r.Verdict.Decision != verdict.Observe || !r.Verdict.Scan.Passback {
		t.Fatalf("station, the re-signed presentation: %+v %+v", r, r.Verdict)
	}
	if n := s.Records(); n != 3 {
		t.Errorf("%d records in the scan log, want 3", n)
	}
}
