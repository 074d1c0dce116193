package host_test

import (
	"encoding/binary"
	"net/http"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/hostd/hostd/host"
	"github.com/hostd/hostd/internal/testwasm"
)

// TestJWTPolicyCacheIsBoundedByBytes: a plugin passes jwt_verify 16384
// distinct 4 KiB policies, each a list of about 1300 audiences (some 25 KiB
// once parsed). The host's cache of parsed policies stays within its
// per-binding byte bound, and the heap after a collection grows by far
// less than the host's total bound for the cache (16 MiB), where keeping
// the policies it sees (4096 of them, as hostd did) grows it by 50 MB.
func TestJWTPolicyCacheIsBoundedByBytes(t *testing.T) {
	th := startHost(t, func(c *host.Config) {
		c.Limits.MaxInstances = 1
		c.Limits.CallTimeout = host.Duration(time.Minute) // 2048 parses per call
	})
	expectStatus(t, th.adminDo("PUT", "/v1/keysets/ks", []byte(demoJWKS())), http.StatusCreated)
	th.upload("cache", testwasm.Get("jwtpolicycache"))
	head := `{"issuer":"AAAAAAAA","audience":[`
	policy := head + strings.Repeat(`"a",`, (4096-len(head)-6)/4) + `"a"]}`
	if len(policy) > 4096 {
		t.Fatalf("policy of %d bytes", len(policy))
	}
	th.route("c", `{"path":"/c","handler":{"plugin":"cache","config":`+policy+`,"keysets":["ks"]}}`)

	perBinding, total := host.JWTPolicyCacheBounds()
	heap := func() uint64 {
		runtime.GC()
		runtime.GC()
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		return m.HeapAlloc
	}
	expectStatus(t, th.get("/c"), http.StatusOK) // warm: the instance, a full cache
	before := heap()
	const requests = 8 // 2048 calls each
	for range requests {
		r := th.get("/c")
		expectStatus(t, r, http.StatusOK)
		if denied := binary.LittleEndian.Uint32(r.body); denied != 2048 || len(r.body) != 12 {
			t.Fatalf("calls: denied, invalid, other = %v; want every call parsed and denied", r.body)
		}
		if got := host.JWTPolicyCacheBytes(th.h); got > perBinding {
			t.Fatalf("the policy cache accounts %d bytes, over the per-binding bound %d", got, perBinding)
		}
	}
	grew := int64(heap()) - int64(before)
	t.Logf("heap grew by %d bytes over %d distinct policies; cache accounts %d bytes",
		grew, requests*2048, host.JWTPolicyCacheBytes(th.h))
	if limit := total; grew > limit {
		t.Fatalf("the heap grew by %d bytes, more than %d", grew, limit)
	}
}
