package host

import "github.com/hostd/hostd/host/internal/bus"

// BusOf returns a started host's bus, so that the external tests can
// subscribe responders on the host's own NATS server.
func BusOf(h *Host) *bus.Bus { return h.bus }

// ReplicaSynced is closed when a cluster node finished its first sync
// (nil for a single node).
func ReplicaSynced(h *Host) <-chan struct{} {
	if h.repl == nil {
		return nil
	}
	return h.repl.Synced()
}

// JWTPolicyCacheBytes returns the accounted bytes of the host's cache of
// parsed jwt_verify policies.
func JWTPolicyCacheBytes(h *Host) int64 { return h.keys.policyBytes() }

// JWTPolicyCacheBounds returns the per-binding and the total bound of that
// cache.
func JWTPolicyCacheBounds() (perBinding, total int64) {
	return policyCachePerBinding, policyCacheTotal
}

// JWTTokenCache returns the accounted bytes and the entries of the host's
// cache of verified tokens.
func JWTTokenCache(h *Host) (bytes int64, entries int) {
	return h.keys.tokenBytes(), h.keys.tokens.Len()
}

// JWTTokenCacheBounds returns the per-binding and the total bound of that
// cache.
func JWTTokenCacheBounds() (perBinding, total int64) {
	return tokenCachePerBinding, tokenCacheTotal
}
