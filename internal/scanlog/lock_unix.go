//go:build unix

package scanlog

import (
	"os"
	"syscall"
)

// lockFile takes an exclusive lock on f, held until f is closed, so that
// two stations never append to the same log.
func lockFile(f *os.File) error {
	return syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
}
