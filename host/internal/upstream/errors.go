package upstream

import "errors"

var (
	// ErrTimeout is returned by Do when no response headers arrived within
	// Config.Timeout (or before the caller's deadline). The data plane
	// answers 504 upstream_timeout.
	ErrTimeout = errors.New("upstream: timed out")
	// ErrUnavailable is returned by Do when no target answered: every
	// attempt failed to connect or lost its connection before a response.
	// The data plane answers 502 upstream_unavailable.
	ErrUnavailable = errors.New("upstream: no target answered")
)

// errDeadline is the cancellation cause of an exchange that ran out of
// Config.Timeout.
var errDeadline = errors.New("upstream: exchange deadline")

// errBodyRevoked is returned to an abandoned attempt that tries to read a
// request body which a retry now owns.
var errBodyRevoked = errors.New("upstream: request body handed to a retry")
