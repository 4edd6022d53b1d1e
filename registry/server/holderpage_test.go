package server_test

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/hufu-project/hufu/holder"
	"github.com/hufu-project/hufu/keys"
	"github.com/hufu-project/hufu/pass"
	"github.com/hufu-project/hufu/registry"
	"github.com/hufu-project/hufu/registry/registrytest"
	"github.com/hufu-project/hufu/verifier"
)

// pageCall posts the holder page's API call path (api/enrol or api/pass)
// for the key, as the page does, and returns the status and the answer.
func (a *api) pageCall(link, path string, key *ecdsa.PrivateKey) (int, map[string]any) {
	a.t.Helper()
	hk, err := pass.CompressHolderKey(&key.PublicKey)
	if err != nil {
		a.t.Fatal(err)
	}
	body := `{"holder_key":"` + base64.RawURLEncoding.EncodeToString(hk) + `"}`
	req, _ := http.NewRequest("POST", a.srv.URL+"/h/"+link+"/"+path, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Origin", a.srv.URL)
	resp, err := a.srv.Client().Do(req)
	if err != nil {
		a.t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	var out map[string]any
	if err := json.Unmarshal(data, &out); err != nil {
		a.t.Fatalf("%s: not JSON: %s", path, data)
	}
	return resp.StatusCode, out
}

func TestHolderPage(t *testing.T) {
	for _, b := range registrytest.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			a := newAPI(t, b.DSN(t))
			id, link := a.register("Holder A", "100")
			// A pass issued before enrolment is not holder-bound, and
			// enrolment revokes it.
			var before struct{ Text string }
			if code, _, body := a.do("GET", "/v1/holders/"+id+"/pass", link, "", &before); code != 200 {
				t.Fatalf("pass before enrolment: %d %s", code, body)
			}

			// The page itself, with its own headers.
			resp, err := a.srv.Client().Get(a.srv.URL + "/h/" + link + "/")
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != 200 || resp.Header.Get("Content-Security-Policy") == "" || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") {
				t.Fatalf("page: %d %v", resp.StatusCode, resp.Header)
			}

			phone, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
			code, out := a.pageCall(link, "api/enrol", phone)
			text, _ := out["pass"].(string)
			if code != 200 || !strings.HasPrefix(text, "HF1:") {
				t.Fatalf("enrol: %d %v", code, out)
			}
			kid, _ := keys.KID(a.key.Public())
			trust, err := keys.NewTrust(&keys.Key{KID: kid, Alg: keys.ES256, Public: a.key.Public(), Issuers: []string{"310000"}})
			if err != nil {
				t.Fatal(err)
			}
			now := time.Now()
			var ve *verifier.Error
			if _, err := verifier.Verify(text, trust, verifier.Options{Now: now}); !errors.As(err, &ve) || ve.Reason != verifier.PresentationRequired {
				t.Fatalf("bare pass: %v, want presentation_required", err)
			}
			pres, err := holder.Present(text, phone, now, nil)
			if err != nil {
				t.Fatal(err)
			}
			if v, err := verifier.Verify(pres, trust, verifier.Options{Now: now}); err != nil || v.Colour != pass.Green {
				t.Fatalf("presentation: %v %v", v, err)
			}

			// The same key again: the same pass; renewal: the same pass.
			if code, out := a.pageCall(link, "api/enrol", phone); code != 200 || out["pass"] != text {
				t.Fatalf("enrol again: %d %v", code, out)
			}
			if code, out := a.pageCall(link, "api/pass", phone); code != 200 || out["pass"] != text {
				t.Fatalf("renew: %d %v", code, out)
			}
			// The registry's own pass call gives the bound pass too.
			var after struct{ Text string }
			if code, _, body := a.do("GET", "/v1/holders/"+id+"/pass", a.tokens[registry.Reader], "", &after); code != 200 || after.Text != text {
				t.Fatalf("pass after enrolment: %d %s", code, body)
			}
			_, _, passes, _, err := a.s.Holder(t.Context(), id)
			if err != nil {
				t.Fatal(err)
			}
			live := 0
			for _, p := range passes {
				if p.RevokedAt.IsZero() && p.SupersededAt.IsZero() {
					live++
				} else if p.Text == before.Text && p.RevokedAt.IsZero() {
					t.Fatal("the unbound pass was not revoked at enrolment")
				}
			}
			if live != 1 {
				t.Fatalf("%d live passes, want 1", live)
			}

			// Another phone is refused, for enrolment and renewal.
			other, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
			if code, out := a.pageCall(link, "api/enrol", other); code != 409 || out["error"] != "already_enrolled" {
				t.Fatalf("enrol another key: %d %v", code, out)
			}
			if code, out := a.pageCall(link, "api/pass", other); code != 409 || out["error"] != "not_enrolled" {
				t.Fatalf("renew with another key: %d %v", code, out)
			}

			// An unknown link: a JSON 404.
			for _, p := range []string{"/h/hh_unknown/", "/h/hh_unknown/api/enrol"} {
				var e errBody
				if code, _, body := a.do("GET", p, "", "", &e); code != 404 || e.Error != "not_found" {
					t.Fatalf("%s: %d %s", p, code, body)
				}
			}

			a.srv.Close() // waits for the handlers, which log last
			if log := a.log.String(); strings.Contains(log, link) || !strings.Contains(log, "/h/-/api/enrol") {
				t.Fatalf("the log shows the link token, or no holder page request:\n%s", log)
			}
		})
	}
}

// TestRegisteredHolderKey: a key given at registration must be P-256, and
// binds every pass; the page enrols that key and refuses another.
func TestRegisteredHolderKey(t *testing.T) {
	a := newAPI(t, registrytest.Backends()[0].DSN(t))
	ed, _ := keys.Generate(keys.EdDSA)
	edDER, _ := x509.MarshalPKIXPublicKey(ed.Public())
	var e errBody
	if code, _, body := a.do("POST", "/v1/holders", a.tokens[registry.Registrar], `{"name":"Holder E","id_number":"300","public_key":"`+base64.StdEncoding.EncodeToString(edDER)+`"}`, &e); code != 400 || e.Error != "invalid_field" {
		t.Fatalf("Ed25519 holder key: %d %s", code, body)
	}
	phone, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	der, _ := x509.MarshalPKIXPublicKey(&phone.PublicKey)
	var raw map[string]string
	if code, _, body := a.do("POST", "/v1/holders", a.tokens[registry.Registrar], `{"name":"Holder P","id_number":"400","public_key":"`+base64.StdEncoding.EncodeToString(der)+`"}`, &raw); code != 201 {
		t.Fatalf("P-256 holder key: %d %s", code, body)
	}
	var pj struct{ Text string }
	if code, _, body := a.do("GET", "/v1/holders/"+raw["holder_id"]+"/pass", raw["link_token"], "", &pj); code != 200 {
		t.Fatalf("pass: %d %s", code, body)
	}
	u, err := verifier.InspectUnverified(pj.Text)
	hk, _ := pass.CompressHolderKey(&phone.PublicKey)
	if err != nil || !bytes.Equal(u.Pass.HolderKey, hk) {
		t.Fatalf("the pass is not bound to the registered key: %v", err)
	}
	if code, out := a.pageCall(raw["link_token"], "api/enrol", phone); code != 200 || out["pass"] != pj.Text {
		t.Fatalf("enrol the registered key: %d %v", code, out)
	}
	other, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if code, out := a.pageCall(raw["link_token"], "api/enrol", other); code != 409 || out["error"] != "already_enrolled" {
		t.Fatalf("enrol another key: %d %v", code, out)
	}
}
