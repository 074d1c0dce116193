//go:build unix

package engine

import "syscall"

// mapRegion reserves n bytes of zeroed, private address space. Pages take
// memory only once written; wazero never lets a guest touch bytes beyond
// its memory's current size.
func mapRegion(n int) ([]byte, func(), error) {
	if n == 0 {
		return []byte{}, func() {}, nil
	}
	b, err := syscall.Mmap(-1, 0, n, syscall.PROT_READ|syscall.PROT_WRITE,
		syscall.MAP_PRIVATE|syscall.MAP_ANON|syscall.MAP_NORESERVE)
	if err != nil {
		return nil, nil, err
	}
	return b, func() { _ = syscall.Munmap(b) }, nil
}
