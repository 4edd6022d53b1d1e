package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hufu-project/hufu/internal/base45"
	"github.com/hufu-project/hufu/internal/scanlog"
	"github.com/hufu-project/hufu/internal/verdictschema"
	"github.com/hufu-project/hufu/issuer"
	"github.com/hufu-project/hufu/keys"
	"github.com/hufu-project/hufu/pass"
	"github.com/hufu-project/hufu/verdict"
	"github.com/hufu-project/hufu/verifier"
)

// stationFixture is a trust file, an issuer and a state directory.
type stationFixture struct {
	dir   string
	trust string
	state string
	is    *issuer.Issuer
}

func newFixture(t testing.TB) *stationFixture {
	t.Helper()
	dir := t.TempDir()
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
	f := &stationFixture{dir: dir, trust: filepath.Join(dir, "trust.json"), state: filepath.Join(dir, "state"), is: is}
	if err := keys.WriteTrustFile(f.trust, tr); err != nil {
		t.Fatal(err)
	}
	return f
}

func (f *stationFixture) issue(t testing.TB, c issuer.Claims) string {
	t.Helper()
	if c.Validity == 0 {
		c.Validity = 24 * time.Hour
	}
	text, err := f.is.Issue(c)
	if err != nil {
		t.Fatal(err)
	}
	return text
}

// forge flips a bit of the signature of a pass.
func forge(t testing.TB, text string) string {
	raw, err := base45.DecodeString(strings.TrimPrefix(text, verifier.Prefix))
	if err != nil {
		t.Fatal(err)
	}
	raw[len(raw)-1] ^= 1
	return verifier.Prefix + base45.EncodeToString(raw)
}

// testEnv returns an env with the given standard streams and variables.
func testEnv(stdin io.Reader, stdout, stderr io.Writer, clock func() time.Time, vars ...string) *env {
	m := map[string]string{}
	for i := 0; i+1 < len(vars); i += 2 {
		m[vars[i]] = vars[i+1]
	}
	return &env{stdin: stdin, stdout: stdout, stderr: stderr, getenv: func(k string) string { return m[k] }, clock: clock}
}

// scripted is standard input that delivers one step per Read, after
// moving the clock: the station reads the next line only once it has
// handled the one before, so each line is handled at its own time.
type scripted struct {
	mu    sync.Mutex
	now   time.Time
	steps []step
	hooks map[int]func() // run before step N (from 0) is read
	done  int
}

type step struct {
	after time.Duration // move the clock this much first
	data  string
}

func (s *scripted) clock() time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.now
}

func (s *scripted) Read(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.steps) == 0 {
		return 0, io.EOF
	}
	st := &s.steps[0]
	s.now = s.now.Add(st.after)
	st.after = 0
	if h := s.hooks[s.done]; h != nil {
		delete(s.hooks, s.done)
		h()
	}
	n := copy(p, st.data)
	st.data = st.data[n:]
	if st.data == "" {
		s.steps = s.steps[1:]
		s.done++
	}
	return n, nil
}

// jsonLines decodes one verdict per line.
func jsonLines(t testing.TB, out string) []map[string]any {
	t.Helper()
	var vs []map[string]any
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		if line == "" {
			continue
		}
		var v map[string]any
		if err := json.Unmarshal([]byte(line), &v); err != nil {
			t.Fatalf("bad JSON line %q: %v", line, err)
		}
		if _, ok := v["hufu_verdict"]; ok {
			if err := verdictschema.Validate([]byte(line)); err != nil {
				t.Errorf("%s\ndoes not fit the verdict schema: %v", line, err)
			}
		}
		vs = append(vs, v)
	}
	return vs
}

// TestScannerSession drives the station through standard input the way a
// keyboard-wedge scanner and a guard do: line endings of every kind, stray
// spaces, a person typing with backspaces, names; green, yellow, red,
// forged and expired passes; a repeat within the dedupe window and a
// passback after it.
func TestScannerSession(t *testing.T) {
	f := newFixture(t)
	start := time.Now().Truncate(time.Second)
	green := f.issue(t, issuer.Claims{Name: "张三", Colour: pass.Green, Hints: pass.HealthRegistration})
	yellow := f.issue(t, issuer.Claims{Name: "李四", Colour: pass.Yellow, Reason: pass.KeyRegionArrival})
	red := f.issue(t, issuer.Claims{Name: "王五", Colour: pass.Red, Reason: pass.Confirmed})
	short := f.issue(t, issuer.Claims{Name: "赵六", Colour: pass.Green, Validity: time.Second})
	in := &scripted{now: start, steps: []step{
		{0, green + "\r\n"},
		{time.Second, "   " + green + "  \n"}, // the same pass again: one scan
		{time.Second, yellow + "\r"},
		{time.Second, "\n" + red + "\n"}, // LF after the CR above: not an empty line
		{time.Second, forge(t, green) + "\r\n"},
		{2 * time.Second, green + "\n"},   // after the dedupe window: passback
		{time.Second, "=张 三\n"},           // a name: checks the pass just scanned
		{time.Second, "= 李四\n"},           // the last pass has a name: waits for the next
		{time.Second, yellow + "\n"},      // checked with 李四
		{time.Second, short + "\r\n"},     // expired
		{time.Second, "  \r\n\t\r\n"},     // empty lines
		{time.Second, "HF1:ABC\b\b\b"},    // a person typing, correcting
		{0, red[4:] + "\n"},               //
		{time.Second, "hf1:" + green[4:]}, // caps lock; the last line has no ending
	}}
	var stdout, stderr bytes.Buffer
	e := testEnv(in, &stdout, &stderr, in.clock)
	code := scanMain(context.Background(), e, []string{"-trust", f.trust, "-state", f.state, "-site", "gate-1",
		"-guard", "王师傅", "-json", "-skew", "1s"})
	if code != 0 {
		t.Fatalf("exit %d\n%s", code, stderr.String())
	}
	vs := jsonLines(t, stdout.String())
	type want struct {
		decision, reason, status string
		valid, passback          bool
		name                     any // nil: not checked
	}
	wants := []want{
		{"admit", "", "", true, false, nil},
		{"observe", "", "key_region_arrival", true, false, nil},
		{"deny", "", "confirmed", true, false, nil},
		{"invalid", "bad_signature", "", false, false, nil},
		{"admit", "", "", true, true, nil},
		{"admit", "", "", true, true, true},
		{"observe", "", "key_region_arrival", true, true, true},
		{"invalid", "expired", "", false, false, nil},
		{"deny", "", "confirmed", true, false, nil},
		{"invalid", "bad_prefix", "", false, false, nil},
	}
	if len(vs) != len(wants) {
		t.Fatalf("%d verdicts, want %d:\n%s\nstderr:\n%s", len(vs), len(wants), stdout.String(), stderr.String())
	}
	for i, w := range wants {
		v := vs[i]
		str := func(k string) string { s, _ := v[k].(string); return s }
		if str("decision") != w.decision || str("reason") != w.reason || str("status_reason") != w.status ||
			v["valid"] != w.valid || (scanOf(v)["passback"] == true) != w.passback || v["name_match"] != w.name {
			t.Errorf("verdict %d: %v\nwant %+v", i+1, v, w)
		}
		if sc := scanOf(v); sc["log_seq"] != float64(i+1) || sc["site"] != "gate-1" || sc["source"] != "scanner" {
			t.Errorf("verdict %d: scan %v", i+1, sc)
		}
	}
	if !strings.Contains(vs[9]["detail"].(string), "Caps Lock") {
		t.Errorf("no Caps Lock hint: %v", vs[9]["detail"])
	}
	if scanOf(vs[4])["passback_at"] != start.UTC().Format(time.RFC3339) {
		t.Errorf("passback_at %v, want %v", scanOf(vs[4])["passback_at"], start.UTC().Format(time.RFC3339))
	}

	// The log holds every scan, without names or pass text, and verifies.
	recs, rep, err := scanlog.Read(filepath.Join(f.state, "scanlog"), "gate-1")
	if err != nil || rep.Problem != nil || len(recs) != len(wants) {
		t.Fatalf("log: %d records, %+v, %v", len(recs), rep, err)
	}
	for i, r := range recs {
		if r.Decision != wants[i].decision || r.Guard != "王师傅" || r.Passback != wants[i].passback {
			t.Errorf("record %d: %+v", i+1, r)
		}
		if r.Time != start.Add(recTimes[i]).UTC().Format(scanlog.TimeLayout) {
			t.Errorf("record %d at %s, want %s", i+1, r.Time, start.Add(recTimes[i]).UTC().Format(scanlog.TimeLayout))
		}
	}
	if recs[0].Pass == "" || recs[0].Pass != recs[4].Pass || recs[0].Pass == recs[1].Pass || recs[3].Pass != "" {
		t.Errorf("pseudonyms: %q %q %q %q", recs[0].Pass, recs[4].Pass, recs[1].Pass, recs[3].Pass)
	}
	if recs[1].Reason != "key_region_arrival" || recs[3].Reason != "bad_signature" || recs[5].Name != "match" {
		t.Errorf("records: %+v", recs)
	}
	logBytes, _ := os.ReadFile(scanlog.LogPath(filepath.Join(f.state, "scanlog"), "gate-1"))
	for _, secret := range []string{"张三", "李四", green[4:40], vs[0]["pass_id"].(string)} {
		if bytes.Contains(logBytes, []byte(secret)) {
			t.Errorf("the log contains %q", secret)
		}
	}
}

// scanOf returns the "scan" object of a JSON verdict.
func scanOf(v map[string]any) map[string]any {
	sc, _ := v["scan"].(map[string]any)
	return sc
}

// recTimes are the times of the session's records after its start.
var recTimes = []time.Duration{0, 2 * time.Second, 3 * time.Second, 4 * time.Second, 6 * time.Second,
	7 * time.Second, 9 * time.Second, 10 * time.Second, 12 * time.Second, 13 * time.Second}

// TestScanHC1: with -dsc, the station checks EU DCCs as verify does: a
// valid one is VALID EU DCC (hufu applies no entry rules to it), logged
// with the country and a pseudonym of its certificate ID.
func TestScanHC1(t *testing.T) {
	dir := t.TempDir()
	if err := hc1Fixture(dir); err != nil {
		t.Fatal(err)
	}
	read := func(name string) string {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		return strings.TrimSpace(string(b))
	}
	vacc, rec := read("vacc.txt"), read("rec.txt")
	in := &scripted{now: time.Date(2026, 7, 1, 9, 0, 0, 0, time.UTC), steps: []step{
		{0, vacc + "\n"}, {time.Minute, rec + "\n"}, {time.Minute, vacc + "\n"},
	}}
	var out, errb bytes.Buffer
	state := filepath.Join(dir, "state")
	e := testEnv(in, &out, &errb, in.clock, "COLUMNS", "100")
	if code := scanMain(context.Background(), e, []string{"-dsc", filepath.Join(dir, "dsc.pem"), "-state", state, "-site", "gate-1", "-lang", "en"}); code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	s := out.String()
	for _, want := range []string{"✔  VALID EU DCC  ·  VACCINATION", "holder", "is enough to enter is for your rules",
		"✘  INVALID", "(key_usage)", "USED HERE 2 min AGO"} {
		if !strings.Contains(s, want) {
			t.Errorf("output lacks %q:\n%s", want, s)
		}
	}
	recs, rep, err := scanlog.Read(filepath.Join(state, "scanlog"), "gate-1")
	if err != nil || rep.Problem != nil || len(recs) != 3 {
		t.Fatalf("log: %v %+v %d", err, rep, len(recs))
	}
	if r := recs[0]; r.Decision != "valid" || r.Issuer != "AT" || r.Pass == "" || r.Colour != "" {
		t.Errorf("record 1: %+v", r)
	}
	if r := recs[2]; r.Pass != recs[0].Pass || !r.Passback {
		t.Errorf("record 3: %+v", r)
	}
}

// TestClockSanity: the station keeps the latest trusted time it has seen
// (a verified pass's iat) and warns when its clock reads earlier.
func TestClockSanity(t *testing.T) {
	f := newFixture(t)
	text := f.issue(t, issuer.Claims{Name: "张三", Colour: pass.Green})
	scan := func() (string, string) {
		var out, errb bytes.Buffer
		e := testEnv(strings.NewReader(text+"\n"), &out, &errb, nil, "LANG", "zh_CN.UTF-8", "COLUMNS", "100")
		if code := scanMain(context.Background(), e, []string{"-trust", f.trust, "-state", f.state, "-site", "gate-1", "-passback", "0"}); code != 0 {
			t.Fatalf("exit %d: %s", code, errb.String())
		}
		return out.String(), errb.String()
	}
	out, errs := scan()
	if strings.Contains(out+errs, "时钟") || strings.Contains(errs, "clock") {
		t.Fatalf("a warning with a good clock:\n%s%s", out, errs)
	}
	b, err := os.ReadFile(filepath.Join(f.state, "latest-time"))
	seen, err2 := time.Parse(time.RFC3339, strings.TrimSpace(string(b)))
	if err != nil || err2 != nil || time.Since(seen) > time.Minute || time.Since(seen) < 0 {
		t.Fatalf("latest-time %q: %v %v", b, err, err2)
	}
	// As if the clock had been set back an hour since.
	later := time.Now().Add(time.Hour).Truncate(time.Second)
	os.WriteFile(filepath.Join(f.state, "latest-time"), []byte(later.UTC().Format(time.RFC3339)+"\n"), 0o600)
	out, errs = scan()
	if !strings.Contains(errs, "hufu: warning: this computer's clock") || !strings.Contains(errs, verdict.LocalTime(later)) {
		t.Errorf("no warning at start:\n%s", errs)
	}
	if !strings.Contains(out, "警告") || !strings.Contains(out, "本机时钟早于已见过的可信时间") {
		t.Errorf("no warning in the verdict:\n%s", out)
	}
}

// TestScanBundle: the station takes its keys from a trust bundle as verify
// does (the installed one, or -bundle), shows the bundle's issuer names
// and wording, warns when it is stale, and decides nothing once it has
// expired.
func TestScanBundle(t *testing.T) {
	dir := t.TempDir()
	state := filepath.Join(dir, "state")
	path := func(name string) string { return filepath.Join(dir, name) }
	cli := func(args ...string) {
		t.Helper()
		var out, errb bytes.Buffer
		if code := run(testEnv(nil, &out, &errb, nil, "HUFU_STATE", state), args); code != 0 {
			t.Fatalf("hufu %s: exit %d\n%s%s", strings.Join(args, " "), code, out.String(), errb.String())
		}
	}
	cli("keygen", "-root", "-alg", "EdDSA", "-o", path("root.key"))
	cli("keygen", "-alg", "EdDSA", "-o", path("k"))
	cli("bundle", "init", "-o", path("src.json"))
	cli("bundle", "add-issuer", "-in", path("src.json"), "-id", "310000", "-name-zh", "上海市", "-name-en", "Shanghai")
	cli("bundle", "add-key", "-in", path("src.json"), "-iss", "310000", path("k.pub"))
	cli("bundle", "pin", path("root.key.pub"))
	now := time.Now()
	for _, b := range []struct {
		name string
		age  time.Duration
	}{{"fresh", time.Hour}, {"stale", 48 * time.Hour}, {"expired", 8 * 24 * time.Hour}} {
		cli("bundle", "sign", "-key", path("root.key"), "-in", path("src.json"), "-at", now.Add(-b.age).UTC().Format(time.RFC3339), "-o", path(b.name+".hfb"))
	}
	cli("bundle", "install", path("fresh.hfb"))
	cli("issue", "-key", path("k"), "-iss", "310000", "-name", "张三", "-colour", "yellow", "-reason", "close_contact", "-o", path("pass.txt"))
	text, _ := os.ReadFile(path("pass.txt"))

	scan := func(lang string, args ...string) (string, string) {
		t.Helper()
		var out, errb bytes.Buffer
		e := testEnv(bytes.NewReader(text), &out, &errb, nil, "HUFU_STATE", state, "COLUMNS", "100")
		args = append([]string{"-site", "gate-1", "-lang", lang, "-passback", "0"}, args...)
		if code := scanMain(context.Background(), e, args); code != 0 {
			t.Fatalf("scan %v: exit %d\n%s", args, code, errb.String())
		}
		return out.String(), errb.String()
	}
	// The installed bundle, with its wording: 观察 for observe, not 注意.
	out, _ := scan("zh")
	for _, want := range []string{"▲  观察  OBSERVE  ·  黄码", "签发方 310000 上海市"} {
		if !strings.Contains(out, want) {
			t.Errorf("installed bundle: no %q in\n%s", want, out)
		}
	}
	out, _ = scan("en", "-bundle", path("fresh.hfb"))
	if !strings.Contains(out, "▲  OBSERVE  ·  YELLOW") || !strings.Contains(out, "issuer 310000 Shanghai") {
		t.Errorf("-bundle:\n%s", out)
	}
	out, _ = scan("en", "-bundle", path("stale.hfb"))
	if !strings.Contains(out, "warning") || !strings.Contains(out, "▲  OBSERVE") {
		t.Errorf("stale bundle:\n%s", out)
	}
	out, _ = scan("en", "-bundle", path("expired.hfb"), "-json")
	if !strings.Contains(out, `"decision":"cannot_decide","valid":false,"input":null,"reason":"trust_expired"`) {
		t.Errorf("expired bundle:\n%s", out)
	}
	recs, rep, err := scanlog.Read(filepath.Join(state, "scanlog"), "gate-1")
	if err != nil || rep.Problem != nil || len(recs) != 4 || recs[3].Decision != "cannot_decide" || recs[3].Reason != "trust_expired" {
		t.Fatalf("log: %v %+v %+v", err, rep, recs)
	}
	// A bundle installed while the station runs is taken up at once.
	in := &scripted{now: now, steps: []step{{0, string(text)}, {0, string(text)}},
		hooks: map[int]func(){1: func() { cli("bundle", "install", path("expired.hfb")) }}}
	var sout, serr bytes.Buffer
	e := testEnv(in, &sout, &serr, in.clock, "HUFU_STATE", state)
	if code := scanMain(context.Background(), e, []string{"-site", "gate-1", "-json", "-dedupe", "0"}); code != 0 {
		t.Fatalf("exit %d: %s", code, serr.String())
	}
	vs := jsonLines(t, sout.String())
	if len(vs) != 2 || vs[0]["decision"] != "observe" || vs[1]["reason"] != "trust_expired" || !strings.Contains(serr.String(), "hufu: now using trust bundle") {
		t.Errorf("reload: %v\n%s", vs, serr.String())
	}
	// The bundle's issue time is a floor for the clock.
	b, _ := os.ReadFile(filepath.Join(state, "latest-time"))
	if seen, err := time.Parse(time.RFC3339, strings.TrimSpace(string(b))); err != nil || seen.Before(now.Add(-time.Hour-time.Minute)) {
		t.Errorf("latest-time %q", b)
	}
}
