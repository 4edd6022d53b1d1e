package verdict

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hufu-project/hufu/verifier"
)

func TestHumanDuration(t *testing.T) {
	for _, c := range []struct {
		d      time.Duration
		en, zh string
	}{
		{-time.Hour, "0 s", "0秒"},
		{45 * time.Second, "45 s", "45秒"},
		{3 * time.Minute, "3 min", "3分钟"},
		{3*time.Minute + 20*time.Second, "3 min", "3分钟"},
		{59*time.Minute + 50*time.Second, "1 h", "1小时"},
		{2*time.Hour + 5*time.Minute, "2 h 5 min", "2小时5分"},
		{23*time.Hour + 59*time.Minute + 40*time.Second, "24 h", "24小时"},
		{168 * time.Hour, "7 days", "7天"},
		{415*time.Hour + 58*time.Minute, "17 days 8 h", "17天8小时"},
	} {
		if got := HumanDuration("en", c.d); got != c.en {
			t.Errorf("HumanDuration(en, %v) = %q, want %q", c.d, got, c.en)
		}
		if got := HumanDuration("zh", c.d); got != c.zh {
			t.Errorf("HumanDuration(zh, %v) = %q, want %q", c.d, got, c.zh)
		}
	}
}

func TestLocalTime(t *testing.T) {
	old := time.Local
	defer func() { time.Local = old }()
	time.Local = time.FixedZone("CST", 8*3600)
	if got := LocalTime(time.Date(2026, 11, 28, 7, 32, 0, 0, time.UTC)); got != "2026-11-28 15:32 CST" {
		t.Errorf("LocalTime = %q", got)
	}
}

// TestJSONRoundTrip: a verdict reads back as it was written, every key is
// present, and unknown values are null.
func TestJSONRoundTrip(t *testing.T) {
	now := time.Date(2026, 6, 1, 8, 0, 0, 500e6, time.UTC)
	v := New(nil, &verifier.Error{Reason: verifier.Expired}, Checks{}, now, "trust file t.json")
	v.Scan = &Scan{Time: now, Site: "gate-1", Source: "web", LogSeq: 7}
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	json.Unmarshal(b, &m)
	if len(m) != 26 || m["decision"] != "invalid" || m["valid"] != false || m["colour"] != nil || m["checked_at"] != "2026-06-01T08:00:00.500Z" {
		t.Errorf("JSON: %s", b)
	}
	var back Verdict
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if back.Decision != Invalid || back.Reason != "expired" || !back.CheckedAt.Equal(now) || back.Scan.LogSeq != 7 || back.Trust != v.Trust {
		t.Errorf("read back: %+v", back)
	}
	if err := json.Unmarshal([]byte(strings.Replace(string(b), `"hufu_verdict":2`, `"hufu_verdict":1`, 1)), &back); err == nil {
		t.Error("version 1 read as version 2")
	}
	if u := New(nil, &verifier.Error{Reason: verifier.TrustExpired}, Checks{}, now, ""); u.Decision != CannotDecide || u.IsValid() {
		t.Errorf("undecided: %+v", u)
	}
}

func TestReport(t *testing.T) {
	no, yes := false, true
	at := time.Date(2026, 6, 1, 8, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		v    Verdict
		head string
		rows []string // labels, in order
	}{
		{Verdict{Decision: Admit, Colour: "green", Issuer: "310000", IssuerName: "上海市 · Shanghai", ExpiresAt: at, CheckedAt: at},
			"✔  ADMIT  ·  GREEN", []string{"colour", "issuer", "pass", "name", "valid", "signed"}},
		{Verdict{Decision: Deny, Colour: "green", NameMatch: &no, Hints: []string{"test_suggested"}, Warnings: []string{"trust_stale"}},
			"✘  DENY  ·  NAME DOES NOT MATCH THIS CODE", []string{"colour", "issuer", "pass", "name", "valid", "hint", "warning", "signed"}},
		{Verdict{Decision: Observe, Colour: "yellow", NameMatch: &yes, PhotoMatch: &yes, StatusReason: "close_contact"},
			"▲  OBSERVE  ·  YELLOW", []string{"colour", "issuer", "pass", "name", "photo", "valid", "reason", "signed"}},
		{Verdict{Decision: Invalid, Reason: "expired", Detail: "expired 2 h ago", Trust: "trust file t.json (unsigned)"},
			"✘  INVALID — DO NOT ADMIT", []string{"reason", "detail", "trust"}},
		{Verdict{Decision: CannotDecide, Reason: "trust_expired"}, "?  CANNOT DECIDE", []string{"reason"}},
	} {
		r := tc.v.Report(false)
		var labels []string
		for _, row := range r.Rows {
			labels = append(labels, row[0])
		}
		if r.Head != tc.head || !slices.Equal(labels, tc.rows) {
			t.Errorf("%s: got %q %q, want %q %q", tc.v.Decision, r.Head, labels, tc.head, tc.rows)
		}
	}
	r := (&Verdict{Decision: Admit, Colour: "green", IssuerName: "上海市 · Shanghai", Issuer: "310000"}).Report(false)
	if r.Rows[1] != [2]string{"issuer", "310000  上海市 · Shanghai"} {
		t.Errorf("issuer row %q", r.Rows[1])
	}
}
