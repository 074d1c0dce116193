//go:build race

package host_test

// raceEnabled: the race detector's sync.Pool drops a share of what is put
// back, on purpose, so allocation counts taken under it are not the
// program's.
const raceEnabled = true
