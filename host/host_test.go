package host_test

import (
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hostd/hostd/host"
	"github.com/hostd/hostd/internal/testwasm"
)

func TestServeWasmHandlerAndFilters(t *testing.T) {
	th := startHost(t, nil)
	th.upload("echo", testwasm.Echo)
	th.upload("addheader", testwasm.AddHeader)
	th.route("echo", `{"path":"/echo/{name}","methods":["GET"],"filters":[{"plugin":"addheader"}],"handler":{"plugin":"echo"}}`)

	r := th.get("/echo/bob?x=1", "X-Test", "tv")
	expectStatus(t, r, 200)
	if got, want := string(r.body), "GET /echo/bob?x=1 name=bob x-test=tv"; got != want {
		t.Errorf("body %q, want %q", got, want)
	}
	for k, v := range map[string]string{"Content-Type": "text/plain", "X-Filter": "seen", "X-Response-Phase": "yes"} {
		if got := r.header.Get(k); got != v {
			t.Errorf("header %s = %q, want %q", k, got, v)
		}
	}
	if r.header.Get("X-Request-ID") == "" {
		t.Error("no X-Request-ID on the response")
	}
	// Method not bound → 405; unknown path → 404, both JSON.
	r = th.do("POST", th.base+"/echo/bob", "", nil)
	expectStatus(t, r, 405)
	if c := r.errorCode(t); c != "method_not_allowed" {
		t.Errorf("code %q", c)
	}
	r = th.get("/nothing")
	expectStatus(t, r, 404)
	if c := r.errorCode(t); c != "no_route" {
		t.Errorf("code %q", c)
	}
}

func TestFilterDenyEndsChain(t *testing.T) {
	th := startHost(t, nil)
	th.upload("deny", testwasm.Deny)
	th.upload("hello", testwasm.Hello)
	th.upload("addheader", testwasm.AddHeader)
	th.route("r", `{"path":"/x","filters":[{"plugin":"addheader"},{"plugin":"deny"}],"handler":{"plugin":"hello"}}`)
	r := th.get("/x")
	expectStatus(t, r, 403)
	if string(r.body) != "denied" {
		t.Errorf("body %q", r.body)
	}
	// The filter before the deny still sees on_response.
	if r.header.Get("X-Response-Phase") != "yes" {
		t.Error("on_response of the earlier filter did not run")
	}
}

func TestRouteConfigIsPassed(t *testing.T) {
	th := startHost(t, nil)
	th.upload("cfg", testwasm.ConfigEcho)
	th.route("a", `{"path":"/a","handler":{"plugin":"cfg","config":{"greeting":"hi"}}}`)
	th.route("b", `{"path":"/b","handler":{"plugin":"cfg"}}`)
	if r := th.get("/a"); string(r.body) != `{"greeting":"hi"}` {
		t.Errorf("/a body %q", r.body)
	}
	if r := th.get("/b"); string(r.body) != `{}` {
		t.Errorf("/b body %q", r.body)
	}
}

func TestBadPluginsFailOnlyTheirRequest(t *testing.T) {
	cases := []struct {
		name    string
		timeout time.Duration
		status  int
		code    string
		outcome string
	}{
		{"trap", time.Second, 500, "plugin_failed", `outcome="trap"`},
		{"loop", 200 * time.Millisecond, 504, "plugin_timeout", `outcome="timeout"`},
		// Generous deadline: growing to the limit is slow under -race.
		{"membomb", 10 * time.Second, 500, "plugin_failed", `outcome="memory"`},
		{"on_response_trap", time.Second, 500, "plugin_failed", `outcome="trap"`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			th := startHost(t, func(c *host.Config) {
				c.Limits.CallTimeout = host.Duration(tc.timeout)
				c.Limits.MemoryPages = 256
			})
			th.upload("hello", testwasm.Hello)
			th.route("hello", `{"path":"/hello","handler":{"plugin":"hello"}}`)
			th.upload(tc.name, testwasm.Get(tc.name))
			body := `{"path":"/bad","handler":{"plugin":"` + tc.name + `"}}`
			if tc.name == "on_response_trap" {
				body = `{"path":"/bad","filters":[{"plugin":"on_response_trap"}],"handler":{"plugin":"hello"}}`
			}
			th.route("bad", body)
			for range 3 { // the instance is replaced after each failure
				r := th.get("/bad")
				expectStatus(t, r, tc.status)
				if c := r.errorCode(t); c != tc.code {
					t.Errorf("code %q, want %q", c, tc.code)
				}
				if strings.Contains(string(r.body), "unreachable") || strings.Contains(string(r.body), "wasm") {
					t.Errorf("guest error text leaked to the client: %s", r.body)
				}
				expectStatus(t, th.get("/hello"), 200) // others keep serving
			}
			m := th.do("GET", th.admin+"/metrics", th.viewer, nil)
			expectStatus(t, m, 200)
			if !strings.Contains(string(m.body), tc.outcome) {
				t.Errorf("metrics lack %s", tc.outcome)
			}
		})
	}
}

func TestUploadRejections(t *testing.T) {
	th := startHost(t, func(c *host.Config) { c.Limits.MaxUploadBytes = 4096; c.Limits.MemoryPages = 256 })
	cases := []struct {
		name   string
		body   []byte
		status int
		code   string
	}{
		{"not wasm", []byte("hello, I am text"), 400, "not_wasm"},
		{"no marker", testwasm.NoMarker, 422, "abi_mismatch"},
		{"foreign import", testwasm.BadImport, 422, "abi_mismatch"},
		{"wrong signature", testwasm.BadSig, 422, "abi_mismatch"},
		{"asyncify scheduler", testwasm.Asyncify, 400, "unsupported_scheduler"},
		{"huge initial memory", testwasm.MemBombStatic, 422, "module_over_limit"},
		{"over the upload limit", make([]byte, 5000), 413, "too_large"},
		{"truncated module", testwasm.Hello[:20], 422, "abi_mismatch"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := th.adminDo("PUT", "/v1/plugins/p", tc.body)
			expectStatus(t, r, tc.status)
			if c := r.errorCode(t); c != tc.code {
				t.Errorf("code %q, want %q (%s)", c, tc.code, r.body)
			}
			expectStatus(t, th.adminDo("GET", "/v1/plugins/p", nil), 404) // nothing stored
		})
	}
}

// TestUploadAsyncifyRefused: a module exporting asyncify_* (TinyGo's
// default scheduler) is refused with a message naming the fix, neither as a
// new plugin nor as a new version of one in use, and nothing is stored.
func TestUploadAsyncifyRefused(t *testing.T) {
	th := startHost(t, nil)
	r := th.adminDo("PUT", "/v1/plugins/tiny", testwasm.Asyncify)
	expectStatus(t, r, 400)
	var e struct {
		Error struct{ Code, Message string }
	}
	r.json(t, &e)
	if e.Error.Code != "unsupported_scheduler" || !strings.Contains(e.Error.Message, "-scheduler=none") {
		t.Errorf("error %+v, want unsupported_scheduler naming -scheduler=none", e.Error)
	}
	expectStatus(t, th.adminDo("GET", "/v1/plugins/tiny", nil), 404)

	th.upload("tiny", testwasm.Hello)
	th.route("t", `{"path":"/t","handler":{"plugin":"tiny"}}`)
	r = th.adminDo("PUT", "/v1/plugins/tiny?activate=true", testwasm.Asyncify)
	expectStatus(t, r, 400)
	if c := r.errorCode(t); c != "unsupported_scheduler" {
		t.Errorf("code %q, want unsupported_scheduler", c)
	}
	var p struct{ Versions []struct{ Version int } }
	th.adminDo("GET", "/v1/plugins/tiny", nil).json(t, &p)
	if len(p.Versions) != 1 {
		t.Errorf("%d versions stored, want 1", len(p.Versions))
	}
	if got := th.get("/t"); got.status != 200 || string(got.body) != "hello from wat" {
		t.Errorf("GET /t = %d %q, want the first version's answer", got.status, got.body)
	}
}

func TestRouteRejectionsChangeNothing(t *testing.T) {
	th := startHost(t, func(c *host.Config) { c.Limits.ConfigureTimeout = host.Duration(300 * time.Millisecond) })
	th.upload("hello", testwasm.Hello)
	th.upload("strict", testwasm.ConfigureReject)
	th.upload("slow", testwasm.SlowConfigure)
	th.route("ok", `{"path":"/ok","handler":{"plugin":"hello"}}`)
	cases := []struct {
		name, body string
		status     int
		code       string
	}{
		{"unknown plugin", `{"path":"/ok","handler":{"plugin":"ghost"}}`, 422, "unknown_plugin"},
		{"unknown version", `{"path":"/ok","handler":{"plugin":"hello","version":9}}`, 422, "unknown_version"},
		{"invalid path", `{"path":"/ok/{id:[}","handler":{"plugin":"hello"}}`, 400, "invalid_route"},
		{"config rejected", `{"path":"/ok","handler":{"plugin":"strict","config":{"x":1}}}`, 422, "config_rejected"},
		{"configure loops", `{"path":"/ok","handler":{"plugin":"slow"}}`, 422, "plugin_start_timeout"},
		{"not json", `{"path":`, 400, "invalid_json"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := th.adminDo("PUT", "/v1/routes/ok", []byte(tc.body))
			expectStatus(t, r, tc.status)
			if c := r.errorCode(t); c != tc.code {
				t.Errorf("code %q, want %q (%s)", c, tc.code, r.body)
			}
			expectStatus(t, th.get("/ok"), 200)
			var rt struct{ Handler struct{ Plugin string } }
			th.adminDo("GET", "/v1/routes/ok", nil).json(t, &rt)
			if rt.Handler.Plugin != "hello" {
				t.Errorf("stored route changed to %q", rt.Handler.Plugin)
			}
		})
	}
}

func TestAuth(t *testing.T) {
	th := startHost(t, nil)
	expectStatus(t, th.do("GET", th.admin+"/v1/plugins", "", nil), 401)
	expectStatus(t, th.do("GET", th.admin+"/v1/plugins", "not.a.token", nil), 401)
	expectStatus(t, th.do("GET", th.admin+"/v1/plugins", th.viewer, nil), 200)
	r := th.do("PUT", th.admin+"/v1/plugins/hello", th.viewer, testwasm.Hello)
	expectStatus(t, r, 403)
	expectStatus(t, th.adminDo("GET", "/v1/plugins/hello", nil), 404)
	// A token for another data dir is refused.
	other := mint(t, t.TempDir(), "admin")
	expectStatus(t, th.do("GET", th.admin+"/v1/plugins", other, nil), 401)
	expectStatus(t, th.do("GET", th.admin+"/healthz", "", nil), 200)
	expectStatus(t, th.do("GET", th.admin+"/readyz", "", nil), 200)
}

func TestPluginLifecycleAndPersistence(t *testing.T) {
	th := startHost(t, nil)
	if v := th.upload("p", testwasm.Hello); v != 1 {
		t.Fatalf("first version %d", v)
	}
	if v := th.upload("p", testwasm.Deny); v != 2 {
		t.Fatalf("second version %d", v)
	}
	r := th.adminDo("PUT", "/v1/plugins/p", testwasm.Deny) // same bytes: no new version
	expectStatus(t, r, 200)
	th.route("r", `{"path":"/p","handler":{"plugin":"p"}}`)
	expectStatus(t, th.get("/p"), 403)

	r = th.adminDo("PUT", "/v1/plugins/p/active", []byte(`{"version":1}`)) // rollback
	expectStatus(t, r, 200)
	expectStatus(t, th.get("/p"), 200)
	expectStatus(t, th.adminDo("PUT", "/v1/plugins/p/active", []byte(`{"version":7}`)), 404)

	r = th.do("PUT", th.admin+"/v1/plugins/p?activate=false", th.token, testwasm.Echo)
	expectStatus(t, r, 201)
	expectStatus(t, th.get("/p"), 200) // still version 1
	var p struct {
		ActiveVersion int `json:"active_version"`
		Versions      []struct{ Version int }
	}
	th.adminDo("GET", "/v1/plugins/p", nil).json(t, &p)
	if p.ActiveVersion != 1 || len(p.Versions) != 3 {
		t.Fatalf("plugin %+v", p)
	}

	expectStatus(t, th.adminDo("DELETE", "/v1/plugins/p", nil), 409)

	th = th.restart(nil)
	expectStatus(t, th.get("/p"), 200)
	if string(th.get("/p").body) != "hello from wat" {
		t.Error("served the wrong version after restart")
	}
	th.adminDo("GET", "/v1/plugins/p", nil).json(t, &p)
	if p.ActiveVersion != 1 || len(p.Versions) != 3 {
		t.Fatalf("after restart: %+v", p)
	}
	var routes struct{ Routes []struct{ ID string } }
	th.adminDo("GET", "/v1/routes", nil).json(t, &routes)
	if len(routes.Routes) != 1 {
		t.Fatalf("routes after restart: %+v", routes)
	}

	expectStatus(t, th.adminDo("DELETE", "/v1/routes/r", nil), 204)
	expectStatus(t, th.get("/p"), 404)
	expectStatus(t, th.adminDo("DELETE", "/v1/plugins/p", nil), 204)
	expectStatus(t, th.adminDo("GET", "/v1/plugins/p", nil), 404)
	expectStatus(t, th.adminDo("DELETE", "/v1/routes/r", nil), 404)
}

func TestSecondHostOnSameDataDirFails(t *testing.T) {
	th := startHost(t, nil)
	h, err := host.New(host.Config{Listen: "127.0.0.1:0", AdminListen: "127.0.0.1:0", DataDir: th.dir, Logger: testLogger()})
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	err = h.Start(t.Context())
	if err == nil {
		t.Fatal("second host started on the same data dir")
	}
	if !strings.Contains(err.Error(), "in use") {
		t.Errorf("unclear error: %v", err)
	}
	if time.Since(start) > 10*time.Second {
		t.Error("second host waited instead of failing fast")
	}
	expectStatus(t, th.get("/nothing"), 404) // the first one still serves
}

// TestSwapUnderLoad swaps plugin versions and the route itself while
// clients hammer the route: no request may fail.
func TestSwapUnderLoad(t *testing.T) {
	th := startHost(t, nil)
	th.upload("p", testwasm.Hello)
	th.upload("f", testwasm.AddHeader)
	th.route("r", `{"path":"/p","handler":{"plugin":"p"}}`)

	var stop atomic.Bool
	var total, failed atomic.Int64
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for !stop.Load() {
				res, err := th.client.Get(th.base + "/p")
				total.Add(1)
				if err != nil {
					failed.Add(1)
					continue
				}
				res.Body.Close()
				if res.StatusCode != http.StatusOK && res.StatusCode != http.StatusForbidden {
					failed.Add(1)
				}
			}
		}()
	}
	for i := range 20 {
		wasm := testwasm.Hello
		if i%2 == 1 {
			wasm = testwasm.Deny
		}
		th.upload("p", wasm)
		if i%3 == 0 {
			th.route("r", `{"path":"/p","filters":[{"plugin":"f"}],"handler":{"plugin":"p"}}`)
		} else if i%3 == 1 {
			th.route("r", `{"path":"/p","handler":{"plugin":"p"}}`)
		}
		time.Sleep(20 * time.Millisecond)
	}
	stop.Store(true)
	wg.Wait()
	if total.Load() < 100 {
		t.Fatalf("only %d requests ran", total.Load())
	}
	if failed.Load() != 0 {
		t.Fatalf("%d of %d requests failed during swaps", failed.Load(), total.Load())
	}
}

func TestShutdownDrainsInFlightRequests(t *testing.T) {
	th := startHost(t, nil)
	th.upload("slow", testwasm.Slow)
	th.route("slow", `{"path":"/slow","handler":{"plugin":"slow"}}`)
	done := make(chan resp, 4)
	for range 4 {
		go func() {
			res, err := th.client.Get(th.base + "/slow")
			if err != nil {
				done <- resp{status: -1, body: []byte(err.Error())}
				return
			}
			defer res.Body.Close()
			b := make([]byte, 16)
			n, _ := res.Body.Read(b)
			done <- resp{status: res.StatusCode, body: b[:n]}
		}()
	}
	time.Sleep(100 * time.Millisecond) // the requests are inside the plugin
	th.stop()
	for range 4 {
		r := <-done
		if r.status != 200 || string(r.body) != "slow" {
			t.Errorf("in-flight request got %d %q during shutdown", r.status, r.body)
		}
	}
	if _, err := th.client.Get(th.base + "/slow"); err == nil {
		t.Error("a request after shutdown was served")
	}
}

func TestFilterFailurePolicy(t *testing.T) {
	th := startHost(t, nil)
	th.upload("hello", testwasm.Hello)
	th.upload("trap", testwasm.Trap)
	th.upload("resptrap", testwasm.OnResponseTrap)
	th.route("closed", `{"path":"/closed","filters":[{"plugin":"trap"}],"handler":{"plugin":"hello"}}`)
	th.route("open", `{"path":"/open","filters":[{"plugin":"trap","failure":"open"},{"plugin":"resptrap","failure":"open"}],"handler":{"plugin":"hello"}}`)
	th.route("resp-closed", `{"path":"/resp-closed","filters":[{"plugin":"resptrap","failure":"closed"}],"handler":{"plugin":"hello"}}`)
	expectStatus(t, th.get("/closed"), 500)
	r := th.get("/open")
	expectStatus(t, r, 200)
	if string(r.body) != "hello from wat" {
		t.Errorf("fail-open body %q", r.body)
	}
	expectStatus(t, th.get("/resp-closed"), 500)
	for _, body := range []string{
		`{"path":"/x","filters":[{"plugin":"trap","failure":"sometimes"}],"handler":{"plugin":"hello"}}`,
		`{"path":"/x","handler":{"plugin":"hello","failure":"open"}}`,
	} {
		r := th.adminDo("PUT", "/v1/routes/x", []byte(body))
		expectStatus(t, r, 400)
	}
}
