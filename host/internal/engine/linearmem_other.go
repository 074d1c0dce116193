//go:build !unix

package engine

// mapRegion allocates n zeroed bytes from the Go heap where mmap is not
// available.
func mapRegion(n int) ([]byte, func(), error) {
	return make([]byte, n), func() {}, nil
}
