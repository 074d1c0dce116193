package host

import (
	"strconv"
	"testing"
	"time"

	"github.com/hostd/hostd/host/internal/engine"
	"github.com/hostd/hostd/host/internal/policy"
)

// TestBucketQuotaAtTheRealDefaults: with the host's own bounds (1048576
// buckets, 65536 per binding), one binding names more buckets than the
// whole table holds. Another binding's new clients and its existing
// drained client are decided as without the flood, and the flooding
// binding's own new client is counted correctly after eviction.
func TestBucketQuotaAtTheRealDefaults(t *testing.T) {
	if testing.Short() {
		t.Skip("creates a million buckets")
	}
	now := time.Now()
	l := policy.NewLimiters(now, maxBuckets)
	l.SetOwnerQuota(Limits{}.bucketsPerBinding())
	rl := limiters{l}
	a := engine.Owner{Plugin: "rate-limit", Binding: "rate-limit@1/a"}
	b := engine.Owner{Plugin: "rate-limit", Binding: "rate-limit@1/b"}
	take := func(o engine.Owner, name string) bool {
		return rl.Take(o, []byte(name), 1, time.Hour, 1, 1, 0, now).Allowed
	}
	if !take(b, "b:drained") || take(b, "b:drained") {
		t.Fatal("b's client: want allowed, then denied")
	}
	var buf []byte
	for i := range maxBuckets + 1000 {
		buf = strconv.AppendInt(append(buf[:0], "a:"...), int64(i), 10)
		if d := rl.Take(a, buf, 1, time.Hour, 1, 1, 0, now); !d.Allowed {
			t.Fatalf("flood key %d denied", i)
		}
	}
	if got, want := l.Owned(a.Binding), defaultBucketsPerBinding; got != want {
		t.Fatalf("the flooding binding holds %d buckets, want %d", got, want)
	}
	if take(b, "b:drained") {
		t.Fatal("b's drained client was forgotten by a's flood")
	}
	if !take(b, "b:new") || take(b, "b:new") {
		t.Fatal("b's new client: want allowed, then denied")
	}
	if !take(a, "a:legit") || take(a, "a:legit") {
		t.Fatal("a's new client after eviction: want allowed, then denied")
	}
}
