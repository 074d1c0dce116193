package host

import (
	"net"

	"github.com/hostd/hostd/host/internal/connlimit"
	"github.com/hostd/hostd/host/internal/metrics"
)

// listenCapped listens on addr with at most max connections open at once
// (server.max_connections, server.admin_max_connections).
func listenCapped(addr string, max int) (net.Listener, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, err
	}
	return connlimit.New(ln, max), nil
}

// connectionMetrics reports the listeners' open connections and caps.
func (h *Host) connectionMetrics() []metrics.Listener {
	var out []metrics.Listener
	for _, l := range []struct {
		name string
		ln   net.Listener
	}{{"data", h.dataLn}, {"admin", h.adminLn}} {
		if c, ok := l.ln.(*connlimit.Listener); ok {
			out = append(out, metrics.Listener{Name: l.name, Open: c.Open(), Max: c.Max()})
		}
	}
	return out
}
