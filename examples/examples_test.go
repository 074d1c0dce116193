package examples_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hostd/hostd/host"
	"github.com/hostd/hostd/internal/guestbuild"
)

// hostd runs a real hostd on loopback for one test.
type hostd struct {
	t           *testing.T
	base, admin string
	token       string
	h           *host.Host
}

func start(t *testing.T) *hostd {
	t.Helper()
	dir := t.TempDir()
	h, err := host.New(host.Config{Listen: "127.0.0.1:0", AdminListen: "127.0.0.1:0", DataDir: dir,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	if err := h.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	tok, err := host.MintAdminToken(dir, "admin", "examples", time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	d := &hostd{t: t, h: h, token: tok, base: "http://" + h.Addr().String(), admin: "http://" + h.AdminAddr().String()}
	t.Cleanup(func() { _ = h.Shutdown(context.Background()) })
	return d
}

func (d *hostd) call(method, url string, body []byte, hdr map[string]string) (int, http.Header, string) {
	d.t.Helper()
	req, _ := http.NewRequest(method, url, bytes.NewReader(body))
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		d.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, res.Header, string(b)
}

func (d *hostd) put(path string, body []byte) {
	d.t.Helper()
	code, _, b := d.call("PUT", d.admin+path, body, map[string]string{"Authorization": "Bearer " + d.token})
	if code != 200 && code != 201 {
		d.t.Fatalf("PUT %s: %d %s", path, code, b)
	}
}

func (d *hostd) putErr(path string, body []byte) int {
	d.t.Helper()
	code, _, _ := d.call("PUT", d.admin+path, body, map[string]string{"Authorization": "Bearer " + d.token})
	return code
}

func TestHello(t *testing.T) {
	d := start(t)
	d.put("/v1/plugins/hello", guestbuild.Build(t, "examples/hello"))
	d.put("/v1/routes/hello", []byte(`{"path":"/hello/{name}","methods":["GET"],"handler":{"plugin":"hello"}}`))
	d.put("/v1/routes/hello-q", []byte(`{"path":"/hello","handler":{"plugin":"hello"}}`))
	d.put("/v1/routes/hi", []byte(`{"path":"/hi/{name}","handler":{"plugin":"hello","config":{"greeting":"hi"}}}`))
	for _, tc := range []struct{ path, want string }{
		{"/hello/bob", "hello, bob"},
		{"/hello?name=ann", "hello, ann"},
		{"/hello", "hello, world"},
		{"/hi/bob", "hi, bob"},
	} {
		code, hdr, body := d.call("GET", d.base+tc.path, nil, nil)
		if code != 200 || body != tc.want || !strings.HasPrefix(hdr.Get("Content-Type"), "text/plain") {
			t.Errorf("%s: %d %q %q, want 200 %q text/plain", tc.path, code, hdr.Get("Content-Type"), body, tc.want)
		}
	}
	if code := d.putErr("/v1/routes/bad", []byte(`{"path":"/bad","handler":{"plugin":"hello","config":{"greeting":1}}}`)); code != 422 {
		t.Errorf("invalid greeting accepted: %d", code)
	}
}

func TestHeaderFilter(t *testing.T) {
	d := start(t)
	d.put("/v1/plugins/headerfilter", guestbuild.Build(t, "examples/headerfilter"))
	d.put("/v1/plugins/hello", guestbuild.Build(t, "examples/hello"))
	cfg := `{"require":{"X-Api-Key":"secret"},"deny":["X-Debug"],"set_response":{"X-Filtered":"yes"}}`
	d.put("/v1/routes/r", []byte(`{"path":"/p/{name}","filters":[{"plugin":"headerfilter","config":`+cfg+`}],"handler":{"plugin":"hello"}}`))

	code, hdr, body := d.call("GET", d.base+"/p/bob", nil, map[string]string{"X-Api-Key": "secret"})
	if code != 200 || body != "hello, bob" || hdr.Get("X-Filtered") != "yes" {
		t.Errorf("allowed: %d %q X-Filtered=%q", code, body, hdr.Get("X-Filtered"))
	}
	for name, h := range map[string]map[string]string{
		"missing key": nil,
		"wrong key":   {"X-Api-Key": "guess"},
		"denied hdr":  {"X-Api-Key": "secret", "X-Debug": "1"},
	} {
		code, _, body := d.call("GET", d.base+"/p/bob", nil, h)
		var e struct{ Error struct{ Code string } }
		_ = json.Unmarshal([]byte(body), &e)
		if code != 403 || e.Error.Code != "denied" || strings.Contains(body, "secret") {
			t.Errorf("%s: %d %s", name, code, body)
		}
	}
	if code := d.putErr("/v1/routes/bad", []byte(`{"path":"/bad","filters":[{"plugin":"headerfilter","config":{"deny_status":"x"}}],"handler":{"plugin":"hello"}}`)); code != 422 {
		t.Errorf("invalid filter config accepted: %d", code)
	}
}

func TestCounter(t *testing.T) {
	d := start(t)
	d.put("/v1/plugins/counter", guestbuild.Build(t, "examples/counter"))
	d.put("/v1/routes/count", []byte(`{"path":"/count/{key}","methods":["GET","POST"],"handler":{"plugin":"counter"}}`))

	count := func(key string) int {
		code, _, body := d.call("GET", d.base+"/count/"+key, nil, nil)
		var v struct {
			Key   string
			Count int
		}
		if err := json.Unmarshal([]byte(body), &v); code != 200 || err != nil || v.Key != key {
			t.Fatalf("GET %s: %d %s", key, code, body)
		}
		return v.Count
	}
	if n := count("a"); n != 0 {
		t.Fatalf("fresh counter = %d", n)
	}
	// Concurrent increments from several clients (so several instances) are
	// exact: compare-and-swap in the plugin, KV in bbolt.
	const clients, each = 4, 25
	var wg sync.WaitGroup
	for range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < each; {
				code, _, body := d.call("POST", d.base+"/count/a", nil, nil)
				switch code {
				case 200:
					i++
				case 503: // too contended: the plugin asks to retry
				default:
					t.Errorf("POST: %d %s", code, body)
					return
				}
			}
		}()
	}
	wg.Wait()
	if n := count("a"); n != clients*each {
		t.Fatalf("count = %d after %d increments", n, clients*each)
	}
	if n := count("b"); n != 0 {
		t.Fatalf("other key = %d", n)
	}
}

func TestAPIKey(t *testing.T) {
	d := start(t)
	d.put("/v1/plugins/apikey", guestbuild.Build(t, "examples/apikey"))
	d.put("/v1/plugins/headerfilter", guestbuild.Build(t, "examples/headerfilter"))
	d.put("/v1/plugins/hello", guestbuild.Build(t, "examples/hello"))
	// The admin binding provisions keys; headerfilter protects it.
	d.put("/v1/routes/apikeys", []byte(`{"path":"/apikeys/{key}","methods":["PUT","DELETE"],
		"filters":[{"plugin":"headerfilter","config":{"require":{"X-Admin-Token":"admin-secret"}}}],
		"handler":{"plugin":"apikey","config":{"mode":"admin"}}}`))
	d.put("/v1/routes/p", []byte(`{"path":"/p/{name}","filters":[{"plugin":"apikey"}],"handler":{"plugin":"hello"}}`))
	d.put("/v1/routes/w", []byte(`{"path":"/w/{name}","filters":[{"plugin":"apikey","config":{"required_scope":"write"}}],"handler":{"plugin":"hello"}}`))

	const key = "k-0123456789abcdef"
	adminHdr := map[string]string{"X-Admin-Token": "admin-secret"}
	keyURL := d.base + "/apikeys/" + key
	if code, _, body := d.call("PUT", keyURL, []byte(`{"client":"acme","scopes":["read"]}`), nil); code != 403 {
		t.Fatalf("unprotected admin route: %d %s", code, body)
	}
	if code, _, body := d.call("PUT", keyURL, []byte(`{"client":"acme","scopes":["read"]}`), adminHdr); code != 201 {
		t.Fatalf("provision: %d %s", code, body)
	}
	expect := func(path string, hdr map[string]string, want int, wantCode string) {
		t.Helper()
		code, _, body := d.call("GET", d.base+path, nil, hdr)
		var e struct{ Error struct{ Code string } }
		_ = json.Unmarshal([]byte(body), &e)
		if code != want || (wantCode != "" && e.Error.Code != wantCode) || (want == 200 && body != "hello, bob") {
			t.Errorf("GET %s %v: %d %s, want %d %s", path, hdr, code, body, want, wantCode)
		}
	}
	expect("/p/bob", nil, 401, "invalid_api_key")
	expect("/p/bob", map[string]string{"X-Api-Key": "wrong-key-0123456789"}, 401, "invalid_api_key")
	expect("/p/bob", map[string]string{"X-Api-Key": key}, 200, "")
	expect("/w/bob", map[string]string{"X-Api-Key": key}, 403, "insufficient_scope")

	if code, _, body := d.call("DELETE", keyURL, nil, adminHdr); code != 204 {
		t.Fatalf("revoke: %d %s", code, body)
	}
	expect("/p/bob", map[string]string{"X-Api-Key": key}, 401, "invalid_api_key")
	if code, _, body := d.call("DELETE", keyURL, nil, adminHdr); code != 404 {
		t.Errorf("revoke twice: %d %s", code, body)
	}
	if code := d.putErr("/v1/routes/bad", []byte(`{"path":"/bad","filters":[{"plugin":"apikey","config":{"mode":"x"}}],"handler":{"plugin":"hello"}}`)); code != 422 {
		t.Errorf("invalid apikey config accepted: %d", code)
	}
}
