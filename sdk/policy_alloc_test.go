//go:build !wasm

package sdk

import (
	"testing"
	"time"

	"github.com/hostd/hostd/abi"
	"github.com/hostd/hostd/sdk/internal/imports"
)

// policyHost answers the policy imports without allocating, so that
// AllocsPerRun measures the SDK alone. Other calls panic (nil Host).
type policyHost struct{ imports.Host }

func (policyHost) RateLimitTake([]byte, int64, int64, int64, int64, abi.RateLimitAlgorithm) (abi.Status, imports.RateOut) {
	return abi.StatusDenied, imports.RateOut{Limit: 5, RetryAfterMillis: 20}
}

func (policyHost) BreakerAllow([]byte, *imports.BreakerConfig) (abi.Status, imports.BreakerOut) {
	return abi.StatusUnavailable, imports.BreakerOut{State: uint32(abi.BreakerOpen), RetryAfterMillis: 7}
}

func (policyHost) BreakerReport([]byte, *imports.BreakerConfig, bool, int64) abi.BreakerState {
	return abi.BreakerOpen
}

func TestPolicyHotPathDoesNotAllocate(t *testing.T) {
	defer imports.SetHost(policyHost{})()
	lim := Limit{Rate: 10, Period: time.Second}
	br, err := NewBreaker("b", BreakerConfig{ConsecutiveFailures: 3})
	if err != nil {
		t.Fatal(err)
	}
	name := "api:203.0.113.7"
	if n := testing.AllocsPerRun(100, func() {
		d, err := RateLimit(name, lim, 1)
		if d.Allowed || d.RetryAfter != 20*time.Millisecond || err != nil {
			t.Fatalf("RateLimit: %+v %v", d, err)
		}
	}); n != 0 {
		t.Errorf("RateLimit: %v allocations", n)
	}
	if n := testing.AllocsPerRun(100, func() {
		ok, st, retry, err := br.Allow()
		if ok || st != abi.BreakerOpen || retry != 7*time.Millisecond || err != nil {
			t.Fatalf("Allow: %v %v %v %v", ok, st, retry, err)
		}
		if st := br.Report(false, time.Second); st != abi.BreakerOpen {
			t.Fatalf("Report: %v", st)
		}
	}); n != 0 {
		t.Errorf("Breaker: %v allocations", n)
	}
}

func TestBreakerConfigEncoding(t *testing.T) {
	b, err := BreakerConfig{Window: 1500 * time.Microsecond, OpenFor: 2 * time.Second, MinRequests: 20,
		ConsecutiveFailures: 5, HalfOpenRequests: 3, FailureRatio: 0.25}.encode()
	if err != nil {
		t.Fatal(err)
	}
	want := imports.BreakerConfig{
		2, 0, 0, 0, 0, 0, 0, 0, // window_ms, rounded up
		0xd0, 0x07, 0, 0, 0, 0, 0, 0, // open_for_ms 2000
		20, 0, 0, 0, 5, 0, 0, 0, 3, 0, 0, 0, // min, consecutive, half-open
		0x90, 0xd0, 0x03, 0, // 250000 ppm
	}
	if b != want {
		t.Errorf("encoded % x\nwant    % x", b, want)
	}
}
