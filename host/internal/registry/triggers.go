package registry

import (
	"encoding/json"
	"fmt"

	bolt "go.etcd.io/bbolt"

	"github.com/hostd/hostd/host/internal/errs"
	"github.com/hostd/hostd/host/internal/model"
)

// Triggers returns every trigger sorted by ID.
func (r *Registry) Triggers() ([]model.Trigger, error) {
	var out []model.Trigger
	err := r.db.View(func(tx *bolt.Tx) error {
		var err error
		out, err = readTriggers(tx)
		return err
	})
	return out, wrap("list triggers", err)
}

// Trigger returns the trigger with the given ID, or an *errs.Error of kind
// NotFound with code "trigger_not_found".
func (r *Registry) Trigger(id string) (model.Trigger, error) {
	if id == "" {
		return model.Trigger{}, emptyArg("trigger id")
	}
	var t model.Trigger
	err := r.db.View(func(tx *bolt.Tx) error {
		raw := tx.Bucket(bucketTriggers).Get([]byte(id))
		if raw == nil {
			return triggerNotFound(id)
		}
		return json.Unmarshal(raw, &t)
	})
	return t, wrap("read trigger", err)
}

// PutTrigger creates or replaces the trigger with t.ID, stamping CreatedAt
// (kept on replace) and UpdatedAt; created reports whether the ID was new.
// The bound plugin (and a pinned version) must exist, else nothing changes
// and the error is Unprocessable "unknown_plugin" or "unknown_version".
func (r *Registry) PutTrigger(t model.Trigger) (stored model.Trigger, created bool, err error) {
	if t.ID == "" {
		return model.Trigger{}, false, emptyArg("trigger id")
	}
	err = r.db.Update(func(tx *bolt.Tx) error {
		if err := checkBindings(tx, fmt.Sprintf("trigger %q", t.ID), []model.Binding{t.Binding()}); err != nil {
			return err
		}
		b := tx.Bucket(bucketTriggers)
		now := r.stamp()
		t.CreatedAt, t.UpdatedAt = now, now
		if raw := b.Get([]byte(t.ID)); raw != nil {
			var old model.Trigger
			if err := json.Unmarshal(raw, &old); err == nil {
				t.CreatedAt = old.CreatedAt
			}
		} else {
			created = true
		}
		raw, err := json.Marshal(t)
		if err != nil {
			return fmt.Errorf("encode trigger %q: %w", t.ID, err)
		}
		if err := json.Unmarshal(raw, &stored); err != nil {
			return err
		}
		return b.Put([]byte(t.ID), raw)
	})
	if err != nil {
		return model.Trigger{}, false, wrap("put trigger", err)
	}
	return stored, created, nil
}

// DeleteTrigger removes a trigger, or returns NotFound "trigger_not_found".
func (r *Registry) DeleteTrigger(id string) error {
	if id == "" {
		return emptyArg("trigger id")
	}
	err := r.db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketTriggers)
		if b.Get([]byte(id)) == nil {
			return triggerNotFound(id)
		}
		return b.Delete([]byte(id))
	})
	return wrap("delete trigger", err)
}

func readTriggers(tx *bolt.Tx) ([]model.Trigger, error) {
	out := []model.Trigger{}
	err := tx.Bucket(bucketTriggers).ForEach(func(k, raw []byte) error {
		var t model.Trigger
		if err := json.Unmarshal(raw, &t); err != nil {
			return fmt.Errorf("decode trigger %q: %w", k, err)
		}
		out = append(out, t)
		return nil
	})
	return out, err
}

func triggerNotFound(id string) error {
	return errs.New(errs.NotFound, "trigger_not_found", "trigger %q does not exist", id)
}
