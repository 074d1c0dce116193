package sdk

import (
	"net/http"
	"testing"
)

func TestHeaderNameHelpers(t *testing.T) {
	for _, s := range []string{"X-Api-Key", "x-api-key", "content-type", "A", "a_b", "X-TENANT", "1a-b2", "x--y"} {
		if !ValidHeaderName(s) {
			t.Errorf("ValidHeaderName(%q) = false", s)
		}
		if got, want := CanonicalHeaderKey(s), http.CanonicalHeaderKey(s); got != want {
			t.Errorf("CanonicalHeaderKey(%q) = %q, net/http says %q", s, got, want)
		}
	}
	for _, s := range []string{"", "a b", "a:b", "é", "a\nb", "(x)"} {
		if ValidHeaderName(s) {
			t.Errorf("ValidHeaderName(%q) = true", s)
		}
	}
	if !ValidHeaderValue("a\tb c") || ValidHeaderValue("a\nb") || ValidHeaderValue("a\x7f") {
		t.Error("ValidHeaderValue")
	}
}
