package engine

import (
	"context"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/hostd/hostd/abi"
	"github.com/hostd/hostd/internal/guestbuild"
	"github.com/tetratelabs/wazero/api"
	"github.com/tetratelabs/wazero/experimental"
)

// hostCallLog counts the host calls a guest makes and the time spent in
// each host function (wrapper included).
type hostCallLog struct {
	calls map[string]int
	nanos map[string]int64
}

// countHostCalls replaces every host function with a wrapper that records
// into a fresh log, for the engines created until the test ends. The
// engine's tests do not run in parallel, so swapping the table is safe.
func countHostCalls(tb testing.TB) *hostCallLog {
	log := &hostCallLog{calls: map[string]int{}, nanos: map[string]int64{}}
	saved := hostFuncs
	wrapped := make(map[string]api.GoModuleFunc, len(saved))
	for name, fn := range saved {
		wrapped[name] = func(ctx context.Context, m api.Module, stack []uint64) {
			t0 := time.Now()
			fn(ctx, m, stack)
			log.nanos[name] += time.Since(t0).Nanoseconds()
			log.calls[name]++
		}
	}
	hostFuncs = wrapped
	tb.Cleanup(func() { hostFuncs = saved })
	return log
}

func (l *hostCallLog) reset() { clear(l.calls); clear(l.nanos) }

// String lists the calls as "name×count" sorted by name.
func (l *hostCallLog) String() string {
	var out []string
	for name, n := range l.calls {
		out = append(out, name+"×"+strconv.Itoa(n))
	}
	slices.Sort(out)
	return strings.Join(out, " ")
}

// guestCallCases are the Go guests of host.BenchmarkGuestBreakdown with
// the host calls one request to /hello/bob makes (route variable
// name=bob), and whether the guest reaches its allocator for it.
var guestCallCases = []struct {
	name, dir, calls string
	mallocs          bool
}{
	{"empty", "sdk/internal/benchguest/empty", "", false},
	{"raw", "sdk/internal/benchguest/raw", "send_response×1", false},
	{"send", "sdk/internal/benchguest/send", "send_response×1", false},
	{"send2", "sdk/internal/benchguest/send2", "send_response×2", false},
	{"routevar", "sdk/internal/benchguest/routevar", "get_route_var×1 send_response×1", true},
	{"appendvar", "sdk/internal/benchguest/appendvar", "get_route_var×1 send_response×1", false},
	{"header", "sdk/internal/benchguest/header", "send_response×1 set_header×1", false},
	{"strings", "sdk/internal/benchguest/strings", "get_route_var×1 send_response×1 set_header×1", true},
	{"hello", "examples/hello", "get_route_var×1 send_response×1 set_header×1", false},
}

// serveVars runs one on_request of a pooled instance for r, which is
// reused: what the benchmark measures is the engine and the guest.
func serveVars(tb testing.TB, p *Pool, r *http.Request, vars map[string]string) *Exchange {
	ex := NewExchange(r, vars, "id", 1<<20)
	inst, err := p.Get(context.Background())
	if err != nil {
		tb.Fatal(err)
	}
	defer inst.Release()
	if act, err := inst.OnRequest(context.Background(), ex); err != nil || act != abi.ActionRespond {
		tb.Fatalf("on_request: %v %v", act, err)
	}
	return ex
}

// TestGuestHostCallsAndAllocations follows one request of each breakdown
// guest through its host calls (counted by wrappers) and its own functions
// (wazero's function listener). It pins the host calls: the Go runtime and
// the SDK add none of their own (no clock, random, log), examples/hello
// makes three. And it pins which guests reach the Go allocator
// (runtime.mallocgc): the string getters do, the Append-based
// examples/hello never does. It logs the most called guest functions
// (docs/perf/guest.md quotes them).
//
// Compiling nine Go guests takes minutes under the race detector, and
// nothing here is concurrent: CI runs it in its pass without -race (the
// tests named *Allocations*).
func TestGuestHostCallsAndAllocations(t *testing.T) {
	if testing.Short() || raceEnabled {
		t.Skip("builds and compiles nine Go guests; runs without -short and -race")
	}
	log := countHostCalls(t)
	e := newEngine(t, Config{})
	vars := map[string]string{"name": "bob"}
	r := httptest.NewRequest("GET", "/hello/bob", nil)
	for _, tc := range guestCallCases {
		t.Run(tc.name, func(t *testing.T) {
			funcs := guestFuncCounts{}
			m, err := e.Compile(experimental.WithFunctionListenerFactory(context.Background(), funcs),
				guestbuild.Build(t, tc.dir))
			if err != nil {
				t.Fatal(err)
			}
			defer m.Release(context.Background())
			p, err := m.NewPool(context.Background(), Binding{Plugin: tc.name, Config: []byte("{}")})
			if err != nil {
				t.Fatal(err)
			}
			defer p.Close()
			for range 3 { // instantiate, configure, let buffers grow
				serveVars(t, p, r, vars).Release()
			}
			log.reset()
			clear(funcs)
			ex := serveVars(t, p, r, vars)
			defer ex.Release()
			if got := log.String(); got != tc.calls {
				t.Errorf("host calls %q, want %q", got, tc.calls)
			}
			if want := "hello, bob"; tc.name != "empty" && ex.Body.String() != want {
				t.Errorf("body %q, want %q", ex.Body.String(), want)
			}
			top, total := funcs.top(12)
			t.Logf("%d guest function calls: %s", total, top)
			if got := funcs["runtime.mallocgc"] > 0; got != tc.mallocs {
				t.Errorf("runtime.mallocgc called %d times, want calls: %v", funcs["runtime.mallocgc"], tc.mallocs)
			}
		})
	}
}

// BenchmarkGuestHostCalls is one on_request of each breakdown guest, with
// the time spent inside each host function (as seen by a wrapper that reads
// the clock twice, ≈40–60 ns of its own per call) reported per request.
//
//	go test ./host/internal/engine -run '^$' -bench BenchmarkGuestHostCalls
func BenchmarkGuestHostCalls(b *testing.B) {
	log := countHostCalls(b)
	e := newEngine(b, Config{})
	vars := map[string]string{"name": "bob"}
	r := httptest.NewRequest("GET", "/hello/bob", nil)
	for _, tc := range guestCallCases {
		p := newPool(b, e, guestbuild.Build(b, tc.dir), Binding{Plugin: tc.name, Config: []byte("{}")})
		b.Run(tc.name, func(b *testing.B) {
			serveVars(b, p, r, vars).Release()
			log.reset()
			cpu0 := processCPU()
			for b.Loop() {
				serveVars(b, p, r, vars).Release()
			}
			b.ReportMetric(float64((processCPU()-cpu0).Nanoseconds())/float64(b.N), "cpu-ns/op")
			for name, ns := range log.nanos {
				b.ReportMetric(float64(ns)/float64(b.N), name+"-ns/op")
			}
		})
	}
}
