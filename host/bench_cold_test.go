package host_test

import (
	"fmt"
	"net/http/httptest"
	"testing"
)

// BenchmarkFiltersColdCaches is BenchmarkFilters' bare and chain routes
// with the CPU caches and TLB cooled at every request: between requests
// (the timer stopped) it writes 1, 8 or 64 MiB of a buffer, as a server's
// kernel and other work do between one client's requests, which a tight
// in-process loop never does. "warm" is the same loop without it. It tests the
// hypothesis that Go-built guests (14 MB of machine code, 3.3 MiB of
// memory each) cost more per request over HTTP than in process because
// their code and data are cold there (BENCHMARKS.md, "Where the time goes").
//
//	go test ./host -run '^$' -bench BenchmarkFiltersColdCaches -benchtime 2000x
func BenchmarkFiltersColdCaches(b *testing.B) {
	h, tok, _ := filterRoutes(b)
	evict := make([]byte, 64<<20)
	for _, route := range []string{"bare", "chain"} {
		for _, mib := range []int{0, 1, 8, 64} {
			cold := mib > 0
			name := route + "/warm"
			if cold {
				name = fmt.Sprintf("%s/evict-%dMiB", route, mib)
			}
			b.Run(name, func(b *testing.B) {
				req := httptest.NewRequest("GET", "/"+route, nil)
				req.Header.Set("Authorization", "Bearer "+tok)
				for i := 0; i < b.N; i++ {
					if cold {
						b.StopTimer()
						for j := 0; j < mib<<20; j += 64 {
							evict[j]++
						}
						b.StartTimer()
					}
					w := httptest.NewRecorder()
					h.ServeHTTP(w, req)
					if w.Code != 200 {
						b.Fatalf("%s: %d %s", route, w.Code, w.Body)
					}
				}
			})
		}
	}
}
