package sdk

import (
	"github.com/hostd/hostd/abi"
	"github.com/hostd/hostd/sdk/internal/imports"
)

// Response is the response being built (request callback) or returned by
// the target (response callback). Like Request it holds no state.
type Response struct{}

var _ interface {
	Write([]byte) (int, error)
	WriteString(string) (int, error)
} = Response{}

// Status returns the response status code (200 until set).
func (Response) Status() int { return int(imports.GetStatus()) }

// SetStatus sets the response status code, a final status 200 to 599.
func (Response) SetStatus(code int) error {
	if !validCode(code) {
		return ErrInvalidArgument
	}
	return errOf(imports.SetStatus(uint32(code)))
}

func validCode(code int) bool { return code >= 200 && code <= 599 }

// Header returns the response header map.
func (Response) Header() Header { return Header{abi.HeaderKindResponse} }

// Body returns the whole response body; the slice belongs to the caller. In
// the response callback it needs a buffered body (ErrUnsupported
// otherwise; see abi.FeatureBufferResponse).
func (Response) Body() ([]byte, error) { return readBody(abi.HeaderKindResponse) }

// SetBody replaces the response body.
func (Response) SetBody(body []byte) error {
	return errOf(imports.SetBody(abi.HeaderKindResponse, body))
}

// Write appends b to the response body, so a Response is an io.Writer.
// It writes all of b or nothing.
func (Response) Write(b []byte) (int, error) {
	if err := errOf(imports.WriteBody(abi.HeaderKindResponse, b)); err != nil {
		return 0, err
	}
	return len(b), nil
}

// WriteString appends s to the response body without copying it.
func (r Response) WriteString(s string) (int, error) { return r.Write(bytesOf(s)) }

// Send sets the status, replaces the body and ends the chain after the
// request callback returns, whatever it returns (return Respond anyway, for
// the reader). Headers set before or after Send are kept. It may only be
// called in the request callback. The host copies body before Send
// returns, so a handler may assemble every response in one buffer that it
// keeps (buf = append(buf[:0], ...)) and answer without allocating.
func (Response) Send(status int, body []byte) error {
	if !validCode(status) {
		return ErrInvalidArgument
	}
	return errOf(imports.SendResponse(uint32(status), body))
}
