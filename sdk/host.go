package sdk

import (
	"time"

	"github.com/hostd/hostd/abi"
	"github.com/hostd/hostd/sdk/internal/imports"
)

// Config returns the plugin binding's configuration: JSON bytes, "{}" when
// none was given. The slice belongs to the caller. Read it in the
// HandleConfigure callback and keep what you parsed.
func Config() []byte { return readBytes(imports.GetConfig) }

// Log writes msg at level through the host's logger; the host tags the line
// with the plugin's name and version and may rate-limit it.
func Log(level abi.LogLevel, msg string) { imports.Log(level, bytesOf(msg)) }

// LogEnabled reports whether a line at level would be written. Check it
// before building an expensive debug message.
func LogEnabled(level abi.LogLevel) bool { return imports.LogEnabled(level) }

// Debug logs msg at debug level.
func Debug(msg string) { Log(abi.LogLevelDebug, msg) }

// Info logs msg at info level.
func Info(msg string) { Log(abi.LogLevelInfo, msg) }

// Warn logs msg at warn level.
func Warn(msg string) { Log(abi.LogLevelWarn, msg) }

// Error logs msg at error level.
func Error(msg string) { Log(abi.LogLevelError, msg) }

// Now returns the host's wall clock. Use it instead of time.Now: the WASI
// clock a guest sees may be fake or coarse, depending on the host.
func Now() time.Time { return time.Unix(0, imports.Now()) }

// randomChunk is the most Random asks the host for in one call.
const randomChunk = 64 << 10

// Random fills buf with bytes from the host's cryptographic source.
func Random(buf []byte) {
	for len(buf) > 0 {
		n := min(len(buf), randomChunk)
		imports.Random(buf[:n])
		buf = buf[n:]
	}
}

// EnableFeatures asks the host for optional parts of the ABI and returns
// the set it enabled for this instance (a subset of want, plus any enabled
// before). Call it in the HandleConfigure callback or during a request.
func EnableFeatures(want abi.Features) abi.Features { return imports.EnableFeatures(want) }
