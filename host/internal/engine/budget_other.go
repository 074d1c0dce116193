//go:build !linux

package engine

// defaultMemoryBudget is 4 GiB where the machine's memory is not known.
func defaultMemoryBudget() int64 { return 4 << 30 }
