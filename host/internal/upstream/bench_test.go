package upstream

import (
	"context"
	"io"
	"net/http"
	"testing"
)

// BenchmarkProxy compares a GET through Do (reading the body) with the same
// GET sent directly by an http.Client on an identical transport.
//
//	go test -run '^$' -bench BenchmarkProxy -benchmem ./host/internal/upstream
func BenchmarkProxy(b *testing.B) {
	a := newBackend(b, "a", nil)
	b.Run("direct", func(b *testing.B) {
		tr := newTransport()
		defer tr.CloseIdleConnections()
		client := &http.Client{Transport: tr}
		url := a.URL() + "/bench?x=1"
		b.ReportAllocs()
		for b.Loop() {
			resp, err := client.Get(url)
			if err != nil {
				b.Fatal(err)
			}
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
		}
	})
	b.Run("upstream", func(b *testing.B) {
		u := mustNew(b, Config{Targets: urls(a)})
		r := incoming("GET", "/bench?x=1", "")
		r.Header.Set("X-Request-ID", "bench-1")
		b.ReportAllocs()
		for b.Loop() {
			resp, err := u.Do(context.Background(), r)
			if err != nil {
				b.Fatal(err)
			}
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
		}
	})
	b.Run("upstream_parallel", func(b *testing.B) {
		u := mustNew(b, Config{Targets: urls(a), Balance: LeastRequests})
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			r := incoming("GET", "/bench?x=1", "")
			for pb.Next() {
				resp, err := u.Do(context.Background(), r)
				if err != nil {
					b.Error(err)
					return
				}
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
			}
		})
	})
}
