package registry

import (
	"errors"
	"fmt"
	"path/filepath"
	"strconv"
	"time"

	bolt "go.etcd.io/bbolt"
	bolterrors "go.etcd.io/bbolt/errors"

	"github.com/hostd/hostd/host/internal/model"
)

// SchemaVersion is the layout version this build writes. Open migrates an
// older file forward and refuses a newer one.
//
// Version 2 added KV usage records (kv/NAMESPACE\x00: keys, bytes and the
// plugin's own limits) and the bytes of all namespaces (the kv bucket's
// sequence number).
const SchemaVersion = 2

// Top-level buckets. Every one exists after Open.
var (
	bucketMeta     = []byte("meta")     // schema_version → decimal ASCII
	bucketPlugins  = []byte("plugins")  // name → JSON model.Plugin
	bucketBlobs    = []byte("blobs")    // sha256 hex → wasm bytes
	bucketRoutes   = []byte("routes")   // id → JSON model.Route
	bucketKV       = []byte("kv")       // namespace → nested bucket of entries; namespace+"\x00" → usage (kvquota.go)
	bucketKeySets  = []byte("keysets")  // name → JWKS document as uploaded
	bucketTriggers = []byte("triggers") // id → JSON model.Trigger

	keySchemaVersion = []byte("schema_version")
)

// migrations[i] upgrades a file from schema version i+1 to i+2, inside the
// transaction that Open runs. Append only; never edit a published step.
var migrations = []func(tx *bolt.Tx) error{
	migrateKVUsage, // 1 → 2
}

// Options configures Open. The zero value is ready to use.
type Options struct {
	// Timeout waits for the file lock; 0 means 1s. A second hostd on the
	// same file fails with an error wrapping ErrLocked.
	Timeout time.Duration
	// Now is the clock (tests); nil = time.Now.
	Now func() time.Time
	// NoSync skips fsync on commit (tests and benchmarks only). Default
	// false: every committed change is durable.
	NoSync bool
	// KV bounds the plugin KV data kept in the file; zero fields mean the
	// defaults documented on KVLimits.
	KV KVLimits
	// Audit bounds the audit log (audit.go); zero fields mean the
	// defaults documented on AuditLimits.
	Audit AuditLimits
	// FreeSpace reports the bytes available to hostd on the file system
	// holding the file; nil uses statfs(2) on the file's directory. KV
	// writes are refused while it is below KV.DiskReserve. Tests inject it.
	FreeSpace func() (uint64, error)
}

// Registry is hostd's durable store of plugins, versions, Wasm blobs,
// routes and plugin KV data, kept in one bbolt file. It is safe for
// concurrent use.
type Registry struct {
	db    *bolt.DB
	path  string
	now   func() time.Time
	kv    KVLimits    // with defaults applied
	audit AuditLimits // with defaults applied
	disk  *diskGuard
}

// Open opens (creating if needed) the registry file at path, creates the
// buckets and checks the schema version. It returns an error wrapping
// ErrLocked if another process holds the file, and one wrapping ErrSchema
// if the file was written by a newer hostd.
func Open(path string, opts Options) (*Registry, error) {
	if opts.Timeout <= 0 {
		opts.Timeout = time.Second
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: opts.Timeout, NoSync: opts.NoSync})
	if errors.Is(err, bolterrors.ErrTimeout) {
		return nil, &lockedError{path: path, err: err}
	}
	if err != nil {
		return nil, fmt.Errorf("registry: open %s: %w", path, err)
	}
	if err := db.Update(initSchema); err != nil {
		_ = db.Close()
		return nil, fmt.Errorf("registry: open %s: %w", path, err)
	}
	kv := opts.KV.withDefaults()
	probe := opts.FreeSpace
	if probe == nil {
		dir := filepath.Dir(path)
		probe = func() (uint64, error) { return freeSpace(dir) }
	}
	return &Registry{db: db, path: path, now: opts.Now, kv: kv, audit: opts.Audit.withDefaults(),
		disk: &diskGuard{probe: probe, reserve: uint64(kv.DiskReserve)}}, nil
}

// initSchema creates missing buckets, then writes the schema version of a
// new file or migrates an older one forward.
func initSchema(tx *bolt.Tx) error {
	for _, name := range [][]byte{bucketMeta, bucketPlugins, bucketBlobs, bucketRoutes, bucketKV, bucketKeySets, bucketTriggers, bucketAudit} {
		if _, err := tx.CreateBucketIfNotExists(name); err != nil {
			return err
		}
	}
	meta := tx.Bucket(bucketMeta)
	raw := meta.Get(keySchemaVersion)
	if raw == nil {
		return putSchemaVersion(meta, SchemaVersion)
	}
	v, err := strconv.Atoi(string(raw))
	if err != nil || v < 1 {
		return fmt.Errorf("%w: unreadable schema_version %q", ErrSchema, raw)
	}
	if v > SchemaVersion {
		return fmt.Errorf("%w: the file has schema version %d but this hostd supports up to %d; run a newer hostd",
			ErrSchema, v, SchemaVersion)
	}
	for ; v < SchemaVersion; v++ {
		if err := migrations[v-1](tx); err != nil {
			return fmt.Errorf("migrate schema %d to %d: %w", v, v+1, err)
		}
	}
	return putSchemaVersion(meta, SchemaVersion)
}

func putSchemaVersion(meta *bolt.Bucket, v int) error {
	return meta.Put(keySchemaVersion, []byte(strconv.Itoa(v)))
}

// Close closes the file. Calls after Close fail.
func (r *Registry) Close() error {
	return wrap("close", r.db.Close())
}

// Path returns the file's path as given to Open.
func (r *Registry) Path() string { return r.path }

// State is a consistent snapshot of the control-plane state.
type State struct {
	// Plugins maps plugin names to plugins.
	Plugins map[string]model.Plugin
	// Routes is sorted by ID.
	Routes []model.Route
	// Triggers is sorted by ID.
	Triggers []model.Trigger
}

// State returns every plugin and route, read in one transaction.
func (r *Registry) State() (State, error) {
	var st State
	err := r.db.View(func(tx *bolt.Tx) error {
		ps, err := readPlugins(tx)
		if err != nil {
			return err
		}
		st.Plugins = make(map[string]model.Plugin, len(ps))
		for _, p := range ps {
			st.Plugins[p.Name] = p
		}
		if st.Routes, err = readRoutes(tx); err != nil {
			return err
		}
		st.Triggers, err = readTriggers(tx)
		return err
	})
	if err != nil {
		return State{}, wrap("read state", err)
	}
	return st, nil
}

// stamp returns the current time in UTC without a monotonic reading, so a
// value returned to the caller equals the one read back from the file.
func (r *Registry) stamp() time.Time {
	return r.now().UTC().Round(0)
}
