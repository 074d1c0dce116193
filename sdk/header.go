package sdk

import (
	"github.com/hostd/hostd/abi"
	"github.com/hostd/hostd/sdk/internal/imports"
)

// Header is the request or response header map. Names are case-insensitive;
// the host stores them in canonical form ("X-Api-Key"). Request headers can
// be changed only in the request callback; response headers in both.
type Header struct {
	kind abi.HeaderKind
}

// Get returns the first value of the header name and whether it is set.
func (h Header) Get(name string) (string, bool) {
	for {
		found, n := imports.GetHeader(h.kind, bytesOf(name), scratch)
		if !found {
			return "", false
		}
		if fits(n) {
			return string(scratch[:n]), true
		}
	}
}

// AppendValue appends the first value of the header name to dst and
// reports whether it is set; dst is returned unchanged when it is not. It
// allocates only when dst has no room for the value.
func (h Header) AppendValue(dst []byte, name string) ([]byte, bool) {
	for {
		found, n := imports.GetHeader(h.kind, bytesOf(name), scratch)
		if !found {
			return dst, false
		}
		if fits(n) {
			return append(dst, scratch[:n]...), true
		}
	}
}

// Values returns every value of the header name, nil if it is not set.
func (h Header) Values(name string) []string {
	for {
		count, n := imports.GetHeaderValues(h.kind, bytesOf(name), scratch)
		if count == 0 {
			return nil
		}
		if fits(n) {
			return splitNUL(make([]string, 0, count), scratch[:n], count)
		}
	}
}

// Names returns the name of every header, sorted, in canonical form.
func (h Header) Names() []string {
	for {
		count, n := imports.GetHeaderNames(h.kind, scratch)
		if count == 0 {
			return nil
		}
		if fits(n) {
			return splitNUL(make([]string, 0, count), scratch[:n], count)
		}
	}
}

// Set replaces every value of the header name with value. ErrInvalidArgument
// means a bad name or value; ErrDenied a header the host manages
// (Content-Length, Transfer-Encoding, Connection, ...).
func (h Header) Set(name, value string) error {
	return errOf(imports.SetHeader(h.kind, bytesOf(name), bytesOf(value)))
}

// Add appends value to the header name. Errors are those of Set.
func (h Header) Add(name, value string) error {
	return errOf(imports.AddHeader(h.kind, bytesOf(name), bytesOf(value)))
}

// Remove deletes the header name. Removing an absent header is not an
// error.
func (h Header) Remove(name string) error {
	s := imports.RemoveHeader(h.kind, bytesOf(name))
	if s == abi.StatusNotFound {
		return nil
	}
	return errOf(s)
}
