package metrics

import (
	"io"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/hostd/hostd/host/internal/engine"
)

var _ engine.CallBinder = (*Metrics)(nil) // the engine binds its pools' calls

func scrape(t *testing.T, m *Metrics) string {
	t.Helper()
	w := httptest.NewRecorder()
	m.Handler().ServeHTTP(w, httptest.NewRequest("GET", "/metrics", nil))
	b, _ := io.ReadAll(w.Body)
	return string(b)
}

// TestCachedChildrenCountLikeLabels: the bound and cached paths
// (CallsOf, RouteObserver's per-code counters) count into the same series
// as the label lookups they replace, including phases and codes outside
// the caches.
func TestCachedChildrenCountLikeLabels(t *testing.T) {
	m := New()
	calls := m.CallsOf("p", 3)
	calls("on_request", time.Millisecond, "ok")
	calls("on_request", time.Millisecond, "ok")
	m.Call("p", 3, "on_request", time.Millisecond, "ok")
	calls("acquire", 0, "busy")
	calls("later_phase", time.Millisecond, "ok")
	calls("on_response", time.Millisecond, "new_outcome")
	ro := m.Route("r1")
	ro.Request(200, time.Millisecond)
	ro.Request(200, time.Millisecond)
	ro.Request(404, time.Millisecond)
	ro.Request(999, time.Millisecond)
	out := scrape(t, m)
	for _, want := range []string{
		`hostd_plugin_calls_total{outcome="ok",phase="on_request",plugin="p",version="3"} 3`,
		`hostd_plugin_calls_total{outcome="busy",phase="acquire",plugin="p",version="3"} 1`,
		`hostd_plugin_calls_total{outcome="ok",phase="later_phase",plugin="p",version="3"} 1`,
		`hostd_plugin_calls_total{outcome="new_outcome",phase="on_response",plugin="p",version="3"} 1`,
		`hostd_plugin_call_duration_seconds_count{phase="on_request",plugin="p"} 3`,
		`hostd_http_requests_total{code="200",route="r1"} 2`,
		`hostd_http_requests_total{code="404",route="r1"} 1`,
		`hostd_http_requests_total{code="999",route="r1"} 1`,
		`hostd_http_request_duration_seconds_count{route="r1"} 4`,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("no %s in the scrape", want)
		}
	}
	if strings.Contains(out, `hostd_plugin_call_duration_seconds_count{phase="acquire"`) {
		t.Error("acquire has a duration")
	}
}
