package host

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/hostd/hostd/host/internal/model"
	"github.com/hostd/hostd/host/internal/registry"
)

// AuditConfig bounds the audit log of admin writes kept in registry.db
// (GET /v1/audit). The oldest entries are removed as new ones are added.
type AuditConfig struct {
	// MaxEntries keeps at most this many entries. Default 10000.
	MaxEntries int `json:"max_entries,omitempty"`
	// MaxAge removes entries older than this ("720h"). Default 0: no age
	// limit, only MaxEntries.
	MaxAge Duration `json:"max_age,omitempty"`
}

func (a AuditConfig) limits() registry.AuditLimits {
	return registry.AuditLimits{MaxEntries: a.MaxEntries, MaxAge: time.Duration(a.MaxAge)}
}

func (a AuditConfig) validate() []error {
	var errs []error
	if a.MaxEntries < 0 {
		errs = append(errs, errors.New("audit.max_entries: must not be negative (0 means the default, 10000)"))
	}
	if a.MaxAge < 0 {
		errs = append(errs, errors.New("audit.max_age: must not be negative (0 means no age limit)"))
	}
	return errs
}

// auditLog implements admin.Audit: entries go to the registry, then out
// as the event hostd.events.audit (best effort, like every event).
type auditLog struct{ h *Host }

func (a auditLog) Record(_ context.Context, e model.AuditEntry) error {
	stored, err := a.h.reg.AppendAudit(e)
	if err != nil {
		return fmt.Errorf("host: audit: %w", err)
	}
	a.h.event("audit", stored)
	return nil
}

func (a auditLog) List(_ context.Context, q model.AuditQuery) ([]model.AuditEntry, error) {
	return a.h.reg.Audit(q)
}
