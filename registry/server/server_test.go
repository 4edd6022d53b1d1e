package server_test

import (
	"bytes"
	"context"
	"crypto"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hufu-project/hufu/issuer"
	"github.com/hufu-project/hufu/keys"
	"github.com/hufu-project/hufu/qr"
	"github.com/hufu-project/hufu/registry"
	"github.com/hufu-project/hufu/registry/registrytest"
	"github.com/hufu-project/hufu/registry/server"
)

type api struct {
	t      testing.TB
	srv    *httptest.Server
	s      *registry.Service
	tokens map[registry.Role]string
	key    crypto.Signer // the issuer's key
	log    *lockedBuffer // the server's log
}

// lockedBuffer is a bytes.Buffer safe for concurrent use.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

func newAPI(t testing.TB, dsn string) *api {
	st := registrytest.Open(t, dsn)
	key, _ := keys.Generate(keys.ES256)
	root, _ := keys.Generate(keys.EdDSA)
	is, _ := issuer.New(key, "310000", 24*time.Hour)
	ctx := context.Background()
	s, err := registry.New(ctx, registry.Config{Store: st, Issuer: is, IssuerID: "310000", Secret: []byte("server test secret, 32 bytes...."), Validity: 24 * time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.EnsureIssuerKey(ctx, "310000", key.Public()); err != nil {
		t.Fatal(err)
	}
	a := &api{t: t, s: s, tokens: map[registry.Role]string{}, key: key, log: &lockedBuffer{}}
	for _, r := range []registry.Role{registry.Registrar, registry.Health, registry.Appeals, registry.Publisher, registry.Reader} {
		if a.tokens[r], err = s.CreateOperator(ctx, string(r)+"-op", r); err != nil {
			t.Fatal(err)
		}
	}
	a.srv = httptest.NewServer(server.New(server.Options{Service: s, Root: root, OutDir: t.TempDir(), MaxFeed: 1 << 20, Log: slog.New(slog.NewTextHandler(a.log, nil))}))
	t.Cleanup(a.srv.Close)
	return a
}

// do sends a request and decodes a JSON answer into out (if not nil).
func (a *api) do(method, path, token, body string, out any) (int, http.Header, []byte) {
	a.t.Helper()
	req, _ := http.NewRequest(method, a.srv.URL+path, strings.NewReader(body))
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := a.srv.Client().Do(req)
	if err != nil {
		a.t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	if out != nil && resp.Header.Get("Content-Type") == "application/json" {
		if err := json.Unmarshal(data, out); err != nil {
			a.t.Fatalf("%s %s: %v in %s", method, path, err, data)
		}
	}
	return resp.StatusCode, resp.Header, data
}

type errBody struct {
	Error  string `json:"error"`
	Detail string `json:"detail"`
}

func (a *api) register(name, idNumber string) (id, link string) {
	a.t.Helper()
	var out struct{ HolderID, LinkToken string }
	var raw map[string]string
	code, _, body := a.do("POST", "/v1/holders", a.tokens[registry.Registrar], `{"name":"`+name+`","id_number":"`+idNumber+`"}`, &raw)
	if code != 201 {
		a.t.Fatalf("register: %d %s", code, body)
	}
	out.HolderID, out.LinkToken = raw["holder_id"], raw["link_token"]
	return out.HolderID, out.LinkToken
}

func TestAPI(t *testing.T) {
	for _, b := range registrytest.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			a := newAPI(t, b.DSN(t))
			ida, linkA := a.register("Holder A", "100")
			idb, linkB := a.register("Holder B", "200")
			tok := a.tokens
			var pj server.PassJSON
			if code, _, body := a.do("GET", "/v1/holders/"+ida+"/pass", linkA, "", &pj); code != 200 || pj.Colour != "green" || !strings.HasPrefix(pj.Text, "HF1:") {
				t.Fatalf("own pass: %d %s", code, body)
			}
			// Accept: image/png gives the QR code of the same pass.
			req, _ := http.NewRequest("GET", a.srv.URL+"/v1/holders/"+ida+"/pass", nil)
			req.Header.Set("Authorization", "Bearer "+tok[registry.Reader])
			req.Header.Set("Accept", "image/png")
			resp, err := a.srv.Client().Do(req)
			if err != nil {
				t.Fatal(err)
			}
			png, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if texts, err := qr.DecodeBytes(png); err != nil || len(texts) != 1 || texts[0] != pj.Text {
				t.Errorf("PNG pass: %v %d texts, content type %s", err, len(texts), resp.Header.Get("Content-Type"))
			}

			for _, tc := range []struct {
				name, method, path, token, body string
				status                          int
				code                            registry.Code
			}{
				{"no token", "GET", "/v1/holders/" + ida + "/pass", "", "", 401, registry.Unauthorized},
				{"wrong token", "GET", "/v1/holders/" + ida + "/pass", "hfo_wrong", "", 401, registry.Unauthorized},
				{"link A on B's pass", "GET", "/v1/holders/" + idb + "/pass", linkA, "", 403, registry.Forbidden},
				{"link B on A's appeal", "POST", "/v1/holders/" + ida + "/appeals", linkB, `{"text":"x"}`, 403, registry.Forbidden},
				{"link on status", "PUT", "/v1/holders/" + ida + "/status", linkA, `{"event_id":"e","colour":"green"}`, 403, registry.Forbidden},
				{"health publishes", "POST", "/v1/publish", tok[registry.Health], "", 403, registry.Forbidden},
				{"reader sets status", "PUT", "/v1/holders/" + ida + "/status", tok[registry.Reader], `{"event_id":"e","colour":"green"}`, 403, registry.Forbidden},
				{"registrar resolves", "POST", "/v1/appeals/x/resolve", tok[registry.Registrar], `{"outcome":"upheld"}`, 403, registry.Forbidden},
				{"malformed json", "POST", "/v1/holders", tok[registry.Registrar], `{"name":`, 400, registry.BadRequest},
				{"unknown field", "POST", "/v1/holders", tok[registry.Registrar], `{"name":"A","id_number":"9","admin":true}`, 400, registry.BadRequest},
				{"duplicate key", "POST", "/v1/holders", tok[registry.Registrar], `{"name":"A","name":"B","id_number":"9"}`, 400, registry.BadRequest},
				{"oversized body", "POST", "/v1/holders", tok[registry.Registrar], `{"name":"` + strings.Repeat("a", 70<<10) + `"}`, 413, registry.TooLarge},
				{"oversized feed", "POST", "/v1/feed", tok[registry.Health], strings.Repeat(" ", 2<<20), 413, registry.TooLarge},
				{"bad colour", "PUT", "/v1/holders/" + ida + "/status", tok[registry.Health], `{"event_id":"e","colour":"blue"}`, 400, registry.InvalidColour},
				{"bad reason", "PUT", "/v1/holders/" + ida + "/status", tok[registry.Health], `{"event_id":"e","colour":"red","reason":"flu"}`, 400, registry.InvalidReason},
				{"unknown holder", "PUT", "/v1/holders/nobody/status", tok[registry.Health], `{"event_id":"e","colour":"green"}`, 404, registry.HolderNotFound},
				{"holder mismatch", "PUT", "/v1/holders/" + ida + "/status", tok[registry.Health], `{"event_id":"e","holder_id":"` + idb + `","colour":"green"}`, 400, registry.InvalidField},
				{"unknown appeal", "POST", "/v1/appeals/nope/resolve", tok[registry.Appeals], `{"outcome":"rejected"}`, 404, registry.AppealNotFound},
				{"bad outcome", "POST", "/v1/appeals/nope/resolve", tok[registry.Appeals], `{"outcome":"maybe"}`, 400, registry.InvalidField},
				{"duplicate holder", "POST", "/v1/holders", tok[registry.Registrar], `{"name":"A","id_number":"100"}`, 409, registry.HolderExists},
				{"wrong method", "DELETE", "/v1/holders/" + ida + "/pass", tok[registry.Reader], "", 405, registry.MethodNotAllowed},
				{"no such call", "GET", "/v2/holders", tok[registry.Reader], "", 404, registry.NotFound},
			} {
				var eb errBody
				status, hdr, body := a.do(tc.method, tc.path, tc.token, tc.body, &eb)
				if status != tc.status || eb.Error != string(tc.code) || eb.Detail == "" || hdr.Get("Content-Type") != "application/json" {
					t.Errorf("%s: %d %s, want %d %s", tc.name, status, bytes.TrimSpace(body), tc.status, tc.code)
				}
			}
			// None of the refused calls changed holder A.
			h, hist, _, apps, _ := a.s.Holder(context.Background(), ida)
			if h.Version != 1 || len(hist) != 1 || len(apps) != 0 {
				t.Errorf("refused calls changed holder A: version %d, %d history rows, %d appeals", h.Version, len(hist), len(apps))
			}

			// The holder's own calls.
			var res map[string]any
			if code, _, body := a.do("POST", "/v1/holders/"+ida+"/registration", linkA, "", &res); code != 200 {
				t.Errorf("registration by the holder: %d %s", code, body)
			}
			if code, _, body := a.do("POST", "/v1/holders/"+ida+"/appeals", linkA, `{"text":"my name is misspelt"}`, &res); code != 201 || res["appeal_id"] == "" {
				t.Errorf("appeal by the holder: %d %s", code, body)
			}
			feed := `{"event_id":"f1","holder_id":"` + idb + `","colour":"red","reason":"confirmed"}` + "\n" + `{"event_id":"f2","holder_id":"x","colour":"red","reason":"confirmed"}` + "\n"
			var fr registry.FeedResult
			if code, _, body := a.do("POST", "/v1/feed", tok[registry.Health], feed, &fr); code != 200 || fr.Applied != 1 || len(fr.Errors) != 1 || fr.Errors[0].Line != 2 {
				t.Errorf("feed: %d %s", code, body)
			}
			var pr registry.PublishResult
			if code, _, body := a.do("POST", "/v1/publish", tok[registry.Publisher], "", &pr); code != 200 || pr.Seq != 1 || pr.Revoked != 1 {
				t.Errorf("publish: %d %s", code, body)
			}
			_, _, metrics := a.do("GET", "/metrics", "", "", nil)
			for _, m := range []string{"hufu_registry_passes_issued_total 1", `hufu_registry_feed_lines_total{result="applied"} 1`,
				"hufu_registry_revocations_total 1", "hufu_registry_publish_duration_seconds_count 1", "hufu_registry_status_changes_total 1"} {
				if !bytes.Contains(metrics, []byte(m)) {
					t.Errorf("metrics lack %q", m)
				}
			}
		})
	}
}
