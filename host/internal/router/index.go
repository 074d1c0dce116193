package router

import (
	"net/http"
	"strings"
	"sync"

	"github.com/gorilla/mux"
)

// VarsHandler is a route handler that takes the route variables as an
// argument instead of reading them from the request's context (Vars): the
// index dispatches to it without the two context values and request
// copies gorilla/mux adds. vars is only valid during the call (the map is
// reused); it is nil for a route without variables.
type VarsHandler interface {
	http.Handler
	ServeRoute(w http.ResponseWriter, r *http.Request, vars map[string]string)
}

// index answers, without gorilla/mux, the requests whose route it can
// decide exactly: it tries the routes in mux's order, matching the simple
// ones itself (a path template of literal segments and {name} segments, or
// a literal path prefix, with or without methods, no host) and the others
// with mux's own Route.Match, and dispatches to the first that matches when
// that route is simple and its handler a VarsHandler. When every route is
// simple it also answers no match (404, 405) with the handlers of Options.
// Everything else goes to mux, which then reaches the same decision: paths
// mux would clean and redirect, matches of other routes, no match among
// routes that are not all simple.
type index struct {
	routes []indexed
	mux    *mux.Router
	// When every route is simple, the index also answers 404 and 405
	// itself with these (nil: through mux).
	allSimple                  bool
	notFound, methodNotAllowed http.Handler
}

type indexed struct {
	mr *mux.Route // nil for a simple route
	// A simple route: segs (a Path template split at '/', after the
	// leading one) or prefix (a PathPrefix).
	segs     []segment
	prefix   string
	isPrefix bool
	methods  []string
	h        VarsHandler // nil: dispatch through mux
	nvars    int
}

// segment is one segment of a path template: a literal, or a variable
// matching one or more characters other than '/' (mux's default pattern).
type segment struct {
	lit  string
	name string // set for a variable
}

var (
	varMaps = sync.Pool{New: func() any { return map[string]string{} }}
	// routeMatches are for mux's Route.Match, which would otherwise
	// allocate one per route the index asks mux about.
	routeMatches = sync.Pool{New: func() any { return new(mux.RouteMatch) }}
)

// newIndex builds the index of r's routes, given in the order they were
// added, with the specs they were built from.
func newIndex(r *mux.Router, specs []Spec, opts Options) *index {
	ix := &index{mux: r, allSimple: true, notFound: opts.NotFound, methodNotAllowed: opts.MethodNotAllowed}
	k := 0
	_ = r.Walk(func(mr *mux.Route, _ *mux.Router, _ []*mux.Route) error {
		in := indexRoute(mr, specs[k])
		k++
		ix.routes = append(ix.routes, in)
		ix.allSimple = ix.allSimple && in.mr == nil
		return nil
	})
	return ix
}

func indexRoute(mr *mux.Route, s Spec) indexed {
	in := indexed{mr: mr}
	vh, _ := s.Handler.(VarsHandler)
	if s.Host != "" || vh == nil {
		return in
	}
	switch {
	case s.PathPrefix != "":
		if strings.ContainsAny(s.PathPrefix, "{}") {
			return in
		}
		in.prefix, in.isPrefix = s.PathPrefix, true
	default:
		segs, ok := splitTemplate(s.Path)
		if !ok {
			return in
		}
		in.segs = segs
		for _, sg := range segs {
			if sg.name != "" {
				in.nvars++
			}
		}
	}
	for _, m := range s.Methods {
		in.methods = append(in.methods, strings.ToUpper(m)) // as mux.Route.Methods
	}
	in.mr, in.h = nil, vh
	return in
}

// splitTemplate splits a path template into segments; ok is false when a
// segment is neither a literal nor a whole {name} (a pattern, a variable
// within a segment), or a name repeats.
func splitTemplate(tpl string) (segs []segment, ok bool) {
	if !strings.HasPrefix(tpl, "/") {
		return nil, false
	}
	seen := map[string]bool{}
	for _, part := range strings.Split(tpl[1:], "/") {
		if strings.HasPrefix(part, "{") && strings.HasSuffix(part, "}") {
			name := part[1 : len(part)-1]
			if name == "" || strings.ContainsAny(name, "{}:") || seen[name] {
				return nil, false
			}
			seen[name] = true
			segs = append(segs, segment{name: name})
			continue
		}
		if strings.ContainsAny(part, "{}") {
			return nil, false
		}
		segs = append(segs, segment{lit: part})
	}
	return segs, true
}

func (ix *index) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	p := r.URL.Path
	if !plainPath(p) {
		ix.mux.ServeHTTP(w, r)
		return
	}
	mismatch := false // a route's path matched, its methods did not
	for k := range ix.routes {
		in := &ix.routes[k]
		if in.mr != nil {
			m := routeMatches.Get().(*mux.RouteMatch)
			*m = mux.RouteMatch{}
			matched := in.mr.Match(r, m)
			*m = mux.RouteMatch{}
			routeMatches.Put(m)
			if matched {
				break // mux decides
			}
			continue
		}
		if !in.matchPath(p) {
			continue
		}
		if !in.matchMethod(r.Method) {
			mismatch = true
			continue
		}
		if in.nvars == 0 {
			in.h.ServeRoute(w, r, nil)
			return
		}
		vars := varMaps.Get().(map[string]string)
		in.fill(p, vars)
		in.h.ServeRoute(w, r, vars)
		clear(vars)
		varMaps.Put(vars)
		return
	}
	// No route matched. Among simple routes (path, then methods: a route
	// whose path matches sets mux's ErrMethodMismatch or clears it by
	// matching), mux answers 405 when a path matched, else 404, with the
	// handlers it was given and no route variables.
	switch {
	case !ix.allSimple:
	case mismatch && ix.methodNotAllowed != nil:
		ix.methodNotAllowed.ServeHTTP(w, r)
		return
	case !mismatch && ix.notFound != nil:
		ix.notFound.ServeHTTP(w, r)
		return
	}
	ix.mux.ServeHTTP(w, r)
}

// plainPath reports whether p is a path mux would not clean: it starts
// with '/' and has no "//" and no segment starting with '.' (so none of
// "." and ".."; the rest of those mux also leaves alone, but they go the
// slow way).
func plainPath(p string) bool {
	if p == "" || p[0] != '/' {
		return false
	}
	return !strings.Contains(p, "//") && !strings.Contains(p, "/.")
}

func (in *indexed) matchMethod(m string) bool {
	if len(in.methods) == 0 {
		return true
	}
	for _, x := range in.methods {
		if x == m {
			return true
		}
	}
	return false
}

// matchPath matches p (which starts with '/') as mux's regexp for the
// template would: ^/seg/seg$ with [^/]+ for each variable, or ^prefix.
func (in *indexed) matchPath(p string) bool {
	if in.isPrefix {
		return strings.HasPrefix(p, in.prefix)
	}
	rest := p[1:]
	for k, sg := range in.segs {
		var part string
		if k == len(in.segs)-1 {
			part, rest = rest, ""
			if strings.IndexByte(part, '/') >= 0 {
				return false
			}
		} else {
			i := strings.IndexByte(rest, '/')
			if i < 0 {
				return false
			}
			part, rest = rest[:i], rest[i+1:]
		}
		if sg.name != "" {
			if part == "" {
				return false
			}
		} else if part != sg.lit {
			return false
		}
	}
	return true
}

// fill sets the variables of p, which matchPath matched.
func (in *indexed) fill(p string, vars map[string]string) {
	rest := p[1:]
	for k, sg := range in.segs {
		var part string
		if k == len(in.segs)-1 {
			part = rest
		} else {
			i := strings.IndexByte(rest, '/')
			part, rest = rest[:i], rest[i+1:]
		}
		if sg.name != "" {
			vars[sg.name] = part
		}
	}
}

// VarsHandlerFunc adapts a function to VarsHandler.
type VarsHandlerFunc func(w http.ResponseWriter, r *http.Request, vars map[string]string)

// ServeHTTP serves a request dispatched by gorilla/mux.
func (f VarsHandlerFunc) ServeHTTP(w http.ResponseWriter, r *http.Request) { f(w, r, Vars(r)) }

// ServeRoute serves a request dispatched by the index.
func (f VarsHandlerFunc) ServeRoute(w http.ResponseWriter, r *http.Request, vars map[string]string) {
	f(w, r, vars)
}
