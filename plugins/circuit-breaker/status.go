package main

import (
	"strconv"
	"time"
)

// statusSet is the failure_status list: exact codes and classes (bit N of
// classes set means every Nxx status).
type statusSet struct {
	codes   []int // sorted, unique
	classes uint8
}

// matches reports whether status is in the set.
func (s statusSet) matches(status int) bool {
	if c := status / 100; c >= 1 && c <= 5 && s.classes&(1<<c) != 0 {
		return true
	}
	for _, code := range s.codes {
		if code == status {
			return true
		}
	}
	return false
}

// isFailure reports whether a call that ended with status failed: the
// host's own answers to an unreachable or slow upstream (502, 504) always
// do, whatever failure_status says; other statuses do when they match it.
func isFailure(failures statusSet, status int) bool {
	return status == 502 || status == 504 || failures.matches(status)
}

// retryAfterSeconds is the Retry-After value for a wait of d: whole
// seconds, rounded up, at least 1.
func retryAfterSeconds(d time.Duration) string {
	s := (d + time.Second - 1) / time.Second
	if s < 1 {
		s = 1
	}
	return strconv.FormatInt(int64(s), 10)
}
