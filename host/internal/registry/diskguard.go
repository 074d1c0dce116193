package registry

import (
	"fmt"
	"sync"
	"time"
)

// diskProbeEvery is how long a free-space reading is trusted.
const diskProbeEvery = time.Second

// diskGuard refuses KV writes while the file system holding the registry
// has less than reserve bytes free. It probes at most once per
// diskProbeEvery and, in between, subtracts what KV writes added, so a
// write loop cannot run far past the reserve between two probes. A probe
// that fails (an unsupported file system) does not refuse anything.
type diskGuard struct {
	probe   func() (uint64, error)
	reserve uint64

	mu     sync.Mutex
	probed int64  // unix nanos of the last probe; 0: never
	free   uint64 // at the last probe, minus KV growth since
	known  bool   // the last probe succeeded
}

// check returns an error wrapping ErrNoSpace when free space is below the
// reserve at now (unix nanos).
func (g *diskGuard) check(now int64) error {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.probed == 0 || now-g.probed >= int64(diskProbeEvery) || now < g.probed {
		free, err := g.probe()
		g.probed, g.free, g.known = now, free, err == nil
	}
	if g.known && g.free < g.reserve {
		return fmt.Errorf("%w: %d bytes free on the registry's file system, the kv disk reserve is %d",
			ErrNoSpace, g.free, g.reserve)
	}
	return nil
}

// spent records that a KV write grew the store by n bytes.
func (g *diskGuard) spent(n int64) {
	if n <= 0 {
		return
	}
	g.mu.Lock()
	g.free -= min(g.free, uint64(n))
	g.mu.Unlock()
}

// KVDiskCheck returns an error wrapping ErrNoSpace while free space on the
// registry's file system is below KVLimits.DiskReserve (the reading KVPut
// uses, at most a second old), so that KV kept elsewhere on the same disk
// can keep the reserve too.
func (r *Registry) KVDiskCheck() error {
	return r.disk.check(r.now().UnixNano())
}
