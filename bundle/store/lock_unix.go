//go:build unix

package store

import (
	"os"
	"path/filepath"
	"syscall"
)

// lock takes an exclusive lock on the state directory's lock file, so that
// two installs cannot both pass the rollback check and race to replace the
// bundle. The lock goes with the process.
func lock(dir string) (unlock func(), err error) {
	f, err := os.OpenFile(filepath.Join(dir, lockFile), os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, err
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
		f.Close()
		return nil, err
	}
	return func() { f.Close() }, nil
}
