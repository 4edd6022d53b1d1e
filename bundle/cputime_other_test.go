//go:build !unix

package bundle

import "time"

// cpuNow has no portable source here; CPU-time metrics read 0.
func cpuNow() time.Duration { return 0 }
