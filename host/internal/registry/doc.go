// Package registry is hostd's durable control-plane store: plugins and their
// immutable versions, the Wasm modules behind them, routes, and each
// plugin's key-value data. It keeps everything in one bbolt file and is the
// only package that imports bbolt.
//
// # Basics
//
//	reg, err := registry.Open(filepath.Join(dataDir, "registry.db"), registry.Options{})
//	if errors.Is(err, registry.ErrLocked) { /* another hostd owns the data dir */ }
//	defer reg.Close()
//	v, created, err := reg.AddVersion("auth", wasm, true)
//	st, err := reg.State() // plugins and routes, one consistent snapshot
//
// Every change is one bbolt read-write transaction, so a crash leaves either
// the old state or the new one. Checks that span objects run in the same
// transaction as the change: PutRoute verifies that the plugins it binds
// exist, DeletePlugin that no route binds the plugin. Reads are read-only
// transactions, and State reads plugins and routes together.
//
// A plugin's versions are numbered 1, 2, 3… and never change. Each is
// addressed by the SHA-256 of its module; modules live in a blobs bucket,
// once per hash, shared by every version that has the same bytes, and are
// removed when the last plugin using them is deleted.
//
// Plugin KV data lives in one namespace per plugin name. Each entry carries
// a revision (strictly increasing within its namespace) for
// compare-and-swap, and an optional expiry. Expired entries are invisible at
// once and removed from the file by KVSweep.
//
// Plugin KV is bounded (KVLimits, Options.KV): each namespace by a number of
// keys and of bytes (key + value + KVEntryOverhead per entry, expired entries
// included until they are removed), all namespaces together by a number of
// bytes, and the file system by a free-space reserve that KV writes never
// take. The counters live in their own bucket and change in the transaction
// of every write, delete, sweep and namespace drop; a plugin's own limits
// (model.Plugin.KVMaxKeys, KVMaxBytes) are copied there with its record.
// KVPut returns errors wrapping ErrQuota (the namespace is full) or
// ErrNoSpace (the total or the reserve), and writes nothing.
//
// Errors caused by the caller's input or the current state are
// *errs.Error values with stable codes ("plugin_not_found",
// "plugin_in_use", "unknown_plugin", …). Storage failures are wrapped with
// a "registry: " prefix. ErrLocked, ErrSchema, ErrConflict, ErrQuota and
// ErrNoSpace are sentinels for errors.Is.
//
// A Registry is safe for concurrent use by multiple goroutines.
//
// # Caveats
//
// bbolt allows one writer at a time and fsyncs every commit (unless
// Options.NoSync), so writes — including KVPut on the request path — are
// serialized and cost a disk sync each. Reads run in parallel.
//
// Byte slices returned by this package are copies and remain valid after
// the call. Byte slices passed in are not retained.
//
// Deleting a plugin deletes its KV namespace; a namespace created again later
// starts its revisions at 1, so a revision held from before is meaningless.
//
// NextVersion is advisory: a concurrent AddVersion may take the number.
//
// KVSweep reads every KV entry in one write transaction; its cost grows with
// the store, so run it periodically rather than often.
//
// Open refuses a file whose schema version is newer than SchemaVersion
// (ErrSchema): downgrading hostd over a newer data dir is not supported.
package registry
