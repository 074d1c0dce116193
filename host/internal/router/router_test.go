package router

import (
	"fmt"
	"maps"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
)

// recorder is a route handler that writes which route served the request
// and with which variables, whichever way it was dispatched.
type recorder struct {
	id     string
	direct *int // counts ServeRoute calls made by the index
}

func (h recorder) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h.write(w, Vars(r))
}

func (h recorder) ServeRoute(w http.ResponseWriter, r *http.Request, vars map[string]string) {
	*h.direct++
	h.write(w, vars)
}

func (h recorder) write(w http.ResponseWriter, vars map[string]string) {
	keys := slices.Sorted(maps.Keys(vars))
	var b strings.Builder
	b.WriteString(h.id)
	for _, k := range keys {
		fmt.Fprintf(&b, " %s=%q", k, vars[k])
	}
	_, _ = w.Write([]byte(b.String()))
}

// plain is a handler that is not a VarsHandler.
type plain string

func (p plain) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	_, _ = fmt.Fprintf(w, "%s %v", p, Vars(r))
}

func testSpecs(direct *int) []Spec {
	h := func(id string) http.Handler { return recorder{id, direct} }
	return []Spec{
		{ID: "hello", Path: "/hello/{name}", Methods: []string{"GET"}, Handler: h("hello")},
		{ID: "hello-post", Path: "/hello/{name}", Methods: []string{"post"}, Handler: h("hello-post")},
		{ID: "two", Path: "/a/{x}/b/{y}", Handler: h("two")},
		{ID: "lit", Path: "/a/lit/b/{y}", Handler: h("lit")},
		{ID: "prio", Priority: 5, Path: "/p/{v}", Handler: h("prio")},
		{ID: "prio-low", Path: "/p/{v}", Handler: h("prio-low")},
		{ID: "digits", Path: "/n/{id:[0-9]+}", Handler: h("digits")},
		{ID: "n-any", Path: "/n/{id}", Handler: h("n-any")},
		{ID: "host", Host: "example.com", Path: "/h", Handler: h("host")},
		{ID: "host-var", Host: "{sub}.example.org", Path: "/h", Handler: h("host-var")},
		{ID: "h-any", Path: "/h", Handler: h("h-any")},
		{ID: "prefix", PathPrefix: "/static/", Handler: h("prefix")},
		{ID: "prefix-short", PathPrefix: "/st", Methods: []string{"GET", "HEAD"}, Handler: h("prefix-short")},
		{ID: "mid", Path: "/f/x{name}y", Handler: h("mid")},
		{ID: "slash", Path: "/dir/", Handler: h("slash")},
		{ID: "plain", Path: "/plain/{v}", Handler: plain("plain")},
		{ID: "only-put", Path: "/put", Methods: []string{"PUT"}, Handler: h("only-put")},
		{ID: "root", Path: "/", Handler: h("root")},
	}
}

// TestIndexMatchesMux serves every request through the index and through
// gorilla/mux alone and compares the answers: route, variables, status
// (404, 405, the 301 of a path mux cleans), Location.
func TestIndexMatchesMux(t *testing.T) {
	var direct int
	opts := Options{
		NotFound:         http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(404) }),
		MethodNotAllowed: http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(405) }),
	}
	specs := testSpecs(&direct)
	ix, err := Build(specs, opts)
	if err != nil {
		t.Fatal(err)
	}
	ref, _, err := buildMux(specs, opts)
	if err != nil {
		t.Fatal(err)
	}
	compareWithMux(t, ix, ref)
	if direct == 0 {
		t.Fatal("the index dispatched no request itself")
	}
}

// testRequests are the requests the index and mux must answer alike.
var testRequests = []struct{ method, host, target string }{
	{"GET", "", "/hello/bob"}, {"POST", "", "/hello/bob"}, {"PUT", "", "/hello/bob"},
	{"GET", "", "/hello/"}, {"GET", "", "/hello/bob/x"}, {"GET", "", "/hello"},
	{"GET", "", "/hello/b%2Fo"}, {"GET", "", "/hello/%0A"}, {"GET", "", "/hello/bob?q=1"},
	{"GET", "", "/a/1/b/2"}, {"GET", "", "/a/lit/b/2"}, {"GET", "", "/a//b/2"},
	{"GET", "", "/p/1"}, {"GET", "", "/n/42"}, {"GET", "", "/n/x"},
	{"GET", "example.com", "/h"}, {"GET", "example.com:8080", "/h"}, {"GET", "EXAMPLE.com", "/h"},
	{"GET", "a.example.org", "/h"}, {"GET", "other", "/h"},
	{"GET", "", "/static/x/y"}, {"GET", "", "/static"}, {"GET", "", "/stx"}, {"POST", "", "/stx"},
	{"GET", "", "/f/xay"}, {"GET", "", "/dir/"}, {"GET", "", "/dir"},
	{"GET", "", "/plain/1"}, {"GET", "", "/put"}, {"DELETE", "", "/put"},
	{"GET", "", "/"}, {"GET", "", "/nothing"}, {"GET", "", "/hello/./bob"},
	{"GET", "", "/hello/../hello/bob"}, {"GET", "", "//hello/bob"}, {"GET", "", "/hello/bob/"},
	{"GET", "", "/.well-known/x"}, {"get", "", "/hello/bob"},
}

// compareWithMux serves every testRequests through ix and through ref and
// compares the answers.
func compareWithMux(t *testing.T, ix, ref http.Handler) {
	t.Helper()
	reqs := testRequests
	for _, q := range reqs {
		name := q.method + " " + q.host + q.target
		r := httptest.NewRequest(q.method, q.target, nil)
		if q.host != "" {
			r.Host = q.host
		}
		got, want := httptest.NewRecorder(), httptest.NewRecorder()
		ix.ServeHTTP(got, r)
		ref.ServeHTTP(want, r.Clone(r.Context()))
		if got.Code != want.Code || got.Body.String() != want.Body.String() ||
			got.Header().Get("Location") != want.Header().Get("Location") {
			t.Errorf("%s: index %d %q %q, mux %d %q %q", name, got.Code, got.Body, got.Header().Get("Location"),
				want.Code, want.Body, want.Header().Get("Location"))
		}
	}
}

// TestIndexMatchesMuxAllSimple: when every route is simple, the index
// answers 404 and 405 itself; they must be mux's.
func TestIndexMatchesMuxAllSimple(t *testing.T) {
	var direct int
	var specs []Spec
	for _, s := range testSpecs(&direct) {
		if in := indexRoute(nil, s); in.h != nil {
			specs = append(specs, s)
		}
	}
	opts := Options{
		NotFound:         http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(404); fmt.Fprint(w, Vars(r)) }),
		MethodNotAllowed: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(405); fmt.Fprint(w, Vars(r)) }),
	}
	h, err := Build(specs, opts)
	if err != nil {
		t.Fatal(err)
	}
	ix := h.(*index)
	if !ix.allSimple {
		t.Fatal("the table is not all simple")
	}
	ref, _, _ := buildMux(specs, opts)
	// The index's own mux must not be asked for a 404 or 405 (but for
	// the paths it leaves to mux entirely).
	ix.mux.NotFoundHandler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if plainPath(r.URL.Path) {
			t.Errorf("%s %s: 404 through mux", r.Method, r.URL)
		}
		opts.NotFound.ServeHTTP(w, r)
	})
	ix.mux.MethodNotAllowedHandler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if plainPath(r.URL.Path) {
			t.Errorf("%s %s: 405 through mux", r.Method, r.URL)
		}
		opts.MethodNotAllowed.ServeHTTP(w, r)
	})
	compareWithMux(t, ix, ref)
}

// TestIndexDispatchesCommonRoutesItself pins which requests skip mux: the
// index must serve the common ones, and leave those it cannot decide.
func TestIndexDispatchesCommonRoutesItself(t *testing.T) {
	var direct int
	ix, err := Build(testSpecs(&direct), Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		method, target string
		direct         bool
	}{
		{"GET", "/hello/bob", true}, {"POST", "/hello/bob", true}, {"GET", "/a/1/b/2", true},
		{"GET", "/p/1", true}, {"GET", "/static/x", true}, {"GET", "/", true},
		{"GET", "/n/42", false},        // a route with a pattern matches
		{"GET", "/plain/1", false},     // not a VarsHandler
		{"GET", "/hello/./bob", false}, // mux cleans it
		{"PUT", "/hello/bob", false},   // 405 comes from mux
		{"GET", "/nothing", false},     // 404 too
	} {
		before := direct
		ix.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(tc.method, tc.target, nil))
		if got := direct > before; got != tc.direct {
			t.Errorf("%s %s: dispatched by the index %v, want %v", tc.method, tc.target, got, tc.direct)
		}
	}
}

// TestIndexVarsAreNotShared checks that a handler's vars map is its own
// while it runs (the index reuses the maps).
func TestIndexVarsAreNotShared(t *testing.T) {
	got := map[string]string{}
	h := VarsHandlerFunc(func(w http.ResponseWriter, r *http.Request, vars map[string]string) {
		maps.Copy(got, vars)
	})
	ix, err := Build([]Spec{{ID: "x", Path: "/x/{a}/{b}", Handler: h}}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	ix.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/x/1/2", nil))
	if got["a"] != "1" || got["b"] != "2" || len(got) != 2 {
		t.Fatalf("vars %v", got)
	}
	clear(got)
	ix.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/x/3/4", nil))
	if got["a"] != "3" || got["b"] != "4" || len(got) != 2 {
		t.Fatalf("vars of the second request %v", got)
	}
}

func TestIndexAllocations(t *testing.T) {
	h := VarsHandlerFunc(func(w http.ResponseWriter, r *http.Request, vars map[string]string) {})
	ix, err := Build([]Spec{
		{ID: "other", Path: "/other/{x}", Methods: []string{"POST"}, Handler: h},
		{ID: "x", Path: "/x/{a}", Methods: []string{"GET"}, Handler: h},
	}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	r := httptest.NewRequest("GET", "/x/1", nil)
	w := httptest.NewRecorder()
	ix.ServeHTTP(w, r) // fills the pool
	if n := testing.AllocsPerRun(100, func() { ix.ServeHTTP(w, r) }); n != 0 {
		t.Fatalf("%v allocations per request, want 0", n)
	}
}

// BenchmarkRouter is the routing of GET /hello/bob among testSpecs, to a
// handler that does nothing, through the index and through mux alone.
//
//	go test ./host/internal/router -run '^$' -bench BenchmarkRouter
func BenchmarkRouter(b *testing.B) {
	var direct int
	specs := testSpecs(&direct)
	nop := VarsHandlerFunc(func(http.ResponseWriter, *http.Request, map[string]string) {})
	for k := range specs {
		specs[k].Handler = nop
	}
	ix, err := Build(specs, Options{})
	if err != nil {
		b.Fatal(err)
	}
	ref, _, _ := buildMux(specs, Options{})
	r := httptest.NewRequest("GET", "/hello/bob", nil)
	w := httptest.NewRecorder()
	for _, tc := range []struct {
		name string
		h    http.Handler
	}{{"index", ix}, {"mux", ref}} {
		b.Run(tc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				tc.h.ServeHTTP(w, r)
			}
		})
	}
}
