//go:build unix

package host_test

import (
	"syscall"
	"time"
)

// cpuTime is the CPU time (user and system) this process and its waited-for
// children (the compile workers) have used so far: on a shared machine it
// varies far less than the elapsed time.
func cpuTime() time.Duration {
	var total time.Duration
	for _, who := range []int{syscall.RUSAGE_SELF, syscall.RUSAGE_CHILDREN} {
		var ru syscall.Rusage
		if syscall.Getrusage(who, &ru) == nil {
			total += time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
		}
	}
	return total
}
