package registry

import (
	"encoding/json"
	"fmt"

	bolt "go.etcd.io/bbolt"

	"github.com/hostd/hostd/host/internal/errs"
	"github.com/hostd/hostd/host/internal/model"
)

// Routes returns every route sorted by ID.
func (r *Registry) Routes() ([]model.Route, error) {
	var out []model.Route
	err := r.db.View(func(tx *bolt.Tx) error {
		var err error
		out, err = readRoutes(tx)
		return err
	})
	return out, wrap("list routes", err)
}

// Route returns the route with the given ID, or an *errs.Error of kind
// NotFound with code "route_not_found".
func (r *Registry) Route(id string) (model.Route, error) {
	if id == "" {
		return model.Route{}, emptyArg("route id")
	}
	var rt model.Route
	err := r.db.View(func(tx *bolt.Tx) error {
		var ok bool
		var err error
		rt, ok, err = getRoute(tx, id)
		if err == nil && !ok {
			err = routeNotFound(id)
		}
		return err
	})
	return rt, wrap("read route", err)
}

// PutRoute creates or replaces the route with rt.ID and returns it as
// stored, with CreatedAt (kept from the old route on replace) and UpdatedAt
// set; created reports whether the ID was new. In the same transaction it
// checks that every bound plugin exists and that every pinned version
// exists; if not, nothing changes and the error is an *errs.Error of kind
// Unprocessable with code "unknown_plugin" or "unknown_version".
func (r *Registry) PutRoute(rt model.Route) (stored model.Route, created bool, err error) {
	if rt.ID == "" {
		return model.Route{}, false, emptyArg("route id")
	}
	err = r.db.Update(func(tx *bolt.Tx) error {
		if err := checkBindings(tx, fmt.Sprintf("route %q", rt.ID), rt.Bindings()); err != nil {
			return err
		}
		old, ok, err := getRoute(tx, rt.ID)
		if err != nil {
			return err
		}
		now := r.stamp()
		created = !ok
		rt.CreatedAt, rt.UpdatedAt = now, now
		if ok {
			rt.CreatedAt = old.CreatedAt
		}
		stored, err = putRoute(tx, rt)
		return err
	})
	if err != nil {
		return model.Route{}, false, wrap("put route", err)
	}
	return stored, created, nil
}

// DeleteRoute removes the route with the given ID, or returns an
// *errs.Error of kind NotFound with code "route_not_found".
func (r *Registry) DeleteRoute(id string) error {
	if id == "" {
		return emptyArg("route id")
	}
	err := r.db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketRoutes)
		if b.Get([]byte(id)) == nil {
			return routeNotFound(id)
		}
		return b.Delete([]byte(id))
	})
	return wrap("delete route", err)
}

// checkBindings verifies that every plugin the bindings of owner (`route
// "r"`, `trigger "t"`) name exists, and every pinned version of it.
func checkBindings(tx *bolt.Tx, owner string, bindings []model.Binding) error {
	for _, b := range bindings {
		p, ok, err := getPlugin(tx, b.Plugin)
		if err != nil {
			return err
		}
		if !ok {
			return errs.New(errs.Unprocessable, "unknown_plugin",
				"%s binds plugin %q, which does not exist; upload it first", owner, b.Plugin)
		}
		if b.Version == 0 {
			continue
		}
		if _, ok := p.Version(b.Version); !ok {
			return errs.New(errs.Unprocessable, "unknown_version",
				"%s pins version %d of plugin %q, which does not exist", owner, b.Version, b.Plugin)
		}
	}
	return nil
}

// getRoute reads one route; ok is false if it does not exist.
func getRoute(tx *bolt.Tx, id string) (rt model.Route, ok bool, err error) {
	raw := tx.Bucket(bucketRoutes).Get([]byte(id))
	if raw == nil {
		return model.Route{}, false, nil
	}
	if err := json.Unmarshal(raw, &rt); err != nil {
		return model.Route{}, false, fmt.Errorf("decode route %q: %w", id, err)
	}
	return rt, true, nil
}

// readRoutes reads every route in ID order (bbolt keeps keys sorted).
func readRoutes(tx *bolt.Tx) ([]model.Route, error) {
	out := []model.Route{}
	err := tx.Bucket(bucketRoutes).ForEach(func(k, raw []byte) error {
		var rt model.Route
		if err := json.Unmarshal(raw, &rt); err != nil {
			return fmt.Errorf("decode route %q: %w", k, err)
		}
		out = append(out, rt)
		return nil
	})
	return out, err
}

// putRoute writes rt and returns it decoded from the bytes written, so the
// caller sees exactly what later reads will return (JSON compacts Config).
func putRoute(tx *bolt.Tx, rt model.Route) (model.Route, error) {
	raw, err := json.Marshal(rt)
	if err != nil {
		return model.Route{}, fmt.Errorf("encode route %q: %w", rt.ID, err)
	}
	var stored model.Route
	if err := json.Unmarshal(raw, &stored); err != nil {
		return model.Route{}, fmt.Errorf("decode route %q: %w", rt.ID, err)
	}
	return stored, tx.Bucket(bucketRoutes).Put([]byte(rt.ID), raw)
}
