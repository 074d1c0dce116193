package sdk

import (
	"github.com/hostd/hostd/abi"
	"github.com/hostd/hostd/sdk/internal/imports"
)

// Request is the request being served. It holds no state: every method asks
// the host, so it is free to copy. Setters work only during the request
// callback (on_request); getters work in both callbacks.
type Request struct{}

// commonMethods are returned without allocating.
var commonMethods = [...]string{"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"}

// Method returns the request method, e.g. "GET".
func (Request) Method() string {
	m := view(imports.GetMethod)
	for _, c := range commonMethods {
		if string(m) == c {
			return c
		}
	}
	return string(m)
}

// Path returns the escaped request path, e.g. "/a%20b".
func (Request) Path() string { return readString(imports.GetPath) }

// SetPath replaces the escaped path sent to the target. It must start with
// "/"; ErrInvalidArgument otherwise.
func (Request) SetPath(path string) error { return errOf(imports.SetPath(bytesOf(path))) }

// Query returns the raw query string, without "?".
func (Request) Query() string { return readString(imports.GetQuery) }

// SetQuery replaces the raw query sent to the target ("" removes it).
func (Request) SetQuery(query string) error { return errOf(imports.SetQuery(bytesOf(query))) }

// QueryParam returns the unescaped value of the first query parameter
// called name (compared after unescaping), and whether there is one.
// Parameters with invalid escapes are skipped, as net/url does.
func (Request) QueryParam(name string) (string, bool) {
	return queryLookup(view(imports.GetQuery), name)
}

// RouteVar returns the value of the route variable name, e.g. "id" for a
// route "/items/{id}", and whether the route has it.
func (Request) RouteVar(name string) (string, bool) {
	for {
		found, n := imports.GetRouteVar(bytesOf(name), scratch)
		if !found {
			return "", false
		}
		if fits(n) {
			return string(scratch[:n]), true
		}
	}
}

// AppendRouteVar appends the value of the route variable name to dst and
// reports whether the route has it; dst is returned unchanged when it does
// not. It allocates only when dst has no room for the value, so a handler
// that keeps its buffer between requests reads route variables without
// allocating.
func (Request) AppendRouteVar(dst []byte, name string) ([]byte, bool) {
	for {
		found, n := imports.GetRouteVar(bytesOf(name), scratch)
		if !found {
			return dst, false
		}
		if fits(n) {
			return append(dst, scratch[:n]...), true
		}
	}
}

// AppendQueryParam is QueryParam appending the unescaped value to dst:
// dst is returned unchanged when there is no such parameter. Like
// AppendRouteVar it allocates only when dst has no room.
func (Request) AppendQueryParam(dst []byte, name string) ([]byte, bool) {
	return appendQueryLookup(dst, view(imports.GetQuery), name)
}

// AppendPath appends the escaped request path to dst.
func (Request) AppendPath(dst []byte) []byte { return append(dst, view(imports.GetPath)...) }

// AppendQuery appends the raw query string, without "?", to dst.
func (Request) AppendQuery(dst []byte) []byte { return append(dst, view(imports.GetQuery)...) }

// RemoteAddr returns the client's "ip:port".
func (Request) RemoteAddr() string { return readString(imports.GetRemoteAddr) }

// RequestID returns the host's ID of this request, as in its logs.
func (Request) RequestID() string { return readString(imports.GetRequestID) }

// Header returns the request header map.
func (Request) Header() Header { return Header{abi.HeaderKindRequest} }

// Body returns the whole request body; the slice belongs to the caller.
// ErrTooLarge means the body is over the host's limit.
func (Request) Body() ([]byte, error) { return readBody(abi.HeaderKindRequest) }

// SetBody replaces the request body sent to the target.
func (Request) SetBody(body []byte) error {
	return errOf(imports.SetBody(abi.HeaderKindRequest, body))
}

// readBody reads a whole body. A body that does not fit in scratch is read
// into a buffer of its own size, so one large body does not keep scratch
// large for the life of the instance.
func readBody(kind abi.HeaderKind) ([]byte, error) {
	s, n := imports.GetBody(kind, scratch)
	if s != abi.StatusOK {
		return nil, errOf(s)
	}
	if int(n) <= len(scratch) {
		return clone(scratch[:n]), nil
	}
	for {
		buf := make([]byte, n)
		s, n = imports.GetBody(kind, buf)
		if s != abi.StatusOK {
			return nil, errOf(s)
		}
		if int(n) <= len(buf) {
			return buf[:n], nil
		}
	}
}
