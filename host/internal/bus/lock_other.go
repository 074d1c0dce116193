//go:build !unix

package bus

// lockDir is a no-op where flock is unavailable: two hostd processes on one
// data dir are not detected by the bus there (the registry's bbolt lock
// still catches them).
func lockDir(string) (func() error, error) {
	return func() error { return nil }, nil
}
