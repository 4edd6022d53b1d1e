package humantime

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// ParseDuration parses a duration as people write it: a Go duration
// (90m, 12h, 1h30m), optionally led by whole days ("7d", "1d12h"). It
// never accepts a negative one, nor more than 65535 days.
func ParseDuration(s string) (time.Duration, error) {
	bad := fmt.Errorf("duration %q: want a number with a unit, e.g. 90m, 12h or 7d", s)
	var days time.Duration
	if i := strings.IndexByte(s, 'd'); i >= 0 {
		n, err := strconv.ParseUint(s[:i], 10, 16)
		if err != nil {
			return 0, bad
		}
		days, s = time.Duration(n)*24*time.Hour, s[i+1:]
		if s == "" {
			return days, nil
		}
	}
	d, err := time.ParseDuration(s)
	if err != nil || d < 0 || strings.HasPrefix(s, "+") {
		return 0, bad
	}
	return days + d, nil
}

// ParseTime parses a time as given on a command line: RFC 3339
// (2026-12-02T08:00:00Z, or with an offset) or a date (2026-12-02, its
// start in loc).
func ParseTime(s string, loc *time.Location) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	if t, err := time.ParseInLocation(time.DateOnly, s, loc); err == nil {
		return t, nil
	}
	return time.Time{}, fmt.Errorf("bad time %q: want RFC 3339 or a date, e.g. 2026-01-02T15:04:05Z or 2026-01-02", s)
}
