package host_test

import (
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hostd/hostd/host"
	"github.com/hostd/hostd/internal/testwasm"
)

// TestRateLimitExactness runs 16 concurrent clients against a rate-limited
// route for a fixed period: the accepted count must equal
// burst + rate × period within 1%, whatever the plugin pool size (the
// buckets live in the host, shared by every instance).
func TestRateLimitExactness(t *testing.T) {
	if testing.Short() {
		t.Skip("runs for seconds")
	}
	const rate, burst, clients = 400, 100, 16
	const period = 1500 * time.Millisecond
	for _, instances := range []int{1, 16} {
		t.Run("instances="+strconv.Itoa(instances), func(t *testing.T) {
			th := startHost(t, func(c *host.Config) { c.Limits.MaxInstances = instances })
			th.upload("hello", testwasm.Hello)
			cfg := `{"rate":` + strconv.Itoa(rate) + `,"per":"1s","burst":` + strconv.Itoa(burst) + `,"key":"header:X-Run"}`
			th.route("r", `{"path":"/r","filters":[{"plugin":"rate-limit","config":`+cfg+`}],"handler":{"plugin":"hello"}}`)

			tr := &http.Transport{MaxIdleConnsPerHost: clients}
			defer tr.CloseIdleConnections()
			client := &http.Client{Transport: tr}
			// Warm the pool on another bucket first: instantiating 16 Go
			// guests (slow under -race) must not eat into the measured period.
			var warm sync.WaitGroup
			for range 2 * clients {
				warm.Add(1)
				go func() {
					defer warm.Done()
					if res, err := get(client, th.base+"/r", "warm-up"); err == nil {
						res.Body.Close()
					}
				}()
			}
			warm.Wait()

			var ok, limited, other atomic.Int64
			var wg sync.WaitGroup
			var win window
			start := time.Now()
			deadline := start.Add(period)
			for range clients {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for time.Now().Before(deadline) {
						sent := time.Now()
						res, err := get(client, th.base+"/r", "measured")
						win.add(sent, time.Now())
						if err != nil {
							other.Add(1)
							continue
						}
						res.Body.Close()
						switch res.StatusCode {
						case 200:
							ok.Add(1)
						case 429:
							limited.Add(1)
						default:
							other.Add(1)
						}
					}
				}()
			}
			wg.Wait()
			// Tokens were taken between the first request's send and the
			// last response; the period is known to within the requests'
			// latency at both ends, which a starved CI machine can stretch.
			longest := win.lastRecv.Sub(win.firstSend).Seconds()
			shortest := win.lastSend.Sub(win.firstRecv).Seconds()
			want := float64(burst) + rate*(longest+shortest)/2
			slack := max(0.01*want, rate*(longest-shortest)/2+1)
			got := float64(ok.Load())
			t.Logf("accepted %d, limited %d; burst + rate×period = %.1f (period %.4fs..%.4fs)",
				ok.Load(), limited.Load(), want, shortest, longest)
			if other.Load() != 0 || limited.Load() == 0 {
				t.Fatalf("%d unexpected responses, %d limited", other.Load(), limited.Load())
			}
			if got < want-slack || got > want+slack {
				t.Fatalf("accepted %v, want %.1f ± %.1f (off by %.2f%%)", got, want, slack, (got-want)/want*100)
			}
		})
	}
}

func TestRateLimitHeaders(t *testing.T) {
	th := startHost(t, nil)
	th.upload("hello", testwasm.Hello)
	th.route("r", `{"path":"/r","filters":[{"plugin":"rate-limit","config":{"rate":2,"per":"1h","key":"header:X-User"}}],"handler":{"plugin":"hello"}}`)
	for i, want := range []int{200, 200, 429} {
		r := th.get("/r", "X-User", "ann")
		expectStatus(t, r, want)
		if r.header.Get("RateLimit-Limit") != "2" || r.header.Get("RateLimit-Remaining") == "" || r.header.Get("RateLimit-Reset") == "" {
			t.Fatalf("request %d: headers %v", i, r.header)
		}
		if want == 429 && r.header.Get("Retry-After") == "" {
			t.Fatal("429 without Retry-After")
		}
	}
	expectStatus(t, th.get("/r", "X-User", "bob"), 200) // another key, another bucket
}

func get(c *http.Client, url, run string) (*http.Response, error) {
	req, err := http.NewRequest("GET", url, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("X-Run", run)
	return c.Do(req)
}

// window tracks the first and last send and receive times of requests.
type window struct {
	mu                  sync.Mutex
	firstSend, lastSend time.Time
	firstRecv, lastRecv time.Time
}

func (w *window) add(sent, recv time.Time) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.firstSend.IsZero() || sent.Before(w.firstSend) {
		w.firstSend = sent
	}
	if sent.After(w.lastSend) {
		w.lastSend = sent
	}
	if w.firstRecv.IsZero() || recv.Before(w.firstRecv) {
		w.firstRecv = recv
	}
	if recv.After(w.lastRecv) {
		w.lastRecv = recv
	}
}
