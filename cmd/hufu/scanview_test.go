package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hufu-project/hufu/internal/scanlog"
	"github.com/hufu-project/hufu/internal/verdictschema"
	"github.com/hufu-project/hufu/issuer"
	"github.com/hufu-project/hufu/pass"
	"github.com/hufu-project/hufu/station"
)

// TestScanHuman checks the terminal verdict: block letters across the
// width, the decision as word and symbol in the chosen language, colour
// only when asked for, the bell on deny.
func TestScanHuman(t *testing.T) {
	f := newFixture(t)
	green := f.issue(t, issuer.Claims{Name: "张三", Colour: pass.Green, Hints: pass.TestSuggested})
	red := f.issue(t, issuer.Claims{Name: "李四", Colour: pass.Red, Reason: pass.CloseContact})
	session := green + "\n" + red + "\n"
	scan := func(vars []string, args ...string) string {
		t.Helper()
		var out, errb bytes.Buffer
		e := testEnv(strings.NewReader(session), &out, &errb, nil, vars...)
		args = append([]string{"-trust", f.trust, "-state", t.TempDir(), "-site", "gate-1"}, args...)
		if code := scanMain(context.Background(), e, args); code != 0 {
			t.Fatalf("exit %d: %s", code, errb.String())
		}
		return out.String()
	}

	en := scan([]string{"COLUMNS", "100", "LANG", "en_US.UTF-8"})
	for _, want := range []string{"✔  ADMIT  ·  GREEN", "✘  DENY  ·  RED", "a test is suggested", "close contact of a confirmed case",
		"not checked — type the name from the ID card", "#1 · ", "#2 · ", "███", "\a"} {
		if !strings.Contains(en, want) {
			t.Errorf("English verdict lacks %q:\n%s", want, en)
		}
	}
	if strings.Count(en, "\a") != 1 || strings.Contains(en, "\x1b[") {
		t.Errorf("bell or colour wrong:\n%q", en)
	}
	for _, line := range strings.Split(en, "\n") {
		if displayWidth(line) > 100 {
			t.Errorf("line wider than the terminal: %q", line)
		}
	}
	// The headline is centred in the width.
	if !strings.Contains(en, strings.Repeat(" ", 30)+"✔  ADMIT  ·  GREEN") {
		t.Errorf("headline not centred:\n%s", en)
	}

	zh := scan([]string{"COLUMNS", "100", "LC_ALL", "zh_CN.UTF-8"}, "-no-bell")
	for _, want := range []string{"✔  通行  ADMIT  ·  绿码", "✘  禁止通行  DENY  ·  红码", "姓名", "建议做核酸检测", "确诊病例的密切接触者", "第 1 条"} {
		if !strings.Contains(zh, want) {
			t.Errorf("Chinese verdict lacks %q:\n%s", want, zh)
		}
	}
	if strings.Contains(zh, "\a") {
		t.Error("bell despite -no-bell")
	}
	// -lang beats the locale.
	if s := scan([]string{"LC_ALL", "zh_CN.UTF-8"}, "-lang", "en"); !strings.Contains(s, "ADMIT  ·  GREEN") {
		t.Errorf("-lang en:\n%s", s)
	}

	// Colour on request, never instead of the word.
	col := scan([]string{"COLUMNS", "80"}, "-color")
	if !strings.Contains(col, "\x1b[1;97;42m") || !strings.Contains(col, "\x1b[1;97;41m") || !strings.Contains(col, "ADMIT") {
		t.Errorf("-color:\n%q", col)
	}
	// A narrow terminal: no block letters, the headline still there.
	narrow := scan([]string{"COLUMNS", "30"})
	if strings.Contains(narrow, "███") || !strings.Contains(narrow, "✔  ADMIT  ·  GREEN") {
		t.Errorf("narrow:\n%s", narrow)
	}
}

func TestBigText(t *testing.T) {
	for _, w := range []string{"admit", "observe", "deny", "invalid", "cannot_decide"} {
		sym := map[string]string{"admit": "✔", "observe": "▲", "deny": "✘", "invalid": "✘", "cannot_decide": "?"}[w]
		rows := bigText(sym + " " + say("en", w))
		if len(rows) != 5 {
			t.Fatalf("%s: no glyphs", w)
		}
		for _, r := range rows {
			if displayWidth(r) != displayWidth(rows[0]) || displayWidth(r) > 80 {
				t.Errorf("%s: ragged or too wide: %d", w, displayWidth(r))
			}
		}
	}
	if bigText("通行") != nil {
		t.Error("glyphs for Chinese")
	}
}

func TestLangDetect(t *testing.T) {
	for _, c := range []struct {
		vars []string
		want string
	}{
		{nil, "en"},
		{[]string{"LANG", "zh_CN.UTF-8"}, "zh"},
		{[]string{"LANG", "zh_TW"}, "zh"},
		{[]string{"LANG", "zh_CN.UTF-8", "LC_ALL", "C"}, "en"},
		{[]string{"LANG", "en_US", "LC_MESSAGES", "zh_CN"}, "zh"},
	} {
		if got := detectLang(testEnv(nil, nil, nil, nil, c.vars...)); got != c.want {
			t.Errorf("%v: %s, want %s", c.vars, got, c.want)
		}
	}
}

func TestLineReader(t *testing.T) {
	in := "a\r\nb\rc\n\n\r\r\n  d  \nHF1:X\b\bY\x01Z\n张三\x7f四\ne"
	lr := station.NewLineReader(strings.NewReader(in))
	var got []string
	for {
		line, err := lr.Next()
		if line != "" {
			got = append(got, line)
		}
		if err != nil {
			break
		}
	}
	if strings.Join(got, "|") != "a|b|c|d|HF1YZ|张四|e" {
		t.Errorf("lines %q", got)
	}
	for line, want := range map[string]bool{"HF1:ABC": true, "hc1:X": true, "HF1P:Z": true, "Zhang San": false,
		"张三": false, "=张三": false, "12345": false, "https://example.com/HF1:": false} {
		if station.IsCode(line) != want {
			t.Errorf("IsCode(%q) = %v", line, !want)
		}
	}
}

// TestLogCommands: export, stats, and verify on a log that was tampered
// with, through the command.
func TestLogCommands(t *testing.T) {
	f := newFixture(t)
	at := time.Date(2026, 6, 1, 8, 59, 0, 0, time.UTC)
	in := &scripted{now: at, steps: []step{
		{0, f.issue(t, issuer.Claims{Name: "a", Colour: pass.Green, Validity: 7 * 24 * time.Hour}) + "\n"},
		{time.Minute, f.issue(t, issuer.Claims{Name: "b", Colour: pass.Yellow, Validity: 7 * 24 * time.Hour}) + "\n"},
		{time.Minute, "HF1:NOTAPASS0\n"},
	}}
	var out, errb bytes.Buffer
	e := testEnv(in, &out, &errb, in.clock, "TZ", "UTC")
	// The passes were issued now, the station's clock is in June: set the
	// skew wide enough to take them. (The clock is what is being tested
	// against elsewhere.)
	if code := scanMain(context.Background(), e, []string{"-trust", f.trust, "-state", f.state, "-site", "gate-1", "-json", "-skew", "100000h"}); code != 0 {
		t.Fatalf("scan: %d %s", code, errb.String())
	}
	cmd := func(args ...string) (string, string, int) {
		var out, errb bytes.Buffer
		code := run(testEnv(nil, &out, &errb, nil, "HUFU_STATE", f.state), args)
		return out.String(), errb.String(), code
	}
	o, _, code := cmd("log", "verify")
	if code != 0 || !strings.HasPrefix(o, "gate-1: ok: 3 records, 2026-06-01T08:59:00.000Z to 2026-06-01T09:01:00.000Z") {
		t.Fatalf("verify: %d %s", code, o)
	}
	o, _, code = cmd("log", "verify", "-json")
	var vj map[string]any
	if err := json.Unmarshal([]byte(o), &vj); err != nil || code != 0 {
		t.Fatalf("verify -json: %d %v %s", code, err, o)
	}
	for _, k := range []string{"hufu_log_verify", "site", "ok", "records", "last_seq", "last_time", "last_hash", "problem", "head_behind", "torn_bytes"} {
		if _, ok := vj[k]; !ok {
			t.Errorf("verify -json lacks %q: %s", k, o)
		}
	}
	if vj["ok"] != true || vj["records"] != 3.0 || vj["last_seq"] != 3.0 || vj["problem"] != nil {
		t.Errorf("verify -json: %s", o)
	}
	o, _, _ = cmd("log", "stats", "-json")
	// Every decision is counted, also when it is 0.
	if !strings.Contains(o, `"counts":{"admit":1,"cannot_decide":0,"deny":0,"invalid":0,"observe":0,"valid":0}`) ||
		!strings.Contains(o, `"counts":{"admit":0,"cannot_decide":0,"deny":0,"invalid":1,"observe":1,"valid":0}`) ||
		!strings.Contains(o, `"total":{"hour":"total","counts":{"admit":1,"cannot_decide":0,"deny":0,"invalid":1,"observe":1,"valid":0},"total":3`) {
		t.Errorf("stats: %s", o)
	}
	o, _, _ = cmd("log", "export", "-format", "csv", "-from", "2026-06-01T09:00:00Z")
	if lines := strings.Split(strings.TrimSpace(o), "\n"); len(lines) != 3 || !strings.HasPrefix(lines[0], "seq,time,site,guard") ||
		!strings.HasPrefix(lines[1], "2,2026-06-01T09:00:00.000Z,gate-1,") || !strings.Contains(lines[2], ",invalid,bad_") {
		t.Errorf("csv: %s", o)
	}
	dst := filepath.Join(f.dir, "report.json")
	if _, _, code := cmd("log", "export", "-format", "json", "-to", "2026-06-01T09:00:00Z", "-o", dst); code != 0 {
		t.Fatal("export -o")
	}
	b, _ := os.ReadFile(dst)
	if !bytes.Contains(b, []byte(`"hufu_scan_export": 1`)) || !bytes.Contains(b, []byte(`"count": 1`)) {
		t.Errorf("json export: %s", b)
	}
	// The export's decisions are the verdict's words (SPEC §17).
	var exp struct {
		Records []struct{ Decision json.RawMessage }
	}
	if err := json.Unmarshal(b, &exp); err != nil || len(exp.Records) != 1 {
		t.Fatalf("json export: %v %s", err, b)
	}
	for _, r := range exp.Records {
		if err := verdictschema.ValidateDecision(r.Decision); err != nil {
			t.Errorf("export decision %s: %v", r.Decision, err)
		}
	}

	// Tamper: change the decision of record 2.
	lp := scanlog.LogPath(filepath.Join(f.state, "scanlog"), "gate-1")
	b, _ = os.ReadFile(lp)
	os.WriteFile(lp, bytes.Replace(b, []byte(`"decision":"observe"`), []byte(`"decision":"admit"`), 1), 0o600)
	o, _, code = cmd("log", "verify", "-site", "gate-1")
	if code != 1 || !strings.Contains(o, "gate-1: FAILED: edited at line 2 (record 2)") || !strings.Contains(o, "gate-1: 1 record before it intact") {
		t.Errorf("verify after edit: %d %s", code, o)
	}
	o, _, code = cmd("log", "verify", "-site", "gate-1", "-json")
	if code != 1 || !strings.Contains(o, `"ok":false`) || !strings.Contains(o, `"problem":{"kind":"edited","line":2,"seq":2,`) {
		t.Errorf("verify -json after edit: %d %s", code, o)
	}
	if _, e2, code := cmd("log", "export", "-format", "csv"); code != 1 || !strings.Contains(e2, "does not verify") {
		t.Errorf("export of a bad log: %d %s", code, e2)
	}
	// The station refuses to append to it.
	errb.Reset()
	e = testEnv(strings.NewReader(""), &out, &errb, nil)
	if code := scanMain(context.Background(), e, []string{"-trust", f.trust, "-state", f.state, "-site", "gate-1"}); code != 2 ||
		!strings.Contains(errb.String(), "edited at line 2") || !strings.Contains(errb.String(), "hufu log verify") {
		t.Errorf("station on a bad log: %d %s", code, errb.String())
	}
}
