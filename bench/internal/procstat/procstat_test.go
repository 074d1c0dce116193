package procstat

import (
	"os"
	"testing"
	"time"
)

func TestParse(t *testing.T) {
	for name, tc := range map[string]struct {
		line         string
		utime, stime uint64
	}{
		"plain": {"1234 (hostd) S 1 1234 1234 0 -1 4194560 2120 0 0 0 731 142 0 0 20 0 9 0 12345 1000 200 18446744073709551615",
			731, 142},
		"spaces and parens": {"77 (my (odd) name) ) R 1 77 77 0 -1 4194560 5 0 0 0 12 34 0 0 20 0 1 0 99 0 0",
			12, 34},
		"empty comm": {"5 () S 1 5 5 0 -1 0 0 0 0 0 1 2 0 0 20 0 1 0 1 0 0", 1, 2},
	} {
		u, s, err := Parse(tc.line)
		if err != nil || u != tc.utime || s != tc.stime {
			t.Errorf("%s: Parse = %d, %d, %v; want %d, %d", name, u, s, err, tc.utime, tc.stime)
		}
	}
}

func TestParseRejects(t *testing.T) {
	for name, line := range map[string]string{
		"no parens":  "1234 hostd S 1 1234 1234 0 -1 4194560 2120 0 0 0 731 142",
		"short":      "1234 (hostd) S 1 1234",
		"not number": "1234 (hostd) S 1 1234 1234 0 -1 4194560 2120 0 0 0 x 142 0 0",
	} {
		if _, _, err := Parse(line); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

// TestCPU reads this process's own counters: they grow with work done.
func TestCPU(t *testing.T) {
	before, err := CPU(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(100 * time.Millisecond)
	x := 0
	for time.Now().Before(deadline) {
		x++
	}
	after, err := CPU(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	if after-before < ClockTick {
		t.Errorf("100 ms of spinning added %v of CPU time (x=%d)", after-before, x)
	}
	if _, err := CPU(-1); err == nil {
		t.Error("CPU(-1): no error")
	}
}
