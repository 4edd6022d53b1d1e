package keys

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestVerifierDeps keeps the verifier, the keys and hc1 packages it uses,
// and the trust bundle packages (bundle, its source and the guard's state
// store) importable by phone apps and a registry: none of their
// dependencies may draw images, use the network, run processes, parse flags
// or pull in the QR, CBOR or COSE libraries the tests and the CLI use.
func TestVerifierDeps(t *testing.T) {
	goCmd := goCommand(t)
	cmd := exec.Command(goCmd, "list", "-deps", "./verifier", "./keys", "./internal/hc1", "./bundle", "./bundle/source", "./bundle/store", "./internal/filekind")
	cmd.Dir = ".."
	out, err := cmd.Output()
	if err != nil {
		var stderr []byte
		if ee, ok := err.(*exec.ExitError); ok {
			stderr = ee.Stderr
		}
		t.Fatalf("go list -deps: %v\n%s", err, stderr)
	}
	deps := strings.Fields(string(out))
	if len(deps) < 10 {
		t.Fatalf("go list -deps printed only %q", deps)
	}
	var found []string
	for _, pkg := range deps {
		if forbiddenDep(pkg) {
			found = append(found, pkg)
		}
	}
	if len(found) > 0 {
		t.Errorf("verifier, keys, hc1, bundle, bundle/source or bundle/store depends on %q", found)
	}
}

func forbiddenDep(pkg string) bool {
	// crypto/x509 pulls in net; keys reads certificates with encoding/asn1.
	if pkg == "crypto/x509" {
		return true
	}
	for _, std := range []string{"image", "net", "os/exec", "flag"} {
		if pkg == std || strings.HasPrefix(pkg, std+"/") {
			return true
		}
	}
	for _, mod := range []string{"github.com/skip2/", "github.com/makiuchi-d/", "github.com/fxamacker/", "github.com/veraison/"} {
		if strings.HasPrefix(pkg, mod) {
			return true
		}
	}
	return false
}

func TestForbiddenDep(t *testing.T) {
	for pkg, want := range map[string]bool{
		"image": true, "image/png": true, "net": true, "net/http": true, "net/netip": true,
		"os/exec": true, "flag": true, "github.com/skip2/go-qrcode": true,
		"github.com/makiuchi-d/gozxing/qrcode": true, "github.com/fxamacker/cbor/v2": true,
		"github.com/veraison/go-cose": true, "crypto/x509": true, "crypto/x509/pkix": false, "compress/zlib": false,
		"os": false, "crypto/ecdsa": false, "imagery": false, "network": false, "flagship": false,
		"github.com/hufu-project/hufu/internal/cbor": false,
	} {
		if forbiddenDep(pkg) != want {
			t.Errorf("forbiddenDep(%q) = %v", pkg, !want)
		}
	}
}

// goCommand finds the go command of the toolchain running the test.
func goCommand(t *testing.T) string {
	if root := os.Getenv("GOROOT"); root != "" {
		if p := filepath.Join(root, "bin", "go"); fileExists(p) {
			return p
		}
	}
	if p, err := exec.LookPath("go"); err == nil {
		return p
	}
	t.Skip("the go command is not available")
	return ""
}

func fileExists(p string) bool {
	st, err := os.Stat(p)
	return err == nil && !st.IsDir()
}
