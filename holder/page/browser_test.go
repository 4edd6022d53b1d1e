package page

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io/fs"
	"math/big"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hufu-project/hufu/holder"
	"github.com/hufu-project/hufu/internal/base45"
	"github.com/hufu-project/hufu/internal/cbor"
	"github.com/hufu-project/hufu/internal/cdptest"
	"github.com/hufu-project/hufu/internal/cose"
	"github.com/hufu-project/hufu/keys"
	"github.com/hufu-project/hufu/qr"
	"github.com/hufu-project/hufu/testvectors"
	"github.com/hufu-project/hufu/verifier"
)

// page is the holder page open in headless Chromium, served by a Handler
// around a test backend.
type page struct {
	t    *testing.T
	b    *testBackend
	srv  *httptest.Server
	url  string
	cdp  *cdptest.Conn
	shot string // where to keep the last screenshot, for a person to look at
}

func openPage(t *testing.T, b *testBackend) *page {
	return openPageWith(t, b, New(b), "en-US")
}

// openPageWith opens the page served by h in a browser whose language is
// lang.
func openPageWith(t *testing.T, b *testBackend, h *Handler, lang string) *page {
	mux := http.NewServeMux()
	mux.Handle("/h/0123456789abcdef/", http.StripPrefix("/h/0123456789abcdef", h))
	srv := httptest.NewServer(mux) // on 127.0.0.1: a secure context, as HTTPS is
	t.Cleanup(srv.Close)
	u := srv.URL + "/h/0123456789abcdef/"
	br := cdptest.Start(t, u, "--window-size=412,915", "--lang="+lang)
	p := &page{t: t, b: b, srv: srv, url: u, cdp: br.Page(t, srv.URL)}
	// HUFU_SCREENSHOTS=DIR keeps the screenshots there, for a person to
	// look at.
	p.shot = filepath.Join(t.TempDir(), "holder.png")
	if dir := os.Getenv("HUFU_SCREENSHOTS"); dir != "" {
		p.shot = filepath.Join(dir, "holder.png")
	}
	p.viewport(412, 915, 2)
	// The page target is listed as soon as its navigation starts: wait
	// for the page itself before anything that needs it (a reload while
	// the first document is still being swapped in fails with "Not
	// attached to an active page").
	p.waitState("enrol")
	if lang != "en-US" {
		// --lang does not reach navigator.language in headless mode; an
		// Accept-Language override does.
		var ua string
		p.eval(`navigator.userAgent`, &ua)
		if err := p.cdp.Call("Network.setUserAgentOverride", map[string]any{"userAgent": ua, "acceptLanguage": lang}, nil); err != nil {
			t.Fatal(err)
		}
		p.reload(nil)
		p.waitState("enrol")
	}
	var nl string
	p.eval(`navigator.language`, &nl)
	if nl != lang {
		t.Fatalf("navigator.language %q, want %q", nl, lang)
	}
	return p
}

// reload reloads the page and returns once the new document is there,
// so that what the caller waits for next is not seen in the old one.
func (p *page) reload(params map[string]any) {
	p.t.Helper()
	p.eval(`window.hufuTestBeforeReload = true`, nil)
	if err := p.cdp.Call("Page.reload", params, nil); err != nil {
		p.t.Fatal(err)
	}
	deadline := time.Now().Add(20 * time.Second)
	for {
		var fresh bool
		if err := p.cdp.Eval(`!window.hufuTestBeforeReload`, &fresh); err == nil && fresh {
			return
		}
		if time.Now().After(deadline) {
			p.t.Fatal("the page did not reload")
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func (p *page) viewport(w, h int, scale float64) {
	p.t.Helper()
	if err := p.cdp.SetViewport(w, h, scale, w < 760); err != nil {
		p.t.Fatal(err)
	}
}

// eval evaluates expr in the page and decodes its value into out.
func (p *page) eval(expr string, out any) {
	p.t.Helper()
	if err := p.cdp.Eval(expr, out); err != nil {
		p.t.Fatalf("%v\nin: %s", err, expr)
	}
}

func (p *page) state() string {
	var s string
	if err := p.cdp.Eval(`String((document.body && document.body.dataset.state) || '')`, &s); err != nil {
		return "" // between two documents
	}
	return s
}

// waitState waits until the page's state is want.
func (p *page) waitState(want string) {
	p.t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		if p.state() == want {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	var msg string
	p.eval(`document.getElementById('message').textContent`, &msg)
	p.t.Fatalf("page state %q, want %q; message %q", p.state(), want, msg)
}

// scan takes a screenshot and reads the QR code on it. It returns the
// text and the time the screenshot was taken.
func (p *page) scan() (string, time.Time) {
	p.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		at := time.Now()
		png, err := p.cdp.Screenshot()
		if err != nil {
			p.t.Fatal(err)
		}
		os.WriteFile(p.shot, png, 0o644)
		texts, err := qr.DecodeBytes(png)
		if err == nil && len(texts) == 1 {
			return texts[0], at
		}
		if time.Now().After(deadline) {
			p.t.Fatalf("no QR code read from the screenshot (%s): %v %q", p.shot, err, texts)
		}
		time.Sleep(100 * time.Millisecond) // the first frame may not be drawn yet
	}
}

// testPhoto is a small PNG standing in for the holder's photo.
func testPhoto(t *testing.T) []byte {
	img := image.NewRGBA(image.Rect(0, 0, 30, 40))
	for y := range 40 {
		for x := range 30 {
			img.Set(x, y, color.RGBA{uint8(200 - 4*y), 150, uint8(6 * x), 255})
		}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestBrowserPresentation is the holder page in real headless Chromium:
// enrol, present, screenshot, verify now and 60 seconds later, the key's
// non-extractability, the re-signing every five seconds, the layout from
// 360 to 1920 pixels, and presenting offline.
func TestBrowserPresentation(t *testing.T) {
	b, trust := newTestBackend(t)
	b.Photo = testPhoto(t)
	p := openPage(t, b)

	// 1. Enrol, and let the page show a presentation.
	p.eval(`document.getElementById('enrol').click(), true`, nil)
	p.waitState("presenting")
	key := b.enrolledKey()
	if len(key) != KeySize {
		t.Fatalf("the backend got a key of %d bytes", len(key))
	}

	// 2. Screenshot; the qr package reads it; the presentation verifies.
	text, at := p.scan()
	if !strings.HasPrefix(text, "HF1P:") {
		t.Fatalf("the code is %.20q…, not a presentation", text)
	}
	t1 := checkPresentationBytes(t, text, key, b.lastPass(), at)
	v1 := verifyPresentation(t, text, trust, at, "")
	t.Logf("presentation: %d characters, signed at %v, screenshot at %v", len(text), time.Unix(t1, 0).UTC(), at.UTC().Format(time.RFC3339Nano))

	// 3. The same screenshot 60 seconds later is stale.
	verifyPresentation(t, text, trust, at.Add(60*time.Second), "presentation_stale")

	// 4. The key cannot be exported.
	var k struct {
		Type        string   `json:"type"`
		Extractable bool     `json:"extractable"`
		Usages      []string `json:"usages"`
		Exported    []string `json:"exported"`
		Errors      []string `json:"errors"`
		Pub         string   `json:"pub"`
	}
	p.eval(`(async () => {
		const store = await import('./store.js');
		const rec = await store.load(location.pathname);
		const r = {type: rec.key.type, extractable: rec.key.extractable, usages: rec.key.usages, exported: [], errors: [],
			pub: Array.from(rec.pub, (x) => x.toString(16).padStart(2, '0')).join('')};
		for (const f of ['pkcs8', 'jwk', 'raw']) {
			try { await crypto.subtle.exportKey(f, rec.key); r.exported.push(f); } catch (e) { r.errors.push(e.name); }
		}
		return r;
	})()`, &k)
	if k.Type != "private" || k.Extractable || len(k.Exported) != 0 || len(k.Errors) != 3 || strings.Join(k.Usages, ",") != "sign" {
		t.Errorf("the stored key: %+v", k)
	}
	if k.Pub != hex.EncodeToString(key) {
		t.Errorf("stored public key %s, backend got %x", k.Pub, key)
	}

	// 5. Re-signed within five seconds: another presentation, still valid.
	var text2 string
	var at2 time.Time
	for deadline := time.Now().Add(15 * time.Second); ; time.Sleep(200 * time.Millisecond) {
		if text2, at2 = p.scan(); text2 != text {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the presentation did not change within 15 seconds")
		}
	}
	t2 := checkPresentationBytes(t, text2, key, b.lastPass(), at2)
	if t2 <= t1 {
		t.Errorf("re-signed at %d, not after %d", t2, t1)
	}
	v2 := verifyPresentation(t, text2, trust, at2, "")
	// What a station's replay check keys on: the presentation digest. The
	// same code read again has the same digest; the re-signed one another.
	if again := verifyPresentation(t, text, trust, at2, ""); again.Presentation.Digest != v1.Presentation.Digest {
		t.Error("the same presentation verified twice has two digests")
	}
	if v2.Presentation.Digest == v1.Presentation.Digest {
		t.Error("two presentations signed 5 seconds apart have the same digest")
	}
	// The same presentation scanned twice at a station is refused as
	// replayed; the re-signed one is not.
	stationReplay(t, trust, text, at, text2, at2)

	// What the page shows: the colour as a word and a colour, both
	// languages, the reason, the hint, the photo, a countdown.
	var shown struct {
		Word, Other, Background, Rows, Tick string
		Photo                               bool
	}
	show := `(() => { const $ = (id) => document.getElementById(id); return {
		word: $('colour-word').textContent, other: $('colour-other').textContent,
		background: getComputedStyle($('band')).backgroundColor, rows: $('rows').textContent,
		tick: $('tick').textContent, photo: !$('photo').hidden && $('photo').naturalWidth === 30 }; })()`
	p.eval(show, &shown)
	if shown.Word != "YELLOW" || shown.Other != "黄码" || shown.Background != "rgb(240, 192, 0)" ||
		!strings.Contains(shown.Rows, "arrived from a key region") || !strings.Contains(shown.Rows, "a test is suggested") ||
		!strings.HasPrefix(shown.Tick, "new code in ") || !shown.Photo {
		t.Errorf("English page shows %+v", shown)
	}
	p.eval(`document.getElementById('lang').click(), true`, nil)
	p.eval(show, &shown)
	if shown.Word != "黄码" || shown.Other != "YELLOW" || !strings.Contains(shown.Rows, "14 天内来自重点地区") ||
		!strings.Contains(shown.Rows, "建议做核酸检测") || !strings.Contains(shown.Tick, "秒后刷新") {
		t.Errorf("Chinese page shows %+v", shown)
	}

	// Layout: no horizontal overflow from 360 to 1920 pixels, and the
	// code stays whole and readable.
	for _, w := range []int{360, 412, 768, 1024, 1920} {
		p.viewport(w, 800, 1)
		time.Sleep(100 * time.Millisecond)
		var lay struct {
			Scroll, Inner, Right, Modules int
		}
		p.eval(`(() => { const r = document.getElementById('qr').getBoundingClientRect();
			return {scroll: document.documentElement.scrollWidth, inner: window.innerWidth, right: Math.ceil(r.right),
				modules: +document.getElementById('qr').dataset.modules}; })()`, &lay)
		if lay.Scroll > lay.Inner || lay.Right > lay.Inner || lay.Inner != w {
			t.Errorf("%d px wide: %+v", w, lay)
		}
		if dir := os.Getenv("HUFU_SCREENSHOTS"); dir != "" {
			if png, err := p.cdp.Screenshot(); err == nil {
				os.WriteFile(filepath.Join(dir, fmt.Sprintf("holder-%d.png", w)), png, 0o644)
			}
		}
		if w == 360 {
			got, at := p.scan()
			verifyPresentation(t, got, trust, at, "")
			t.Logf("360 px: a version %d code (%d modules) reads and verifies", (lay.Modules-17)/4, lay.Modules)
		}
	}

	// Offline: the service worker serves the page, which presents the
	// pass it kept.
	p.viewport(412, 915, 2)
	var sw bool
	p.eval(`navigator.serviceWorker.ready.then(() => !!navigator.serviceWorker.controller)`, &sw)
	if !sw {
		t.Fatal("no service worker controls the page")
	}
	p.srv.Close()
	p.reload(map[string]any{"ignoreCache": true})
	p.waitState("presenting")
	text3, at3 := p.scan()
	verifyPresentation(t, text3, trust, at3, "")
}

// checkPresentationBytes checks, independently of the verifier, that text
// is what SPEC §14 says: HF1P: + Base45 of 18([h'A10126', {}, payload,
// r||s]) with payload {1: the pass's COSE bytes, 2: time}, signed by key
// over the Sig_structure, at about the time at. It returns the time.
func checkPresentationBytes(t *testing.T, text string, key []byte, passText string, at time.Time) int64 {
	t.Helper()
	msg, err := base45.AppendDecode(nil, strings.TrimPrefix(text, "HF1P:"))
	if err != nil {
		t.Fatal(err)
	}
	r := cbor.NewReader(msg, cbor.Limits{MaxDepth: 4, MaxItems: 16, MaxLen: 4096})
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatalf("presentation %x: %v", msg, err)
		}
	}
	major, tag, err := r.Head()
	must(err)
	n, err := r.ArrayHeader()
	must(err)
	prot, err := r.Bytes()
	must(err)
	un, err := r.MapHeader()
	must(err)
	payload, err := r.Bytes()
	must(err)
	sig, err := r.Bytes()
	must(err)
	if major != 6 || tag != cose.TagSign1 || n != 4 || string(prot) != "\xa1\x01\x26" || un != 0 || len(sig) != 64 || !r.Done() {
		t.Fatalf("presentation envelope %x", msg)
	}
	pm := cbor.NewReader(payload, cbor.Limits{MaxDepth: 2, MaxItems: 8, MaxLen: 4096})
	pairs, err := pm.MapHeader()
	must(err)
	k1, err := pm.Int()
	must(err)
	passCOSE, err := pm.Bytes()
	must(err)
	k2, err := pm.Int()
	must(err)
	when, err := pm.Uint()
	must(err)
	wantPass, _ := base45.AppendDecode(nil, strings.TrimPrefix(passText, "HF1:"))
	if pairs != 2 || k1 != 1 || k2 != 2 || !pm.Done() || !bytes.Equal(passCOSE, wantPass) {
		t.Fatalf("presentation claims %x", payload)
	}
	// Signed in the 5-second slot of the screenshot, give or take a few
	// seconds for a loaded machine.
	if s := at.Unix(); int64(when) > s+3 || int64(when) < s-8 {
		t.Errorf("presentation time %d, screenshot at %d", when, s)
	}
	x, y := elliptic.UnmarshalCompressed(elliptic.P256(), key)
	pub := &ecdsa.PublicKey{Curve: elliptic.P256(), X: x, Y: y}
	h := sha256.Sum256(cose.AppendToBeSigned(nil, prot, payload))
	if !ecdsa.Verify(pub, h[:], new(big.Int).SetBytes(sig[:32]), new(big.Int).SetBytes(sig[32:])) {
		t.Fatalf("the holder signature does not verify with the enrolled key")
	}
	return int64(when)
}

// TestBrowserEncoders runs the page's CBOR, Base45 and COSE encoders in
// Chromium on fixed inputs and compares their bytes with the Go
// encoders' (internal/cbor, internal/base45, internal/cose).
func TestBrowserEncoders(t *testing.T) {
	b, _ := newTestBackend(t)
	p := openPage(t, b)
	var got struct {
		CBOR     []string `json:"cbor"`
		Refused  []string `json:"refused"`
		Base45   []string `json:"base45"`
		Decoded  []string `json:"decoded"`
		Bad45    []string `json:"bad45"`
		TBS      string   `json:"tbs"`
		Sign1    string   `json:"sign1"`
		Claims   string   `json:"claims"`
		Compress string   `json:"compress"`
	}
	p.eval(`(async () => {
		const c = await import('./cbor.js'), b45 = await import('./base45.js'), pr = await import('./present.js');
		const hex = (u) => Array.from(u, (x) => x.toString(16).padStart(2, '0')).join('');
		const bytes = (n, f) => Uint8Array.from({length: n}, (_, i) => (i * f + 7) & 0xff);
		const ints = [0, 1, 23, 24, 255, 256, 65535, 65536, 4294967295, 4294967296, 2 ** 53 - 1,
			-1, -24, -25, -256, -257, -65536, -65537, -4294967296, -4294967297, -(2 ** 53 - 1),
			18446744073709551615n, -18446744073709551616n];
		const texts = ['', 'a', '张三', 'x'.repeat(23), 'y'.repeat(24), 'z'.repeat(300)];
		const blobs = [0, 1, 23, 24, 255, 256, 70000].map((n) => bytes(n, 13));
		const nested = new c.Tag(18, [Uint8Array.of(0xa1, 1, 0x26), new Map(), new Map([[100, 'a'], ['a', -1], [-1, true], [10, null], [1, [false, []]]]), bytes(64, 5)]);
		const all = [...ints, ...texts, ...blobs, nested, new Map([[-7, bytes(33, 3)], [-1, 2], [4, 1780000000], [1, '310000']])];
		const refused = [];
		for (const v of [1.5, NaN, undefined, {}, new Map([[1, 1], [1n, 2]]), 2 ** 53, 18446744073709551616n]) {
			try { c.encode(v); refused.push('accepted'); } catch (e) { refused.push('refused'); }
		}
		const b45in = [new Uint8Array(0), Uint8Array.of(0), Uint8Array.of(255), Uint8Array.of(255, 255), new TextEncoder().encode('ietf!'), new TextEncoder().encode('Hello!!'), bytes(333, 31)];
		const bad45 = [];
		for (const s of ['GGW', 'A', 'ABCD', 'abc', '5Z', '::', 'BB8 ']) {
			try { b45.decode(s); bad45.push('accepted'); } catch (e) { bad45.push('refused'); }
		}
		const pass = bytes(168, 11), payload = pr.claims(pass, 1780000000);
		const raw = new Uint8Array(65); raw[0] = 4; raw.set(bytes(64, 17), 1);
		return {
			cbor: all.map((v) => hex(c.encode(v))), refused,
			base45: b45in.map(b45.encode), decoded: b45in.map((x) => hex(b45.decode(b45.encode(x)))), bad45,
			tbs: hex(pr.toBeSigned(pr.PROTECTED, payload)), sign1: hex(pr.sign1(pr.PROTECTED, payload, bytes(64, 5))),
			claims: hex(payload), compress: hex(pr.compressKey(raw)),
		};
	})()`, &got)

	seq := func(n, f int) []byte {
		b := make([]byte, n)
		for i := range b {
			b[i] = byte(i*f + 7)
		}
		return b
	}
	var want []string
	add := func(b []byte) { want = append(want, hex.EncodeToString(b)) }
	for _, v := range []int64{0, 1, 23, 24, 255, 256, 65535, 65536, 4294967295, 4294967296, 1<<53 - 1,
		-1, -24, -25, -256, -257, -65536, -65537, -4294967296, -4294967297, -(1<<53 - 1)} {
		add(cbor.AppendInt(nil, v))
	}
	add(cbor.AppendHead(nil, 0, 1<<64-1))
	add(cbor.AppendHead(nil, 1, 1<<64-1))
	for _, s := range []string{"", "a", "张三", strings.Repeat("x", 23), strings.Repeat("y", 24), strings.Repeat("z", 300)} {
		add(cbor.AppendText(nil, s))
	}
	for _, n := range []int{0, 1, 23, 24, 255, 256, 70000} {
		add(cbor.AppendBytes(nil, seq(n, 13)))
	}
	// 18([h'A10126', {}, {1: [false, []], 10: null, 100: "a", -1: true, "a": -1}, sig]):
	// map keys in bytewise order of their encodings (01, 0A, 1864, 20, 6161).
	nested := cbor.AppendHead(nil, 6, 18)
	nested = cbor.AppendHead(nested, 4, 4)
	nested = cbor.AppendBytes(nested, []byte{0xa1, 1, 0x26})
	nested = cbor.AppendHead(nested, 5, 0)
	nested = cbor.AppendHead(nested, 5, 5)
	nested = append(cbor.AppendInt(nested, 1), 0x82, 0xf4, 0x80)
	nested = append(cbor.AppendInt(nested, 10), 0xf6)
	nested = cbor.AppendText(cbor.AppendInt(nested, 100), "a")
	nested = append(cbor.AppendInt(nested, -1), 0xf5)
	nested = cbor.AppendInt(cbor.AppendText(nested, "a"), -1)
	nested = cbor.AppendBytes(nested, seq(64, 5))
	add(nested)
	claims := cbor.AppendHead(nil, 5, 4)
	claims = cbor.AppendText(cbor.AppendInt(claims, 1), "310000")
	claims = cbor.AppendInt(cbor.AppendInt(claims, 4), 1780000000)
	claims = cbor.AppendInt(cbor.AppendInt(claims, -1), 2)
	claims = cbor.AppendBytes(cbor.AppendInt(claims, -7), seq(33, 3))
	add(claims)
	if strings.Join(got.CBOR, " ") != strings.Join(want, " ") {
		for i := range max(len(got.CBOR), len(want)) {
			var g, w string
			if i < len(got.CBOR) {
				g = got.CBOR[i]
			}
			if i < len(want) {
				w = want[i]
			}
			if g != w {
				t.Errorf("cbor item %d: javascript %.80s…, go %.80s…", i, g, w)
			}
		}
	}
	if s := strings.Join(got.Refused, ","); s != strings.Repeat("refused,", 6)+"refused" {
		t.Errorf("the CBOR encoder accepted what it must refuse: %s", s)
	}

	b45in := [][]byte{{}, {0}, {255}, {255, 255}, []byte("ietf!"), []byte("Hello!!"), seq(333, 31)}
	for i, in := range b45in {
		if i >= len(got.Base45) || got.Base45[i] != base45.EncodeToString(in) || got.Decoded[i] != hex.EncodeToString(in) {
			t.Errorf("base45 of %x: javascript %q, go %q", in, got.Base45, base45.EncodeToString(in))
		}
	}
	if got.Base45[4] != "QED8WEX0" || got.Base45[5] != "%69 VD92EX0" { // RFC 9285 §4.3
		t.Errorf("base45 of the RFC's examples: %q", got.Base45[4:6])
	}
	if s := strings.Join(got.Bad45, ","); s != strings.Repeat("refused,", 6)+"refused" {
		t.Errorf("base45 decoder accepted what it must refuse: %s", s)
	}

	payload := cbor.AppendHead(nil, 5, 2)
	payload = cbor.AppendBytes(cbor.AppendInt(payload, 1), seq(168, 11))
	payload = cbor.AppendInt(cbor.AppendInt(payload, 2), 1780000000)
	prot := []byte{0xa1, 0x01, 0x26}
	for _, c := range []struct{ name, got, want string }{
		{"claims", got.Claims, hex.EncodeToString(payload)},
		{"Sig_structure", got.TBS, hex.EncodeToString(cose.AppendToBeSigned(nil, prot, payload))},
		{"COSE_Sign1", got.Sign1, hex.EncodeToString(cose.AppendSign1(nil, prot, payload, seq(64, 5)))},
	} {
		if c.got != c.want {
			t.Errorf("%s: javascript %s, go %s", c.name, c.got, c.want)
		}
	}
	raw := append([]byte{4}, seq(64, 17)...)
	if want := fmt.Sprintf("%02x%x", 2|raw[64]&1, raw[1:33]); got.Compress != want {
		t.Errorf("compressed key: javascript %s, want %s", got.Compress, want)
	}
}

// TestBrowserRenewal: a page whose pass is past 80% of its lifetime asks
// for a new one, and presents it. The server's clock, which the page
// takes over, is 50 minutes ahead: no test waits for a pass to age.
func TestBrowserRenewal(t *testing.T) {
	b, trust := newTestBackend(t)
	b.Claims.Validity = time.Hour
	ahead := 50 * time.Minute
	h := New(b)
	h.now = func() time.Time { return time.Now().Add(ahead) }
	p := openPageWith(t, b, h, "en-US")
	p.eval(`document.getElementById('enrol').click(), true`, nil)
	p.waitState("presenting")
	for deadline := time.Now().Add(10 * time.Second); b.callLog() != "enrol,renew"; time.Sleep(50 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("no renewal: backend calls %s", b.callLog())
		}
	}
	renewed := b.lastPass()
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(200 * time.Millisecond) {
		text, at := p.scan()
		v := verifyPresentation(t, text, trust, at.Add(ahead), "")
		if string(v.ID) == string(mustInspect(t, renewed).ID) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the page does not present the renewed pass")
		}
	}
	if calls := b.callLog(); calls != "enrol,renew" {
		t.Errorf("backend calls %s, want one renewal (the next waits a minute)", calls)
	}
}

// TestBrowserExpired: a pass past its expiry, with no newer one to be
// had, is not presented; the page says why, in the browser's language
// (Chinese here).
func TestBrowserExpired(t *testing.T) {
	b, _ := newTestBackend(t)
	b.Claims.Validity = time.Hour
	h := New(b)
	h.now = func() time.Time { return time.Now().Add(61 * time.Minute) }
	p := openPageWith(t, b, h, "zh-CN")
	p.eval(`document.getElementById('enrol').click(), true`, nil)
	p.waitState("expired")
	var shown struct {
		Message, Visibility string
	}
	p.eval(`({message: document.getElementById('message').textContent,
		visibility: getComputedStyle(document.getElementById('qr')).visibility})`, &shown)
	if shown.Message != "通行码已过期：请联网以获取新码" || shown.Visibility != "hidden" {
		t.Errorf("expired page shows %+v", shown)
	}
	png, err := p.cdp.Screenshot()
	if err != nil {
		t.Fatal(err)
	}
	if texts, err := qr.DecodeBytes(png); err == nil {
		t.Errorf("an expired pass is still presented: %.20q", texts)
	}
}

// TestBrowserSpecVectors: the page's own presentation code, given the
// holder key, pass and time of SPEC's presentation vectors, makes the
// vectors' message byte for byte up to the signature (WebCrypto's ECDSA
// is randomised, the vectors' is RFC 6979), and the verifier admits it
// with the vector's trust, clock and challenge, and the vector's digest.
func TestBrowserSpecVectors(t *testing.T) {
	b, _ := newTestBackend(t)
	p := openPage(t, b)
	d := sha256.Sum256([]byte("hufu test vector key holder 0"))
	hk, err := ecdsa.ParseRawPrivateKey(elliptic.P256(), d[:])
	if err != nil {
		t.Fatal(err)
	}
	b64 := func(x []byte) string { return base64.RawURLEncoding.EncodeToString(x) }
	jwk := fmt.Sprintf(`{kty: 'EC', crv: 'P-256', d: '%s', x: '%s', y: '%s'}`,
		b64(d[:]), b64(hk.X.FillBytes(make([]byte, 32))), b64(hk.Y.FillBytes(make([]byte, 32))))
	for _, name := range []string{"present_valid", "present_challenge"} {
		t.Run(name, func(t *testing.T) {
			raw, err := fs.ReadFile(testvectors.FS(), name+".json")
			if err != nil {
				t.Fatal(err)
			}
			var v testvectors.Vector
			if err := json.Unmarshal(raw, &v); err != nil {
				t.Fatal(err)
			}
			want, _ := hex.DecodeString(v.COSEHex)
			msg, err := cose.ParsePresentation(want)
			if err != nil {
				t.Fatal(err)
			}
			claims, err := holder.ParseClaims(msg.Payload)
			if err != nil {
				t.Fatal(err)
			}
			passText := "HF1:" + base45.EncodeToString(claims.Pass)
			challenge := "undefined"
			if claims.Challenge != nil {
				challenge = fmt.Sprintf("Uint8Array.from(%s)", mustJSON(t, claims.Challenge))
			}
			var text string
			p.eval(fmt.Sprintf(`(async () => {
				const pr = await import('./present.js');
				const key = await crypto.subtle.importKey('jwk', %s, {name: 'ECDSA', namedCurve: 'P-256'}, false, ['sign']);
				return pr.presentation(%q, key, %d, %s);
			})()`, jwk, passText, claims.Time.Unix(), challenge), &text)
			got, err := base45.AppendDecode(nil, strings.TrimPrefix(text, "HF1P:"))
			if err != nil || !strings.HasPrefix(text, "HF1P:") {
				t.Fatalf("%q: %v", text, err)
			}
			if len(got) != len(want) || !bytes.Equal(got[:len(got)-64], want[:len(want)-64]) {
				t.Fatalf("javascript made\n%x\nthe vector is\n%x", got, want)
			}
			trust, err := keys.ParseTrust(v.Trust)
			if err != nil {
				t.Fatal(err)
			}
			now, _ := time.Parse(time.RFC3339, v.Now)
			opts := verifier.Options{Now: now}
			if v.ChallengeHex != "" {
				opts.Challenge, _ = hex.DecodeString(v.ChallengeHex)
			}
			vp, err := verifier.Verify(text, trust, opts)
			if err != nil {
				t.Fatal(err)
			}
			if hex.EncodeToString(vp.Presentation.Digest[:]) != v.Expect.Presentation.Digest {
				t.Errorf("digest %x, want %s", vp.Presentation.Digest, v.Expect.Presentation.Digest)
			}
		})
	}
}

func mustJSON(t *testing.T, b []byte) string {
	ints := make([]int, len(b))
	for i, x := range b {
		ints[i] = int(x)
	}
	j, err := json.Marshal(ints)
	if err != nil {
		t.Fatal(err)
	}
	return string(j)
}
