//go:build hostd_allocprobe

package main

import (
	"github.com/hostd/hostd/plugins/internal/allocprobe"
	"github.com/hostd/hostd/sdk"
)

// With the build tag hostd_allocprobe, both callbacks report their
// allocations (see plugins/internal/allocprobe). This file sorts after
// main.go, so this init runs after the one that registers the callbacks
// (the test fails when the header is missing).
func init() {
	sdk.HandleRequest(allocprobe.Request(onRequest))
	sdk.HandleResponse(allocprobe.Response(onResponse))
}
