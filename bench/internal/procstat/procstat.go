// Package procstat reads the CPU time a process has used from
// /proc/PID/stat.
package procstat

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"
)

// ClockTick is USER_HZ, the unit of utime and stime in /proc/PID/stat: 100
// on every Linux architecture Go supports (the kernel exports it as 100 to
// user space whatever its own HZ).
const ClockTick = 10 * time.Millisecond

// CPU returns the user plus system time process pid has used so far, all
// threads included.
func CPU(pid int) (time.Duration, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, fmt.Errorf("procstat: %w", err)
	}
	u, s, err := Parse(string(b))
	if err != nil {
		return 0, err
	}
	return time.Duration(u+s) * ClockTick, nil
}

// Parse returns utime and stime (fields 14 and 15, in clock ticks) of a
// /proc/PID/stat line. The command name (field 2) is in parentheses and
// may itself contain spaces and parentheses, so the fields are counted from
// the last ')'.
func Parse(stat string) (utime, stime uint64, err error) {
	end := strings.LastIndexByte(stat, ')')
	if end < 0 {
		return 0, 0, fmt.Errorf("procstat: no command name in %q", stat)
	}
	// After ") ": field 3 (state) is rest[0], so field n is rest[n-3].
	rest := strings.Fields(stat[end+1:])
	if len(rest) < 13 {
		return 0, 0, fmt.Errorf("procstat: %d fields after the command name, want at least 13", len(rest))
	}
	if utime, err = strconv.ParseUint(rest[14-3], 10, 64); err != nil {
		return 0, 0, fmt.Errorf("procstat: utime: %w", err)
	}
	if stime, err = strconv.ParseUint(rest[15-3], 10, 64); err != nil {
		return 0, 0, fmt.Errorf("procstat: stime: %w", err)
	}
	return utime, stime, nil
}
