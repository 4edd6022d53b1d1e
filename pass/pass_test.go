package pass

import (
	"reflect"
	"strings"
	"testing"
)

func TestColour(t *testing.T) {
	for _, tc := range []struct {
		c        Colour
		s        string
		valid    bool
		decision Decision
	}{
		{Green, "green", true, Admit},
		{Yellow, "yellow", true, Observe},
		{Red, "red", true, Deny},
		{0, "colour(0)", false, Deny},
		{4, "colour(4)", false, Deny},
	} {
		if tc.c.String() != tc.s || tc.c.Valid() != tc.valid || tc.c.Decision() != tc.decision {
			t.Errorf("Colour(%d): %q %v %v", tc.c, tc.c.String(), tc.c.Valid(), tc.c.Decision())
		}
		c, ok := ParseColour(tc.s)
		if ok != tc.valid || (ok && c != tc.c) {
			t.Errorf("ParseColour(%q) = %v, %v", tc.s, c, ok)
		}
	}
	for _, s := range []string{"", "Green", "GREEN", "grey"} {
		if _, ok := ParseColour(s); ok {
			t.Errorf("ParseColour(%q) accepted", s)
		}
	}
	p := Pass{Colour: Yellow}
	if p.Decision() != Observe {
		t.Errorf("Pass.Decision = %v", p.Decision())
	}
	for d, s := range map[Decision]string{Admit: "admit", Observe: "observe", Deny: "deny", 9: "decision(9)"} {
		if d.String() != s {
			t.Errorf("Decision(%d).String() = %q", d, d.String())
		}
	}
}

func TestReason(t *testing.T) {
	rs := Reasons()
	if len(rs) != 8 || rs[0] != KeyRegionArrival || rs[7] != TestOverdue {
		t.Fatalf("Reasons() = %v", rs)
	}
	for _, r := range append(rs, 9, 100, 65535) {
		got, ok := ParseReason(r.String())
		if !ok || got != r {
			t.Errorf("ParseReason(%q) = %v, %v; want %d", r.String(), got, ok, r)
		}
	}
	if Reason(9).String() != "reason_9" || Confirmed.String() != "confirmed" {
		t.Errorf("Reason strings: %q %q", Reason(9).String(), Confirmed.String())
	}
	for _, s := range []string{"", "reason_", "reason_0", "reason_65536", "reason_01", "reason_+1", "reason_-1",
		"reason_x", "Confirmed", "reason_1 "} {
		if r, ok := ParseReason(s); ok {
			t.Errorf("ParseReason(%q) = %d, accepted", s, r)
		}
	}
}

func TestHints(t *testing.T) {
	h := HealthRegistration | AppealPending | 1<<5 | 1<<31
	want := []string{"health_registration", "appeal_pending", "hint_5", "hint_31"}
	if got := h.Names(); !reflect.DeepEqual(got, want) {
		t.Errorf("Names() = %q, want %q", got, want)
	}
	if Hints(0).Names() != nil {
		t.Errorf("Hints(0).Names() = %q", Hints(0).Names())
	}
	for i := 0; i < 32; i++ {
		bit := Hints(1) << i
		names := bit.Names()
		if len(names) != 1 {
			t.Fatalf("bit %d: Names() = %q", i, names)
		}
		if got, ok := ParseHint(names[0]); !ok || got != bit {
			t.Errorf("ParseHint(%q) = %#x, %v; want %#x", names[0], got, ok, bit)
		}
	}
	for _, s := range []string{"", "hint_", "hint_32", "hint_01", "hint_-1", "Test_Suggested", "hint_x"} {
		if h, ok := ParseHint(s); ok {
			t.Errorf("ParseHint(%q) = %#x, accepted", s, h)
		}
	}
}

func TestIDString(t *testing.T) {
	if s := (ID{0x01, 0xab, 0xff}).String(); s != "01abff" {
		t.Errorf("ID.String() = %q", s)
	}
}

func TestParseColours(t *testing.T) {
	cols, err := ParseColours([]string{"green", " red "})
	if err != nil || len(cols) != 2 || cols[0] != Green || cols[1] != Red {
		t.Errorf("%v %v", cols, err)
	}
	if _, err := ParseColours([]string{"green", "blue"}); err == nil || !strings.Contains(err.Error(), `"blue"`) {
		t.Errorf("blue: %v", err)
	}
}
