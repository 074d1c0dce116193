package engine

import "syscall"

// osYield gives the core to another thread that is ready to run on it.
// A long call's thread hands its CPU token on every quantum; without this,
// a request's thread woken on the same core waits for the kernel's wakeup
// granularity (2 ms and more) behind it, even with the other core idle.
// It is a scheduled system call (not raw): on a busy machine the thread
// may wait a while to get its core back, and a garbage collection must not
// wait with it.
func osYield() { _, _, _ = syscall.Syscall(syscall.SYS_SCHED_YIELD, 0, 0, 0) }
