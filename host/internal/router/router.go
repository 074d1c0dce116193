// Package router turns route specifications into an immutable HTTP handler
// that matches requests by host, path template and method. It is the only
// package that imports gorilla/mux; callers see plain net/http types.
//
// A built handler is never modified: a change builds a new one, which the
// data plane swaps in atomically.
package router

import (
	"cmp"
	"errors"
	"fmt"
	"net/http"
	"slices"

	"github.com/gorilla/mux"
)

// Spec is one route to match.
type Spec struct {
	ID       string
	Priority int
	// Host is a gorilla/mux host template; empty matches any host.
	Host string
	// Path is a path template such as /hello/{name}; exclusive with
	// PathPrefix.
	Path       string
	PathPrefix string
	// Methods restricts the route; empty matches every method.
	Methods []string
	Handler http.Handler
}

// Options are the handlers for requests that match no route.
type Options struct {
	NotFound         http.Handler
	MethodNotAllowed http.Handler
}

// Validate reports whether a spec's templates compile.
func Validate(s Spec) error {
	r := mux.NewRouter()
	return add(r, s)
}

func add(r *mux.Router, s Spec) error {
	rt := r.NewRoute().Name(s.ID)
	switch {
	case s.Path != "" && s.PathPrefix != "":
		return errors.New("path and path_prefix are exclusive")
	case s.Path != "":
		rt = rt.Path(s.Path)
	case s.PathPrefix != "":
		rt = rt.PathPrefix(s.PathPrefix)
	default:
		return errors.New("a path or a path_prefix is required")
	}
	if s.Host != "" {
		rt = rt.Host(s.Host)
	}
	if len(s.Methods) > 0 {
		rt = rt.Methods(s.Methods...)
	}
	if err := rt.GetError(); err != nil {
		return err
	}
	if s.Handler != nil {
		rt.Handler(s.Handler)
	}
	return nil
}

// Build returns a handler that tries specs by descending priority, then by
// longer pattern, then by ID, and dispatches to the first that matches:
// gorilla/mux's semantics, with an index in front (index.go) that decides
// the common routes without mux's per-request allocations.
func Build(specs []Spec, opts Options) (http.Handler, error) {
	r, ordered, err := buildMux(specs, opts)
	if err != nil {
		return nil, err
	}
	return newIndex(r, ordered, opts), nil
}

// buildMux returns the gorilla/mux router of specs, and specs in the
// order it tries them.
func buildMux(specs []Spec, opts Options) (*mux.Router, []Spec, error) {
	ordered := slices.Clone(specs)
	slices.SortStableFunc(ordered, compare)
	r := mux.NewRouter()
	r.SkipClean(false)
	if opts.NotFound != nil {
		r.NotFoundHandler = opts.NotFound
	}
	if opts.MethodNotAllowed != nil {
		r.MethodNotAllowedHandler = opts.MethodNotAllowed
	}
	var errs []error
	for _, s := range ordered {
		if err := add(r, s); err != nil {
			errs = append(errs, fmt.Errorf("route %q: %w", s.ID, err))
		}
	}
	if err := errors.Join(errs...); err != nil {
		return nil, nil, fmt.Errorf("router: %w", err)
	}
	return r, ordered, nil
}

func compare(a, b Spec) int {
	if c := cmp.Compare(b.Priority, a.Priority); c != 0 {
		return c
	}
	pa, pb := a.Path+a.PathPrefix, b.Path+b.PathPrefix
	if c := cmp.Compare(len(pb), len(pa)); c != 0 {
		return c
	}
	if c := cmp.Compare(len(b.Host), len(a.Host)); c != 0 {
		return c
	}
	return cmp.Compare(a.ID, b.ID)
}

// Vars returns the route variables of a request dispatched by a built
// handler through gorilla/mux (nil if none). A VarsHandler gets them as an
// argument instead.
func Vars(r *http.Request) map[string]string { return mux.Vars(r) }
