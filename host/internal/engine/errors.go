package engine

import (
	"errors"
	"fmt"
)

// ABIError is returned by Compile when a binary is not a usable v1 plugin.
// Reason is written for the uploader.
type ABIError struct {
	Reason  string
	NotWasm bool // not a WebAssembly binary at all
	// OverLimit is set when a dimension of the module is over a load limit
	// (Reason names it), Budget when compiling it took more time or memory
	// than the compile budget allows.
	OverLimit, Budget bool
}

func (e *ABIError) Error() string { return "engine: " + e.Reason }

var (
	// ErrTrap is returned when a guest call trapped or exited; the instance
	// has been closed.
	ErrTrap = errors.New("engine: plugin trapped")
	// ErrTimeout is returned when a guest call ran past its deadline; the
	// instance has been closed.
	ErrTimeout = errors.New("engine: plugin call timed out")
	// ErrMemoryLimit is returned when a guest failed after reaching the
	// memory limit; the instance has been closed.
	ErrMemoryLimit = errors.New("engine: plugin exceeded its memory limit")
	// ErrBusy is returned by Pool.Get when no instance became free in time.
	ErrBusy = errors.New("engine: all plugin instances are busy")
	// ErrClosed is returned by Pool.Get after Close.
	ErrClosed = errors.New("engine: pool closed")
	// ErrCanceled is returned when the caller's context ended during a call.
	ErrCanceled = errors.New("engine: call canceled")
	// ErrConfigRejected is returned by NewPool when on_configure returned a
	// non-OK status.
	ErrConfigRejected = errors.New("engine: plugin rejected its configuration")
	// ErrNoMessageExport is returned by OnMessage for a plugin that does not
	// export on_message.
	ErrNoMessageExport = errors.New("engine: plugin does not export on_message")
)

var (
	// ErrOverloaded is returned when the engine-wide budget of instances or
	// guest memory is used up by instances that are all busy; the request
	// may be retried.
	ErrOverloaded = errors.New("engine: host plugin capacity exhausted")
	// ErrStackOverflow is returned when a guest call went past its stack
	// budget (deep or endless recursion); the instance has been closed.
	// It wraps ErrTrap.
	ErrStackOverflow = fmt.Errorf("%w: call stack over its budget", ErrTrap)
	// ErrQuarantined is returned by Pool.Get while the pool is quarantined
	// after repeated failures; see Pool.Health.
	ErrQuarantined = errors.New("engine: plugin quarantined after repeated failures")
)

// IsPluginFault reports whether err is a failure of the plugin itself — a
// trap or exit, a deadline, its memory or stack limit, a configuration its
// new instance rejected — as opposed to a lack of capacity (busy,
// quarantined, the host's budgets), a closed pool or a canceled call. Only
// a plugin fault may let a request skip a filter that fails open: a client
// can cause capacity failures at will (by holding connections), and a
// quarantine turns the plugin's recent faults into a refusal of everyone.
func IsPluginFault(err error) bool {
	switch {
	case errors.Is(err, ErrBusy), errors.Is(err, ErrQuarantined), errors.Is(err, ErrOverloaded),
		errors.Is(err, ErrClosed), errors.Is(err, ErrCanceled):
		return false
	}
	return errors.Is(err, ErrTrap) || errors.Is(err, ErrTimeout) || errors.Is(err, ErrMemoryLimit) ||
		errors.Is(err, ErrConfigRejected)
}
