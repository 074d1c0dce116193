// Package hostile is the hostile-plugin acceptance suite of issue 8
// ("no plugin, however small or hostile, can freeze, crash or starve the
// host"). Its tests run the real hostd binary as a child process — built
// once per test binary — and attack it with generated WebAssembly modules
// (package wasmgen) and small WAT sources compiled at test time (package
// wabt); nothing generated is committed. The harness (Start, Hostd) owns
// the child: temp data directory, free ports learnt from the "hostd
// started" log line, an admin token, HTTP helpers with a timeout on every
// request, RSS from /proc, SIGTERM/SIGKILL and restarts, a watchdog that
// kills a child whose RSS passes HarnessRSSCeiling, and the stderr tail
// printed when a test fails. The figures asserted are in bounds.go; what
// each test asserts is in README.md.
package hostile
