//go:build linux

package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/hostd/hostd/bench/internal/procstat"
	"github.com/hostd/hostd/bench/internal/wrk"
)

// scenario is one load target. Every scenario but the references runs
// next to its reference (ref) in each round.
type scenario struct {
	Name      string
	Ref       string // "native", "direct", or "" for a reference
	URL       string // what wrk loads
	Headers   []string
	WantBody  string
	Chain     bool     // the route runs jwt-auth, rate-limit and circuit-breaker
	CPUOf     []*child // servers whose CPU time the scenario costs
	Target    float64  // req/s ÷ reference at least this (0: none)
	CPUTarget float64  // CPU µs/req − reference at most this (0: none)
}

// scenarios lists the references first, then the measured scenarios in
// the order the rounds run them.
func scenarios(s *servers, token []byte, tinygo map[string][]byte) []*scenario {
	hostd, native := "http://"+s.hostdAddr, "http://"+s.nativeAddr
	auth := []string{"Authorization: Bearer " + string(token)}
	list := []*scenario{
		{Name: "native", URL: native + "/hello/bench", WantBody: "hello, bench", CPUOf: []*child{s.native}},
		{Name: "direct", URL: native + "/up/hello/bench", WantBody: "hello, bench", CPUOf: []*child{s.native}},
		{Name: "wasm-hello", Ref: "native", URL: hostd + "/hello/bench", WantBody: "hello, bench",
			CPUOf: []*child{s.hostd}, Target: 0.90},
		{Name: "chain", Ref: "native", URL: hostd + "/chain/bench", Headers: auth, WantBody: "hello, bench",
			Chain: true, CPUOf: []*child{s.hostd}, Target: 0.80, CPUTarget: 8},
		{Name: "wat-hello", Ref: "native", URL: hostd + "/wat/bench", WantBody: "hello from wat",
			CPUOf: []*child{s.hostd}},
		{Name: "proxy", Ref: "direct", URL: hostd + "/up/hello/bench", WantBody: "hello, bench",
			CPUOf: []*child{s.hostd, s.native}, Target: 0.60},
	}
	if tinygo["hello"] != nil {
		list = append(list, &scenario{Name: "tinygo-hello", Ref: "native", URL: hostd + "/tinygo/hello/bench",
			WantBody: "hello, bench", CPUOf: []*child{s.hostd}, Target: 0.90})
	}
	if hasTinyGoChain(tinygo) {
		list = append(list, &scenario{Name: "tinygo-chain", Ref: "native", URL: hostd + "/tinygo/chain/bench",
			Headers: auth, WantBody: "hello, bench", Chain: true, CPUOf: []*child{s.hostd}, Target: 0.80, CPUTarget: 8})
	}
	return list
}

// check sends one request and compares status and body. For a chain it
// also checks that the filters ran: the answer carries rate-limit's
// RateLimit-Limit, and without the token jwt-auth answers 401.
func (sc *scenario) check(ctx context.Context) error {
	status, hdr, body, err := get(ctx, sc.URL, sc.Headers)
	if err != nil {
		return fmt.Errorf("loadbench: %s: %w", sc.Name, err)
	}
	if status != http.StatusOK || body != sc.WantBody {
		return fmt.Errorf("loadbench: %s: GET %s answered %d %q, want 200 %q", sc.Name, sc.URL, status, body, sc.WantBody)
	}
	if !sc.Chain {
		return nil
	}
	if hdr.Get("RateLimit-Limit") == "" {
		return fmt.Errorf("loadbench: %s: no RateLimit-Limit header: rate-limit did not run", sc.Name)
	}
	if status, _, _, err = get(ctx, sc.URL, nil); err != nil || status != http.StatusUnauthorized {
		return fmt.Errorf("loadbench: %s: without a token: %d, %v; want 401 from jwt-auth", sc.Name, status, err)
	}
	return nil
}

func get(ctx context.Context, url string, headers []string) (int, http.Header, string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return 0, nil, "", err
	}
	for _, h := range headers {
		k, v, _ := strings.Cut(h, ":")
		req.Header.Set(k, strings.TrimSpace(v))
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, nil, "", err
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	return resp.StatusCode, resp.Header, string(body), nil
}

// result is one measured wrk run of a scenario.
type result struct {
	Scenario   string  `json:"scenario"`
	Pair       string  `json:"pair"` // the scenario this reference run is paired with, or the scenario itself
	Round      int     `json:"round"`
	Requests   int64   `json:"requests"`
	ReqPerSec  float64 `json:"req_per_s"`
	P50us      float64 `json:"p50_us"`
	P99us      float64 `json:"p99_us"`
	CPUPerReq  float64 `json:"cpu_us_per_req"`
	CPUSeconds float64 `json:"cpu_s"`
	Busy       float64 `json:"server_busy"` // CPUSeconds ÷ the run's wall time: 1 = one core's worth
}

// load runs wrk against sc for d and measures the CPU time of sc's servers
// over the run.
func (sc *scenario) load(ctx context.Context, o wrk.Options, d time.Duration) (result, error) {
	o.URL, o.Headers, o.Duration = sc.URL, sc.Headers, d
	before, err := cpuOf(sc.CPUOf)
	if err != nil {
		return result{}, err
	}
	res, err := wrk.Run(ctx, o)
	if err != nil {
		return result{}, err
	}
	after, err := cpuOf(sc.CPUOf)
	if err != nil {
		return result{}, err
	}
	if res.Non2xx > 0 || res.SocketErrors > 0 || res.Requests == 0 {
		return result{}, fmt.Errorf("loadbench: %s: %d requests, %d non-2xx answers, %d socket errors",
			sc.Name, res.Requests, res.Non2xx, res.SocketErrors)
	}
	cpu := after - before
	return result{Scenario: sc.Name, Requests: res.Requests, ReqPerSec: res.RequestsPerS,
		P50us: us(res.P(50)), P99us: us(res.P(99)), CPUSeconds: cpu.Seconds(),
		CPUPerReq: us(cpu) / float64(res.Requests), Busy: cpu.Seconds() / res.Duration.Seconds()}, nil
}

func cpuOf(cs []*child) (time.Duration, error) {
	var sum time.Duration
	for _, c := range cs {
		if c.exited() {
			return 0, fmt.Errorf("loadbench: %s exited:\n%s", c.name, c.logTail())
		}
		t, err := procstat.CPU(c.pid())
		if err != nil {
			return 0, err
		}
		sum += t
	}
	return sum, nil
}

func us(d time.Duration) float64 { return float64(d) / float64(time.Microsecond) }
