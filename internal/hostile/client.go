package hostile

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"time"
)

// maxBody is how much of a response body the harness reads.
const maxBody = 1 << 20

// Resp is one HTTP exchange as the client saw it.
type Resp struct {
	Status int
	Header http.Header
	Body   []byte // at most 1 MiB
	Took   time.Duration
	Err    error // transport error or client timeout; Status is 0
}

// Code returns the "error.code" of a hostd JSON error body, or "".
func (r Resp) Code() string {
	var e struct {
		Error struct {
			Code, Message string
		}
	}
	_ = json.Unmarshal(r.Body, &e)
	return e.Error.Code
}

// Message returns the "error.message" of a hostd JSON error body, or "".
func (r Resp) Message() string {
	var e struct {
		Error struct {
			Code, Message string
		}
	}
	_ = json.Unmarshal(r.Body, &e)
	return e.Error.Message
}

// Is reports whether r has the status and, if code is not empty, the code.
func (r Resp) Is(status int, code string) bool {
	return r.Err == nil && r.Status == status && (code == "" || r.Code() == code)
}

func (r Resp) String() string {
	if r.Err != nil {
		return fmt.Sprintf("no answer after %s (%v)", r.Took.Round(time.Millisecond), r.Err)
	}
	s := fmt.Sprintf("%d after %s", r.Status, r.Took.Round(time.Millisecond))
	if c := r.Code(); c != "" {
		s += fmt.Sprintf(" %s: %q", c, r.Message())
	} else if len(r.Body) > 0 {
		b := r.Body
		if len(b) > 120 {
			b = b[:120]
		}
		s += fmt.Sprintf(" body %q", b)
	}
	return s
}

// NewClient returns a client with its own connection pool. It has no
// timeout of its own: every request made through Do or DoCtx has one.
func NewClient() *http.Client {
	return &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 4, DisableCompression: true}}
}

// Do sends one request with a deadline of timeout. It never blocks longer
// than timeout (plus reading at most 1 MiB of body within it).
func Do(c *http.Client, method, url string, body []byte, hdr http.Header, timeout time.Duration) Resp {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	return DoCtx(ctx, c, method, url, body, hdr)
}

// DoCtx is Do bounded by ctx.
func DoCtx(ctx context.Context, c *http.Client, method, url string, body []byte, hdr http.Header) Resp {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, url, rd)
	if err != nil {
		return Resp{Err: err}
	}
	for k, v := range hdr {
		req.Header[k] = v
	}
	begin := time.Now()
	res, err := c.Do(req)
	if err != nil {
		return Resp{Err: err, Took: time.Since(begin)}
	}
	defer res.Body.Close()
	b, err := io.ReadAll(io.LimitReader(res.Body, maxBody))
	_, _ = io.Copy(io.Discard, io.LimitReader(res.Body, 16<<20)) // let the connection be reused
	r := Resp{Status: res.StatusCode, Header: res.Header, Body: b, Took: time.Since(begin)}
	if err != nil {
		r.Err = fmt.Errorf("reading the body: %w", err)
	}
	return r
}

// Data sends GET path to the data plane.
func (h *Hostd) Data(path string, timeout time.Duration) Resp {
	return Do(h.client(), "GET", h.DataURL+path, nil, nil, timeout)
}

// Admin sends an authorised request to the admin API.
func (h *Hostd) Admin(method, path string, body []byte, timeout time.Duration) Resp {
	hdr := http.Header{"Authorization": {"Bearer " + h.Token}}
	if body != nil {
		hdr.Set("Content-Type", "application/json")
	}
	return Do(h.client(), method, h.AdminURL+path, body, hdr, timeout)
}

// Upload PUTs wasm as a new version of plugin name.
func (h *Hostd) Upload(name string, wasm []byte, timeout time.Duration) Resp {
	hdr := http.Header{"Authorization": {"Bearer " + h.Token}, "Content-Type": {"application/wasm"}}
	return Do(h.client(), "PUT", h.AdminURL+"/v1/plugins/"+name, wasm, hdr, timeout)
}

// MustUpload uploads wasm and fails the test unless it is stored (200/201).
func (h *Hostd) MustUpload(name string, wasm []byte) {
	h.t.Helper()
	if r := h.Upload(name, wasm, 30*time.Second); r.Err != nil || (r.Status != 200 && r.Status != 201) {
		h.t.Fatalf("upload of %s (%d bytes): want 200/201, got %s", name, len(wasm), r)
	}
}

// Route is the body of PUT /v1/routes/{id} with a plugin handler.
func Route(path, plugin string, config any) map[string]any {
	b := map[string]any{"plugin": plugin}
	if config != nil {
		b["config"] = config
	}
	return map[string]any{"path": path, "handler": b}
}

// PutRoute creates or replaces route id.
func (h *Hostd) PutRoute(id string, route any, timeout time.Duration) Resp {
	b, err := json.Marshal(route)
	if err != nil {
		return Resp{Err: err}
	}
	return h.Admin("PUT", "/v1/routes/"+id, b, timeout)
}

// MustRoute binds path to plugin as route id and fails the test unless the
// route is stored.
func (h *Hostd) MustRoute(id, path, plugin string, config any) {
	h.t.Helper()
	if r := h.PutRoute(id, Route(path, plugin, config), 30*time.Second); r.Err != nil || (r.Status != 200 && r.Status != 201) {
		h.t.Fatalf("route %s → %s: want 200/201, got %s", id, plugin, r)
	}
}

// Plugin returns GET /v1/plugins/{name}.
func (h *Hostd) Plugin(name string) Resp {
	return h.Admin("GET", "/v1/plugins/"+name, nil, 2*time.Second)
}

// Healthz returns GET /healthz on the admin listener.
func (h *Hostd) Healthz(timeout time.Duration) Resp {
	return Do(h.client(), "GET", h.AdminURL+"/healthz", nil, nil, timeout)
}

// Readyz returns GET /readyz on the admin listener.
func (h *Hostd) Readyz(timeout time.Duration) Resp {
	return Do(h.client(), "GET", h.AdminURL+"/readyz", nil, nil, timeout)
}

var sharedClient = NewClient()

func (h *Hostd) client() *http.Client { return sharedClient }
