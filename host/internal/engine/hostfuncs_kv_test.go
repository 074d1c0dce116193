package engine

import (
	"errors"
	"fmt"
	"testing"

	"github.com/hostd/hostd/abi"
)

// kvStatus is what kv_put and kv_cas return for a store's error, however
// the store wrapped it.
func TestKVStatusOfStoreErrors(t *testing.T) {
	for _, tc := range []struct {
		err  error
		want abi.Status
	}{
		{ErrKVConflict, abi.StatusConflict},
		{fmt.Errorf("%w: namespace full", ErrKVQuota), abi.StatusTooLarge},
		{fmt.Errorf("%w: disk below the reserve", ErrKVNoSpace), abi.StatusUnavailable},
		{errors.New("registry: disk I/O error"), abi.StatusUnavailable},
	} {
		if got := kvStatus(tc.err); got != tc.want {
			t.Errorf("kvStatus(%v) = %v, want %v", tc.err, got, tc.want)
		}
	}
}
