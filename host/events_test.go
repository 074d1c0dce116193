package host_test

import (
	"encoding/json"
	"sync"
	"testing"
	"time"

	"github.com/hostd/hostd/internal/testwasm"
)

func TestControlPlaneEvents(t *testing.T) {
	th := startHost(t, nil)
	var mu sync.Mutex
	var got []string
	bodies := map[string]map[string]any{}
	stop, err := th.h.WatchEvents(func(kind string, data []byte) {
		if kind == "audit" { // TestAuditRecordsEveryWrite checks those
			return
		}
		var v map[string]any
		if err := json.Unmarshal(data, &v); err != nil {
			t.Errorf("event %s: %v", kind, err)
		}
		mu.Lock()
		got = append(got, kind)
		bodies[kind] = v
		mu.Unlock()
	})
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	th.upload("hello", testwasm.Hello)
	th.upload("hello", testwasm.Deny)
	expectStatus(t, th.adminDo("PUT", "/v1/plugins/hello/active", []byte(`{"version":1}`)), 200)
	th.route("r", `{"path":"/r","handler":{"plugin":"hello"}}`)
	expectStatus(t, th.adminDo("DELETE", "/v1/routes/r", nil), 204)
	expectStatus(t, th.adminDo("DELETE", "/v1/plugins/hello", nil), 204)
	want := []string{"plugin.uploaded", "plugin.uploaded", "plugin.activated", "route.changed", "route.deleted", "plugin.deleted"}
	deadline := time.Now().Add(5 * time.Second)
	for {
		mu.Lock()
		n := len(got)
		mu.Unlock()
		if n >= len(want) || time.Now().After(deadline) {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(got) != len(want) {
		t.Fatalf("events %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("events %v, want %v", got, want)
		}
	}
	if b := bodies["plugin.activated"]; b["plugin"] != "hello" || b["version"] != float64(1) {
		t.Errorf("plugin.activated body %v", b)
	}
	expectStatus(t, th.do("GET", th.admin+"/readyz", "", nil), 200)
}
