package engine

import (
	"context"
	"errors"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/hostd/hostd/abi"
	"github.com/hostd/hostd/internal/testwasm"
)

func newEngine(t testing.TB, cfg Config) *Engine {
	t.Helper()
	e, err := New(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = e.Close(context.Background()) })
	return e
}

func newPool(t testing.TB, e *Engine, wasm []byte, b Binding) *Pool {
	t.Helper()
	m, err := e.Compile(context.Background(), wasm)
	if err != nil {
		t.Fatal(err)
	}
	defer m.Release(context.Background())
	p, err := m.NewPool(context.Background(), b)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.Close)
	return p
}

func serve(t testing.TB, p *Pool) (*Exchange, error) {
	t.Helper()
	ex := NewExchange(httptest.NewRequest("GET", "/x?a=1", nil), nil, "id", 1<<20)
	inst, err := p.Get(context.Background())
	if err != nil {
		return ex, err
	}
	defer inst.Release()
	_, err = inst.OnRequest(context.Background(), ex)
	return ex, err
}

// TestAsyncifyModuleStillServes: the engine compiles and serves a module
// with asyncify_* exports (one stored before uploads of them were refused)
// and reports it, so the host can refuse new uploads of such modules.
func TestAsyncifyModuleStillServes(t *testing.T) {
	e := newEngine(t, Config{})
	for _, tc := range []struct {
		name string
		want bool
	}{{"asyncify", true}, {"hello", false}} {
		m, err := e.Compile(context.Background(), testwasm.Get(tc.name))
		if err != nil {
			t.Fatal(err)
		}
		if m.UsesAsyncify() != tc.want {
			t.Errorf("%s: UsesAsyncify() = %v, want %v", tc.name, m.UsesAsyncify(), tc.want)
		}
		m.Release(context.Background())
	}
	ex, err := serve(t, newPool(t, e, testwasm.Asyncify, Binding{Plugin: "a"}))
	if err != nil || ex.Status != 200 {
		t.Fatalf("serve: status %d, %v", ex.Status, err)
	}
}

func TestCompileErrorsNameTheProblem(t *testing.T) {
	e := newEngine(t, Config{MemoryLimitPages: 64})
	cases := []struct {
		name, wasm, want string
		notWasm          bool
	}{
		{"text", "", "not a WebAssembly module", true},
		{"no marker", "nomarker", `no "hostd_abi_v1" export`, false},
		{"foreign import", "badimport", "imports env.abort", false},
		{"bad signature", "badsig", "imports hostd_v1.get_path with type (i32,i32)->(i64), want (i32,i32)->(i32)", false},
		{"huge memory", "membomb_static", "initial memory pages: 20000, the limit is 64", false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			wasm := []byte("plain text")
			if tc.wasm != "" {
				wasm = testwasm.Get(tc.wasm)
			}
			_, err := e.Compile(context.Background(), wasm)
			var abiErr *ABIError
			if !errors.As(err, &abiErr) {
				t.Fatalf("error %v is not an ABIError", err)
			}
			if !strings.Contains(err.Error(), tc.want) || abiErr.NotWasm != tc.notWasm {
				t.Errorf("error %q (not wasm %v), want it to contain %q", err, abiErr.NotWasm, tc.want)
			}
		})
	}
}

func TestModulesAreSharedBySHA(t *testing.T) {
	e := newEngine(t, Config{})
	a, err := e.Compile(context.Background(), testwasm.Hello)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := e.Compile(context.Background(), testwasm.Hello)
	if a != b {
		t.Fatal("the same bytes were compiled twice")
	}
	a.Release(context.Background())
	if _, ok := e.Lookup(a.SHA256()); !ok {
		t.Fatal("module released while referenced")
	}
	b.Release(context.Background()) // Lookup's reference
	b.Release(context.Background())
	if _, ok := e.Lookup(a.SHA256()); ok {
		t.Fatal("module kept after its last reference")
	}
}

func TestPoolBusyAfterMaxInstances(t *testing.T) {
	e := newEngine(t, Config{MaxInstances: 2, QueueTimeout: 50 * time.Millisecond})
	p := newPool(t, e, testwasm.Hello, Binding{Plugin: "hello", Version: 1})
	i1, err := p.Get(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	i2, err := p.Get(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.Get(context.Background()); !errors.Is(err, ErrBusy) {
		t.Fatalf("third Get: %v, want ErrBusy", err)
	}
	i1.Release()
	i3, err := p.Get(context.Background())
	if err != nil || i3 != i1 {
		t.Fatalf("Get after Release: %v (reused %v)", err, i3 == i1)
	}
	i2.Release()
	i3.Release()
	if live, idle := p.Stats(); live != 2 || idle != 2 {
		t.Fatalf("live %d idle %d", live, idle)
	}
}

func TestInstancesRecycledAfterMaxCalls(t *testing.T) {
	e := newEngine(t, Config{MaxCallsPerInstance: 3})
	p := newPool(t, e, testwasm.Hello, Binding{Plugin: "hello"})
	seen := map[*Instance]int{}
	for range 9 {
		inst, _ := p.Get(context.Background())
		seen[inst]++
		ex := NewExchange(httptest.NewRequest("GET", "/", nil), nil, "", 1<<20)
		if _, err := inst.OnRequest(context.Background(), ex); err != nil {
			t.Fatal(err)
		}
		inst.Release()
	}
	if len(seen) != 3 {
		t.Fatalf("%d instances served 9 calls, want 3", len(seen))
	}
	for _, n := range seen {
		if n != 3 {
			t.Fatalf("an instance served %d calls", n)
		}
	}
}

func TestTrapDiscardsInstance(t *testing.T) {
	e := newEngine(t, Config{})
	p := newPool(t, e, testwasm.Trap, Binding{Plugin: "trap"})
	for range 3 {
		if _, err := serve(t, p); !errors.Is(err, ErrTrap) {
			t.Fatalf("error %v, want ErrTrap", err)
		}
	}
	if live, _ := p.Stats(); live != 0 {
		t.Fatalf("%d trapped instances kept", live)
	}
}

func TestSendResponseAndHeaders(t *testing.T) {
	e := newEngine(t, Config{})
	p := newPool(t, e, testwasm.Echo, Binding{Plugin: "echo"})
	ex, err := serve(t, p)
	if err != nil {
		t.Fatal(err)
	}
	if got := ex.Body.String(); got != "GET /x?a=1 name= x-test=" {
		t.Errorf("body %q", got)
	}
	if ex.Header.Get("Content-Type") != "text/plain" || ex.Status != 200 {
		t.Errorf("status %d header %v", ex.Status, ex.Header)
	}
}

var _ = abi.StatusOK
