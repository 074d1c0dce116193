package host_test

import (
	"net/http"
	"strconv"
	"testing"

	"github.com/hostd/hostd/host"
	"github.com/hostd/hostd/internal/testwasm"
)

// TestRateLimitFloodOfOneRouteDeniesNoOther: two routes use the built-in
// rate-limit (one plugin, two bindings). A client of route a varies the
// header the bucket is keyed on, creating far more buckets than a
// binding's quota (limits.rate_limit_buckets_per_binding, small here).
// Route b's new clients still pass and are limited after their one
// request, and route a's new legitimate client is evaluated as before: let
// through once, then limited.
func TestRateLimitFloodOfOneRouteDeniesNoOther(t *testing.T) {
	const quota = 50
	th := startHost(t, func(c *host.Config) { c.Limits.RateLimitBucketsPerBinding = quota })
	th.upload("hello", testwasm.Hello)
	th.route("a", `{"path":"/a","filters":[{"plugin":"rate-limit","config":{"rate":1,"per":"1h","key":"header:X-Key"}}],"handler":{"plugin":"hello"}}`)
	th.route("b", `{"path":"/b","filters":[{"plugin":"rate-limit","config":{"rate":1,"per":"1h","key":"header:X-Client"}}],"handler":{"plugin":"hello"}}`)

	for i := range 4 * quota {
		expectStatus(t, th.get("/a", "X-Key", "flood-"+strconv.Itoa(i)), http.StatusOK)
	}
	for i := range 3 * quota {
		id := "b-client-" + strconv.Itoa(i)
		expectStatus(t, th.get("/b", "X-Client", id), http.StatusOK)
		expectStatus(t, th.get("/b", "X-Client", id), http.StatusTooManyRequests)
	}
	// Route a after the flood: a new client passes once, then is limited.
	expectStatus(t, th.get("/a", "X-Key", "legit"), http.StatusOK)
	expectStatus(t, th.get("/a", "X-Key", "legit"), http.StatusTooManyRequests)
}
