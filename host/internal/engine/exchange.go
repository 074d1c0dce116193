package engine

import (
	"bytes"
	"errors"
	"io"
	"net/http"
	"sync"

	"github.com/hostd/hostd/abi"
)

// Exchange is the per-request state that host functions read and write:
// the request being served and the response being built. The data plane
// creates one per request (NewExchange) and releases it (Release) after
// the response has been written.
type Exchange struct {
	Request *http.Request
	// Vars are the route variables; the map is only valid until Release
	// (the router reuses it).
	Vars      map[string]string
	RequestID string
	// MaxBody bounds request bodies read by plugins and bodies they write.
	MaxBody int64

	// Status, Header and Body are the response being built. Header starts
	// empty; Status starts at 200.
	Status int
	Header http.Header
	Body   bytes.Buffer
	// BodyBuffered is true while Body holds the complete response body that
	// on_response may read (always true for Wasm handlers).
	BodyBuffered bool
	// Stream is an upstream response body that was not buffered; the data
	// plane copies it to the client (StreamLength bytes, -1 if unknown) and
	// closes it.
	Stream       io.ReadCloser
	StreamLength int64

	reqBody     []byte
	reqBodyRead bool
	reqBodyErr  error
	// ReqBodyChanged is set when a plugin replaced the request body.
	ReqBodyChanged bool
	// TooLarge is set when a body was over MaxBody; the data plane answers 413.
	TooLarge bool
	sent     bool // send_response was called
	features bufferFeature
	// reqAdded and respAdded are what plugins have added to the request
	// and the response header map (Config.MaxPluginHeaders).
	reqAdded, respAdded headerBudget
	// elem is the chain element whose callback runs (AtElement); states
	// is what elements kept with set_request_state.
	elem   int
	states []requestState
}

type bufferFeature struct{ response bool }

var exchangePool = sync.Pool{New: func() any { return &Exchange{Header: http.Header{}} }}

// NewExchange returns a reset Exchange for r.
func NewExchange(r *http.Request, vars map[string]string, requestID string, maxBody int64) *Exchange {
	ex := exchangePool.Get().(*Exchange)
	ex.Request, ex.Vars, ex.RequestID, ex.MaxBody = r, vars, requestID, maxBody
	ex.Status = http.StatusOK
	ex.BodyBuffered = true
	return ex
}

// Release resets ex and returns it to a pool. ex must not be used after.
func (ex *Exchange) Release() {
	if ex.Stream != nil {
		_ = ex.Stream.Close()
	}
	if ex.Body.Cap() > 64<<10 { // do not keep large buffers alive
		ex.Body = bytes.Buffer{}
	}
	ex.Body.Reset()
	if len(ex.Header) > 64 { // nor large maps (clear keeps their buckets)
		ex.Header = http.Header{}
	}
	clear(ex.Header)
	*ex = Exchange{Header: ex.Header, Body: ex.Body, states: ex.resetStates()}
	exchangePool.Put(ex)
}

// Sent reports whether a plugin called send_response.
func (ex *Exchange) Sent() bool { return ex.sent }

// WantsBufferedResponse reports whether a plugin enabled
// FeatureBufferResponse during this exchange.
func (ex *Exchange) WantsBufferedResponse() bool { return ex.features.response }

// RequestBody reads the request body once, up to MaxBody, and keeps it so
// later plugins and the target see the same bytes. It returns StatusTooLarge
// (and sets TooLarge) over the limit, StatusUnavailable if reading failed.
func (ex *Exchange) RequestBody() ([]byte, abi.Status) {
	if !ex.reqBodyRead {
		ex.reqBodyRead = true
		if ex.Request.Body != nil && ex.Request.Body != http.NoBody {
			b, err := io.ReadAll(io.LimitReader(ex.Request.Body, ex.MaxBody+1))
			switch {
			case isMaxBytes(err) || (err == nil && int64(len(b)) > ex.MaxBody):
				ex.TooLarge = true
			case err != nil:
				ex.reqBodyErr = err
			default:
				ex.reqBody = b
				ex.Request.Body = io.NopCloser(bytes.NewReader(b))
			}
		}
	}
	switch {
	case ex.TooLarge:
		return nil, abi.StatusTooLarge
	case ex.reqBodyErr != nil:
		return nil, abi.StatusUnavailable
	}
	return ex.reqBody, abi.StatusOK
}

// RequestBodyErr returns why reading the request body failed, if it did.
func (ex *Exchange) RequestBodyErr() error { return ex.reqBodyErr }

func (ex *Exchange) setRequestBody(b []byte) {
	ex.reqBodyRead = true
	ex.reqBody = append(ex.reqBody[:0:0], b...)
	ex.ReqBodyChanged = true
	ex.Request.Body = io.NopCloser(bytes.NewReader(ex.reqBody))
	ex.Request.ContentLength = int64(len(ex.reqBody))
	ex.Request.Header.Del("Transfer-Encoding")
}

// added returns the budget of the request or the response header map.
func (ex *Exchange) added(request bool) *headerBudget {
	if request {
		return &ex.reqAdded
	}
	return &ex.respAdded
}

func isMaxBytes(err error) bool {
	var mb *http.MaxBytesError
	return errors.As(err, &mb)
}
