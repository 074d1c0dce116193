package admin

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"syscall"

	"github.com/hostd/hostd/host/internal/errs"
)

// apiError is an error the admin layer itself raises (authorisation,
// routing, decoding), with the HTTP status it answers with.
type apiError struct {
	Status  int
	Code    string
	Message string
}

func (e *apiError) Error() string { return "admin: " + e.Code + ": " + e.Message }

// newError returns an apiError with a formatted message.
func newError(status int, code, format string, args ...any) *apiError {
	return &apiError{Status: status, Code: code, Message: fmt.Sprintf(format, args...)}
}

// errorBody is the JSON shape of every error response.
type errorBody struct {
	Error errorDetail `json:"error"`
}

type errorDetail struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

// kindStatus maps an errs.Kind to its HTTP status; unknown kinds are 500.
func kindStatus(k errs.Kind) int {
	switch k {
	case errs.Invalid:
		return http.StatusBadRequest
	case errs.NotFound:
		return http.StatusNotFound
	case errs.Conflict:
		return http.StatusConflict
	case errs.TooLarge:
		return http.StatusRequestEntityTooLarge
	case errs.Unprocessable:
		return http.StatusUnprocessableEntity
	case errs.Unavailable:
		return http.StatusServiceUnavailable
	}
	return http.StatusInternalServerError
}

// defaultCode names the code used when an errs.Error has none.
func defaultCode(status int) string {
	switch status {
	case http.StatusBadRequest:
		return "invalid"
	case http.StatusNotFound:
		return "not_found"
	case http.StatusConflict:
		return "conflict"
	case http.StatusRequestEntityTooLarge:
		return "too_large"
	case http.StatusUnprocessableEntity:
		return "unprocessable"
	case http.StatusServiceUnavailable:
		return "unavailable"
	}
	return "internal"
}

// resolveError turns any error into the status, code and message shown to
// the client, and reports whether the detail was hidden (an internal error).
func resolveError(err error, requestID string) (status int, code, msg string, internal bool) {
	var ae *apiError
	if errors.As(err, &ae) {
		return ae.Status, ae.Code, ae.Message, false
	}
	if errors.Is(err, syscall.ENOSPC) {
		return http.StatusInsufficientStorage, "insufficient_storage",
			"the disk holding hostd's data is full, so nothing was changed; free space and retry (hostd keeps serving and needs no restart)", false
	}
	if e, ok := errs.As(err); ok {
		status = kindStatus(e.Kind)
		if status != http.StatusInternalServerError {
			code = e.Code
			if code == "" {
				code = defaultCode(status)
			}
			return status, code, e.Message, false
		}
	}
	return http.StatusInternalServerError, "internal",
		"internal error; see the hostd log for request " + requestID, true
}

// writeError renders err as the JSON error body. Internal errors are logged
// with their detail, which never reaches the client.
func (s *server) writeError(w http.ResponseWriter, r *http.Request, err error) {
	id := w.Header().Get(requestIDHeader)
	status, code, msg, internal := resolveError(err, id)
	infoFrom(r.Context()).code = code
	if internal {
		s.log.ErrorContext(r.Context(), "admin: internal error",
			"method", r.Method, "path", r.URL.Path, "request_id", id, "err", err.Error())
	}
	if status == http.StatusInsufficientStorage {
		s.log.WarnContext(r.Context(), "admin: disk full, write refused",
			"method", r.Method, "path", r.URL.Path, "request_id", id, "err", err.Error())
	}
	if status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Bearer realm="hostd-admin"`)
	}
	writeJSON(w, status, errorBody{Error: errorDetail{Code: code, Message: msg}})
}

// writeJSON writes v as JSON with the given status.
func writeJSON(w http.ResponseWriter, status int, v any) {
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v) // the client went away; nothing left to tell it
}
