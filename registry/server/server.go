// Package server is the registry's HTTP API (SPEC.md section 15): a thin
// http.Handler over registry.Service, with bearer-token authentication,
// bounded request bodies, JSON errors with stable codes, Prometheus
// metrics at /metrics and structured logs.
package server

import (
	"context"
	"crypto"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/hufu-project/hufu/holder/page"
	"github.com/hufu-project/hufu/internal/strictjson"
	"github.com/hufu-project/hufu/qr"
	"github.com/hufu-project/hufu/registry"
	"github.com/hufu-project/hufu/verdict"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Body limits.
const (
	DefaultMaxBody = 64 << 10  // any request but the feed
	DefaultMaxFeed = 256 << 20 // the feed, read whole before any line is applied
)

// Options configure a Server.
type Options struct {
	Service *registry.Service
	// Root signs the bundles that POST /v1/publish writes to OutDir;
	// without it the call answers "unavailable".
	Root    crypto.Signer
	OutDir  string
	Merge   [][]byte // revocation exports to merge into every bundle, and into the help desk's check (POST /v1/verify)
	MaxBody int64    // zero means DefaultMaxBody
	MaxFeed int64    // zero means DefaultMaxFeed
	Log     *slog.Logger
}

// Server serves the API.
type Server struct {
	o    Options
	mux  *http.ServeMux
	http *http.Server
	m    metrics
}

type metrics struct {
	reg         *prometheus.Registry
	issued      prometheus.Counter
	changes     prometheus.Counter
	revocations prometheus.Counter
	feedLines   *prometheus.CounterVec
	publish     prometheus.Histogram
	requests    *prometheus.CounterVec
	verdicts    *prometheus.CounterVec
}

// New returns a Server for o.
func New(o Options) *Server {
	if o.Service == nil {
		panic("server: New without a Service")
	}
	if o.MaxBody == 0 {
		o.MaxBody = DefaultMaxBody
	}
	if o.MaxFeed == 0 {
		o.MaxFeed = DefaultMaxFeed
	}
	if o.Log == nil {
		o.Log = slog.Default()
	}
	s := &Server{o: o, mux: http.NewServeMux()}
	s.m.reg = prometheus.NewRegistry()
	f := func(c prometheus.Collector) { s.m.reg.MustRegister(c) }
	s.m.issued = prometheus.NewCounter(prometheus.CounterOpts{Name: "hufu_registry_passes_issued_total", Help: "Passes issued."})
	s.m.changes = prometheus.NewCounter(prometheus.CounterOpts{Name: "hufu_registry_status_changes_total", Help: "Status or name changes applied."})
	s.m.revocations = prometheus.NewCounter(prometheus.CounterOpts{Name: "hufu_registry_revocations_total", Help: "Passes revoked."})
	s.m.feedLines = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "hufu_registry_feed_lines_total", Help: "Feed lines by result."}, []string{"result"})
	s.m.publish = prometheus.NewHistogram(prometheus.HistogramOpts{Name: "hufu_registry_publish_duration_seconds", Help: "Time to build, sign and write a bundle.",
		Buckets: prometheus.ExponentialBuckets(0.005, 2, 14)})
	s.m.requests = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "hufu_registry_http_requests_total", Help: "API requests by status code."}, []string{"code"})
	f(s.m.issued)
	f(s.m.changes)
	f(s.m.revocations)
	f(s.m.feedLines)
	f(s.m.publish)
	s.m.verdicts = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "hufu_registry_verdicts_total", Help: "Codes checked by POST /v1/verify, by decision."}, []string{"decision"})
	f(s.m.requests)
	f(s.m.verdicts)
	f(collectors.NewGoCollector())

	ops := func(roles ...registry.Role) []registry.Role { return roles }
	s.route("POST", "/v1/holders", ops(registry.Registrar), false, s.register)
	s.route("PUT", "/v1/holders/{id}/status", ops(registry.Health), false, s.status)
	s.route("POST", "/v1/feed", ops(registry.Health), false, s.feed)
	s.route("POST", "/v1/holders/{id}/registration", ops(registry.Registrar), true, s.registration)
	s.route("GET", "/v1/holders/{id}/pass", ops(registry.Reader), true, s.pass)
	s.route("POST", "/v1/holders/{id}/appeals", ops(registry.Registrar), true, s.appeal)
	s.route("POST", "/v1/appeals/{id}/resolve", ops(registry.Appeals), false, s.resolve)
	s.route("POST", "/v1/publish", ops(registry.Publisher), false, s.publish)
	// Checking a code is for the help desk: appeals, which hears the
	// holder who was turned away, and reader, which may see any pass.
	s.route("POST", "/v1/verify", ops(registry.Appeals, registry.Reader), false, s.verify)
	s.mux.HandleFunc("/h/{link}/", s.holderPage)
	s.mux.Handle("GET /metrics", promhttp.HandlerFor(s.m.reg, promhttp.HandlerOpts{}))
	s.mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		s.fail(w, r, registry.Errorf(registry.NotFound, "no API call %s %s", r.Method, logPath(r)))
	})
	s.http = &http.Server{
		Handler:           s,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       5 * time.Minute, // a large feed takes a while to upload
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    16 << 10,
		ErrorLog:          slog.NewLogLogger(o.Log.Handler(), slog.LevelWarn),
	}
	return s
}

// Handler returns the API's http.Handler.
func (s *Server) Handler() http.Handler { return s }

// ServeHTTP implements http.Handler: it logs every request and turns a
// panic into a 500 with code "internal".
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	rw := &statusWriter{ResponseWriter: w, code: 200}
	defer func() {
		if v := recover(); v != nil {
			if v == http.ErrAbortHandler {
				panic(v)
			}
			s.o.Log.Error("panic", "method", r.Method, "path", logPath(r), "panic", v)
			if !rw.wrote {
				s.fail(rw, r, &registry.Error{Code: registry.Internal, Detail: "see the server log"})
			}
		}
		s.m.requests.WithLabelValues(http.StatusText(rw.code)).Inc()
		s.o.Log.Info("request", "method", r.Method, "path", logPath(r), "status", rw.code,
			"duration_ms", float64(time.Since(start).Microseconds())/1000, "remote", r.RemoteAddr)
	}()
	s.mux.ServeHTTP(rw, r)
}

type statusWriter struct {
	http.ResponseWriter
	code  int
	wrote bool
}

func (w *statusWriter) WriteHeader(code int) {
	if !w.wrote {
		w.code, w.wrote = code, true
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	w.wrote = true
	return w.ResponseWriter.Write(b)
}

type handler func(w http.ResponseWriter, r *http.Request, p registry.Principal) error

// route registers method path for the given operator roles; holderOK lets
// a holder call it on its own {id}. Other methods on the path get a JSON
// 405.
func (s *Server) route(method, path string, roles []registry.Role, holderOK bool, h handler) {
	s.mux.HandleFunc(method+" "+path, func(w http.ResponseWriter, r *http.Request) {
		p, err := s.authorize(r, roles, holderOK)
		if err == nil {
			err = h(w, r, p)
		}
		if err != nil {
			s.fail(w, r, err)
		}
	})
	s.mux.HandleFunc(path, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Allow", method)
		s.fail(w, r, registry.Errorf(registry.MethodNotAllowed, "%s takes %s", path, method))
	})
}

func (s *Server) authorize(r *http.Request, roles []registry.Role, holderOK bool) (registry.Principal, error) {
	auth := r.Header.Get("Authorization")
	tok, ok := strings.CutPrefix(auth, "Bearer ")
	if !ok || tok == "" {
		return registry.Principal{}, registry.Errorf(registry.Unauthorized, "an Authorization: Bearer token is required")
	}
	p, err := s.o.Service.Authenticate(r.Context(), strings.TrimSpace(tok))
	if err != nil {
		return p, err
	}
	if p.IsHolder() {
		if holderOK && r.PathValue("id") == p.HolderID {
			return p, nil
		}
		return p, registry.Errorf(registry.Forbidden, "a holder's link token reaches only its own pass, appeals and registration")
	}
	for _, role := range roles {
		if p.Role == role {
			return p, nil
		}
	}
	return p, registry.Errorf(registry.Forbidden, "role %s may not make this call", p.Role)
}

// errorBody is the JSON of every error response.
type errorBody struct {
	Error  registry.Code `json:"error"`
	Detail string        `json:"detail"`
}

func (s *Server) fail(w http.ResponseWriter, r *http.Request, err error) {
	var e *registry.Error
	if !errors.As(err, &e) {
		e = &registry.Error{Code: registry.Internal, Err: err}
	}
	body := errorBody{Error: e.Code, Detail: e.Detail}
	if e.Err != nil && e.Code != registry.Internal {
		if body.Detail != "" {
			body.Detail += ": "
		}
		body.Detail += e.Err.Error()
	}
	status := registry.HTTPStatus(e.Code)
	if status >= 500 {
		s.o.Log.Error("request failed", "method", r.Method, "path", logPath(r), "error", err)
		if e.Code == registry.Internal {
			body.Detail = "see the server log"
		}
	}
	if e.Code == registry.Unauthorized {
		w.Header().Set("WWW-Authenticate", `Bearer realm="hufu registry"`)
	}
	writeJSON(w, status, body)
}

func writeJSON(w http.ResponseWriter, status int, v any) error {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}

// readBody reads the whole body, at most limit bytes.
func readBody(w http.ResponseWriter, r *http.Request, limit int64) ([]byte, error) {
	if r.ContentLength > limit {
		return nil, registry.Errorf(registry.TooLarge, "body of %d bytes, limit %d", r.ContentLength, limit)
	}
	data, err := io.ReadAll(http.MaxBytesReader(w, r.Body, limit))
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return nil, registry.Errorf(registry.TooLarge, "body over the limit of %d bytes", limit)
	}
	if err != nil {
		return nil, registry.Errorf(registry.BadRequest, "reading the body: %v", err)
	}
	return data, nil
}

// decode reads a JSON body strictly into v.
func (s *Server) decode(w http.ResponseWriter, r *http.Request, v any) error {
	data, err := readBody(w, r, s.o.MaxBody)
	if err != nil {
		return err
	}
	if err := strictjson.Unmarshal(data, v, int(s.o.MaxBody)); err != nil {
		return &registry.Error{Code: registry.BadRequest, Err: err}
	}
	return nil
}

func (s *Server) register(w http.ResponseWriter, r *http.Request, p registry.Principal) error {
	var req struct {
		Name        string `json:"name"`
		IDNumber    string `json:"id_number"`
		PhotoDigest string `json:"photo_digest"`
		PhotoRef    string `json:"photo_ref"`
		PublicKey   string `json:"public_key"`
	}
	if err := s.decode(w, r, &req); err != nil {
		return err
	}
	id, link, err := s.o.Service.Register(r.Context(), p, registry.NewHolder{
		Name: req.Name, IDNumber: req.IDNumber, PhotoDigest: req.PhotoDigest, PhotoRef: req.PhotoRef, PublicKey: req.PublicKey})
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusCreated, map[string]string{"holder_id": id, "link_token": link})
}

func (s *Server) status(w http.ResponseWriter, r *http.Request, p registry.Principal) error {
	var req registry.StatusJSON
	if err := s.decode(w, r, &req); err != nil {
		return err
	}
	if req.HolderID != "" && req.HolderID != r.PathValue("id") {
		return registry.Errorf(registry.InvalidField, "holder_id in the body differs from the path")
	}
	st, err := req.ParseStatus()
	if err != nil {
		return err
	}
	res, err := s.o.Service.SetStatus(r.Context(), p, registry.StatusChange{EventID: req.EventID, HolderID: r.PathValue("id"), Status: st})
	if err != nil {
		return err
	}
	if res.Changed {
		s.m.changes.Inc()
	}
	s.m.revocations.Add(float64(res.Revoked))
	return writeJSON(w, http.StatusOK, map[string]any{"revoked": res.Revoked, "duplicate": res.Duplicate})
}

func (s *Server) feed(w http.ResponseWriter, r *http.Request, p registry.Principal) error {
	data, err := readBody(w, r, s.o.MaxFeed)
	if err != nil {
		return err
	}
	res, err := s.o.Service.Feed(r.Context(), p, data)
	s.m.feedLines.WithLabelValues("applied").Add(float64(res.Applied))
	s.m.feedLines.WithLabelValues("duplicate").Add(float64(res.Duplicates))
	s.m.feedLines.WithLabelValues("error").Add(float64(res.Failed))
	s.m.changes.Add(float64(res.Changed))
	s.m.revocations.Add(float64(res.Revoked))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, res)
}

func (s *Server) registration(w http.ResponseWriter, r *http.Request, p registry.Principal) error {
	if _, err := readBody(w, r, s.o.MaxBody); err != nil {
		return err
	}
	n, err := s.o.Service.CompleteRegistration(r.Context(), p, r.PathValue("id"))
	if err != nil {
		return err
	}
	s.m.revocations.Add(float64(n))
	return writeJSON(w, http.StatusOK, map[string]int{"revoked": n})
}

// PassJSON is the pass call's answer.
type PassJSON struct {
	Text      string    `json:"text"`
	PassID    string    `json:"pass_id"`
	Colour    string    `json:"colour"`
	Reason    string    `json:"reason,omitempty"`
	Hints     []string  `json:"hints,omitempty"`
	IssuedAt  time.Time `json:"issued_at"`
	ExpiresAt time.Time `json:"expires_at"`
}

func (s *Server) pass(w http.ResponseWriter, r *http.Request, p registry.Principal) error {
	png := strings.Contains(r.Header.Get("Accept"), "image/png")
	rec, fresh, err := s.o.Service.Pass(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	if fresh {
		s.m.issued.Inc()
	}
	if png {
		img, err := qr.PNG(rec.Text, qr.Options{})
		if err != nil {
			return err
		}
		w.Header().Set("Content-Type", "image/png")
		w.Header().Set("Cache-Control", "no-store")
		w.Header().Set("X-Pass-Id", rec.ID)
		_, err = w.Write(img)
		return err
	}
	return writeJSON(w, http.StatusOK, passJSON(rec))
}

func passJSON(rec *registry.PassRecord) PassJSON {
	out := PassJSON{Text: rec.Text, PassID: rec.ID, Colour: rec.Status.Colour.String(), Hints: rec.Status.Hints.Names(),
		IssuedAt: rec.IssuedAt.UTC(), ExpiresAt: rec.ExpiresAt.UTC()}
	if rec.Status.Reason != 0 {
		out.Reason = rec.Status.Reason.String()
	}
	return out
}

// VerifyJSON is the verify call's answer: the verdict a guard with the
// registry's current bundle would get (SPEC §17), and the registry's
// record of the pass, or nil.
type VerifyJSON struct {
	Verdict *verdict.Verdict `json:"verdict"`
	Record  *RecordJSON      `json:"record"`
}

// RecordJSON is a pass record in the verify call's answer: the pass as
// the pass call renders it, whose it is, and when the registry revoked or
// superseded it (null if it has not).
type RecordJSON struct {
	PassJSON
	HolderID     string     `json:"holder_id"`
	RevokedAt    *time.Time `json:"revoked_at"`
	SupersededAt *time.Time `json:"superseded_at"`
}

// verify checks a code for the help desk (registry.Service.Check). The
// code and the name are personal data: neither is logged.
func (s *Server) verify(w http.ResponseWriter, r *http.Request, p registry.Principal) error {
	var req struct {
		Code string `json:"code"`
		Name string `json:"name"`
	}
	if err := s.decode(w, r, &req); err != nil {
		return err
	}
	v, rec, err := s.o.Service.Check(r.Context(), req.Code, registry.CheckOptions{Checks: verdict.Checks{Name: req.Name}, Merge: s.o.Merge})
	if err != nil {
		return err
	}
	s.m.verdicts.WithLabelValues(string(v.Decision)).Inc()
	out := VerifyJSON{Verdict: v}
	if rec != nil {
		out.Record = &RecordJSON{PassJSON: passJSON(rec), HolderID: rec.HolderID, RevokedAt: when(rec.RevokedAt), SupersededAt: when(rec.SupersededAt)}
	}
	return writeJSON(w, http.StatusOK, out)
}

// when is t in UTC, or nil for the zero time.
func when(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	t = t.UTC()
	return &t
}

func (s *Server) appeal(w http.ResponseWriter, r *http.Request, p registry.Principal) error {
	var req struct {
		Text string `json:"text"`
	}
	if err := s.decode(w, r, &req); err != nil {
		return err
	}
	id, n, err := s.o.Service.OpenAppeal(r.Context(), p, r.PathValue("id"), req.Text)
	if err != nil {
		return err
	}
	s.m.revocations.Add(float64(n))
	return writeJSON(w, http.StatusCreated, map[string]string{"appeal_id": id})
}

func (s *Server) resolve(w http.ResponseWriter, r *http.Request, p registry.Principal) error {
	var req struct {
		Outcome string `json:"outcome"`
		Colour  string `json:"colour"`
		Reason  string `json:"reason"`
		Name    string `json:"name"`
		Note    string `json:"note"`
	}
	if err := s.decode(w, r, &req); err != nil {
		return err
	}
	colour, reason, err := registry.ParseColourReason(req.Colour, req.Reason)
	if err != nil {
		return err
	}
	n, err := s.o.Service.ResolveAppeal(r.Context(), p, r.PathValue("id"), registry.Resolution{
		Outcome: registry.AppealState(req.Outcome), Colour: colour, Reason: reason, Name: req.Name, Note: req.Note})
	if err != nil {
		return err
	}
	s.m.revocations.Add(float64(n))
	return writeJSON(w, http.StatusOK, map[string]int{"revoked": n})
}

func (s *Server) publish(w http.ResponseWriter, r *http.Request, p registry.Principal) error {
	if _, err := readBody(w, r, s.o.MaxBody); err != nil {
		return err
	}
	res, err := s.Publish(r.Context())
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, res)
}

// Publish publishes a bundle with the Server's root key, directory and
// merged exports, recording its duration in the metrics.
func (s *Server) Publish(ctx context.Context) (registry.PublishResult, error) {
	start := time.Now()
	res, err := s.o.Service.Publish(ctx, registry.PublishOptions{Root: s.o.Root, Dir: s.o.OutDir, Merge: s.o.Merge})
	if err != nil {
		return res, err
	}
	s.m.publish.Observe(time.Since(start).Seconds())
	s.o.Log.Info("published", "seq", res.Seq, "revoked", res.Revoked, "file", res.File, "bytes", res.Size)
	return res, nil
}

// Serve accepts connections on l until Shutdown.
func (s *Server) Serve(l net.Listener) error {
	err := s.http.Serve(l)
	if errors.Is(err, http.ErrServerClosed) {
		return nil
	}
	return err
}

// Shutdown stops accepting connections and waits, until ctx ends, for the
// requests in progress to finish.
func (s *Server) Shutdown(ctx context.Context) error { return s.http.Shutdown(ctx) }

// Run serves on l until ctx ends, publishing a bundle every publishEvery
// (if it is positive and the Server has a root key), then shuts down
// gracefully, waiting up to 30 seconds for requests in progress.
func (s *Server) Run(ctx context.Context, l net.Listener, publishEvery time.Duration) error {
	if publishEvery > 0 && s.o.Root != nil {
		go func() {
			t := time.NewTicker(publishEvery)
			defer t.Stop()
			for {
				select {
				case <-ctx.Done():
					return
				case <-t.C:
					if _, err := s.Publish(ctx); err != nil {
						s.o.Log.Error("publishing", "error", err)
					}
				}
			}
		}()
	}
	done := make(chan error, 1)
	go func() { done <- s.Serve(l) }()
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
	}
	s.o.Log.Info("shutting down")
	sctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := s.Shutdown(sctx); err != nil {
		return err
	}
	return <-done
}

// logPath is the request's path as logs show it: a holder page's link
// token, a bearer secret, is replaced by "-".
func logPath(r *http.Request) string {
	p := r.URL.Path
	if rest, ok := strings.CutPrefix(p, "/h/"); ok {
		if _, after, ok := strings.Cut(rest, "/"); ok {
			return "/h/-/" + after
		}
		return "/h/-"
	}
	return p
}

// holderPage serves the holder page (package holder/page) under
// /h/{link}/ for the holder whose link token is link (SPEC §15).
func (s *Server) holderPage(w http.ResponseWriter, r *http.Request) {
	link := r.PathValue("link")
	id, err := s.o.Service.HolderByLink(r.Context(), link)
	if err != nil {
		if registry.ErrorCode(err) == registry.HolderNotFound {
			err = registry.Errorf(registry.NotFound, "no holder page here")
		}
		s.fail(w, r, err)
		return
	}
	http.StripPrefix("/h/"+link, page.New(holderBackend{s, id})).ServeHTTP(w, r)
}

// holderBackend is the holder page's Backend for one holder.
type holderBackend struct {
	s  *Server
	id string
}

func (b holderBackend) Enrol(ctx context.Context, key []byte) (*page.Pass, error) {
	rec, err := b.s.o.Service.Enrol(ctx, b.id, key)
	return b.pass(rec, err)
}

func (b holderBackend) Renew(ctx context.Context, key []byte) (*page.Pass, error) {
	rec, err := b.s.o.Service.Renew(ctx, b.id, key)
	return b.pass(rec, err)
}

func (b holderBackend) pass(rec *registry.PassRecord, err error) (*page.Pass, error) {
	if err == nil {
		return &page.Pass{Text: rec.Text}, nil
	}
	switch registry.ErrorCode(err) {
	case registry.AlreadyEnrolled:
		return nil, page.ErrAlreadyEnrolled
	case registry.NotEnrolled:
		return nil, page.ErrNotEnrolled
	case registry.HolderNotFound:
		return nil, page.ErrNoPass
	}
	b.s.o.Log.Error("holder page", "holder", b.id, "error", err)
	return nil, err
}
