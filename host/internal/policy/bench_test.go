package policy

import (
	"strconv"
	"sync/atomic"
	"testing"
	"time"
)

// benchNames are distinct bucket or breaker names, one per parallel worker
// slot, built before the timer starts.
func benchNames(n int) [][]byte {
	names := make([][]byte, n)
	for i := range names {
		names[i] = []byte("client:" + strconv.Itoa(i))
	}
	return names
}

func BenchmarkTake(b *testing.B) {
	lim := Limits{Rate: 1_000_000, Period: time.Second, Burst: 1000}
	for _, alg := range []Algorithm{TokenBucket, SlidingWindow} {
		lim.Algorithm = alg
		b.Run(alg.String()+"/same", func(b *testing.B) {
			l := NewLimiters(epoch, 0)
			name := []byte("shared")
			var clock atomic.Int64
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					if _, err := l.Take(name, lim, 1, at(time.Duration(clock.Add(1000)))); err != nil {
						b.Fatal(err)
					}
				}
			})
		})
		b.Run(alg.String()+"/distinct", func(b *testing.B) {
			l := NewLimiters(epoch, 0)
			names := benchNames(1024)
			var worker atomic.Int64
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				w := int(worker.Add(1))
				i, now := 0, time.Duration(0)
				for pb.Next() {
					now += time.Microsecond
					if _, err := l.Take(names[(w*64+i)%len(names)], lim, 1, at(now)); err != nil {
						b.Fatal(err)
					}
					i = (i + 1) % 64
				}
			})
		})
	}
}

func BenchmarkBreakerAllow(b *testing.B) {
	cfg := BreakerConfig{Window: 10 * time.Second, MinRequests: 20, FailureRatio: 0.5, OpenFor: 5 * time.Second, HalfOpenRequests: 3}
	b.Run("same", func(b *testing.B) {
		br := NewBreakers(epoch, 0)
		name := []byte("payments")
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				br.Allow(name, cfg, epoch)
			}
		})
	})
	b.Run("distinct", func(b *testing.B) {
		br := NewBreakers(epoch, 0)
		names := benchNames(1024)
		var worker atomic.Int64
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			w, i := int(worker.Add(1)), 0
			for pb.Next() {
				br.Allow(names[(w*64+i)%len(names)], cfg, epoch)
				i = (i + 1) % 64
			}
		})
	})
}

func BenchmarkBreakerReport(b *testing.B) {
	cfg := BreakerConfig{Window: 10 * time.Second, MinRequests: 20, FailureRatio: 0.5, OpenFor: 5 * time.Second, HalfOpenRequests: 3}
	br := NewBreakers(epoch, 0)
	name := []byte("payments")
	var clock atomic.Int64
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			br.Report(name, cfg, true, time.Millisecond, at(time.Duration(clock.Add(1000))))
		}
	})
}
