package engine

import (
	"math"
	"time"
)

// Defaults of the bounds on what host functions let a plugin make the host
// hold or send (see Config).
const (
	defaultMaxPluginHeaders       = 100
	defaultMaxPluginHeaderBytes   = 64 << 10
	defaultMaxPluginURLBytes      = 64 << 10
	defaultMaxPublishPerCall      = 100
	defaultMaxPublishBytesPerCall = 4 << 20
)

// hostCallDefaults applies the defaults of the host-function bounds.
func (c *Config) hostCallDefaults() {
	for _, d := range []struct {
		v   *int
		def int
	}{
		{&c.MaxPluginHeaders, defaultMaxPluginHeaders},
		{&c.MaxPluginHeaderBytes, defaultMaxPluginHeaderBytes},
		{&c.MaxPluginURLBytes, defaultMaxPluginURLBytes},
		{&c.MaxPublishPerCall, defaultMaxPublishPerCall},
		{&c.MaxPublishBytesPerCall, defaultMaxPublishBytesPerCall},
	} {
		if *d.v <= 0 {
			*d.v = d.def
		}
	}
}

// headerBudget counts what plugins have added to one header map of an
// exchange (Config.MaxPluginHeaders, MaxPluginHeaderBytes).
type headerBudget struct{ values, bytes int }

// take charges one value of n bytes (name plus value) if it fits and
// reports whether it did.
func (b *headerBudget) take(c *Config, n int) bool {
	if b.values >= c.MaxPluginHeaders || n > c.MaxPluginHeaderBytes-b.bytes {
		return false
	}
	b.values++
	b.bytes += n
	return true
}

// sendBudget counts the messages the running callback has sent
// (Config.MaxPublishPerCall, MaxPublishBytesPerCall).
type sendBudget struct{ messages, bytes int }

// take charges one message of n bytes (headers plus data) if it fits and
// reports whether it did.
func (b *sendBudget) take(c *Config, n int) bool {
	if b.messages >= c.MaxPublishPerCall || n > c.MaxPublishBytesPerCall-b.bytes {
		return false
	}
	b.messages++
	b.bytes += n
	return true
}

// millis converts a guest's count of milliseconds (not negative) to a
// Duration, saturating at the largest Duration instead of overflowing.
func millis(ms int64) time.Duration {
	if ms > int64(math.MaxInt64/time.Millisecond) {
		return math.MaxInt64
	}
	return time.Duration(ms) * time.Millisecond
}

// millisU is millis for an unsigned count.
func millisU(ms uint64) time.Duration {
	if ms > uint64(math.MaxInt64/time.Millisecond) {
		return math.MaxInt64
	}
	return time.Duration(ms) * time.Millisecond
}
