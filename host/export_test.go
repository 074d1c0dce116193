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
