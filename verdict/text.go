package verdict

import (
	"time"

	"github.com/hufu-project/hufu/internal/humantime"
)

// Text explains a code of a verdict for people, in lang ("zh" or "en"):
// a reason (Verdict.Reason), a status reason, a hint or a warning. An
// unknown code is returned as it is.
func Text(lang, code string) string {
	for _, t := range [][2]map[string]string{{reasonText, reasonTextZh}, {statusText, statusTextZh}, {hintText, hintTextZh}, {warningText, warningTextZh}} {
		if lang == "zh" {
			if s := t[1][code]; s != "" {
				return s
			}
		}
		if s := t[0][code]; s != "" {
			return s
		}
	}
	return code
}

// HumanDuration prints d as people say it, to a precision read at a
// glance: "45 s", "3 min", "2 h 5 min", "7 days", "3 days 4 h"; in
// Chinese "45秒", "3分钟", "2小时5分", "7天", "3天4小时". A negative d is 0.
func HumanDuration(lang string, d time.Duration) string { return humantime.Duration(lang, d) }

// LocalTime prints t in the local time zone with the zone's name, as
// people read it: "2026-11-28 15:32 CST".
func LocalTime(t time.Time) string { return t.Local().Format("2006-01-02 15:04 MST") }

// Human-readable explanations of reason codes, hints and status reasons.
var reasonText = map[string]string{
	"too_large":          "the code is longer than any QR code can hold",
	"bad_prefix":         "this is not a hufu pass or an EU DCC (it does not start with HF1:, HF1P: or HC1:)",
	"bad_base45":         "the code is garbled (not valid Base45)",
	"bad_compression":    "the code is garbled (its compression is broken)",
	"bad_cose":           "the code is garbled or forged (malformed signed envelope)",
	"unsupported_alg":    "the code uses a signature algorithm hufu does not accept",
	"unknown_key":        "the code is signed by a key this station does not trust",
	"bad_signature":      "the signature is wrong: the code is forged or altered",
	"bad_payload":        "the signed content is malformed",
	"issuer_not_allowed": "the signing key may not issue passes for this issuer",
	"key_not_valid":      "the pass was signed, or expires, outside the signing key's validity period",
	"key_usage":          "the signing certificate may not sign this type of certificate",
	"not_yet_valid":      "the pass is dated in the future (check this computer's clock)",
	"expired":            "the pass has expired",
	"revoked_pass":       "the pass has been revoked",
	"revoked_key":        "the signing key has been revoked",
	"policy_violation":   "the pass breaks the issuer's rules",
	"trust_unavailable":  "the trust bundle could not be used",
	"trust_expired":      "the trust bundle has expired: install a new one",
	"clock_behind":       "this computer's clock looks wrong (earlier than the trust bundle)",
	"no_qr_code":         "no QR code found in the image",
	"unreadable_qr":      "a QR code was found but could not be read: try again closer, flatter, with less glare",
	"bad_image":          "the file is not a readable PNG, JPEG or GIF image",

	// Presentations (SPEC.md §14) and replay at a station (§14.8).
	"presentation_required": "this pass is holder-bound: it counts only as the holder's live code (HF1P:), never as the pass itself (a screenshot?)",
	"not_holder_bound":      "a live code (HF1P:) of a pass that is not holder-bound",
	"bad_holder_signature":  "the live code is not signed by the pass's holder: forged, altered, or another phone's",
	"presentation_stale":    "the live code is too old, or dated in the future: a screenshot, or the phone's clock is wrong",
	"challenge_mismatch":    "the live code does not answer this station's challenge",
	"replayed":              "this live code was already scanned here: a copy (screenshot, photo) of someone's code",
}

var warningText = map[string]string{
	"trust_stale": "the trust bundle is past its next update: install a newer one",
}

var statusText = map[string]string{
	"key_region_arrival": "arrived from a key region within 14 days",
	"close_contact":      "close contact of a confirmed case",
	"secondary_contact":  "contact of a close contact",
	"medical_management": "under medical management",
	"confirmed":          "confirmed case",
	"suspected":          "suspected case",
	"fever_clinic":       "visited a fever clinic",
	"test_overdue":       "test result overdue",
}

var hintText = map[string]string{
	"health_registration": "health registration suggested",
	"test_suggested":      "a test is suggested",
	"appeal_pending":      "the holder has appealed the colour",
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

	// Presentations (SPEC.md §14) and replay at a station (§14.8).
	"presentation_required": "此码绑定持码人手机：只认手机上的实时码（HF1P:），不认码本身（可能是截图）",
	"not_holder_bound":      "实时码（HF1P:）中的码未绑定持码人",
	"bad_holder_signature":  "实时码不是由持码人签名的：伪造、篡改，或来自另一部手机",
	"presentation_stale":    "实时码已过时或时间在未来：可能是截图，或手机时钟不对",
	"challenge_mismatch":    "实时码没有回应本站的挑战码",
	"replayed":              "此实时码已在本站扫过：是别人码的副本（截图或照片）",
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

var warningTextZh = map[string]string{
	"trust_stale": "信任列表已过下次更新时间：请安装新版",
}
