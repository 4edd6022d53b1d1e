package pass

import (
	"bytes"
	"errors"
	"github.com/hufu-project/hufu/internal/cose"
	"github.com/hufu-project/hufu/testvectors"
	"reflect"
	"strings"
	"testing"
	"time"

	fx "github.com/fxamacker/cbor/v2"

	"github.com/hufu-project/hufu/internal/cbor"
)

var (
	testIAT = time.Unix(1700000000, 0).UTC()
	testEXP = time.Unix(1700086400, 0).UTC()
)

func minimalPass() *Pass {
	id := ID{1, 2, 3, 4, 5, 6, 7, 8}
	h, err := NameHash(id, "张三")
	if err != nil {
		panic(err)
	}
	return &Pass{
		Issuer:    "310000",
		ID:        id,
		IssuedAt:  testIAT,
		ExpiresAt: testEXP,
		Colour:    Green,
		NameHash:  h,
	}
}

func fullPass() *Pass {
	id := ID(bytes.Repeat([]byte{0xab}, MaxIDSize))
	h, err := NameHash(id, "买买提·艾力")
	if err != nil {
		panic(err)
	}
	return &Pass{
		Issuer:      "CN-310000",
		ID:          id,
		IssuedAt:    testIAT,
		ExpiresAt:   testEXP,
		Colour:      Yellow,
		Reason:      CloseContact,
		Hints:       TestSuggested | AppealPending | 1<<31,
		NameHash:    h,
		PhotoDigest: PhotoDigest([]byte("photo bytes")),
		PhotoID:     "P-000042",
	}
}

func mustClaims(t testing.TB, p *Pass) []byte {
	t.Helper()
	b, err := p.AppendClaims(nil)
	if err != nil {
		t.Fatalf("AppendClaims(%+v): %v", p, err)
	}
	return b
}

func TestClaimsRoundTrip(t *testing.T) {
	for name, p := range map[string]*Pass{"minimal": minimalPass(), "full": fullPass()} {
		b := mustClaims(t, p)
		got, err := ParseClaims(b)
		if err != nil {
			t.Fatalf("%s: ParseClaims: %v", name, err)
		}
		if !reflect.DeepEqual(got, p) {
			t.Errorf("%s: ParseClaims(AppendClaims(p)) = %+v\nwant %+v", name, got, p)
		}
		if again := mustClaims(t, got); !bytes.Equal(again, b) {
			t.Errorf("%s: re-encoding differs:\n%x\n%x", name, again, b)
		}
		// AppendClaims appends.
		if b2, _ := p.AppendClaims([]byte("x")); !bytes.Equal(b2, append([]byte("x"), b...)) {
			t.Errorf("%s: AppendClaims does not append", name)
		}
	}
}

// TestClaimsMatchFxamacker checks the encoding against an independent
// deterministic CBOR encoder given the same claims as a Go map.
func TestClaimsMatchFxamacker(t *testing.T) {
	em, err := fx.CoreDetEncOptions().EncMode()
	if err != nil {
		t.Fatal(err)
	}
	for name, p := range map[string]*Pass{"minimal": minimalPass(), "full": fullPass()} {
		m := map[int64]any{
			KeyIss: p.Issuer, KeyExp: p.ExpiresAt.Unix(), KeyIat: p.IssuedAt.Unix(), KeyCti: []byte(p.ID),
			KeyColour: uint8(p.Colour), KeyNameHash: p.NameHash,
		}
		if p.PhotoDigest != nil {
			m[KeyPhotoDigest] = p.PhotoDigest
		}
		if p.PhotoID != "" {
			m[KeyPhotoID] = p.PhotoID
		}
		if p.Reason != 0 {
			m[KeyReason] = uint16(p.Reason)
		}
		if p.Hints != 0 {
			m[KeyHints] = uint32(p.Hints)
		}
		want, err := em.Marshal(m)
		if err != nil {
			t.Fatal(err)
		}
		if got := mustClaims(t, p); !bytes.Equal(got, want) {
			t.Errorf("%s: AppendClaims = %x\nfxamacker     %x", name, got, want)
		}
	}
}

func TestCheckAccepts(t *testing.T) {
	for name, mod := range map[string]func(p *Pass){
		"issuer of 32 bytes":     func(p *Pass) { p.Issuer = strings.Repeat("Z", MaxIssuerLen) },
		"issuer of 1 byte":       func(p *Pass) { p.Issuer = "!" },
		"issuer with ~":          func(p *Pass) { p.Issuer = "a~b" },
		"ID of 8 bytes":          func(p *Pass) { p.ID = p.ID[:MinIDSize] },
		"photo ID of 12 bytes":   func(p *Pass) { p.PhotoID = strings.Repeat("p", MaxPhotoIDLen) },
		"photo digest, no ID":    func(p *Pass) { p.PhotoID = "" },
		"exp at MaxTime":         func(p *Pass) { p.ExpiresAt = time.Unix(MaxTime, 0) },
		"iat 1, exp 2":           func(p *Pass) { p.IssuedAt, p.ExpiresAt = time.Unix(1, 0), time.Unix(2, 0) },
		"red with reason":        func(p *Pass) { p.Colour = Red },
		"yellow without reason":  func(p *Pass) { p.Reason = 0 },
		"unnamed reason 65535":   func(p *Pass) { p.Reason = 65535 },
		"no hints":               func(p *Pass) { p.Hints = 0 },
		"times in another zone":  func(p *Pass) { p.IssuedAt = p.IssuedAt.In(time.FixedZone("CST", 8*3600)) },
		"green without anything": func(p *Pass) { *p = *minimalPass() },
	} {
		p := fullPass()
		mod(p)
		if err := p.Check(); err != nil {
			t.Errorf("%s: Check: %v", name, err)
			continue
		}
		b := mustClaims(t, p)
		got, err := ParseClaims(b)
		if err != nil {
			t.Errorf("%s: ParseClaims: %v", name, err)
			continue
		}
		if !got.IssuedAt.Equal(p.IssuedAt) || !got.ExpiresAt.Equal(p.ExpiresAt) || got.Issuer != p.Issuer ||
			got.PhotoID != p.PhotoID || got.Reason != p.Reason || got.Colour != p.Colour {
			t.Errorf("%s: round trip gave %+v", name, got)
		}
	}
}

func TestCheckRejects(t *testing.T) {
	for name, mod := range map[string]func(p *Pass){
		"empty issuer":             func(p *Pass) { p.Issuer = "" },
		"issuer of 33 bytes":       func(p *Pass) { p.Issuer = strings.Repeat("Z", MaxIssuerLen+1) },
		"non-ASCII issuer":         func(p *Pass) { p.Issuer = "上海" },
		"issuer with space":        func(p *Pass) { p.Issuer = "31 00" },
		"issuer with DEL":          func(p *Pass) { p.Issuer = "31\x7f" },
		"issuer with NUL":          func(p *Pass) { p.Issuer = "31\x00" },
		"no ID":                    func(p *Pass) { p.ID = nil },
		"ID of 7 bytes":            func(p *Pass) { p.ID = p.ID[:7] },
		"ID of 17 bytes":           func(p *Pass) { p.ID = append(ID{0}, p.ID...) },
		"zero issue time":          func(p *Pass) { p.IssuedAt = time.Time{} },
		"zero expiry":              func(p *Pass) { p.ExpiresAt = time.Time{} },
		"issue time 0":             func(p *Pass) { p.IssuedAt = time.Unix(0, 0) },
		"negative issue time":      func(p *Pass) { p.IssuedAt = time.Unix(-5, 0) },
		"expiry after MaxTime":     func(p *Pass) { p.ExpiresAt = time.Unix(MaxTime+1, 0) },
		"issue time after MaxTime": func(p *Pass) { p.IssuedAt, p.ExpiresAt = time.Unix(MaxTime+1, 0), time.Unix(MaxTime+2, 0) },
		"fractional issue time":    func(p *Pass) { p.IssuedAt = p.IssuedAt.Add(time.Millisecond) },
		"fractional expiry":        func(p *Pass) { p.ExpiresAt = p.ExpiresAt.Add(time.Nanosecond) },
		"exp == iat":               func(p *Pass) { p.ExpiresAt = p.IssuedAt },
		"exp < iat":                func(p *Pass) { p.ExpiresAt = p.IssuedAt.Add(-time.Second) },
		"colour 0":                 func(p *Pass) { p.Colour = 0 },
		"colour 4":                 func(p *Pass) { p.Colour = 4 },
		"reason on green":          func(p *Pass) { p.Colour = Green },
		"no name hash":             func(p *Pass) { p.NameHash = nil },
		"name hash of 11 bytes":    func(p *Pass) { p.NameHash = p.NameHash[:11] },
		"name hash of 13 bytes":    func(p *Pass) { p.NameHash = append(p.NameHash, 0) },
		"photo digest of 15 bytes": func(p *Pass) { p.PhotoDigest = p.PhotoDigest[:15] },
		"photo digest of 17 bytes": func(p *Pass) { p.PhotoDigest = append(p.PhotoDigest, 0) },
		"empty photo digest":       func(p *Pass) { p.PhotoDigest = []byte{} },
		"photo ID without digest":  func(p *Pass) { p.PhotoDigest = nil },
		"photo ID of 13 bytes":     func(p *Pass) { p.PhotoID = strings.Repeat("p", MaxPhotoIDLen+1) },
		"photo ID with a space":    func(p *Pass) { p.PhotoID = "P 42" },
		"photo ID non-ASCII":       func(p *Pass) { p.PhotoID = "照片" },
		"photo ID with newline":    func(p *Pass) { p.PhotoID = "P42\n" },
	} {
		p := fullPass()
		mod(p)
		if err := p.Check(); !errors.Is(err, ErrInvalid) {
			t.Errorf("%s: Check = %v, want ErrInvalid", name, err)
		}
		dst := []byte("keep")
		out, err := p.AppendClaims(dst)
		if !errors.Is(err, ErrInvalid) || !bytes.Equal(out, dst) {
			t.Errorf("%s: AppendClaims = %x, %v; want dst unchanged and ErrInvalid", name, out, err)
		}
	}
}

func TestCheckIssuer(t *testing.T) {
	for iss, ok := range map[string]bool{
		"310000": true, "CN-BJ": true, "": false, "a b": false, "é": false,
		strings.Repeat("x", 32): true, strings.Repeat("x", 33): false,
	} {
		if err := CheckIssuer(iss); (err == nil) != ok || (err != nil && !errors.Is(err, ErrInvalid)) {
			t.Errorf("CheckIssuer(%q) = %v", iss, err)
		}
	}
}

// Builders for hand-made claims sets.

type kv struct{ k, v []byte }

func ik(k int64) []byte      { return cbor.AppendInt(nil, k) }
func bv(b []byte) []byte     { return cbor.AppendBytes(nil, b) }
func tv(s string) []byte     { return cbor.AppendText(nil, s) }
func cat(b ...[]byte) []byte { return bytes.Join(b, nil) }

func claimsMap(pairs ...kv) []byte {
	b := cbor.AppendHead(nil, cbor.Map, uint64(len(pairs)))
	for _, p := range pairs {
		b = append(append(b, p.k...), p.v...)
	}
	return b
}

// minimalPairs are the claims of minimalPass, in order.
func minimalPairs() []kv {
	p := minimalPass()
	return []kv{
		{ik(KeyIss), tv(p.Issuer)},
		{ik(KeyExp), ik(p.ExpiresAt.Unix())},
		{ik(KeyIat), ik(p.IssuedAt.Unix())},
		{ik(KeyCti), bv(p.ID)},
		{ik(KeyColour), ik(int64(p.Colour))},
		{ik(KeyNameHash), bv(p.NameHash)},
	}
}

// edit returns minimalPairs with the pair for key replaced by v (or
// removed if v is nil), and extra pairs inserted in key order.
func edit(key int64, v []byte, extra ...kv) []byte {
	var out []kv
	for _, p := range minimalPairs() {
		if bytes.Equal(p.k, ik(key)) {
			if v == nil {
				continue
			}
			p.v = v
		}
		out = append(out, p)
	}
	for _, e := range extra {
		i := 0
		for i < len(out) && bytes.Compare(out[i].k, e.k) < 0 {
			i++
		}
		out = append(out[:i], append([]kv{e}, out[i:]...)...)
	}
	return claimsMap(out...)
}

const noKey = 0 // edit(noKey, nil, ...) only inserts

func nest(n int, inner []byte) []byte {
	return cat(bytes.Repeat([]byte{0x81}, n), inner)
}

var badClaims = []struct {
	name string
	in   func() []byte
}{
	{"empty input", func() []byte { return nil }},
	{"not a map", func() []byte { return []byte{0x80} }},
	{"empty map", func() []byte { return []byte{0xa0} }},
	{"missing iss", func() []byte { return edit(KeyIss, nil) }},
	{"missing exp", func() []byte { return edit(KeyExp, nil) }},
	{"missing iat", func() []byte { return edit(KeyIat, nil) }},
	{"missing cti", func() []byte { return edit(KeyCti, nil) }},
	{"missing colour", func() []byte { return edit(KeyColour, nil) }},
	{"missing name hash", func() []byte { return edit(KeyNameHash, nil) }},

	{"colour 0", func() []byte { return edit(KeyColour, ik(0)) }},
	{"colour 4", func() []byte { return edit(KeyColour, ik(4)) }},
	{"colour -1", func() []byte { return edit(KeyColour, ik(-1)) }},
	{"colour 2^32+1", func() []byte { return edit(KeyColour, ik(1<<32+1)) }},
	{"colour as text", func() []byte { return edit(KeyColour, tv("green")) }},
	{"reason on green", func() []byte { return edit(noKey, nil, kv{ik(KeyReason), ik(1)}) }},
	{"reason 0", func() []byte { return edit(KeyColour, ik(2), kv{ik(KeyReason), ik(0)}) }},
	{"reason 65536", func() []byte { return edit(KeyColour, ik(2), kv{ik(KeyReason), ik(65536)}) }},
	{"reason negative", func() []byte { return edit(KeyColour, ik(2), kv{ik(KeyReason), ik(-1)}) }},
	{"hints 0", func() []byte { return edit(noKey, nil, kv{ik(KeyHints), ik(0)}) }},
	{"hints 2^32", func() []byte { return edit(noKey, nil, kv{ik(KeyHints), ik(1 << 32)}) }},
	{"pass ID of 7 bytes", func() []byte { return edit(KeyCti, bv(make([]byte, 7))) }},
	{"pass ID of 17 bytes", func() []byte { return edit(KeyCti, bv(make([]byte, 17))) }},
	{"pass ID as text", func() []byte { return edit(KeyCti, tv("12345678")) }},
	{"name hash of 11 bytes", func() []byte { return edit(KeyNameHash, bv(make([]byte, 11))) }},
	{"name hash of 13 bytes", func() []byte { return edit(KeyNameHash, bv(make([]byte, 13))) }},
	{"photo ID without digest", func() []byte { return edit(noKey, nil, kv{ik(KeyPhotoID), tv("P1")}) }},
	{"photo ID of 13 bytes", func() []byte {
		return edit(noKey, nil, kv{ik(KeyPhotoDigest), bv(make([]byte, 16))}, kv{ik(KeyPhotoID), tv("P123456789012")})
	}},
	{"photo ID with a space", func() []byte {
		return edit(noKey, nil, kv{ik(KeyPhotoDigest), bv(make([]byte, 16))}, kv{ik(KeyPhotoID), tv("P 1")})
	}},
	{"empty photo ID", func() []byte {
		return edit(noKey, nil, kv{ik(KeyPhotoDigest), bv(make([]byte, 16))}, kv{ik(KeyPhotoID), tv("")})
	}},
	{"photo digest of 15 bytes", func() []byte { return edit(noKey, nil, kv{ik(KeyPhotoDigest), bv(make([]byte, 15))}) }},
	{"empty photo digest", func() []byte { return edit(noKey, nil, kv{ik(KeyPhotoDigest), bv(nil)}) }},
	{"empty issuer", func() []byte { return edit(KeyIss, tv("")) }},
	{"issuer of 33 bytes", func() []byte { return edit(KeyIss, tv(strings.Repeat("9", 33))) }},
	{"non-ASCII issuer", func() []byte { return edit(KeyIss, tv("上海")) }},
	{"issuer as bytes", func() []byte { return edit(KeyIss, bv([]byte("310000"))) }},
	{"issuer invalid UTF-8", func() []byte { return edit(KeyIss, []byte{0x62, 0xc3, 0x28}) }},
	{"exp == iat", func() []byte { return edit(KeyExp, ik(testIAT.Unix())) }},
	{"exp < iat", func() []byte { return edit(KeyExp, ik(testIAT.Unix()-1)) }},
	{"iat 0", func() []byte { return edit(KeyIat, ik(0)) }},
	{"exp 0", func() []byte { return edit(KeyExp, ik(0)) }},
	{"exp > MaxTime", func() []byte { return edit(KeyExp, ik(MaxTime+1)) }},
	{"iat negative", func() []byte { return edit(KeyIat, ik(-1)) }},
	{"exp as float", func() []byte { return edit(KeyExp, []byte{0xfb, 0x41, 0xd9, 0x54, 0x81, 0xa0, 0, 0, 0}) }},
	{"exp as tag 1", func() []byte { return edit(KeyExp, cat([]byte{0xc1}, ik(testEXP.Unix()))) }},
	{"exp non-shortest", func() []byte { return edit(KeyExp, cat([]byte{0x1b, 0, 0, 0, 0}, ik(testEXP.Unix())[1:])) }},

	{"unknown key 2", func() []byte { return edit(noKey, nil, kv{ik(2), tv("x")}) }},
	{"unknown key 3", func() []byte { return edit(noKey, nil, kv{ik(3), tv("x")}) }},
	{"unknown key 5 (nbf)", func() []byte { return edit(noKey, nil, kv{ik(5), ik(1)}) }},
	{"unknown key 8", func() []byte { return edit(noKey, nil, kv{ik(8), ik(0)}) }},
	{"unknown key 255", func() []byte { return edit(noKey, nil, kv{ik(255), ik(0)}) }},
	{"unknown key -7", func() []byte { return edit(noKey, nil, kv{ik(-7), ik(0)}) }},
	{"unknown key -260 (hcert)", func() []byte { return edit(noKey, nil, kv{ik(-260), []byte{0xa0}}) }},
	{"unknown key -2^63", func() []byte { return edit(noKey, nil, kv{ik(-1 << 63), ik(0)}) }},
	{"key 2^63", func() []byte { return edit(noKey, nil, kv{cat([]byte{0x1b, 0x80}, make([]byte, 7)), ik(0)}) }},
	{"text key", func() []byte { return edit(noKey, nil, kv{tv("iss"), tv("x")}) }},
	{"bytes key", func() []byte { return edit(noKey, nil, kv{bv(nil), ik(0)}) }},

	{"extension invalid UTF-8", func() []byte { return edit(noKey, nil, kv{ik(256), []byte{0x61, 0xff}}) }},
	{"extension float", func() []byte { return edit(noKey, nil, kv{ik(256), []byte{0xf9, 0x3c, 0x00}}) }},
	{"extension undefined", func() []byte { return edit(noKey, nil, kv{ik(256), []byte{0xf7}}) }},
	{"extension tag", func() []byte { return edit(noKey, nil, kv{ik(256), []byte{0xc0, 0x60}}) }},
	{"extension indefinite", func() []byte { return edit(noKey, nil, kv{ik(256), []byte{0x9f, 0xff}}) }},
	{"extension non-shortest", func() []byte { return edit(noKey, nil, kv{ik(256), []byte{0x18, 0x01}}) }},
	{"extension too deep", func() []byte { return edit(noKey, nil, kv{ik(256), nest(MaxExtensionDepth, ik(0))}) }},
	{"extension [[[[]]]]", func() []byte { return edit(noKey, nil, kv{ik(256), nest(MaxExtensionDepth-1, []byte{0x80})}) }},
	{"extension {0:{0:{0:{}}}}", func() []byte {
		return edit(noKey, nil, kv{ik(256), []byte{0xa1, 0x00, 0xa1, 0x00, 0xa1, 0x00, 0xa0}})
	}},
	{"extension map unsorted", func() []byte { return edit(noKey, nil, kv{ik(1000), []byte{0xa2, 0x02, 0x00, 0x01, 0x00}}) }},
	{"extension map duplicate", func() []byte { return edit(noKey, nil, kv{ik(1000), []byte{0xa2, 0x01, 0x00, 0x01, 0x00}}) }},
	{"extension array swallowing the next claim", func() []byte { return edit(noKey, nil, kv{ik(1000), []byte{0x82, 0x00}}) }},
	{"extension key non-shortest", func() []byte { return edit(noKey, nil, kv{[]byte{0x1a, 0, 0, 1, 0}, ik(0)}) }},
	{"oversize extension string", func() []byte { return edit(noKey, nil, kv{ik(256), bv(make([]byte, MaxClaimsSize))}) }},

	{"duplicate iss", func() []byte { return edit(noKey, nil, kv{ik(KeyIss), tv("310000")}) }},
	{"duplicate extension", func() []byte { return edit(noKey, nil, kv{ik(256), ik(0)}, kv{ik(256), ik(0)}) }},
	{"keys out of order", func() []byte {
		p := minimalPairs()
		p[0], p[1] = p[1], p[0]
		return claimsMap(p...)
	}},
	{"negative key before positive", func() []byte {
		p := minimalPairs()
		return claimsMap(append(p[4:], p[:4]...)...)
	}},
	{"extension after -1", func() []byte { return claimsMap(append(minimalPairs(), kv{ik(256), ik(0)})...) }},
	{"trailing bytes", func() []byte { return cat(edit(noKey, nil), []byte{0x00}) }},
	{"two claims sets", func() []byte { return cat(edit(noKey, nil), edit(noKey, nil)) }},
	{"tag 61 (CWT)", func() []byte { return cat([]byte{0xd8, 0x3d}, edit(noKey, nil)) }},
	{"tag 55799", func() []byte { return cat([]byte{0xd9, 0xd9, 0xf7}, edit(noKey, nil)) }},
	{"indefinite map", func() []byte { b := edit(noKey, nil); b[0] = 0xbf; return append(b, 0xff) }},
	{"non-shortest map head", func() []byte { b := edit(noKey, nil); return cat([]byte{0xb8, b[0] & 0x1f}, b[1:]) }},
	{"map head counts one pair too many", func() []byte { b := edit(noKey, nil); b[0]++; return b }},
	{"too many claims", func() []byte {
		var extra []kv
		for k := int64(0); k < MaxClaims-5; k++ {
			extra = append(extra, kv{ik(MinExtensionKey + k), ik(0)})
		}
		return edit(noKey, nil, extra...)
	}},
	{"oversize", func() []byte { return edit(noKey, nil, kv{ik(256), bv(make([]byte, MaxClaimsSize-40))}) }},
}

func TestUnmarshalClaimsRejects(t *testing.T) {
	for _, tc := range badClaims {
		b := tc.in()
		p := fullPass()
		err := p.UnmarshalClaims(b)
		if !errors.Is(err, ErrInvalid) {
			t.Errorf("%s: UnmarshalClaims(%x) = %v, want ErrInvalid", tc.name, b, err)
		}
		if !reflect.DeepEqual(*p, Pass{}) {
			t.Errorf("%s: UnmarshalClaims left %+v after an error", tc.name, p)
		}
		if got, err := ParseClaims(b); got != nil || !errors.Is(err, ErrInvalid) {
			t.Errorf("%s: ParseClaims = %v, %v", tc.name, got, err)
		}
	}
}

func TestUnmarshalClaimsAccepts(t *testing.T) {
	want := minimalPass()
	for name, b := range map[string][]byte{
		"minimal":                     edit(noKey, nil),
		"extension 256":               edit(noKey, nil, kv{ik(256), ik(0)}),
		"extension 1000 with text":    edit(noKey, nil, kv{ik(1000), tv("ignored")}),
		"two extensions":              edit(noKey, nil, kv{ik(256), ik(-5)}, kv{ik(70000), bv([]byte{1})}),
		"extension map":               edit(noKey, nil, kv{ik(300), []byte{0xa2, 0x01, 0xf5, 0x61, 'a', 0xf6}}),
		"extension max key":           edit(noKey, nil, kv{ik(1<<63 - 1), ik(0)}),
		"extension nested to the max": edit(noKey, nil, kv{ik(256), nest(MaxExtensionDepth-1, ik(0))}),
		"extension [[[]]]":            edit(noKey, nil, kv{ik(256), nest(MaxExtensionDepth-2, []byte{0x80})}),
		"extension {0:{0:{0:0}}}":     edit(noKey, nil, kv{ik(256), []byte{0xa1, 0x00, 0xa1, 0x00, 0xa1, 0x00, 0x00}}),
		"extension of 32 claims": func() []byte {
			var extra []kv
			for k := int64(0); k < MaxClaims-6; k++ {
				extra = append(extra, kv{ik(MinExtensionKey + k), ik(0)})
			}
			return edit(noKey, nil, extra...)
		}(),
	} {
		got, err := ParseClaims(b)
		if err != nil {
			t.Errorf("%s: ParseClaims(%x): %v", name, b, err)
			continue
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s: ParseClaims = %+v, want %+v", name, got, want)
		}
	}
}

func TestUnmarshalClaimsEveryPrefix(t *testing.T) {
	b := mustClaims(t, fullPass())
	for i := 0; i < len(b); i++ {
		if _, err := ParseClaims(b[:i]); !errors.Is(err, ErrInvalid) {
			t.Errorf("prefix of %d bytes: %v", i, err)
		}
	}
}

// The parsed pass's byte slices alias the input.
func TestUnmarshalClaimsAliases(t *testing.T) {
	b := mustClaims(t, fullPass())
	p, err := ParseClaims(b)
	if err != nil {
		t.Fatal(err)
	}
	i := bytes.Index(b, p.NameHash)
	if i < 0 || &p.NameHash[0] != &b[i] {
		t.Error("NameHash does not alias the input")
	}
}

// claimsWithoutExtensions re-assembles an accepted claims set without its
// extension claims.
func claimsWithoutExtensions(t *testing.T, b []byte) []byte {
	r := cbor.NewReader(b, cbor.Limits{MaxDepth: 8})
	n, err := r.MapHeader()
	if err != nil {
		t.Fatal(err)
	}
	var pairs []byte
	kept := 0
	for i := 0; i < n; i++ {
		start := r.Offset()
		k, err := r.Int()
		if err != nil {
			t.Fatal(err)
		}
		if _, err := r.Skip(1); err != nil {
			t.Fatal(err)
		}
		if k < MinExtensionKey {
			pairs = append(pairs, b[start:r.Offset()]...)
			kept++
		}
	}
	return append(cbor.AppendHead(nil, cbor.Map, uint64(kept)), pairs...)
}

func FuzzClaims(f *testing.F) {
	seeds := [][]byte{
		mustClaims(f, minimalPass()),
		mustClaims(f, fullPass()),
		edit(noKey, nil, kv{ik(256), nest(2, tv("x"))}),
	}
	for _, tc := range badClaims {
		seeds = append(seeds, tc.in())
	}
	// The claims of every test vector whose COSE message parses.
	fromVectors := 0
	for _, m := range testvectors.COSEs() {
		if msg, err := cose.ParseSign1(m); err == nil {
			seeds = append(seeds, msg.Payload)
			fromVectors++
		}
	}
	if fromVectors == 0 {
		f.Fatal("no seeds from the test vectors")
	}
	if len(seeds) == 0 {
		f.Fatal("no seeds")
	}
	for _, s := range seeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		var p Pass
		err := p.UnmarshalClaims(b)
		if err != nil {
			if !errors.Is(err, ErrInvalid) {
				t.Fatalf("UnmarshalClaims(%x): error %v does not wrap ErrInvalid", b, err)
			}
			if !reflect.DeepEqual(p, Pass{}) {
				t.Fatalf("UnmarshalClaims(%x) failed but left %+v", b, p)
			}
			return
		}
		if err := p.Check(); err != nil {
			t.Fatalf("UnmarshalClaims(%x) accepted a pass that fails Check: %v", b, err)
		}
		got, err := p.AppendClaims(nil)
		if err != nil {
			t.Fatalf("AppendClaims: %v", err)
		}
		if want := claimsWithoutExtensions(t, b); !bytes.Equal(got, want) {
			t.Fatalf("UnmarshalClaims(%x) re-encodes to %x, want %x", b, got, want)
		}
	})
}
