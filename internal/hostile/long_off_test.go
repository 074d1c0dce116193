//go:build !hostile_long

package hostile

// longRun is true with -tags hostile_long: bigger modules, longer attacks,
// sweeps (see README.md).
const longRun = false
