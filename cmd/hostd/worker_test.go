package main

import (
	"os"
	"testing"

	"github.com/hostd/hostd/host"
)

// TestMain lets the test binary serve as the compile worker that serve
// starts (os.Executable is the test binary here).
func TestMain(m *testing.M) {
	if host.IsCompileWorker() {
		os.Exit(host.RunCompileWorker())
	}
	os.Exit(m.Run())
}
