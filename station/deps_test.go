package station

import (
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// goList returns the dependencies of pkgs (module-relative paths).
func goList(t *testing.T, pkgs ...string) []string {
	t.Helper()
	goCmd := filepath.Join(runtime.GOROOT(), "bin", "go")
	if _, err := os.Stat(goCmd); err != nil {
		if goCmd, err = exec.LookPath("go"); err != nil {
			t.Skip("the go command is not available")
		}
	}
	cmd := exec.Command(goCmd, append([]string{"list", "-deps"}, pkgs...)...)
	cmd.Dir = ".."
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list -deps %v: %v", pkgs, err)
	}
	deps := strings.Fields(string(out))
	if len(deps) < 10 {
		t.Fatalf("go list -deps printed only %q", deps)
	}
	return deps
}

// TestLayers keeps the station's place in the layering: the station core
// and the verdict draw no images, use no network, run no processes and
// parse no flags (the camera page, station/web, alone brings net/http and
// the QR decoder); and nothing below the station imports it or its web
// page, and nothing below the verdict imports the verdict.
func TestLayers(t *testing.T) {
	const mod = "github.com/hufu-project/hufu/"
	for _, dep := range goList(t, "./station", "./verdict") {
		for _, bad := range []string{"image", "net", "os/exec", "flag", mod + "qr", "github.com/skip2/", "github.com/makiuchi-d/"} {
			if dep == bad || strings.HasPrefix(dep, bad+"/") || (strings.HasSuffix(bad, "/") && strings.HasPrefix(dep, bad)) {
				t.Errorf("station or verdict depends on %s", dep)
			}
		}
	}
	below := []string{"./verifier", "./bundle", "./bundle/source", "./bundle/store", "./keys", "./pass", "./issuer", "./qr", "./internal/scanlog", "./internal/filekind", "./internal/atomicfile"}
	for _, dep := range goList(t, below...) {
		if strings.HasPrefix(dep, mod+"station") || dep == mod+"verdict" || dep == mod+"input" {
			t.Errorf("a package below the station and input depends on %s", dep)
		}
	}
	for _, dep := range goList(t, "./verdict") {
		if strings.HasPrefix(dep, mod+"station") || dep == mod+"bundle" || dep == mod+"internal/scanlog" {
			t.Errorf("verdict depends on %s, a package beside or above it", dep)
		}
	}
	// input reads files and pictures: no network, processes or flags, and
	// nothing of the deciding side (verdict, station).
	for _, dep := range goList(t, "./input") {
		for _, bad := range []string{"net", "os/exec", "flag", mod + "verdict", mod + "station"} {
			if dep == bad || strings.HasPrefix(dep, bad+"/") {
				t.Errorf("input depends on %s", dep)
			}
		}
	}
}
