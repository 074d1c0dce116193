package replica

import (
	"context"
	"sync"

	"github.com/hostd/hostd/host/internal/bus"
)

// rejectCounts counts rejected remote entries by reason.
type rejectCounts struct {
	mu sync.Mutex
	n  map[string]uint64
}

// Rejected returns how many remote entries were rejected, by reason
// (RejectUnsealed, RejectBadSeal, RejectNoKey, RejectMalform). Every
// reason is present, zero or not. Safe to call without Lock.
func (r *Replicator) Rejected() map[string]uint64 {
	r.rejected.mu.Lock()
	defer r.rejected.mu.Unlock()
	out := map[string]uint64{RejectUnsealed: 0, RejectBadSeal: 0, RejectNoKey: 0, RejectMalform: 0, RejectStale: 0}
	for k, v := range r.rejected.n {
		out[k] = v
	}
	return out
}

// reject logs and counts an entry that failed the origin check. The
// node's own record is left as it is; the entry stays in the bucket
// until a node writes that record again.
func (r *Replicator) reject(e bus.Entry, reason string) {
	r.rejected.mu.Lock()
	if r.rejected.n == nil {
		r.rejected.n = map[string]uint64{}
	}
	r.rejected.n[reason]++
	r.rejected.mu.Unlock()
	msg := "cluster record rejected: not sealed with the cluster key"
	switch reason {
	case RejectNoKey:
		msg = "cluster record rejected: it is sealed and this node has no cluster.key_file"
	case RejectMalform:
		msg = "cluster record rejected: sealed content is not a record"
	case RejectStale:
		msg = "cluster record rejected: older than this node's (a replay or a lost concurrent write)"
	}
	r.log.Warn(msg, "key", e.Key, "revision", e.Revision, "deleted", e.Deleted, "reason", reason)
}

// healable reports whether an entry refused for reason is overwritten
// with this node's own state: a plain value or a bare delete marker (a
// NATS client without the key, or a node from before the key was set),
// and an authentic but stale value (a replay, or the loser of two
// concurrent writes). An entry sealed with another key (or seen by a node
// without a key) is left alone, so two misconfigured nodes cannot
// overwrite each other in a loop; a heal is always newer than everything
// its writer has seen, so heals of stale entries end.
func healable(reason string) bool { return reason == RejectUnsealed || reason == RejectStale }

// heal republishes this node's own state of a record whose bucket entry
// was refused (see healable), so the bucket holds a sealed, current value
// again for the nodes that join later. Lock is held.
func (r *Replicator) heal(key, kind, id string) {
	r.dirty[key] = true
	if r.kv == nil {
		return
	}
	if err := r.publish(context.Background(), key, kind, id); err != nil {
		r.log.Warn("refused record not replaced yet; will retry", "key", key, "error", err)
	}
}

// nextStamp returns the stamp of this node's next write of key: one
// generation above the newest it knows of, from its own watch and from
// the bucket's current value (so a node that was cut off does not write
// below what the others wrote meanwhile). Lock is held.
func (r *Replicator) nextStamp(ctx context.Context, key string) stamp {
	known := r.stamps[key]
	if e, err := r.kv.Get(ctx, key); err == nil && !e.Deleted {
		if op, reason := r.cfg.Sealer.open(key, e.Value, false); reason == "" && op.stamp.gen > known.gen {
			known = op.stamp
		}
	}
	return stamp{gen: known.gen + 1, writer: r.writer}
}
