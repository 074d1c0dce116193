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
	out := map[string]uint64{RejectUnsealed: 0, RejectBadSeal: 0, RejectNoKey: 0, RejectMalform: 0}
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
	}
	r.log.Warn(msg, "key", e.Key, "revision", e.Revision, "deleted", e.Deleted, "reason", reason)
}

// heal republishes this node's own state of a record whose bucket entry
// was refused as unsealed (a plain value or a bare delete marker: a NATS
// client without the key, or a node from before the key was set), so
// the bucket holds a sealed value again for nodes that join later. Only
// unsealed entries are healed: an entry sealed with another key (or seen
// by a node without a key) is left alone, so two misconfigured nodes
// cannot overwrite each other in a loop. Lock is held.
func (r *Replicator) heal(key, kind, id string) {
	r.dirty[key] = true
	if r.kv == nil {
		return
	}
	if err := r.publish(context.Background(), key, kind, id); err != nil {
		r.log.Warn("refused record not replaced yet; will retry", "key", key, "error", err)
	}
}
