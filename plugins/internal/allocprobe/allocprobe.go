// Package allocprobe counts a plugin's heap allocations per callback, for
// host/plugins_alloc_test.go. A plugin built with the build tag
// hostd_allocprobe wraps its callbacks with it (see each plugin's
// probe.go); the shipped builds in plugins/dist do not include it.
//
// The count is the difference of runtime.MemStats.Mallocs around the
// plugin's own function, so the SDK's dispatch and the probe are not
// counted. It is added to the response header X-Guest-Mallocs (request
// callback) or X-Guest-Mallocs-Response (response callback); a callback
// that already sent the response cannot report.
package allocprobe

import (
	"runtime"
	"strconv"

	"github.com/hostd/hostd/sdk"
)

var (
	stats  runtime.MemStats
	numBuf [20]byte
)

func mallocs() uint64 {
	runtime.ReadMemStats(&stats)
	return stats.Mallocs
}

func report(resp sdk.Response, header string, n uint64) {
	// The host copies the value; a failure (response already sent) leaves
	// the header absent, which the test reports.
	_ = resp.Header().Add(header, string(strconv.AppendUint(numBuf[:0], n, 10)))
}

// Request wraps a request callback.
func Request(f func(sdk.Request, sdk.Response) sdk.Action) func(sdk.Request, sdk.Response) sdk.Action {
	return func(req sdk.Request, resp sdk.Response) sdk.Action {
		before := mallocs()
		a := f(req, resp)
		report(resp, "X-Guest-Mallocs", mallocs()-before)
		return a
	}
}

// Response wraps a response callback.
func Response(f func(sdk.Request, sdk.Response)) func(sdk.Request, sdk.Response) {
	return func(req sdk.Request, resp sdk.Response) {
		before := mallocs()
		f(req, resp)
		report(resp, "X-Guest-Mallocs-Response", mallocs()-before)
	}
}
