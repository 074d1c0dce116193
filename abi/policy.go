package abi

import "strconv"

// RateLimitAlgorithm selects how ratelimit_take counts.
type RateLimitAlgorithm uint32

const (
	// RateLimitTokenBucket refills $rate tokens per $period continuously, up
	// to $burst.
	RateLimitTokenBucket RateLimitAlgorithm = 0
	// RateLimitSlidingWindow allows $rate per any window of $period
	// (weighted two-window approximation); $burst is ignored.
	RateLimitSlidingWindow RateLimitAlgorithm = 1
)

// String returns "token_bucket" or "sliding_window".
func (a RateLimitAlgorithm) String() string {
	switch a {
	case RateLimitTokenBucket:
		return "token_bucket"
	case RateLimitSlidingWindow:
		return "sliding_window"
	}
	return "algorithm(" + strconv.FormatUint(uint64(a), 10) + ")"
}

// BreakerState is a circuit breaker's state.
type BreakerState uint32

const (
	// BreakerClosed lets calls through and counts their outcomes.
	BreakerClosed BreakerState = 0
	// BreakerOpen rejects calls until open_for has passed.
	BreakerOpen BreakerState = 1
	// BreakerHalfOpen admits exactly half_open_requests probe calls.
	BreakerHalfOpen BreakerState = 2
)

// String returns "closed", "open" or "half_open".
func (s BreakerState) String() string {
	switch s {
	case BreakerClosed:
		return "closed"
	case BreakerOpen:
		return "open"
	case BreakerHalfOpen:
		return "half_open"
	}
	return "state(" + strconv.FormatUint(uint64(s), 10) + ")"
}

// MarshalText implements encoding.TextMarshaler, so JSON shows the name.
func (s BreakerState) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// Sizes of the structures breaker_allow, breaker_report and
// ratelimit_take read and write in guest memory (all little-endian).
const (
	// BreakerConfigSize: window_ms u64, open_for_ms u64, min_requests u32,
	// consecutive_failures u32 (0 = off), half_open_requests u32,
	// failure_ratio_ppm u32 (parts per million, 0 = off).
	BreakerConfigSize = 32
	// BreakerOutSize: state u32, padding u32, retry_after_ms u64.
	BreakerOutSize = 16
	// RateLimitOutSize: limit u64, remaining u64, reset_ms u64,
	// retry_after_ms u64.
	RateLimitOutSize = 32
)
