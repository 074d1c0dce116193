package main

import (
	"testing"
	"time"
)

func TestIsFailure(t *testing.T) {
	fiveXX := statusSet{classes: 1 << 5}
	codes := statusSet{codes: []int{429, 503}}
	mixed := statusSet{codes: []int{408}, classes: 1<<5 | 1<<4}
	for _, tc := range []struct {
		set    statusSet
		status int
		want   bool
	}{
		{fiveXX, 500, true},
		{fiveXX, 503, true},
		{fiveXX, 599, true},
		{fiveXX, 200, false},
		{fiveXX, 404, false},
		{fiveXX, 499, false},
		{codes, 503, true},
		{codes, 429, true},
		{codes, 500, false},
		{codes, 200, false},
		{codes, 502, true}, // upstream_unavailable always counts
		{codes, 504, true}, // upstream_timeout always counts
		{statusSet{}, 502, true},
		{statusSet{}, 500, false},
		{mixed, 408, true},
		{mixed, 404, true},
		{mixed, 301, false},
		{fiveXX, 600, false},
		{fiveXX, 0, false},
	} {
		if got := isFailure(tc.set, tc.status); got != tc.want {
			t.Errorf("isFailure(%+v, %d) = %v, want %v", tc.set, tc.status, got, tc.want)
		}
	}
}

func TestRetryAfterSeconds(t *testing.T) {
	for _, tc := range []struct {
		d    time.Duration
		want string
	}{
		{0, "1"},
		{-time.Second, "1"},
		{time.Millisecond, "1"},
		{time.Second, "1"},
		{time.Second + time.Millisecond, "2"},
		{29500 * time.Millisecond, "30"},
		{30 * time.Second, "30"},
	} {
		if got := retryAfterSeconds(tc.d); got != tc.want {
			t.Errorf("retryAfterSeconds(%v) = %s, want %s", tc.d, got, tc.want)
		}
	}
}
