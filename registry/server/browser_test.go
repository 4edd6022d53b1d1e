package server_test

import (
	"strings"
	"testing"
	"time"

	"github.com/hufu-project/hufu/internal/cdptest"
	"github.com/hufu-project/hufu/qr"
	"github.com/hufu-project/hufu/registry"
	"github.com/hufu-project/hufu/registry/registrytest"
	"github.com/hufu-project/hufu/registry/server"
)

// TestBrowserHolderPage opens the holder page as the registry serves it
// (/h/LINK/, behind the server's own headers and origin checks) in
// Chromium. The holder enrols their phone; the live code the page shows,
// read off a screenshot, is a presentation that the registry's help desk
// (POST /v1/verify) admits as the holder's, bound to the key the page
// enrolled. The pass issued before enrolment is revoked, and the
// holder-bound pass inside the live code, shown bare, is refused. One
// backend is enough: the backends are compared in TestHolderPage.
func TestBrowserHolderPage(t *testing.T) {
	b := registrytest.Backends()[0]
	a := newAPI(t, b.DSN(t))
	const name = "Browser Li"
	id, link := a.register(name, "700")
	var before server.PassJSON
	if code, _, body := a.do("GET", "/v1/holders/"+id+"/pass", link, "", &before); code != 200 || !strings.HasPrefix(before.Text, "HF1:") {
		t.Fatalf("pass before enrolment: %d %s", code, body)
	}

	url := a.srv.URL + "/h/" + link + "/"
	br := cdptest.Start(t, url, "--window-size=412,915")
	page := br.Page(t, a.srv.URL)
	if err := page.SetViewport(412, 915, 2, true); err != nil {
		t.Fatal(err)
	}
	eval := func(expr string, out any) {
		t.Helper()
		if err := page.Eval(expr, out); err != nil {
			t.Fatalf("%v\nin: %s", err, expr)
		}
	}
	waitState := func(want string) {
		t.Helper()
		for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
			var s string
			if page.Eval(`String((document.body && document.body.dataset.state) || '')`, &s) == nil && s == want {
				return
			}
		}
		var msg string
		eval(`document.getElementById('message').textContent`, &msg)
		t.Fatalf("the page never reached state %q; its message: %q\n%s", want, msg, br.Output())
	}
	waitState("enrol")
	eval(`document.getElementById('enrol').click(), true`, nil)
	waitState("presenting")

	var text string
	var at time.Time
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		at = time.Now()
		png, err := page.Screenshot()
		if err != nil {
			t.Fatal(err)
		}
		if texts, err := qr.DecodeBytes(png); err == nil && len(texts) == 1 {
			text = texts[0]
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no QR code read from the page: %v", err)
		}
	}
	if !strings.HasPrefix(text, "HF1P:") {
		t.Fatalf("the page shows %.20q…, not a presentation", text)
	}

	// The help desk admits the live code as the holder's, and its record
	// is the pass the page got at enrolment: holder-bound, not the first.
	code, out, v := a.verify(a.tokens[registry.Appeals], codeBody(text, name))
	if code != 200 || v["decision"] != "admit" || v["name_match"] != true {
		t.Fatalf("the live code at the help desk: %d %v", code, v)
	}
	if r := out.Record; r == nil || r.HolderID != id || r.PassID == before.PassID || r.RevokedAt != nil {
		t.Errorf("the live code's record: %+v (the pass before enrolment was %s)", out.Record, before.PassID)
	}
	// Enrolling revoked the pass issued before it.
	if _, out, v := a.verify(a.tokens[registry.Appeals], codeBody(before.Text, name)); v["reason"] != "revoked_pass" || out.Record == nil || out.Record.RevokedAt == nil {
		t.Errorf("the pass before enrolment: %v, record %+v", v, out.Record)
	}
	// The holder-bound pass shown bare, as a screenshot of a pass would
	// be, is not admitted.
	if out.Record != nil {
		if _, _, v := a.verify(a.tokens[registry.Appeals], codeBody(out.Record.Text, name)); v["decision"] != "invalid" || v["reason"] != "presentation_required" {
			t.Errorf("the bound pass shown bare: %v", v)
		}
	}
	t.Logf("presentation of %d characters read at %s", len(text), at.UTC().Format(time.RFC3339))
}
