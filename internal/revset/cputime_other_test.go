//go:build !unix

package revset

import "time"

func cpuTime() time.Duration { return 0 }
