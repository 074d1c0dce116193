package admin

import (
	"net/http"
	"net/http/pprof"
	"strconv"
)

// maxProfileSeconds bounds a CPU profile or an execution trace: either
// costs the host CPU while it runs, and the request holds an admin
// connection for as long (under the admin server's 60 s write timeout).
const maxProfileSeconds = 30

// registerProfiling serves the Go runtime's profiles (net/http/pprof) under
// /debug/pprof/ to the admin role only: a CPU profile or a trace costs CPU
// while it runs, and heap and goroutine profiles show the process's
// internals. BENCHMARKS.md shows how to take one.
func (s *server) registerProfiling(mux *http.ServeMux) {
	admin := func(h http.HandlerFunc) http.Handler { return s.authorize(accessAdmin, h) }
	mux.Handle("GET /debug/pprof/", admin(pprof.Index)) // also the named profiles: heap, goroutine, allocs, …
	mux.Handle("GET /debug/pprof/cmdline", admin(pprof.Cmdline))
	mux.Handle("GET /debug/pprof/profile", admin(s.bounded(pprof.Profile)))
	mux.Handle("GET /debug/pprof/symbol", admin(pprof.Symbol))
	mux.Handle("GET /debug/pprof/trace", admin(s.bounded(pprof.Trace)))
}

// bounded refuses a seconds parameter that is not a whole number from 1 to
// maxProfileSeconds with the API's JSON error, before h starts profiling.
func (s *server) bounded(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		if vals, ok := q["seconds"]; ok {
			n, err := strconv.Atoi(vals[0])
			if len(vals) != 1 || err != nil || n < 1 || n > maxProfileSeconds {
				s.writeError(w, r, newError(http.StatusBadRequest, "invalid_query",
					"query parameter seconds must be a whole number from 1 to %d, once", maxProfileSeconds))
				return
			}
		}
		h(w, r)
	}
}
