package registry

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/hostd/hostd/host/internal/model"
)

// bucketAudit maps an 8-byte big-endian sequence number to a JSON
// model.AuditEntry; the bucket's sequence is the last number given.
var bucketAudit = []byte("audit")

// AuditLimits bound the audit log. Entries beyond them are removed, oldest
// first, in the transaction that appends a new one.
type AuditLimits struct {
	// MaxEntries keeps at most this many entries. 0 means the default,
	// DefaultAuditMaxEntries.
	MaxEntries int
	// MaxAge removes entries older than this. 0 keeps entries of any age
	// (within MaxEntries).
	MaxAge time.Duration
}

// DefaultAuditMaxEntries is AuditLimits.MaxEntries when unset.
const DefaultAuditMaxEntries = 10000

func (l AuditLimits) withDefaults() AuditLimits {
	if l.MaxEntries <= 0 {
		l.MaxEntries = DefaultAuditMaxEntries
	}
	return l
}

func auditKey(seq uint64) []byte {
	return binary.BigEndian.AppendUint64(nil, seq)
}

// AppendAudit stores e with the next sequence number and the registry's
// clock when e.Time is zero, drops the entries the limits no longer keep,
// and returns e as stored.
func (r *Registry) AppendAudit(e model.AuditEntry) (model.AuditEntry, error) {
	if e.Time.IsZero() {
		e.Time = r.stamp()
	}
	err := r.db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketAudit)
		seq, err := b.NextSequence()
		if err != nil {
			return err
		}
		e.Seq = seq
		raw, err := json.Marshal(e)
		if err != nil {
			return err
		}
		if err := b.Put(auditKey(seq), raw); err != nil {
			return err
		}
		return r.pruneAudit(b, seq, e.Time)
	})
	if err != nil {
		return model.AuditEntry{}, wrap("append audit entry", err)
	}
	return e, nil
}

// pruneAudit deletes, oldest first, the entries past MaxEntries (counted
// back from last) or older than MaxAge at now. Keys are collected first:
// deleting under a moving bbolt cursor can skip keys.
func (r *Registry) pruneAudit(b *bolt.Bucket, last uint64, now time.Time) error {
	lim := r.audit
	var drop [][]byte
	c := b.Cursor()
	for k, v := c.First(); k != nil; k, v = c.Next() {
		seq := binary.BigEndian.Uint64(k)
		old := last-seq >= uint64(lim.MaxEntries)
		if !old && lim.MaxAge > 0 {
			var t struct {
				Time time.Time `json:"time"`
			}
			old = json.Unmarshal(v, &t) != nil || now.Sub(t.Time) > lim.MaxAge
		}
		if !old {
			break
		}
		drop = append(drop, k)
	}
	for _, k := range drop {
		if err := b.Delete(k); err != nil {
			return err
		}
	}
	return nil
}

// Audit returns one page of the audit log (see model.AuditQuery).
func (r *Registry) Audit(q model.AuditQuery) ([]model.AuditEntry, error) {
	if q.Limit < 1 {
		q.Limit = 1
	}
	var out []model.AuditEntry
	err := r.db.View(func(tx *bolt.Tx) error {
		c := tx.Bucket(bucketAudit).Cursor()
		var k, v []byte
		step := c.Next
		switch {
		case q.Ascending:
			k, v = c.Seek(auditKey(q.After + 1))
		case q.Before == 0:
			k, v = c.Last()
			step = c.Prev
		default:
			if k, _ = c.Seek(auditKey(q.Before)); k == nil {
				k, v = c.Last() // every entry is before q.Before
			} else {
				k, v = c.Prev()
			}
			step = c.Prev
		}
		for ; k != nil && len(out) < q.Limit; k, v = step() {
			var e model.AuditEntry
			if err := json.Unmarshal(v, &e); err != nil {
				return fmt.Errorf("audit entry %d: %w", binary.BigEndian.Uint64(k), err)
			}
			out = append(out, e)
		}
		return nil
	})
	if err != nil {
		return nil, wrap("read audit log", err)
	}
	return out, nil
}
