package policy_test

import (
	"fmt"
	"time"

	"github.com/hostd/hostd/host/internal/policy"
)

func ExampleLimiters_Take() {
	start := time.Unix(0, 0)
	lims := policy.NewLimiters(start, 0)
	lim := policy.Limits{Rate: 2, Period: time.Second, Burst: 3}
	for i := range 4 {
		d, _ := lims.Take([]byte("client-a"), lim, 1, start)
		fmt.Println(i, d.Allowed, d.Remaining, d.RetryAfter)
	}
	d, _ := lims.Take([]byte("client-a"), lim, 1, start.Add(500*time.Millisecond))
	fmt.Println("later", d.Allowed, d.Remaining, d.Reset)
	// Output:
	// 0 true 2 0s
	// 1 true 1 0s
	// 2 true 0 0s
	// 3 false 0 500ms
	// later true 0 1.5s
}

func ExampleBreakers() {
	start := time.Unix(0, 0)
	brs := policy.NewBreakers(start, 0)
	cfg := policy.BreakerConfig{ConsecutiveFailures: 2, OpenFor: 5 * time.Second, HalfOpenRequests: 1}
	name := []byte("payments")
	fmt.Println(brs.Report(name, cfg, false, 80*time.Millisecond, start))
	fmt.Println(brs.Report(name, cfg, false, 90*time.Millisecond, start))
	fmt.Println(brs.Allow(name, cfg, start.Add(time.Second)))
	fmt.Println(brs.Allow(name, cfg, start.Add(5*time.Second)))
	fmt.Println(brs.Allow(name, cfg, start.Add(5*time.Second)))
	fmt.Println(brs.Report(name, cfg, true, 20*time.Millisecond, start.Add(6*time.Second)))
	for _, b := range brs.List(start.Add(6 * time.Second)) {
		fmt.Println(b.Name, b.State, b.Opened)
	}
	// Output:
	// closed
	// open
	// false open 4s
	// true half_open 0s
	// false half_open 5s
	// closed
	// payments closed 1
}
