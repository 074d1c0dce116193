package admin

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"hash"
	"io"
	"net/http"
	"strconv"

	"github.com/hostd/hostd/host/internal/model"
)

// Audit keeps the audit log of admin writes; the host stores it in the
// registry and announces each entry on NATS.
type Audit interface {
	// Record stores e (assigning e.Seq) and publishes it.
	Record(ctx context.Context, e model.AuditEntry) error
	// List returns one page of the log.
	List(ctx context.Context, q model.AuditQuery) ([]model.AuditEntry, error)
}

const (
	defaultAuditPage = 100
	maxAuditPage     = 1000
)

// hashingBody digests and counts the body bytes a handler reads.
type hashingBody struct {
	io.ReadCloser
	h hash.Hash
	n int64
}

func (b *hashingBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	b.h.Write(p[:n])
	b.n += int64(n)
	return n, err
}

// audited serves a write and records it: every write whose token was
// valid, whatever the answer (done, invalid, refused for the role). A
// request without a valid token is not recorded (the request log has
// it): otherwise anyone reaching the port could flush the log out of its
// retention with junk. The entry is stored after the answer is decided;
// if storing fails the write stands and the failure is logged at ERROR.
func (s *server) audited(w http.ResponseWriter, r *http.Request, a access, next http.Handler) {
	body := &hashingBody{ReadCloser: r.Body, h: sha256.New()}
	r.Body = body
	sw := &statusWriter{ResponseWriter: w}
	if err := s.check(r, a); err != nil {
		s.writeError(sw, r, err)
	} else {
		next.ServeHTTP(sw, r)
	}
	ri := infoFrom(r.Context())
	if !ri.authed {
		return
	}
	e := model.AuditEntry{
		Time: s.now().UTC(), Subject: ri.subject, Role: string(ri.role),
		Method: r.Method, Path: r.URL.Path, Endpoint: r.Pattern, Name: pathName(r),
		Version: ri.version, Status: sw.status, Code: ri.code, Bytes: body.n,
		Remote: r.RemoteAddr, RequestID: w.Header().Get(requestIDHeader),
	}
	if e.Status == 0 {
		e.Status = http.StatusOK
	}
	if body.n > 0 {
		e.SHA256 = hex.EncodeToString(body.h.Sum(nil))
	}
	if err := s.audit.Record(context.WithoutCancel(r.Context()), e); err != nil {
		s.log.ErrorContext(r.Context(), "admin: audit entry not stored",
			"method", e.Method, "path", e.Path, "status", e.Status, "request_id", e.RequestID, "err", err.Error())
	}
}

// pathName is the resource named in the path ({name} or {id}).
func pathName(r *http.Request) string {
	if n := r.PathValue("name"); n != "" {
		return n
	}
	return r.PathValue("id")
}

// auditPage is the body of GET /v1/audit.
type auditPage struct {
	Entries []model.AuditEntry `json:"entries"`
	// Next is the cursor of the following page, passed back as the same
	// parameter (?before= newest first, ?after= oldest first); absent on
	// the last page.
	Next uint64 `json:"next,omitempty"`
}

// listAudit handles GET /v1/audit?limit=N&before=SEQ|after=SEQ.
func (s *server) listAudit(w http.ResponseWriter, r *http.Request) error {
	q, err := auditQuery(r)
	if err != nil {
		return err
	}
	limit := q.Limit
	q.Limit++ // one more tells whether a next page exists
	es, err := s.audit.List(r.Context(), q)
	if err != nil {
		return err
	}
	page := auditPage{Entries: es}
	if len(es) > limit {
		page.Entries = es[:limit]
		page.Next = es[limit-1].Seq
	}
	if page.Entries == nil {
		page.Entries = []model.AuditEntry{}
	}
	writeJSON(w, http.StatusOK, page)
	return nil
}

// auditQuery reads limit (1..1000, default 100) and at most one of before
// and after (sequence numbers).
func auditQuery(r *http.Request) (model.AuditQuery, error) {
	bad := func(format string, args ...any) error {
		return newError(http.StatusBadRequest, "invalid_query", format, args...)
	}
	vals := r.URL.Query()
	q := model.AuditQuery{Limit: defaultAuditPage}
	for k, v := range vals {
		if len(v) != 1 {
			return q, bad("query parameter %s must be given once", k)
		}
		switch k {
		case "limit", "before", "after":
		default:
			return q, bad("unknown query parameter %q; use limit, before or after", k)
		}
	}
	if v := vals.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > maxAuditPage {
			return q, bad("limit must be an integer from 1 to %d, not %q", maxAuditPage, v)
		}
		q.Limit = n
	}
	before, after := vals.Get("before"), vals.Get("after")
	if before != "" && after != "" {
		return q, bad("give before (newest first) or after (oldest first), not both")
	}
	for _, p := range []struct {
		raw string
		dst *uint64
	}{{before, &q.Before}, {after, &q.After}} {
		if p.raw == "" {
			continue
		}
		n, err := strconv.ParseUint(p.raw, 10, 64)
		if err != nil {
			return q, bad("before and after take an entry's seq, a non-negative integer, not %q", p.raw)
		}
		*p.dst = n
	}
	q.Ascending = after != ""
	return q, nil
}
