package station

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hufu-project/hufu/internal/hc1test"
	"github.com/hufu-project/hufu/internal/scanlog"
	"github.com/hufu-project/hufu/issuer"
	"github.com/hufu-project/hufu/keys"
	"github.com/hufu-project/hufu/pass"
	"github.com/hufu-project/hufu/verdict"
	"github.com/hufu-project/hufu/verifier"
)

// clock is a settable clock.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time      { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *clock) add(d time.Duration) { c.mu.Lock(); c.now = c.now.Add(d); c.mu.Unlock() }

// fixture is an issuer for 310000, a trust with its key, and a clock.
type fixture struct {
	is    *issuer.Issuer
	trust *keys.TrustFile
	clk   *clock
	state string
}

func newFixture(t testing.TB) *fixture {
	t.Helper()
	priv, err := keys.Generate(keys.EdDSA)
	if err != nil {
		t.Fatal(err)
	}
	is, err := issuer.New(priv, "310000", 7*24*time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	kid, _ := keys.KID(priv.Public())
	tr, err := keys.NewTrust(&keys.Key{KID: kid, Alg: keys.EdDSA, Public: priv.Public(), Issuers: []string{"310000"}})
	if err != nil {
		t.Fatal(err)
	}
	return &fixture{is: is, trust: tr, clk: &clock{now: time.Now().Truncate(time.Second)}, state: t.TempDir()}
}

func (f *fixture) issue(t testing.TB, name string, c pass.Colour) string {
	t.Helper()
	text, err := f.is.Issue(issuer.Claims{Name: name, Colour: c, Validity: 24 * time.Hour, Reason: map[pass.Colour]pass.Reason{pass.Yellow: pass.KeyRegionArrival, pass.Red: pass.Confirmed}[c]})
	if err != nil {
		t.Fatal(err)
	}
	return text
}

func (f *fixture) open(t testing.TB, mod func(*Config)) *Station {
	t.Helper()
	cfg := Config{Site: "gate-1", Guard: "wang", StateDir: f.state, Now: f.clk.Now,
		Trust: Trust{Keys: f.trust, Label: "test trust"}, Dedupe: 3 * time.Second, Passback: 30 * time.Minute}
	if mod != nil {
		mod(&cfg)
	}
	s, err := Open(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func (f *fixture) records(t testing.TB) []scanlog.Record {
	t.Helper()
	recs, rep, err := scanlog.Read(filepath.Join(f.state, "scanlog"), "gate-1")
	if err != nil || rep.Problem != nil {
		t.Fatalf("log: %v %+v", err, rep)
	}
	return recs
}

func check(t testing.TB, s *Station, text, name string) *Result {
	t.Helper()
	r, err := s.Check(text, "test", name)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// TestDedupe: the same pass within the window is one scan, not logged
// again; after the window it is a new scan; a different pass or a name
// is a new scan at once.
func TestDedupe(t *testing.T) {
	f := newFixture(t)
	s := f.open(t, nil)
	g, y := f.issue(t, "张三", pass.Green), f.issue(t, "李四", pass.Yellow)
	if r := check(t, s, g, ""); r.Outcome != Logged || r.Verdict.Scan.LogSeq != 1 || r.Verdict.Decision != verdict.Admit {
		t.Fatalf("first: %+v %+v", r, r.Verdict)
	}
	f.clk.add(time.Second)
	if r := check(t, s, g, ""); r.Outcome != Repeat || r.Verdict.Scan.LogSeq != 1 {
		t.Fatalf("repeat: %+v", r)
	}
	f.clk.add(2 * time.Second) // 2 s after the last sighting: still one scan
	if r := check(t, s, g, ""); r.Outcome != Repeat {
		t.Fatalf("repeat within the window of the last sighting: %+v", r)
	}
	if r := check(t, s, y, ""); r.Outcome != Logged || r.Verdict.Scan.LogSeq != 2 || r.Verdict.Decision != verdict.Observe {
		t.Fatalf("another pass: %+v", r)
	}
	if r := check(t, s, g, "张三"); r.Outcome != Logged || r.Verdict.NameMatch == nil || !*r.Verdict.NameMatch {
		t.Fatalf("with a name: %+v", r.Verdict)
	}
	f.clk.add(3 * time.Second)
	if r := check(t, s, g, ""); r.Outcome != Logged {
		t.Fatalf("after the window: %+v", r)
	}
	if n := len(f.records(t)); n != 4 {
		t.Fatalf("%d records, want 4", n)
	}
}

// TestPassback: a pass admitted here within the window is flagged (not
// denied), also after a restart, from the log; a denied pass is not
// remembered; Passback 0 turns it off.
func TestPassback(t *testing.T) {
	f := newFixture(t)
	g, r := f.issue(t, "张三", pass.Green), f.issue(t, "王五", pass.Red)
	s := f.open(t, nil)
	first := f.clk.Now()
	check(t, s, g, "")
	check(t, s, r, "")
	f.clk.add(10 * time.Second)
	v := check(t, s, g, "").Verdict
	if v.Decision != verdict.Admit || !v.Scan.Passback || !v.Scan.PassbackAt.Equal(first) {
		t.Fatalf("passback: %+v %+v", v, v.Scan)
	}
	if v := check(t, s, r, "").Verdict; v.Scan.Passback {
		t.Fatal("a denied pass flagged as used")
	}
	s.Close()

	f.clk.add(time.Minute)
	s = f.open(t, nil)
	if v := check(t, s, g, "").Verdict; !v.Scan.Passback || !strings.Contains(s.Display(v).Alert, "USED HERE 1 min AGO") {
		t.Fatalf("after a restart: %+v %q", v.Scan, s.Display(v).Alert)
	}
	s.Close()

	f.clk.add(31 * time.Minute)
	s = f.open(t, nil)
	if v := check(t, s, g, "").Verdict; v.Scan.Passback {
		t.Fatal("flagged after the window")
	}
	s.Close()
	s = f.open(t, func(c *Config) { c.Passback = 0 })
	f.clk.add(time.Minute)
	if v := check(t, s, g, "").Verdict; v.Scan.Passback {
		t.Fatal("flagged with Passback 0")
	}
	recs := f.records(t)
	if !recs[2].Passback || recs[0].Passback || recs[2].Pass != recs[0].Pass {
		t.Errorf("records: %+v", recs)
	}
}

// TestLogBeforeShow: a result reaches OnResult, and Check returns, only
// once its record is in the log file; a log that fails stops the station
// and nothing more is shown.
func TestLogBeforeShow(t *testing.T) {
	f := newFixture(t)
	var shown []uint64
	var s *Station
	s = f.open(t, func(c *Config) {
		c.OnResult = func(r *Result) {
			b, err := os.ReadFile(s.LogPath())
			if err != nil || strings.Count(string(b), "\n") != int(r.Verdict.Scan.LogSeq) {
				t.Errorf("record %d shown before it was written: %d lines", r.Verdict.Scan.LogSeq, strings.Count(string(b), "\n"))
			}
			shown = append(shown, r.Verdict.Scan.LogSeq)
		}
	})
	check(t, s, f.issue(t, "a", pass.Green), "")
	check(t, s, "HF1:NOT+A+PASS", "")
	if len(shown) != 2 || shown[1] != 2 {
		t.Fatalf("shown %v", shown)
	}
	if v := f.records(t)[1]; v.Decision != "invalid" || v.Reason != "bad_base45" {
		t.Errorf("invalid record: %+v", v)
	}
	s.log.Close() // the log breaks
	_, err := s.Check(f.issue(t, "b", pass.Green), "test", "")
	if err == nil || len(shown) != 2 {
		t.Fatalf("check with a broken log: %v, shown %v", err, shown)
	}
	select {
	case <-s.Done():
	default:
		t.Fatal("the station did not stop")
	}
	if _, err := s.Check(f.issue(t, "c", pass.Green), "test", ""); err == nil || s.Err() == nil {
		t.Fatal("a stopped station checks")
	}
}

// TestClockFloor: the latest trusted time seen is kept in the state
// directory; a clock behind it adds a warning to every verdict.
func TestClockFloor(t *testing.T) {
	f := newFixture(t)
	s := f.open(t, nil)
	check(t, s, f.issue(t, "a", pass.Green), "")
	s.Close()
	b, err := os.ReadFile(filepath.Join(f.state, "latest-time"))
	if seen, err2 := time.Parse(time.RFC3339, strings.TrimSpace(string(b))); err != nil || err2 != nil || time.Since(seen) > time.Minute {
		t.Fatalf("latest-time %q: %v %v", b, err, err2)
	}
	f.clk.add(-time.Hour) // the clock is set back
	s = f.open(t, nil)
	if behind, _ := s.ClockBehind(); !behind {
		t.Error("ClockBehind with a clock an hour back")
	}
	// Issued an hour before the clock now reads: valid, but with a warning.
	text, err := f.is.Issue(issuer.Claims{Name: "b", Colour: pass.Green, Validity: 24 * time.Hour, IssuedAt: f.clk.Now().Add(-2 * time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	v := check(t, s, text, "").Verdict
	if len(v.Warnings) != 1 || v.Warnings[0] != "clock_earlier_than_seen" || v.Decision != verdict.Admit {
		t.Fatalf("verdict: %+v", v)
	}
}

// TestTrustReload: Reload is asked before each scan; a new trust source
// is used at once, one that cannot be read leaves the old one in use, and
// the notices say so.
func TestTrustReload(t *testing.T) {
	f := newFixture(t)
	var next *Trust
	var nextErr error
	var notes []string
	s := f.open(t, func(c *Config) {
		c.Dedupe = 0
		c.Reload = func() (*Trust, error) { t, err := next, nextErr; next, nextErr = nil, nil; return t, err }
		c.Notify = func(msg string) { notes = append(notes, msg) }
	})
	g := f.issue(t, "a", pass.Green)
	if v := check(t, s, g, "").Verdict; v.Decision != verdict.Admit {
		t.Fatal(v.Decision)
	}
	nextErr = errors.New("bad file")
	if v := check(t, s, g, "").Verdict; v.Decision != verdict.Admit || len(notes) != 1 || !strings.Contains(notes[0], "still using test trust") {
		t.Fatalf("a bad reload: %v %q", v.Decision, notes)
	}
	next = &Trust{Err: &verifier.Error{Reason: verifier.TrustExpired}, Label: "expired bundle"}
	if v := check(t, s, g, "").Verdict; v.Decision != verdict.CannotDecide || v.Reason != "trust_unavailable" || v.Trust != "expired bundle" {
		t.Fatalf("after reload: %+v", v)
	}
	empty, _ := keys.NewTrust()
	next = &Trust{Keys: empty, Label: "no keys"}
	if v := check(t, s, g, "").Verdict; v.Decision != verdict.Invalid || v.Reason != "unknown_key" {
		t.Fatalf("after reload to an empty trust: %+v", v)
	}
	if !strings.Contains(strings.Join(notes, "\n"), "now using no keys") {
		t.Errorf("notes: %q", notes)
	}
	if s.TrustLabel() != "no keys" {
		t.Error(s.TrustLabel())
	}
}

// TestTypedName: a name checks the pass just scanned (a new verdict,
// logged), or waits for the next one; a wrong name is deny.
func TestTypedName(t *testing.T) {
	f := newFixture(t)
	s := f.open(t, nil)
	g := f.issue(t, "张三", pass.Green)
	check(t, s, g, "")
	f.clk.add(time.Second)
	r, err := s.TypedName("李四")
	if err != nil || r == nil || r.Verdict.Decision != verdict.Deny || *r.Verdict.NameMatch || r.Verdict.Scan.LogSeq != 2 {
		t.Fatalf("name after: %+v %v", r, err)
	}
	// The last pass has a name now: the next name waits for the next pass.
	if r, err := s.TypedName("王五"); r != nil || err != nil {
		t.Fatalf("name before: %+v %v", r, err)
	}
	f.clk.add(time.Second)
	if r := check(t, s, f.issue(t, "王五", pass.Yellow), ""); r.Name != "王五" || !*r.Verdict.NameMatch {
		t.Fatalf("pending name: %+v", r.Verdict)
	}
	var ne *NameError
	if _, err := s.TypedName(""); !errors.As(err, &ne) {
		t.Fatalf("empty name: %v", err)
	}
	if recs := f.records(t); recs[1].Name != "mismatch" || recs[2].Name != "match" {
		t.Errorf("records: %+v", recs)
	}
}

// TestHC1WithoutCI: EU certificates without a certificate ID (ci) are
// keyed on a digest of their signed payload: two people's certificates are
// two passes (no dedupe, no passback), the same certificate is one.
func TestHC1WithoutCI(t *testing.T) {
	f := newFixture(t)
	ec, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	at := f.clk.Now()
	dsc, err := hc1test.NewDSC(ec, at.Add(-time.Hour), at.Add(365*24*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	k, err := keys.ParseDSC(dsc.Cert)
	if err != nil {
		t.Fatal(err)
	}
	trust, _ := keys.NewTrust(k)
	code := func(family string) string {
		d := hc1test.DGC("v")
		v := d["v"].([]any)[0].(map[string]any)
		delete(v, "ci")
		d["nam"].(map[string]any)["fn"] = family
		c := hc1test.Cert{Country: "AT", IssuedAt: at.Add(-time.Minute), Expires: at.Add(24 * time.Hour), Type: "v"}
		return hc1test.Text(hc1test.Sign(dsc, hc1test.Payload(c, d), hc1test.Options{}))
	}
	a, b := code("Muster"), code("Beispiel")
	s := f.open(t, func(c *Config) { c.Trust = Trust{Keys: trust, Label: "dsc"} })
	ra := check(t, s, a, "")
	f.clk.add(time.Second)
	rb := check(t, s, b, "")
	if ra.Verdict.Decision != verdict.Valid || ra.Verdict.HC1.CertificateID != "" || rb.Outcome != Logged || rb.Verdict.Scan.Passback {
		t.Fatalf("second person: %+v %+v", rb, rb.Verdict.Scan)
	}
	f.clk.add(time.Second)
	if r := check(t, s, a, ""); r.Outcome != Repeat {
		t.Fatalf("the same certificate: %+v", r)
	}
	f.clk.add(5 * time.Second)
	if r := check(t, s, a, ""); r.Outcome != Logged || !r.Verdict.Scan.Passback {
		t.Fatalf("the same certificate later: %+v", r.Verdict.Scan)
	}
	recs := f.records(t)
	if recs[0].Pass == recs[1].Pass || recs[0].Pass != recs[2].Pass || recs[0].Decision != "valid" {
		t.Errorf("pseudonyms: %+v", recs)
	}
}

// TestConcurrent: scans from many goroutines are all logged, in a chain
// that verifies, each returned with its own record.
func TestConcurrent(t *testing.T) {
	f := newFixture(t)
	s := f.open(t, func(c *Config) { c.Dedupe = 0 })
	texts := []string{f.issue(t, "a", pass.Green), f.issue(t, "b", pass.Yellow), "HF1:NOPE"}
	var wg sync.WaitGroup
	seqs := make(chan uint64, 60)
	for i := range 60 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r, err := s.Check(texts[i%3], "test", "")
			if err != nil {
				t.Error(err)
				return
			}
			seqs <- r.Verdict.Scan.LogSeq
		}()
	}
	wg.Wait()
	close(seqs)
	seen := map[uint64]bool{}
	for q := range seqs {
		seen[q] = true
	}
	if len(seen) != 60 || len(f.records(t)) != 60 {
		t.Fatalf("%d distinct records of %d", len(seen), len(f.records(t)))
	}
}

// TestLineNameSpoof is the reproduction of the name spoof: a second QR
// code that holds the holder's name, scanned after the pass, must not
// pass for the guard typing it. It is refused, not logged, and the name
// the guard then types (after NameMarker) checks the pass, on screen.
func TestLineNameSpoof(t *testing.T) {
	f := newFixture(t)
	s := f.open(t, nil)
	g := f.issue(t, "张三", pass.Green)
	if r, err := s.Line(g, "scanner"); err != nil || r.Verdict.NameMatch != nil {
		t.Fatalf("pass: %+v %v", r, err)
	}
	for _, spoof := range []string{"张三", "Zhang San", "ZHANG SAN", "https://example.com/"} {
		var nc *NotCodeError
		if r, err := s.Line(spoof, "scanner"); !errors.As(err, &nc) || r != nil {
			t.Fatalf("%q: %+v %v", spoof, r, err)
		}
	}
	if n := len(f.records(t)); n != 1 {
		t.Fatalf("%d records after the spoof, want 1", n)
	}
	f.clk.add(time.Second)
	r, err := s.Line("= 李四", "scanner")
	if err != nil || r == nil || r.Verdict.Decision != verdict.Deny || *r.Verdict.NameMatch || r.Display.Sub != "NAME DOES NOT MATCH THIS CODE" {
		t.Fatalf("the guard's name: %+v %v", r, err)
	}
	if !IsCode("hf1:abc") || IsCode("=HF1:") {
		t.Error("IsCode")
	}
}

// TestReport: export and counts of the log: every decision word counted,
// 0 included, the CSV with the verdict's words, a log that does not
// verify refused.
func TestReport(t *testing.T) {
	f := newFixture(t)
	s := f.open(t, nil)
	check(t, s, f.issue(t, "a", pass.Green), "")
	check(t, s, "HF1:NOPE", "")
	s.Close()
	rep, err := OpenReport(f.state, "gate-1", time.Time{}, time.Time{})
	if err != nil || rep.Len() != 2 {
		t.Fatalf("%v %d", err, rep.Len())
	}
	st := rep.Stats(time.UTC)
	if len(st.Hours) != 1 || st.Total.Total != 2 || len(st.Total.Counts) != 6 || st.Total.Counts["admit"] != 1 || st.Total.Counts["invalid"] != 1 {
		t.Fatalf("stats: %+v %+v", st, st.Total)
	}
	var b strings.Builder
	rep.WriteCSV(&b)
	if lines := strings.Split(strings.TrimSpace(b.String()), "\n"); len(lines) != 3 || !strings.Contains(lines[2], ",invalid,bad_") {
		t.Fatalf("csv: %s", b.String())
	}
	if rep, _ := OpenReport(f.state, "gate-1", f.clk.Now().Add(time.Second), time.Time{}); rep.Len() != 0 {
		t.Error("from after the last scan")
	}
	b.Reset()
	if err := st.WriteText(&b, time.UTC); err != nil {
		t.Fatal(err)
	}
	if lines := strings.Split(strings.TrimSpace(b.String()), "\n"); len(lines) != 3 ||
		!strings.HasPrefix(lines[0], "hour (+0000)      admit observe  deny invalid cannot_decide valid  total passback") ||
		!strings.HasPrefix(lines[2], "total                 1       0     0       1             0     0      2        0") {
		t.Errorf("table:\n%s", b.String())
	}
	c, err := CheckLog(f.state, "gate-1")
	if err != nil || !c.OK || c.Records != 2 || *c.LastSeq != 2 || c.Problem != nil || len(c.Lines()) != 1 ||
		!strings.HasPrefix(c.Lines()[0], "gate-1: ok: 2 records, ") {
		t.Fatalf("CheckLog: %v %+v %q", err, c, c.Lines())
	}
	lp := filepath.Join(f.state, "scanlog", "gate-1.jsonl")
	data, _ := os.ReadFile(lp)
	os.WriteFile(lp, []byte(strings.Replace(string(data), `"decision":"admit"`, `"decision":"deny"`, 1)), 0o600)
	if _, err := OpenReport(f.state, "gate-1", time.Time{}, time.Time{}); !IsLogProblem(err) {
		t.Errorf("a tampered log: %v", err)
	}
	c, err = CheckLog(f.state, "gate-1")
	if err != nil || c.OK || c.Problem == nil || c.Problem.Kind != "edited" || c.Problem.Seq != 1 ||
		!strings.HasPrefix(c.Lines()[0], "gate-1: FAILED: ") || c.Lines()[1] != "gate-1: 0 records before it intact" {
		t.Errorf("CheckLog of a tampered log: %v %+v %q", err, c, c.Lines())
	}
}

// TestReadScanner: scanner lines become scans; a line that is not a code
// and a name waiting for its pass are notes for the guard, not errors
// and not logged; a name typed before a pass checks it, and one typed
// after a pass that was checked with a name waits for the next.
func TestReadScanner(t *testing.T) {
	f := newFixture(t)
	var results []*Result
	s := f.open(t, func(c *Config) { c.OnResult = func(r *Result) { results = append(results, r) } })
	in := "hello\r\n=张三\n" + f.issue(t, "张三", pass.Green) + "\n=李四\n"
	var notes []string
	wedge := func(l string) (*Result, error) { return s.Line(l, "scanner") }
	if err := ReadScanner(t.Context(), s, strings.NewReader(in), wedge, func(m string) { notes = append(notes, m) }); err != nil {
		t.Fatal(err)
	}
	if len(notes) != 3 || !strings.Contains(notes[0], NameMarker) || !strings.Contains(notes[1], "张三") || !strings.Contains(notes[2], "李四") {
		t.Errorf("notes %q", notes)
	}
	if len(results) != 1 || results[0].Verdict.Decision != verdict.Admit || results[0].Verdict.NameMatch == nil ||
		results[0].Source != "scanner" || len(f.records(t)) != 1 {
		t.Fatalf("results %+v, %d records", results, len(f.records(t)))
	}
	s.Close()
	if err := ReadScanner(t.Context(), s, strings.NewReader(f.issue(t, "x", pass.Green)+"\n"), wedge, func(string) {}); !errors.Is(err, ErrStopped) {
		t.Errorf("after Close: %v, want ErrStopped", err)
	}
}

// TestTrustVerdict: a code checked against a trust source, as verify
// does; an unusable source decides nothing.
func TestTrustVerdict(t *testing.T) {
	f := newFixture(t)
	tr := &Trust{Keys: f.trust, Label: "test trust"}
	v := tr.Verdict(f.issue(t, "张三", pass.Green), verdict.Checks{Name: "李四"}, verifier.Options{})
	if v.Decision != verdict.Deny || v.Trust != "test trust" || v.Issuer != "310000" {
		t.Errorf("%+v", v)
	}
	tr.Err = errors.New("bundle refused")
	if v := tr.Verdict(f.issue(t, "张三", pass.Green), verdict.Checks{}, verifier.Options{}); v.Decision != verdict.CannotDecide || v.Reason != string(verifier.TrustUnavailable) {
		t.Errorf("unusable trust: %+v", v)
	}
}
