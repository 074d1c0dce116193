package engine

import "syscall"

// defaultMemoryBudget is half the machine's memory, between 256 MiB and
// 8 GiB.
func defaultMemoryBudget() int64 {
	var si syscall.Sysinfo_t
	if err := syscall.Sysinfo(&si); err != nil {
		return 4 << 30
	}
	return clampBudget(int64(si.Totalram) * int64(si.Unit) / 2)
}
