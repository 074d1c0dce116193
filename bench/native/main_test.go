package main

import (
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
)

// TestHello pins the answers examples/hello gives (its main_test.go), over
// real HTTP.
func TestHello(t *testing.T) {
	srv := httptest.NewServer(Router())
	defer srv.Close()
	for path, want := range map[string]string{
		"/hello/bob":    "hello, bob",
		"/up/hello/bob": "hello, bob",
		"/hello/a%20b":  "hello, a b",
	} {
		resp, err := http.Get(srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || string(body) != want {
			t.Errorf("GET %s = %d %q, want 200 %q", path, resp.StatusCode, body, want)
		}
		if ct := resp.Header.Get("Content-Type"); ct != "text/plain; charset=utf-8" {
			t.Errorf("GET %s: Content-Type %q", path, ct)
		}
	}
	resp, err := http.Post(srv.URL+"/hello/bob", "text/plain", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("POST /hello/bob = %d, want 405", resp.StatusCode)
	}
}
