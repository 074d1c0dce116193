//go:build hostd_allocprobe

package main

import (
	"runtime"
	"strconv"

	"github.com/hostd/hostd/sdk"
)

// With the build tag hostd_allocprobe, the request callback reports the
// heap allocations of onRequest in the response header X-Guest-Mallocs,
// for host/plugins_alloc_test.go (the same probe as
// plugins/internal/allocprobe, which this module cannot import). This file
// sorts after main.go, so this init runs after the one that registers the
// callbacks (the test fails when the header is missing).
func init() {
	sdk.HandleRequest(func(req sdk.Request, resp sdk.Response) sdk.Action {
		before := probeMallocs()
		a := onRequest(req, resp)
		n := probeMallocs() - before
		_ = resp.Header().Add("X-Guest-Mallocs", string(strconv.AppendUint(probeNum[:0], n, 10)))
		return a
	})
}

var (
	probeStats runtime.MemStats
	probeNum   [20]byte
)

func probeMallocs() uint64 {
	runtime.ReadMemStats(&probeStats)
	return probeStats.Mallocs
}
