//go:build unix

package atomicfile

import (
	"io/fs"
	"path/filepath"
	"syscall"
	"testing"
)

// Permissions are as asked, whatever the umask.
func TestPermissions(t *testing.T) {
	old := syscall.Umask(0o077)
	defer syscall.Umask(old)
	dir := t.TempDir()
	for i, perm := range []fs.FileMode{0o600, 0o644, 0o640, 0o400, 0o755} {
		name := filepath.Join(dir, string(rune('a'+i)))
		if err := Create(name, []byte("x"), perm); err != nil {
			t.Fatal(err)
		}
		checkFile(t, name, "x", perm)
		name += "w"
		if err := WriteFile(name, []byte("x"), perm); err != nil {
			t.Fatal(err)
		}
		checkFile(t, name, "x", perm)
	}
}
