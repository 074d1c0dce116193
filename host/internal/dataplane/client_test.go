package dataplane

import (
	"net/http"
	"net/netip"
	"testing"
)

func TestDropConfusable(t *testing.T) {
	h := http.Header{
		"X-User": {"ann"}, "X_user": {"admin"}, "X-User_": {"x"}, "X_custom": {"1"},
		"X_request_id": {"forged"}, "X_forwarded_for": {"6.6.6.6"}, "Hostd_route": {"r"},
		"Content_length": {"1"},
	}
	DropConfusable(h)
	if len(h) != 3 || h.Get("X-User") != "ann" || h.Get("X_custom") != "1" || h.Get("X-User_") != "x" {
		t.Fatalf("left %v, want X-User, X-User_ and X_custom", h)
	}
}

func TestCleanClient(t *testing.T) {
	mk := func(remote string) *http.Request {
		r, _ := http.NewRequest("GET", "http://a/x", nil)
		r.RemoteAddr = remote
		r.Header = http.Header{"Connection": {"X-A, close"}, "X-A": {"1"}, "X-B": {"2"}, "X_b": {"3"},
			"X-Forwarded-For": {"6.6.6.6"}, "X-Forwarded-Proto": {"https"}, "Forwarded": {"for=x"},
			"X-Real-Ip": {"6.6.6.6"}, "Te": {"trailers"}}
		return r
	}
	pol := ClientPolicy{TrustedProxies: []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}}
	r := mk("192.0.2.1:1")
	got := pol.cleanClient(r)
	if len(got.Header) != 1 || got.Header.Get("X-B") != "2" {
		t.Errorf("untrusted: left %v, want only X-B", got.Header)
	}
	if r.Header.Get("Connection") == "" {
		t.Error("the server's request was modified")
	}
	got = pol.cleanClient(mk("[::ffff:10.1.2.3]:1"))
	if got.Header.Get("X-Forwarded-For") != "6.6.6.6" || got.Header.Get("X-Forwarded-Proto") != "https" ||
		got.Header.Get("Forwarded") != "" || got.Header.Get("X-Real-Ip") != "" {
		t.Errorf("trusted: %v", got.Header)
	}
	plain, _ := http.NewRequest("GET", "http://a/x", nil)
	plain.Header.Set("X-B", "2")
	if pol.cleanClient(plain) != plain {
		t.Error("a request with nothing to remove was copied")
	}
}
