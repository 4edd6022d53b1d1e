package station

import (
	"fmt"
	"strings"

	"github.com/hufu-project/hufu/verdict"
	"github.com/hufu-project/hufu/verifier"
)

// Display is a verdict as the station shows it, in its language: on a
// terminal and, as JSON, on the camera page. Every text in it that comes
// from a pass is as the pass has it: a terminal must escape it.
type Display struct {
	State  string      `json:"state"`             // the decision: admit, observe, deny, invalid, cannot_decide, valid
	Symbol string      `json:"symbol"`            // ✔ ▲ ✘ ?
	Word   string      `json:"word"`              // the decision, in the station's language
	WordEn string      `json:"word_en,omitempty"` // and in English, under Chinese
	Sub    string      `json:"sub"`               // the colour, or why not
	Alert  string      `json:"alert,omitempty"`   // anti-passback
	Rows   [][2]string `json:"rows"`              // label, text
	Photo  string      `json:"photo,omitempty"`   // the holder's photo: a file, or on the web a URL
	Bell   bool        `json:"bell"`              // sound the alarm
}

// Display returns what the station shows for v.
func (s *Station) Display(v *verdict.Verdict) *Display {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.display(v)
}

// display builds what the station shows for v; the caller holds s.mu.
func (s *Station) display(v *verdict.Verdict) *Display {
	lang := s.Lang()
	d := &Display{State: string(v.Decision)}
	switch v.Decision {
	case verdict.CannotDecide:
		d.Symbol = "?"
	case verdict.Admit, verdict.Valid:
		d.Symbol = "✔"
	case verdict.Observe:
		d.Symbol = "▲"
	default:
		d.Symbol = "✘"
	}
	// A bundle's label for cannot_decide is "decision.undecided" (SPEC §12.6).
	label := "decision." + strings.Replace(d.State, "cannot_decide", "undecided", 1)
	d.Word = headline(lang, s.wording(lang, label, say(lang, d.State)))
	if lang == "zh" {
		d.WordEn = headline("en", s.wording("en", label, say("en", d.State)))
	}
	switch {
	case v.Decision == verdict.CannotDecide:
		d.Sub = say(lang, "sub_undecided")
	case v.Decision == verdict.Invalid && liveSub[v.Reason] != "":
		d.Sub = say(lang, liveSub[v.Reason])
	case v.Decision == verdict.Invalid:
		d.Sub = say(lang, "sub_invalid")
	case v.NameMatch != nil && !*v.NameMatch:
		d.Sub = say(lang, "name_mismatch")
	case v.HC1 != nil:
		d.Sub = v.HC1.Headline()
	default:
		d.Sub = headline(lang, s.wording(lang, "colour."+v.Colour, say(lang, v.Colour)))
	}
	scan := v.Scan
	if scan == nil {
		scan = &verdict.Scan{Time: v.CheckedAt}
	}
	if scan.Passback {
		d.Alert = say(lang, "passback_alert", verdict.HumanDuration(lang, scan.Time.Sub(scan.PassbackAt)), scan.PassbackAt.Local().Format("15:04"))
	}
	d.Bell = v.Decision == verdict.Deny || v.Decision == verdict.Invalid || scan.Passback
	row := func(label, text string) { d.Rows = append(d.Rows, [2]string{say(lang, label), text}) }
	when := scan.Time.Local().Format("15:04:05 MST")
	if !v.IsValid() {
		row("l_reason", s.wording(lang, "reason."+v.Reason, verdict.Text(lang, v.Reason))+" ("+v.Reason+")")
		if v.Detail != "" {
			row("l_detail", v.Detail)
		}
		s.warningRows(v, row)
		row("l_record", say(lang, "record_invalid", scan.LogSeq, when))
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
	if p := v.Pass; p != nil && p.PhotoDigest != nil {
		ref := v.PhotoID
		if ref == "" {
			ref = fmt.Sprintf("%x", p.PhotoDigest)
		}
		switch {
		case scan.PhotoFile != "":
			row("l_photo", say(lang, "photo_compare", scan.PhotoFile))
			d.Photo = scan.PhotoFile
		case s.photos != nil:
			row("l_photo", say(lang, "photo_missing", ref))
		default:
			row("l_photo", say(lang, "photo_nodir", ref))
		}
	}
	row("l_valid", say(lang, "valid_left", verdict.HumanDuration(lang, v.Left()), verdict.LocalTime(v.ExpiresAt)))
	if v.StatusReason != "" {
		row("l_reason", s.wording(lang, "status."+v.StatusReason, verdict.Text(lang, v.StatusReason)))
	}
	if v.HC1 != nil {
		typ := v.HC1.Type
		if lang == "zh" {
			typ = map[string]string{"vaccination": "疫苗接种证明", "test": "检测证明", "recovery": "康复证明"}[typ]
		}
		row("l_reason", say(lang, "hc1_rules", typ))
	}
	for _, h := range v.Hints {
		row("l_hint", s.wording(lang, "hint."+h, verdict.Text(lang, h)))
	}
	s.warningRows(v, row)
	row("l_record", say(lang, "record_line", scan.LogSeq, when, strings.TrimSpace(v.Issuer+" "+v.IssuerName)))
	return d
}

func (s *Station) warningRows(v *verdict.Verdict, row func(label, text string)) {
	for _, w := range v.Warnings {
		switch w {
		case "clock_earlier_than_seen":
			_, floor := s.clock.behind(v.CheckedAt, 0)
			row("l_warning", say(s.Lang(), w, verdict.LocalTime(floor)))
		case "trust_stale":
			row("l_warning", s.wording(s.Lang(), "warning."+w, say(s.Lang(), w)))
		default:
			row("l_warning", w)
		}
	}
}

// wording returns the trust bundle's own wording for key (SPEC §12.6) in
// lang, if it has one, and otherwise text.
func (s *Station) wording(lang, key, text string) string {
	if s.trust.Bundle != nil {
		if _, ok := s.trust.Bundle.Labels[key]; ok {
			if l := s.trust.Bundle.Label(key, lang); l != "" {
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

// words holds each phrase in English and Chinese.
var words = map[string][2]string{
	// decisions, as the headline word
	"admit":         {"ADMIT", "通行"},
	"observe":       {"OBSERVE", "注意"},
	"deny":          {"DENY", "禁止通行"},
	"invalid":       {"INVALID", "无效"},
	"cannot_decide": {"CANNOT DECIDE", "无法判断"},
	"valid":         {"VALID EU DCC", "欧盟证书有效"},
	// what follows the headline word
	"green":          {"GREEN", "绿码"},
	"yellow":         {"YELLOW", "黄码"},
	"red":            {"RED", "红码"},
	"name_mismatch":  {"NAME DOES NOT MATCH THIS CODE", "姓名与此码不符"},
	"sub_invalid":    {"NOT A VALID PASS — DO NOT ADMIT", "不是有效通行码 — 不得放行"},
	"sub_undecided":  {"CALL A SUPERVISOR", "请联系负责人"},
	"sub_replayed":   {"CODE ALREADY USED — ASK FOR THE LIVE CODE", "此码已使用 — 请出示实时码"},
	"sub_stale":      {"CODE TOO OLD — ASK FOR THE LIVE CODE", "此码已过时 — 请出示实时码"},
	"sub_live":       {"NOT THE LIVE CODE — ASK FOR THE LIVE CODE", "不是实时码 — 请出示实时码"},
	"passback_alert": {"USED HERE %s AGO (%s) — SAME PERSON?", "此码 %s前已在本站使用（%s）— 请核实是否本人"},
	// labels
	"l_name":    {"name", "姓名"},
	"l_photo":   {"photo", "照片"},
	"l_valid":   {"valid", "有效期"},
	"l_reason":  {"reason", "原因"},
	"l_hint":    {"hint", "提示"},
	"l_warning": {"warning", "警告"},
	"l_detail":  {"detail", "详情"},
	"l_record":  {"record", "记录"},
	"l_holder":  {"holder", "持证人"},
	"l_born":    {"born", "出生日期"},
	// values
	"name_unchecked": {"not checked — type the name from the ID card", "未核对 — 可输入身份证上的姓名"},
	"name_match":     {"✔ matches the name typed", "✔ 与输入的姓名相符"},
	"name_mismatch2": {"✘ DOES NOT MATCH the name typed", "✘ 与输入的姓名不符"},
	"photo_compare":  {"compare the face: %s", "请核对本人：%s"},
	"photo_missing":  {"the pass has a photo (%s), not found in the photo folder", "此码有照片（%s），照片库中未找到"},
	"photo_nodir":    {"the pass has a photo (%s); start with -photos DIR to see it", "此码有照片（%s）；用 -photos 目录 启动即可显示"},
	"valid_left":     {"%s left, until %s", "剩余 %s，至 %s"},
	"record_line":    {"#%d · %s · issuer %s", "第 %d 条 · %s · 签发方 %s"},
	"record_invalid": {"#%d · %s", "第 %d 条 · %s"},
	"repeat":         {"↺ same pass again — already recorded", "↺ 同一码重复扫描 — 已记录"},
	"name_pending":   {"name %s: scan the code to check it", "姓名 %s：请扫码核对"},
	"name_bad":       {"not a usable name: %s", "无法使用的姓名：%s"},
	"scanning":       {"SCAN A CODE", "请扫码"},
	"not_code_scan":  {"not a code (a code starts with HF1:, HF1P: or HC1:): a name is never taken from the scanner; type it on the keyboard", "不是通行码（通行码以 HF1:、HF1P: 或 HC1: 开头）：不从扫码枪读取姓名；请用键盘输入姓名"},
	"code_typed":     {"a code on the keyboard is not checked: codes come only from the scanner (-scanner); set a scanner that types here to serial (USB-CDC) mode", "键盘上的通行码不予核验：通行码只从扫码枪（-scanner）读取；在此键盘上输入的扫码枪请设为串口（USB-CDC）模式"},
	"not_code":       {"not a code: a code starts with HF1:, HF1P: or HC1:; to check a name, type %s and the name, then Enter", "不是通行码：通行码以 HF1:、HF1P: 或 HC1: 开头；核对姓名请先输入 %s 再输入姓名并回车"},
	"hc1_rules":      {"genuine and in date; whether this %s is enough to enter is for your rules", "证书真实且在有效期内；此%s能否入内由本场所规定决定"},
	// warnings
	"trust_stale":             {"the trust list is stale: install a fresh one", "信任列表已久未更新：请安装新版"},
	"clock_earlier_than_seen": {"this computer's clock is earlier than a time already seen (%s): check the clock", "本机时钟早于已见过的可信时间（%s）：请检查时钟"},
}

// liveSub says, for the reasons that refuse a copy of a holder's live
// code (SPEC.md §14), what the guard is to do: ask for the live code.
var liveSub = map[string]string{
	verdict.ReasonReplayed:                "sub_replayed",
	string(verifier.PresentationStale):    "sub_stale",
	string(verifier.PresentationRequired): "sub_live",
}

// Say returns the station's phrase for key in lang ("zh" or "en"),
// formatted with args; an unknown key is returned as it is.
func Say(lang, key string, args ...any) string { return say(lang, key, args...) }

func say(lang, key string, args ...any) string {
	w, ok := words[key]
	if !ok {
		return key
	}
	s := w[0]
	if lang == "zh" {
		s = w[1]
	}
	if len(args) > 0 {
		s = fmt.Sprintf(s, args...)
	}
	return s
}

func orNone(s string) string {
	if s == "" {
		return "(none given)"
	}
	return s
}
