package engine

import (
	"context"
	"encoding/binary"
	"time"

	"github.com/hostd/hostd/abi"
	"github.com/tetratelabs/wazero/api"
)

// JWTVerifier verifies tokens against the host's named key sets. The keys
// stay in the host; only claims or a reason reach the guest.
type JWTVerifier interface {
	// VerifyJWT returns the verified claims (a JSON object) with StatusOK,
	// or a short reason with StatusDenied (invalid token), StatusNotFound
	// (no such key set) or StatusInvalidArgument (bad policy). The engine
	// calls it only with a key set the owner's binding is granted; what it
	// caches for the call (the parsed policy, the verified token) is
	// charged to owner.Binding. The engine only reads out (it may be the
	// verifier's cached copy).
	VerifyJWT(owner Owner, keyset, token, policy []byte, now time.Time) (out []byte, st abi.Status)
}

// RateDecision is the outcome of RateLimiter.Take.
type RateDecision struct {
	Allowed           bool
	Limit, Remaining  int64
	Reset, RetryAfter time.Duration
}

// RateLimiter holds named token buckets, one namespace per plugin.
type RateLimiter interface {
	// Take takes from owner.Plugin's bucket called name; owner.Binding is
	// charged for the bucket if this call creates it.
	Take(owner Owner, name []byte, rate int64, period time.Duration, burst, cost int64, alg abi.RateLimitAlgorithm, now time.Time) RateDecision
}

// BreakerConfig configures a named circuit breaker (decoded from the guest's
// abi.BreakerConfigSize bytes).
type BreakerConfig struct {
	Window, OpenFor     time.Duration
	MinRequests         int
	ConsecutiveFailures int
	HalfOpenRequests    int
	FailureRatio        float64 // 0 = off
}

// Breakers holds named circuit breakers, one namespace per plugin.
type Breakers interface {
	// Allow and Report use owner.Plugin's breaker called name;
	// owner.Binding is charged for the breaker if the call creates it.
	Allow(owner Owner, name []byte, cfg BreakerConfig, now time.Time) (allowed bool, st abi.BreakerState, retryAfter time.Duration)
	Report(owner Owner, name []byte, cfg BreakerConfig, success bool, latency time.Duration, now time.Time) abi.BreakerState
}

const maxStateName = 256

// maxJWTPolicy bounds the policy jwt_verify accepts (abi/SPEC.md).
const maxJWTPolicy = 4096

// ceilMillis rounds a duration up to whole milliseconds, so a wait that is
// not over is never reported as 0.
func ceilMillis(d time.Duration) uint64 {
	if d <= 0 {
		return 0
	}
	return uint64((d + time.Millisecond - 1) / time.Millisecond)
}

func stateName(m api.Module, ptr, n uint64, fn string) ([]byte, bool) {
	l := api.DecodeU32(n)
	if l == 0 || l > maxStateName {
		return nil, false
	}
	return read(m, api.DecodeU32(ptr), l, fn), true
}

func jwtVerify(ctx context.Context, m api.Module, stack []uint64) {
	i := instanceOf(ctx)
	i.needPhase("jwt_verify", anyPhase...)
	v := i.p.cfg.JWT
	keyset := read(m, u32ToU(stack[0]), u32ToU(stack[1]), "jwt_verify")
	token := read(m, u32ToU(stack[2]), u32ToU(stack[3]), "jwt_verify")
	policy := read(m, u32ToU(stack[4]), u32ToU(stack[5]), "jwt_verify")
	switch {
	case v == nil:
		stack[0] = abi.PackStatusLen(abi.StatusUnsupported, 0)
		return
	case len(policy) > maxJWTPolicy:
		// Verifiers keep parsed policies by their bytes; a guest must not
		// make them keep megabytes.
		stack[0] = abi.PackStatusLen(abi.StatusInvalidArgument, 0)
		return
	case !i.p.b.grantsKeySet(keyset):
		// Not granted to this binding: indistinguishable from a key set
		// that does not exist, so a plugin learns nothing of other sets.
		stack[0] = abi.PackStatusLen(abi.StatusNotFound, 0)
		return
	}
	out, st := v.VerifyJWT(i.p.owner, keyset, token, policy, time.Now())
	if st != abi.StatusOK && st != abi.StatusDenied {
		out = nil // only claims or a rejection reason reach the guest
	}
	stack[0] = abi.PackStatusLen(st, writeBytes(m, u32ToU(stack[6]), u32ToU(stack[7]), out, "jwt_verify"))
}

func rateLimitTake(ctx context.Context, m api.Module, stack []uint64) {
	i := instanceOf(ctx)
	i.needPhase("ratelimit_take", anyPhase...)
	rl := i.p.cfg.RateLimits
	name, ok := stateName(m, stack[0], stack[1], "ratelimit_take")
	rate, periodMs, burst, cost := int64(stack[2]), int64(stack[3]), int64(stack[4]), int64(stack[5])
	alg := abi.RateLimitAlgorithm(api.DecodeU32(stack[6]))
	out := u32ToU(stack[7])
	switch {
	case rl == nil:
		stack[0] = uint64(abi.StatusUnsupported)
		return
	case !ok || rate <= 0 || periodMs <= 0 || burst < 0 || cost < 0 || alg > abi.RateLimitSlidingWindow:
		stack[0] = uint64(abi.StatusInvalidArgument)
		return
	}
	needOut(m, out, abi.RateLimitOutSize, "ratelimit_take")
	d := rl.Take(i.p.owner, name, rate, millis(periodMs), burst, cost, alg, time.Now())
	if out != 0 {
		// Written in place (a view of guest memory, checked by needOut):
		// a local array passed to Memory.Write would escape, one
		// allocation per call.
		b := read(m, out, abi.RateLimitOutSize, "ratelimit_take")
		binary.LittleEndian.PutUint64(b[0:], uint64(d.Limit))
		binary.LittleEndian.PutUint64(b[8:], uint64(d.Remaining))
		binary.LittleEndian.PutUint64(b[16:], ceilMillis(d.Reset))
		binary.LittleEndian.PutUint64(b[24:], ceilMillis(d.RetryAfter))
	}
	if d.Allowed {
		stack[0] = uint64(abi.StatusOK)
	} else {
		stack[0] = uint64(abi.StatusDenied)
	}
}

// breakerConfig decodes the guest's BreakerConfig; ok is false when a value
// is out of range.
func breakerConfig(m api.Module, ptr uint32, fn string) (BreakerConfig, bool) {
	b := read(m, ptr, abi.BreakerConfigSize, fn)
	le := binary.LittleEndian
	c := BreakerConfig{
		Window:              millisU(le.Uint64(b[0:])),
		OpenFor:             millisU(le.Uint64(b[8:])),
		MinRequests:         int(le.Uint32(b[16:])),
		ConsecutiveFailures: int(le.Uint32(b[20:])),
		HalfOpenRequests:    int(le.Uint32(b[24:])),
		FailureRatio:        float64(le.Uint32(b[28:])) / 1e6,
	}
	ok := c.Window > 0 && c.OpenFor > 0 && c.HalfOpenRequests > 0 && c.FailureRatio <= 1 &&
		(c.FailureRatio > 0 || c.ConsecutiveFailures > 0)
	return c, ok
}

func breakerAllow(ctx context.Context, m api.Module, stack []uint64) {
	i := instanceOf(ctx)
	i.needPhase("breaker_allow", anyPhase...)
	br := i.p.cfg.Breakers
	name, okName := stateName(m, stack[0], stack[1], "breaker_allow")
	cfg, okCfg := breakerConfig(m, u32ToU(stack[2]), "breaker_allow")
	out := u32ToU(stack[3])
	switch {
	case br == nil:
		stack[0] = uint64(abi.StatusUnsupported)
		return
	case !okName || !okCfg:
		stack[0] = uint64(abi.StatusInvalidArgument)
		return
	}
	needOut(m, out, abi.BreakerOutSize, "breaker_allow")
	allowed, st, retry := br.Allow(i.p.owner, name, cfg, time.Now())
	if out != 0 {
		b := read(m, out, abi.BreakerOutSize, "breaker_allow") // in place, as in ratelimit_take
		clear(b)
		binary.LittleEndian.PutUint32(b[0:], uint32(st))
		binary.LittleEndian.PutUint64(b[8:], ceilMillis(retry))
	}
	if allowed {
		stack[0] = uint64(abi.StatusOK)
	} else {
		stack[0] = uint64(abi.StatusUnavailable)
	}
}

func breakerReport(ctx context.Context, m api.Module, stack []uint64) {
	i := instanceOf(ctx)
	i.needPhase("breaker_report", anyPhase...)
	br := i.p.cfg.Breakers
	name, okName := stateName(m, stack[0], stack[1], "breaker_report")
	cfg, okCfg := breakerConfig(m, u32ToU(stack[2]), "breaker_report")
	if br == nil || !okName || !okCfg {
		stack[0] = uint64(abi.BreakerClosed)
		return
	}
	latency := millis(max(int64(stack[4]), 0))
	stack[0] = uint64(br.Report(i.p.owner, name, cfg, api.DecodeU32(stack[3]) != 0, latency, time.Now()))
}
