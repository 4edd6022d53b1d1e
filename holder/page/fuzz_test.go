package page

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// FuzzAPI sends arbitrary bodies to both API calls: the handler never
// panics, answers 200 only for a valid holder key, and otherwise a JSON
// error with one of its codes.
func FuzzAPI(f *testing.F) {
	key := holderKey(f, "holder")
	for _, s := range []string{
		keyBody(key), `{}`, `{"holder_key":""}`, `{"holder_key":null}`, `{"holder_key":1}`, `[]`, `null`,
		`{"holder_key":"` + base64.RawURLEncoding.EncodeToString(key[:32]) + `"}`,
		`{"Holder_Key":"x"}`, `{"holder_key":"x"}{}`, strings.Repeat(`{"a":`, 100),
	} {
		f.Add(s)
	}
	b, _ := newTestBackend(f)
	b.key = key
	h := New(b)
	codes := map[string]bool{"bad_request": true, "bad_holder_key": true, "too_large": true, "not_enrolled": true}
	f.Fuzz(func(t *testing.T, body string) {
		for _, path := range []string{"/api/enrol", "/api/pass"} {
			req := httptest.NewRequest("POST", "http://holder.example"+path, strings.NewReader(body))
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Origin", "http://holder.example")
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			var out struct {
				Pass  string `json:"pass"`
				Error string `json:"error"`
			}
			if err := json.Unmarshal(rec.Body.Bytes(), &out); err != nil {
				t.Fatalf("%s: not JSON: %q", path, rec.Body.Bytes())
			}
			switch {
			case rec.Code == http.StatusOK:
				var req keyRequest
				if json.Unmarshal([]byte(body), &req) != nil || !strings.HasPrefix(out.Pass, "HF1:") {
					t.Fatalf("%s: 200 for %q: %s", path, body, rec.Body.Bytes())
				}
				k, err := base64.RawURLEncoding.DecodeString(req.HolderKey)
				if err != nil || !validKey(k) {
					t.Fatalf("%s: 200 for a bad key %q", path, body)
				}
				b.mu.Lock()
				b.key = k // the next renewal is for this key
				b.mu.Unlock()
			case !codes[out.Error]:
				t.Fatalf("%s: %d %q for %q", path, rec.Code, out.Error, body)
			}
		}
	})
}
