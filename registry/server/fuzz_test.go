package server_test

import (
	"io"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/hufu-project/hufu/registry"
	"github.com/hufu-project/hufu/registry/registrytest"
)

// FuzzAPI sends arbitrary bodies to every call with the right token: the
// answer is never a 5xx, and an error is always JSON with a code.
func FuzzAPI(f *testing.F) {
	a := newAPI(f, registrytest.Backends()[0].DSN(f))
	id, link := a.register("Fuzz Holder", "42")
	calls := []struct{ method, path, token string }{
		{"POST", "/v1/holders", a.tokens[registry.Registrar]},
		{"PUT", "/v1/holders/" + id + "/status", a.tokens[registry.Health]},
		{"POST", "/v1/feed", a.tokens[registry.Health]},
		{"POST", "/v1/holders/" + id + "/appeals", link},
		{"POST", "/v1/appeals/x/resolve", a.tokens[registry.Appeals]},
		{"POST", "/v1/holders/" + id + "/registration", link},
		{"POST", "/v1/verify", a.tokens[registry.Appeals]},
	}
	rec, _, err := a.s.Pass(f.Context(), id)
	if err != nil {
		f.Fatal(err)
	}
	for i, body := range []string{`{"name":"A","id_number":"1"}`, `{"event_id":"e","colour":"red","reason":"confirmed"}`,
		`{"event_id":"e","holder_id":"` + id + `","colour":"green"}` + "\n", `{"text":"x"}`, `{"outcome":"upheld","colour":"green"}`, ``,
		`{"code":"` + rec.Text + `","name":"Fuzz Holder"}`} {
		f.Add(uint8(i), body)
	}
	h := a.srv.Config.Handler
	f.Fuzz(func(t *testing.T, which uint8, body string) {
		c := calls[int(which)%len(calls)]
		req := httptest.NewRequest(c.method, c.path, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+c.token)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		resp := rec.Result()
		data, _ := io.ReadAll(resp.Body)
		if resp.StatusCode >= 500 {
			t.Fatalf("%s %s %q: %d %s", c.method, c.path, body, resp.StatusCode, data)
		}
		if resp.StatusCode >= 400 && (!strings.HasPrefix(string(data), `{"error":"`) || resp.Header.Get("Content-Type") != "application/json") {
			t.Fatalf("error answer not JSON: %d %s", resp.StatusCode, data)
		}
	})
}
