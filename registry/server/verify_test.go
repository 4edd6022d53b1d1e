package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/hufu-project/hufu/bundle"
	"github.com/hufu-project/hufu/internal/verdictschema"
	"github.com/hufu-project/hufu/issuer"
	"github.com/hufu-project/hufu/keys"
	"github.com/hufu-project/hufu/pass"
	"github.com/hufu-project/hufu/registry"
	"github.com/hufu-project/hufu/registry/registrytest"
	"github.com/hufu-project/hufu/registry/server"
)

// verifyAnswer is POST /v1/verify's answer, with the verdict kept raw for
// the schema.
type verifyAnswer struct {
	Verdict json.RawMessage    `json:"verdict"`
	Record  *server.RecordJSON `json:"record"`
}

func (a *api) verify(token, body string) (int, verifyAnswer, map[string]any) {
	a.t.Helper()
	var out verifyAnswer
	code, _, data := a.do("POST", "/v1/verify", token, body, &out)
	if code != 200 {
		return code, out, nil
	}
	if err := verdictschema.Validate(out.Verdict); err != nil {
		a.t.Fatalf("verdict %s: %v", out.Verdict, err)
	}
	var v map[string]any
	if err := json.Unmarshal(out.Verdict, &v); err != nil {
		a.t.Fatal(err)
	}
	if !bytes.Contains(data, []byte(`"record":`)) {
		a.t.Errorf("answer without a record key: %s", data)
	}
	return code, out, v
}

func codeBody(code, name string) string {
	b, _ := json.Marshal(map[string]string{"code": code, "name": name})
	return string(b)
}

func TestVerify(t *testing.T) {
	for _, b := range registrytest.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			a := newAPI(t, b.DSN(t))
			const name = "Verify Zhang"
			id, link := a.register(name, "300")
			var pj server.PassJSON
			if code, _, body := a.do("GET", "/v1/holders/"+id+"/pass", a.tokens[registry.Reader], "", &pj); code != 200 {
				t.Fatalf("pass: %d %s", code, body)
			}

			// Both help-desk roles get the verdict and the record.
			for _, role := range []registry.Role{registry.Appeals, registry.Reader} {
				code, out, v := a.verify(a.tokens[role], codeBody(pj.Text, name))
				if code != 200 || v["decision"] != "admit" || v["name_match"] != true || v["trust"] != "registry 310000 (live)" {
					t.Fatalf("%s: %d %v", role, code, v)
				}
				if r := out.Record; r == nil || r.PassID != pj.PassID || r.HolderID != id || r.Text != pj.Text || r.RevokedAt != nil || r.SupersededAt != nil {
					t.Errorf("%s: record %+v", role, out.Record)
				}
			}
			// The name is optional; another name denies.
			if _, _, v := a.verify(a.tokens[registry.Appeals], `{"code":"`+pj.Text+`"}`); v["decision"] != "admit" || v["name_match"] != nil {
				t.Errorf("no name: %v", v)
			}
			if _, _, v := a.verify(a.tokens[registry.Appeals], codeBody(pj.Text, "Someone Else")); v["decision"] != "deny" || v["name_match"] != false {
				t.Errorf("other name: %v", v)
			}
			// A garbled code is invalid with the verifier's reason, and no record.
			forged := pj.Text[:len(pj.Text)-2] + "00"
			if forged == pj.Text {
				forged = pj.Text[:len(pj.Text)-2] + "11"
			}
			if _, out, v := a.verify(a.tokens[registry.Appeals], codeBody(forged, "")); v["decision"] != "invalid" || v["reason"] == "expired" || v["reason"] == nil || out.Record != nil {
				t.Errorf("forged: %v, record %v", v, out.Record)
			}

			// Red revokes the pass: revoked_pass, and the record says when.
			var res map[string]any
			if code, _, body := a.do("PUT", "/v1/holders/"+id+"/status", a.tokens[registry.Health], `{"event_id":"v1","colour":"red","reason":"confirmed"}`, &res); code != 200 {
				t.Fatalf("status: %d %s", code, body)
			}
			if _, out, v := a.verify(a.tokens[registry.Appeals], codeBody(pj.Text, name)); v["reason"] != "revoked_pass" || out.Record == nil || out.Record.RevokedAt == nil {
				t.Errorf("revoked: %v, record %+v", v, out.Record)
			}

			for _, tc := range []struct {
				name, method, token, body string
				status                    int
				code                      registry.Code
			}{
				{"no token", "POST", "", codeBody(pj.Text, ""), 401, registry.Unauthorized},
				{"registrar", "POST", a.tokens[registry.Registrar], codeBody(pj.Text, ""), 403, registry.Forbidden},
				{"health", "POST", a.tokens[registry.Health], codeBody(pj.Text, ""), 403, registry.Forbidden},
				{"publisher", "POST", a.tokens[registry.Publisher], codeBody(pj.Text, ""), 403, registry.Forbidden},
				{"the holder's link", "POST", link, codeBody(pj.Text, ""), 403, registry.Forbidden},
				{"malformed json", "POST", a.tokens[registry.Appeals], `{"code":`, 400, registry.BadRequest},
				{"unknown field", "POST", a.tokens[registry.Appeals], `{"code":"HF1:00","photo":"x"}`, 400, registry.BadRequest},
				{"duplicate key", "POST", a.tokens[registry.Appeals], `{"code":"HF1:00","code":"HF1:11"}`, 400, registry.BadRequest},
				{"upper-case key", "POST", a.tokens[registry.Appeals], `{"Code":"HF1:00"}`, 400, registry.BadRequest},
				{"no code", "POST", a.tokens[registry.Appeals], `{"name":"A"}`, 400, registry.InvalidField},
				{"bad name", "POST", a.tokens[registry.Appeals], `{"code":"HF1:00","name":"\u0000"}`, 400, registry.InvalidName},
				{"oversized body", "POST", a.tokens[registry.Appeals], codeBody(strings.Repeat("0", 70<<10), ""), 413, registry.TooLarge},
				{"wrong method", "GET", a.tokens[registry.Appeals], "", 405, registry.MethodNotAllowed},
			} {
				var eb errBody
				status, hdr, body := a.do(tc.method, "/v1/verify", tc.token, tc.body, &eb)
				if status != tc.status || eb.Error != string(tc.code) || eb.Detail == "" || hdr.Get("Content-Type") != "application/json" {
					t.Errorf("%s: %d %s, want %d %s", tc.name, status, bytes.TrimSpace(body), tc.status, tc.code)
				}
			}

			_, _, metrics := a.do("GET", "/metrics", "", "", nil)
			for _, m := range []string{`hufu_registry_verdicts_total{decision="admit"} 3`, `hufu_registry_verdicts_total{decision="deny"} 1`,
				`hufu_registry_verdicts_total{decision="invalid"} 2`} {
				if !bytes.Contains(metrics, []byte(m)) {
					t.Errorf("metrics lack %q", m)
				}
			}
			// The log has the calls, but neither the codes nor the name.
			log := a.log.String()
			if !strings.Contains(log, "path=/v1/verify") {
				t.Errorf("the verify calls are not logged:\n%s", log)
			}
			for _, secret := range []string{pj.Text[4:40], forged[4:40], name, "Someone Else"} {
				if strings.Contains(log, secret) {
					t.Errorf("the log holds %q", secret)
				}
			}
		})
	}
}

// TestVerifyMerged: the help desk checks another issuer's pass against the
// revocation exports the server merges when it publishes (Options.Merge):
// without them it admits the pass with the warning revocations_unknown;
// with an export that revokes it, it refuses it as a guard would.
func TestVerifyMerged(t *testing.T) {
	for _, b := range registrytest.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			a := newAPI(t, b.DSN(t))
			ctx := context.Background()
			jsKey, _ := keys.Generate(keys.ES256)
			err := a.s.AddIssuer(ctx, bundle.Issuer{ID: "320000", Name: bundle.Label{ZH: "江苏省", EN: "Jiangsu"},
				Keys: []bundle.IssuerKey{{Public: jsKey.Public()}}, MaxLifetime: 48 * time.Hour,
				Colours: []pass.Colour{pass.Green, pass.Yellow, pass.Red}})
			if err != nil {
				t.Fatal(err)
			}
			js, _ := issuer.New(jsKey, "320000", 48*time.Hour)
			text, p, err := js.IssuePass(issuer.Claims{Name: "Jiang Su", Colour: pass.Green, Validity: 24 * time.Hour})
			if err != nil {
				t.Fatal(err)
			}
			export, err := bundle.SignRevocations(&bundle.Revocations{Issuer: "320000", Seq: 1, IssuedAt: time.Now().Truncate(time.Second),
				Passes: []bundle.RevokedPass{{ID: p.ID, ExpiresAt: p.ExpiresAt}}}, jsKey)
			if err != nil {
				t.Fatal(err)
			}
			if _, _, v := a.verify(a.tokens[registry.Appeals], codeBody(text, "")); v["decision"] != "admit" ||
				fmt.Sprint(v["warnings"]) != "[revocations_unknown]" {
				t.Errorf("no export: %v", v)
			}
			merging := *a
			merging.srv = httptest.NewServer(server.New(server.Options{Service: a.s, Merge: [][]byte{export}, Log: slog.New(slog.NewTextHandler(io.Discard, nil))}))
			t.Cleanup(merging.srv.Close)
			if _, out, v := merging.verify(a.tokens[registry.Appeals], codeBody(text, "")); v["decision"] != "invalid" ||
				v["reason"] != "revoked_pass" || out.Record != nil {
				t.Errorf("export revoking it: %v, record %v", v, out.Record)
			}
		})
	}
}
