package admin_test

import (
	"bytes"
	"net/http"
	"strings"
	"testing"

	"github.com/hostd/hostd/host/internal/admin"
)

// TestProfiling: the runtime's profiles are served to the admin role only;
// a viewer, a metrics token and no token are refused with the API's JSON
// errors, and so is a profile duration outside 1–30 s.
func TestProfiling(t *testing.T) {
	e := newEnv(t, nil)
	e.do("GET", "/debug/pprof/heap", "", nil).wantErr(t, http.StatusUnauthorized, "unauthorized")
	e.do("GET", "/debug/pprof/heap", e.viewer, nil).wantErr(t, http.StatusForbidden, "forbidden")
	e.do("GET", "/debug/pprof/profile?seconds=1", mint(t, admin.RoleMetrics), nil).wantErr(t, http.StatusForbidden, "forbidden")
	e.do("POST", "/debug/pprof/symbol", e.admin, "0x1").wantErr(t, http.StatusMethodNotAllowed, "method_not_allowed")

	for _, q := range []string{"0", "31", "1.5", "x", "1&seconds=2"} {
		e.do("GET", "/debug/pprof/profile?seconds="+q, e.admin, nil).wantErr(t, http.StatusBadRequest, "invalid_query")
		e.do("GET", "/debug/pprof/trace?seconds="+q, e.admin, nil).wantErr(t, http.StatusBadRequest, "invalid_query")
	}

	idx := e.do("GET", "/debug/pprof/", e.admin, nil).want(t, http.StatusOK)
	if !strings.Contains(string(idx.body), "goroutine") {
		t.Fatalf("index does not list the goroutine profile: %.200s", idx.body)
	}
	heap := e.do("GET", "/debug/pprof/heap", e.admin, nil).want(t, http.StatusOK)
	if !bytes.HasPrefix(heap.body, []byte{0x1f, 0x8b}) { // a gzipped profile.proto
		t.Fatalf("heap profile is not gzipped protobuf: %q", heap.body[:min(len(heap.body), 16)])
	}
	cpu := e.do("GET", "/debug/pprof/profile?seconds=1", e.admin, nil).want(t, http.StatusOK)
	if !bytes.HasPrefix(cpu.body, []byte{0x1f, 0x8b}) {
		t.Fatalf("CPU profile is not gzipped protobuf: %q", cpu.body[:min(len(cpu.body), 16)])
	}
}
