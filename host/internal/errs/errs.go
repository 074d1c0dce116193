// Package errs defines the error type that crosses hostd's internal package
// boundaries when the cause is the caller's input or the current state, so
// that the admin API can answer with a precise HTTP status and a stable code
// without knowing which package failed.
package errs

import (
	"errors"
	"fmt"
)

// Kind classifies an Error; the admin API maps each kind to one HTTP status.
type Kind int

const (
	// Invalid: the input is malformed (400).
	Invalid Kind = iota + 1
	// NotFound: the named object does not exist (404).
	NotFound
	// Conflict: the state forbids the change, e.g. a plugin still in use (409).
	Conflict
	// TooLarge: the input is over a size limit (413).
	TooLarge
	// Unprocessable: well-formed input that cannot be used, e.g. a Wasm
	// module that does not speak the ABI (422).
	Unprocessable
	// Unavailable: a dependency is down or shutting down (503).
	Unavailable
)

// Error is an error with a Kind and a stable machine-readable Code
// (snake_case, never changed once published). Message is written for a
// person and must say what to do.
type Error struct {
	Kind    Kind
	Code    string
	Message string
	Err     error
}

func (e *Error) Error() string {
	if e.Err != nil {
		return e.Message + ": " + e.Err.Error()
	}
	return e.Message
}

func (e *Error) Unwrap() error { return e.Err }

// New returns an Error with a formatted message.
func New(kind Kind, code, format string, args ...any) *Error {
	return &Error{Kind: kind, Code: code, Message: fmt.Sprintf(format, args...)}
}

// Wrap returns an Error with a formatted message that wraps err.
func Wrap(err error, kind Kind, code, format string, args ...any) *Error {
	return &Error{Kind: kind, Code: code, Message: fmt.Sprintf(format, args...), Err: err}
}

// As returns the *Error in err's chain, if any.
func As(err error) (*Error, bool) {
	var e *Error
	ok := errors.As(err, &e)
	return e, ok
}
