package host_test

import (
	"bytes"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hostd/hostd/host"
	"github.com/hostd/hostd/internal/testwasm"
)

// logSink collects a host's log lines.
type logSink struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (s *logSink) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.buf.Write(p)
}

func (s *logSink) count(msg string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return strings.Count(s.buf.String(), `"msg":"`+msg+`"`)
}

// fillHost runs the kvfill guest on /fill with one instance (so the guest's
// key counter carries over between requests) and a long call timeout (each
// write is an fsync).
func fillHost(t *testing.T, limits func(*host.Limits)) (*testHost, *logSink) {
	t.Helper()
	logs := &logSink{}
	th := startHost(t, func(c *host.Config) {
		c.Logger = slog.New(slog.NewJSONHandler(logs, nil))
		c.Limits.MaxInstances = 1
		c.Limits.CallTimeout = host.Duration(20 * time.Second)
		limits(&c.Limits)
	})
	th.upload("fill", testwasm.KVFill)
	th.route("fill", `{"path":"/fill","handler":{"plugin":"fill"}}`)
	return th, logs
}

// fill makes one request and returns the guest's report.
func (th *testHost) fill() string {
	th.t.Helper()
	r := th.get("/fill")
	expectStatus(th.t, r, http.StatusOK)
	return string(r.body)
}

func (th *testHost) dbSize() int64 {
	th.t.Helper()
	fi, err := os.Stat(filepath.Join(th.dir, "registry.db"))
	if err != nil {
		th.t.Fatal(err)
	}
	return fi.Size()
}

// kvView is the "kv" object of GET /v1/plugins/{name}.
type kvView struct {
	Scope    string `json:"scope"`
	Keys     int64  `json:"keys"`
	Bytes    int64  `json:"bytes"`
	MaxKeys  int64  `json:"max_keys"`
	MaxBytes int64  `json:"max_bytes"`
}

func (th *testHost) pluginKV(name string) kvView {
	th.t.Helper()
	r := th.adminDo("GET", "/v1/plugins/"+name, nil)
	expectStatus(th.t, r, http.StatusOK)
	var v struct{ KV *kvView }
	r.json(th.t, &v)
	if v.KV == nil {
		th.t.Fatalf("no kv in %s", r.body)
	}
	return *v.KV
}

// entry is what one of kvfill's writes counts for: a 13-byte key, a 32 KiB
// value and the 32-byte per-entry overhead.
const entry = 13 + 32768 + 32

// A guest writing in a loop is stopped by its quota with too_large; the
// file stops growing, the log says so once, and the admin API still writes.
func TestKVQuotaStopsAWriteLoop(t *testing.T) {
	// A fresh host's registry.db has room to spare (about 27 MiB after the
	// built-in plugins are stored): a quota above that must grow the file.
	const quota = 40 << 20
	th, logs := fillHost(t, func(l *host.Limits) { l.KVMaxBytes = quota })
	before := th.dbSize()

	const fits = quota / entry // 1277
	got := th.fill()
	if want := fmt.Sprintf("put=4 cas=4 n=%d", fits); got != want {
		t.Fatalf("first fill: %q, want %q (too_large after %d writes)", got, want, fits)
	}
	full := th.dbSize()
	for range 20 {
		if got := th.fill(); got != "put=4 cas=4 n=0" {
			t.Fatalf("fill on a full namespace: %q", got)
		}
	}
	if after := th.dbSize(); after != full {
		t.Fatalf("registry.db grew from %d to %d bytes while every write was refused", full, after)
	}
	t.Logf("registry.db: %d bytes before, %d when the %d-byte quota was full", before, full, quota)
	// bbolt preallocates in steps of up to 16 MiB and writes a value over a
	// page on whole pages: the file holds the quota with that much slack.
	if full <= before || full-before > quota+quota/8+16<<20 {
		t.Fatalf("registry.db grew by %d bytes for a %d-byte quota", full-before, quota)
	}
	if kv := th.pluginKV("fill"); kv != (kvView{Scope: "node", Keys: fits, Bytes: fits * entry, MaxKeys: 100000, MaxBytes: quota}) {
		t.Fatalf("kv view %+v", kv)
	}
	if n := logs.count("plugin kv write refused"); n != 1 {
		t.Fatalf("%d log lines for 42 refused writes, want 1 (rate-limited)", n)
	}

	// The registry still takes admin writes.
	th.upload("hello", testwasm.Hello)
	th.route("hello", `{"path":"/hello","handler":{"plugin":"hello"}}`)
	expectStatus(t, th.get("/hello"), http.StatusOK)
}

// The cap on all plugins together and the disk reserve answer unavailable.
func TestKVStoreFullIsUnavailable(t *testing.T) {
	for _, tc := range []struct {
		name   string
		limits func(*host.Limits)
		want   string
	}{
		{"total bytes", func(l *host.Limits) { l.KVTotalBytes = 8 * entry }, "put=6 cas=6 n=8"},
		{"disk reserve", func(l *host.Limits) { l.KVDiskReserveBytes = 1 << 62 }, "put=6 cas=6 n=0"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			th, logs := fillHost(t, tc.limits)
			if got := th.fill(); got != tc.want {
				t.Fatalf("fill: %q, want %q", got, tc.want)
			}
			full := th.dbSize()
			if got := th.fill(); !strings.HasPrefix(got, "put=6 cas=6 n=0") {
				t.Fatalf("second fill: %q", got)
			}
			if after := th.dbSize(); after != full {
				t.Fatalf("registry.db grew from %d to %d bytes", full, after)
			}
			if n := logs.count("plugin kv write refused"); n != 1 {
				t.Fatalf("%d log lines, want 1", n)
			}
			th.upload("hello", testwasm.Hello)
			th.route("hello", `{"path":"/hello","handler":{"plugin":"hello"}}`)
		})
	}
}

// An operator's limit for one plugin, through the admin API, holds across
// a restart; bad input changes nothing.
func TestKVPluginLimitOverride(t *testing.T) {
	th, _ := fillHost(t, func(*host.Limits) {})
	r := th.adminDo("PUT", "/v1/plugins/fill/kv", []byte(`{"max_keys":5}`))
	expectStatus(t, r, http.StatusOK)
	var p struct {
		KVMaxKeys int64 `json:"kv_max_keys"`
		KV        kvView
	}
	r.json(t, &p)
	if p.KVMaxKeys != 5 || p.KV.MaxKeys != 5 || p.KV.Keys != 0 {
		t.Fatalf("PUT answer %s", r.body)
	}
	if got := th.fill(); got != "put=4 cas=4 n=5" {
		t.Fatalf("fill with max_keys 5: %q", got)
	}
	for _, tc := range []struct{ body, code string }{
		{`{"max_keys":-1}`, "invalid_kv_limit"},
		{`{"max_bytes":"lots"}`, "invalid_kv_limit"},
		{`{"scope":"node","max_keys":2.5}`, "invalid_kv_limit"},
		{`{}`, "invalid_kv_settings"},
	} {
		r := th.adminDo("PUT", "/v1/plugins/fill/kv", []byte(tc.body))
		expectStatus(t, r, http.StatusBadRequest)
		if code := r.errorCode(t); code != tc.code {
			t.Errorf("%s: code %s, want %s", tc.body, code, tc.code)
		}
	}
	if kv := th.pluginKV("fill"); kv.MaxKeys != 5 || kv.Keys != 5 || kv.Bytes != 5*entry {
		t.Fatalf("after bad input: %+v", kv)
	}

	// A new instance starts its counter at 0 again: overwriting the five
	// keys it has is allowed, the sixth key is not.
	th = th.restart(func(c *host.Config) { c.Limits.MaxInstances = 1 })
	if got := th.fill(); got != "put=4 cas=4 n=5" {
		t.Fatalf("fill after restart: %q", got)
	}
	expectStatus(t, th.adminDo("PUT", "/v1/plugins/fill/kv", []byte(`{"max_keys":0}`)), http.StatusOK)
	if kv := th.pluginKV("fill"); kv.MaxKeys != 100000 || kv.Keys != 5 {
		t.Fatalf("back to the default: %+v", kv)
	}
}

// Cluster scope bounds the plugin's JetStream bucket with its max bytes.
func TestKVClusterScopeBounded(t *testing.T) {
	th, _ := fillHost(t, func(*host.Limits) {})
	const limit = 8 * entry
	expectStatus(t, th.adminDo("PUT", "/v1/plugins/fill/kv",
		[]byte(fmt.Sprintf(`{"scope":"cluster","max_bytes":%d}`, limit))), http.StatusOK)
	got := th.fill()
	var status, cas, n int
	// JetStream counts a little more per entry than the registry does.
	if _, err := fmt.Sscanf(got, "put=%d cas=%d n=%d", &status, &cas, &n); err != nil || status != 4 || cas != 4 || n < 6 || n > 8 {
		t.Fatalf("fill in cluster scope: %q, want too_large after 6-8 writes", got)
	}
	kv := th.pluginKV("fill")
	if kv.Scope != "cluster" || kv.Keys != int64(n) || kv.Bytes > limit || kv.MaxBytes != limit || kv.MaxKeys != 0 {
		t.Fatalf("cluster kv view %+v after %d writes", kv, n)
	}
	// Raising the limit applies to the bucket at the next write.
	expectStatus(t, th.adminDo("PUT", "/v1/plugins/fill/kv", []byte(fmt.Sprintf(`{"max_bytes":%d}`, 2*limit))), http.StatusOK)
	if got := th.fill(); !strings.HasPrefix(got, "put=4 cas=4 n=") || got == "put=4 cas=4 n=0" {
		t.Fatalf("fill after raising the limit: %q", got)
	}
	if kv := th.pluginKV("fill"); kv.MaxBytes != 2*limit || kv.Bytes > 2*limit || kv.Keys <= int64(n) {
		t.Fatalf("view after raising %+v", kv)
	}
}
