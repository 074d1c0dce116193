// Command native is the load harness's reference server: plain net/http
// with gorilla/mux answering GET /hello/{name} exactly as examples/hello
// does (status 200, Content-Type "text/plain; charset=utf-8", body
// "hello, NAME"; NAME from the route variable, else the query parameter
// "name", else "world"). It serves the same handler on
// GET /up/hello/{name}, the path the harness's proxy scenario sends through
// hostd and its direct reference sends here.
//
// -spin D makes every answer spend D of CPU first (a busy loop): a native
// server as slow as a plugin route, to measure what a slower server pays
// per request for loopback HTTP itself (BENCHMARKS.md, "Where the time
// goes").
package main

import (
	"flag"
	"fmt"
	"net/http"
	"os"
	"time"

	"github.com/gorilla/mux"
)

func main() {
	listen := flag.String("listen", "127.0.0.1:9100", "address to serve on")
	flag.DurationVar(&spin, "spin", 0, "CPU time to spend (busy) before each answer")
	flag.Parse()
	srv := &http.Server{Addr: *listen, Handler: Router(), ReadHeaderTimeout: 10 * time.Second}
	if err := srv.ListenAndServe(); err != nil {
		fmt.Fprintln(os.Stderr, "native:", err)
		os.Exit(1)
	}
}

// Router returns the server's routes.
func Router() http.Handler {
	r := mux.NewRouter()
	r.HandleFunc("/hello/{name}", hello).Methods(http.MethodGet)
	r.HandleFunc("/up/hello/{name}", hello).Methods(http.MethodGet)
	return r
}

// spin is the busy time before each answer (-spin).
var spin time.Duration

func hello(w http.ResponseWriter, r *http.Request) {
	if spin > 0 {
		for end := time.Now().Add(spin); time.Now().Before(end); {
		}
	}
	name := mux.Vars(r)["name"]
	if name == "" {
		name = r.URL.Query().Get("name")
	}
	if name == "" {
		name = "world"
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write([]byte("hello, " + name))
}
