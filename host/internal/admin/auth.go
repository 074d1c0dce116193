package admin

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/hostd/hostd/host/internal/keyset"
)

// Role is what an admin token allows.
type Role string

const (
	// RoleAdmin may read and change everything.
	RoleAdmin Role = "admin"
	// RoleViewer may only read (GET, HEAD), and sees what may hold a
	// secret (binding and trigger configs, credentials in upstream URLs)
	// redacted (redact.go).
	RoleViewer Role = "viewer"
	// RoleMetrics may only scrape GET /metrics (and the token-free
	// /healthz and /readyz): every other endpoint answers 403.
	RoleMetrics Role = "metrics"
)

const (
	tokenIssuer   = "hostd"
	tokenAudience = "hostd-admin"
	clockLeeway   = 30 * time.Second
	howToGetToken = "get a token with: hostd token --data-dir DIR"
)

// ParseRole returns the Role named s ("admin", "viewer" or "metrics", any
// case). It returns an error naming the valid roles otherwise.
func ParseRole(s string) (Role, error) {
	r := Role(strings.ToLower(strings.TrimSpace(s)))
	if r.valid() {
		return r, nil
	}
	return "", fmt.Errorf("admin: unknown role %q; use %q, %q or %q", s, RoleAdmin, RoleViewer, RoleMetrics)
}

// valid reports whether r is one of the roles.
func (r Role) valid() bool { return r == RoleAdmin || r == RoleViewer || r == RoleMetrics }

// canWrite reports whether the role may use write methods.
func (r Role) canWrite() bool { return r == RoleAdmin }

// seesSecrets reports whether responses to the role carry binding configs
// and other fields that may hold secrets unredacted.
func (r Role) seesSecrets() bool { return r == RoleAdmin }

// claims are the parts of an admin token the API uses.
type claims struct {
	Subject string
}

// verify checks a token — HS256 only; issuer, audience and expiry
// required; iat not in the future; 30s leeway — and returns its claims and
// role.
func (s *server) verify(token string) (*claims, Role, error) {
	c, err := keyset.VerifyHS256(token, s.key, keyset.VerifyOptions{
		Issuer:        tokenIssuer,
		Audience:      []string{tokenAudience},
		Leeway:        clockLeeway,
		CheckIssuedAt: true,
		Now:           s.now(),
	})
	if err != nil {
		return nil, "", fmt.Errorf("admin: token: %w", err)
	}
	sub, ok := c["sub"].(string)
	if _, present := c["sub"]; present && !ok {
		return nil, "", errors.New("admin: token: sub is not a string")
	}
	role, _ := c["role"].(string)
	if !Role(role).valid() {
		return nil, "", fmt.Errorf("admin: token: unknown role %q", c["role"])
	}
	return &claims{Subject: sub}, Role(role), nil
}

// bearer extracts the token from an "Authorization: Bearer ..." header.
func bearer(r *http.Request) (string, error) {
	h := r.Header.Get("Authorization")
	if h == "" {
		return "", errors.New("missing Authorization header")
	}
	scheme, tok, ok := strings.Cut(h, " ")
	tok = strings.TrimSpace(tok)
	if !ok || !strings.EqualFold(scheme, "Bearer") || tok == "" {
		return "", errors.New("the Authorization header is not \"Bearer <token>\"")
	}
	return tok, nil
}

// access says which roles an endpoint admits.
type access int

const (
	// accessAPI admits admin (every method) and viewer (reads only).
	accessAPI access = iota
	// accessScrape also admits metrics: GET /metrics.
	accessScrape
	// accessAdmin admits admin only, whatever the method: GET /v1/audit.
	accessAdmin
)

// authorize admits requests with a valid token whose role allows the
// endpoint and method; it answers 401 or 403 otherwise. A write that got
// past authentication is recorded in the audit log, refused or not
// (audit.go).
func (s *server) authorize(a access, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if isWrite(r.Method) && s.audit != nil {
			s.audited(w, r, a, next)
			return
		}
		if err := s.check(r, a); err != nil {
			s.writeError(w, r, err)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// check authenticates r, records the caller for the log line and enforces
// the role.
func (s *server) check(r *http.Request, a access) error {
	tok, err := bearer(r)
	if err != nil {
		return unauthorized(err.Error())
	}
	c, role, err := s.verify(tok)
	if err != nil {
		s.log.DebugContext(r.Context(), "admin: rejected token", "err", err.Error())
		return unauthorized("the token is invalid or expired")
	}
	ri := infoFrom(r.Context())
	ri.subject, ri.role, ri.authed = c.Subject, role, true
	switch {
	case role == RoleMetrics && a != accessScrape:
		return newError(http.StatusForbidden, "forbidden",
			"role %q may only read GET /metrics; %s %s needs role %q or %q", role, r.Method, r.URL.Path, RoleViewer, RoleAdmin)
	case a == accessAdmin && role != RoleAdmin:
		return newError(http.StatusForbidden, "forbidden",
			"%s %s needs role %q; the token has role %q", r.Method, r.URL.Path, RoleAdmin, role)
	}
	if isWrite(r.Method) && !role.canWrite() {
		return newError(http.StatusForbidden, "forbidden",
			"role %q may only read; %s %s needs role %q", role, r.Method, r.URL.Path, RoleAdmin)
	}
	return nil
}

// unauthorized returns the 401 error, telling the caller how to get a token.
func unauthorized(why string) *apiError {
	return newError(http.StatusUnauthorized, "unauthorized", "%s; %s", why, howToGetToken)
}

// isWrite reports whether method changes state.
func isWrite(method string) bool {
	switch method {
	case http.MethodGet, http.MethodHead, http.MethodOptions:
		return false
	}
	return true
}
