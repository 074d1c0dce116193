package engine

import (
	"context"
	"fmt"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/hostd/hostd/internal/guestbuild"
	"github.com/tetratelabs/wazero/api"
	"github.com/tetratelabs/wazero/experimental"
)

// guestFuncCounts counts the calls of each guest function (by its name in
// the name section, which the instrumentation keeps).
type guestFuncCounts map[string]int

func (c guestFuncCounts) NewFunctionListener(def api.FunctionDefinition) experimental.FunctionListener {
	name := def.Name()
	return experimental.FunctionListenerFunc(func(context.Context, api.Module, api.FunctionDefinition, []uint64, experimental.StackIterator) {
		c[name]++
	})
}

// top returns the n most called functions as "name×count" and the total.
func (c guestFuncCounts) top(n int) (string, int) {
	var names []string
	total := 0
	for k, v := range c {
		names = append(names, k)
		total += v
	}
	slices.SortFunc(names, func(a, b string) int { return c[b] - c[a] })
	var out []string
	for _, k := range names[:min(n, len(names))] {
		out = append(out, fmt.Sprintf("%s×%d", k, c[k]))
	}
	return strings.Join(out, " "), total
}

// TestGoGuestFunctionCalls follows one request through the Go guest's own
// functions with wazero's function listener: the string-based handler
// reaches the Go allocator (runtime.mallocgc) on every request, the
// Append-based examples/hello never does. It logs the most called
// functions and the total (docs/perf/guest.md quotes them).
func TestGoGuestFunctionCalls(t *testing.T) {
	if testing.Short() {
		t.Skip("builds Go guests")
	}
	for _, tc := range []struct {
		name, dir string
		mallocs   bool
	}{
		{"empty", "sdk/internal/benchguest/empty", false},
		{"strings", "sdk/internal/benchguest/strings", true},
		{"hello", "examples/hello", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			counts := guestFuncCounts{}
			e := newEngine(t, Config{})
			m, err := e.Compile(experimental.WithFunctionListenerFactory(context.Background(), counts),
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
			r := httptest.NewRequest("GET", "/hello/bob", nil)
			vars := map[string]string{"name": "bob"}
			for range 3 { // instantiate, configure, let buffers grow
				serveVars(t, p, r, vars).Release()
			}
			clear(counts)
			ex := serveVars(t, p, r, vars)
			defer ex.Release()
			if tc.name != "empty" && ex.Body.String() != "hello, bob" {
				t.Fatalf("body %q", ex.Body.String())
			}
			top, total := counts.top(12)
			t.Logf("%d guest function calls in one request: %s", total, top)
			if got := counts["runtime.mallocgc"] > 0; got != tc.mallocs {
				t.Errorf("runtime.mallocgc called %d times, want calls: %v", counts["runtime.mallocgc"], tc.mallocs)
			}
		})
	}
}
