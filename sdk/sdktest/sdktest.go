// Package sdktest is a fake hostd for testing plugins with plain go test.
//
// A plugin registers its callbacks in init, as it does in Wasm; a test sets
// up a request on a Host, calls the callbacks the host would call, and
// inspects the response, the logs and the KV store:
//
//	func TestHello(t *testing.T) {
//		h := sdktest.New(t)
//		h.Request.Vars = map[string]string{"name": "ada"}
//		if st := h.CallConfigure(); st != abi.StatusOK {
//			t.Fatalf("configure: %v", st)
//		}
//		if a := h.CallRequest(); a != abi.ActionRespond {
//			t.Fatalf("action %v", a)
//		}
//		// h.Response.Status, h.Response.Header, h.Response.Body ...
//	}
//
// The fake follows the ABI's rules: phases (what may be called in which
// callback), buf_limit, status codes, header canonicalisation, managed
// headers, body limits, KV revisions and TTLs. A guest misuse that would
// trap in hostd fails the test with the reason.
//
// # Caveats
//
// The callbacks and the plugin's package variables are global, so tests that
// use a Host must not run in parallel, and each test should call
// CallConfigure to reset what the plugin parsed (Hosts sharing a KV model
// instances with the same configuration). Under GOARCH=wasm, New skips the
// test.
package sdktest

import (
	"crypto/rand"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/hostd/hostd/abi"
	"github.com/hostd/hostd/sdk/internal/dispatch"
)

// Host is one fake host instance with one request. Set its fields before
// calling the callbacks; read them afterwards. The zero value is not usable:
// call New.
type Host struct {
	// Config is what get_config returns. Default: "{}".
	Config []byte
	// Request is the request being served; SetPath, SetQuery, request header
	// and body writes change it.
	Request Request
	// Response is the response being built.
	Response Response
	// Sent is true once the guest called send_response.
	Sent bool
	// RequestState is what the guest kept with set_request_state for this
	// request; get_request_state returns it. The host keeps it for one
	// request: clear it (or use a new Host) to simulate the next request, or
	// copy it to another Host to simulate on_response on another instance.
	RequestState []byte

	// Offered is the feature set enable_features grants from. Default:
	// abi.FeatureKV | abi.FeatureBufferResponse | abi.FeatureJWT |
	// abi.FeatureRateLimit | abi.FeatureBreaker | abi.FeatureMessaging |
	// abi.FeatureAnyInstanceResponse | abi.FeatureSkipResponse. The
	// service bits are granted only while JWT, RateLimits, Breakers and
	// Messaging are set.
	Offered abi.Features
	// Enabled is the feature set enabled so far.
	Enabled abi.Features

	// KV is the plugin's KV namespace. Share one between Hosts to simulate
	// several instances of a plugin. Default: an empty store on Clock.
	KV *KV

	// JWT answers jwt_verify: out is the claims JSON with abi.StatusOK or a
	// short reason with abi.StatusDenied; other statuses (abi.StatusNotFound
	// for an unknown key set, abi.StatusInvalidArgument for a bad policy)
	// carry no bytes. Default nil: jwt_verify returns abi.StatusUnsupported.
	JWT func(keyset, token, policy string) (out string, st abi.Status)
	// RateLimits are the host's rate-limit buckets, on Clock. Share one
	// between Hosts to simulate plugins naming the same bucket. Default: an
	// empty set; nil makes ratelimit_take return abi.StatusUnsupported.
	RateLimits *RateLimits
	// Breakers are the host's circuit breakers, on Clock. Share one between
	// Hosts as RateLimits. Default: an empty set; nil makes breaker_allow
	// return abi.StatusUnsupported.
	Breakers *Breakers

	// Message is the message CallMessage delivers to on_message.
	Message Message
	// Messaging answers and records the msg_* calls. Default: a Messaging
	// that grants every subject outside hostd. and has no responders; nil
	// makes the msg_* functions return abi.StatusUnsupported.
	Messaging *Messaging

	// Clock is the host's wall clock (now, KV TTLs, rate limits and
	// breakers). Default: time.Now.
	Clock func() time.Time
	// Rand is the source of random. Default: crypto/rand.Reader.
	Rand io.Reader
	// MaxBody is the largest body the host accepts, in bytes. Default: 1 MiB.
	MaxBody int
	// MinLogLevel is the lowest level log_enabled reports as enabled and
	// that is recorded. Default: abi.LogLevelDebug.
	MinLogLevel abi.LogLevel
	// Logs are the lines the guest logged, oldest first.
	Logs []LogLine

	t       testing.TB
	phase   phase
	reply   Sent // the last msg_request reply of the running callback
	settled bool // msg_settle settled the message of the running callback
}

// Request is the request a Host serves.
type Request struct {
	Method     string            // default "GET"
	Path       string            // escaped; default "/"
	Query      string            // raw, without "?"
	Header     http.Header       // names are canonicalised before each call
	Body       []byte            //
	Vars       map[string]string // route variables
	RemoteAddr string            // default "192.0.2.1:41000"
	ID         string            // default "test-request"
}

// Response is the response a Host builds.
type Response struct {
	Status int         // default 200
	Header http.Header //
	Body   []byte      //
	// Buffered reports whether the body can be read and replaced during
	// on_response. Default true (a Wasm handler's response, or a filter that
	// enabled abi.FeatureBufferResponse); set it to false to test a filter
	// in front of an unbuffered upstream.
	Buffered bool
}

// LogLine is one line the guest logged.
type LogLine struct {
	Level   abi.LogLevel
	Message string
}

// New returns a Host with defaults. Each Call method makes it the SDK's host
// for the duration of the call, so several Hosts may share a KV to simulate
// instances of one plugin, and a KV.BeforeWrite hook may call into another
// Host.
func New(t testing.TB) *Host {
	t.Helper()
	h := &Host{
		Config:   []byte("{}"),
		Request:  Request{Method: "GET", Path: "/", Header: http.Header{}, RemoteAddr: "192.0.2.1:41000", ID: "test-request"},
		Response: Response{Status: 200, Header: http.Header{}, Buffered: true},
		Offered: abi.FeatureKV | abi.FeatureBufferResponse | abi.FeatureJWT | abi.FeatureRateLimit | abi.FeatureBreaker | abi.FeatureMessaging |
			abi.FeatureAnyInstanceResponse | abi.FeatureSkipResponse,
		RateLimits:  NewRateLimits(),
		Breakers:    NewBreakers(),
		Clock:       time.Now,
		Rand:        rand.Reader,
		MaxBody:     1 << 20,
		MinLogLevel: abi.LogLevelDebug,
		Messaging:   &Messaging{},
		t:           t,
	}
	h.KV = NewKV(func() time.Time { return h.Clock() })
	install(t, h)
	return h
}

// CallConfigure calls on_configure and returns its status.
func (h *Host) CallConfigure() abi.Status {
	h.t.Helper()
	var st abi.Status
	h.call(phaseConfigure, func() { st = dispatch.Configure() })
	return st
}

// CallRequest calls on_request and returns its action. Sent tells whether
// the guest also called send_response (which ends the chain whatever the
// action).
func (h *Host) CallRequest() abi.Action {
	h.t.Helper()
	var a abi.Action
	h.call(phaseRequest, func() { a = dispatch.Request() })
	return a
}

// CallResponse calls on_response; a result other than ActionContinue fails
// the test, as the ABI reserves other values.
func (h *Host) CallResponse() {
	h.t.Helper()
	var a abi.Action
	h.call(phaseResponse, func() { a = dispatch.Response() })
	if a != abi.ActionContinue {
		h.t.Errorf("sdktest: on_response returned %v, want continue", a)
	}
}

// Logged reports whether a line at level containing substr was logged.
func (h *Host) Logged(level abi.LogLevel, substr string) bool {
	for _, l := range h.Logs {
		if l.Level == level && strings.Contains(l.Message, substr) {
			return true
		}
	}
	return false
}

// call runs f in phase; a trap fails the test with its reason.
func (h *Host) call(ph phase, f func()) {
	h.t.Helper()
	h.Request.Header = canonical(h.Request.Header)
	h.Response.Header = canonical(h.Response.Header)
	h.reply, h.settled = Sent{}, false
	restore := use(h)
	prev := h.phase
	h.phase = ph
	trapped := h.run(f)
	h.phase = prev
	restore()
	if trapped != nil {
		h.t.Fatalf("sdktest: guest trapped in %s: %s", ph, trapped.reason)
	}
}

func (h *Host) run(f func()) (tr *trap) {
	defer func() {
		if r := recover(); r != nil {
			t, ok := r.(*trap)
			if !ok {
				panic(r)
			}
			tr = t
		}
	}()
	f()
	return nil
}

// trap is a guest misuse; hostd would trap and discard the instance.
type trap struct{ reason string }

func (h *Host) trapf(format string, args ...any) {
	panic(&trap{fmt.Sprintf(format, args...)})
}

func canonical(in http.Header) http.Header {
	out := make(http.Header, len(in))
	for k, v := range in {
		key := http.CanonicalHeaderKey(k)
		out[key] = append(out[key], v...)
	}
	return out
}

type phase uint8

const (
	phaseNone phase = iota
	phaseConfigure
	phaseRequest
	phaseResponse
	phaseMessage
)

func (p phase) String() string {
	return [...]string{"no callback", "on_configure", "on_request", "on_response", "on_message"}[p]
}

// need traps unless the current phase is one of allowed.
func (h *Host) need(fn string, allowed ...phase) {
	for _, p := range allowed {
		if h.phase == p {
			return
		}
	}
	h.trapf("%s may not be called during %s", fn, h.phase)
}

var (
	reqPhases = []phase{phaseRequest, phaseResponse}
	onlyReq   = []phase{phaseRequest}
	anyPhase  = []phase{phaseConfigure, phaseRequest, phaseResponse, phaseMessage}
	sendPhase = []phase{phaseRequest, phaseResponse, phaseMessage}
)
