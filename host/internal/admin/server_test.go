package admin_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/hostd/hostd/host/internal/admin"
	"github.com/hostd/hostd/host/internal/errs"
)

func TestHealthAndReady(t *testing.T) {
	var notReady error
	e := newEnv(t, func(o *admin.Options) { o.Ready = func() error { return notReady } })
	var body map[string]string
	e.do("GET", "/healthz", "", nil).want(t, http.StatusOK).decode(t, &body)
	if body["status"] != "ok" {
		t.Fatalf("healthz = %v", body)
	}
	e.do("GET", "/readyz", "", nil).want(t, http.StatusOK).decode(t, &body)
	if body["status"] != "ready" {
		t.Fatalf("readyz = %v", body)
	}
	notReady = errors.New("bbolt at /secret/path not open")
	r := e.do("GET", "/readyz", "", nil)
	got := r.wantErr(t, http.StatusServiceUnavailable, "not_ready")
	if strings.Contains(got.Error.Message, "/secret/path") {
		t.Fatalf("readyz leaks the reason without auth: %q", got.Error.Message)
	}
}

func TestMetrics(t *testing.T) {
	metrics := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		fmt.Fprintln(w, "hostd_up 1")
	})
	e := newEnv(t, func(o *admin.Options) { o.Metrics = metrics })
	r := e.do("GET", "/metrics", e.viewer, nil).want(t, http.StatusOK)
	if string(r.body) != "hostd_up 1\n" {
		t.Fatalf("metrics body = %q", r.body)
	}
	e.do("GET", "/metrics", "", nil).wantErr(t, http.StatusUnauthorized, "unauthorized")

	none := newEnv(t, nil)
	none.do("GET", "/metrics", none.viewer, nil).wantErr(t, http.StatusNotFound, "not_found")
}

func TestNotFoundAndMethodNotAllowed(t *testing.T) {
	e := newEnv(t, nil)
	e.do("GET", "/nope", "", nil).wantErr(t, http.StatusNotFound, "not_found")
	e.do("GET", "/v1/plugins/a/b/c", e.admin, nil).wantErr(t, http.StatusNotFound, "not_found")
	e.do("GET", "/v1/routes/", e.admin, nil).wantErr(t, http.StatusNotFound, "not_found")

	r := e.do("DELETE", "/v1/plugins", e.admin, nil)
	r.wantErr(t, http.StatusMethodNotAllowed, "method_not_allowed")
	if allow := r.header.Get("Allow"); !strings.Contains(allow, "GET") {
		t.Fatalf("Allow = %q", allow)
	}
	r = e.do("POST", "/v1/routes/x", e.admin, "{}")
	r.wantErr(t, http.StatusMethodNotAllowed, "method_not_allowed")
	for _, m := range []string{"GET", "PUT", "DELETE"} {
		if !strings.Contains(r.header.Get("Allow"), m) {
			t.Fatalf("Allow = %q, missing %s", r.header.Get("Allow"), m)
		}
	}
	e.do("POST", "/healthz", "", nil).wantErr(t, http.StatusMethodNotAllowed, "method_not_allowed")
}

func TestControlErrorKinds(t *testing.T) {
	e := newEnv(t, nil)
	tests := []struct {
		kind   errs.Kind
		status int
	}{
		{errs.Invalid, 400},
		{errs.NotFound, 404},
		{errs.Conflict, 409},
		{errs.TooLarge, 413},
		{errs.Unprocessable, 422},
		{errs.Unavailable, 503},
	}
	for _, tc := range tests {
		t.Run(fmt.Sprint(tc.status), func(t *testing.T) {
			inner := errors.New("inner detail")
			e.ctl.setFail(fmt.Errorf("host: wrapped: %w", errs.Wrap(inner, tc.kind, "some_code", "do the thing")))
			got := e.do("GET", "/v1/routes", e.viewer, nil).wantErr(t, tc.status, "some_code")
			if got.Error.Message != "do the thing" {
				t.Fatalf("message = %q, want the errs.Error message only", got.Error.Message)
			}
		})
	}
	e.ctl.setFail(errs.New(errs.Conflict, "", "busy"))
	e.do("DELETE", "/v1/routes/x", e.admin, nil).wantErr(t, http.StatusConflict, "conflict")
}

func TestInternalErrorHidesDetail(t *testing.T) {
	e := newEnv(t, nil)
	e.ctl.setFail(errors.New("registry: open /var/lib/hostd/secret.db: permission denied"))
	for _, call := range []struct{ method, path string }{
		{"GET", "/v1/plugins"}, {"GET", "/v1/plugins/p"}, {"PUT", "/v1/plugins/p"},
		{"GET", "/v1/routes"}, {"DELETE", "/v1/routes/r"},
	} {
		body := any(nil)
		if call.method == "PUT" {
			body = wasmModule("p")
		}
		r := e.do(call.method, call.path, e.admin, body)
		r.wantErr(t, http.StatusInternalServerError, "internal")
		if strings.Contains(string(r.body), "secret") || strings.Contains(string(r.body), "registry") {
			t.Fatalf("%s %s leaks: %s", call.method, call.path, r.body)
		}
	}
	if !strings.Contains(e.logs.String(), "secret.db") {
		t.Fatal("the internal error detail was not logged")
	}
}

func TestPanicBecomes500(t *testing.T) {
	e := newEnv(t, func(o *admin.Options) { o.Control = panicControl{newFake()} })
	r := e.do("GET", "/v1/routes", e.viewer, nil)
	r.wantErr(t, http.StatusInternalServerError, "internal")
	if strings.Contains(string(r.body), "secret") {
		t.Fatalf("panic detail leaked: %s", r.body)
	}
	e.do("GET", "/healthz", "", nil).want(t, http.StatusOK) // still serving
}

func TestRequestID(t *testing.T) {
	e := newEnv(t, nil)
	r := e.do("GET", "/healthz", "", nil, "X-Request-ID", "abc-123.x_y:z")
	if got := r.header.Get("X-Request-ID"); got != "abc-123.x_y:z" {
		t.Fatalf("sane request ID not kept: %q", got)
	}
	for _, bad := range []string{"has space", "a\"b", strings.Repeat("a", 129)} {
		r := e.do("GET", "/nope", "", nil, "X-Request-ID", bad)
		got := r.header.Get("X-Request-ID")
		if got == "" || got == bad {
			t.Fatalf("bad request ID %q answered with %q", bad, got)
		}
	}
	a := e.do("GET", "/healthz", "", nil).header.Get("X-Request-ID")
	b := e.do("GET", "/healthz", "", nil).header.Get("X-Request-ID")
	if a == "" || a == b {
		t.Fatalf("generated request IDs %q, %q", a, b)
	}
	r = e.do("GET", "/v1/plugins", "", nil, "X-Request-ID", strings.Repeat("b", 128))
	if r.header.Get("X-Request-ID") != strings.Repeat("b", 128) {
		t.Fatal("128-character request ID not kept on an error response")
	}
}

func TestRequestLog(t *testing.T) {
	e := newEnv(t, nil)
	e.do("GET", "/v1/plugins", e.viewer, nil, "X-Request-ID", "req-1").want(t, http.StatusOK)
	e.do("PUT", "/v1/routes/r", e.viewer, "{}", "X-Request-ID", "req-2").want(t, http.StatusForbidden)

	lines := map[string]map[string]any{}
	for _, l := range strings.Split(strings.TrimSpace(e.logs.String()), "\n") {
		var m map[string]any
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Fatalf("log line %q: %v", l, err)
		}
		if m["msg"] == "admin request" {
			lines[fmt.Sprint(m["request_id"])] = m
		}
	}
	for id, status := range map[string]float64{"req-1": 200, "req-2": 403} {
		m := lines[id]
		if m == nil {
			t.Fatalf("no request line for %s in %s", id, e.logs.String())
		}
		if m["level"] != "INFO" || m["status"] != status || m["subject"] != "tester" || m["role"] != "viewer" ||
			m["method"] == nil || m["path"] == nil || m["duration"] == nil {
			t.Fatalf("log line for %s = %v", id, m)
		}
	}
	if strings.Contains(e.logs.String(), e.viewer) {
		t.Fatal("the token was logged")
	}
}

func TestNewHandlerErrors(t *testing.T) {
	if _, err := admin.NewHandler(admin.Options{Key: testKey}); err == nil {
		t.Error("no error without Control")
	}
	if _, err := admin.NewHandler(admin.Options{Control: newFake(), Key: testKey[:16]}); err == nil {
		t.Error("no error with a 16-byte key")
	}
	if _, err := admin.NewHandler(admin.Options{Control: newFake(), Key: testKey}); err != nil {
		t.Errorf("minimal options: %v", err)
	}
}
