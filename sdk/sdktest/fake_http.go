package sdktest

import (
	"net/http"

	"github.com/hostd/hostd/abi"
)

// headers returns the map kind selects; request headers and bodies may only
// be written during on_request.
func (f fake) headers(fn string, kind abi.HeaderKind, write bool) http.Header {
	if kind == abi.HeaderKindMessage || kind == abi.HeaderKindReply {
		return f.msgHeaders(fn, kind, write)
	}
	f.h.need(fn, reqPhases...)
	switch kind {
	case abi.HeaderKindRequest:
		if write && f.h.phase != phaseRequest {
			f.h.trapf("%s on request headers may only be called during on_request", fn)
		}
		return f.h.Request.Header
	case abi.HeaderKindResponse:
		return f.h.Response.Header
	}
	f.h.trapf("%s: header kind %d is not a HeaderKind", fn, kind)
	return nil
}

// lookup finds a header as given, then in canonical form (message headers
// keep the sender's case).
func lookup(h http.Header, name []byte) []string {
	if v, ok := h[string(name)]; ok {
		return v
	}
	return h[http.CanonicalHeaderKey(string(name))]
}

func (f fake) GetHeader(kind abi.HeaderKind, name, buf []byte) (bool, uint32) {
	vals := lookup(f.headers("get_header", kind, false), name)
	if len(vals) == 0 {
		return false, 0
	}
	return true, put(buf, vals[0])
}

func (f fake) GetHeaderValues(kind abi.HeaderKind, name, buf []byte) (uint32, uint32) {
	vals := lookup(f.headers("get_header_values", kind, false), name)
	return uint32(len(vals)), put(buf, nulJoin(vals))
}

func (f fake) GetHeaderNames(kind abi.HeaderKind, buf []byte) (uint32, uint32) {
	names := sortedNames(f.headers("get_header_names", kind, false))
	return uint32(len(names)), put(buf, nulJoin(names))
}

// managed headers are computed by the host; plugins may not set them.
func managed(name string) bool {
	switch name {
	case "Content-Length", "Transfer-Encoding", "Connection", "Trailer", "Upgrade", "Te":
		return true
	}
	return false
}

// headerKey validates a header write and returns the canonical name.
func headerKey(name, value []byte, hasValue bool) (string, abi.Status) {
	if !validName(name) || (hasValue && !validValue(value)) {
		return "", abi.StatusInvalidArgument
	}
	key := http.CanonicalHeaderKey(string(name))
	if managed(key) {
		return "", abi.StatusDenied
	}
	return key, abi.StatusOK
}

func (f fake) SetHeader(kind abi.HeaderKind, name, value []byte) abi.Status {
	h := f.headers("set_header", kind, true)
	key, st := headerKey(name, value, true)
	if st == abi.StatusOK {
		h[key] = []string{string(value)}
	}
	return st
}

func (f fake) AddHeader(kind abi.HeaderKind, name, value []byte) abi.Status {
	h := f.headers("add_header", kind, true)
	key, st := headerKey(name, value, true)
	if st == abi.StatusOK {
		h[key] = append(h[key], string(value))
	}
	return st
}

func (f fake) RemoveHeader(kind abi.HeaderKind, name []byte) abi.Status {
	h := f.headers("remove_header", kind, true)
	key, st := headerKey(name, nil, false)
	if st != abi.StatusOK {
		return st
	}
	if _, ok := h[key]; !ok {
		return abi.StatusNotFound
	}
	delete(h, key)
	return abi.StatusOK
}

// validName reports whether b is an RFC 9110 token.
func validName(b []byte) bool {
	if len(b) == 0 {
		return false
	}
	for _, c := range b {
		if c <= ' ' || c >= 0x7f || contains(`"(),/:;<=>?@[\]{}`, c) {
			return false
		}
	}
	return true
}

// validValue rejects control characters other than horizontal tab.
func validValue(b []byte) bool {
	for _, c := range b {
		if (c < ' ' && c != '\t') || c == 0x7f {
			return false
		}
	}
	return true
}

func contains(s string, c byte) bool {
	for i := 0; i < len(s); i++ {
		if s[i] == c {
			return true
		}
	}
	return false
}

func (f fake) GetBody(kind abi.HeaderKind, buf []byte) (abi.Status, uint32) {
	f.headers("get_body", kind, false)
	switch kind {
	case abi.HeaderKindMessage:
		return abi.StatusOK, put(buf, string(f.h.Message.Data))
	case abi.HeaderKindReply:
		return abi.StatusOK, put(buf, string(f.h.reply.Data))
	}
	if kind == abi.HeaderKindRequest {
		if len(f.h.Request.Body) > f.h.MaxBody {
			return abi.StatusTooLarge, 0
		}
		return abi.StatusOK, put(buf, string(f.h.Request.Body))
	}
	if !f.h.Response.Buffered && f.h.phase == phaseResponse {
		return abi.StatusUnsupported, 0
	}
	return abi.StatusOK, put(buf, string(f.h.Response.Body))
}

func (f fake) SetBody(kind abi.HeaderKind, body []byte) abi.Status {
	return f.writeBody("set_body", kind, body, true)
}

func (f fake) WriteBody(kind abi.HeaderKind, body []byte) abi.Status {
	return f.writeBody("write_body", kind, body, false)
}

func (f fake) writeBody(fn string, kind abi.HeaderKind, b []byte, replace bool) abi.Status {
	f.headers(fn, kind, true)
	dst := &f.h.Request.Body
	if kind == abi.HeaderKindResponse {
		if !f.h.Response.Buffered && f.h.phase == phaseResponse {
			return abi.StatusUnsupported
		}
		dst = &f.h.Response.Body
	}
	size := len(b)
	if !replace {
		size += len(*dst)
	}
	if size > f.h.MaxBody {
		return abi.StatusTooLarge
	}
	if replace {
		*dst = nil
	}
	*dst = append(*dst, b...)
	return abi.StatusOK
}
