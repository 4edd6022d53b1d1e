package testvectors

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hufu-project/hufu/internal/base45"
	"github.com/hufu-project/hufu/internal/cbor"
	"github.com/hufu-project/hufu/internal/cose"
	"github.com/hufu-project/hufu/keys"
	"github.com/hufu-project/hufu/pass"
)

var update = flag.Bool("update", false, "rewrite the vector files")

// TestGenerated regenerates every vector and fails if any byte differs from
// the embedded files (or, with -update, rewrites them).
func TestGenerated(t *testing.T) {
	gen := generate(t)
	if *update {
		old, _ := filepath.Glob("vectors/*.json")
		for _, f := range old {
			os.Remove(f)
		}
		for name, b := range gen {
			if err := os.WriteFile(filepath.Join("vectors", name), b, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		return
	}
	names, _ := fs.Glob(FS(), "*.json")
	if len(names) != len(gen) {
		t.Errorf("%d embedded vector files, generator makes %d (run go test ./testvectors -update)", len(names), len(gen))
	}
	for name, b := range gen {
		old, err := fs.ReadFile(FS(), name)
		if err != nil {
			t.Errorf("%s: not embedded (run go test ./testvectors -update)", name)
			continue
		}
		if !bytes.Equal(old, b) {
			t.Errorf("%s: regenerating changes it (run go test ./testvectors -update and review the diff)", name)
		}
	}
}

// Fixed keys, derived from fixed strings so that anyone can rebuild them.
type testKey struct {
	name string
	priv crypto.Signer
	alg  keys.Alg
}

func fixedScalar(label string, size int) []byte {
	var out []byte
	for i := 0; len(out) < size; i++ {
		h := sha256.Sum256([]byte(fmt.Sprintf("hufu test vector key %s %d", label, i)))
		out = append(out, h[:]...)
	}
	return out[:size]
}

func p256Key(label string) *ecdsa.PrivateKey {
	k, err := ecdsa.ParseRawPrivateKey(elliptic.P256(), fixedScalar(label, 32))
	if err != nil {
		panic(err)
	}
	return k
}

var (
	keyA    = testKey{"A", p256Key("A"), keys.ES256}
	keyB    = testKey{"B", ed25519.NewKeyFromSeed(fixedScalar("B", 32)), keys.EdDSA}
	keyC    = testKey{"C", p256Key("C"), keys.ES256}
	keyP384 = func() *ecdsa.PrivateKey {
		k, err := ecdsa.ParseRawPrivateKey(elliptic.P384(), fixedScalar("P384", 48))
		if err != nil {
			panic(err)
		}
		return k
	}()
)

func (k testKey) kid() []byte {
	kid, err := keys.KID(k.priv.Public())
	if err != nil {
		panic(err)
	}
	return kid
}

var (
	now0  = time.Date(2026, 6, 1, 8, 0, 0, 0, time.UTC)
	iat0  = now0.Add(-time.Hour)
	exp0  = iat0.Add(24 * time.Hour)
	photo = []byte("photo of the holder, standing in for a JPEG file")
)

// trustEntry is one key of a vector's trust file.
type trustEntry struct {
	KID        string   `json:"kid"`
	Alg        string   `json:"alg"`
	PublicKey  string   `json:"public_key"`
	Issuers    []string `json:"issuers"`
	ValidFrom  string   `json:"valid_from,omitempty"`
	ValidUntil string   `json:"valid_until,omitempty"`
}

func entry(k testKey, issuers ...string) trustEntry {
	der, err := keys.MarshalPublic(k.priv.Public())
	if err != nil {
		panic(err)
	}
	if len(issuers) == 0 {
		issuers = []string{"310000"}
	}
	return trustEntry{KID: hex.EncodeToString(k.kid()), Alg: string(k.alg), PublicKey: base64.StdEncoding.EncodeToString(der), Issuers: issuers}
}

// vec is a vector under construction.
type vec struct {
	name, desc string
	now        time.Time
	skew       *int64
	trust      []trustEntry
	text       string
	cose       []byte
	expect     Expect
	// Bundle vectors (gen_bundle_test.go): the signed bundle, the one
	// installed before it, and the pinned roots, instead of trust.
	bundle, installed []byte
	roots             []testKey
	// Presentation vectors (gen_present_test.go): the verifier's window
	// and challenge.
	window    *int64
	challenge []byte
}

func basePass(name string) pass.Pass {
	id := sha256.Sum256([]byte("pass id " + name))
	p := pass.Pass{
		Issuer:    "310000",
		ID:        id[:8],
		IssuedAt:  iat0,
		ExpiresAt: exp0,
		Colour:    pass.Green,
	}
	var err error
	if p.NameHash, err = pass.NameHash(p.ID, "张三"); err != nil {
		panic(err)
	}
	return p
}

func claims(p pass.Pass) []byte {
	b, err := p.AppendClaims(nil)
	if err != nil {
		panic(err)
	}
	return b
}

func coseAlg(k testKey) cose.Alg {
	if k.alg == keys.EdDSA {
		return cose.EdDSA
	}
	return cose.ES256
}

// signRaw signs payload under the given protected header bytes
// deterministically (Ed25519, or RFC 6979 ECDSA).
func signRaw(k testKey, protected, payload []byte) []byte {
	tbs := cose.AppendToBeSigned(nil, protected, payload)
	switch priv := k.priv.(type) {
	case ed25519.PrivateKey:
		return ed25519.Sign(priv, tbs)
	case *ecdsa.PrivateKey:
		d := sha256.Sum256(tbs)
		der, err := priv.Sign(nil, d[:], crypto.SHA256) // nil: RFC 6979
		if err != nil {
			panic(err)
		}
		var sig struct{ R, S []byte }
		sig.R, sig.S = parseDER(der)
		out := make([]byte, 64)
		copy(out[32-len(sig.R):32], sig.R)
		copy(out[64-len(sig.S):], sig.S)
		return out
	}
	panic("unknown key")
}

func parseDER(der []byte) (r, s []byte) {
	rest := der[2:]
	read := func() []byte {
		n := int(rest[1])
		v := rest[2 : 2+n]
		rest = rest[2+n:]
		for len(v) > 32 && v[0] == 0 {
			v = v[1:]
		}
		return v
	}
	return read(), read()
}

func protected(k testKey) []byte { return cose.AppendProtected(nil, coseAlg(k), k.kid()) }

// signed returns the COSE_Sign1 message of payload signed by k.
func signed(k testKey, payload []byte) []byte {
	ph := protected(k)
	return cose.AppendSign1(nil, ph, payload, signRaw(k, ph, payload))
}

func textOf(msg []byte) string { return "HF1:" + base45.EncodeToString(msg) }

func validExpect(p pass.Pass, k testKey, ph []byte) Expect {
	exp := &Pass{
		Issuer:      p.Issuer,
		PassID:      hex.EncodeToString(p.ID),
		IssuedAt:    p.IssuedAt.UTC().Format(time.RFC3339),
		ExpiresAt:   p.ExpiresAt.UTC().Format(time.RFC3339),
		Colour:      p.Colour.String(),
		Decision:    p.Decision().String(),
		Hints:       p.Hints.Names(),
		NameHash:    hex.EncodeToString(p.NameHash),
		PhotoDigest: hex.EncodeToString(p.PhotoDigest),
		PhotoID:     p.PhotoID,
		Alg:         string(k.alg),
		KID:         hex.EncodeToString(k.kid()),
		Name:        "张三",
		OtherName:   "李四",
	}
	if p.Reason != 0 {
		exp.StatusReason = p.Reason.String()
	}
	if p.PhotoDigest != nil {
		exp.PhotoHex = hex.EncodeToString(photo)
	}
	_ = ph
	return Expect{Valid: true, Pass: exp}
}

func secs(n int64) *int64 { return &n }

// generate builds every vector and returns the files by name.
func generate(t *testing.T) map[string][]byte {
	var vs []vec
	add := func(v vec) {
		if v.now.IsZero() {
			v.now = now0
		}
		if v.trust == nil {
			v.trust = []trustEntry{entry(keyA), entry(keyB)}
		}
		vs = append(vs, v)
	}
	// valid passes: the payload is signed by k and expected valid.
	valid := func(name, desc string, k testKey, p pass.Pass, mod func(*vec)) {
		msg := signed(k, claims(p))
		v := vec{name: name, desc: desc, text: textOf(msg), cose: msg, expect: validExpect(p, k, nil)}
		if mod != nil {
			mod(&v)
		}
		add(v)
	}
	invalid := func(name, desc string, msg []byte, reason string, mod func(*vec)) {
		v := vec{name: name, desc: desc, text: textOf(msg), cose: msg, expect: Expect{Reason: reason, Decodes: true}}
		if mod != nil {
			mod(&v)
		}
		add(v)
	}

	full := basePass("full")
	full.Colour = pass.Yellow
	full.Reason = pass.KeyRegionArrival
	full.Hints = pass.HealthRegistration | pass.TestSuggested
	full.PhotoDigest = pass.PhotoDigest(photo)
	full.PhotoID = "P2026060100A"
	valid("valid_es256_full", "ES256, every field present (the size reference of SPEC.md)", keyA, full, nil)
	fullB := full
	fullB.ID = basePass("full eddsa").ID
	fullB.NameHash, _ = pass.NameHash(fullB.ID, "张三")
	valid("valid_eddsa_full", "EdDSA, every field present", keyB, fullB, nil)
	valid("valid_es256_minimal", "ES256, only the required claims: green", keyA, basePass("minimal"), nil)
	valid("valid_eddsa_minimal", "EdDSA, only the required claims: green", keyB, basePass("minimal eddsa"), nil)
	hint := basePass("green hint")
	hint.Hints = pass.HealthRegistration
	valid("valid_green_hint", "a green pass with the hint \"health registration suggested\"", keyB, hint, nil)
	red := basePass("red")
	red.Colour = pass.Red
	red.Reason = pass.Confirmed
	valid("valid_red_confirmed", "a red pass: confirmed case; valid, and the decision is deny", keyA, red, nil)
	redNoReason := basePass("red no reason")
	redNoReason.Colour = pass.Red
	valid("valid_red_no_reason", "a red pass without a reason code", keyB, redNoReason, nil)
	unknownReason := basePass("unknown reason")
	unknownReason.Colour = pass.Yellow
	unknownReason.Reason = 300
	unknownReason.Hints = 1 << 20
	valid("valid_unknown_reason_hint", "a reason code and a hint bit this verifier does not name: still valid, shown by number", keyB, unknownReason, nil)
	{
		p := basePass("extension")
		b := claims(p)
		// Add claim 256: "x" (an extension key) — it sorts after 7 and
		// before the negative keys, so rebuild the map.
		r := cbor.NewReader(b, cbor.Limits{MaxDepth: 4, MaxItems: 32, MaxLen: 1024})
		n, _ := r.MapHeader()
		var out []byte
		out = cbor.AppendHead(out, cbor.Map, uint64(n+1))
		for i := 0; i < n; i++ {
			ks := r.Offset()
			key, _ := r.Int()
			if key == pass.KeyColour {
				out = cbor.AppendInt(out, 256)
				out = cbor.AppendHead(out, cbor.Array, 2)
				out = cbor.AppendText(out, "x")
				out = cbor.AppendInt(out, 1)
			}
			r.Skip(1)
			out = append(out, b[ks:r.Offset()]...)
		}
		msg := signed(keyA, out)
		add(vec{name: "valid_extension_claim", desc: "an extension claim (key 256) is checked for form and ignored", text: textOf(msg), cose: msg, expect: validExpect(p, keyA, nil)})
	}

	// Times. iat0 = now0 - 1h, exp0 = iat0 + 24h.
	at := func(t time.Time) func(*vec) { return func(v *vec) { v.now = t } }
	p := basePass("time")
	valid("time_exp_inside_skew", "now is exp + skew - 1s: still valid", keyA, p, at(exp0.Add(5*time.Minute-time.Second)))
	invalid("time_exp_at_skew", "now is exactly exp + skew: expired (a CWT is not accepted on or after exp)", signed(keyA, claims(p)), "expired", at(exp0.Add(5*time.Minute)))
	invalid("time_exp_no_skew_at_exp", "skew 0, now exactly exp: expired", signed(keyA, claims(p)), "expired", func(v *vec) { v.now = exp0; v.skew = secs(0) })
	valid("time_exp_no_skew_before_exp", "skew 0, now one second before exp: valid", keyA, p, func(v *vec) { v.now = exp0.Add(-time.Second); v.skew = secs(0) })
	invalid("time_expired_long_ago", "a pass that expired a day ago", signed(keyA, claims(p)), "expired", at(exp0.Add(24*time.Hour)))
	valid("time_iat_inside_skew", "iat is exactly now + skew: valid", keyA, p, at(iat0.Add(-5*time.Minute)))
	invalid("time_iat_outside_skew", "iat is now + skew + 1s: not yet valid", signed(keyA, claims(p)), "not_yet_valid", at(iat0.Add(-5*time.Minute-time.Second)))
	valid("time_custom_skew", "skew 60 s, iat 60 s in the future: valid", keyB, basePass("custom skew"), func(v *vec) { v.now = iat0.Add(-time.Minute); v.skew = secs(60) })
	{
		msg := signed(keyA, claims(p))
		msg[len(msg)-1] ^= 1
		invalid("time_forged_expired", "an expired pass with a bad signature: bad_signature, never expired", msg, "bad_signature", at(exp0.Add(24*time.Hour)))
	}

	// Prefix and text.
	good := textOf(signed(keyA, claims(basePass("prefix"))))
	addText := func(name, desc, text, reason string) {
		add(vec{name: name, desc: desc, text: text, expect: Expect{Reason: reason}})
	}
	addText("prefix_missing", "the Base45 text without HF1:", strings.TrimPrefix(good, "HF1:"), "bad_prefix")
	addText("prefix_lowercase", "hf1: in lower case", "hf1:"+strings.TrimPrefix(good, "HF1:"), "bad_prefix")
	addText("prefix_hf2", "an unknown version prefix HF2:", "HF2:"+strings.TrimPrefix(good, "HF1:"), "bad_prefix")
	addText("prefix_empty", "the empty string", "", "bad_prefix")
	addText("prefix_url", "a URL, as a random QR code might hold", "https://example.com/", "bad_prefix")
	addText("base45_lowercase", "a lower-case letter in the Base45 text", "HF1:"+strings.ToLower(strings.TrimPrefix(good, "HF1:")), "bad_base45")
	addText("base45_out_of_range", "a triplet worth 65536 (GGW)", "HF1:GGW"+strings.TrimPrefix(good, "HF1:")[3:], "bad_base45")
	addText("base45_length", "a length of 1 mod 3", good+"A", "bad_base45")
	addText("base45_bad_char", "a character outside the alphabet (#)", good[:10]+"#"+good[11:], "bad_base45")
	addText("size_oversize", "one character more than the largest QR code holds (4296)", "HF1:"+strings.Repeat("0", 4293), "too_large")
	addText("size_garbage_base45", "valid Base45 that is not CBOR", "HF1:"+base45.EncodeToString([]byte("hello, world")), "bad_cose")

	// COSE envelope.
	pl := claims(basePass("cose"))
	ph := protected(keyA)
	sig := signRaw(keyA, ph, pl)
	build := func(f func(b []byte) []byte) []byte { return f(nil) }
	untagged := build(func(b []byte) []byte {
		b = cbor.AppendHead(b, cbor.Array, 4)
		b = cbor.AppendBytes(b, ph)
		b = cbor.AppendHead(b, cbor.Map, 0)
		b = cbor.AppendBytes(b, pl)
		return cbor.AppendBytes(b, sig)
	})
	invalid("cose_untagged", "an untagged COSE_Sign1", untagged, "bad_cose", func(v *vec) { v.expect.Decodes = false })
	invalid("cose_tag_sign", "tag 98 (COSE_Sign) instead of 18", append(cbor.AppendHead(nil, cbor.Tag, 98), untagged...), "bad_cose", func(v *vec) { v.expect.Decodes = false })
	invalid("cose_tag_cwt", "an extra CWT tag 61 around the message", append(cbor.AppendHead(nil, cbor.Tag, 61), cose.AppendSign1(nil, ph, pl, sig)...), "bad_cose", func(v *vec) { v.expect.Decodes = false })
	invalid("cose_trailing_bytes", "one byte after the message", append(cose.AppendSign1(nil, ph, pl, sig), 0x00), "bad_cose", func(v *vec) { v.expect.Decodes = false })
	headerCase := func(name, desc string, hdr []byte, reason string) {
		s := signRaw(keyA, hdr, pl)
		invalid(name, desc, cose.AppendSign1(nil, hdr, pl, s), reason, func(v *vec) { v.expect.Decodes = false })
	}
	hdr := func(pairs ...any) []byte {
		b := cbor.AppendHead(nil, cbor.Map, uint64(len(pairs)/2))
		for _, x := range pairs {
			switch x := x.(type) {
			case int:
				b = cbor.AppendInt(b, int64(x))
			case []byte:
				b = cbor.AppendBytes(b, x)
			case string:
				b = cbor.AppendText(b, x)
			case []int:
				b = cbor.AppendHead(b, cbor.Array, uint64(len(x)))
				for _, i := range x {
					b = cbor.AppendInt(b, int64(i))
				}
			}
		}
		return b
	}
	kidA := keyA.kid()
	headerCase("cose_crit", "a crit header (label 2) in the protected header", hdr(1, -7, 2, []int{4}, 4, kidA), "bad_cose")
	headerCase("cose_content_type", "a content type header (label 3) in the protected header", hdr(1, -7, 3, 61, 4, kidA), "bad_cose")
	headerCase("cose_no_kid", "no kid", hdr(1, -7), "bad_cose")
	headerCase("cose_no_alg", "no alg", hdr(4, kidA), "bad_cose")
	headerCase("cose_kid_short", "a 7-byte kid", hdr(1, -7, 4, kidA[:7]), "bad_cose")
	headerCase("cose_header_unsorted", "kid before alg in the protected header", hdr(4, kidA, 1, -7), "bad_cose")
	headerCase("cose_header_noncanonical", "alg -7 encoded in two bytes (0x38 0x06)", append([]byte{0xa2, 0x01, 0x38, 0x06}, hdr(4, kidA)[1:]...), "bad_cose")
	headerCase("cose_alg_es384", "alg ES384 (-35)", hdr(1, -35, 4, kidA), "unsupported_alg")
	headerCase("cose_alg_rs256", "alg RS256 (-257)", hdr(1, -257, 4, kidA), "unsupported_alg")
	headerCase("cose_alg_text", "alg as a text string", hdr(1, "ES256", 4, kidA), "bad_cose")
	unprot := func(name, desc string, u []byte) {
		b := cbor.AppendHead(nil, cbor.Tag, cose.TagSign1)
		b = cbor.AppendHead(b, cbor.Array, 4)
		b = cbor.AppendBytes(b, ph)
		b = append(b, u...)
		b = cbor.AppendBytes(b, pl)
		b = cbor.AppendBytes(b, sig)
		invalid(name, desc, b, "bad_cose", func(v *vec) { v.expect.Decodes = false })
	}
	unprot("cose_kid_unprotected", "kid repeated in the unprotected header", hdr(4, kidA))
	unprot("cose_alg_unprotected", "alg repeated in the unprotected header", hdr(1, -7))
	{
		// alg and kid only in the unprotected header; empty protected map.
		e := hdr()
		s := signRaw(keyA, e, pl)
		b := cbor.AppendHead(nil, cbor.Tag, cose.TagSign1)
		b = cbor.AppendHead(b, cbor.Array, 4)
		b = cbor.AppendBytes(b, e)
		b = append(b, hdr(1, -7, 4, kidA)...)
		b = cbor.AppendBytes(b, pl)
		b = cbor.AppendBytes(b, s)
		invalid("cose_header_only_unprotected", "alg and kid only in the unprotected header", b, "bad_cose", func(v *vec) { v.expect.Decodes = false })
	}
	invalid("cose_sig_short", "a 63-byte signature", cose.AppendSign1(nil, ph, pl, sig[:63]), "bad_cose", func(v *vec) { v.expect.Decodes = false })
	{
		b := cbor.AppendHead(nil, cbor.Tag, cose.TagSign1)
		b = cbor.AppendHead(b, cbor.Array, 3)
		b = cbor.AppendBytes(b, ph)
		b = cbor.AppendHead(b, cbor.Map, 0)
		b = cbor.AppendBytes(b, pl)
		invalid("cose_array_3", "a three-element array", b, "bad_cose", func(v *vec) { v.expect.Decodes = false })
		b = cbor.AppendHead(nil, cbor.Tag, cose.TagSign1)
		b = append(b, 0x9f) // indefinite-length array
		b = cbor.AppendBytes(b, ph)
		b = cbor.AppendHead(b, cbor.Map, 0)
		b = cbor.AppendBytes(b, pl)
		b = cbor.AppendBytes(b, sig)
		b = append(b, 0xff)
		invalid("cose_indefinite_array", "an indefinite-length array", b, "bad_cose", func(v *vec) { v.expect.Decodes = false })
	}
	{
		// A huge declared length: must be rejected without allocating it.
		b := cbor.AppendHead(nil, cbor.Tag, cose.TagSign1)
		b = cbor.AppendHead(b, cbor.Array, 4)
		b = append(b, 0x5b, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff)
		invalid("cose_huge_length", "a byte string declaring 2^63-1 bytes", b, "bad_cose", func(v *vec) { v.expect.Decodes = false })
		deep := cbor.AppendHead(nil, cbor.Tag, cose.TagSign1)
		deep = append(deep, bytes.Repeat([]byte{0x81}, 200)...)
		deep = append(deep, 0x00)
		invalid("cose_deep_nesting", "200 nested arrays", deep, "bad_cose", func(v *vec) { v.expect.Decodes = false })
	}

	// Keys and signatures.
	invalid("key_unknown", "signed by a key the trust file does not list", signed(keyC, claims(basePass("unknown key"))), "unknown_key", nil)
	{
		msg := signed(keyA, claims(basePass("bad sig")))
		msg[len(msg)-5] ^= 0x40
		invalid("sig_bad_es256", "ES256 signature with one bit flipped", msg, "bad_signature", nil)
		msg = signed(keyB, claims(basePass("bad sig eddsa")))
		msg[len(msg)-5] ^= 0x40
		invalid("sig_bad_eddsa", "EdDSA signature with one bit flipped", msg, "bad_signature", nil)
		// The payload changed after signing.
		p := basePass("altered")
		ph := protected(keyA)
		s := signRaw(keyA, ph, claims(p))
		p.Colour = pass.Green
		p.ExpiresAt = p.ExpiresAt.Add(30 * 24 * time.Hour)
		invalid("sig_altered_payload", "the expiry moved a month after signing", cose.AppendSign1(nil, ph, claims(p), s), "bad_signature", nil)
		// EdDSA header, kid of the ES256 key A.
		ph = cose.AppendProtected(nil, cose.EdDSA, keyA.kid())
		pl := claims(basePass("alg mismatch"))
		invalid("key_alg_mismatch", "EdDSA in the header, but the kid names an ES256 key", cose.AppendSign1(nil, ph, pl, signRaw(keyB, ph, pl)), "unknown_key", nil)
	}
	{
		// Keys A and C listed under the same kid (A's); the pass is signed
		// by C: the verifier must try both.
		shared := entry(keyC)
		shared.KID = hex.EncodeToString(keyA.kid())
		p := basePass("shared kid")
		ph := cose.AppendProtected(nil, cose.ES256, keyA.kid())
		pl := claims(p)
		msg := cose.AppendSign1(nil, ph, pl, signRaw(keyC, ph, pl))
		ex := validExpect(p, keyC, nil)
		ex.Pass.KID = hex.EncodeToString(keyA.kid())
		add(vec{name: "key_shared_kid", desc: "two trusted keys share a kid; the second one signed", text: textOf(msg), cose: msg, expect: ex,
			trust: []trustEntry{entry(keyA), shared}})
		pl2 := claims(basePass("shared kid forged"))
		msg = cose.AppendSign1(nil, ph, pl2, signRaw(keyB, ph, pl2)[:64])
		add(vec{name: "key_shared_kid_neither", desc: "two trusted keys share a kid; neither signed", text: textOf(msg), cose: msg, expect: Expect{Reason: "bad_signature", Decodes: true},
			trust: []trustEntry{entry(keyA), shared}})
	}
	{
		// A P-384 key listed as ES256.
		der, _ := (&x509lite{}).p384SPKI(keyP384)
		e := trustEntry{KID: hex.EncodeToString(keyA.kid()), Alg: "ES256", PublicKey: base64.StdEncoding.EncodeToString(der), Issuers: []string{"310000"}}
		msg := signed(keyA, claims(basePass("wrong curve")))
		add(vec{name: "key_es256_wrong_curve", desc: "the trust file lists a P-384 key as ES256: the trust file is rejected", text: textOf(msg), cose: msg,
			trust: []trustEntry{e}, expect: Expect{Reason: "unsupported_alg", TrustError: true, Decodes: true}})
	}
	{
		p := basePass("window")
		w := entry(keyA)
		w.ValidFrom = iat0.Add(time.Second).Format(time.RFC3339)
		invalid("key_not_yet_valid", "issued one second before the key's valid_from", signed(keyA, claims(p)), "key_not_valid", func(v *vec) { v.trust = []trustEntry{w} })
		w = entry(keyA)
		w.ValidUntil = iat0.Add(-time.Second).Format(time.RFC3339)
		invalid("key_no_longer_valid", "issued one second after the key's valid_until", signed(keyA, claims(p)), "key_not_valid", func(v *vec) { v.trust = []trustEntry{w} })
		w = entry(keyA)
		w.ValidFrom = iat0.Format(time.RFC3339)
		w.ValidUntil = iat0.Format(time.RFC3339)
		valid("key_window_edges", "issued exactly at valid_from = valid_until: valid (the window is inclusive)", keyA, p, func(v *vec) { v.trust = []trustEntry{w} })
		w = entry(keyA)
		w.ValidUntil = iat0.Add(time.Minute).Format(time.RFC3339)
		valid("key_rotated_out", "the key's window ended before now, but it signed while valid: still valid until exp", keyA, p, func(v *vec) { v.trust = []trustEntry{w} })
	}
	{
		p := basePass("issuer")
		p.Issuer = "320000"
		invalid("issuer_not_allowed", "a Shanghai (310000) key signs a pass claiming Jiangsu (320000)", signed(keyA, claims(p)), "issuer_not_allowed", nil)
		valid("issuer_multi", "a key trusted for two issuers signs for the second", keyA, p, func(v *vec) { v.trust = []trustEntry{entry(keyA, "310000", "320000")} })
	}

	// Payloads, each correctly signed so that the payload is what fails.
	payload := func(name, desc string, pl []byte) {
		invalid(name, desc, signed(keyB, pl), "bad_payload", nil)
	}
	base := claims(basePass("payload"))
	payload("payload_not_map", "the payload is an array", []byte{0x80})
	payload("payload_empty", "the payload is empty", nil)
	payload("payload_trailing", "a byte after the claims map", append(bytes.Clone(base), 0x00))
	{
		// exp as a non-shortest integer: re-encoding changes the bytes.
		p := basePass("payload")
		var b []byte
		b = cbor.AppendHead(b, cbor.Map, 6)
		b = cbor.AppendInt(b, 1)
		b = cbor.AppendText(b, p.Issuer)
		b = cbor.AppendInt(b, 4)
		b = append(b, 0x1b, 0, 0, 0, 0)
		b = append(b, byte(p.ExpiresAt.Unix()>>24), byte(p.ExpiresAt.Unix()>>16), byte(p.ExpiresAt.Unix()>>8), byte(p.ExpiresAt.Unix()))
		rest := base[1+1+1+len(p.Issuer)+1+5:]
		payload("payload_noncanonical_int", "exp encoded in 8 bytes instead of 4", append(b, rest...))
	}
	{
		p := basePass("payload")
		mk := func(pairs ...any) []byte {
			b := cbor.AppendHead(nil, cbor.Map, uint64(len(pairs)/2))
			for i := 0; i < len(pairs); i += 2 {
				b = cbor.AppendInt(b, int64(pairs[i].(int)))
				switch x := pairs[i+1].(type) {
				case int:
					b = cbor.AppendInt(b, int64(x))
				case int64:
					b = cbor.AppendInt(b, x)
				case string:
					b = cbor.AppendText(b, x)
				case []byte:
					b = cbor.AppendBytes(b, x)
				case raw:
					b = append(b, x...)
				}
			}
			return b
		}
		iat, exp := p.IssuedAt.Unix(), p.ExpiresAt.Unix()
		payload("payload_duplicate_key", "colour (-1) twice", mk(1, "310000", 4, exp, 6, iat, 7, []byte(p.ID), -1, 1, -1, 1, -2, p.NameHash))
		payload("payload_unsorted", "iat before exp", mk(1, "310000", 6, iat, 4, exp, 7, []byte(p.ID), -1, 1, -2, p.NameHash))
		payload("payload_missing_cti", "no cti", mk(1, "310000", 4, exp, 6, iat, -1, 1, -2, p.NameHash))
		payload("payload_missing_name_hash", "no name hash", mk(1, "310000", 4, exp, 6, iat, 7, []byte(p.ID), -1, 1))
		payload("payload_unknown_claim", "claim -8, which is reserved: unknown non-extension claims are rejected", mk(1, "310000", 4, exp, 6, iat, 7, []byte(p.ID), -1, 1, -2, p.NameHash, -8, 1))
		payload("payload_colour_zero", "colour 0", mk(1, "310000", 4, exp, 6, iat, 7, []byte(p.ID), -1, 0, -2, p.NameHash))
		payload("payload_colour_four", "colour 4", mk(1, "310000", 4, exp, 6, iat, 7, []byte(p.ID), -1, 4, -2, p.NameHash))
		payload("payload_reason_on_green", "a reason code on a green pass", mk(1, "310000", 4, exp, 6, iat, 7, []byte(p.ID), -1, 1, -2, p.NameHash, -5, 5))
		payload("payload_cti_short", "a 7-byte pass ID", mk(1, "310000", 4, exp, 6, iat, 7, []byte(p.ID[:7]), -1, 1, -2, p.NameHash))
		payload("payload_exp_before_iat", "exp before iat", mk(1, "310000", 4, iat-1, 6, iat, 7, []byte(p.ID), -1, 1, -2, p.NameHash))
		payload("payload_iss_integer", "iss as an integer", mk(1, 310000, 4, exp, 6, iat, 7, []byte(p.ID), -1, 1, -2, p.NameHash))
		payload("payload_tag", "exp wrapped in tag 1 (epoch time)", mk(1, "310000", 4, raw(append([]byte{0xc1}, cbor.AppendInt(nil, exp)...)), 6, iat, 7, []byte(p.ID), -1, 1, -2, p.NameHash))
		payload("payload_float_time", "exp as a float", mk(1, "310000", 4, raw([]byte{0xfb, 0x41, 0xda, 0x0e, 0x0b, 0x14, 0x00, 0x00, 0x00}), 6, iat, 7, []byte(p.ID), -1, 1, -2, p.NameHash))
		payload("payload_indefinite_text", "iss as an indefinite-length text string", mk(1, raw([]byte{0x7f, 0x66, '3', '1', '0', '0', '0', '0', 0xff}), 4, exp, 6, iat, 7, []byte(p.ID), -1, 1, -2, p.NameHash))
		payload("payload_extension_too_deep", "an extension claim nested deeper than allowed", mk(1, "310000", 4, exp, 6, iat, 7, []byte(p.ID), 256, raw([]byte{0x81, 0x81, 0x81, 0x81, 0x81, 0x00}), -1, 1, -2, p.NameHash))
	}

	for _, v := range bundleVectors() {
		add(v)
	}
	for _, v := range presentVectors() {
		add(v)
	}

	// Encode each vector.
	out := map[string][]byte{}
	for _, v := range vs {
		trust, err := json.Marshal(struct {
			Version int          `json:"hufu_trust"`
			Keys    []trustEntry `json:"keys"`
		}{1, v.trust})
		if err != nil {
			t.Fatal(err)
		}
		jv := Vector{Description: v.desc, Now: v.now.UTC().Format(time.RFC3339), SkewSeconds: v.skew, WindowSeconds: v.window, Trust: trust, Text: v.text, Expect: v.expect}
		if v.challenge != nil {
			jv.ChallengeHex = hex.EncodeToString(v.challenge)
		}
		if v.bundle != nil {
			jv.Trust = nil
			jv.Bundle = base64.StdEncoding.EncodeToString(v.bundle)
			if v.installed != nil {
				jv.InstalledBundle = base64.StdEncoding.EncodeToString(v.installed)
			}
			for _, r := range v.roots {
				der, _ := keys.MarshalPublic(r.priv.Public())
				jv.Roots = append(jv.Roots, base64.StdEncoding.EncodeToString(der))
			}
		}
		if v.cose != nil && (strings.HasPrefix(v.text, "HF1:") || strings.HasPrefix(v.text, "HF1P:")) {
			jv.COSEHex = hex.EncodeToString(v.cose)
		}
		b, err := json.MarshalIndent(jv, "", "  ")
		if err != nil {
			t.Fatal(err)
		}
		name := v.name + ".json"
		if _, dup := out[name]; dup {
			t.Fatalf("two vectors named %s", v.name)
		}
		out[name] = append(b, '\n')
	}
	return out
}

type raw []byte

// x509lite builds the SubjectPublicKeyInfo of a P-384 key (package keys
// refuses to).
type x509lite struct{}

func (x509lite) p384SPKI(k *ecdsa.PrivateKey) ([]byte, error) {
	point, err := k.PublicKey.Bytes()
	if err != nil {
		return nil, err
	}
	prefix := []byte{0x30, 0x76, 0x30, 0x10, 0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01, 0x06, 0x05, 0x2b, 0x81, 0x04, 0x00, 0x22, 0x03, 0x62, 0x00}
	return append(prefix, point...), nil
}

// TestSizes checks the sizes SPEC.md §8 quotes.
func TestSizes(t *testing.T) {
	for name, want := range map[string]int{"valid_es256_full": 256, "valid_eddsa_full": 256, "valid_es256_minimal": 202} {
		b, err := fs.ReadFile(FS(), name+".json")
		if err != nil {
			t.Fatal(err)
		}
		var v Vector
		json.Unmarshal(b, &v)
		t.Logf("%s: %d characters", name, len(v.Text))
		if len(v.Text) != want {
			t.Errorf("%s: %d characters, SPEC.md says %d", name, len(v.Text), want)
		}
	}
	// Every field at its longest.
	p := basePass("longest")
	p.Issuer = strings.Repeat("9", pass.MaxIssuerLen)
	p.ID = bytes.Repeat([]byte{7}, pass.MaxIDSize)
	p.Colour = pass.Red
	p.Reason = pass.Confirmed
	p.Hints = pass.HealthRegistration
	p.PhotoDigest = pass.PhotoDigest(photo)
	p.PhotoID = strings.Repeat("P", pass.MaxPhotoIDLen)
	text := textOf(signed(keyA, claims(p)))
	t.Logf("longest: %d characters", len(text))
	if len(text) != 309 {
		t.Errorf("longest pass: %d characters, SPEC.md says 309 (QR 10-M holds 311)", len(text))
	}
}
