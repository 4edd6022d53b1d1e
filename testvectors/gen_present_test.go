package testvectors

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"encoding/hex"
	"encoding/json"
	"io/fs"
	"math/big"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/hufu-project/hufu/holder"
	"github.com/hufu-project/hufu/internal/base45"
	"github.com/hufu-project/hufu/internal/cbor"
	"github.com/hufu-project/hufu/internal/cose"
	"github.com/hufu-project/hufu/keys"
	"github.com/hufu-project/hufu/pass"
)

// The presentation vectors (present_*.json, SPEC.md §14): holder-bound
// passes, shown bare and in presentations.

var (
	keyHolder  = testKey{"holder", p256Key("holder"), keys.ES256}
	keyHolder2 = testKey{"holder2", p256Key("holder2"), keys.ES256}
	// presentChallenge is the station challenge of the challenge vectors.
	presentChallenge = []byte("hufu challenge 1")
)

// holderKeyOf returns the holder key claim of k.
func holderKeyOf(k testKey) []byte {
	hk, err := pass.CompressHolderKey(k.priv.Public().(*ecdsa.PublicKey))
	if err != nil {
		panic(err)
	}
	return hk
}

// presentClaims encodes presentation claims; c must be in range.
func presentClaims(passMsg []byte, at time.Time, challenge []byte) []byte {
	c := holder.Claims{Pass: passMsg, Time: at, Challenge: challenge}
	b, err := c.Append(nil)
	if err != nil {
		panic(err)
	}
	return b
}

// presentation signs payload with the holder key h under the
// presentation's protected header.
func presentation(h testKey, payload []byte) []byte {
	ph := cose.PresentationProtected
	return cose.AppendSign1(nil, ph, payload, signRaw(h, ph, payload))
}

func presentText(msg []byte) string { return holder.Prefix + base45.EncodeToString(msg) }

// boundPass is the full pass of the vectors, bound to holder key h.
func boundPass(name string, h testKey) pass.Pass {
	p := basePass(name)
	p.Colour = pass.Yellow
	p.Reason = pass.KeyRegionArrival
	p.Hints = pass.HealthRegistration | pass.TestSuggested
	p.PhotoDigest = pass.PhotoDigest(photo)
	p.PhotoID = "P2026060100A"
	p.HolderKey = holderKeyOf(h)
	return p
}

func presentVectors() []vec {
	var vs []vec
	add := func(v vec) {
		if v.trust == nil {
			v.trust = []trustEntry{entry(keyA), entry(keyB)}
		}
		if v.now.IsZero() {
			v.now = now0
		}
		vs = append(vs, v)
	}
	bound := boundPass("holder bound", keyHolder)
	passMsg := signed(keyA, claims(bound))

	// valid builds a valid presentation of p (signed by issuer k) at time
	// at, verified at now0.
	valid := func(name, desc string, k testKey, p pass.Pass, pmsg []byte, at time.Time, challenge []byte, mod func(*vec)) {
		payload := presentClaims(pmsg, at, challenge)
		msg := presentation(keyHolder, payload)
		ex := validExpect(p, k, nil)
		d := holder.Digest(payload)
		ex.Presentation = &Presentation{Time: at.UTC().Format(time.RFC3339), Digest: hex.EncodeToString(d[:]), HolderKey: hex.EncodeToString(p.HolderKey)}
		if challenge != nil {
			ex.Presentation.ChallengeHex = hex.EncodeToString(challenge)
		}
		v := vec{name: name, desc: desc, text: presentText(msg), cose: msg, expect: ex}
		if mod != nil {
			mod(&v)
		}
		add(v)
	}
	invalid := func(name, desc string, msg []byte, reason string, mod func(*vec)) {
		v := vec{name: name, desc: desc, text: presentText(msg), cose: msg, expect: Expect{Reason: reason, Decodes: true}}
		if mod != nil {
			mod(&v)
		}
		add(v)
	}
	window := func(s int64) func(*vec) { return func(v *vec) { v.window = secs(s) } }
	ask := func(c []byte) func(*vec) { return func(v *vec) { v.challenge = c } }
	undecodable := func(v *vec) { v.expect.Decodes = false }

	valid("present_valid", "a presentation of the full pass, bound to the holder key, signed at the verifier's time (the example of SPEC.md §14.7)", keyA, bound, passMsg, now0, nil, nil)
	{
		b := boundPass("holder bound eddsa", keyHolder)
		valid("present_valid_eddsa_issuer", "a pass signed with EdDSA, bound to a P-256 holder key", keyB, b, signed(keyB, claims(b)), now0, nil, nil)
	}
	valid("present_window_past_edge", "signed exactly the window (30 s) before the verifier's time: valid", keyA, bound, passMsg, now0.Add(-30*time.Second), nil, nil)
	valid("present_window_future_edge", "signed exactly the window (30 s) after the verifier's time: valid", keyA, bound, passMsg, now0.Add(30*time.Second), nil, nil)
	valid("present_window_custom_edge", "a verifier window of 5 s, signed 5 s before", keyA, bound, passMsg, now0.Add(-5*time.Second), nil, window(5))
	valid("present_challenge", "a presentation carrying the challenge the verifier asked for", keyA, bound, passMsg, now0, presentChallenge, ask(presentChallenge))
	valid("present_challenge_unasked", "a presentation carrying a challenge that the verifier did not ask for: valid", keyA, bound, passMsg, now0, presentChallenge, nil)
	{
		// The other valid form of the same signature: (r, n − s).
		payload := presentClaims(passMsg, now0, nil)
		msg := presentation(keyHolder, payload)
		sig := msg[len(msg)-64:]
		n := elliptic.P256().Params().N
		s := new(big.Int).Sub(n, new(big.Int).SetBytes(sig[32:]))
		s.FillBytes(sig[32:])
		d := holder.Digest(payload)
		ex := validExpect(bound, keyA, nil)
		ex.Presentation = &Presentation{Time: now0.UTC().Format(time.RFC3339), Digest: hex.EncodeToString(d[:]), HolderKey: hex.EncodeToString(bound.HolderKey)}
		add(vec{name: "present_other_s", desc: "present_valid with its signature's s replaced by n − s: also valid, and the same presentation (same digest)", text: presentText(msg), cose: msg, expect: ex})
	}

	stale := func(name, desc string, at time.Time, mod func(*vec)) {
		invalid(name, desc, presentation(keyHolder, presentClaims(passMsg, at, nil)), "presentation_stale", mod)
	}
	stale("present_window_past_stale", "signed 31 s before the verifier's time: one second outside the window", now0.Add(-31*time.Second), nil)
	stale("present_window_future_stale", "signed 31 s after the verifier's time: one second outside the window", now0.Add(31*time.Second), nil)
	stale("present_window_custom_stale", "a verifier window of 5 s, signed 6 s before", now0.Add(-6*time.Second), window(5))
	stale("present_screenshot_later", "a presentation scanned again 60 s after it was signed", now0.Add(-60*time.Second), nil)

	invalid("present_challenge_mismatch", "the verifier asked for another challenge",
		presentation(keyHolder, presentClaims(passMsg, now0, presentChallenge)), "challenge_mismatch", ask([]byte("hufu challenge 2")))
	invalid("present_challenge_missing", "the verifier asked for a challenge; the presentation has none",
		presentation(keyHolder, presentClaims(passMsg, now0, nil)), "challenge_mismatch", ask(presentChallenge))

	// Holder signatures.
	{
		msg := presentation(keyHolder, presentClaims(passMsg, now0, nil))
		msg[len(msg)-1] ^= 1
		invalid("present_bad_holder_signature", "the holder signature's last bit flipped", msg, "bad_holder_signature", nil)
	}
	{
		msg := presentation(keyHolder, presentClaims(passMsg, now0.Add(-time.Hour), nil))
		msg[len(msg)-1] ^= 1
		invalid("present_forged_stale", "a forged holder signature on a presentation an hour old: bad_holder_signature, never stale", msg, "bad_holder_signature", nil)
	}
	{
		// Sign at now, then change the time by one second inside the
		// window: only the signature can tell.
		payload := presentClaims(passMsg, now0, nil)
		msg := presentation(keyHolder, payload)
		tampered := presentClaims(passMsg, now0.Add(time.Second), nil)
		out := cose.AppendSign1(nil, cose.PresentationProtected, tampered, msg[len(msg)-64:])
		invalid("present_tampered_time", "the time changed by one second after signing, still inside the window", out, "bad_holder_signature", nil)
		tampered = presentClaims(passMsg, now0.Add(time.Hour), nil)
		out = cose.AppendSign1(nil, cose.PresentationProtected, tampered, msg[len(msg)-64:])
		invalid("present_tampered_time_stale", "the time changed by an hour after signing: bad_holder_signature, not stale", out, "bad_holder_signature", nil)
	}
	{
		// The issuer re-issued the pass bound to another holder's key;
		// the presentation is signed with the first holder's key.
		other := boundPass("holder bound", keyHolder2)
		invalid("present_other_holder", "a pass bound to another holder key, presented with this holder's key",
			presentation(keyHolder, presentClaims(signed(keyA, claims(other)), now0, nil)), "bad_holder_signature", nil)
	}
	{
		p := basePass("not bound")
		invalid("present_not_holder_bound", "a presentation of a pass that binds no holder key",
			presentation(keyHolder, presentClaims(signed(keyA, claims(p)), now0, nil)), "not_holder_bound", nil)
	}

	// The pass inside, checked as in SPEC.md §6.
	{
		bad := signed(keyA, claims(bound))
		bad[len(bad)-1] ^= 1
		invalid("present_pass_bad_signature", "the pass's issuer signature broken; the holder signature good",
			presentation(keyHolder, presentClaims(bad, now0, nil)), "bad_signature", nil)
		p := boundPass("holder bound expired", keyHolder)
		p.IssuedAt, p.ExpiresAt = now0.Add(-48*time.Hour), now0.Add(-24*time.Hour)
		expired := signed(keyA, claims(p))
		invalid("present_pass_expired", "a good presentation of an expired pass", presentation(keyHolder, presentClaims(expired, now0, nil)), "expired", nil)
		msg := presentation(keyHolder, presentClaims(expired, now0.Add(-time.Hour), nil))
		msg[len(msg)-1] ^= 1
		invalid("present_forged_expired", "an expired pass in a stale presentation with a forged holder signature: bad_holder_signature", msg, "bad_holder_signature", nil)
		invalid("present_pass_unknown_key", "a pass signed by a key the verifier does not trust",
			presentation(keyHolder, presentClaims(signed(keyC, claims(bound)), now0, nil)), "unknown_key", nil)
		invalid("present_pass_text", "the pass carried as its text (HF1:…) instead of its COSE message",
			presentation(keyHolder, presentClaims([]byte(textOf(passMsg)), now0, nil)), "bad_cose", nil)
	}
	{
		// Holder key claims that break the rule (signed by the issuer).
		p := basePass("holder key invalid")
		mk := func(hk []byte) []byte {
			b := claims(p)
			b[0]++ // one more pair in the map (fewer than 24)
			b = cbor.AppendInt(b, pass.KeyHolderKey)
			return cbor.AppendBytes(b, hk)
		}
		tooLarge := append([]byte{2}, bytes.Repeat([]byte{0xff}, 32)...) // x ≥ p
		invalid("present_holder_key_x_too_large", "a holder key claim whose x is not below the field prime",
			presentation(keyHolder, presentClaims(signed(keyA, mk(tooLarge)), now0, nil)), "bad_payload", nil)
		// x = 1: x³ − 3x + b is not a square mod p, so no point has it.
		offCurve := make([]byte, pass.HolderKeySize)
		offCurve[0], offCurve[32] = 2, 1
		if x, _ := elliptic.UnmarshalCompressed(elliptic.P256(), offCurve); x != nil {
			panic("x = 1 is on P-256")
		}
		invalid("present_holder_key_not_on_curve", "a holder key claim with x = 1, which is not the x of any point on P-256",
			presentation(keyHolder, presentClaims(signed(keyA, mk(offCurve)), now0, nil)), "bad_payload", nil)
		pub := keyHolder.priv.Public().(*ecdsa.PublicKey)
		unc := elliptic.Marshal(elliptic.P256(), pub.X, pub.Y) //nolint:staticcheck // the uncompressed form, to reject
		invalid("present_holder_key_uncompressed", "the holder key in uncompressed form (65 bytes)",
			presentation(keyHolder, presentClaims(signed(keyA, mk(unc)), now0, nil)), "bad_payload", nil)
	}

	// Bare holder-bound passes.
	bare := func(name, desc string, msg []byte, reason string) {
		add(vec{name: name, desc: desc, text: textOf(msg), cose: msg, expect: Expect{Reason: reason, Decodes: true}})
	}
	bare("present_bare", "a holder-bound pass shown bare, as a screenshot of it would be", passMsg, "presentation_required")
	{
		bad := append([]byte(nil), passMsg...)
		bad[len(bad)-1] ^= 1
		bare("present_bare_forged", "a holder-bound pass shown bare, with a broken signature: bad_signature first", bad, "bad_signature")
		p := boundPass("holder bound expired", keyHolder)
		p.IssuedAt, p.ExpiresAt = now0.Add(-48*time.Hour), now0.Add(-24*time.Hour)
		bare("present_bare_expired", "an expired holder-bound pass shown bare: expired first", signed(keyA, claims(p)), "expired")
	}

	// The presentation envelope and claims.
	good := presentation(keyHolder, presentClaims(passMsg, now0, nil))
	add(vec{name: "present_prefix_lower", desc: "the prefix in lower case", text: "hf1p:" + presentText(good)[5:], expect: Expect{Reason: "bad_prefix"}})
	add(vec{name: "present_base45_lowercase", desc: "a lower-case letter in the Base45", text: presentText(good)[:20] + "a" + presentText(good)[21:], expect: Expect{Reason: "bad_base45"}})
	{
		untagged := good[1:]
		invalid("present_cose_untagged", "the presentation without tag 18", untagged, "bad_cose", undecodable)
		invalid("present_cose_trailing", "a byte after the presentation", append(append([]byte(nil), good...), 0), "bad_cose", undecodable)
		invalid("present_too_large", "a presentation message of 2049 bytes (the text is within 4296 characters)", append(append([]byte(nil), good...), make([]byte, 2049-len(good))...), "too_large", undecodable)
		payload := presentClaims(passMsg, now0, nil)
		withKID := cose.AppendProtected(nil, cose.ES256, keyHolder.kid())
		invalid("present_cose_kid", "a kid in the protected header", cose.AppendSign1(nil, withKID, payload, signRaw(keyHolder, withKID, payload)), "bad_cose", undecodable)
		eddsa := []byte{0xa1, 0x01, 0x27}
		invalid("present_cose_eddsa", "alg EdDSA in the protected header: a presentation is ES256", cose.AppendSign1(nil, eddsa, payload, signRaw(keyHolder, eddsa, payload)), "unsupported_alg", undecodable)
	}
	{
		// Claims that break the rules, each properly signed by the holder.
		claimsOf := func(pairs ...any) []byte {
			b := cbor.AppendHead(nil, cbor.Map, uint64(len(pairs)/2))
			for i := 0; i < len(pairs); i += 2 {
				b = cbor.AppendInt(b, int64(pairs[i].(int)))
				switch x := pairs[i+1].(type) {
				case int64:
					b = cbor.AppendInt(b, x)
				case []byte:
					b = cbor.AppendBytes(b, x)
				case raw:
					b = append(b, x...)
				}
			}
			return b
		}
		t := now0.Unix()
		bad := func(name, desc string, payload []byte) {
			invalid(name, desc, presentation(keyHolder, payload), "bad_payload", nil)
		}
		bad("present_payload_unknown_key", "claim 4, which presentations do not have", claimsOf(1, passMsg, 2, t, 4, int64(1)))
		bad("present_payload_missing_time", "no time", claimsOf(1, passMsg))
		bad("present_payload_missing_pass", "no pass", claimsOf(2, t))
		bad("present_payload_time_zero", "time 0", claimsOf(1, passMsg, 2, int64(0)))
		bad("present_payload_time_negative", "a negative time", claimsOf(1, passMsg, 2, int64(-1)))
		bad("present_payload_time_noncanonical", "the time in 8 bytes instead of 4", claimsOf(1, passMsg, 2, raw([]byte{0x1b, 0, 0, 0, 0, byte(t >> 24), byte(t >> 16), byte(t >> 8), byte(t)})))
		bad("present_payload_unsorted", "time before pass", claimsOf(2, t, 1, passMsg))
		bad("present_payload_challenge_long", "a 17-byte challenge", claimsOf(1, passMsg, 2, t, 3, bytes.Repeat([]byte{1}, 17)))
		bad("present_payload_challenge_empty", "an empty challenge", claimsOf(1, passMsg, 2, t, 3, []byte{}))
		bad("present_payload_trailing", "a byte after the claims map", append(claimsOf(1, passMsg, 2, t), 0))
		bad("present_payload_pass_tagged", "the pass wrapped in tag 24 (encoded CBOR)", claimsOf(1, raw(append([]byte{0xd8, 0x18}, cbor.AppendBytes(nil, passMsg)...)), 2, t))
	}
	return vs
}

// TestPresentationSizes checks the sizes SPEC.md §14.5 quotes. QR
// capacities at level M, alphanumeric mode (ISO/IEC 18004 table 7):
// version 10 holds 311 characters, 13 holds 483, 14 holds 528.
func TestPresentationSizes(t *testing.T) {
	for name, want := range map[string]int{"present_valid": 439, "present_challenge": 466, "present_bare": 310} {
		b, err := fs.ReadFile(FS(), name+".json")
		if err != nil {
			t.Fatal(err)
		}
		var v Vector
		if err := json.Unmarshal(b, &v); err != nil {
			t.Fatal(err)
		}
		t.Logf("%s: %d characters, %d bytes", name, len(v.Text), len(v.COSEHex)/2)
		if len(v.Text) != want {
			t.Errorf("%s: %d characters, SPEC.md says %d", name, len(v.Text), want)
		}
	}
	// The longest pass of SPEC.md §8, bound to a holder key.
	p := basePass("longest")
	p.Issuer = strings.Repeat("9", pass.MaxIssuerLen)
	p.ID = bytes.Repeat([]byte{7}, pass.MaxIDSize)
	p.Colour = pass.Red
	p.Reason = pass.Confirmed
	p.Hints = pass.HealthRegistration
	p.PhotoDigest = pass.PhotoDigest(photo)
	p.PhotoID = strings.Repeat("P", pass.MaxPhotoIDLen)
	p.HolderKey = holderKeyOf(keyHolder)
	msg := presentation(keyHolder, presentClaims(signed(keyA, claims(p)), now0, bytes.Repeat([]byte{1}, holder.MaxChallenge)))
	text := presentText(msg)
	t.Logf("longest, with a 16-byte challenge: %d characters, %d bytes", len(text), len(msg))
	if len(text) != 520 {
		t.Errorf("longest presentation: %d characters, SPEC.md says 520 (QR 14-M holds 528)", len(text))
	}
}

// TestSpecPresentationExample checks that SPEC.md §14.7 quotes the vector
// present_valid exactly: its message in hex, its text and its digest.
func TestSpecPresentationExample(t *testing.T) {
	spec, err := os.ReadFile("../SPEC.md")
	if err != nil {
		t.Skip("SPEC.md not beside the package")
	}
	i := bytes.Index(spec, []byte("### 14.7 Example"))
	if i < 0 {
		t.Fatal("SPEC.md has no §14.7")
	}
	flat := strings.Join(strings.Fields(string(spec[i:])), "")
	b, err := fs.ReadFile(FS(), "present_valid.json")
	if err != nil {
		t.Fatal(err)
	}
	var v Vector
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatal(err)
	}
	for what, s := range map[string]string{"message": v.COSEHex, "text": strings.Join(strings.Fields(v.Text), ""),
		"digest": v.Expect.Presentation.Digest, "holder key": v.Expect.Presentation.HolderKey} {
		if !strings.Contains(flat, s) {
			t.Errorf("SPEC.md §14.7 does not quote the %s of present_valid", what)
		}
	}
}
