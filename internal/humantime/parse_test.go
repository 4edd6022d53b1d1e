package humantime

import (
	"testing"
	"time"
)

func TestParseDuration(t *testing.T) {
	for s, want := range map[string]time.Duration{
		"90m":   90 * time.Minute,
		"12h":   12 * time.Hour,
		"1h30m": 90 * time.Minute,
		"7d":    7 * 24 * time.Hour,
		"1d12h": 36 * time.Hour,
		"0d":    0,
		"0s":    0,
	} {
		got, err := ParseDuration(s)
		if err != nil || got != want {
			t.Errorf("ParseDuration(%q) = %v, %v; want %v", s, got, err, want)
		}
	}
	for _, s := range []string{"", "7", "d", "-1h", "+1h", "1d-1h", "1d+1h", "-1d", "65536d", "xd", "1.5d", "1dd"} {
		if got, err := ParseDuration(s); err == nil {
			t.Errorf("ParseDuration(%q) = %v, want an error", s, got)
		}
	}
}

func TestParseTime(t *testing.T) {
	shanghai := time.FixedZone("CST", 8*3600)
	got, err := ParseTime("2026-12-02", shanghai)
	if want := time.Date(2026, 12, 2, 0, 0, 0, 0, shanghai); err != nil || !got.Equal(want) {
		t.Errorf("date in CST = %v, %v; want %v", got, err, want)
	}
	got, err = ParseTime("2026-12-02", time.UTC)
	if want := time.Date(2026, 12, 2, 0, 0, 0, 0, time.UTC); err != nil || !got.Equal(want) {
		t.Errorf("date in UTC = %v, %v; want %v", got, err, want)
	}
	got, err = ParseTime("2026-12-02T08:00:00+08:00", time.UTC)
	if want := time.Date(2026, 12, 2, 0, 0, 0, 0, time.UTC); err != nil || !got.Equal(want) {
		t.Errorf("RFC 3339 = %v, %v; want %v", got, err, want)
	}
	for _, s := range []string{"", "2026-13-01", "02/12/2026", "2026-12-02T08:00:00", "tomorrow"} {
		if got, err := ParseTime(s, time.UTC); err == nil {
			t.Errorf("ParseTime(%q) = %v, want an error", s, got)
		}
	}
}
