// Package web is the camera page of a guard station as an http.Handler:
// a page (HTML, script and style, embedded) that reads the laptop camera
// in the browser and posts frames, and the small API behind it. Any
// program can mount it; "hufu scan -web" serves it on a loopback address.
// It decodes frames with package qr, so the station core stays free of
// image packages.
package web

import (
	"bytes"
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
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/hufu-project/hufu/qr"
	"github.com/hufu-project/hufu/station"
	"github.com/hufu-project/hufu/verdict"
	"github.com/hufu-project/hufu/verifier"
)

// The camera page: HTML, script and style, embedded so that the station
// needs nothing from the network.
//
//go:embed assets/index.html assets/app.js assets/style.css
var files embed.FS

// Handler serves the camera page and its API. Every request must name
// the handler's secret token in its path (/t/TOKEN/…) or it is not found,
// and must carry a Host header naming the address the handler was made
// for (a page on another site that resolves its own name to 127.0.0.1,
// DNS rebinding, is refused). API calls must also carry the token in the
// X-Hufu-Token header, which no other page can add without a CORS
// preflight, and the handler answers no preflight.
//
// A frame whose scan cannot be logged gets status 500, and the station
// has stopped (station.Station.Done): the program serving the handler
// should stop too.
type Handler struct {
	s     *station.Station
	token string
	hosts map[string]bool
}

// Limits on camera frames.
const (
	MaxFramePixels = 1920 * 1080
	MaxFrameJPEG   = 8 << 20
	minFrameSide   = 16
	maxPhotoFile   = 16 << 20
)

// GreyFrameType is the content type of a raw frame: w×h bytes of
// luminance, row by row, with ?w=W&h=H in the URL.
const GreyFrameType = "application/x-hufu-grey"

// New returns the handler of station s, to be served on the loopback
// address addr, with a new random token.
func New(s *station.Station, addr net.Addr) (*Handler, error) {
	tcp, ok := addr.(*net.TCPAddr)
	if !ok || !tcp.IP.IsLoopback() {
		return nil, fmt.Errorf("web: %v is not a loopback address", addr)
	}
	tok := make([]byte, 16)
	rand.Read(tok)
	w := &Handler{s: s, token: hex.EncodeToString(tok)}
	port := strconv.Itoa(tcp.Port)
	w.hosts = map[string]bool{}
	for _, h := range []string{"127.0.0.1", "localhost", "[::1]", tcp.IP.String()} {
		if strings.Contains(h, ":") && !strings.HasPrefix(h, "[") {
			h = "[" + h + "]"
		}
		w.hosts[h+":"+port] = true
	}
	return w, nil
}

// Path is the page's path, with the secret token: "/t/TOKEN/".
func (w *Handler) Path() string { return "/t/" + w.token + "/" }

// Token is the secret token.
func (w *Handler) Token() string { return w.token }

func (w *Handler) ServeHTTP(rw http.ResponseWriter, r *http.Request) {
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
		w.file(rw, r, "assets/index.html", "text/html; charset=utf-8")
	case sub == "app.js":
		w.file(rw, r, "assets/app.js", "text/javascript; charset=utf-8")
	case sub == "style.css":
		w.file(rw, r, "assets/style.css", "text/css; charset=utf-8")
	case sub == "api/config":
		if r.Method != http.MethodGet {
			http.Error(rw, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		writeJSONResponse(rw, map[string]any{"lang": w.s.Lang(), "site": w.s.Site(), "guard": w.s.Guard()})
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
func (w *Handler) apiAllowed(r *http.Request) bool {
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

func (w *Handler) file(rw http.ResponseWriter, r *http.Request, name, ctype string) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		http.Error(rw, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	b, err := files.ReadFile(name)
	if err != nil {
		http.NotFound(rw, r)
		return
	}
	rw.Header().Set("Content-Type", ctype)
	rw.Write(b)
}

// FrameResponse is the API's answer to a camera frame (POST api/frame).
type FrameResponse struct {
	Found   bool             `json:"found"`   // a code was read
	Seen    bool             `json:"seen"`    // a code was seen but could not be read
	Repeat  bool             `json:"repeat"`  // the same scan as moments ago
	Verdict *verdict.Verdict `json:"verdict"` // null when no code was read
	Display *station.Display `json:"display"` // null when no code was read
	Micros  int64            `json:"micros"`  // time spent on the frame
}

// frame decodes a camera frame, checks the codes in it, and answers with
// the verdict of the most serious one. The name typed on the page comes in
// X-Hufu-Name (percent-encoded), and in X-Hufu-Name-For the ID of the pass
// it was typed for: it is checked against that pass only, or against any
// pass if the header is empty (typed before the pass was shown).
func (w *Handler) frame(rw http.ResponseWriter, r *http.Request) {
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
	resp := &FrameResponse{}
	texts, err := qr.DecodeFrame(img)
	if err != nil {
		resp.Seen = errors.Is(err, qr.ErrUnreadable)
		resp.Micros = time.Since(start).Microseconds()
		writeJSONResponse(rw, resp)
		return
	}
	nameFor := r.Header.Get("X-Hufu-Name-For")
	var best *station.Result
	for _, text := range texts {
		name := name
		if nameFor != "" {
			// The name was typed for the pass on the page: not for another.
			if u, err := verifier.InspectUnverified(text); err != nil || u.Pass == nil || u.Pass.ID.String() != nameFor {
				name = ""
			}
		}
		res, err := w.s.Check(text, "web", name)
		if err != nil {
			http.Error(rw, "the scan log cannot be written: the station has stopped", http.StatusInternalServerError)
			return
		}
		if best == nil || res.Verdict.Severity() > best.Verdict.Severity() {
			best = res
		}
	}
	resp.Found, resp.Repeat, resp.Verdict = true, best.Outcome == station.Repeat, best.Verdict
	resp.Display = best.Display
	if resp.Display.Photo != "" {
		resp.Display.Photo = "photo/" + hex.EncodeToString(best.Verdict.Pass.PhotoDigest)
	}
	resp.Micros = time.Since(start).Microseconds()
	writeJSONResponse(rw, resp)
}

// readFrame reads a grey or JPEG frame from the request body.
func readFrame(rw http.ResponseWriter, r *http.Request) (image.Image, error) {
	switch ct := r.Header.Get("Content-Type"); ct {
	case GreyFrameType:
		q := r.URL.Query()
		fw, err1 := strconv.Atoi(q.Get("w"))
		fh, err2 := strconv.Atoi(q.Get("h"))
		if err1 != nil || err2 != nil || fw < minFrameSide || fh < minFrameSide || fw > MaxFramePixels/fh {
			return nil, errors.New("bad frame size")
		}
		pix := make([]byte, fw*fh)
		if _, err := io.ReadFull(http.MaxBytesReader(rw, r.Body, int64(fw*fh)), pix); err != nil {
			return nil, fmt.Errorf("frame: %v", err)
		}
		return &image.Gray{Pix: pix, Stride: fw, Rect: image.Rect(0, 0, fw, fh)}, nil
	case "image/jpeg":
		b, err := io.ReadAll(http.MaxBytesReader(rw, r.Body, MaxFrameJPEG))
		if err != nil {
			return nil, fmt.Errorf("frame: %v", err)
		}
		cfg, err := jpeg.DecodeConfig(bytes.NewReader(b))
		if err != nil || cfg.Width < minFrameSide || cfg.Height < minFrameSide || cfg.Width > MaxFramePixels/cfg.Height {
			return nil, errors.New("bad jpeg frame")
		}
		return jpeg.Decode(bytes.NewReader(b))
	default:
		return nil, fmt.Errorf("content type %q: want %s or image/jpeg", ct, GreyFrameType)
	}
}

// photo serves the photo with the given digest from the photo folder.
func (w *Handler) photo(rw http.ResponseWriter, r *http.Request, digest string) {
	d, err := hex.DecodeString(digest)
	if err != nil || r.Method != http.MethodGet {
		http.NotFound(rw, r)
		return
	}
	path := w.s.PhotoFile(d)
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

func readFileLimited(path string, max int64) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, max+1))
	if err != nil {
		return nil, err
	}
	if int64(len(b)) > max {
		return nil, fmt.Errorf("%s: larger than %d bytes", path, max)
	}
	return b, nil
}
