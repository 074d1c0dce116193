package registry

import (
	"errors"
	"fmt"

	"github.com/hostd/hostd/host/internal/errs"
)

var (
	// ErrLocked is wrapped by the error Open returns when another process
	// holds the database file's lock for longer than Options.Timeout.
	ErrLocked = errors.New("registry: database file is locked")

	// ErrConflict is returned by KVPut when a compare-and-swap finds a
	// revision other than the expected one.
	ErrConflict = errors.New("registry: kv revision conflict")

	// ErrSchema is wrapped by the error Open returns when the file's schema
	// version is unknown to this build (written by a newer hostd) or the
	// metadata is unreadable.
	ErrSchema = errors.New("registry: unsupported schema")

	// ErrQuota is wrapped by the error KVPut returns when the write would
	// take the namespace over its key or byte quota. Nothing is written.
	ErrQuota = errors.New("registry: kv namespace quota reached")

	// ErrNoSpace is wrapped by the error KVPut returns when the write would
	// take all namespaces together over KVLimits.TotalBytes, or while the
	// file system's free space is below KVLimits.DiskReserve. Nothing is
	// written.
	ErrNoSpace = errors.New("registry: kv store full")
)

// lockedError is the error Open returns on a lock timeout; it reads as one
// sentence for the operator and matches ErrLocked with errors.Is.
type lockedError struct {
	path string
	err  error // the bbolt error, kept for errors.Is
}

func (e *lockedError) Error() string {
	return fmt.Sprintf("registry: %s is in use by another process (is another hostd running on this data dir?)", e.path)
}

func (e *lockedError) Unwrap() []error { return []error{ErrLocked, e.err} }

// wrap prefixes a storage-level error with the operation that failed and
// leaves domain errors (*errs.Error, the sentinels) untouched, so that their
// codes and messages reach the admin API unchanged.
func wrap(op string, err error) error {
	if err == nil {
		return nil
	}
	if _, ok := errs.As(err); ok || errors.Is(err, ErrConflict) || errors.Is(err, ErrQuota) || errors.Is(err, ErrNoSpace) {
		return err
	}
	return fmt.Errorf("registry: %s: %w", op, err)
}

// emptyArg reports an empty plugin name, route ID, namespace or key. The
// admin API validates names properly; this only guards the store.
func emptyArg(what string) error {
	return errs.New(errs.Invalid, "invalid_argument", "registry: %s must not be empty", what)
}

func pluginNotFound(name string) error {
	return errs.New(errs.NotFound, "plugin_not_found", "plugin %q does not exist", name)
}

func versionNotFound(name string, version int) error {
	return errs.New(errs.NotFound, "version_not_found", "plugin %q has no version %d", name, version)
}

func routeNotFound(id string) error {
	return errs.New(errs.NotFound, "route_not_found", "route %q does not exist", id)
}
