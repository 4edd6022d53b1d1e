// Package page serves the holder page: the web page on the holder's
// phone that keeps a key the phone cannot give away, and shows a
// presentation of the holder's pass (SPEC §14) that it signs again every
// five seconds, so that a screenshot of it goes stale within seconds.
//
// The page is static: HTML, script, style, a QR encoder and a service
// worker, all embedded in this package, nothing from a CDN and no external
// fonts. At enrolment it makes a non-extractable P-256 key with WebCrypto,
// keeps it in IndexedDB, and sends its public half to the server, which
// answers with a pass bound to it. From then on it presents that pass,
// offline if need be (the service worker keeps the page's files), and asks
// for a new pass when it is online and the current one is past 80% of its
// lifetime.
//
// # Mounting
//
// A Handler is mounted at a path ending in "/", with that path stripped.
// Behind a reverse proxy, pass the browser's Host header on: API calls must
// name it in their Origin.
//
//	mux.Handle("/h/{link}/", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
//		b, err := backendFor(r.PathValue("link")) // look the link up; 404 if unknown
//		…
//		http.StripPrefix("/h/"+r.PathValue("link"), page.New(b)).ServeHTTP(w, r)
//	}))
//
// New is cheap (the files are embedded in the binary), so a server
// with one link per holder makes a Handler per request around a Backend
// for that holder. The page uses relative URLs only, so it works under any
// prefix; the prefix is the service worker's scope, and the page keeps its
// key in IndexedDB under its own path, so two holders' links opened on one
// phone keep two keys.
//
// # The API
//
// Two calls, both POST with a JSON body {"holder_key": "…"}, the
// holder's public key as 33 bytes (compressed P-256, SEC 1 §2.3.3) in
// unpadded base64url:
//
//	POST api/enrol   bind this key (Backend.Enrol) and return a pass bound to it
//	POST api/pass    return a current pass bound to this key (Backend.Renew)
//
// Both answer 200 with the pass and what the page shows about it, read
// from the pass by the handler (so the page needs no CBOR decoder):
//
//	{"pass": "HF1:…", "issuer": "310000", "colour": "yellow",
//	 "reason": "key_region_arrival", "hints": ["test_suggested"],
//	 "issued_at": 1780300800, "expires_at": 1780387200,
//	 "photo": "data:image/jpeg;base64,…", "server_time_ms": 1780300800123}
//
// reason and photo are left out when the pass has none; unknown codes are
// "reason_N" and "hint_N". The page keeps the answer in IndexedDB and
// presents from it, offline too. It takes server_time_ms as the time: it
// dates its presentations by its own clock corrected by the difference
// seen at the last answer, because a verifier refuses a presentation
// dated more than 30 seconds (by default) from its own clock, and phones'
// clocks can be further off than that. Errors are 4xx or 5xx with
// {"error": code, "detail": text}, where code is a stable snake_case
// reason: bad_request, bad_holder_key, method_not_allowed, cross_origin,
// unsupported_media_type, too_large, not_found, backend_error, or the
// code of one of the Err values a Backend returned.
//
// # Security
//
//   - The link is a bearer secret: whoever has its URL can enrol a key and
//     obtain the holder's pass. Serve it over HTTPS only (or on loopback),
//     never log its path, and revoke it (a new link) if it leaks. The page
//     sends no Referer (Referrer-Policy: no-referrer) and loads nothing
//     from elsewhere, so the link does not leak through the page itself.
//   - The private key never leaves the browser: it is generated with
//     extractable false, and IndexedDB's structured clone keeps it so. A
//     copied pass without the phone's key yields no fresh presentation.
//   - Content-Security-Policy allows scripts, styles, workers and fetches
//     from the page's own origin only, images from the origin and data:
//     URLs (the photo), no inline script or style, no framing, no forms.
//   - API calls must be same-origin: a JSON content type (which a foreign
//     page cannot send without a CORS preflight, and the handler answers no
//     preflight), an Origin header naming the request's Host, and
//     Sec-Fetch-Site same-origin where the browser sends it. Bodies are
//     limited to MaxRequestBody bytes and decoded strictly.
//   - API answers are Cache-Control: no-store; the page's files are
//     no-cache (always revalidated, so an update reaches the phone when it
//     is online; the service worker serves them when it is not).
//   - The handler checks that a pass from the Backend is a well-formed HF1
//     pass bound to the key in the request, and that a photo is an image
//     of at most MaxPhoto bytes, before passing them on; anything else is
//     a backend_error. It does not verify the pass's signature (it has no
//     trust list): stations do.
package page

import (
	"context"
	"embed"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"net/url"
	"path"
	"strings"
	"time"

	"github.com/hufu-project/hufu/internal/strictjson"
	"github.com/hufu-project/hufu/verifier"
)

// Limits on what the handler accepts and passes on.
const (
	// MaxRequestBody is the largest API request body, in bytes.
	MaxRequestBody = 1 << 10
	// MaxPhoto is the largest photo a Backend may return, in bytes. The
	// page keeps it, as a data: URL, with the pass for offline use.
	MaxPhoto = 1 << 20
	// KeySize is the size of a holder key: a compressed P-256 point.
	KeySize = 33
)

// Backend is where the handler gets passes: the registry, for a real
// holder, or a local issuer for trying the page. A Handler calls it with
// the request's context.
//
// Errors that the page should explain return (or wrap) one of the Err
// values; any other error is logged and answered with 500 backend_error,
// without its text.
type Backend interface {
	// Enrol binds key, the public key the page has made (KeySize bytes,
	// compressed P-256, already checked to be a point on the curve), to
	// the holder of this link, and returns a pass bound to it. Whether a
	// second key may replace the first (a new phone), and what happens to
	// the passes bound to the first, is the Backend's rule; if it refuses,
	// it returns ErrAlreadyEnrolled.
	Enrol(ctx context.Context, key []byte) (*Pass, error)
	// Renew returns a current pass bound to key, which must be the key
	// enrolled for this link (ErrNotEnrolled otherwise). It may return the
	// same pass as before if that one is not near its expiry, or a new one.
	Renew(ctx context.Context, key []byte) (*Pass, error)
}

// Pass is what a Backend returns.
type Pass struct {
	// Text is the pass, "HF1:…", bound to the holder's key.
	Text string
	// Photo is the holder's photo file (JPEG, PNG, GIF or WebP, at most
	// MaxPhoto bytes), or nil. The page shows it beside the code; the
	// pass should carry its digest, so that a station with the same photo
	// can match it.
	Photo []byte
}

// Error is an error the page explains to the holder. Code is a stable
// snake_case reason; Status the HTTP status it is answered with.
type Error struct {
	Code   string
	Status int
	Detail string // a sentence for the holder, in English
}

func (e *Error) Error() string { return "page: " + e.Code + ": " + e.Detail }

// Is reports whether target is an *Error with the same code, so that
// errors.Is(err, page.ErrNotEnrolled) holds for any not_enrolled error.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t.Code == e.Code
}

// Errors a Backend may return, and the handler's own.
var (
	// ErrNotEnrolled: Renew with a key that is not (or no longer) the key
	// enrolled for this link, e.g. after the holder enrolled another phone.
	ErrNotEnrolled = &Error{"not_enrolled", http.StatusConflict, "this device is not enrolled for this pass: enrol it again"}
	// ErrAlreadyEnrolled: Enrol refused because another device's key is
	// enrolled and the Backend does not replace it.
	ErrAlreadyEnrolled = &Error{"already_enrolled", http.StatusConflict, "another device is already enrolled for this pass"}
	// ErrNoPass: the holder has no pass to issue now (none issued, or
	// withdrawn).
	ErrNoPass = &Error{"no_pass", http.StatusNotFound, "there is no pass for this link at the moment"}

	errBadRequest = &Error{"bad_request", http.StatusBadRequest, ""}
	errBadKey     = &Error{"bad_holder_key", http.StatusBadRequest, "the holder key is not a compressed P-256 point"}
	errMethod     = &Error{"method_not_allowed", http.StatusMethodNotAllowed, "use POST"}
	errOrigin     = &Error{"cross_origin", http.StatusForbidden, "API calls must come from the holder page itself"}
	errMediaType  = &Error{"unsupported_media_type", http.StatusUnsupportedMediaType, "send application/json"}
	errTooLarge   = &Error{"too_large", http.StatusRequestEntityTooLarge, fmt.Sprintf("the request body is over %d bytes", MaxRequestBody)}
	errNotFound   = &Error{"not_found", http.StatusNotFound, "no such file"}
	errBackend    = &Error{"backend_error", http.StatusInternalServerError, "the pass could not be issued: try again later"}
	errBadPass    = &Error{"backend_error", http.StatusInternalServerError, "the server returned an unusable pass: try again later"}
)

//go:embed web
var files embed.FS

// assets are the page's files: name (as requested) → file and type.
var assets = map[string]struct{ file, ctype string }{
	"":                   {"web/index.html", "text/html; charset=utf-8"},
	"index.html":         {"web/index.html", "text/html; charset=utf-8"},
	"app.js":             {"web/app.js", "text/javascript; charset=utf-8"},
	"base45.js":          {"web/base45.js", "text/javascript; charset=utf-8"},
	"cbor.js":            {"web/cbor.js", "text/javascript; charset=utf-8"},
	"present.js":         {"web/present.js", "text/javascript; charset=utf-8"},
	"store.js":           {"web/store.js", "text/javascript; charset=utf-8"},
	"qrcode.mjs":         {"web/qrcode.mjs", "text/javascript; charset=utf-8"},
	"qrcode.LICENSE.txt": {"web/qrcode.LICENSE.txt", "text/plain; charset=utf-8"},
	"sw.js":              {"web/sw.js", "text/javascript; charset=utf-8"},
	"style.css":          {"web/style.css", "text/css; charset=utf-8"},
}

const csp = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
	"connect-src 'self'; worker-src 'self'; " +
	"base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

// Handler serves the holder page and its API. Make one with New.
type Handler struct {
	b   Backend
	now func() time.Time
}

// New returns a Handler that gets passes from b.
func New(b Backend) *Handler {
	if b == nil {
		panic("page: nil Backend")
	}
	return &Handler{b: b, now: time.Now}
}

func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	hd := w.Header()
	hd.Set("Content-Security-Policy", csp)
	hd.Set("Referrer-Policy", "no-referrer")
	hd.Set("X-Content-Type-Options", "nosniff")
	hd.Set("X-Frame-Options", "DENY")
	hd.Set("Cross-Origin-Opener-Policy", "same-origin")
	hd.Set("Cross-Origin-Resource-Policy", "same-origin")
	p := r.URL.Path
	if p == "" {
		// Mounted at "/x/", asked for "/x": relative URLs need the slash.
		// The redirect is relative ("x/"), so it cannot leave the site.
		if u, err := url.ParseRequestURI(r.RequestURI); err == nil && !strings.HasSuffix(u.Path, "/") {
			hd.Set("Cache-Control", "no-store")
			hd.Set("Location", path.Base(u.Path)+"/")
			w.WriteHeader(http.StatusFound)
			return
		}
	}
	name := strings.TrimPrefix(p, "/")
	switch name {
	case "api/enrol":
		h.api(w, r, h.b.Enrol)
		return
	case "api/pass":
		h.api(w, r, h.b.Renew)
		return
	}
	a, ok := assets[name]
	if !ok {
		writeError(w, errNotFound)
		return
	}
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		hd.Set("Allow", "GET, HEAD")
		writeError(w, &Error{errMethod.Code, errMethod.Status, "use GET"})
		return
	}
	b, err := files.ReadFile(a.file)
	if err != nil {
		panic("page: embedded file missing: " + a.file)
	}
	hd.Set("Content-Type", a.ctype)
	hd.Set("Cache-Control", "no-cache")
	w.Write(b)
}

type keyRequest struct {
	HolderKey string `json:"holder_key"`
}

// passJSON is the API's answer: the pass and what the page shows about it.
type passJSON struct {
	Pass      string   `json:"pass"`             // "HF1:…"
	Issuer    string   `json:"issuer"`           // iss
	Colour    string   `json:"colour"`           // green, yellow or red
	Reason    string   `json:"reason,omitempty"` // a reason name, or "reason_N"
	Hints     []string `json:"hints"`            // hint names, or "hint_N"
	IssuedAt  int64    `json:"issued_at"`        // iat, seconds since 1970
	ExpiresAt int64    `json:"expires_at"`       // exp, seconds since 1970
	Photo     string   `json:"photo,omitempty"`  // the photo as a data: URL
	Now       int64    `json:"server_time_ms"`   // the server's clock, ms since 1970
}

func (h *Handler) api(w http.ResponseWriter, r *http.Request, call func(context.Context, []byte) (*Pass, error)) {
	w.Header().Set("Cache-Control", "no-store")
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", "POST")
		writeError(w, errMethod)
		return
	}
	if !sameOrigin(r) {
		writeError(w, errOrigin)
		return
	}
	if mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || mt != "application/json" {
		writeError(w, errMediaType)
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxRequestBody))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			writeError(w, errTooLarge)
		} else {
			writeError(w, &Error{errBadRequest.Code, errBadRequest.Status, "the request body could not be read"})
		}
		return
	}
	var req keyRequest
	if err := strictjson.Unmarshal(body, &req, MaxRequestBody); err != nil {
		writeError(w, &Error{errBadRequest.Code, errBadRequest.Status, err.Error()})
		return
	}
	key, err := base64.RawURLEncoding.Strict().DecodeString(req.HolderKey)
	if err != nil || !validKey(key) {
		writeError(w, errBadKey)
		return
	}
	p, err := call(r.Context(), key)
	if err != nil {
		var he *Error
		if errors.As(err, &he) {
			writeError(w, he)
			return
		}
		slog.ErrorContext(r.Context(), "page: backend failed", "err", err)
		writeError(w, errBackend)
		return
	}
	out, err := h.describe(p, key)
	if err != nil {
		slog.ErrorContext(r.Context(), "page: backend returned an unusable pass", "err", err)
		writeError(w, errBadPass)
		return
	}
	writeJSON(w, http.StatusOK, out)
}

// describe checks p and reads what the page shows from it.
func (h *Handler) describe(p *Pass, key []byte) (*passJSON, error) {
	if p == nil {
		return nil, errors.New("page: nil pass")
	}
	u, err := verifier.InspectUnverified(p.Text)
	if err != nil {
		return nil, fmt.Errorf("page: pass: %w", err)
	}
	if u.Format != verifier.FormatHF1 || u.Pass == nil {
		return nil, fmt.Errorf("page: not an HF1 pass with valid claims: %v", u.Claim)
	}
	if err := checkBinding(u, key); err != nil {
		return nil, err
	}
	q := u.Pass
	out := &passJSON{
		Pass:      p.Text,
		Issuer:    q.Issuer,
		Colour:    q.Colour.String(),
		Hints:     q.Hints.Names(),
		IssuedAt:  q.IssuedAt.Unix(),
		ExpiresAt: q.ExpiresAt.Unix(),
		Now:       h.now().UnixMilli(),
	}
	if out.Hints == nil {
		out.Hints = []string{}
	}
	if q.Reason != 0 {
		out.Reason = q.Reason.String()
	}
	if p.Photo != nil {
		ct, err := CheckPhoto(p.Photo)
		if err != nil {
			return nil, err
		}
		out.Photo = "data:" + ct + ";base64," + base64.StdEncoding.EncodeToString(p.Photo)
	}
	return out, nil
}

// CheckPhoto reports whether photo is one the page can show: a JPEG, PNG,
// GIF or WebP file, by its content, of at most MaxPhoto bytes. It returns
// the photo's media type.
func CheckPhoto(photo []byte) (string, error) {
	if len(photo) > MaxPhoto {
		return "", fmt.Errorf("page: photo of %d bytes is over %d", len(photo), MaxPhoto)
	}
	ct := http.DetectContentType(photo)
	switch ct {
	case "image/jpeg", "image/png", "image/gif", "image/webp":
		return ct, nil
	}
	return "", fmt.Errorf("page: photo is %s, not JPEG, PNG, GIF or WebP", ct)
}

// sameOrigin reports whether r comes from a page of this origin.
func sameOrigin(r *http.Request) bool {
	o := r.Header.Get("Origin")
	if o == "" {
		return false
	}
	u, err := url.Parse(o)
	if err != nil || u.Host == "" || !strings.EqualFold(u.Host, r.Host) || (u.Scheme != "http" && u.Scheme != "https") {
		return false
	}
	if s := r.Header.Get("Sec-Fetch-Site"); s != "" && s != "same-origin" {
		return false
	}
	return true
}

func writeError(w http.ResponseWriter, e *Error) {
	status := e.Status
	if status < 400 || status > 599 {
		status = http.StatusInternalServerError
	}
	writeJSON(w, status, map[string]string{"error": e.Code, "detail": e.Detail})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		panic("page: " + err.Error()) // only our own types are written
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	w.Write(append(b, '\n'))
}
