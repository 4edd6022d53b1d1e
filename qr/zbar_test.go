package qr

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestZbarReadsPNG checks that Debian's zbarimg, an independent decoder,
// reads the PNGs this package writes, at several module sizes and every
// error correction level.
func TestZbarReadsPNG(t *testing.T) {
	zbar, err := exec.LookPath("zbarimg")
	if err != nil {
		t.Skip("zbarimg not installed (apt-get install zbar-tools)")
	}
	dir := t.TempDir()
	r := rand.New(rand.NewPCG(21, 22))
	for _, level := range []Level{L, M, Q, H} {
		for _, px := range []int{2, 3, 4, 8} {
			text := passText(r, 250+r.IntN(81))
			data, err := PNG(text, Options{Level: level, ModulePixels: px})
			if err != nil {
				t.Fatal(err)
			}
			name := filepath.Join(dir, fmt.Sprintf("%v-%d.png", level, px))
			if err := os.WriteFile(name, data, 0o644); err != nil {
				t.Fatal(err)
			}
			var out, stderr bytes.Buffer
			cmd := exec.Command(zbar, "--raw", "-q", name)
			cmd.Stdout, cmd.Stderr = &out, &stderr
			if err := cmd.Run(); err != nil {
				t.Errorf("level %v, %d px: zbarimg: %v %s", level, px, err, stderr.String())
				continue
			}
			if got := strings.TrimRight(out.String(), "\n"); got != text {
				t.Errorf("level %v, %d px: zbarimg read %q, want %q", level, px, got, text)
			}
		}
	}
}
