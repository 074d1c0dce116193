package admin_test

import (
	"bytes"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hostd/hostd/host/internal/admin"
)

// testNow is the fixed clock of every test server.
var testNow = time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)

// testKey is a fixed 32-byte signing key.
var testKey = []byte("0123456789abcdef0123456789abcdef")

// wasmModule returns a Wasm header followed by extra, so distinct extras
// make distinct versions.
func wasmModule(extra string) []byte {
	return append([]byte{0, 'a', 's', 'm', 1, 0, 0, 0}, extra...)
}

// syncBuffer is a goroutine-safe log sink.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// env is one admin server over loopback with its fake Control.
type env struct {
	t      *testing.T
	srv    *httptest.Server
	ctl    *fakeControl
	logs   *syncBuffer
	admin  string // admin token
	viewer string // viewer token
}

// newEnv starts a server; edit may change the options first.
func newEnv(t *testing.T, edit func(*admin.Options)) *env {
	t.Helper()
	e := &env{t: t, ctl: newFake(), logs: &syncBuffer{}}
	opts := admin.Options{
		Control: e.ctl,
		Key:     testKey,
		Logger:  slog.New(slog.NewJSONHandler(e.logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
		Now:     func() time.Time { return testNow },
	}
	if edit != nil {
		edit(&opts)
	}
	h, err := admin.NewHandler(opts)
	if err != nil {
		t.Fatalf("NewHandler: %v", err)
	}
	e.srv = httptest.NewServer(h)
	t.Cleanup(e.srv.Close)
	e.admin = mint(t, admin.RoleAdmin)
	e.viewer = mint(t, admin.RoleViewer)
	return e
}

// mint returns a one-hour token for role signed with testKey at testNow.
func mint(t *testing.T, role admin.Role) string {
	t.Helper()
	tok, err := admin.MintToken(testKey, role, "tester", time.Hour, testNow)
	if err != nil {
		t.Fatalf("MintToken: %v", err)
	}
	return tok
}

// resp is a finished response.
type resp struct {
	status int
	header http.Header
	body   []byte
}

// do sends a request; token "" sends no Authorization header. body may be
// nil, []byte, string or an io.Reader (sent chunked).
func (e *env) do(method, path, token string, body any, hdr ...string) resp {
	e.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case []byte:
		rd = bytes.NewReader(b)
	case string:
		rd = strings.NewReader(b)
	case io.Reader:
		rd = b
	}
	req, err := http.NewRequest(method, e.srv.URL+path, rd)
	if err != nil {
		e.t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	res, err := e.srv.Client().Do(req)
	if err != nil {
		e.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	data, err := io.ReadAll(res.Body)
	if err != nil {
		e.t.Fatal(err)
	}
	return resp{status: res.StatusCode, header: res.Header, body: data}
}

// want fails unless r has the status; it returns r for chaining.
func (r resp) want(t *testing.T, status int) resp {
	t.Helper()
	if r.status != status {
		t.Fatalf("status = %d, want %d; body: %s", r.status, status, r.body)
	}
	return r
}

// decode unmarshals a JSON response into v, checking the content type.
func (r resp) decode(t *testing.T, v any) {
	t.Helper()
	if ct := r.header.Get("Content-Type"); ct != "application/json" {
		t.Fatalf("Content-Type = %q, want application/json", ct)
	}
	if err := json.Unmarshal(r.body, v); err != nil {
		t.Fatalf("decoding %s: %v", r.body, err)
	}
}

// apiErr is the error body.
type apiErr struct {
	Error struct {
		Code    string `json:"code"`
		Message string `json:"message"`
	} `json:"error"`
}

// wantErr checks an error response: status, code, exact JSON shape.
func (r resp) wantErr(t *testing.T, status int, code string) apiErr {
	t.Helper()
	r.want(t, status)
	var shape map[string]map[string]string
	r.decode(t, &shape)
	if len(shape) != 1 || len(shape["error"]) != 2 {
		t.Fatalf("error body shape is not {error:{code,message}}: %s", r.body)
	}
	var e apiErr
	r.decode(t, &e)
	if e.Error.Code != code {
		t.Fatalf("code = %q, want %q; body: %s", e.Error.Code, code, r.body)
	}
	if e.Error.Message == "" {
		t.Fatalf("empty message: %s", r.body)
	}
	return e
}
