package engine

import (
	"context"
	"encoding/binary"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/hostd/hostd/abi"
	"github.com/hostd/hostd/internal/testwasm"
)

// The engine's policy interfaces are its own; these minimal implementations
// check the ABI plumbing (arguments, statuses, out structures). The real
// ones are tested in host/internal/policy and keyset, and end to end in host.

type countLimiter struct {
	got  []any
	left int64
}

func (c *countLimiter) Take(_ Owner, name []byte, rate int64, period time.Duration, burst, cost int64, alg abi.RateLimitAlgorithm, _ time.Time) RateDecision {
	c.got = []any{string(name), rate, period, burst, cost, alg}
	ok := c.left >= cost
	if ok {
		c.left -= cost
	}
	d := RateDecision{Allowed: ok, Limit: burst, Remaining: c.left, Reset: 1500 * time.Millisecond}
	if !ok {
		d.RetryAfter = 200 * time.Millisecond
	}
	return d
}

func serveQuery(t *testing.T, p *Pool, target string, hdr ...string) *Exchange {
	t.Helper()
	r := httptest.NewRequest("GET", target, nil)
	for i := 0; i+1 < len(hdr); i += 2 {
		r.Header.Set(hdr[i], hdr[i+1])
	}
	ex := NewExchange(r, nil, "id", 1<<20)
	inst, err := p.Get(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer inst.Release()
	if _, err := inst.OnRequest(context.Background(), ex); err != nil {
		t.Fatal(err)
	}
	return ex
}

func TestRateLimitTakePlumbing(t *testing.T) {
	rl := &countLimiter{left: 2}
	e := newEngine(t, Config{RateLimits: rl})
	p := newPool(t, e, testwasm.RateLimit, Binding{Plugin: "rl"})
	for i, want := range []int{200, 200, 429} {
		ex := serveQuery(t, p, "/")
		if ex.Status != want {
			t.Fatalf("request %d: status %d, want %d", i, ex.Status, want)
		}
		b := ex.Body.Bytes()
		le := binary.LittleEndian
		if len(b) != abi.RateLimitOutSize || le.Uint64(b) != 5 || le.Uint64(b[16:]) != 1500 {
			t.Fatalf("out struct %x", b)
		}
		if want == 429 && le.Uint64(b[24:]) != 200 {
			t.Fatalf("retry_after_ms %d", le.Uint64(b[24:]))
		}
	}
	want := []any{"b", int64(5), time.Second, int64(5), int64(1), abi.RateLimitTokenBucket}
	for i := range want {
		if rl.got[i] != want[i] {
			t.Fatalf("Take got %v, want %v", rl.got, want)
		}
	}
}

type recBreakers struct {
	cfg      BreakerConfig
	open     bool
	reported []bool
}

func (r *recBreakers) Allow(_ Owner, _ []byte, cfg BreakerConfig, _ time.Time) (bool, abi.BreakerState, time.Duration) {
	r.cfg = cfg
	if r.open {
		return false, abi.BreakerOpen, 750 * time.Millisecond
	}
	return true, abi.BreakerClosed, 0
}

func (r *recBreakers) Report(_ Owner, _ []byte, _ BreakerConfig, ok bool, _ time.Duration, _ time.Time) abi.BreakerState {
	r.reported = append(r.reported, ok)
	if !ok {
		return abi.BreakerOpen
	}
	return abi.BreakerClosed
}

func TestBreakerPlumbing(t *testing.T) {
	br := &recBreakers{}
	e := newEngine(t, Config{Breakers: br})
	p := newPool(t, e, testwasm.Breaker, Binding{Plugin: "br"})
	if ex := serveQuery(t, p, "/?ok"); ex.Status != 200 || ex.Body.Bytes()[0] != byte(abi.BreakerClosed) {
		t.Fatalf("success: %d %x", ex.Status, ex.Body.Bytes())
	}
	if ex := serveQuery(t, p, "/?fail"); ex.Body.Bytes()[0] != byte(abi.BreakerOpen) {
		t.Fatalf("failure: %x", ex.Body.Bytes())
	}
	want := BreakerConfig{Window: 10 * time.Second, OpenFor: time.Second, MinRequests: 2, ConsecutiveFailures: 2, HalfOpenRequests: 1}
	if br.cfg != want || len(br.reported) != 2 || !br.reported[0] || br.reported[1] {
		t.Fatalf("config %+v reports %v", br.cfg, br.reported)
	}
	br.open = true
	ex := serveQuery(t, p, "/")
	b := ex.Body.Bytes()
	if ex.Status != 503 || binary.LittleEndian.Uint32(b) != uint32(abi.BreakerOpen) || binary.LittleEndian.Uint64(b[8:]) != 750 {
		t.Fatalf("open: %d %x", ex.Status, b)
	}
}

type fixedJWT struct{}

func (fixedJWT) VerifyJWT(_ Owner, keyset, token, policy []byte, _ time.Time) ([]byte, abi.Status) {
	switch {
	case string(keyset) != "ks":
		return []byte("unknown key set"), abi.StatusNotFound
	case string(policy) != `{"issuer":"me"}`:
		return []byte("bad policy"), abi.StatusInvalidArgument
	case string(token) == "good":
		return []byte(`{"sub":"ann"}`), abi.StatusOK
	}
	return []byte("token expired"), abi.StatusDenied
}

// TestJWTVerifyNeedsAKeySetGrant: a binding not granted the key set gets
// not_found, as for a key set that does not exist, and the verifier is
// not asked.
func TestJWTVerifyNeedsAKeySetGrant(t *testing.T) {
	v := &policyLengths{}
	e := newEngine(t, Config{JWT: v})
	for _, ks := range [][]string{nil, {"other"}, {"k"}, {"ks "}} {
		p := newPool(t, e, testwasm.JWT, Binding{Plugin: "jwt", KeySets: ks})
		if ex := serveQuery(t, p, "/", "X-Token", "good"); ex.Status != 400+int(abi.StatusNotFound) {
			t.Fatalf("grants %q: status %d, want not_found", ks, ex.Status)
		}
	}
	if v.calls != 0 {
		t.Fatalf("the verifier was asked %d times", v.calls)
	}
}

func TestJWTVerifyPlumbing(t *testing.T) {
	e := newEngine(t, Config{JWT: fixedJWT{}})
	p := newPool(t, e, testwasm.JWT, Binding{Plugin: "jwt", KeySets: []string{"ks"}})
	if ex := serveQuery(t, p, "/", "X-Token", "good"); ex.Status != 200 || ex.Body.String() != `{"sub":"ann"}` {
		t.Fatalf("good token: %d %q", ex.Status, ex.Body.String())
	}
	if ex := serveQuery(t, p, "/", "X-Token", "old"); ex.Status != 400+int(abi.StatusDenied) || ex.Body.String() != "token expired" {
		t.Fatalf("bad token: %d %q", ex.Status, ex.Body.String())
	}
	// Without a verifier the function is unsupported, not a crash.
	e2 := newEngine(t, Config{})
	p2 := newPool(t, e2, testwasm.JWT, Binding{Plugin: "jwt", KeySets: []string{"ks"}})
	if ex := serveQuery(t, p2, "/", "X-Token", "good"); ex.Status != 400+int(abi.StatusUnsupported) {
		t.Fatalf("no verifier: %d", ex.Status)
	}
}
