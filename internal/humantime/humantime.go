// Package humantime prints durations as people say them, in Chinese or
// English, for the verdict and the trust bundle's status alike, and counts
// of things in English (Plural).
package humantime

import (
	"fmt"
	"time"
)

// Duration prints d as people say it, to a precision read at a
// glance: "45 s", "3 min", "2 h 5 min", "7 days", "3 days 4 h"; in
// Chinese "45秒", "3分钟", "2小时5分", "7天", "3天4小时". A negative d is 0.
func Duration(lang string, d time.Duration) string {
	zh := lang == "zh"
	switch {
	case d < 0:
		d = 0
		fallthrough
	case d < time.Minute:
		s := int(d.Round(time.Second) / time.Second)
		if zh {
			return fmt.Sprintf("%d秒", s)
		}
		return fmt.Sprintf("%d s", s)
	case d < time.Hour:
		m := int(d.Round(time.Minute) / time.Minute)
		if m == 60 {
			return Duration(lang, time.Hour)
		}
		if zh {
			return fmt.Sprintf("%d分钟", m)
		}
		return fmt.Sprintf("%d min", m)
	case d < 48*time.Hour:
		d = d.Round(time.Minute)
		h, m := int(d/time.Hour), int(d%time.Hour/time.Minute)
		switch {
		case zh && m == 0:
			return fmt.Sprintf("%d小时", h)
		case zh:
			return fmt.Sprintf("%d小时%d分", h, m)
		case m == 0:
			return fmt.Sprintf("%d h", h)
		}
		return fmt.Sprintf("%d h %d min", h, m)
	}
	d = d.Round(time.Hour)
	days, h := int(d/(24*time.Hour)), int(d%(24*time.Hour)/time.Hour)
	switch {
	case zh && h == 0:
		return fmt.Sprintf("%d天", days)
	case zh:
		return fmt.Sprintf("%d天%d小时", days, h)
	case h == 0:
		return fmt.Sprintf("%d days", days)
	}
	return fmt.Sprintf("%d days %d h", days, h)
}
