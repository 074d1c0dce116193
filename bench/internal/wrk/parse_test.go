package wrk

import (
	"strings"
	"testing"
	"time"
)

const report = `Running 5s test @ http://127.0.0.1:8080/hello/bench
  1 threads and 16 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency   410.12us  200.05us   8.00ms   95.00%
    Req/Sec     1.1k      2.10k   55.00k    70.00%
  Latency Distribution
     50%  850.00us
     75%    1.20ms
     90%    2.50ms
     99%    1.10s
  152871 requests in 5.00s, 19.24MB read
  Socket errors: connect 0, read 2, write 0, timeout 3
  Non-2xx or 3xx responses: 7
Requests/sec:  30574.20
Transfer/sec:      3.85MB
`

func TestParse(t *testing.T) {
	r, err := Parse(report)
	if err != nil {
		t.Fatal(err)
	}
	if r.Requests != 152871 || r.Duration != 5*time.Second || r.RequestsPerS != 30574.20 {
		t.Errorf("requests %d in %v at %v/s, want 152871 in 5s at 30574.20/s", r.Requests, r.Duration, r.RequestsPerS)
	}
	want := map[int]time.Duration{50: 850 * time.Microsecond, 75: 1200 * time.Microsecond,
		90: 2500 * time.Microsecond, 99: 1100 * time.Millisecond}
	for p, d := range want {
		if r.P(p) != d {
			t.Errorf("p%d = %v, want %v", p, r.P(p), d)
		}
	}
	if len(r.Latency) != 4 {
		t.Errorf("latencies %v: the Req/Sec or Thread Stats lines were read as percentiles", r.Latency)
	}
	if r.Non2xx != 7 || r.SocketErrors != 5 {
		t.Errorf("non-2xx %d, socket errors %d, want 7 and 5", r.Non2xx, r.SocketErrors)
	}
}

func TestParseClean(t *testing.T) {
	clean := strings.NewReplacer("  Socket errors: connect 0, read 2, write 0, timeout 3\n", "",
		"  Non-2xx or 3xx responses: 7\n", "").Replace(report)
	r, err := Parse(clean)
	if err != nil {
		t.Fatal(err)
	}
	if r.Non2xx != 0 || r.SocketErrors != 0 || r.Requests != 152871 {
		t.Errorf("%+v", r)
	}
}

func TestParseRejects(t *testing.T) {
	for name, out := range map[string]string{
		"empty":        "",
		"no rate":      "  10 requests in 1.00s, 1KB read\n",
		"no requests":  "Requests/sec: 10.00\n",
		"bad unit":     "  Latency Distribution\n     50%  1.2xs\n  10 requests in 1.00s, 1KB read\nRequests/sec: 10\n",
		"bad duration": "  10 requests in 1.00q, 1KB read\nRequests/sec: 10\n",
		"bad sockets":  "  10 requests in 1.00s, 1KB read\n  Socket errors: connect x\nRequests/sec: 10\n",
	} {
		if _, err := Parse(out); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

func TestParseDuration(t *testing.T) {
	for in, want := range map[string]time.Duration{
		"850us": 850 * time.Microsecond, "850.00us": 850 * time.Microsecond, "1.2ms": 1200 * time.Microsecond,
		"2.00s": 2 * time.Second, "1.50m": 90 * time.Second, "1.00h": time.Hour, "0.00us": 0,
	} {
		got, err := ParseDuration(in)
		if err != nil || got != want {
			t.Errorf("ParseDuration(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, in := range []string{"", "12", "ms", "-1ms", "1.2ks", "abcus"} {
		if d, err := ParseDuration(in); err == nil {
			t.Errorf("ParseDuration(%q) = %v, want an error", in, d)
		}
	}
}

func TestParseCount(t *testing.T) {
	for in, want := range map[string]float64{
		"12345": 12345, "1.1k": 1100, "1.10k": 1100, "2.5M": 2.5e6, "1G": 1e9, "30574.20": 30574.20,
	} {
		got, err := ParseCount(in)
		if err != nil || got != want {
			t.Errorf("ParseCount(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, in := range []string{"", "k", "1.1x", "-3", "1kk"} {
		if v, err := ParseCount(in); err == nil {
			t.Errorf("ParseCount(%q) = %v, want an error", in, v)
		}
	}
}

func TestArgs(t *testing.T) {
	o := Options{URL: "http://127.0.0.1:1/x", Duration: 5 * time.Second, Connections: 16, Threads: 1,
		Headers: []string{"Authorization: Bearer t"}, CPUs: "0"}
	got := strings.Join(o.Args(), " ")
	want := "taskset -c 0 wrk --latency -t1 -c16 -d5s -H Authorization: Bearer t http://127.0.0.1:1/x"
	if got != want {
		t.Errorf("Args() = %q, want %q", got, want)
	}
	o.CPUs = ""
	if a := o.Args(); a[0] != "wrk" {
		t.Errorf("unpinned Args() starts with %q", a[0])
	}
}
