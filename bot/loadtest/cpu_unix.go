//go:build unix

package loadtest

import (
	"syscall"
	"time"
)

// processCPU is the CPU time the whole process has used so far, user and
// system: every goroutine's, including the store's committer and
// checkpointer and the garbage collector.
func processCPU() (user, system time.Duration) {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0, 0
	}
	return time.Duration(ru.Utime.Nano()), time.Duration(ru.Stime.Nano())
}
