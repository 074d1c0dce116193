// Command echoserver is a tiny HTTP service for trying hostd's upstream
// routes: it answers every request with what it received, and /fail (or any
// path ending in /fail) with 500.
//
//	go run ./examples/echoserver --listen 127.0.0.1:9001
package main

import (
	"flag"
	"fmt"
	"log"
	"net/http"
	"strings"
	"time"
)

func main() {
	listen := flag.String("listen", "127.0.0.1:9001", "address to listen on")
	flag.Parse()
	srv := &http.Server{Addr: *listen, Handler: http.HandlerFunc(echo), ReadHeaderTimeout: 5 * time.Second}
	log.Printf("echoserver listening on %s", *listen)
	log.Fatal(srv.ListenAndServe())
}

func echo(w http.ResponseWriter, r *http.Request) {
	if strings.HasSuffix(r.URL.Path, "/fail") {
		http.Error(w, "upstream failure (on purpose)", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	fmt.Fprintf(w, "echoserver: %s %s user=%q request_id=%q\n", r.Method, r.URL.RequestURI(),
		r.Header.Get("X-User"), r.Header.Get("X-Request-ID"))
}
