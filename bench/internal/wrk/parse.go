// Package wrk runs the wrk HTTP load generator and parses its report.
package wrk

import (
	"bufio"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Result is what one wrk run reports.
type Result struct {
	Requests     int64                 // "N requests in D": completed requests
	Duration     time.Duration         // D
	RequestsPerS float64               // "Requests/sec:"
	Latency      map[int]time.Duration // percentile (50, 75, 90, 99) → latency, from --latency
	Non2xx       int64                 // "Non-2xx or 3xx responses: N"
	SocketErrors int64                 // connect+read+write+timeout of "Socket errors:"
}

// P returns the latency at percentile p, 0 if wrk did not report it.
func (r Result) P(p int) time.Duration { return r.Latency[p] }

// Parse reads wrk's text report (run with --latency).
func Parse(out string) (Result, error) {
	r := Result{Latency: map[int]time.Duration{}}
	var sawReqs, sawRate bool
	inDist := false
	sc := bufio.NewScanner(strings.NewReader(out))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		f := strings.Fields(line)
		switch {
		case line == "Latency Distribution":
			inDist = true
		case inDist && len(f) == 2 && strings.HasSuffix(f[0], "%"):
			p, err := strconv.ParseFloat(strings.TrimSuffix(f[0], "%"), 64)
			if err != nil {
				return r, fmt.Errorf("wrk: percentile %q: %w", f[0], err)
			}
			d, err := ParseDuration(f[1])
			if err != nil {
				return r, err
			}
			r.Latency[int(p)] = d
		case len(f) >= 4 && f[1] == "requests" && f[2] == "in":
			inDist = false
			n, err := ParseCount(f[0])
			if err != nil {
				return r, err
			}
			d, err := ParseDuration(strings.TrimSuffix(f[3], ","))
			if err != nil {
				return r, err
			}
			r.Requests, r.Duration, sawReqs = int64(n), d, true
		case strings.HasPrefix(line, "Requests/sec:") && len(f) == 2:
			v, err := ParseCount(f[1])
			if err != nil {
				return r, err
			}
			r.RequestsPerS, sawRate = v, true
		case strings.HasPrefix(line, "Non-2xx or 3xx responses:") && len(f) == 5:
			n, err := strconv.ParseInt(f[4], 10, 64)
			if err != nil {
				return r, fmt.Errorf("wrk: %q: %w", line, err)
			}
			r.Non2xx = n
		case strings.HasPrefix(line, "Socket errors:"):
			n, err := socketErrors(strings.TrimPrefix(line, "Socket errors:"))
			if err != nil {
				return r, err
			}
			r.SocketErrors = n
		default:
			inDist = inDist && len(f) == 2
		}
	}
	if !sawReqs || !sawRate {
		return r, errors.New("wrk: no \"requests in\" or \"Requests/sec\" line in the output")
	}
	return r, nil
}

// socketErrors sums " connect 0, read 1, write 0, timeout 2".
func socketErrors(s string) (int64, error) {
	var sum int64
	for _, part := range strings.Split(s, ",") {
		f := strings.Fields(part)
		if len(f) != 2 {
			return 0, fmt.Errorf("wrk: socket errors %q", s)
		}
		n, err := strconv.ParseInt(f[1], 10, 64)
		if err != nil {
			return 0, fmt.Errorf("wrk: socket errors %q: %w", s, err)
		}
		sum += n
	}
	return sum, nil
}

// ParseDuration parses wrk's times: "850.00us", "1.20ms", "2.00s", "1.00m",
// "1.00h" (wrk prints "us" for microseconds).
func ParseDuration(s string) (time.Duration, error) {
	units := []struct {
		suffix string
		unit   time.Duration
	}{{"us", time.Microsecond}, {"ms", time.Millisecond}, {"m", time.Minute}, {"h", time.Hour}, {"s", time.Second}}
	for _, u := range units {
		if num, ok := strings.CutSuffix(s, u.suffix); ok {
			v, err := strconv.ParseFloat(num, 64)
			if err != nil || v < 0 {
				return 0, fmt.Errorf("wrk: duration %q", s)
			}
			return time.Duration(v * float64(u.unit)), nil
		}
	}
	return 0, fmt.Errorf("wrk: duration %q has no unit", s)
}

// ParseCount parses wrk's counts: "12345", "1.10k", "2.5M", "1G" (powers of
// 1000).
func ParseCount(s string) (float64, error) {
	mult := 1.0
	switch {
	case strings.HasSuffix(s, "k"):
		mult, s = 1e3, strings.TrimSuffix(s, "k")
	case strings.HasSuffix(s, "M"):
		mult, s = 1e6, strings.TrimSuffix(s, "M")
	case strings.HasSuffix(s, "G"):
		mult, s = 1e9, strings.TrimSuffix(s, "G")
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil || v < 0 {
		return 0, fmt.Errorf("wrk: count %q", s)
	}
	return v * mult, nil
}
