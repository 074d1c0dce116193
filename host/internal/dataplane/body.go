package dataplane

import (
	"errors"
	"net/http"
	"os"
	"time"

	"github.com/hostd/hostd/abi"
	"github.com/hostd/hostd/host/internal/engine"
)

// defaultBodyReadTimeout bounds reading a request body that a plugin of
// the route may read (Config.BodyReadTimeout).
const defaultBodyReadTimeout = 10 * time.Second

// readBody reads the request body into ex before any plugin instance is
// taken, for routes with a plugin that imports get_body or write_body, so
// that those calls never wait on the client: a slow body costs the
// client's connection and this goroutine, never an instance. The read is
// bounded by the body limit (413) and by Config.BodyReadTimeout (408).
func (rt *route) readBody(w http.ResponseWriter, r *http.Request, ex *engine.Exchange) *failure {
	if r.Body == nil || r.Body == http.NoBody {
		ex.RequestBody() // marks the (empty) body read, for on_response too
		return nil
	}
	rc := http.NewResponseController(w)
	if err := rc.SetReadDeadline(time.Now().Add(rt.p.cfg.BodyReadTimeout)); err != nil {
		// Not a net/http connection (a test recorder, an embedding
		// server): its own timeouts apply.
		rc = nil
	}
	_, st := ex.RequestBody()
	if rc != nil {
		// The body has been read (or failed): lift the deadline, so that
		// net/http's background read, which notices a client going away,
		// does not take it for a failure while the route runs.
		_ = rc.SetReadDeadline(time.Time{})
	}
	switch st {
	case abi.StatusOK:
		return nil
	case abi.StatusTooLarge:
		return tooLarge()
	}
	// The rest of the body will not be read: net/http must close the
	// connection instead of draining it after the answer.
	w.Header().Set("Connection", "close")
	if errors.Is(ex.RequestBodyErr(), os.ErrDeadlineExceeded) {
		return &failure{status: http.StatusRequestTimeout, code: "body_timeout",
			message: "the request body did not arrive within " + rt.p.cfg.BodyReadTimeout.String()}
	}
	return &failure{status: http.StatusBadRequest, code: "body_unreadable",
		message: "the request body could not be read"}
}
