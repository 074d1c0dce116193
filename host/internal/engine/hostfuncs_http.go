package engine

import (
	"bytes"
	"context"
	"net/http"
	"net/textproto"
	"slices"
	"strings"

	"github.com/hostd/hostd/abi"
	"github.com/tetratelabs/wazero/api"
	"golang.org/x/net/http/httpguts"
)

func getMethod(ctx context.Context, m api.Module, stack []uint64) {
	ex := instanceOf(ctx).needPhase("get_method", reqPhases...)
	stack[0] = u32(writeString(m, u32ToU(stack[0]), u32ToU(stack[1]), ex.Request.Method, "get_method"))
}

func getPath(ctx context.Context, m api.Module, stack []uint64) {
	ex := instanceOf(ctx).needPhase("get_path", reqPhases...)
	stack[0] = u32(writeString(m, u32ToU(stack[0]), u32ToU(stack[1]), ex.Request.URL.EscapedPath(), "get_path"))
}

func setPath(ctx context.Context, m api.Module, stack []uint64) {
	i := instanceOf(ctx)
	ex := i.needPhase("set_path", onlyReq...)
	b := read(m, u32ToU(stack[0]), u32ToU(stack[1]), "set_path")
	if len(b) > i.p.cfg.MaxPluginURLBytes {
		stack[0] = uint64(abi.StatusTooLarge)
		return
	}
	p := string(b)
	if !validPluginPath(p) {
		stack[0] = uint64(abi.StatusInvalidArgument)
		return
	}
	if err := setEscapedPath(ex.Request, p); err != nil {
		stack[0] = uint64(abi.StatusInvalidArgument)
		return
	}
	stack[0] = uint64(abi.StatusOK)
}

func getQuery(ctx context.Context, m api.Module, stack []uint64) {
	ex := instanceOf(ctx).needPhase("get_query", reqPhases...)
	stack[0] = u32(writeString(m, u32ToU(stack[0]), u32ToU(stack[1]), ex.Request.URL.RawQuery, "get_query"))
}

func setQuery(ctx context.Context, m api.Module, stack []uint64) {
	i := instanceOf(ctx)
	ex := i.needPhase("set_query", onlyReq...)
	b := read(m, u32ToU(stack[0]), u32ToU(stack[1]), "set_query")
	if len(b) > i.p.cfg.MaxPluginURLBytes {
		stack[0] = uint64(abi.StatusTooLarge)
		return
	}
	if !validQuery(b) {
		stack[0] = uint64(abi.StatusInvalidArgument)
		return
	}
	ex.Request.URL.RawQuery = string(b)
	ex.Request.RequestURI = ex.Request.URL.RequestURI()
	stack[0] = uint64(abi.StatusOK)
}

// validQuery reports whether a raw query has no '#', space or control
// character: url.Parse refuses them in a path (set_path), and in a query
// they would change how the target reads the request line.
func validQuery(b []byte) bool {
	for _, c := range b {
		if c <= ' ' || c == '#' || c == 0x7f {
			return false
		}
	}
	return true
}

func getRouteVar(ctx context.Context, m api.Module, stack []uint64) {
	ex := instanceOf(ctx).needPhase("get_route_var", reqPhases...)
	name := read(m, u32ToU(stack[0]), u32ToU(stack[1]), "get_route_var")
	v, ok := ex.Vars[string(name)]
	if !ok {
		stack[0] = abi.PackFoundLen(false, 0)
		return
	}
	stack[0] = abi.PackFoundLen(true, writeString(m, u32ToU(stack[2]), u32ToU(stack[3]), v, "get_route_var"))
}

func getRemoteAddr(ctx context.Context, m api.Module, stack []uint64) {
	ex := instanceOf(ctx).needPhase("get_remote_addr", reqPhases...)
	stack[0] = u32(writeString(m, u32ToU(stack[0]), u32ToU(stack[1]), ex.Request.RemoteAddr, "get_remote_addr"))
}

func getRequestID(ctx context.Context, m api.Module, stack []uint64) {
	ex := instanceOf(ctx).needPhase("get_request_id", reqPhases...)
	stack[0] = u32(writeString(m, u32ToU(stack[0]), u32ToU(stack[1]), ex.RequestID, "get_request_id"))
}

// headers returns the header map a kind selects, trapping on a bad kind.
// Request headers may only be changed during on_request.
func headers(i *Instance, fn string, kind uint64, write bool) (http.Header, *Exchange) {
	switch k := abi.HeaderKind(api.DecodeU32(kind)); k {
	case abi.HeaderKindMessage, abi.HeaderKindReply:
		if write {
			trapf("%s: header kind %s is read only", fn, k)
		}
		if k == abi.HeaderKindMessage {
			i.needPhase(fn, phaseMessage)
			return i.msg.Header, nil
		}
		i.needPhase(fn, sendPhases...)
		return i.reply.header, nil
	}
	ex := i.needPhase(fn, reqPhases...)
	switch abi.HeaderKind(api.DecodeU32(kind)) {
	case abi.HeaderKindRequest:
		if write && i.phase != phaseRequest {
			trapf("%s on request headers may only be called during on_request", fn)
		}
		return ex.Request.Header, ex
	case abi.HeaderKindResponse:
		return ex.Header, ex
	}
	trapf("%s: header kind %d is not a HeaderKind", fn, api.DecodeU32(kind))
	return nil, nil
}

func isRequest(kind uint64) bool { return abi.HeaderKind(api.DecodeU32(kind)) == abi.HeaderKindRequest }

// values returns a header's values; the request's Host (which net/http keeps
// outside the header map) is visible as a header.
func values(h http.Header, ex *Exchange, kind uint64, name []byte) []string {
	if bytes.IndexByte(name, 0) >= 0 {
		return nil
	}
	vals := lookup(h, name)
	if len(vals) == 0 && isRequest(kind) && ex.Request.Host != "" && bytes.EqualFold(name, []byte("Host")) {
		vals = []string{ex.Request.Host}
	}
	return withoutNUL(vals)
}

// withoutNUL drops the values that contain a NUL byte, which a
// NUL-terminated list cannot hold. Only message and reply headers, which
// any NATS publisher writes, can contain one.
func withoutNUL(vals []string) []string {
	for i, v := range vals {
		if strings.IndexByte(v, 0) >= 0 {
			out := slices.Clone(vals[:i])
			for _, v := range vals[i+1:] {
				if strings.IndexByte(v, 0) < 0 {
					out = append(out, v)
				}
			}
			return out
		}
	}
	return vals
}

// lookup finds a header's values without allocating: a name not in
// canonical form is canonicalised on the stack.
func lookup(h http.Header, name []byte) []string {
	if v, ok := h[string(name)]; ok {
		return v
	}
	if len(name) > maxInternLen || !validName(name) {
		return h[textproto.CanonicalMIMEHeaderKey(string(name))]
	}
	var buf [maxInternLen]byte
	return h[string(canonicalInto(buf[:], name))]
}

func getHeader(ctx context.Context, m api.Module, stack []uint64) {
	i := instanceOf(ctx)
	h, ex := headers(i, "get_header", stack[0], false)
	vals := values(h, ex, stack[0], read(m, u32ToU(stack[1]), u32ToU(stack[2]), "get_header"))
	if len(vals) == 0 {
		stack[0] = abi.PackFoundLen(false, 0)
		return
	}
	stack[0] = abi.PackFoundLen(true, writeString(m, u32ToU(stack[3]), u32ToU(stack[4]), vals[0], "get_header"))
}

// nulJoin encodes values each followed by a NUL byte.
func nulJoin(vals []string) []byte {
	n := 0
	for _, v := range vals {
		n += len(v) + 1
	}
	out := make([]byte, 0, n)
	for _, v := range vals {
		out = append(append(out, v...), 0)
	}
	return out
}

func getHeaderValues(ctx context.Context, m api.Module, stack []uint64) {
	i := instanceOf(ctx)
	h, ex := headers(i, "get_header_values", stack[0], false)
	vals := values(h, ex, stack[0], read(m, u32ToU(stack[1]), u32ToU(stack[2]), "get_header_values"))
	n := writeBytes(m, u32ToU(stack[3]), u32ToU(stack[4]), nulJoin(vals), "get_header_values")
	stack[0] = abi.PackCountLen(uint32(len(vals)), n)
}

func getHeaderNames(ctx context.Context, m api.Module, stack []uint64) {
	i := instanceOf(ctx)
	h, ex := headers(i, "get_header_names", stack[0], false)
	names := make([]string, 0, len(h)+1)
	for k, vs := range h {
		// As values does: a name or values with a NUL byte are invisible.
		if strings.IndexByte(k, 0) < 0 && (len(vs) == 0 || len(withoutNUL(vs)) > 0) {
			names = append(names, k)
		}
	}
	if isRequest(stack[0]) && ex.Request.Host != "" && h["Host"] == nil {
		names = append(names, "Host")
	}
	slices.Sort(names)
	n := writeBytes(m, u32ToU(stack[1]), u32ToU(stack[2]), nulJoin(names), "get_header_names")
	stack[0] = abi.PackCountLen(uint32(len(names)), n)
}

// managed headers are computed by the host; plugins may not set them.
var managed = []string{"Content-Length", "Transfer-Encoding", "Connection", "Trailer", "Upgrade", "Te", "Host"}

// isManaged reports whether name (in any case) is a managed header.
func isManaged(name []byte) bool {
	for _, m := range managed {
		if len(name) == len(m) && equalFoldASCII(name, m) {
			return true
		}
	}
	return false
}

// equalFoldASCII reports whether b and s, of the same length, are equal
// under ASCII case folding (header names are ASCII tokens).
func equalFoldASCII(b []byte, s string) bool {
	for i := range len(b) {
		c, d := b[i], s[i]
		if c == d {
			continue
		}
		if l := c | 0x20; l != d|0x20 || l < 'a' || l > 'z' {
			return false
		}
	}
	return true
}

// tokenBytes[c] reports whether c may appear in a header name
// (httpguts.IsTokenRune), as a table indexed by byte.
var tokenBytes = func() (t [256]bool) {
	for c := range 256 {
		t[c] = httpguts.IsTokenRune(rune(c))
	}
	return t
}()

// validName and validValue are httpguts.ValidHeaderFieldName and
// ValidHeaderFieldValue on bytes, so that checking a value read from guest
// memory does not copy it.
func validName(b []byte) bool {
	if len(b) == 0 {
		return false
	}
	for _, c := range b {
		if !tokenBytes[c] {
			return false
		}
	}
	return true
}

func validValue(b []byte) bool {
	for _, c := range b {
		if (c < ' ' && c != '\t') || c == 0x7f {
			return false
		}
	}
	return true
}

// headerWrite implements set_header and add_header (op != nil) and
// remove_header. Checks run in the order abi/SPEC.md states: name, value,
// managed, then (for set and add) the exchange's header budget; nothing is
// copied out of guest memory before they pass.
func headerWrite(ctx context.Context, m api.Module, stack []uint64, fn string, op func(h http.Header, k, v string)) {
	i := instanceOf(ctx)
	h, ex := headers(i, fn, stack[0], true)
	name := read(m, u32ToU(stack[1]), u32ToU(stack[2]), fn)
	var value []byte
	if op != nil {
		value = read(m, u32ToU(stack[3]), u32ToU(stack[4]), fn)
	}
	switch {
	case !validName(name) || (op != nil && !validValue(value)):
		stack[0] = uint64(abi.StatusInvalidArgument)
		return
	case isManaged(name):
		stack[0] = uint64(abi.StatusDenied)
		return
	case op != nil && !ex.added(isRequest(stack[0])).take(&i.p.cfg, len(name)+len(value)):
		stack[0] = uint64(abi.StatusTooLarge)
		return
	}
	key := i.canonicalKey(name)
	if op == nil {
		if _, ok := h[key]; !ok {
			stack[0] = uint64(abi.StatusNotFound)
			return
		}
		delete(h, key)
	} else {
		op(h, key, i.intern(value))
	}
	stack[0] = uint64(abi.StatusOK)
}

func setHeader(ctx context.Context, m api.Module, stack []uint64) {
	headerWrite(ctx, m, stack, "set_header", func(h http.Header, k, v string) { h[k] = []string{v} })
}

func addHeader(ctx context.Context, m api.Module, stack []uint64) {
	headerWrite(ctx, m, stack, "add_header", func(h http.Header, k, v string) { h[k] = append(h[k], v) })
}

func removeHeader(ctx context.Context, m api.Module, stack []uint64) {
	headerWrite(ctx, m, stack, "remove_header", nil)
}
