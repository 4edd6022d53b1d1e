package bundle

import (
	"bytes"
	"crypto"
	"crypto/ed25519"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/hufu-project/hufu/internal/cbor"
	"github.com/hufu-project/hufu/internal/cose"
	"github.com/hufu-project/hufu/internal/revset"
	"github.com/hufu-project/hufu/keys"
	"github.com/hufu-project/hufu/pass"
)

func TestSignOpen(t *testing.T) {
	for _, priv := range []crypto.Signer{root, root2} {
		c := contents()
		c.RevokedKeys = []crypto.PublicKey{shKey.Public(), edKey("gone").Public()}
		data := mustSign(t, c, priv)
		b := mustOpen(t, data)
		kid, _ := keys.KID(priv.Public())
		if !b.Verified || !bytes.Equal(b.Signer, kid) {
			t.Errorf("Verified %v, Signer %x", b.Verified, b.Signer)
		}
		if b.Seq != 7 || !b.IssuedAt.Equal(t0) || !b.NextUpdate.Equal(t0.Add(24*time.Hour)) || !b.Expires.Equal(t0.Add(72*time.Hour)) {
			t.Errorf("header %d %v %v %v", b.Seq, b.IssuedAt, b.NextUpdate, b.Expires)
		}
		if len(b.Issuers) != 2 || b.Issuers[0].ID != "310000" || b.Issuer("320000").Name.ZH != "江苏省" {
			t.Fatalf("issuers %+v", b.Issuers)
		}
		sh := b.Issuer("310000")
		if !slices.Equal(sh.Colours, []pass.Colour{pass.Green, pass.Yellow, pass.Red}) || sh.MaxLifetime != 7*24*time.Hour || len(sh.Keys) != 2 {
			t.Errorf("Shanghai %+v", sh)
		}
		// Each issuer's list revokes that issuer's passes only.
		if b.RevokedPasses() != 6 || !b.PassRevoked("310000", passID("revoked")) || b.PassRevoked("310000", passID("other")) ||
			b.PassRevoked("320000", passID("revoked")) || !b.PassRevoked("320000", passID("jiangsu revoked")) ||
			b.PassRevoked("310000", passID("jiangsu revoked")) || b.PassRevoked("330000", passID("revoked")) {
			t.Errorf("revoked passes: %d", b.RevokedPasses())
		}
		if len(b.RevokedKeys) != 2 {
			t.Errorf("revoked keys %d", len(b.RevokedKeys))
		}
		// Keys: the listed ones with their issuers; a revoked key that is
		// not listed, with none.
		kid, _ = keys.KID(shKey.Public())
		ks := b.Keys(kid)
		if len(ks) != 1 || !slices.Equal(ks[0].Issuers, []string{"310000"}) || !ks[0].ValidUntil.Equal(t0) || ks[0].Alg != keys.ES256 {
			t.Errorf("Keys(shanghai) = %+v", ks)
		}
		kid, _ = keys.KID(edKey("gone").Public())
		if ks := b.Keys(kid); len(ks) != 1 || len(ks[0].Issuers) != 0 || !b.keyInfo[ks[0]].revoked {
			t.Errorf("Keys(revoked) = %+v", ks)
		}
		if b.Label("colour.green", "zh") != "绿码" || b.Label("x", "en") != "a" || b.Label("decision.undecided", "zh") != "无法判断" || b.Label("nope", "en") != "" {
			t.Error("labels")
		}
		// The payload re-encodes to the same bytes.
		pl := payloadOf(t, data)
		_, rev, err := parsePayload(pl)
		if err != nil {
			t.Fatal(err)
		}
		again, err := contentsOf(b).appendPayload(rev)
		if err != nil || !bytes.Equal(again, pl) {
			t.Errorf("re-encoding differs (%v)", err)
		}
	}
}

func TestSignDeterministic(t *testing.T) {
	a := mustSign(t, contents(), root)
	c := contents()
	slices.Reverse(c.Issuers)
	for i := range c.Issuers {
		slices.Reverse(c.Issuers[i].RevokedPasses)
		c.Issuers[i].RevokedPasses = append(c.Issuers[i].RevokedPasses, 2) // duplicates collapse
	}
	if b := mustSign(t, c, root); !bytes.Equal(a, b) {
		t.Error("the order of the contents changes the bundle")
	}
}

func TestSignRejects(t *testing.T) {
	for name, mod := range map[string]func(c *Contents){
		"seq 0":                 func(c *Contents) { c.Seq = 0 },
		"no issuers":            func(c *Contents) { c.Issuers = nil },
		"duplicate issuer":      func(c *Contents) { c.Issuers = append(c.Issuers, c.Issuers[0]) },
		"issuer without keys":   func(c *Contents) { c.Issuers[0].Keys = nil },
		"issuer without name":   func(c *Contents) { c.Issuers[0].Name.EN = "" },
		"control in name":       func(c *Contents) { c.Issuers[0].Name.ZH = "江苏\n" },
		"bidi override in name": func(c *Contents) { c.Issuers[0].Name.EN = "Jiang\u202esu" },
		"bad issuer ID":         func(c *Contents) { c.Issuers[0].ID = "32 00" },
		"no colours":            func(c *Contents) { c.Issuers[0].Colours = nil },
		"colour twice":          func(c *Contents) { c.Issuers[0].Colours = []pass.Colour{1, 1} },
		"colour 4":              func(c *Contents) { c.Issuers[0].Colours = []pass.Colour{4} },
		"lifetime 0":            func(c *Contents) { c.Issuers[0].MaxLifetime = 0 },
		"lifetime fraction":     func(c *Contents) { c.Issuers[0].MaxLifetime = 1500 * time.Millisecond },
		"key twice":             func(c *Contents) { c.Issuers[0].Keys = append(c.Issuers[0].Keys, c.Issuers[0].Keys[0]) },
		"key window reversed": func(c *Contents) {
			c.Issuers[0].Keys[0].ValidFrom, c.Issuers[0].Keys[0].ValidUntil = t0, t0.Add(-time.Second)
		},
		"shared key, two windows": func(c *Contents) {
			c.Issuers[0].Keys = append(c.Issuers[0].Keys, IssuerKey{Public: shKey.Public()})
		},
		"next update = issued":    func(c *Contents) { c.NextUpdate = c.IssuedAt },
		"expires before next":     func(c *Contents) { c.Expires = c.NextUpdate.Add(-time.Second) },
		"zero time":               func(c *Contents) { c.IssuedAt = time.Time{} },
		"fractional time":         func(c *Contents) { c.IssuedAt = c.IssuedAt.Add(time.Millisecond) },
		"label key upper case":    func(c *Contents) { c.Labels["Colour"] = Label{"a", "b"} },
		"label key empty":         func(c *Contents) { c.Labels[""] = Label{"a", "b"} },
		"label text empty":        func(c *Contents) { c.Labels["a"] = Label{"", "b"} },
		"revoked key twice":       func(c *Contents) { c.RevokedKeys = []crypto.PublicKey{jsKey.Public(), jsKey.Public()} },
		"revoked key unsupported": func(c *Contents) { c.RevokedKeys = []crypto.PublicKey{"not a key"} },
	} {
		c := contents()
		mod(c)
		_, err := Sign(c, root)
		var e *Error
		if !errors.As(err, &e) || e.Reason != BadPayload {
			t.Errorf("%s: %v, want bad_payload", name, err)
		}
	}
	// A shared key with the same window under two issuers is one key that
	// may sign for both.
	c := contents()
	c.Issuers[0].Keys = append(c.Issuers[0].Keys, IssuerKey{Public: shKey.Public(), ValidUntil: t0})
	b := mustOpen(t, mustSign(t, c, root))
	kid, _ := keys.KID(shKey.Public())
	if ks := b.Keys(kid); len(ks) != 1 || !slices.Equal(ks[0].Issuers, []string{"310000", "320000"}) {
		t.Errorf("shared key: %+v", ks)
	}
}

// TestOpenRejects: every rule of the decoder, on payloads built by hand and
// correctly signed, so that the rule is what fails.
func TestOpenRejects(t *testing.T) {
	good := payloadOf(t, mustSign(t, contents(), root))
	base := fields(t, good)
	with := func(mod func([]field) []field) []byte {
		return mapOf(mod(slices.Clone(base)))
	}
	set := func(key int64, val []byte) []byte {
		return with(func(fs []field) []field {
			for i := range fs {
				if fs[i].key == key {
					fs[i].val = val
				}
			}
			return fs
		})
	}
	drop := func(key int64) []byte {
		return with(func(fs []field) []field {
			return slices.DeleteFunc(fs, func(f field) bool { return f.key == key })
		})
	}
	uint := func(v uint64) []byte { return cbor.AppendHead(nil, cbor.Uint, v) }
	issuer0 := fields(t, firstIssuer(t, base))
	issuerWith := func(mod func([]field) []field) []byte {
		is := mapOf(mod(slices.Clone(issuer0)))
		return set(keyIssuers, append(cbor.AppendHead(nil, cbor.Array, 1), is...))
	}
	setIssuer := func(key int64, val []byte) []byte {
		return issuerWith(func(fs []field) []field {
			for i := range fs {
				if fs[i].key == key {
					fs[i].val = val
				}
			}
			return fs
		})
	}
	shDER, _ := keys.MarshalPublic(shKey.Public())
	edDER, _ := keys.MarshalPublic(jsKey.Public())
	keyArray := func(pairs ...[]byte) []byte {
		b := cbor.AppendHead(nil, cbor.Array, uint64(len(pairs)))
		for _, p := range pairs {
			b = append(b, p...)
		}
		return b
	}
	keyMap := func(alg int64, der []byte, extra ...field) []byte {
		return mapOf(append([]field{{kAlg, cbor.AppendInt(nil, alg)}, {kPublic, cbor.AppendBytes(nil, der)}}, extra...))
	}
	labels := func(pairs ...string) []byte {
		b := cbor.AppendHead(nil, cbor.Map, uint64(len(pairs)/3))
		for i := 0; i < len(pairs); i += 3 {
			b = cbor.AppendText(b, pairs[i])
			b = cbor.AppendHead(b, cbor.Array, 2)
			b = cbor.AppendText(b, pairs[i+1])
			b = cbor.AppendText(b, pairs[i+2])
		}
		return b
	}
	rev, _ := revset.Build([]uint64{5, 6})
	badRev := bytes.Clone(rev)
	badRev[len(badRev)-1] |= 0x80 // a padding bit

	for _, c := range []struct {
		name    string
		payload []byte
		reason  Reason
	}{
		{"version 1", set(keyVersion, uint(1)), UnsupportedVersion},
		{"version 3", set(keyVersion, uint(3)), UnsupportedVersion},
		{"version 0", set(keyVersion, uint(0)), UnsupportedVersion},
		{"version missing", drop(keyVersion), BadPayload},
		{"version as text", set(keyVersion, cbor.AppendText(nil, "1")), BadPayload},
		{"not a map", []byte{0x80}, BadPayload},
		{"empty", nil, BadPayload},
		{"trailing byte", append(bytes.Clone(good), 0), BadPayload},
		{"seq non-shortest", set(keySeq, []byte{0x18, 0x07}), BadPayload},
		{"seq 0", set(keySeq, uint(0)), BadPayload},
		{"seq negative", set(keySeq, cbor.AppendInt(nil, -1)), BadPayload},
		{"time 0", set(keyIssuedAt, uint(0)), BadPayload},
		{"time after 9999", set(keyExpires, uint(pass.MaxTime+1)), BadPayload},
		{"time as float", set(keyIssuedAt, []byte{0xfb, 0x41, 0xda, 0x0e, 0x0b, 0x14, 0, 0, 0}), BadPayload},
		{"time tagged", set(keyIssuedAt, append([]byte{0xc1}, uint(uint64(t0.Unix()))...)), BadPayload},
		{"next update before issued", set(keyNextUpdate, uint(uint64(t0.Unix()-1))), BadPayload},
		{"expires before next update", set(keyExpires, uint(uint64(t0.Unix()+1))), BadPayload},
		{"missing seq", drop(keySeq), BadPayload},
		{"missing labels", drop(keyLabels), BadPayload},
		{"version 1's shared revocation list (key 7)", with(func(fs []field) []field {
			return slices.Insert(fs, 6, field{7, cbor.AppendBytes(nil, rev)})
		}), BadPayload},
		{"unknown key 10", with(func(fs []field) []field { return append(fs, field{10, uint(1)}) }), BadPayload},
		{"unknown key 0", with(func(fs []field) []field { return append([]field{{0, uint(1)}}, fs...) }), BadPayload},
		{"negative key", with(func(fs []field) []field { return append(fs, field{-1, uint(1)}) }), BadPayload},
		{"duplicate key", with(func(fs []field) []field { return append(fs[:2], fs[1:]...) }), BadPayload},
		{"keys out of order", with(func(fs []field) []field { fs[1], fs[2] = fs[2], fs[1]; return fs }), BadPayload},
		{"extension too deep", with(func(fs []field) []field {
			return append(fs, field{256, []byte{0x81, 0x81, 0x81, 0x81, 0x00}})
		}), BadPayload},
		{"extension with a float", with(func(fs []field) []field {
			return append(fs, field{256, []byte{0xf9, 0x3c, 0x00}})
		}), BadPayload},
		{"indefinite array", set(keyRevokedKeys, []byte{0x9f, 0xff}), BadPayload},
		{"issuer missing revoked passes", issuerWith(func(fs []field) []field {
			return slices.DeleteFunc(fs, func(f field) bool { return f.key == issRevoked })
		}), BadPayload},
		{"revoked passes not canonical", setIssuer(issRevoked, cbor.AppendBytes(nil, badRev)), BadPayload},
		{"revoked passes truncated", setIssuer(issRevoked, cbor.AppendBytes(nil, rev[:len(rev)-1])), BadPayload},
		{"revoked passes as array", setIssuer(issRevoked, []byte{0x80}), BadPayload},
		{"revoked passes empty bytes", setIssuer(issRevoked, []byte{0x40}), BadPayload},
		{"revoked key not a key", set(keyRevokedKeys, keyArray(cbor.AppendBytes(nil, []byte("key")))), BadPayload},
		{"revoked keys unsorted", set(keyRevokedKeys, keyArray(cbor.AppendBytes(nil, shDER), cbor.AppendBytes(nil, edDER))), BadPayload},
		{"no issuers", set(keyIssuers, []byte{0x80}), BadPayload},
		{"issuers unsorted", set(keyIssuers, append([]byte{0x82}, append(mapOf(fields(t, secondIssuer(t, base))), firstIssuer(t, base)...)...)), BadPayload},
		{"issuer unknown key", issuerWith(func(fs []field) []field { return append(fs, field{8, uint(1)}) }), BadPayload},
		{"issuer missing colours", issuerWith(func(fs []field) []field {
			return slices.DeleteFunc(fs, func(f field) bool { return f.key == issColours })
		}), BadPayload},
		{"issuer ID empty", setIssuer(issID, cbor.AppendText(nil, "")), BadPayload},
		{"issuer name invalid UTF-8", setIssuer(issNameZH, []byte{0x62, 0xff, 0xfe}), BadPayload},
		{"issuer name too long", setIssuer(issNameEN, cbor.AppendText(nil, string(make([]byte, 129)))), BadPayload},
		{"lifetime 0", setIssuer(issMaxLifetime, uint(0)), BadPayload},
		{"lifetime 2^32", setIssuer(issMaxLifetime, uint(1<<32)), BadPayload},
		{"colours unsorted", setIssuer(issColours, []byte{0x82, 0x02, 0x01}), BadPayload},
		{"colour 0", setIssuer(issColours, []byte{0x81, 0x00}), BadPayload},
		{"no keys", setIssuer(issKeys, []byte{0x80}), BadPayload},
		{"key alg mismatch", setIssuer(issKeys, keyArray(keyMap(int64(cose.EdDSA), shDER))), BadPayload},
		{"key alg ES384", setIssuer(issKeys, keyArray(keyMap(-35, shDER))), BadPayload},
		{"key not SPKI", setIssuer(issKeys, keyArray(keyMap(int64(cose.ES256), shDER[1:]))), BadPayload},
		{"key without alg", setIssuer(issKeys, keyArray(mapOf([]field{{kPublic, cbor.AppendBytes(nil, shDER)}}))), BadPayload},
		{"key unknown field", setIssuer(issKeys, keyArray(keyMap(int64(cose.ES256), shDER, field{5, uint(1)}))), BadPayload},
		{"key window reversed", setIssuer(issKeys, keyArray(keyMap(int64(cose.ES256), shDER,
			field{kValidFrom, uint(2000000000)}, field{kValidUntil, uint(1999999999)}))), BadPayload},
		{"label key with a dash", set(keyLabels, labels("a-b", "甲", "a")), BadPayload},
		{"labels unsorted", set(keyLabels, labels("bb", "乙", "b", "a", "甲", "a")), BadPayload},
		{"label empty", set(keyLabels, labels("a", "", "a")), BadPayload},
		{"label with a tab", set(keyLabels, labels("a", "甲\t", "a")), BadPayload},
	} {
		_, err := Open(signPayload(t, root, c.payload), allRoots)
		var e *Error
		if !errors.As(err, &e) || e.Reason != c.reason || !errors.Is(err, c.reason) {
			t.Errorf("%s: %v, want %s", c.name, err, c.reason)
		}
		if _, err := InspectUnverified(signPayload(t, root, c.payload)); !errors.Is(err, c.reason) {
			t.Errorf("%s: InspectUnverified: %v, want %s", c.name, err, c.reason)
		}
	}

	// An extension field (key >= 256) is checked for form and ignored, in
	// the payload, an issuer and a key.
	for name, payload := range map[string][]byte{
		"payload": with(func(fs []field) []field { return append(fs, field{256, []byte{0x81, 0x81, 0x81, 0x00}}) }),
		"issuer":  issuerWith(func(fs []field) []field { return append(fs, field{300, cbor.AppendText(nil, "x")}) }),
		"key":     setIssuer(issKeys, keyArray(keyMap(int64(cose.ES256), shDER, field{1000, uint(1)}))),
	} {
		b, err := Open(signPayload(t, root, payload), allRoots)
		if err != nil || b.extensions != 1 {
			t.Errorf("extension in the %s: %v", name, err)
		}
	}
}

func firstIssuer(t *testing.T, fs []field) []byte  { return nthIssuer(t, fs, 0) }
func secondIssuer(t *testing.T, fs []field) []byte { return nthIssuer(t, fs, 1) }

func nthIssuer(t *testing.T, fs []field, n int) []byte {
	for _, f := range fs {
		if f.key == keyIssuers {
			r := cbor.NewReader(f.val, limits)
			r.ArrayHeader()
			for i := 0; ; i++ {
				is, err := r.Skip(1)
				if err != nil {
					t.Fatal(err)
				}
				if i == n {
					return is
				}
			}
		}
	}
	t.Fatal("no issuers")
	return nil
}

// TestOpenEnvelope: the signature, the roots and the COSE form.
func TestOpenEnvelope(t *testing.T) {
	good := mustSign(t, contents(), root)
	payload := payloadOf(t, good)
	kid, _ := keys.KID(root.Public())
	flipped := bytes.Clone(good)
	flipped[len(flipped)-1] ^= 1
	altered := bytes.Clone(good)
	altered[len(altered)-80] ^= 1 // in the payload: the labels
	// The root's kid with another key's signature.
	ph := cose.AppendProtected(nil, cose.EdDSA, kid)
	impostor := cose.AppendSign1(nil, ph, payload, ed25519.Sign(otherRt, cose.AppendToBeSigned(nil, ph, payload)))
	// ES256 in the header with the Ed25519 root's kid.
	ph = cose.AppendProtected(nil, cose.ES256, kid)
	wrongAlg := cose.AppendSign1(nil, ph, payload, rawSign(t, root2, ph, payload))

	for _, c := range []struct {
		name   string
		data   []byte
		roots  []crypto.PublicKey
		reason Reason
	}{
		{"bad signature", flipped, allRoots, BadSignature},
		{"altered payload", altered, allRoots, BadSignature},
		{"impostor with the root's kid", impostor, allRoots, BadSignature},
		{"wrong root", mustSign(t, contents(), otherRt), allRoots, UnknownRoot},
		{"root not pinned", good, []crypto.PublicKey{root2.Public()}, UnknownRoot},
		{"no roots", good, nil, UnknownRoot},
		{"alg does not match the root", wrongAlg, allRoots, UnknownRoot},
		{"trailing byte", append(bytes.Clone(good), 0), allRoots, BadCOSE},
		{"untagged", good[1:], allRoots, BadCOSE},
		{"empty", nil, allRoots, BadCOSE},
		{"a pass, not a bundle", payloadlessPass(t), allRoots, BadPayload},
		{"unsupported alg", cose.AppendSign1(nil, cose.AppendProtected(nil, -35, kid), payload, make([]byte, 64)), allRoots, UnsupportedAlg},
		{"too large", make([]byte, MaxSize+1), allRoots, TooLarge},
	} {
		_, err := Open(c.data, c.roots)
		var e *Error
		if !errors.As(err, &e) || e.Reason != c.reason {
			t.Errorf("%s: %v, want %s", c.name, err, c.reason)
		}
	}
	// With the right root among others, it opens.
	if _, err := Open(good, []crypto.PublicKey{otherRt.Public(), root.Public()}); err != nil {
		t.Error(err)
	}
	// Unverified, a bundle opens whoever signed it, but trusts no key.
	b, err := InspectUnverified(mustSign(t, contents(), otherRt))
	if err != nil || b.Verified || b.Seq != 7 {
		t.Fatalf("InspectUnverified: %v", err)
	}
	kid, _ = keys.KID(jsKey.Public())
	if b.Keys(kid) != nil {
		t.Error("an unverified bundle trusts a key")
	}
}

// payloadlessPass is a pass message signed by the root: its payload is a
// claims set, which is not a bundle (key 1 is a text there).
func payloadlessPass(t *testing.T) []byte {
	p := testPass("x", t0)
	claims, err := p.AppendClaims(nil)
	if err != nil {
		t.Fatal(err)
	}
	return signPayload(t, root, claims)
}

func TestReplaces(t *testing.T) {
	c := contents()
	b7 := mustOpen(t, mustSign(t, c, root))
	c.Seq = 8
	b8 := mustOpen(t, mustSign(t, c, root))
	b8again := mustOpen(t, mustSign(t, c, root2)) // same seq, another file
	if err := b8.Replaces(b7); err != nil {
		t.Error(err)
	}
	if err := b8.Replaces(b8); err != nil {
		t.Errorf("the same file again: %v", err)
	}
	for name, err := range map[string]error{"older": b7.Replaces(b8), "same seq, other file": b8again.Replaces(b8)} {
		if !errors.Is(err, Rollback) {
			t.Errorf("%s: %v, want rollback", name, err)
		}
	}
}
