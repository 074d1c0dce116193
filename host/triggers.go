package host

import (
	"context"
	"encoding/json"
	"time"

	"github.com/hostd/hostd/host/internal/engine"
	"github.com/hostd/hostd/host/internal/errs"
	"github.com/hostd/hostd/host/internal/model"
	"github.com/hostd/hostd/host/internal/registry"
	"github.com/hostd/hostd/host/internal/trigger"
)

// PutTrigger implements admin.Control: it checks the options, starts the
// plugin with the trigger's configuration (so a rejected configuration or a
// plugin without on_message is refused before anything is stored), starts
// the subscription, then stores the trigger.
func (c *control) PutTrigger(ctx context.Context, t model.Trigger) (model.Trigger, bool, error) {
	if _, err := trigger.Resolve(t); err != nil {
		return model.Trigger{}, false, errs.New(errs.Invalid, "invalid_trigger", "trigger %q: %v", t.ID, err)
	}
	defer c.preload(ctx, []model.Binding{t.Binding()})()
	c.mu.Lock()
	defer c.mu.Unlock()
	st, err := c.h.reg.State()
	if err != nil {
		return model.Trigger{}, false, err
	}
	pool, key, err := c.triggerPool(ctx, st, t)
	if err != nil {
		return model.Trigger{}, false, err
	}
	if err := c.h.trig.Start(ctx, t, key, pool); err != nil {
		return model.Trigger{}, false, errs.Wrap(err, errs.Unavailable, "trigger_start_failed",
			"trigger %q could not subscribe: %v", t.ID, err)
	}
	stored, created, err := c.h.reg.PutTrigger(t)
	if err != nil {
		c.h.trig.Stop(t.ID)
		c.syncTriggers(ctx) // bring back what was stored before, if anything
		return model.Trigger{}, false, err
	}
	c.h.log.Info("trigger stored", "trigger", t.ID, "subject", t.Subject, "created", created)
	c.publish(ctx, registry.RecordTrigger, t.ID)
	c.h.event("trigger.changed", map[string]any{"trigger": t.ID, "created": created})
	return stored, created, nil
}

// Triggers implements admin.Control.
func (c *control) Triggers(context.Context) ([]model.Trigger, error) { return c.h.reg.Triggers() }

// Trigger implements admin.Control.
func (c *control) Trigger(_ context.Context, id string) (model.Trigger, error) {
	return c.h.reg.Trigger(id)
}

// DeleteTrigger implements admin.Control.
func (c *control) DeleteTrigger(_ context.Context, id string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if err := c.h.reg.DeleteTrigger(id); err != nil {
		return err
	}
	c.h.trig.Stop(id)
	c.h.log.Info("trigger deleted", "trigger", id)
	c.publish(context.Background(), registry.RecordTrigger, id)
	c.h.event("trigger.deleted", map[string]any{"trigger": id})
	return nil
}

// triggerPool resolves t's plugin version and creates the instance pool
// it runs on. key identifies trigger and version, so syncTriggers restarts
// a trigger only when one of them changed.
func (c *control) triggerPool(ctx context.Context, st registry.State, t model.Trigger) (*engine.Pool, string, error) {
	rb, err := resolveBinding(st, t.Binding())
	if err != nil {
		return nil, "", err
	}
	mod, err := c.h.eng.Load(ctx, rb.SHA256, c.h.reg.Wasm)
	if err != nil {
		return nil, "", compileError(err)
	}
	defer mod.Release(ctx)
	if !mod.HandlesMessages() {
		return nil, "", errs.New(errs.Unprocessable, "no_message_handler",
			"plugin %q version %d does not export on_message; register a handler with sdk.HandleMessage", t.Plugin, rb.Version)
	}
	pool, err := mod.NewPool(ctx, engine.Binding{Plugin: rb.Plugin, Version: rb.Version, Config: rb.Config, Grants: rb.Grants, KeySets: rb.KeySets})
	if err != nil {
		return nil, "", bindingError("trigger "+t.ID, err)
	}
	return pool, triggerKey(t, rb.SHA256), nil
}

func triggerKey(t model.Trigger, sha string) string {
	t.CreatedAt, t.UpdatedAt = time.Time{}, time.Time{}
	raw, _ := json.Marshal(t)
	return sha + string(raw)
}

// syncTriggers makes the running triggers match the stored ones: it starts
// new ones, restarts those whose definition or plugin version changed and
// stops deleted ones. Failures are logged; the trigger stays stopped (or on
// its previous version) until the next change. The caller holds c.mu.
func (c *control) syncTriggers(ctx context.Context) {
	st, err := c.h.reg.State()
	if err != nil {
		c.h.log.Error("triggers not synced", "error", err)
		return
	}
	want := map[string]bool{}
	for _, t := range st.Triggers {
		want[t.ID] = true
		rb, err := resolveBinding(st, t.Binding())
		if err == nil && c.h.trig.Key(t.ID) == triggerKey(t, rb.SHA256) {
			continue
		}
		pool, key, err := c.triggerPool(ctx, st, t)
		if err == nil {
			err = c.h.trig.Start(ctx, t, key, pool)
		}
		if err != nil {
			c.h.log.Error("trigger not started", "trigger", t.ID, "error", err)
			continue
		}
		c.h.log.Info("trigger started", "trigger", t.ID, "subject", t.Subject, "plugin", t.Plugin, "version", rb.Version)
	}
	for _, id := range c.h.trig.IDs() {
		if !want[id] {
			c.h.trig.Stop(id)
		}
	}
}

// startTriggers creates the trigger manager and starts the stored
// triggers.
func (h *Host) startTriggers(ctx context.Context) {
	h.trig = trigger.New(trigger.Config{Bus: h.bus, Logger: h.log.With("component", "trigger"),
		Replicas: h.replicas(), Observe: h.metrics.TriggerMessage})
	h.ctl.mu.Lock()
	defer h.ctl.mu.Unlock()
	h.ctl.syncTriggers(ctx)
}

func (h *Host) stopTriggers() {
	if h.trig != nil {
		h.trig.Close()
	}
}
