package hostile

import (
	"fmt"
	"os"
	"testing"

	"github.com/hostd/hostd/internal/hostdbin"
)

func TestMain(m *testing.M) {
	if _, err := hostdbin.Build(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	code := m.Run()
	hostdbin.Cleanup()
	os.Exit(code)
}
