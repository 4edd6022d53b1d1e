package bundle

import "maps"

// DefaultLabels returns the built-in labels in Chinese and English that
// Bundle.Label falls back to, and that "hufu bundle init" starts a bundle
// with. Keys are namespaced:
//
//	colour.NAME     green, yellow, red
//	decision.NAME   admit, observe, deny, invalid, undecided
//	reason.CODE     the verifier's reason codes (expired, revoked_pass, …)
//	status.NAME     why a pass is yellow or red (close_contact, …)
//	hint.NAME       hints (health_registration, …)
//	warning.CODE    warnings (trust_stale)
func DefaultLabels() map[string]Label { return maps.Clone(defaultLabels) }

var defaultLabels = map[string]Label{
	"colour.green":  {"绿码", "green"},
	"colour.yellow": {"黄码", "yellow"},
	"colour.red":    {"红码", "red"},

	"decision.admit":     {"通行", "admit"},
	"decision.observe":   {"观察", "observe"},
	"decision.deny":      {"禁止通行", "deny"},
	"decision.invalid":   {"无效", "invalid"},
	"decision.valid":     {"有效", "valid"},
	"decision.undecided": {"无法判断", "cannot decide"},

	"reason.too_large":          {"码内容过长", "the code is too large"},
	"reason.bad_prefix":         {"不是通行码", "not a hufu pass"},
	"reason.bad_base45":         {"码内容已损坏", "the code is garbled"},
	"reason.bad_cose":           {"码内容已损坏或被伪造", "the code is garbled or forged"},
	"reason.unsupported_alg":    {"不支持的签名算法", "unsupported signature algorithm"},
	"reason.unknown_key":        {"签名密钥不受信任", "signed by a key that is not trusted"},
	"reason.bad_signature":      {"签名无效：码被伪造或篡改", "bad signature: the code is forged or altered"},
	"reason.bad_payload":        {"签名内容格式错误", "the signed content is malformed"},
	"reason.issuer_not_allowed": {"该密钥无权为此签发机构签发", "the key may not sign for this issuer"},
	"reason.key_not_valid":      {"签发时密钥不在有效期内", "signed outside the key's validity period"},
	"reason.not_yet_valid":      {"尚未生效（请检查本机时钟）", "not yet valid (check this computer's clock)"},
	"reason.expired":            {"已过期", "expired"},
	"reason.revoked_pass":       {"此码已被撤销", "the pass has been revoked"},
	"reason.revoked_key":        {"签名密钥已被撤销", "the signing key has been revoked"},
	"reason.policy_violation":   {"不符合签发机构的规定", "breaks the issuer's rules"},
	"reason.trust_unavailable":  {"信任列表不可用", "the trust list cannot be used"},
	"reason.trust_expired":      {"信任列表已过期，请更新", "the trust list has expired: install a new one"},
	"reason.clock_behind":       {"本机时钟可能有误", "this computer's clock looks wrong"},
	"reason.bad_compression":    {"码内容已损坏（压缩数据错误）", "the code is garbled (its compression is broken)"},
	"reason.key_usage":          {"签名证书无权签发此类证书", "the signing certificate may not sign this type of certificate"},

	"status.key_region_arrival": {"14天内有重点地区旅居史", "arrived from a key region within 14 days"},
	"status.close_contact":      {"密切接触者", "close contact of a confirmed case"},
	"status.secondary_contact":  {"密接的密接", "contact of a close contact"},
	"status.medical_management": {"医学管理中", "under medical management"},
	"status.confirmed":          {"确诊病例", "confirmed case"},
	"status.suspected":          {"疑似病例", "suspected case"},
	"status.fever_clinic":       {"曾到发热门诊就诊", "visited a fever clinic"},
	"status.test_overdue":       {"未按要求检测", "test result overdue"},

	"hint.health_registration": {"建议进行健康登记", "health registration suggested"},
	"hint.test_suggested":      {"建议进行检测", "a test is suggested"},
	"hint.appeal_pending":      {"申诉处理中", "the holder has appealed the colour"},

	"warning.trust_stale": {"信任列表待更新", "the trust list is due for an update"},
}
