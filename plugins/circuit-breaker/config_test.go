package main

import (
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestParseDefaults(t *testing.T) {
	c, err := parse([]byte(`{}`))
	if err != nil {
		t.Fatal(err)
	}
	if c.window != 10*time.Second || c.openFor != 30*time.Second || c.minRequests != 10 ||
		c.failureRatio != 0.5 || c.consecutiveFailures != 0 || c.halfOpenRequests != 1 {
		t.Errorf("defaults %+v", c)
	}
	if !strings.HasPrefix(c.name, "cb:") || len(c.name) != 3+16 {
		t.Errorf("name %q", c.name)
	}
	if !c.failures.matches(500) || !c.failures.matches(599) || c.failures.matches(404) {
		t.Errorf("failures %+v", c.failures)
	}
	f := c.fallback
	if f.status != 503 || string(f.body) != openBody || !f.setRetryAfter ||
		!reflect.DeepEqual(f.headers, []header{{"Content-Type", "application/json"}}) {
		t.Errorf("fallback %+v", f)
	}
}

func TestParseFull(t *testing.T) {
	c, err := parse([]byte(`{
		"name": "payments", "window": "1m", "min_requests": 20, "failure_ratio": 0.25,
		"consecutive_failures": 5, "open_for": "5s", "half_open_requests": 3,
		"failure_status": [503, "4xx", "429"],
		"fallback": {"status": 200, "headers": {"x-degraded": "1", "retry-after": "60"}, "body": "later"}
	}`))
	if err != nil {
		t.Fatal(err)
	}
	want := breakerConfig{
		name: "payments", window: time.Minute, openFor: 5 * time.Second, minRequests: 20,
		failureRatio: 0.25, consecutiveFailures: 5, halfOpenRequests: 3,
		failures: statusSet{codes: []int{429, 503}, classes: 1 << 4},
		fallback: fallback{status: 200, body: []byte("later"), headers: []header{
			{"Content-Type", "text/plain; charset=utf-8"}, {"Retry-After", "60"}, {"X-Degraded", "1"},
		}},
	}
	if !reflect.DeepEqual(c, want) {
		t.Errorf("got  %+v\nwant %+v", c, want)
	}
}

func TestParseFallbackContentType(t *testing.T) {
	c, err := parse([]byte(`{"fallback": {"headers": {"Content-Type": "text/html"}, "body": "<p>down</p>"}}`))
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(c.fallback.headers, []header{{"Content-Type", "text/html"}}) {
		t.Errorf("headers %+v", c.fallback.headers)
	}
	c, err = parse([]byte(`{"fallback": {"status": 503, "body": ""}}`))
	if err != nil {
		t.Fatal(err)
	}
	if len(c.fallback.body) != 0 || len(c.fallback.headers) != 0 {
		t.Errorf("empty body fallback %+v", c.fallback)
	}
}

func TestDefaultNameFollowsConfig(t *testing.T) {
	a, _ := parse([]byte(`{"window": "5s"}`))
	b, _ := parse([]byte(`{"window": "5s"}`))
	c, _ := parse([]byte(`{"window": "6s"}`))
	if a.name != b.name || a.name == c.name {
		t.Errorf("names %q %q %q", a.name, b.name, c.name)
	}
	if a.name != defaultName([]byte(`{"window": "5s"}`)) {
		t.Errorf("name %q", a.name)
	}
}

func TestParseErrors(t *testing.T) {
	for _, tc := range []struct{ config, want string }{
		{`[]`, "JSON object"},
		{``, "JSON object"},
		{`{} {}`, "trailing"},
		{`{"unknown": 1}`, "unknown field"},
		{`{"name": ""}`, "name"},
		{`{"name": "` + strings.Repeat("n", 257) + `"}`, "name"},
		{`{"name": 5}`, "name"},
		{`{"window": "ten"}`, "window"},
		{`{"window": "0s"}`, "window"},
		{`{"window": "500us"}`, "window"},
		{`{"window": 10}`, "window"},
		{`{"open_for": "-1s"}`, "open_for"},
		{`{"min_requests": -1}`, "min_requests"},
		{`{"min_requests": 1.5}`, "min_requests"},
		{`{"min_requests": 2147483648}`, "min_requests"},
		{`{"consecutive_failures": -2}`, "consecutive_failures"},
		{`{"half_open_requests": 0}`, "half_open_requests"},
		{`{"failure_ratio": 1.5}`, "failure_ratio"},
		{`{"failure_ratio": -0.1}`, "failure_ratio"},
		{`{"failure_ratio": "half"}`, "failure_ratio"},
		{`{"failure_ratio": 0}`, "never open"},
		{`{"failure_ratio": 0, "consecutive_failures": 0}`, "never open"},
		{`{"failure_status": "5xx"}`, "failure_status"},
		{`{"failure_status": [600]}`, "failure_status"},
		{`{"failure_status": [99]}`, "failure_status"},
		{`{"failure_status": ["6xx"]}`, "failure_status"},
		{`{"failure_status": ["5x"]}`, "failure_status"},
		{`{"failure_status": ["50x"]}`, "failure_status"},
		{`{"failure_status": [true]}`, "failure_status"},
		{`{"failure_status": [503.5]}`, "failure_status"},
		{`{"fallback": {"status": 199}}`, "fallback.status"},
		{`{"fallback": {"status": 600}}`, "fallback.status"},
		{`{"fallback": {"headers": {"bad name": "v"}}}`, "fallback.headers"},
		{`{"fallback": {"headers": {"X-A": "a\nb"}}}`, "fallback.headers"},
		{`{"fallback": {"headers": {"content-length": "1"}}}`, "set by the host"},
		{`{"fallback": {"body": 5}}`, "body"},
		{`{"fallback": {"other": 1}}`, "unknown field"},
	} {
		t.Run(tc.config, func(t *testing.T) {
			_, err := parse([]byte(tc.config))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("err %v, want it to mention %q", err, tc.want)
			}
		})
	}
}

func TestParseConsecutiveOnly(t *testing.T) {
	c, err := parse([]byte(`{"failure_ratio": 0, "consecutive_failures": 3, "failure_status": []}`))
	if err != nil {
		t.Fatal(err)
	}
	if c.failureRatio != 0 || c.consecutiveFailures != 3 || c.failures.matches(500) {
		t.Errorf("%+v", c)
	}
}
