//go:build unix

package engine

import (
	"sync"
	"syscall"
)

// Regions are reserved once and reused: a closed instance's pages are
// given back with madvise(MADV_DONTNEED), which reads as zeros the next
// time they are touched, instead of munmap, whose exclusive lock on the
// address space stalls every page fault of the process while it runs.
var regions = struct {
	sync.Mutex
	free map[int][][]byte // by size
	n    int
}{free: map[int][][]byte{}}

// maxPooledRegions bounds the address space kept for reuse.
const maxPooledRegions = 256

// mapRegion reserves n bytes of zeroed, private address space. Pages take
// memory only once written; wazero never lets a guest touch bytes beyond
// its memory's current size. The release function gives the pages back.
func mapRegion(n int) ([]byte, func(), error) {
	if n == 0 {
		return []byte{}, func() {}, nil
	}
	regions.Lock()
	var b []byte
	if l := regions.free[n]; len(l) > 0 {
		b = l[len(l)-1]
		regions.free[n] = l[:len(l)-1]
		regions.n--
	}
	regions.Unlock()
	if b == nil {
		var err error
		b, err = syscall.Mmap(-1, 0, n, syscall.PROT_READ|syscall.PROT_WRITE,
			syscall.MAP_PRIVATE|syscall.MAP_ANON|syscall.MAP_NORESERVE)
		if err != nil {
			return nil, nil, err
		}
	}
	return b, func() { releaseRegion(b) }, nil
}

func releaseRegion(b []byte) {
	if err := syscall.Madvise(b, syscall.MADV_DONTNEED); err != nil {
		_ = syscall.Munmap(b)
		return
	}
	regions.Lock()
	defer regions.Unlock()
	if regions.n >= maxPooledRegions {
		_ = syscall.Munmap(b)
		return
	}
	regions.free[len(b)] = append(regions.free[len(b)], b)
	regions.n++
}
