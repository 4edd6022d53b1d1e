package page

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hufu-project/hufu/issuer"
	"github.com/hufu-project/hufu/keys"
	"github.com/hufu-project/hufu/pass"
)

// fixedKey returns the P-256 key whose scalar is SHA-256(label).
func fixedKey(t testing.TB, label string) *ecdsa.PrivateKey {
	t.Helper()
	d := sha256.Sum256([]byte(label))
	k, err := ecdsa.ParseRawPrivateKey(elliptic.P256(), d[:])
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// testBackend is a Local with a fixed issuer key that also logs its
// calls, fails on request, and remembers the last pass it issued.
type testBackend struct {
	Local

	logMu sync.Mutex
	calls []string
	fail  error  // returned by the next call, if set
	last  string // the last pass issued
}

func newTestBackend(t testing.TB) (*testBackend, *keys.TrustFile) {
	t.Helper()
	priv := fixedKey(t, "hufu holder test issuer")
	is, err := issuer.New(priv, "310000", 7*24*time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	kid, err := keys.KID(&priv.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	trust, err := keys.NewTrust(&keys.Key{KID: kid, Alg: keys.ES256, Public: &priv.PublicKey, Issuers: []string{"310000"}})
	if err != nil {
		t.Fatal(err)
	}
	b := &testBackend{Local: Local{Issuer: is, Claims: issuer.Claims{
		Name:     "张三",
		Colour:   pass.Yellow,
		Reason:   pass.KeyRegionArrival,
		Hints:    pass.TestSuggested,
		Validity: 24 * time.Hour,
	}}}
	return b, trust
}

func (b *testBackend) call(name string, f func() (*Pass, error)) (*Pass, error) {
	b.logMu.Lock()
	b.calls = append(b.calls, name)
	err := b.fail
	b.fail = nil
	b.logMu.Unlock()
	if err != nil {
		return nil, err
	}
	p, err := f()
	if err == nil {
		b.logMu.Lock()
		b.last = p.Text
		b.logMu.Unlock()
	}
	return p, err
}

func (b *testBackend) Enrol(ctx context.Context, key []byte) (*Pass, error) {
	return b.call("enrol", func() (*Pass, error) { return b.Local.Enrol(ctx, key) })
}

func (b *testBackend) Renew(ctx context.Context, key []byte) (*Pass, error) {
	return b.call("renew", func() (*Pass, error) { return b.Local.Renew(ctx, key) })
}

func (b *testBackend) lastPass() string {
	b.logMu.Lock()
	defer b.logMu.Unlock()
	return b.last
}

func (b *testBackend) callLog() string {
	b.logMu.Lock()
	defer b.logMu.Unlock()
	return strings.Join(b.calls, ",")
}

func (b *testBackend) enrolledKey() []byte {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.key
}

// holderKey returns a compressed holder key for tests.
func holderKey(t testing.TB, label string) []byte {
	k := fixedKey(t, label)
	return elliptic.MarshalCompressed(elliptic.P256(), k.X, k.Y)
}

func keyBody(key []byte) string {
	return `{"holder_key":"` + base64.RawURLEncoding.EncodeToString(key) + `"}`
}

type apiCase struct {
	name    string
	method  string
	path    string
	body    string
	hdr     map[string]string
	status  int
	code    string
	backend error
}

// do sends one request to h as a same-origin page would, with c's changes.
func do(t *testing.T, h http.Handler, c apiCase) *http.Response {
	t.Helper()
	method := c.method
	if method == "" {
		method = http.MethodPost
	}
	req := httptest.NewRequest(method, "http://holder.example"+c.path, strings.NewReader(c.body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Origin", "http://holder.example")
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	for k, v := range c.hdr {
		if v == "" {
			req.Header.Del(k)
		} else {
			req.Header.Set(k, v)
		}
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec.Result()
}

// TestAPIRefuses: every bad request gets its status and a JSON error with
// a stable code; the backend is not called for any of them.
func TestAPIRefuses(t *testing.T) {
	good := keyBody(holderKey(t, "holder"))
	offCurve := append([]byte{2}, make([]byte, 32)...)
	for x, _ := elliptic.UnmarshalCompressed(elliptic.P256(), offCurve); x != nil; x, _ = elliptic.UnmarshalCompressed(elliptic.P256(), offCurve) {
		offCurve[32]++ // until x³ − 3x + b is not a square mod p
	}
	big := `{"holder_key":"` + strings.Repeat("A", MaxRequestBody) + `"}`
	for _, c := range []apiCase{
		{name: "get", method: "GET", path: "/api/enrol", status: 405, code: "method_not_allowed"},
		{name: "put", method: "PUT", path: "/api/pass", body: good, status: 405, code: "method_not_allowed"},
		{name: "options", method: "OPTIONS", path: "/api/enrol", status: 405, code: "method_not_allowed"},
		{name: "no origin", path: "/api/enrol", body: good, hdr: map[string]string{"Origin": ""}, status: 403, code: "cross_origin"},
		{name: "other origin", path: "/api/enrol", body: good, hdr: map[string]string{"Origin": "http://evil.example"}, status: 403, code: "cross_origin"},
		{name: "origin null", path: "/api/enrol", body: good, hdr: map[string]string{"Origin": "null"}, status: 403, code: "cross_origin"},
		{name: "cross-site fetch", path: "/api/enrol", body: good, hdr: map[string]string{"Sec-Fetch-Site": "cross-site"}, status: 403, code: "cross_origin"},
		{name: "form post", path: "/api/enrol", body: "holder_key=x", hdr: map[string]string{"Content-Type": "application/x-www-form-urlencoded"}, status: 415, code: "unsupported_media_type"},
		{name: "text plain", path: "/api/enrol", body: good, hdr: map[string]string{"Content-Type": "text/plain"}, status: 415, code: "unsupported_media_type"},
		{name: "too large", path: "/api/enrol", body: big, status: 413, code: "too_large"},
		{name: "empty", path: "/api/enrol", body: "", status: 400, code: "bad_request"},
		{name: "not json", path: "/api/enrol", body: "{", status: 400, code: "bad_request"},
		{name: "unknown field", path: "/api/enrol", body: `{"holder_key":"x","more":1}`, status: 400, code: "bad_request"},
		{name: "duplicate field", path: "/api/enrol", body: `{"holder_key":"x","holder_key":"y"}`, status: 400, code: "bad_request"},
		{name: "trailing", path: "/api/enrol", body: good + "{}", status: 400, code: "bad_request"},
		{name: "no key", path: "/api/enrol", body: `{}`, status: 400, code: "bad_holder_key"},
		{name: "padded base64", path: "/api/enrol", body: `{"holder_key":"` + base64.RawURLEncoding.EncodeToString(holderKey(t, "h")) + `="}`, status: 400, code: "bad_holder_key"},
		{name: "std base64", path: "/api/enrol", body: `{"holder_key":"` + strings.NewReplacer("-", "+", "_", "/").Replace(base64.RawURLEncoding.EncodeToString(holderKey(t, "h"))) + `"}`, status: 400, code: "bad_holder_key"},
		{name: "uncompressed key", path: "/api/enrol", body: keyBody(elliptic.Marshal(elliptic.P256(), fixedKey(t, "h").X, fixedKey(t, "h").Y)), status: 400, code: "bad_holder_key"},
		{name: "short key", path: "/api/enrol", body: keyBody(holderKey(t, "h")[:32]), status: 400, code: "bad_holder_key"},
		{name: "bad prefix byte", path: "/api/enrol", body: keyBody(append([]byte{4}, holderKey(t, "h")[1:]...)), status: 400, code: "bad_holder_key"},
		{name: "off the curve", path: "/api/enrol", body: keyBody(offCurve), status: 400, code: "bad_holder_key"},
		{name: "unknown api", path: "/api/other", body: good, status: 404, code: "not_found"},
		{name: "unknown file", method: "GET", path: "/secret.txt", status: 404, code: "not_found"},
		{name: "dot dot", method: "GET", path: "/../holder.go", status: 404, code: "not_found"},
		{name: "embedded dir", method: "GET", path: "/web/app.js", status: 404, code: "not_found"},
		{name: "post a file", path: "/app.js", body: good, status: 405, code: "method_not_allowed"},
	} {
		t.Run(c.name, func(t *testing.T) {
			b, _ := newTestBackend(t)
			resp := do(t, New(b), c)
			checkError(t, resp, c.status, c.code)
			if b.callLog() != "" {
				t.Errorf("backend called: %s", b.callLog())
			}
		})
	}
}

func checkError(t *testing.T, resp *http.Response, status int, code string) {
	t.Helper()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != status {
		t.Fatalf("status %d, want %d: %s", resp.StatusCode, status, body)
	}
	if ct := resp.Header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type %q", ct)
	}
	var e struct{ Error, Detail string }
	if err := json.Unmarshal(body, &e); err != nil {
		t.Fatalf("%v: %s", err, body)
	}
	if e.Error != code || e.Detail == "" {
		t.Errorf("error %q (%q), want %q with a detail", e.Error, e.Detail, code)
	}
}

// TestAPIBackendErrors: the backend's Err values reach the page with
// their code; any other error is a 500 that does not show its text.
func TestAPIBackendErrors(t *testing.T) {
	good := keyBody(holderKey(t, "holder"))
	for _, c := range []apiCase{
		{name: "already enrolled", path: "/api/enrol", backend: fmt.Errorf("registry: link 7: %w", ErrAlreadyEnrolled), status: 409, code: "already_enrolled"},
		{name: "no pass", path: "/api/pass", backend: ErrNoPass, status: 404, code: "no_pass"},
		{name: "backend error with a success status", path: "/api/pass", backend: &Error{Code: "odd", Status: 200, Detail: "d"}, status: 500, code: "odd"},
		{name: "secret failure", path: "/api/enrol", backend: errors.New("db password wrong"), status: 500, code: "backend_error"},
	} {
		t.Run(c.name, func(t *testing.T) {
			b, _ := newTestBackend(t)
			b.key = holderKey(t, "holder")
			b.fail = c.backend
			c.body = good
			resp := do(t, New(b), c)
			if c.status == 500 {
				body, _ := io.ReadAll(resp.Body)
				if strings.Contains(string(body), "password") {
					t.Fatalf("the backend's error text reached the page: %s", body)
				}
				resp.Body = io.NopCloser(strings.NewReader(string(body)))
			}
			checkError(t, resp, c.status, c.code)
		})
	}
	// Renew with a key that is not the enrolled one.
	b, _ := newTestBackend(t)
	b.key = holderKey(t, "another phone")
	checkError(t, do(t, New(b), apiCase{path: "/api/pass", body: good}), 409, "not_enrolled")
}

// badPassBackend returns a fixed, unusable answer.
type badPassBackend struct{ p *Pass }

func (b badPassBackend) Enrol(context.Context, []byte) (*Pass, error) { return b.p, nil }
func (b badPassBackend) Renew(context.Context, []byte) (*Pass, error) { return b.p, nil }

// TestAPIBadPass: a pass the page could not present, or a photo it should
// not show, is the backend's fault: 500, and nothing of it passes on.
func TestAPIBadPass(t *testing.T) {
	tb, _ := newTestBackend(t)
	key := holderKey(t, "holder")
	okPass, err := tb.issue(key)
	if err != nil {
		t.Fatal(err)
	}
	otherKeyPass, err := tb.issue(holderKey(t, "another phone"))
	if err != nil {
		t.Fatal(err)
	}
	unbound, err := tb.Issuer.Issue(tb.Claims)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name string
		p    *Pass
	}{
		{"not holder-bound", &Pass{Text: unbound}},
		{"nil", nil},
		{"empty", &Pass{}},
		{"not a pass", &Pass{Text: "hello"}},
		{"garbled", &Pass{Text: okPass.Text[:40]}},
		{"eu dcc prefix", &Pass{Text: "HC1:" + okPass.Text[4:]}},
		{"photo not an image", &Pass{Text: okPass.Text, Photo: []byte("<html><script>alert(1)</script>")}},
		{"photo too large", &Pass{Text: okPass.Text, Photo: append([]byte("\xff\xd8\xff\xe0"), make([]byte, MaxPhoto)...)}},
		{"bound to another key", otherKeyPass},
	} {
		t.Run(c.name, func(t *testing.T) {
			checkError(t, do(t, New(badPassBackend{c.p}), apiCase{path: "/api/enrol", body: keyBody(key)}), 500, "backend_error")
		})
	}
}

// TestAPIEnrolAndRenew: the answer carries the pass and what the page
// shows of it.
func TestAPIEnrolAndRenew(t *testing.T) {
	b, _ := newTestBackend(t)
	b.Photo = append([]byte("\xff\xd8\xff\xe0\x00\x10JFIF\x00"), make([]byte, 100)...)
	h := New(b)
	h.now = func() time.Time { return time.UnixMilli(1_780_000_000_123) }
	key := holderKey(t, "holder")
	for _, path := range []string{"/api/enrol", "/api/pass"} {
		resp := do(t, h, apiCase{path: path, body: keyBody(key)})
		body, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != 200 {
			t.Fatalf("%s: %d %s", path, resp.StatusCode, body)
		}
		if cc := resp.Header.Get("Cache-Control"); cc != "no-store" {
			t.Errorf("%s: Cache-Control %q", path, cc)
		}
		var p passJSON
		if err := json.Unmarshal(body, &p); err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(p.Pass, "HF1:") || p.Issuer != "310000" || p.Colour != "yellow" ||
			p.Reason != "key_region_arrival" || len(p.Hints) != 1 || p.Hints[0] != "test_suggested" ||
			p.ExpiresAt-p.IssuedAt != 24*3600 || p.Now != 1_780_000_000_123 ||
			!strings.HasPrefix(p.Photo, "data:image/jpeg;base64,") {
			t.Errorf("%s: %s", path, body)
		}
	}
	if got := b.callLog(); got != "enrol,renew" {
		t.Errorf("backend calls %s", got)
	}
}

// TestFiles: the page's files are served with their types, revalidated
// (no-cache), under a strict Content-Security-Policy, and the redirect
// from the prefix without its slash keeps the prefix.
func TestFiles(t *testing.T) {
	b, _ := newTestBackend(t)
	mux := http.NewServeMux()
	mux.Handle("/h/tok/", http.StripPrefix("/h/tok", New(b)))
	for name, a := range assets {
		resp := do(t, mux, apiCase{method: "GET", path: "/h/tok/" + name})
		body, _ := io.ReadAll(resp.Body)
		want, _ := files.ReadFile(a.file)
		if resp.StatusCode != 200 || string(body) != string(want) {
			t.Errorf("%q: %d, %d bytes", name, resp.StatusCode, len(body))
		}
		h := resp.Header
		if h.Get("Content-Type") != a.ctype || h.Get("Cache-Control") != "no-cache" ||
			h.Get("Referrer-Policy") != "no-referrer" || h.Get("X-Content-Type-Options") != "nosniff" {
			t.Errorf("%q: headers %v", name, h)
		}
		csp := h.Get("Content-Security-Policy")
		if !strings.Contains(csp, "script-src 'self';") || strings.Contains(csp, "unsafe") || !strings.Contains(csp, "default-src 'none'") {
			t.Errorf("%q: CSP %q", name, csp)
		}
	}
	resp := do(t, http.StripPrefix("/h/tok", New(b)), apiCase{method: "GET", path: "/h/tok"})
	if resp.StatusCode != http.StatusFound {
		t.Fatalf("/h/tok: %d", resp.StatusCode)
	}
	if loc := resp.Header.Get("Location"); loc != "tok/" {
		t.Errorf("/h/tok redirects to %q", loc)
	}
}

// TestNoInlineScript: the page has no inline script or style and loads
// nothing from another origin, so the CSP needs no exception.
func TestNoInlineScript(t *testing.T) {
	entries, err := files.ReadDir("web")
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		b, _ := files.ReadFile("web/" + e.Name())
		s := string(b)
		if strings.HasSuffix(e.Name(), ".html") {
			for _, bad := range []string{"<script>", "style=", "onclick", "onload", "<style"} {
				if strings.Contains(s, bad) {
					t.Errorf("%s contains %q", e.Name(), bad)
				}
			}
		}
		if e.Name() == "qrcode.mjs" || e.Name() == "qrcode.LICENSE.txt" {
			continue // vendored: its comments name its home page
		}
		for _, bad := range []string{"http://", "https://", "//cdn", "fonts.googleapis"} {
			if strings.Contains(s, bad) {
				t.Errorf("%s refers to %q", e.Name(), bad)
			}
		}
	}
	if len(entries) != len(assets)-1 { // "" and "index.html" are one file
		t.Errorf("%d embedded files, %d served", len(entries), len(assets)-1)
	}
}
