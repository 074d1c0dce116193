package host

import (
	"strconv"
	"testing"
	"time"

	"github.com/hostd/hostd/host/internal/engine"
	"github.com/hostd/hostd/host/internal/policy"
)

// BenchmarkRateLimitTake is ratelimit_take's host side on the hot path:
// existing buckets, as the adapter the engine calls sees them.
func BenchmarkRateLimitTake(b *testing.B) {
	now := time.Now()
	l := policy.NewLimiters(now, maxBuckets)
	l.SetOwnerQuota(defaultBucketsPerBinding)
	rl := limiters{l}
	owner := engine.Owner{Plugin: "rate-limit", Binding: "rate-limit@1/0123456789abcdef01234567"}
	names := make([][]byte, 1024)
	for i := range names {
		names[i] = []byte("rl:api:192.0.2." + strconv.Itoa(i))
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		rl.Take(owner, names[i%len(names)], 1_000_000, time.Second, 1000, 1, 0, now)
	}
}
