package host_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/hostd/hostd/host"
	"github.com/hostd/hostd/internal/hostdbin"
)

// sharedCache is one wazero compilation cache for every test host, so the
// Go-built plugins are compiled once per test binary, not once per host.
// compileWorker is this test binary built without the race detector: the
// test hosts compile in it, as cmd/hostd compiles in itself (with -race, a
// worker took 40 s instead of 4 s to compile jwt-auth).
var sharedCache, compileWorker string

func TestMain(m *testing.M) {
	if host.IsCompileWorker() {
		os.Exit(host.RunCompileWorker())
	}
	bin, err := hostdbin.TestWorker()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	compileWorker = bin
	dir, err := os.MkdirTemp("", "hostd-test-cache-")
	if err != nil {
		panic(err)
	}
	sharedCache = dir
	code := m.Run()
	_ = os.RemoveAll(dir)
	hostdbin.Cleanup()
	os.Exit(code)
}

// testHost is a real hostd on loopback with its data in a temp dir.
type testHost struct {
	t       testing.TB
	h       *host.Host
	dir     string
	token   string
	viewer  string
	base    string // data plane
	admin   string // admin API
	client  *http.Client
	stopped bool
}

func testLogger() *slog.Logger {
	if os.Getenv("HOSTD_TEST_LOG") != "" {
		return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	return slog.New(slog.NewTextHandler(io.Discard, nil))
}

// startHost starts a hostd; mutate adjusts the config (limits, data dir).
func startHost(t testing.TB, mutate func(*host.Config)) *testHost {
	t.Helper()
	cfg := host.Config{Listen: "127.0.0.1:0", AdminListen: "127.0.0.1:0", DataDir: t.TempDir(),
		CacheDir: sharedCache, Logger: testLogger(), CompileWorker: compileWorker}
	if mutate != nil {
		mutate(&cfg)
	}
	return startHostCfg(t, cfg)
}

func startHostCfg(t testing.TB, cfg host.Config) *testHost {
	t.Helper()
	h, err := host.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := h.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	th := &testHost{t: t, h: h, dir: cfg.DataDir, client: &http.Client{Timeout: 30 * time.Second},
		base: "http://" + h.Addr().String(), admin: "http://" + h.AdminAddr().String()}
	th.token = mint(t, cfg.DataDir, "admin")
	th.viewer = mint(t, cfg.DataDir, "viewer")
	t.Cleanup(th.stop)
	return th
}

func mint(t testing.TB, dir, role string) string {
	t.Helper()
	tok, err := host.MintAdminToken(dir, role, "test", time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

func (th *testHost) stop() {
	if th.stopped {
		return
	}
	th.stopped = true
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := th.h.Shutdown(ctx); err != nil {
		th.t.Errorf("shutdown: %v", err)
	}
}

// restart stops the host and starts a new one on the same data dir.
func (th *testHost) restart(mutate func(*host.Config)) *testHost {
	th.t.Helper()
	th.stop()
	return startHost(th.t, func(c *host.Config) {
		c.DataDir = th.dir
		if mutate != nil {
			mutate(c)
		}
	})
}

type resp struct {
	status int
	header http.Header
	body   []byte
}

func (r resp) json(t testing.TB, v any) {
	t.Helper()
	if err := json.Unmarshal(r.body, v); err != nil {
		t.Fatalf("decode %s: %v", r.body, err)
	}
}

// errorCode returns error.code of a JSON error body.
func (r resp) errorCode(t testing.TB) string {
	t.Helper()
	var e struct {
		Error struct{ Code, Message string }
	}
	r.json(t, &e)
	if e.Error.Message == "" {
		t.Errorf("error body without a message: %s", r.body)
	}
	return e.Error.Code
}

func (th *testHost) do(method, url, token string, body []byte, hdr ...string) resp {
	th.t.Helper()
	req, err := http.NewRequest(method, url, bytes.NewReader(body))
	if err != nil {
		th.t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	res, err := th.client.Do(req)
	if err != nil {
		th.t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		th.t.Fatal(err)
	}
	return resp{status: res.StatusCode, header: res.Header, body: b}
}

func (th *testHost) adminDo(method, path string, body []byte) resp {
	th.t.Helper()
	return th.do(method, th.admin+path, th.token, body)
}

func (th *testHost) get(path string, hdr ...string) resp {
	th.t.Helper()
	return th.do("GET", th.base+path, "", nil, hdr...)
}

// upload uploads wasm as plugin name and fails the test unless it is stored.
func (th *testHost) upload(name string, wasm []byte) int {
	th.t.Helper()
	r := th.adminDo("PUT", "/v1/plugins/"+name, wasm)
	if r.status != http.StatusCreated && r.status != http.StatusOK {
		th.t.Fatalf("upload %s: %d %s", name, r.status, r.body)
	}
	var v struct{ Version int }
	r.json(th.t, &v)
	return v.Version
}

// route stores a route from a JSON body and fails the test unless it is.
func (th *testHost) route(id, body string) {
	th.t.Helper()
	r := th.adminDo("PUT", "/v1/routes/"+id, []byte(body))
	if r.status != http.StatusCreated && r.status != http.StatusOK {
		th.t.Fatalf("route %s: %d %s", id, r.status, r.body)
	}
}

func expectStatus(t testing.TB, r resp, want int) {
	t.Helper()
	if r.status != want {
		t.Fatalf("status %d, want %d; body %s", r.status, want, truncate(r.body))
	}
}

func truncate(b []byte) string {
	s := string(b)
	if len(s) > 300 {
		s = s[:300] + "…"
	}
	return strings.TrimSpace(s)
}
