//go:build !unix

package loadtest

import "time"

// processCPU is not measured on this system: the CPU figures stay zero.
func processCPU() (user, system time.Duration) { return 0, 0 }
