package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/subtle"
	"embed"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"image"
	"image/jpeg"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/hufu-project/hufu/qr"
	"github.com/hufu-project/hufu/verifier"
)

// The camera page: HTML, script and style, embedded so that the station
// needs nothing from the network.
//
//go:embed web/index.html web/app.js web/style.css
var webFiles embed.FS

// webServer serves the camera page and its API on a loopback address.
// Every request must name the station's secret token in its path
// (/t/TOKEN/…) or it is not found, and must carry a Host header naming the
// loopback address (a page on another site that resolves its own name to
// 127.0.0.1, DNS rebinding, is refused). API calls must also carry the
// token in the X-Hufu-Token header, which no other page can add without a
// CORS preflight, and the server answers no preflight.
type webServer struct {
	s     *station
	ln    net.Listener
	token string
	url   string
	hosts map[string]bool
	srv   *http.Server

	mu    sync.Mutex
	fatal error
}

// Limits on camera frames.
const (
	maxFramePixels = 1920 * 1080
	maxFrameJPEG   = 8 << 20
	minFrameSide   = 16
)

// The content type of a raw frame: w×h bytes of luminance, row by row,
// with ?w=W&h=H in the URL.
const greyFrameType = "application/x-hufu-grey"

func newWebServer(s *station, ln net.Listener) (*webServer, error) {
	tcp, ok := ln.Addr().(*net.TCPAddr)
	if !ok || !tcp.IP.IsLoopback() {
		return nil, fmt.Errorf("%v is not a loopback address", ln.Addr())
	}
	tok := make([]byte, 16)
	rand.Read(tok)
	w := &webServer{s: s, ln: ln, token: hex.EncodeToString(tok)}
	port := strconv.Itoa(tcp.Port)
	w.hosts = map[string]bool{}
	for _, h := range []string{"127.0.0.1", "localhost", "[::1]", tcp.IP.String()} {
		if strings.Contains(h, ":") && !strings.HasPrefix(h, "[") {
			h = "[" + h + "]"
		}
		w.hosts[h+":"+port] = true
	}
	w.url = "http://" + ln.Addr().String() + "/t/" + w.token + "/"
	w.srv = &http.Server{
		Handler:           w,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      30 * time.Second,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    16 << 10,
	}
	return w, nil
}

// serve serves until ctx is done, and returns the error that stopped the
// station, if any.
func (w *webServer) serve(ctx context.Context) error {
	go func() {
		<-ctx.Done()
		w.srv.Close()
	}()
	err := w.srv.Serve(w.ln)
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.fatal != nil {
		return w.fatal
	}
	if errors.Is(err, http.ErrServerClosed) {
		return nil
	}
	return err
}

func (w *webServer) ServeHTTP(rw http.ResponseWriter, r *http.Request) {
	h := rw.Header()
	h.Set("Cache-Control", "no-store")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Content-Security-Policy", "default-src 'none'; script-src 'self'; style-src 'self'; "+
		"img-src 'self' blob: data:; media-src 'self' blob: mediastream:; connect-src 'self'; "+
		"base-uri 'none'; form-action 'none'; frame-ancestors 'none'")
	if !w.hosts[r.Host] {
		http.Error(rw, "forbidden: wrong host", http.StatusForbidden)
		return
	}
	rest, ok := strings.CutPrefix(r.URL.Path, "/t/")
	tok, sub, slash := strings.Cut(rest, "/")
	if !ok || subtle.ConstantTimeCompare([]byte(tok), []byte(w.token)) != 1 {
		http.NotFound(rw, r)
		return
	}
	if !slash {
		http.Redirect(rw, r, "/t/"+w.token+"/", http.StatusFound)
		return
	}
	if strings.HasPrefix(sub, "api/") && !w.apiAllowed(r) {
		http.Error(rw, "forbidden", http.StatusForbidden)
		return
	}
	switch {
	case sub == "" || sub == "index.html":
		w.file(rw, r, "web/index.html", "text/html; charset=utf-8")
	case sub == "app.js":
		w.file(rw, r, "web/app.js", "text/javascript; charset=utf-8")
	case sub == "style.css":
		w.file(rw, r, "web/style.css", "text/css; charset=utf-8")
	case sub == "api/config":
		if r.Method != http.MethodGet {
			http.Error(rw, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		writeJSONResponse(rw, map[string]any{"lang": w.s.lang, "site": w.s.site, "guard": w.s.guard})
	case sub == "api/frame":
		w.frame(rw, r)
	case strings.HasPrefix(sub, "photo/"):
		w.photo(rw, r, strings.TrimPrefix(sub, "photo/"))
	default:
		http.NotFound(rw, r)
	}
}

// apiAllowed checks what an API call must carry besides the token in its
// path: the token in a header, and if the browser names an origin, this
// one.
func (w *webServer) apiAllowed(r *http.Request) bool {
	if subtle.ConstantTimeCompare([]byte(r.Header.Get("X-Hufu-Token")), []byte(w.token)) != 1 {
		return false
	}
	if o := r.Header.Get("Origin"); o != "" && o != "http://"+r.Host {
		return false
	}
	if s := r.Header.Get("Sec-Fetch-Site"); s != "" && s != "same-origin" {
		return false
	}
	return true
}

func (w *webServer) file(rw http.ResponseWriter, r *http.Request, name, ctype string) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		http.Error(rw, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	b, err := webFiles.ReadFile(name)
	if err != nil {
		http.NotFound(rw, r)
		return
	}
	rw.Header().Set("Content-Type", ctype)
	rw.Write(b)
}

// frameResponse is the API's answer to a camera frame.
type frameResponse struct {
	Found   bool     `json:"found"`            // a code was read
	Seen    bool     `json:"seen"`             // a code was seen but could not be read
	Repeat  bool     `json:"repeat,omitempty"` // the same scan as moments ago
	Verdict *verdict `json:"verdict,omitempty"`
	Display *display `json:"display,omitempty"`
	Micros  int64    `json:"micros"` // time spent on the frame
}

// frame decodes a camera frame, checks the codes in it, and answers with
// the verdict of the most serious one. The name typed on the page comes in
// X-Hufu-Name (percent-encoded), and in X-Hufu-Name-For the ID of the pass
// it was typed for: it is checked against that pass only, or against any
// pass if the header is empty (typed before the pass was shown).
func (w *webServer) frame(rw http.ResponseWriter, r *http.Request) {
	start := time.Now()
	if r.Method != http.MethodPost {
		http.Error(rw, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	img, err := readFrame(rw, r)
	if err != nil {
		http.Error(rw, err.Error(), http.StatusBadRequest)
		return
	}
	name, err := url.PathUnescape(r.Header.Get("X-Hufu-Name"))
	if err != nil {
		name = ""
	}
	name = strings.TrimSpace(name)
	resp := &frameResponse{}
	texts, err := qr.DecodeFrame(img)
	if err != nil {
		resp.Seen = errors.Is(err, qr.ErrUnreadable)
		resp.Micros = time.Since(start).Microseconds()
		writeJSONResponse(rw, resp)
		return
	}
	nameFor := r.Header.Get("X-Hufu-Name-For")
	var best *scanResult
	for _, text := range texts {
		name := name
		if nameFor != "" {
			// The name was typed for the pass on the page: not for another.
			if u, err := verifier.InspectUnverified(text); err != nil || u.Pass == nil || u.Pass.ID.String() != nameFor {
				name = ""
			}
		}
		res, err := w.s.check(text, "web", name)
		if err != nil {
			w.mu.Lock()
			w.fatal = err
			w.mu.Unlock()
			http.Error(rw, "the scan log cannot be written: the station has stopped", http.StatusInternalServerError)
			go w.srv.Close()
			return
		}
		if best == nil || severity(res.v) > severity(best.v) {
			best = res
		}
	}
	resp.Found, resp.Repeat, resp.Verdict = true, best.repeat, best.v
	resp.Display = w.s.displayFor(best.v)
	if resp.Display.Photo != "" {
		resp.Display.Photo = "photo/" + hex.EncodeToString(best.pass.PhotoDigest)
	}
	resp.Micros = time.Since(start).Microseconds()
	writeJSONResponse(rw, resp)
}

// readFrame reads a grey or JPEG frame from the request body.
func readFrame(rw http.ResponseWriter, r *http.Request) (image.Image, error) {
	switch ct := r.Header.Get("Content-Type"); ct {
	case greyFrameType:
		q := r.URL.Query()
		fw, err1 := strconv.Atoi(q.Get("w"))
		fh, err2 := strconv.Atoi(q.Get("h"))
		if err1 != nil || err2 != nil || fw < minFrameSide || fh < minFrameSide || fw > maxFramePixels/fh {
			return nil, errors.New("bad frame size")
		}
		pix := make([]byte, fw*fh)
		if _, err := io.ReadFull(http.MaxBytesReader(rw, r.Body, int64(fw*fh)), pix); err != nil {
			return nil, fmt.Errorf("frame: %v", err)
		}
		return &image.Gray{Pix: pix, Stride: fw, Rect: image.Rect(0, 0, fw, fh)}, nil
	case "image/jpeg":
		b, err := io.ReadAll(http.MaxBytesReader(rw, r.Body, maxFrameJPEG))
		if err != nil {
			return nil, fmt.Errorf("frame: %v", err)
		}
		cfg, err := jpeg.DecodeConfig(bytes.NewReader(b))
		if err != nil || cfg.Width < minFrameSide || cfg.Height < minFrameSide || cfg.Width > maxFramePixels/cfg.Height {
			return nil, errors.New("bad jpeg frame")
		}
		return jpeg.Decode(bytes.NewReader(b))
	default:
		return nil, fmt.Errorf("content type %q: want %s or image/jpeg", ct, greyFrameType)
	}
}

// photo serves the photo with the given digest from the photo folder.
func (w *webServer) photo(rw http.ResponseWriter, r *http.Request, digest string) {
	d, err := hex.DecodeString(digest)
	if err != nil || r.Method != http.MethodGet {
		http.NotFound(rw, r)
		return
	}
	path := w.s.photos.lookup(d)
	if path == "" {
		http.NotFound(rw, r)
		return
	}
	b, err := readFileLimited(path, maxPhotoFile)
	if err != nil {
		http.NotFound(rw, r)
		return
	}
	ct := http.DetectContentType(b)
	if !strings.HasPrefix(ct, "image/") {
		http.NotFound(rw, r)
		return
	}
	rw.Header().Set("Content-Type", ct)
	rw.Write(b)
}

func writeJSONResponse(rw http.ResponseWriter, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		http.Error(rw, err.Error(), http.StatusInternalServerError)
		return
	}
	rw.Header().Set("Content-Type", "application/json")
	rw.Write(b)
}

// severity orders verdicts for a frame with several codes.
func severity(v *verdict) int {
	switch {
	case !v.Valid && !v.Undecided:
		return 5
	case v.Undecided:
		return 4
	case v.Decision == "deny":
		return 3
	case v.Passback:
		return 2
	case v.Decision == "observe":
		return 1
	}
	return 0
}
