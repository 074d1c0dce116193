package abi

import "strings"

// Features is a bit set of optional parts of the ABI. A guest asks for the
// ones it wants with enable_features; the host answers with the subset it
// offers to that plugin. Bits are never reused within a major version.
type Features uint64

const (
	// FeatureKV: the kv_* functions are available to this plugin. Offered by
	// every v1 host unless the operator withholds KV from the plugin; kv_*
	// calls then return StatusDenied whether or not the bit was asked for.
	FeatureKV Features = 1 << 0
	// FeatureBufferResponse: the host buffers the target's response body so
	// that on_response can read it with get_body and replace it with
	// set_body. Responses of Wasm handlers are always buffered; for other
	// targets this costs memory and latency, so a guest must ask for it
	// during on_configure or on_request.
	FeatureBufferResponse Features = 1 << 1
	// FeatureJWT: jwt_verify works (the host has JWT key sets). Offered
	// when the host has the service; jwt_verify does not require enabling
	// it and returns StatusUnsupported without the service.
	FeatureJWT Features = 1 << 2
	// FeatureRateLimit: ratelimit_take works (the host has rate-limit
	// buckets). Offered when the host has the service; ratelimit_take does
	// not require enabling it and returns StatusUnsupported without it.
	FeatureRateLimit Features = 1 << 3
	// FeatureBreaker: breaker_allow and breaker_report work (the host has
	// circuit breakers). Offered when the host has the service; the
	// functions do not require enabling it, and breaker_allow returns
	// StatusUnsupported without it.
	FeatureBreaker Features = 1 << 4
	// FeatureMessaging: the msg_* functions work (the host has NATS).
	// Offered when the host has the service; the functions do not require
	// enabling it and return StatusUnsupported without it. What a plugin
	// may publish or request is still limited by its binding's grants.
	FeatureMessaging Features = 1 << 5
	// FeatureAnyInstanceResponse: the guest keeps no per-request state in
	// instance memory between on_request and on_response, so the host may
	// return the instance to the pool as soon as on_request returns and run
	// on_response on any instance of the binding. The instance is then not
	// held while the target runs. Offered by every host; a guest enables it
	// in on_configure.
	FeatureAnyInstanceResponse Features = 1 << 6
	// FeatureSkipResponse: the guest has nothing to do in on_response (it
	// exports one only because its toolchain or SDK always does), so the
	// host does not call it and returns the instance to the pool as soon as
	// on_request returns. Offered by every host; the SDK enables it for a
	// plugin without a response handler.
	FeatureSkipResponse Features = 1 << 7
)

var featureNames = []struct {
	f    Features
	name string
}{
	{FeatureKV, "kv"},
	{FeatureBufferResponse, "buffer_response"},
	{FeatureJWT, "jwt"},
	{FeatureRateLimit, "rate_limit"},
	{FeatureBreaker, "breaker"},
	{FeatureMessaging, "messaging"},
	{FeatureAnyInstanceResponse, "any_instance_response"},
	{FeatureSkipResponse, "skip_response"},
}

// WithEnabled returns f with feature added.
func (f Features) WithEnabled(feature Features) Features { return f | feature }

// IsEnabled reports whether every bit of feature is set in f.
func (f Features) IsEnabled(feature Features) bool { return f&feature == feature }

// String lists the set features by name, joined with "|", or "" for none.
func (f Features) String() string {
	var names []string
	for _, fn := range featureNames {
		if f.IsEnabled(fn.f) {
			names = append(names, fn.name)
		}
	}
	return strings.Join(names, "|")
}
