package policy

import (
	"strings"
	"time"
)

// Scoped names keep the names of different scopes (plugins, in hostd)
// apart in one table: the key is scope, a NUL byte, then the name. A
// scope holds no NUL (hostd's plugin names cannot), so the first NUL ends
// it and two different (scope, name) pairs never share a key.
const scopeSep = 0

// maxScopedKey is the longest key built on the stack; longer ones (a name
// over the ABI's 256 bytes, or a long scope) are built on the heap.
const maxScopedKey = 320

// scopedKey returns scope, NUL, name, in buf when it fits.
func scopedKey(buf *[maxScopedKey]byte, scope string, name []byte) []byte {
	k := buf[:0]
	if len(scope)+1+len(name) > len(buf) {
		k = make([]byte, 0, len(scope)+1+len(name))
	}
	return append(append(append(k, scope...), scopeSep), name...)
}

// SplitScoped returns the scope and the name of a key built by the Scoped
// methods (BreakerInfo.Name of a scoped breaker); a key without a scope
// has scope "".
func SplitScoped(key string) (scope, name string) {
	if s, n, ok := strings.Cut(key, string(rune(scopeSep))); ok {
		return s, n
	}
	return "", key
}

// TakeScoped is TakeAs with name looked up in scope: a name in one scope
// is never the same bucket as in another. It does not allocate unless it
// creates the bucket.
func (l *Limiters) TakeScoped(scope, owner string, name []byte, lim Limits, cost int64, now time.Time) (Decision, error) {
	var buf [maxScopedKey]byte
	return l.TakeAs(owner, scopedKey(&buf, scope, name), lim, cost, now)
}

// AllowScoped is AllowAs with name looked up in scope (see TakeScoped).
func (b *Breakers) AllowScoped(scope, owner string, name []byte, cfg BreakerConfig, now time.Time) (allowed bool, st State, retryAfter time.Duration) {
	var buf [maxScopedKey]byte
	return b.AllowAs(owner, scopedKey(&buf, scope, name), cfg, now)
}

// ReportScoped is ReportAs with name looked up in scope (see TakeScoped).
func (b *Breakers) ReportScoped(scope, owner string, name []byte, cfg BreakerConfig, success bool, latency time.Duration, now time.Time) State {
	var buf [maxScopedKey]byte
	return b.ReportAs(owner, scopedKey(&buf, scope, name), cfg, success, latency, now)
}
