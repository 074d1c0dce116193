package admin

import (
	"bytes"
	"fmt"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/hostd/hostd/host/internal/model"
	"github.com/hostd/hostd/host/internal/subject"
)

var streamNameRE = regexp.MustCompile(`^[A-Za-z0-9_-]{1,64}$`)

// listRoutes handles GET /v1/routes.
func (s *server) listRoutes(w http.ResponseWriter, r *http.Request) error {
	rs, err := s.ctl.Routes(r.Context())
	if err != nil {
		return err
	}
	writeList(w, "routes", visibleTo(r, rs, redactRoute))
	return nil
}

// getRoute handles GET /v1/routes/{id}.
func (s *server) getRoute(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "route")
	if err != nil {
		return err
	}
	rt, err := s.ctl.Route(r.Context(), id)
	if err != nil {
		return err
	}
	if !seesSecrets(r) {
		rt = redactRoute(rt)
	}
	writeJSON(w, http.StatusOK, rt)
	return nil
}

// putRoute handles PUT /v1/routes/{id}: create or replace.
func (s *server) putRoute(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "route")
	if err != nil {
		return err
	}
	var rt model.Route
	if err := s.decodeJSON(w, r, &rt); err != nil {
		return err
	}
	if err := checkBodyID(rt.ID, id); err != nil {
		return err
	}
	rt.ID = id
	rt.CreatedAt, rt.UpdatedAt = time.Time{}, time.Time{}
	if err := normaliseRoute(&rt); err != nil {
		return err
	}
	stored, created, err := s.ctl.PutRoute(r.Context(), rt)
	if err != nil {
		return err
	}
	writeStored(w, created, stored)
	return nil
}

// deleteRoute handles DELETE /v1/routes/{id}.
func (s *server) deleteRoute(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "route")
	if err != nil {
		return err
	}
	if err := s.ctl.DeleteRoute(r.Context(), id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// invalidRoute returns a 400 "invalid_route".
func invalidRoute(format string, args ...any) error {
	return newError(http.StatusBadRequest, "invalid_route", format, args...)
}

// normaliseRoute checks what can be checked without the router or the
// registry, and upper-cases the methods. Templates and plugin existence
// are Control's to check.
func normaliseRoute(rt *model.Route) error {
	if err := checkPattern(rt); err != nil {
		return err
	}
	methods, err := normaliseMethods(rt.Methods)
	if err != nil {
		return err
	}
	rt.Methods = methods
	switch targets(rt) {
	case 0:
		return invalidRoute(`a target is required: add "handler": {"plugin": "NAME"}, "upstream": {"targets": ["http://HOST:PORT"]} or "nats": {"subject": "SUBJECT"}`)
	case 1:
	default:
		return invalidRoute(`set only one of "handler", "upstream" and "nats"`)
	}
	for i := range rt.Filters {
		where := "filters[" + strconv.Itoa(i) + "]"
		if err := normaliseBinding(&rt.Filters[i], where); err != nil {
			return err
		}
		switch rt.Filters[i].Failure {
		case "", model.FailClosed, model.FailOpen:
		default:
			return invalidRoute(`%s has "failure" %q; use "closed" (fail the request, the default) or "open" (skip the filter)`,
				where, rt.Filters[i].Failure)
		}
	}
	if rt.Handler == nil {
		return nil
	}
	if rt.Handler.Failure != "" {
		return invalidRoute(`handler cannot have "failure": a handler that fails always fails the request`)
	}
	return normaliseBinding(rt.Handler, "handler")
}

// targets counts the route's targets; exactly one is valid.
func targets(rt *model.Route) int {
	n := 0
	for _, set := range []bool{rt.Handler != nil, rt.Upstream != nil, rt.NATS != nil} {
		if set {
			n++
		}
	}
	return n
}

// checkPattern requires exactly one of path and path_prefix, starting with
// "/" (and a body limit that is not negative).
func checkPattern(rt *model.Route) error {
	switch {
	case rt.MaxBodyBytes < 0:
		return invalidRoute(`"max_body_bytes" must not be negative (0 means limits.max_body_bytes), got %d`, rt.MaxBodyBytes)
	case rt.Path == "" && rt.PathPrefix == "":
		return invalidRoute(`set "path" (e.g. "/hello/{name}") or "path_prefix" (e.g. "/api/")`)
	case rt.Path != "" && rt.PathPrefix != "":
		return invalidRoute(`set only one of "path" and "path_prefix"`)
	case rt.Path != "" && !strings.HasPrefix(rt.Path, "/"):
		return invalidRoute(`"path" must start with "/", got %q`, rt.Path)
	case rt.PathPrefix != "" && !strings.HasPrefix(rt.PathPrefix, "/"):
		return invalidRoute(`"path_prefix" must start with "/", got %q`, rt.PathPrefix)
	}
	return nil
}

// normaliseMethods upper-cases methods, drops duplicates and rejects
// anything that is not an HTTP token.
func normaliseMethods(in []string) ([]string, error) {
	if len(in) == 0 {
		return nil, nil
	}
	out := make([]string, 0, len(in))
	seen := make(map[string]bool, len(in))
	for _, m := range in {
		m = strings.ToUpper(m)
		if !isToken(m) {
			return nil, invalidRoute(`"methods" has %q, which is not an HTTP method; use names such as "GET" or "POST"`, m)
		}
		if !seen[m] {
			seen[m] = true
			out = append(out, m)
		}
	}
	return out, nil
}

// isToken reports whether s is a non-empty RFC 9110 token.
func isToken(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' {
			continue
		}
		if !strings.ContainsRune("!#$%&'*+-.^_`|~", rune(c)) {
			return false
		}
	}
	return true
}

// normaliseBinding checks one binding; where names it in messages.
func normaliseBinding(b *model.Binding, where string) error {
	if b.Plugin == "" {
		return invalidRoute(`%s needs "plugin": the name of an uploaded plugin`, where)
	}
	if !pluginNameRE.MatchString(b.Plugin) {
		return invalidRoute("%s names plugin %q, which is not a valid plugin name", where, b.Plugin)
	}
	if b.Version < 0 {
		return invalidRoute(`%s has "version" %d; use 0 (follow the active version) or a version number`, where, b.Version)
	}
	cfg := bytes.TrimSpace(b.Config)
	switch {
	case len(cfg) == 0 || string(cfg) == "null":
		b.Config = nil
	case cfg[0] != '{':
		return invalidRoute(`%s "config" must be a JSON object such as {"key": "value"}`, where)
	}
	return checkGrants(b.Grants, where)
}

// checkGrants requires valid subject patterns that cannot reach a reserved
// subject space: a pattern whose first token is a wildcard (">", "*.>",
// "*.API.>") or reserved ("$JS.API.>", "_INBOX.>", "hostd.events.*") is
// refused, so a grant always means exactly the subjects it matches.
func checkGrants(g *model.Grants, where string) error {
	if g == nil {
		return nil
	}
	for op, list := range map[string][]string{"publish": g.Publish, "request": g.Request} {
		for _, p := range list {
			if !subject.Valid(p, true) {
				return newError(http.StatusBadRequest, "invalid_grant",
					"%s grants %s %q, which is not a NATS subject pattern (dot-separated tokens; * for one token, > for the rest)", where, op, p)
			}
			if subject.MayReachReserved(p) {
				return reservedSubject("%s grants %s %q", where, op, p)
			}
		}
	}
	return nil
}

// reservedSubject is the refusal of a grant or trigger subject that could
// reach a reserved subject space; format and args name it.
func reservedSubject(format string, args ...any) error {
	return newError(http.StatusBadRequest, "reserved_subject",
		"%s, which could reach the reserved subjects %s; start it with a literal token of your own, such as \"orders.>\"",
		fmt.Sprintf(format, args...), subject.ReservedSpaces)
}
