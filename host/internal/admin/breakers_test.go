package admin_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/hostd/hostd/host/internal/model"
)

func (f *fakeControl) Breakers(context.Context) ([]model.Breaker, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.fail != nil {
		return nil, f.fail
	}
	return []model.Breaker{{Name: "cb:api", State: "open", Requests: 10, Failures: 6}}, nil
}

func TestListBreakers(t *testing.T) {
	e := newEnv(t, nil)
	res := e.do("GET", "/v1/breakers", e.viewer, nil)
	if res.status != http.StatusOK || !strings.Contains(string(res.body), `"state":"open"`) {
		t.Fatalf("%d %s", res.status, res.body)
	}
	if res := e.do("GET", "/v1/breakers", "", nil); res.status != http.StatusUnauthorized {
		t.Fatalf("without token: %d", res.status)
	}
}
