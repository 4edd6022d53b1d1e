package testvectors

import (
	"bytes"
	"crypto/ed25519"
	"fmt"
	"time"

	"github.com/hufu-project/hufu/bundle"
	"github.com/hufu-project/hufu/internal/cose"
	"github.com/hufu-project/hufu/pass"
)

// Bundle roots: R (Ed25519) and S (P-256) are pinned; X is not.
var (
	keyR = testKey{"R", ed25519.NewKeyFromSeed(fixedScalar("R", 32)), "EdDSA"}
	keyS = testKey{"S", p256Key("S"), "ES256"}
	keyX = testKey{"X", ed25519.NewKeyFromSeed(fixedScalar("X", 32)), "EdDSA"}
)

// bundleIssued is the issue time of the vectors' bundles: two hours
// before now0. Their next update is a day later, their expiry three days.
var bundleIssued = now0.Add(-2 * time.Hour)

// bundleContents is the bundle of the vectors: Shanghai (310000) with key
// A, rotated out half an hour after iat0, and key B; Jiangsu (320000) with
// key C, passes of at most 48 hours, green and yellow only. Shanghai
// revokes its pass "bundle revoked", Jiangsu its pass "bundle jiangsu
// revoked".
func bundleContents(seq uint64) *bundle.Contents {
	return &bundle.Contents{
		Seq:        seq,
		IssuedAt:   bundleIssued,
		NextUpdate: bundleIssued.Add(24 * time.Hour),
		Expires:    bundleIssued.Add(72 * time.Hour),
		Issuers: []bundle.Issuer{
			{ID: "310000", Name: bundle.Label{ZH: "上海市", EN: "Shanghai"}, MaxLifetime: 7 * 24 * time.Hour,
				Colours: []pass.Colour{pass.Green, pass.Yellow, pass.Red},
				Keys: []bundle.IssuerKey{
					{Public: keyA.priv.Public(), ValidUntil: iat0.Add(30 * time.Minute)},
					{Public: keyB.priv.Public()},
				},
				RevokedPasses: []uint64{bundle.RevocationID(basePass("bundle revoked").ID)}},
			{ID: "320000", Name: bundle.Label{ZH: "江苏省", EN: "Jiangsu"}, MaxLifetime: 48 * time.Hour,
				Colours:       []pass.Colour{pass.Green, pass.Yellow},
				Keys:          []bundle.IssuerKey{{Public: keyC.priv.Public()}},
				RevokedPasses: []uint64{bundle.RevocationID(basePass("bundle jiangsu revoked").ID)}},
		},
		Labels: map[string]bundle.Label{
			"colour.green":       {ZH: "绿码", EN: "green"},
			"decision.undecided": {ZH: "无法判断", EN: "cannot decide"},
		},
	}
}

// signBundle signs c with root k deterministically (Ed25519, or ECDSA
// with RFC 6979 nonces): bundle.Sign encodes and checks it, and the
// payload is signed again here.
func signBundle(k testKey, c *bundle.Contents) []byte {
	data, err := bundle.Sign(c, k.priv)
	if err != nil {
		panic(err)
	}
	msg, err := cose.ParseSign1Max(data, bundle.MaxSize)
	if err != nil {
		panic(err)
	}
	return resign(k, msg.Payload)
}

func resign(k testKey, payload []byte) []byte {
	ph := protected(k)
	return cose.AppendSign1(nil, ph, payload, signRaw(k, ph, payload))
}

func bundlePayload(data []byte) []byte {
	msg, err := cose.ParseSign1Max(data, bundle.MaxSize)
	if err != nil {
		panic(err)
	}
	return bytes.Clone(msg.Payload)
}

func bundleVectors() []vec {
	base := signBundle(keyR, bundleContents(5))
	roots := []testKey{keyR, keyS}
	var vs []vec
	add := func(name, desc string, k testKey, p pass.Pass, data []byte, ex Expect, mod func(*vec)) {
		msg := signed(k, claims(p))
		v := vec{name: "bundle_" + name, desc: desc, now: now0, text: textOf(msg), cose: msg, bundle: data, roots: roots, expect: ex}
		if mod != nil {
			mod(&v)
		}
		vs = append(vs, v)
	}
	at := func(t time.Time) func(*vec) { return func(v *vec) { v.now = t } }
	invalid := func(reason string) Expect { return Expect{Reason: reason, Decodes: true} }
	undecided := func(reason, bundleError string) Expect {
		return Expect{Reason: reason, Decodes: true, Undecided: true, BundleError: bundleError}
	}
	jiangsu := func(name string) pass.Pass {
		p := basePass(name)
		p.Issuer = "320000"
		return p
	}

	p := basePass("bundle valid")
	add("valid", "a Shanghai pass, trusted through a bundle signed by an Ed25519 root", keyB, p, base, validExpect(p, keyB, nil), nil)
	p = basePass("bundle es256 root")
	add("valid_es256_root", "a bundle signed by a P-256 root", keyB, p, signBundle(keyS, bundleContents(5)), validExpect(p, keyB, nil), nil)
	p = jiangsu("bundle jiangsu")
	add("valid_second_issuer", "a Jiangsu pass in the same bundle", keyC, p, base, validExpect(p, keyC, nil), nil)

	// The bundle's times. Issued 06:00, next update 06:00 the next day,
	// expires three days after issue; the default skew is 5 minutes.
	p = basePass("bundle stale")
	ex := validExpect(p, keyB, nil)
	ex.Warnings = []string{bundle.WarningStale}
	add("stale", "now is the bundle's next update: valid, with the warning trust_stale", keyB, p, base, ex, at(bundleIssued.Add(24*time.Hour)))
	p = basePass("bundle expired")
	add("expired", "now is the bundle's expiry: cannot decide (trust_expired), though the pass has expired too", keyB, p, base,
		undecided("trust_expired", ""), at(bundleIssued.Add(72*time.Hour)))
	p = basePass("bundle clock")
	p.IssuedAt, p.ExpiresAt = bundleIssued.Add(-time.Hour), bundleIssued.Add(23*time.Hour)
	add("clock_behind", "the clock is 5 min 1 s before the bundle's issue time: cannot decide (clock_behind), never expired or not yet valid", keyB, p, base,
		undecided("clock_behind", ""), at(bundleIssued.Add(-5*time.Minute-time.Second)))
	add("clock_within_skew", "the clock is exactly 5 min (the skew) before the bundle's issue time: valid", keyB, p, base,
		validExpect(p, keyB, nil), at(bundleIssued.Add(-5*time.Minute)))
	add("clock_behind_no_skew", "skew 0, the clock one second before the bundle's issue time: cannot decide", keyB, p, base,
		undecided("clock_behind", ""), func(v *vec) { v.now = bundleIssued.Add(-time.Second); v.skew = secs(0) })

	// Revocation.
	p = basePass("bundle revoked")
	add("revoked_pass", "the bundle revokes the pass ID in the list of the pass's issuer", keyB, p, base, invalid("revoked_pass"), nil)
	p = jiangsu("bundle jiangsu revoked")
	add("revoked_pass_second_issuer", "a Jiangsu pass whose ID Jiangsu's list revokes", keyC, p, base, invalid("revoked_pass"), nil)
	p = basePass("bundle jiangsu revoked")
	add("revoked_pass_other_issuer", "a Shanghai pass with the very ID that Jiangsu's list revokes: valid, a revocation refuses only passes of its own issuer", keyB, p, base, validExpect(p, keyB, nil), nil)
	p = jiangsu("bundle revoked")
	add("revoked_pass_other_issuer_reverse", "a Jiangsu pass with the very ID that Shanghai's list revokes: valid", keyC, p, base, validExpect(p, keyC, nil), nil)
	p = basePass("bundle revoked long")
	p.ID = append(bytes.Clone(basePass("bundle revoked").ID), 1, 2, 3, 4, 5, 6, 7, 8)
	p.NameHash, _ = pass.NameHash(p.ID, "张三")
	add("revoked_pass_16_byte_id", "a 16-byte pass ID whose first 8 bytes the bundle revokes: revoked (the list holds 8-byte prefixes)", keyB, p, base, invalid("revoked_pass"), nil)
	{
		c := bundleContents(5)
		c.RevokedKeys = append(c.RevokedKeys, keyB.priv.Public())
		p = basePass("bundle revoked key")
		add("revoked_key", "the bundle revokes the key that signed the pass (it stays listed under its issuer)", keyB, p, signBundle(keyR, c), invalid("revoked_key"), nil)
		p = basePass("bundle revoked key forged")
		msg := signed(keyB, claims(p))
		msg[len(msg)-1] ^= 1
		vs = append(vs, vec{name: "bundle_revoked_key_bad_signature", desc: "a revoked key's kid on a forged pass: bad_signature, not revoked_key",
			now: now0, text: textOf(msg), cose: msg, bundle: signBundle(keyR, c), roots: roots, expect: invalid("bad_signature")})
	}

	// Keys and issuers.
	p = basePass("bundle rotated")
	add("key_rotated_out", "key A's window ended at iat + 30 min, before now; it signed while valid: valid", keyA, p, base, validExpect(p, keyA, nil), nil)
	p = basePass("bundle late")
	p.IssuedAt = iat0.Add(31 * time.Minute)
	add("key_not_valid", "key A signs a pass one minute after its window ended", keyA, p, base, invalid("key_not_valid"), nil)
	p = basePass("bundle cross")
	add("cross_issuer_key", "the Jiangsu key signs a pass that claims Shanghai", keyC, p, base, invalid("issuer_not_allowed"), nil)
	p = jiangsu("bundle long")
	p.ExpiresAt = p.IssuedAt.Add(48*time.Hour + time.Second)
	add("policy_lifetime", "a Jiangsu pass valid one second longer than Jiangsu's limit of 48 hours", keyC, p, base, invalid("policy_violation"), nil)
	p = jiangsu("bundle red")
	p.Colour, p.Reason = pass.Red, pass.Confirmed
	add("policy_colour", "a red Jiangsu pass; Jiangsu may issue green and yellow only", keyC, p, base, invalid("policy_violation"), nil)
	p = basePass("bundle unknown key")
	add("unknown_key", "a key the bundle does not list (root X, which is no issuer's key)", keyX, p, base, invalid("unknown_key"), nil)

	// The bundle itself.
	p = basePass("bundle wrong root")
	add("wrong_root", "the bundle is signed by a root that is not pinned: cannot decide", keyB, p, signBundle(keyX, bundleContents(5)),
		undecided("trust_unavailable", "unknown_root"), nil)
	{
		export := signExport(keyR, &bundle.Revocations{Issuer: "310000", Seq: 1, IssuedAt: bundleIssued,
			Passes: []bundle.RevokedPass{{ID: basePass("bundle valid").ID, ExpiresAt: exp0}}})
		add("an_export", "a revocation export signed by the pinned root, given as a bundle: cannot decide (wrong_kind)", keyB, p, export,
			undecided("trust_unavailable", "wrong_kind"), nil)
	}
	{
		// The pinned root's kid, another key's signature.
		pl := bundlePayload(base)
		ph := protected(keyR)
		forged := cose.AppendSign1(nil, ph, pl, signRaw(keyX, ph, pl))
		add("forged_root_kid", "the pinned root's kid, signed by another key: cannot decide", keyB, p, forged,
			undecided("trust_unavailable", "bad_signature"), nil)
		altered := bytes.Clone(base)
		altered[len(altered)-70] ^= 0x01 // a label's text, after signing
		add("altered", "one bit of the bundle changed after signing: cannot decide", keyB, p, altered,
			undecided("trust_unavailable", "bad_signature"), nil)
		if pl[0] != 0xa8 || pl[1] != 0x01 || pl[2] != 0x02 {
			panic("unexpected payload start")
		}
		for _, v := range []byte{1, 3} {
			old := bytes.Clone(pl)
			old[2] = v
			add(fmt.Sprintf("version_%d", v), fmt.Sprintf("a bundle of format version %d, correctly signed: cannot decide", v), keyB, p, resign(keyR, old),
				undecided("trust_unavailable", "unsupported_version"), nil)
		}
		unknown := append([]byte{0xa9}, pl[1:]...)
		unknown = append(unknown, 0x0a, 0x01) // key 10: 1, after labels (9)
		add("unknown_field", "a bundle with an unknown field (key 10), correctly signed: cannot decide", keyB, p, resign(keyR, unknown),
			undecided("trust_unavailable", "bad_payload"), nil)
		ext := append([]byte{0xa9}, pl[1:]...)
		ext = append(ext, 0x19, 0x01, 0x00, 0x61, 'x') // key 256: "x", an extension
		q := basePass("bundle extension")
		add("extension_field", "a bundle with an extension field (key 256): checked for form and ignored", keyB, q, resign(keyR, ext),
			validExpect(q, keyB, nil), nil)
	}

	// Rollback: bundle 6 revokes a pass, bundle 5 does not. With 6
	// installed, installing 5 is refused and 6 stays in force.
	{
		c6 := bundleContents(6)
		sh := &c6.Issuers[0]
		sh.RevokedPasses = append(sh.RevokedPasses, bundle.RevocationID(basePass("bundle rollback").ID))
		b6 := signBundle(keyR, c6)
		p = basePass("bundle rollback")
		add("rollback", "bundle 6 revokes the pass; installing bundle 5 over it is refused (rollback), so the pass stays revoked", keyB, p, base,
			Expect{Reason: "revoked_pass", Decodes: true, BundleError: "rollback"}, func(v *vec) { v.installed = b6 })
		add("update", "bundle 5 installed, bundle 6 installed over it revokes the pass", keyB, p, b6,
			invalid("revoked_pass"), func(v *vec) { v.installed = base })
	}
	return vs
}
