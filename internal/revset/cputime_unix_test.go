//go:build unix

package revset

import (
	"syscall"
	"time"
)

// cpuTime returns the user+system CPU time used by the process so far, or
// 0 if it is not available.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
