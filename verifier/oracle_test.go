package verifier_test

// The oracle: go-cose and fxamacker/cbor, two independent implementations,
// with the checks they need to be as strict as HF1 (SPEC §3, §4.3). The
// verifier reads CBOR and COSE with its own strict code (SPEC §16); these
// tests hold it to the oracle on every test vector and on fuzzed input,
// and show, one test each, why the oracle alone would not do.

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	fx "github.com/fxamacker/cbor/v2"
	gocose "github.com/veraison/go-cose"

	"github.com/hufu-project/hufu/holder"
	"github.com/hufu-project/hufu/internal/base45"
	"github.com/hufu-project/hufu/internal/benchratio"
	"github.com/hufu-project/hufu/internal/cbor"
	"github.com/hufu-project/hufu/internal/cose"
	"github.com/hufu-project/hufu/issuer"
	"github.com/hufu-project/hufu/keys"
	"github.com/hufu-project/hufu/pass"
	"github.com/hufu-project/hufu/testvectors"
	"github.com/hufu-project/hufu/verifier"
)

var (
	// fxStrict is fxamacker's strictest decoding: no duplicate keys, no
	// indefinite lengths, no tags, valid UTF-8, bounded.
	fxStrict fx.DecMode
	// fxDet is its Core Deterministic encoding (RFC 8949 §4.2.1), HF1's.
	fxDet fx.EncMode
)

func init() {
	var err error
	fxStrict, err = fx.DecOptions{
		DupMapKey:        fx.DupMapKeyEnforcedAPF,
		IndefLength:      fx.IndefLengthForbidden,
		TagsMd:           fx.TagsForbidden,
		UTF8:             fx.UTF8RejectInvalid,
		MaxNestedLevels:  16,
		MaxArrayElements: 1024,
		MaxMapPairs:      1024,
		IntDec:           fx.IntDecConvertNone,
		BigIntDec:        fx.BigIntDecodeValue,
	}.DecMode()
	if err != nil {
		panic(err)
	}
	if fxDet, err = fx.CoreDetEncOptions().EncMode(); err != nil {
		panic(err)
	}
}

// Documented disagreements: the only ways the oracle may fail to decide
// what the verifier decides. Every test and fuzzer below fails on any
// other disagreement. The keys are what oracle returns as its note.
var documented = map[string]string{
	noteUnhashable: "fxamacker cannot decode a map whose keys are arrays or maps into Go values " +
		"(InvalidMapKeyTypeError), which CBOR and HF1 extension claims allow: the oracle cannot decide the payload",
}

const noteUnhashable = "fx_unhashable_key"

// fxCanonical decodes b strictly with fxamacker and checks that its
// deterministic re-encoding is b. note is set when fxamacker cannot
// decide (a documented disagreement).
func fxCanonical(b []byte) (v any, ok bool, note string) {
	if err := fxStrict.Unmarshal(b, &v); err != nil {
		var ke *fx.InvalidMapKeyTypeError
		if errors.As(err, &ke) && fxStrict.Wellformed(b) == nil {
			return nil, false, noteUnhashable
		}
		return nil, false, ""
	}
	enc, err := fxDet.Marshal(v)
	return v, err == nil && bytes.Equal(enc, b), ""
}

// oracle checks a bare HF1 pass's COSE_Sign1 message as SPEC §6 steps 4
// to 7 do, in that order, with go-cose and fxamacker, then step 13: a pass
// that binds a holder key (claim -7) is presentation_required. It returns
// the reason the verifier must give, "" if the message passes every step
// the oracle can check (the claims' meaning, issuers and times are beyond
// it), or a note from documented when it cannot decide.
func oracle(msg []byte, trust *keys.TrustFile) (reason verifier.Reason, note string) {
	reason, note, claims := oraclePass(msg, trust)
	if reason != "" || note != "" {
		return reason, note
	}
	if _, bound := claims[int64(-7)]; bound {
		return verifier.PresentationRequired, "" // step 13, after every other
	}
	return "", ""
}

// oraclePass checks an HF1 pass's COSE_Sign1 message as SPEC §6 steps 4 to
// 7 do, and returns its claims as fxamacker decodes them when it passes.
// Each check marked "strict" is one that go-cose alone does not make.
func oraclePass(msg []byte, trust *keys.TrustFile) (reason verifier.Reason, note string, claims map[any]any) {
	m, hdr, reason := oracleEnvelope(msg)
	if reason != "" {
		return reason, "", nil
	}
	// strict: exactly {1: alg, 4: kid}; go-cose accepts any labels,
	// unknown crit labels included.
	if len(hdr) != 2 {
		return verifier.BadCOSE, "", nil
	}
	kid, isBytes := hdr[uint64(4)].([]byte)
	if !isBytes || len(kid) != 8 {
		return verifier.BadCOSE, "", nil
	}
	alg, reason := oracleAlg(m, hdr)
	if reason != "" {
		return reason, "", nil
	}
	var kalg keys.Alg
	switch alg {
	case gocose.AlgorithmES256:
		kalg = keys.ES256
	case gocose.AlgorithmEdDSA:
		kalg = keys.EdDSA
	default:
		return verifier.UnsupportedAlg, "", nil
	}
	var cands []*keys.Key
	for _, k := range trust.Keys(kid) {
		if k.Alg == kalg {
			cands = append(cands, k)
		}
	}
	if len(cands) == 0 {
		return verifier.UnknownKey, "", nil
	}
	verified := false
	for _, k := range cands {
		// strict: the key fits the algorithm. go-cose verifies ES256
		// with a P-384 key, and panics in Verify on a 31-byte Ed25519 key.
		switch pub := k.Public.(type) {
		case *ecdsa.PublicKey:
			if pub.Curve != elliptic.P256() {
				return verifier.UnsupportedAlg, "", nil
			}
		case ed25519.PublicKey:
			if len(pub) != ed25519.PublicKeySize {
				return verifier.UnsupportedAlg, "", nil
			}
		}
		v, err := gocose.NewVerifier(alg, k.Public)
		if err == nil && m.Verify(nil, v) == nil {
			verified = true
			break
		}
	}
	if !verified {
		return verifier.BadSignature, "", nil
	}
	// strict: the claims are one canonical CBOR map.
	cv, ok, note := fxCanonical(m.Payload)
	if note != "" {
		return "", note, nil
	}
	claims, isMap := cv.(map[any]any)
	if !ok || !isMap {
		return verifier.BadPayload, "", nil
	}
	return "", "", claims
}

// oracleEnvelope decodes a COSE_Sign1 message with go-cose, strictly: at
// most cose.MaxMessage bytes, in its one deterministic encoding, with a
// protected header that is one canonical CBOR map. It returns the message
// and that map, or too_large or bad_cose.
func oracleEnvelope(msg []byte) (*gocose.Sign1Message, map[any]any, verifier.Reason) {
	if len(msg) > cose.MaxMessage { // strict: go-cose has no size limit
		return nil, nil, verifier.TooLarge
	}
	var m gocose.Sign1Message
	if err := m.UnmarshalCBOR(msg); err != nil {
		return nil, nil, verifier.BadCOSE
	}
	// strict: one encoding only. go-cose accepts padded lengths (a
	// non-minimal head) and re-encodes them minimally for the signature,
	// so a changed message would still verify.
	if re, err := m.MarshalCBOR(); err != nil || !bytes.Equal(re, msg) {
		return nil, nil, verifier.BadCOSE
	}
	// strict: the protected header is deterministic.
	var prot []byte
	if err := fxStrict.Unmarshal(m.Headers.RawProtected, &prot); err != nil {
		return nil, nil, verifier.BadCOSE
	}
	hv, ok, _ := fxCanonical(prot)
	hdr, isMap := hv.(map[any]any)
	if !ok || !isMap {
		return nil, nil, verifier.BadCOSE
	}
	return &m, hdr, ""
}

// oracleAlg returns the alg of a protected header whose labels are
// checked. The form comes first: the unprotected header is empty, the
// payload attached, the signature 64 bytes (all strict), and an algorithm
// the format does not allow is reported only for an otherwise well-formed
// message (SPEC §3). (An alg outside int64 never gets here: go-cose
// rejects it, and the verifier calls it bad_cose; TestOracleAlgOutOfRange.)
func oracleAlg(m *gocose.Sign1Message, hdr map[any]any) (gocose.Algorithm, verifier.Reason) {
	var alg gocose.Algorithm
	switch a := hdr[uint64(1)].(type) {
	case int64:
		alg = gocose.Algorithm(a)
	case uint64:
		alg = 0 // a positive alg: none the format allows
	default:
		return 0, verifier.BadCOSE
	}
	if !bytes.Equal(m.Headers.RawUnprotected, []byte{0xa0}) || m.Payload == nil || len(m.Signature) != 64 {
		return 0, verifier.BadCOSE
	}
	return alg, ""
}

// presentationAsk is what a verifier asks of a presentation: its clock,
// its window (SPEC §14.4), and its challenge, if any.
type presentationAsk struct {
	now       time.Time
	window    time.Duration
	challenge []byte
}

// oraclePresentation checks a presentation's COSE_Sign1 message as SPEC
// §14.4 steps 4 to 11 do, in that order, with go-cose and fxamacker, the
// pass inside by oraclePass. Its answers are oracle's.
func oraclePresentation(msg []byte, trust *keys.TrustFile, ask presentationAsk) (reason verifier.Reason, note string) {
	// Step 4: the form (SPEC §14.2). strict: the protected header is
	// exactly {1: alg}; go-cose accepts a kid and any other label.
	m, hdr, reason := oracleEnvelope(msg)
	if reason != "" {
		return reason, ""
	}
	if len(hdr) != 1 {
		return verifier.BadCOSE, ""
	}
	alg, reason := oracleAlg(m, hdr)
	if reason != "" {
		return reason, ""
	}
	if alg != gocose.AlgorithmES256 {
		return verifier.UnsupportedAlg, ""
	}
	// Step 5: the presentation claims (SPEC §14.3), one canonical map of
	// keys 1, 2 and optionally 3. A map fxamacker cannot decode for its
	// keys has a key that is not an integer: bad_payload either way.
	cv, ok, _ := fxCanonical(m.Payload)
	pc, isMap := cv.(map[any]any)
	if !ok || !isMap {
		return verifier.BadPayload, ""
	}
	for k := range pc {
		if k != uint64(1) && k != uint64(2) && k != uint64(3) {
			return verifier.BadPayload, ""
		}
	}
	passMsg, isBytes := pc[uint64(1)].([]byte)
	if !isBytes || len(passMsg) == 0 || len(passMsg) > cose.MaxMessage {
		return verifier.BadPayload, ""
	}
	at, isUint := pc[uint64(2)].(uint64)
	if !isUint || at == 0 || at > pass.MaxTime {
		return verifier.BadPayload, ""
	}
	challenge, hasChallenge := pc[uint64(3)]
	var chal []byte
	if hasChallenge {
		if chal, isBytes = challenge.([]byte); !isBytes || len(chal) == 0 || len(chal) > 16 {
			return verifier.BadPayload, ""
		}
	}
	// Step 6: the pass, §6 steps 4 to 7.
	reason, note, claims := oraclePass(passMsg, trust)
	if reason != "" || note != "" {
		return reason, note
	}
	// Step 7: the holder key, claim -7 (SPEC §14.1): 33 bytes, a
	// compressed P-256 point, which crypto/elliptic checks is on the curve
	// with x below the field prime.
	hv, bound := claims[int64(-7)]
	if !bound {
		return verifier.NotHolderBound, ""
	}
	hk, isBytes := hv.([]byte)
	if !isBytes || len(hk) != 33 {
		return verifier.BadPayload, ""
	}
	x, y := elliptic.UnmarshalCompressed(elliptic.P256(), hk)
	if x == nil {
		return verifier.BadPayload, ""
	}
	// Step 8: the holder's signature, with go-cose.
	v, err := gocose.NewVerifier(gocose.AlgorithmES256, &ecdsa.PublicKey{Curve: elliptic.P256(), X: x, Y: y})
	if err != nil || m.Verify(nil, v) != nil {
		return verifier.BadHolderSignature, ""
	}
	// Step 9 (the pass's issuer, key window and times) is beyond the
	// oracle. Step 10: the window, inclusive at both ends.
	now, w := ask.now.Unix(), int64(ask.window/time.Second)
	if int64(at) < now-w || int64(at) > now+w {
		return verifier.PresentationStale, ""
	}
	// Step 11: the challenge asked for, exactly.
	if len(ask.challenge) > 0 && !bytes.Equal(ask.challenge, chal) {
		return verifier.ChallengeMismatch, ""
	}
	return "", ""
}

// beyondOracle are the reasons decided after the steps the oracle checks
// (SPEC §6 steps 8 to 12, and the claims' meaning in step 7).
func beyondOracle(r verifier.Reason) bool {
	switch r {
	case verifier.BadPayload, verifier.IssuerNotAllowed, verifier.KeyNotValid, verifier.NotYetValid,
		verifier.Expired, verifier.RevokedPass, verifier.RevokedKey, verifier.PolicyViolation:
		return true
	}
	return false
}

// agrees reports whether the oracle's answer for a bare pass fits the
// verifier's reason (want "" for a valid pass): the same reason where the
// oracle decides; where the verifier rejects for a reason beyond the
// oracle, no objection, or only the one the verifier checks after those
// (presentation_required, §6 step 13).
func agrees(want, got verifier.Reason) bool {
	switch {
	case got == want:
		return true
	case beyondOracle(want):
		return got == "" || got == verifier.PresentationRequired
	}
	return false
}

// agreesPresentation is agrees for a presentation. The pass's claims'
// meaning (bad_payload, §14.4 step 6) is beyond the oracle, so where the
// verifier says bad_payload the oracle may have gone on to any later step;
// where it gives a reason of step 9, the oracle may have gone on to steps
// 10 and 11 only.
func agreesPresentation(want, got verifier.Reason) bool {
	switch {
	case got == want:
		return true
	case want == verifier.BadPayload:
		return got == "" || got == verifier.NotHolderBound || got == verifier.BadHolderSignature ||
			got == verifier.PresentationStale || got == verifier.ChallengeMismatch
	case beyondOracle(want):
		return got == "" || got == verifier.PresentationStale || got == verifier.ChallengeMismatch
	}
	return false
}

// TestOracleVectors runs every test vector that carries a COSE message
// and a trust file through the oracle and checks that it agrees with the
// vector's expected outcome, which the verifier gives (the harness in
// package testvectors checks that). Documented disagreements are listed
// in one table, vectorDisagreements; an undocumented one fails.
func TestOracleVectors(t *testing.T) {
	// vectorDisagreements lists the vectors the oracle cannot decide, each
	// with its note from documented.
	vectorDisagreements := map[string]string{}
	vs, err := testvectors.All()
	if err != nil {
		t.Fatal(err)
	}
	decided, undecided, skipped := 0, 0, 0
	seen := map[string]bool{}
	for _, v := range vs {
		if v.COSEHex == "" || len(v.Trust) == 0 || v.Expect.TrustError || v.Expect.Undecided {
			skipped++ // no COSE message, or the trust file itself is the test
			continue
		}
		msg, err := hex.DecodeString(v.COSEHex)
		if err != nil {
			t.Fatalf("%s: cose_hex: %v", v.Name, err)
		}
		trust, err := keys.ParseTrust(v.Trust)
		if err != nil {
			t.Fatalf("%s: trust: %v", v.Name, err)
		}
		want := verifier.Reason(v.Expect.Reason)
		if v.Expect.Valid {
			want = ""
		}
		var got verifier.Reason
		var note string
		agree := agrees
		if strings.HasPrefix(v.Text, holder.Prefix) {
			ask, err := vectorAsk(v)
			if err != nil {
				t.Fatalf("%s: %v", v.Name, err)
			}
			got, note = oraclePresentation(msg, trust, ask)
			agree = agreesPresentation
		} else {
			got, note = oracle(msg, trust)
		}
		if note != "" {
			undecided++
			seen[v.Name] = true
			if vectorDisagreements[v.Name] != note {
				t.Errorf("%s: the oracle cannot decide (%s: %s); not listed in vectorDisagreements", v.Name, note, documented[note])
			}
			continue
		}
		decided++
		if !agree(want, got) {
			t.Errorf("%s: oracle says %q, the vector expects %q (%s)", v.Name, got, want, v.Description)
		}
	}
	for name := range vectorDisagreements {
		if !seen[name] {
			t.Errorf("%s is listed in vectorDisagreements but the oracle decides it", name)
		}
	}
	if decided < 50 {
		t.Fatalf("the oracle decided only %d vectors", decided)
	}
	t.Logf("%d vectors decided by the oracle, %d documented as undecidable, %d without a COSE message or with a trust error", decided, undecided, skipped)
}

// vectorAsk is what the verifier asks of a vector's presentation: the
// vector's time, window (absent: the default; 0: none) and challenge.
func vectorAsk(v testvectors.Vector) (presentationAsk, error) {
	now, err := time.Parse(time.RFC3339, v.Now)
	if err != nil {
		return presentationAsk{}, err
	}
	ask := presentationAsk{now: now, window: verifier.DefaultPresentationWindow}
	if v.WindowSeconds != nil {
		ask.window = time.Duration(*v.WindowSeconds) * time.Second
	}
	if ask.challenge, err = hex.DecodeString(v.ChallengeHex); err != nil {
		return presentationAsk{}, err
	}
	return ask, nil
}

// edKey is a fixed Ed25519 key trusted for issuer 310000.
func edKey(t testing.TB) (ed25519.PrivateKey, *keys.TrustFile) {
	priv := ed25519.NewKeyFromSeed(bytes.Repeat([]byte{9}, ed25519.SeedSize))
	kid, _ := keys.KID(priv.Public())
	return priv, mustTrust(t, &keys.Key{KID: kid, Alg: keys.EdDSA, Public: priv.Public(), Issuers: []string{"310000"}})
}

// claimsPayload returns the claims of a freshly issued full pass.
func claimsPayload(t testing.TB) []byte {
	is, _ := newIssuer(t, keys.EdDSA, "310000")
	text, err := is.Issue(issuer.Claims{Name: "张三", Colour: pass.Yellow, Reason: pass.KeyRegionArrival,
		Hints: pass.HealthRegistration, Photo: []byte("photo"), PhotoID: "P2026060100A", Validity: 24 * time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := base45.DecodeString(strings.TrimPrefix(text, verifier.Prefix))
	m, err := cose.ParseSign1(raw)
	if err != nil {
		t.Fatal(err)
	}
	return m.Payload
}

// signedWith returns an HF1 COSE_Sign1 message with the given protected
// header bytes, signed with priv over the Sig_structure.
func signedWith(priv ed25519.PrivateKey, prot, payload []byte) []byte {
	return cose.AppendSign1(nil, prot, payload, ed25519.Sign(priv, cose.AppendToBeSigned(nil, prot, payload)))
}

// goCOSEAccepts reports whether go-cose alone parses msg and verifies it
// with pub.
func goCOSEAccepts(t *testing.T, msg []byte, alg gocose.Algorithm, pub any) bool {
	t.Helper()
	var m gocose.Sign1Message
	if err := m.UnmarshalCBOR(msg); err != nil {
		t.Logf("go-cose: %v", err)
		return false
	}
	v, err := gocose.NewVerifier(alg, pub)
	if err != nil {
		t.Logf("go-cose: %v", err)
		return false
	}
	if err := m.Verify(nil, v); err != nil {
		t.Logf("go-cose: %v", err)
		return false
	}
	return true
}

func hf1(msg []byte) string { return verifier.Prefix + base45.EncodeToString(msg) }

// TestGoCOSEAloneFindings reproduces, one subtest each, what go-cose and
// fxamacker do on their own that HF1 must not (SPEC §16): each asserts the
// library's behaviour, and that the verifier and the strict oracle reject.
// If a library changes, its subtest fails, and SPEC §16 must be updated.
func TestGoCOSEAloneFindings(t *testing.T) {
	priv, trust := edKey(t)
	kid, _ := keys.KID(priv.Public())
	payload := claimsPayload(t)

	t.Run("unknown_crit_label", func(t *testing.T) {
		// {1: -8, 2: [99], 4: kid, 99: 0}: label 99 is critical and unknown.
		prot := cbor.AppendHead(nil, cbor.Map, 4)
		prot = cbor.AppendInt(prot, 1)
		prot = cbor.AppendInt(prot, -8)
		prot = cbor.AppendInt(prot, 2)
		prot = cbor.AppendHead(prot, cbor.Array, 1)
		prot = cbor.AppendInt(prot, 99)
		prot = cbor.AppendInt(prot, 4)
		prot = cbor.AppendBytes(prot, kid)
		prot = cbor.AppendInt(prot, 99)
		prot = cbor.AppendInt(prot, 0)
		msg := signedWith(priv, prot, payload)
		if !goCOSEAccepts(t, msg, gocose.AlgorithmEdDSA, priv.Public()) {
			t.Error("go-cose rejects an unknown crit label: update SPEC §16")
		}
		if _, err := verifier.Verify(hf1(msg), trust, verifier.Options{}); reasonOf(err) != verifier.BadCOSE {
			t.Errorf("verifier: %v, want bad_cose", err)
		}
		if got, _ := oracle(msg, trust); got != verifier.BadCOSE {
			t.Errorf("oracle: %q, want bad_cose", got)
		}
	})

	t.Run("es256_with_p384_key", func(t *testing.T) {
		k384, err := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		signer, err := gocose.NewSigner(gocose.AlgorithmES256, k384)
		if err != nil {
			t.Fatalf("go-cose refuses a P-384 key for ES256 (%v): update SPEC §16", err)
		}
		m := gocose.NewSign1Message()
		m.Headers.Protected.SetAlgorithm(gocose.AlgorithmES256)
		m.Headers.Protected[gocose.HeaderLabelKeyID] = kid
		m.Payload = payload
		if err := m.Sign(rand.Reader, nil, signer); err != nil {
			t.Fatalf("go-cose cannot sign ES256 with P-384: %v", err)
		}
		msg, _ := m.MarshalCBOR()
		if !goCOSEAccepts(t, msg, gocose.AlgorithmES256, k384.Public()) {
			t.Error("go-cose does not verify ES256 with a P-384 key: update SPEC §16")
		}
		if len(m.Signature) != 96 {
			t.Errorf("signature of %d bytes", len(m.Signature))
		}
		// hufu refuses such a key when it is trusted, and such a message.
		if _, err := keys.NewTrust(&keys.Key{KID: kid, Alg: keys.ES256, Public: k384.Public(), Issuers: []string{"310000"}}); err == nil {
			t.Error("a P-384 key is trusted as ES256")
		}
		if _, err := verifier.Verify(hf1(msg), trust, verifier.Options{}); reasonOf(err) != verifier.BadCOSE {
			t.Errorf("verifier: %v, want bad_cose (a 96-byte signature)", err)
		}
		if got, _ := oracle(msg, trust); got != verifier.BadCOSE {
			t.Errorf("oracle: %q, want bad_cose", got)
		}
	})

	t.Run("ed25519_31_byte_key_panics", func(t *testing.T) {
		short := ed25519.PublicKey(bytes.Repeat([]byte{1}, 31))
		v, err := gocose.NewVerifier(gocose.AlgorithmEdDSA, short)
		if err != nil {
			t.Fatalf("go-cose refuses a 31-byte Ed25519 key (%v): update SPEC §16", err)
		}
		panicked := func() (p bool) {
			defer func() { p = recover() != nil }()
			v.Verify(payload, make([]byte, 64))
			return false
		}()
		if !panicked {
			t.Error("go-cose's Verify does not panic on a 31-byte Ed25519 key: update SPEC §16")
		}
		if _, err := keys.NewTrust(&keys.Key{KID: kid, Alg: keys.EdDSA, Public: short, Issuers: []string{"310000"}}); err == nil {
			t.Error("a 31-byte Ed25519 key is trusted")
		}
	})

	t.Run("padded_payload_length", func(t *testing.T) {
		good := signedWith(priv, cose.AppendProtected(nil, cose.EdDSA, kid), payload)
		// The same message with the payload's length in a 2-byte head
		// (0x59) where 1 byte (0x58) is the deterministic form.
		prot := cose.AppendProtected(nil, cose.EdDSA, kid)
		i := 2 + len(cbor.AppendBytes(nil, prot)) + 1
		if good[i] != 0x58 {
			t.Fatalf("payload head %x", good[i])
		}
		padded := append(append(bytes.Clone(good[:i]), 0x59, 0), good[i+1:]...)
		if !goCOSEAccepts(t, padded, gocose.AlgorithmEdDSA, priv.Public()) {
			t.Error("go-cose rejects a padded payload length: update SPEC §16")
		}
		if _, err := verifier.Verify(hf1(good), trust, verifier.Options{}); err != nil {
			t.Fatalf("the unpadded message: %v", err)
		}
		if _, err := verifier.Verify(hf1(padded), trust, verifier.Options{}); reasonOf(err) != verifier.BadCOSE {
			t.Errorf("verifier: %v, want bad_cose", err)
		}
		if got, _ := oracle(padded, trust); got != verifier.BadCOSE {
			t.Errorf("oracle: %q, want bad_cose", got)
		}
	})

	t.Run("map_keyed_by_array", func(t *testing.T) {
		// The claims with an extension claim 256: {[1]: 0}, a map whose
		// key is an array: valid CBOR, canonical, and valid HF1.
		ext := cbor.AppendInt(nil, 256)
		ext = cbor.AppendHead(ext, cbor.Map, 1)
		ext = cbor.AppendHead(ext, cbor.Array, 1)
		ext = cbor.AppendInt(ext, 1)
		ext = cbor.AppendInt(ext, 0)
		withExt := withClaim(t, payload, ext)
		if _, err := pass.ParseClaims(withExt); err != nil {
			t.Fatalf("hufu rejects the extension claim: %v", err)
		}
		var v any
		var ke *fx.InvalidMapKeyTypeError
		if err := fxStrict.Unmarshal(withExt, &v); !errors.As(err, &ke) {
			t.Errorf("fxamacker: %v, want InvalidMapKeyTypeError: update SPEC §16", err)
		}
		if _, _, note := fxCanonical(withExt); note != noteUnhashable {
			t.Errorf("oracle note %q", note)
		}
		msg := signedWith(priv, cose.AppendProtected(nil, cose.EdDSA, kid), withExt)
		if _, err := verifier.Verify(hf1(msg), trust, verifier.Options{}); err != nil {
			t.Errorf("verifier: %v", err)
		}
	})
}

// TestOracleAlgOutOfRange pins what the verifier and the oracle say of an
// alg that is a CBOR integer outside int64, in a pass and in a
// presentation: bad_cose (go-cose does not decode it; hufu's CBOR integers
// are int64), while one inside it is unsupported_alg. SPEC §3 says only
// "any other integer is unsupported_alg".
func TestOracleAlgOutOfRange(t *testing.T) {
	priv, trust := edKey(t)
	kid, _ := keys.KID(priv.Public())
	payload := claimsPayload(t)
	now := time.Now()
	ask := presentationAsk{now: now, window: verifier.DefaultPresentationWindow}
	for _, c := range []struct {
		alg  []byte // the encoded value of label 1
		want verifier.Reason
	}{
		{[]byte{0x1b, 0x80, 0, 0, 0, 0, 0, 0, 0}, verifier.BadCOSE},                             // 2^63
		{[]byte{0x3b, 0x80, 0, 0, 0, 0, 0, 0, 0}, verifier.BadCOSE},                             // -2^63 - 1
		{[]byte{0x1b, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}, verifier.UnsupportedAlg}, // 2^63 - 1
	} {
		algHdr := append(cbor.AppendInt(cbor.AppendHead(nil, cbor.Map, 1), 1), c.alg...)
		prot := append(cbor.AppendInt(cbor.AppendHead(nil, cbor.Map, 2), 1), c.alg...)
		prot = cbor.AppendBytes(cbor.AppendInt(prot, 4), kid)
		for _, m := range []struct {
			text string
			got  func() (verifier.Reason, string)
		}{
			{hf1(signedWith(priv, prot, payload)), func() (verifier.Reason, string) {
				return oracle(signedWith(priv, prot, payload), trust)
			}},
			{holder.Prefix + base45.EncodeToString(signedWith(priv, algHdr, payload)), func() (verifier.Reason, string) {
				return oraclePresentation(signedWith(priv, algHdr, payload), trust, ask)
			}},
		} {
			_, err := verifier.Verify(m.text, trust, verifier.Options{Now: now})
			if reasonOf(err) != c.want {
				t.Errorf("alg %x, %.5s: verifier %v, want %s", c.alg, m.text, err, c.want)
			}
			if got, note := m.got(); got != c.want || note != "" {
				t.Errorf("alg %x, %.5s: oracle %q %q, want %s", c.alg, m.text, got, note, c.want)
			}
		}
	}
}

// withClaim returns the canonical claims map payload with one more
// key-value pair kv, in its place in the deterministic key order.
func withClaim(t testing.TB, payload, kv []byte) []byte {
	r := cbor.NewReader(payload, cbor.Limits{MaxDepth: 16, MaxItems: 1 << 10, MaxLen: 1 << 12})
	n, err := r.MapHeader()
	if err != nil {
		t.Fatal(err)
	}
	newKey, err := cbor.NewReader(kv, cbor.Limits{MaxDepth: 16, MaxItems: 1 << 10, MaxLen: 1 << 12}).Skip(0)
	if err != nil {
		t.Fatal(err)
	}
	out := cbor.AppendHead(nil, cbor.Map, uint64(n+1))
	added := false
	for range n {
		start := r.Offset()
		k, err := r.Skip(0)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := r.Skip(0); err != nil {
			t.Fatal(err)
		}
		if !added && bytes.Compare(newKey, k) < 0 {
			out, added = append(out, kv...), true
		}
		out = append(out, payload[start:r.Offset()]...)
	}
	if !added {
		out = append(out, kv...)
	}
	return out
}

// oracleSeeds are the COSE messages of every test vector, and their
// claims, with the trust file that has both of the vectors' issuer keys.
func oracleSeeds(t testing.TB) (msgs, payloads [][]byte, trust *keys.TrustFile, now time.Time) {
	vs, err := testvectors.All()
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range vs {
		if v.Name == "valid_extension_claim" {
			if trust, err = keys.ParseTrust(v.Trust); err != nil {
				t.Fatal(err)
			}
			now, _ = time.Parse(time.RFC3339, v.Now)
		}
		msg, err := hex.DecodeString(v.COSEHex)
		if err != nil || len(msg) == 0 {
			continue
		}
		msgs = append(msgs, msg)
		if m, err := cose.ParseSign1(msg); err == nil {
			payloads = append(payloads, m.Payload)
		}
	}
	if trust == nil || len(msgs) < 50 || len(payloads) < 30 {
		t.Fatalf("%d messages, %d payloads, trust %v", len(msgs), len(payloads), trust != nil)
	}
	return msgs, payloads, trust, now
}

// FuzzOracleClaims: a claims payload that pass.ParseClaims accepts is one
// canonical CBOR map for fxamacker too, but for the documented
// disagreements. (The converse does not hold: the claims have rules
// beyond CBOR's form.)
func FuzzOracleClaims(f *testing.F) {
	_, payloads, _, _ := oracleSeeds(f)
	for _, p := range payloads {
		f.Add(p)
	}
	f.Fuzz(func(t *testing.T, payload []byte) {
		if _, err := pass.ParseClaims(payload); err != nil {
			return
		}
		v, ok, note := fxCanonical(payload)
		if note != "" {
			if documented[note] == "" {
				t.Fatalf("undocumented note %q", note)
			}
			return
		}
		if _, isMap := v.(map[any]any); !ok || !isMap {
			t.Fatalf("ParseClaims accepts %x; fxamacker: not one canonical map", payload)
		}
	})
}

// compareOracle verifies msg at now as a bare pass ("HF1:") and as a
// presentation ("HF1P:", with the default window and no challenge), and
// asks the oracle about each. It returns a description of any undocumented
// disagreement, and for each form (bare, presentation) whether the
// verifier and the oracle both accept it.
func compareOracle(msg []byte, trust *keys.TrustFile, now time.Time) (problem string, valid [2]bool) {
	ask := presentationAsk{now: now, window: verifier.DefaultPresentationWindow}
	for i, form := range []struct {
		prefix string
		oracle func() (verifier.Reason, string)
		agrees func(want, got verifier.Reason) bool
	}{
		{verifier.Prefix, func() (verifier.Reason, string) { return oracle(msg, trust) }, agrees},
		{holder.Prefix, func() (verifier.Reason, string) { return oraclePresentation(msg, trust, ask) }, agreesPresentation},
	} {
		text := form.prefix + base45.EncodeToString(msg)
		if len(text) > verifier.MaxText {
			continue // too_large, before the COSE message is looked at
		}
		_, err := verifier.Verify(text, trust, verifier.Options{Now: now})
		want := reasonOf(err)
		got, note := form.oracle()
		if note != "" {
			if documented[note] == "" {
				return fmt.Sprintf("%s message %x: undocumented note %q", form.prefix, msg, note), valid
			}
			continue
		}
		if !form.agrees(want, got) {
			return fmt.Sprintf("%s message %x: verifier %q (%v), oracle %q", form.prefix, msg, want, err, got), valid
		}
		valid[i] = err == nil && got == ""
	}
	return "", valid
}

// FuzzOracleEnvelope: for any COSE message, as a bare pass and as a
// presentation, the verifier and the oracle (go-cose and fxamacker with
// the strict checks) give the same reason, or the verifier's is beyond
// what the oracle checks, or the oracle notes a documented disagreement.
func FuzzOracleEnvelope(f *testing.F) {
	msgs, _, trust, now := oracleSeeds(f)
	for _, m := range msgs {
		f.Add(m)
	}
	f.Fuzz(func(t *testing.T, msg []byte) {
		if problem, _ := compareOracle(msg, trust, now); problem != "" {
			t.Fatal(problem)
		}
	})
}

// TestOracleSeeds runs the fuzzers' seeds as a plain test, and checks
// that the oracle decides some valid passes and presentations as valid.
func TestOracleSeeds(t *testing.T) {
	msgs, _, trust, now := oracleSeeds(t)
	bare, present := 0, 0
	for _, msg := range msgs {
		problem, valid := compareOracle(msg, trust, now)
		if problem != "" {
			t.Error(problem)
		}
		if valid[0] {
			bare++
		}
		if valid[1] {
			present++
		}
	}
	if bare == 0 || present == 0 {
		t.Errorf("the verifier and the oracle both accept %d bare passes and %d presentations", bare, present)
	}
	t.Logf("%d seeds: %d valid bare passes, %d valid presentations", len(msgs), bare, present)
}

// BenchmarkVerifyOracle verifies the same full pass three ways in one run,
// interleaved: (a) verifier.Verify, hufu's own path; (b) the oracle: the
// same Base45 decoding, then go-cose and fxamacker with the strict checks
// that make them as strict as HF1 (oracle above; the claims are checked
// for form only, not decoded into a pass); (c) the raw signature check
// alone. It reports the median of each and x-raw for (a) and (b).
func BenchmarkVerifyOracle(b *testing.B) {
	for _, alg := range []keys.Alg{keys.ES256, keys.EdDSA} {
		b.Run(string(alg), func(b *testing.B) {
			text, tr := fullPass(b, alg)
			raw45, _ := base45.DecodeString(strings.TrimPrefix(text, verifier.Prefix))
			msg, err := cose.ParseSign1(raw45)
			if err != nil {
				b.Fatal(err)
			}
			tbs := cose.AppendToBeSigned(nil, msg.Protected, msg.Payload)
			var rawCheck func()
			switch pub := tr.All()[0].Public.(type) {
			case *ecdsa.PublicKey:
				der := derSig(msg.Signature)
				rawCheck = func() {
					digest := sha256.Sum256(tbs)
					if !ecdsa.VerifyASN1(pub, digest[:], der) {
						b.Fatal("raw verify failed")
					}
				}
			case ed25519.PublicKey:
				rawCheck = func() {
					if !ed25519.Verify(pub, tbs, msg.Signature) {
						b.Fatal("raw verify failed")
					}
				}
			}
			ours := func() {
				if _, err := verifier.Verify(text, tr, verifier.Options{}); err != nil {
					b.Fatal(err)
				}
			}
			viaOracle := func() {
				m, err := base45.DecodeString(strings.TrimPrefix(text, verifier.Prefix))
				if err != nil {
					b.Fatal(err)
				}
				if r, note := oracle(m, tr); r != "" || note != "" {
					b.Fatalf("oracle: %q %q", r, note)
				}
			}
			fns := []func(){rawCheck, ours, viaOracle}
			d := make([][]time.Duration, 3)
			for _, f := range fns {
				f()
			}
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				for j := range 3 {
					k := (i + j) % 3 // rotate which goes first
					t0 := time.Now()
					fns[k]()
					d[k] = append(d[k], time.Since(t0))
				}
			}
			b.StopTimer()
			mRaw, mOurs, mOracle := benchratio.Median(d[0]), benchratio.Median(d[1]), benchratio.Median(d[2])
			b.ReportMetric(float64(mOurs)/float64(mRaw), "verify-x-raw")
			b.ReportMetric(float64(mOracle)/float64(mRaw), "oracle-x-raw")
			b.ReportMetric(float64(mRaw.Nanoseconds()), "ns/raw")
			b.ReportMetric(float64(mOurs.Nanoseconds()), "ns/verify")
			b.ReportMetric(float64(mOracle.Nanoseconds()), "ns/oracle")
		})
	}
}
