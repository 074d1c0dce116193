package dataplane

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"strconv"
	"sync/atomic"

	"github.com/hostd/hostd/host/internal/engine"
)

type errorBody struct {
	Error struct {
		Code      string `json:"code"`
		Message   string `json:"message"`
		RequestID string `json:"request_id,omitempty"`
	} `json:"error"`
}

func errorJSON(code, msg, requestID string) errorBody {
	var b errorBody
	b.Error.Code, b.Error.Message, b.Error.RequestID = code, msg, requestID
	return b
}

// writeError answers with hostd's JSON error format. Messages are hostd's
// own: guest output never reaches the client on failure.
func writeError(w http.ResponseWriter, r *http.Request, status int, code, msg string) {
	var b errorBody
	b.Error.Code, b.Error.Message = code, msg
	b.Error.RequestID = requestID(w.Header())
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(b)
}

// setErrorResponse makes ex's response a JSON error of hostd's format, for
// target failures that the on_response filters still see.
func setErrorResponse(ex *engine.Exchange, status int, code, msg string) {
	ex.Status = status
	ex.Header.Set("Content-Type", "application/json")
	ex.Body.Reset()
	_ = json.NewEncoder(&ex.Body).Encode(errorJSON(code, msg, ex.RequestID))
	ex.BodyBuffered = true
}

// requestIDs issues request IDs: a random prefix per process and a counter,
// unique and cheap. An incoming X-Request-ID that is a sane token is kept.
type requestIDs struct {
	prefix string
	n      atomic.Uint64
}

func newRequestIDs() requestIDs {
	var b [6]byte
	_, _ = rand.Read(b[:])
	return requestIDs{prefix: hex.EncodeToString(b[:]) + "-"}
}

func (ids *requestIDs) fromRequest(r *http.Request) string {
	if id := requestID(r.Header); id != "" && saneID(id) {
		return id
	}
	return ids.prefix + strconv.FormatUint(ids.n.Add(1), 10)
}

// requestIDKey is X-Request-ID in canonical form: looking it up directly
// saves Header.Get's canonicalization, an allocation per request.
const requestIDKey = "X-Request-Id"

// requestID is h.Get("X-Request-ID").
func requestID(h http.Header) string {
	if v := h[requestIDKey]; len(v) > 0 {
		return v[0]
	}
	return ""
}

// setRequestID sets X-Request-ID to id on the request and the response
// header maps, with one allocation for both values (each slice has its
// own capacity, so an append to one cannot reach the other).
func setRequestID(req, resp http.Header, id string) {
	v := &[2]string{id, id}
	req[requestIDKey] = v[0:1:1]
	resp[requestIDKey] = v[1:2:2]
}

func saneID(s string) bool {
	if len(s) > 128 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '-' || c == '_' || c == '.' || c == ':') {
			return false
		}
	}
	return true
}
