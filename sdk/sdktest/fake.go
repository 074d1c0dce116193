package sdktest

import (
	"io"
	"net/http"
	"sort"
	"strings"

	"github.com/hostd/hostd/abi"
	"github.com/hostd/hostd/sdk/internal/imports"
)

// fake implements the hostd_v1 functions on a Host.
type fake struct{ h *Host }

var _ imports.Host = fake{}

// put implements the buf_limit protocol.
func put(buf []byte, v string) uint32 {
	if len(v) <= len(buf) {
		copy(buf, v)
	}
	return uint32(len(v))
}

func (f fake) EnableFeatures(want abi.Features) abi.Features {
	f.h.need("enable_features", anyPhase...)
	got := want & f.h.Offered
	for _, g := range []struct {
		off bool
		f   abi.Features
	}{{f.h.KV.Withheld, abi.FeatureKV}, {f.h.JWT == nil, abi.FeatureJWT},
		{f.h.RateLimits == nil, abi.FeatureRateLimit}, {f.h.Breakers == nil, abi.FeatureBreaker},
		{f.h.Messaging == nil, abi.FeatureMessaging}} {
		if g.off {
			got &^= g.f
		}
	}
	f.h.Enabled |= got
	if got.IsEnabled(abi.FeatureBufferResponse) {
		f.h.Response.Buffered = true
	}
	return f.h.Enabled
}

func (f fake) GetConfig(buf []byte) uint32 {
	f.h.need("get_config", anyPhase...)
	return put(buf, string(f.h.Config))
}

func (f fake) level(fn string, l abi.LogLevel) {
	if l < abi.LogLevelDebug || l > abi.LogLevelError {
		f.h.trapf("%s: log level %d is not one of -1, 0, 1, 2", fn, l)
	}
}

func (f fake) Log(level abi.LogLevel, msg []byte) {
	f.h.need("log", anyPhase...)
	f.level("log", level)
	if level < f.h.MinLogLevel {
		return
	}
	f.h.Logs = append(f.h.Logs, LogLine{Level: level, Message: string(msg)})
	f.h.t.Logf("plugin %s: %s", level, msg)
}

func (f fake) LogEnabled(level abi.LogLevel) bool {
	f.h.need("log_enabled", anyPhase...)
	f.level("log_enabled", level)
	return level >= f.h.MinLogLevel
}

func (f fake) Now() int64 {
	f.h.need("now", anyPhase...)
	return f.h.Clock().UnixNano()
}

// maxRandom mirrors hostd's per-call limit of random.
const maxRandom = 64 << 10

func (f fake) Random(buf []byte) {
	f.h.need("random", anyPhase...)
	if len(buf) > maxRandom {
		f.h.trapf("random: %d bytes asked, at most %d per call", len(buf), maxRandom)
	}
	if _, err := io.ReadFull(f.h.Rand, buf); err != nil {
		f.h.trapf("random: %v", err)
	}
}

func (f fake) GetMethod(buf []byte) uint32 {
	f.h.need("get_method", reqPhases...)
	return put(buf, f.h.Request.Method)
}

func (f fake) GetPath(buf []byte) uint32 {
	f.h.need("get_path", reqPhases...)
	return put(buf, f.h.Request.Path)
}

func (f fake) SetPath(p []byte) abi.Status {
	f.h.need("set_path", onlyReq...)
	s := string(p)
	if !strings.HasPrefix(s, "/") || strings.ContainsAny(s, "?# \x00\r\n") {
		return abi.StatusInvalidArgument
	}
	f.h.Request.Path = s
	return abi.StatusOK
}

func (f fake) GetQuery(buf []byte) uint32 {
	f.h.need("get_query", reqPhases...)
	return put(buf, f.h.Request.Query)
}

func (f fake) SetQuery(q []byte) abi.Status {
	f.h.need("set_query", onlyReq...)
	if strings.ContainsAny(string(q), "# \x00\r\n") {
		return abi.StatusInvalidArgument
	}
	f.h.Request.Query = string(q)
	return abi.StatusOK
}

func (f fake) GetRouteVar(name, buf []byte) (bool, uint32) {
	f.h.need("get_route_var", reqPhases...)
	v, ok := f.h.Request.Vars[string(name)]
	if !ok {
		return false, 0
	}
	return true, put(buf, v)
}

func (f fake) GetRemoteAddr(buf []byte) uint32 {
	f.h.need("get_remote_addr", reqPhases...)
	return put(buf, f.h.Request.RemoteAddr)
}

func (f fake) GetRequestID(buf []byte) uint32 {
	f.h.need("get_request_id", reqPhases...)
	return put(buf, f.h.Request.ID)
}

func (f fake) SetRequestState(s []byte) abi.Status {
	f.h.need("set_request_state", reqPhases...)
	if len(s) > abi.MaxRequestStateLen {
		return abi.StatusTooLarge
	}
	f.h.RequestState = append([]byte(nil), s...)
	return abi.StatusOK
}

func (f fake) GetRequestState(buf []byte) uint32 {
	f.h.need("get_request_state", reqPhases...)
	return put(buf, string(f.h.RequestState))
}

func (f fake) GetStatus() uint32 {
	f.h.need("get_status", reqPhases...)
	return uint32(f.h.Response.Status)
}

func validStatus(code uint32) bool { return code >= 200 && code <= 599 }

func (f fake) SetStatus(code uint32) abi.Status {
	f.h.need("set_status", reqPhases...)
	if !validStatus(code) {
		return abi.StatusInvalidArgument
	}
	f.h.Response.Status = int(code)
	return abi.StatusOK
}

func (f fake) SendResponse(code uint32, body []byte) abi.Status {
	f.h.need("send_response", onlyReq...)
	switch {
	case !validStatus(code):
		return abi.StatusInvalidArgument
	case len(body) > f.h.MaxBody:
		return abi.StatusTooLarge
	}
	f.h.Response.Status = int(code)
	f.h.Response.Body = append([]byte(nil), body...)
	f.h.Response.Buffered = true
	f.h.Sent = true
	return abi.StatusOK
}

// nulJoin encodes values each followed by a NUL byte.
func nulJoin(vals []string) string {
	var b strings.Builder
	for _, v := range vals {
		b.WriteString(v)
		b.WriteByte(0)
	}
	return b.String()
}

// sortedNames returns the names of h, sorted.
func sortedNames(h http.Header) []string {
	names := make([]string, 0, len(h))
	for k := range h {
		names = append(names, k)
	}
	sort.Strings(names)
	return names
}
