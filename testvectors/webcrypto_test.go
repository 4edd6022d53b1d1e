package testvectors

import (
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestWebCryptoPresentation checks SPEC.md §14 against an independent
// implementation: webcrypto/present.mjs, run by Node.js, makes a
// presentation with WebCrypto (a non-extractable P-256 key, the raw r‖s
// signature, the key compressed by hand) and the verifier accepts it, then
// refuses it 31 s later. Skipped without node.
func TestWebCryptoPresentation(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the hufu binary; skipped with -short")
	}
	node, err := exec.LookPath("node")
	if err != nil {
		t.Skip("no node to run webcrypto/present.mjs with")
	}
	bin := hufu(t)
	script, err := filepath.Abs("webcrypto/present.mjs")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	run := func(name string, args ...string) (string, error) {
		cmd := exec.Command(name, args...)
		cmd.Dir = dir
		out, err := cmd.CombinedOutput()
		return string(out), err
	}
	for _, args := range [][]string{{"keygen", "-o", "k"}, {"trust", "add", "-trust", "trust.json", "-iss", "310000", "k.pub"}} {
		if out, err := run(bin, args...); err != nil {
			t.Fatalf("hufu %v: %v\n%s", args, err, out)
		}
	}
	out, err := run(node, script, bin)
	if err != nil {
		t.Fatalf("node present.mjs: %v\n%s", err, out)
	}
	if !strings.HasPrefix(out, "HF1P:") {
		t.Fatalf("node printed %q", out)
	}
	out, err = run(bin, "verify", "-json", "-trust", "trust.json", "-at", "2026-06-01T08:00:30Z", "p.txt")
	if err != nil || !strings.Contains(out, `"valid":true`) || !strings.Contains(out, `"decision":"admit"`) {
		t.Fatalf("the WebCrypto presentation: %v\n%s", err, out)
	}
	out, _ = run(bin, "verify", "-json", "-trust", "trust.json", "-at", "2026-06-01T08:00:31Z", "p.txt")
	if !strings.Contains(out, `"reason":"presentation_stale"`) {
		t.Fatalf("31 s later: %s", out)
	}
}
