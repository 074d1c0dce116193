package sdk

import "github.com/hostd/hostd/abi"

// StatusError is a non-OK abi.Status returned by a host function. The
// sentinel values below are what the SDK returns; compare with errors.Is or
// ==, or use errors.As to read the Status.
type StatusError struct {
	// Status is the host's answer.
	Status abi.Status
}

// Error returns "sdk: " followed by the status name, e.g. "sdk: not_found".
func (e *StatusError) Error() string { return "sdk: " + e.Status.String() }

var (
	// ErrNotFound is returned when a key, header or variable does not exist.
	ErrNotFound = &StatusError{abi.StatusNotFound}
	// ErrConflict is returned when a compare-and-swap saw another revision.
	ErrConflict = &StatusError{abi.StatusConflict}
	// ErrInvalidArgument is returned when an argument is outside its range
	// (empty key, status code out of range, bad header name or value).
	ErrInvalidArgument = &StatusError{abi.StatusInvalidArgument}
	// ErrTooLarge is returned when a key, value or body is over a host limit.
	ErrTooLarge = &StatusError{abi.StatusTooLarge}
	// ErrDenied is returned when the plugin is not granted what it asked for,
	// for example a header the host manages (Content-Length) or KV.
	ErrDenied = &StatusError{abi.StatusDenied}
	// ErrUnavailable is returned when a host service is down or overloaded;
	// the call may succeed later.
	ErrUnavailable = &StatusError{abi.StatusUnavailable}
	// ErrTimeout is returned when the host gave up waiting.
	ErrTimeout = &StatusError{abi.StatusTimeout}
	// ErrUnsupported is returned when a call needs a feature that is not
	// enabled, for example reading an unbuffered response body.
	ErrUnsupported = &StatusError{abi.StatusUnsupported}
	// ErrInternal is returned when the host failed; details are in its log.
	ErrInternal = &StatusError{abi.StatusInternal}
)

var statusErrors = [...]*StatusError{
	abi.StatusNotFound:        ErrNotFound,
	abi.StatusConflict:        ErrConflict,
	abi.StatusInvalidArgument: ErrInvalidArgument,
	abi.StatusTooLarge:        ErrTooLarge,
	abi.StatusDenied:          ErrDenied,
	abi.StatusUnavailable:     ErrUnavailable,
	abi.StatusTimeout:         ErrTimeout,
	abi.StatusUnsupported:     ErrUnsupported,
	abi.StatusInternal:        ErrInternal,
}

// errOf maps a status to nil (StatusOK) or its sentinel. A status this SDK
// does not know yet gets a new StatusError, which only costs on that rare path.
func errOf(s abi.Status) error {
	if s == abi.StatusOK {
		return nil
	}
	if int(s) < len(statusErrors) {
		return statusErrors[s]
	}
	return &StatusError{s}
}
