//go:build unix

package keys

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

// TestReadPublicFileFIFO: a public key given through a pipe, as the shell's
// <(cat k.pub) or /dev/stdin give it, is read to its end (bounded by
// MaxKeyFile), as os.ReadFile read it before ReadPublicFile was bounded.
func TestReadPublicFileFIFO(t *testing.T) {
	priv, err := Generate(ES256)
	if err != nil {
		t.Fatal(err)
	}
	pem, err := EncodePublicPEM(priv.Public())
	if err != nil {
		t.Fatal(err)
	}
	fifo := filepath.Join(t.TempDir(), "k.pub")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Skipf("mkfifo: %v", err)
	}
	go func() {
		if f, err := os.OpenFile(fifo, os.O_WRONLY, 0); err == nil {
			f.Write(pem)
			f.Close()
		}
	}()
	pub, err := ReadPublicFile(fifo)
	if err != nil || !Equal(pub, priv.Public()) {
		t.Fatalf("ReadPublicFile(FIFO): %v, %v; want the key", pub, err)
	}
}
