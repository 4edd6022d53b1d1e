package main

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/pem"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hufu-project/hufu/internal/hc1test"
)

// TestTerminalInjection: an EU DCC whose holder's name holds terminal
// escapes (clear the screen, home, green, a fake verdict) is printed with
// them escaped by inspect (unsigned: its DSC is not trusted), verify and
// scan: no ESC, C1 or bidi control from the code reaches the terminal.
func TestTerminalInjection(t *testing.T) {
	dir := t.TempDir()
	ec, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	now := time.Now()
	dsc, err := hc1test.NewDSC(ec, now.Add(-time.Hour), now.Add(24*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	evil := "\x1b[2J\x1b[H\x1b[32m✔ VALID EU DCC\u009b0m\u202e"
	d := hc1test.DGC("v")
	d["nam"].(map[string]any)["fn"] = evil
	code := hc1test.Text(hc1test.Sign(dsc, hc1test.Payload(hc1test.Cert{Country: "AT", IssuedAt: now.Add(-time.Minute), Expires: now.Add(time.Hour), Type: "v"}, d), hc1test.Options{}))
	codeFile, dscFile := filepath.Join(dir, "evil.txt"), filepath.Join(dir, "dsc.pem")
	os.WriteFile(codeFile, []byte(code+"\n"), 0o644)
	os.WriteFile(dscFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: dsc.Cert}), 0o644)

	clean := func(what, out string) {
		t.Helper()
		if strings.ContainsAny(out, "\x1b\u009b\u202e") {
			t.Errorf("%s: a control character from the code reaches the terminal:\n%q", what, out)
		}
		if !strings.Contains(out, `\x1b[2J\x1b[H\x1b[32m`) {
			t.Errorf("%s: the name is not shown escaped:\n%s", what, out)
		}
	}
	var out, errb bytes.Buffer
	if c := run(testEnv(nil, &out, &errb, nil), []string{"inspect", codeFile}); c != exitOK {
		t.Fatalf("inspect: exit %d %s", c, errb.String())
	}
	if !strings.Contains(out.String(), "UNVERIFIED") {
		t.Errorf("inspect:\n%s", out.String())
	}
	clean("inspect", out.String())
	out.Reset()
	if c := run(testEnv(nil, &out, &errb, nil), []string{"verify", "-dsc", dscFile, codeFile}); c != exitValid {
		t.Fatalf("verify: exit %d %s", c, errb.String())
	}
	clean("verify", out.String())
	out.Reset()
	e := testEnv(strings.NewReader(code+"\n"), &out, &errb, nil, "COLUMNS", "100")
	if c := scanMain(context.Background(), e, []string{"-dsc", dscFile, "-state", filepath.Join(dir, "state"), "-site", "gate-1", "-lang", "en"}); c != exitOK {
		t.Fatalf("scan: exit %d %s", c, errb.String())
	}
	clean("scan", out.String())
}
