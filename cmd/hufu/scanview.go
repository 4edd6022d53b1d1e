package main

import (
	"fmt"
	"io"
	"strings"
	"time"
)

// display is a verdict as the station shows it, in its language: on the
// terminal (writeBig) and, as JSON, on the web page.
type display struct {
	State  string      `json:"state"`             // admit, observe, deny, invalid, undecided
	Symbol string      `json:"symbol"`            // ✔ ▲ ✘ ?
	Word   string      `json:"word"`              // the decision, in the station's language
	WordEn string      `json:"word_en,omitempty"` // and in English, under Chinese
	Sub    string      `json:"sub"`               // the colour, or why not
	Alert  string      `json:"alert,omitempty"`   // anti-passback
	Rows   [][2]string `json:"rows"`              // label, text
	Photo  string      `json:"photo,omitempty"`   // the holder's photo: a file, or on the web a URL
	Bell   bool        `json:"bell"`              // sound the alarm
}

// displayFor is display for a caller that does not hold the station's lock.
func (s *station) displayFor(v *verdict) *display {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.display(v)
}

// display builds what the station shows for v; the caller holds s.mu.
func (s *station) display(v *verdict) *display {
	lang := s.lang
	d := &display{}
	switch {
	case v.Undecided:
		d.State, d.Symbol = "undecided", "?"
	case !v.Valid:
		d.State, d.Symbol = "invalid", "✘"
	case v.Decision == "admit":
		d.State, d.Symbol = "admit", "✔"
	case v.Decision == "observe":
		d.State, d.Symbol = "observe", "▲"
	case v.Decision == "valid":
		d.State, d.Symbol = "valid", "✔"
	default:
		d.State, d.Symbol = "deny", "✘"
	}
	d.Word = headline(lang, s.wording(lang, "decision."+d.State, say(lang, d.State)))
	if lang == "zh" {
		d.WordEn = headline("en", s.wording("en", "decision."+d.State, say("en", d.State)))
	}
	switch {
	case v.Undecided:
		d.Sub = say(lang, "sub_undecided")
	case !v.Valid:
		d.Sub = say(lang, "sub_invalid")
	case v.NameMatch != nil && !*v.NameMatch:
		d.Sub = say(lang, "name_mismatch")
	case v.HC1 != nil:
		d.Sub = hc1Headline(v.HC1)
	default:
		d.Sub = headline(lang, s.wording(lang, "colour."+v.Colour, say(lang, v.Colour)))
	}
	if v.Passback {
		at, _ := time.Parse(time.RFC3339, v.PassbackAt)
		d.Alert = say(lang, "passback_alert", humanDuration(lang, v.now.Sub(at)), at.Local().Format("15:04"))
	}
	d.Bell = d.State == "deny" || d.State == "invalid" || v.Passback
	row := func(label, text string) { d.Rows = append(d.Rows, [2]string{say(lang, label), text}) }
	when := v.now.Local().Format("15:04:05")
	if !v.Valid {
		row("l_reason", s.wording(lang, "reason."+v.Reason, explain(lang, reasonText, reasonTextZh, v.Reason))+" ("+v.Reason+")")
		if v.Detail != "" {
			row("l_detail", v.Detail)
		}
		s.warningRows(v, row)
		row("l_record", say(lang, "record_invalid", v.LogSeq, when))
		return d
	}
	if h := v.HC1; h != nil {
		std := strings.Trim(h.Name.FamilyStd+", "+h.Name.GivenStd, ", ")
		row("l_holder", strings.Trim(h.Name.Family+", "+h.Name.Given, ", ")+"  ("+std+")")
		row("l_born", orNone(h.DateOfBirth))
	}
	switch {
	case v.NameMatch == nil:
		row("l_name", say(lang, "name_unchecked"))
	case *v.NameMatch:
		row("l_name", say(lang, "name_match"))
	default:
		row("l_name", say(lang, "name_mismatch2"))
	}
	if p := v.pass; p != nil && p.PhotoDigest != nil {
		ref := v.PhotoID
		if ref == "" {
			ref = fmt.Sprintf("%x", p.PhotoDigest)
		}
		switch {
		case v.PhotoFile != "":
			row("l_photo", say(lang, "photo_compare", v.PhotoFile))
			d.Photo = v.PhotoFile
		case s.photos != nil:
			row("l_photo", say(lang, "photo_missing", ref))
		default:
			row("l_photo", say(lang, "photo_nodir", ref))
		}
	}
	if p := v.pass; p != nil {
		row("l_valid", say(lang, "valid_left", humanDuration(lang, p.ExpiresAt.Sub(v.now)), p.ExpiresAt.Local().Format("2006-01-02 15:04")))
	}
	if v.StatusReason != "" {
		row("l_reason", s.wording(lang, "status."+v.StatusReason, explain(lang, statusText, statusTextZh, v.StatusReason)))
	}
	if v.HC1 != nil {
		typ := v.HC1.Type
		if lang == "zh" {
			typ = map[string]string{"vaccination": "疫苗接种证明", "test": "检测证明", "recovery": "康复证明"}[typ]
		}
		row("l_reason", say(lang, "hc1_rules", typ))
	}
	for _, h := range v.Hints {
		row("l_hint", s.wording(lang, "hint."+h, explain(lang, hintText, hintTextZh, h)))
	}
	s.warningRows(v, row)
	row("l_record", say(lang, "record_line", v.LogSeq, when, strings.TrimSpace(v.Issuer+" "+v.issuerName)))
	return d
}

func (s *station) warningRows(v *verdict, row func(label, text string)) {
	for _, w := range v.Warnings {
		switch w {
		case "clock_earlier_than_seen":
			_, floor := s.clock.behind(v.now, 0)
			row("l_warning", say(s.lang, w, floor.Local().Format("2006-01-02 15:04")))
		case "trust_stale":
			row("l_warning", s.wording(s.lang, "warning."+w, say(s.lang, w)))
		default:
			row("l_warning", w)
		}
	}
}

// writeBig prints the verdict across the terminal's width: the decision in
// block letters on its colour, then a line with the word, symbol and
// colour, an anti-passback alert, and the details.
func (s *station) writeBig(w io.Writer, v *verdict) {
	d := s.display(v)
	st := s.st
	paint := map[string]string{"admit": st.green, "valid": st.green, "observe": st.yellow, "undecided": st.yellow}[d.State]
	if paint == "" {
		paint = st.red
	}
	width := min(max(s.width, 20), 240)
	var b strings.Builder
	bar := func(text, paint string) {
		line := center(text, width)
		if paint == "" {
			b.WriteString(strings.TrimRight(line, " "))
		} else {
			b.WriteString(paint + line + st.reset)
		}
		b.WriteByte('\n')
	}
	b.WriteByte('\n')
	if big := bigText(d.Symbol + " " + say("en", d.State)); big != nil && displayWidth(big[0]) <= width {
		if paint != "" {
			bar("", paint)
		}
		for _, r := range big {
			bar(r, paint)
		}
		if paint != "" {
			bar("", paint)
		}
	}
	head := d.Symbol + "  " + d.Word
	if d.WordEn != "" {
		head += "  " + d.WordEn
	}
	bar(head+"  ·  "+d.Sub, paint)
	if d.Alert != "" {
		bar("⚠  "+d.Alert, st.yellow)
	}
	labelWidth := 0
	for _, r := range d.Rows {
		labelWidth = max(labelWidth, displayWidth(r[0]))
	}
	for _, r := range d.Rows {
		fmt.Fprintf(&b, "  %s%s  %s\n", r[0], strings.Repeat(" ", labelWidth-displayWidth(r[0])), r[1])
	}
	if d.Bell && s.bell {
		b.WriteByte('\a')
	}
	io.WriteString(w, b.String())
}

// wording returns the trust bundle's own wording for key (SPEC §12.6) in
// lang, if it has one, and otherwise text.
func (s *station) wording(lang, key, text string) string {
	if s.bundle != nil {
		if _, ok := s.bundle.Labels[key]; ok {
			if l := s.bundle.Label(key, lang); l != "" {
				return l
			}
		}
	}
	return text
}

// headline puts an English headline word in capitals, to read from afar.
func headline(lang, s string) string {
	if lang == "zh" {
		return s
	}
	return strings.ToUpper(s)
}
