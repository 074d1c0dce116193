package admin

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/http"
	"time"
)

const requestIDHeader = "X-Request-ID"

// reqInfo collects what the request log line reports; authorize fills in
// the caller.
type reqInfo struct {
	subject string
	role    Role
	authed  bool   // the token was valid
	version int    // the plugin version a write made or chose (audit)
	code    string // the error code answered, if any (audit)
}

type reqInfoKey struct{}

// infoFrom returns the request's reqInfo, or a throwaway one.
func infoFrom(ctx context.Context) *reqInfo {
	if ri, ok := ctx.Value(reqInfoKey{}).(*reqInfo); ok {
		return ri
	}
	return &reqInfo{}
}

// statusWriter records the status a handler wrote.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the underlying writer.
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// wrap adds request IDs, the request log line, panic recovery and JSON
// answers for the mux's own 404 and 405 around mux.
func (s *server) wrap(mux *http.ServeMux) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		id := requestID(r.Header.Get(requestIDHeader))
		w.Header().Set(requestIDHeader, id)
		ri := &reqInfo{}
		r = r.WithContext(context.WithValue(r.Context(), reqInfoKey{}, ri))
		sw := &statusWriter{ResponseWriter: w}
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				s.writeError(sw, r, fmt.Errorf("admin: panic: %v", v))
			}
			s.logRequest(r, sw.status, time.Since(start), id, ri)
		}()
		s.dispatch(sw, r, mux)
	})
}

// dispatch serves r through mux, rewriting the mux's plain-text 404 and
// 405 answers as JSON errors.
func (s *server) dispatch(w http.ResponseWriter, r *http.Request, mux *http.ServeMux) {
	h, pattern := mux.Handler(r)
	if pattern != "" {
		mux.ServeHTTP(w, r) // sets r.Pattern and the path values
		return
	}
	rec := &recorder{header: http.Header{}}
	h.ServeHTTP(rec, r)
	switch rec.status {
	case http.StatusNotFound:
		s.writeError(w, r, newError(http.StatusNotFound, "not_found",
			"no admin endpoint at %s; see the API list in the hostd docs", r.URL.Path))
	case http.StatusMethodNotAllowed:
		w.Header().Set("Allow", rec.header.Get("Allow"))
		s.writeError(w, r, newError(http.StatusMethodNotAllowed, "method_not_allowed",
			"%s is not allowed on %s; allowed: %s", r.Method, r.URL.Path, rec.header.Get("Allow")))
	default:
		rec.replay(w)
	}
}

// recorder buffers a response of the mux's fallback handlers.
type recorder struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (r *recorder) Header() http.Header { return r.header }

func (r *recorder) WriteHeader(code int) {
	if r.status == 0 {
		r.status = code
	}
}

func (r *recorder) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	return r.body.Write(b)
}

// replay copies the recorded response to w (redirects, mostly).
func (r *recorder) replay(w http.ResponseWriter) {
	for k, v := range r.header {
		w.Header()[k] = v
	}
	if r.status == 0 {
		r.status = http.StatusOK
	}
	w.WriteHeader(r.status)
	_, _ = w.Write(r.body.Bytes())
}

// logRequest writes the one info line per request. It never logs headers
// or bodies, so tokens stay out of the log.
func (s *server) logRequest(r *http.Request, status int, d time.Duration, id string, ri *reqInfo) {
	if status == 0 {
		status = http.StatusOK
	}
	s.log.InfoContext(r.Context(), "admin request",
		"method", r.Method,
		"path", r.URL.Path,
		"status", status,
		"duration", d,
		"subject", ri.subject,
		"role", string(ri.role),
		"request_id", id,
	)
}

// requestID returns in when it is a sane token of at most 128 characters
// and a fresh random ID otherwise.
func requestID(in string) string {
	if saneID(in) {
		return in
	}
	return randomHex(12)
}

// saneID reports whether s is 1..128 characters of [A-Za-z0-9._:-].
func saneID(s string) bool {
	if len(s) == 0 || len(s) > 128 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		ok := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' ||
			c == '.' || c == '_' || c == ':' || c == '-'
		if !ok {
			return false
		}
	}
	return true
}

// randomHex returns n random bytes as hex.
func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b) // crypto/rand.Read never fails on supported platforms
	return hex.EncodeToString(b)
}
