//go:build !linux

package engine

import (
	"os"
	"syscall"
)

func workerProcAttr() *syscall.SysProcAttr { return nil }

func limitMemory(int64) {}

// watchMemory does nothing where /proc is not available: the compile
// timeout still applies.
func watchMemory(*os.Process, int64) func() bool { return func() bool { return false } }

// maxRSS is unknown here.
func maxRSS(*os.ProcessState) int64 { return 0 }
