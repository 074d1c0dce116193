package sdk

import "github.com/hostd/hostd/sdk/internal/imports"

// SetRequestState keeps state (at most abi.MaxRequestStateLen bytes) for
// this plugin's response callback of the same request, replacing what it
// kept before. Together with abi.FeatureAnyInstanceResponse it lets a
// filter with a response function carry per-request state without holding
// its instance while the target runs: the response function may run on
// another instance, where package variables set by the request function
// are not there. Only this plugin's binding at this position of the chain
// sees the state, and only for this request. Errors: ErrTooLarge.
func SetRequestState(state []byte) error { return errOf(imports.SetRequestState(state)) }

// RequestState returns what SetRequestState kept for this request (nil if
// nothing). The slice is the caller's.
func RequestState() []byte {
	b := readBytes(imports.GetRequestState)
	if len(b) == 0 {
		return nil
	}
	return b
}
