package main

import (
	"fmt"
	"strings"
	"time"
)

// The guard station speaks Chinese or English (-lang zh|en). Words are
// looked up by key; verify keeps its English output.

// detectLang returns "zh" if the locale (LC_ALL, else LC_MESSAGES, else
// LANG) is Chinese, and "en" otherwise.
func detectLang(e *env) string {
	for _, v := range []string{"LC_ALL", "LC_MESSAGES", "LANG"} {
		if s := e.getenv(v); s != "" {
			if strings.HasPrefix(strings.ToLower(s), "zh") {
				return "zh"
			}
			return "en"
		}
	}
	return "en"
}

// words holds each phrase in English and Chinese.
var words = map[string][2]string{
	// decisions, as the headline word
	"admit":     {"ADMIT", "通行"},
	"observe":   {"OBSERVE", "注意"},
	"deny":      {"DENY", "禁止通行"},
	"invalid":   {"INVALID", "无效"},
	"undecided": {"CANNOT DECIDE", "无法判断"},
	"valid":     {"VALID EU DCC", "欧盟证书有效"},
	// what follows the headline word
	"green":          {"GREEN", "绿码"},
	"yellow":         {"YELLOW", "黄码"},
	"red":            {"RED", "红码"},
	"name_mismatch":  {"NAME DOES NOT MATCH THIS CODE", "姓名与此码不符"},
	"sub_invalid":    {"NOT A VALID PASS — DO NOT ADMIT", "不是有效通行码 — 不得放行"},
	"sub_undecided":  {"CALL A SUPERVISOR", "请联系负责人"},
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
	"hc1_rules":      {"genuine and in date; whether this %s is enough to enter is for your rules", "证书真实且在有效期内；此%s能否入内由本场所规定决定"},
	// warnings
	"trust_stale":             {"the trust list is stale: install a fresh one", "信任列表已久未更新：请安装新版"},
	"clock_earlier_than_seen": {"this computer's clock is earlier than a time already seen (%s): check the clock", "本机时钟早于已见过的可信时间（%s）：请检查时钟"},
}

// say returns the phrase for key in lang, formatted with args.
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

var reasonTextZh = map[string]string{
	"too_large":          "码内容过长，不可能来自二维码",
	"bad_prefix":         "这不是通行码或欧盟证书（不以 HF1: 或 HC1: 开头）",
	"bad_compression":    "码已损坏（压缩数据错误）",
	"key_usage":          "签名证书无权签发此类证书",
	"bad_base45":         "码已损坏（Base45 无效）",
	"bad_cose":           "码已损坏或伪造（签名信封格式错误）",
	"unsupported_alg":    "码使用了不接受的签名算法",
	"unknown_key":        "码由本站不信任的密钥签名",
	"bad_signature":      "签名错误：码是伪造或被篡改的",
	"bad_payload":        "签名内容格式错误",
	"issuer_not_allowed": "签名密钥无权为该签发方签发",
	"key_not_valid":      "签发时间不在签名密钥的有效期内",
	"not_yet_valid":      "码的签发时间在未来（请检查本机时钟）",
	"expired":            "码已过期",
	"revoked_pass":       "码已被撤销",
	"revoked_key":        "签名密钥已被撤销",
	"policy_violation":   "码违反签发方的规则",
	"trust_unavailable":  "信任列表无法使用",
	"trust_expired":      "信任列表已过期：请安装新版",
	"clock_behind":       "本机时钟似乎不对（早于信任列表的签发时间）",
	"no_qr_code":         "图片中没有找到二维码",
	"unreadable_qr":      "找到二维码但无法读取：请靠近、放平、避免反光",
	"bad_image":          "文件不是可读的 PNG、JPEG 或 GIF 图片",
}

var statusTextZh = map[string]string{
	"key_region_arrival": "14 天内来自重点地区",
	"close_contact":      "确诊病例的密切接触者",
	"secondary_contact":  "密切接触者的密切接触者",
	"medical_management": "正在接受医学管理",
	"confirmed":          "确诊病例",
	"suspected":          "疑似病例",
	"fever_clinic":       "曾到发热门诊就诊",
	"test_overdue":       "核酸检测逾期",
}

var hintTextZh = map[string]string{
	"health_registration": "建议进行健康登记",
	"test_suggested":      "建议做核酸检测",
	"appeal_pending":      "持码人已对赋码提出申诉",
}

// explain returns the text for code in one of the tables, in lang.
func explain(lang string, en, zh map[string]string, code string) string {
	if lang == "zh" {
		if s := zh[code]; s != "" {
			return s
		}
	}
	if s := en[code]; s != "" {
		return s
	}
	return code
}

// humanDuration prints d for a person, to the minute above an hour.
func humanDuration(lang string, d time.Duration) string {
	if lang != "zh" {
		return roundDuration(d)
	}
	if d < 0 {
		d = 0
	}
	if d >= time.Hour {
		d = d.Round(time.Minute)
		return fmt.Sprintf("%d小时%d分", int(d/time.Hour), int(d%time.Hour/time.Minute))
	}
	d = d.Round(time.Second)
	m, s := int(d/time.Minute), int(d%time.Minute/time.Second)
	if m > 0 {
		return fmt.Sprintf("%d分%d秒", m, s)
	}
	return fmt.Sprintf("%d秒", s)
}
