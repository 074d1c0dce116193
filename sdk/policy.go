package sdk

import (
	"encoding/binary"
	"math"
	"time"

	"github.com/hostd/hostd/abi"
	"github.com/hostd/hostd/sdk/internal/imports"
)

// emptyPolicy is sent when VerifyJWT gets no policy: signature and time
// checks only.
var emptyPolicy = []byte("{}")

// JWTError is returned by VerifyJWT when the host rejected the token. It
// matches ErrDenied with errors.Is. Reason is one of the host's short fixed
// texts (it never echoes the token), fit for logs and for RFC 6750's
// error_description.
type JWTError struct {
	// Reason is the host's short explanation, e.g. "token expired".
	Reason string
}

// Error returns "sdk: jwt denied: " and the reason.
func (e *JWTError) Error() string { return "sdk: jwt denied: " + e.Reason }

// Unwrap returns ErrDenied, so errors.Is(err, ErrDenied) holds.
func (e *JWTError) Unwrap() error { return ErrDenied }

// VerifyJWT verifies token (compact form, without "Bearer ") in the host
// against the key set called keyset, under policy: a JSON object with the
// optional members "issuer", "audience", "algorithms" and "leeway_ms"
// (build it once, e.g. with JWTPolicy.JSON in the configure callback; nil
// means "{}"). The keys never enter the plugin.
//
// It returns the token's claims (a JSON object the caller owns) when the
// token is valid, a *JWTError when the host rejected it, ErrNotFound for an
// unknown key set, ErrInvalidArgument for a bad policy and ErrUnsupported
// when the host offers no JWT verification.
func VerifyJWT(keyset, token string, policy []byte) (claims []byte, err error) {
	return AppendJWTClaims(nil, keyset, token, policy)
}

// JWTPolicy is the policy VerifyJWT applies besides the signature, "exp"
// and "nbf". Empty fields are not checked.
type JWTPolicy struct {
	// Issuer must equal the token's "iss".
	Issuer string
	// Audience: the token's "aud" must contain at least one of these.
	Audience []string
	// Algorithms lists the "alg" values accepted, e.g. "RS256".
	Algorithms []string
	// Leeway is the tolerance for "exp" and "nbf" (whole milliseconds).
	Leeway time.Duration
}

// JSON encodes p as the policy JSON of the ABI. Call it once and keep the
// bytes.
func (p JWTPolicy) JSON() []byte {
	b := []byte{'{'}
	sep := func() {
		if len(b) > 1 {
			b = append(b, ',')
		}
	}
	if p.Issuer != "" {
		b = appendJSONString(append(b, `"issuer":`...), p.Issuer)
	}
	for _, f := range []struct {
		name string
		vals []string
	}{{"audience", p.Audience}, {"algorithms", p.Algorithms}} {
		if len(f.vals) == 0 {
			continue
		}
		sep()
		b = append(append(append(b, '"'), f.name...), `":[`...)
		for i, v := range f.vals {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendJSONString(b, v)
		}
		b = append(b, ']')
	}
	if p.Leeway > 0 {
		sep()
		b = appendInt(append(b, `"leeway_ms":`...), p.Leeway.Milliseconds())
	}
	return append(b, '}')
}

// appendJSONString appends s as a JSON string.
func appendJSONString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '"' || c == '\\':
			b = append(b, '\\', c)
		case c < 0x20:
			b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
		default:
			b = append(b, c)
		}
	}
	return append(b, '"')
}

// appendInt appends the decimal form of a non-negative n.
func appendInt(b []byte, n int64) []byte {
	var d [20]byte
	i := len(d)
	for {
		i--
		d[i] = byte('0' + n%10)
		if n /= 10; n == 0 {
			break
		}
	}
	return append(b, d[i:]...)
}

// Limit configures a host rate-limit bucket.
type Limit struct {
	// Rate is how many tokens are added (or admitted) per Period; > 0.
	Rate int64
	// Period is rounded up to whole milliseconds; > 0.
	Period time.Duration
	// Burst is the token bucket's capacity; 0 means Rate.
	Burst int64
	// Algorithm is abi.RateLimitTokenBucket (the zero value) or
	// abi.RateLimitSlidingWindow (which ignores Burst).
	Algorithm abi.RateLimitAlgorithm
}

// RateDecision is the outcome of RateLimit.
type RateDecision struct {
	// Allowed reports whether the cost was taken.
	Allowed bool
	// Limit is the bucket's capacity and Remaining what is left after this
	// take: the values of the RateLimit-Limit and -Remaining headers.
	Limit, Remaining int64
	// Reset is how long until the bucket is full again (token bucket) or
	// the current window ends (sliding window).
	Reset time.Duration
	// RetryAfter is 0 when allowed, else how long until the same cost
	// would be allowed if nobody else takes in between.
	RetryAfter time.Duration
}

// RateLimit takes cost tokens (0: just look) from the host bucket called
// name. Names are global to the host: every instance of every plugin
// naming the same bucket shares it, so prefix names with something of
// your own. Being limited is not an error: it returns Allowed false and a
// nil error. Errors are ErrInvalidArgument (bad name or limits) and
// ErrUnsupported (the host has no rate limiting). It does not allocate.
func RateLimit(name string, l Limit, cost int64) (RateDecision, error) {
	st, out := imports.RateLimitTake(bytesOf(name), l.Rate, ceilMillis(l.Period), l.Burst, cost, l.Algorithm)
	if st != abi.StatusOK && st != abi.StatusDenied {
		return RateDecision{}, errOf(st)
	}
	return RateDecision{
		Allowed:    st == abi.StatusOK,
		Limit:      clampInt64(out.Limit),
		Remaining:  clampInt64(out.Remaining),
		Reset:      millis(out.ResetMillis),
		RetryAfter: millis(out.RetryAfterMillis),
	}, nil
}

// ceilMillis converts d to milliseconds, rounding up so that a positive
// duration never becomes 0.
func ceilMillis(d time.Duration) int64 {
	if d <= 0 {
		return int64(d / time.Millisecond)
	}
	return int64((d-1)/time.Millisecond) + 1
}

func clampInt64(v uint64) int64 { return int64(min(v, math.MaxInt64)) }

func millis(ms uint64) time.Duration {
	return time.Duration(min(ms, uint64(math.MaxInt64/int64(time.Millisecond)))) * time.Millisecond
}

// BreakerConfig configures a host circuit breaker. Zero durations and a
// zero HalfOpenRequests take the defaults.
type BreakerConfig struct {
	// Window is the span over which FailureRatio is computed (rounded up
	// to whole milliseconds). Default 10s.
	Window time.Duration
	// OpenFor is how long the breaker stays open before probing. Default 5s.
	OpenFor time.Duration
	// MinRequests is how many outcomes the window must hold before
	// FailureRatio can open the breaker (0 means 1).
	MinRequests int
	// ConsecutiveFailures opens the breaker after that many failures in a
	// row; 0 turns it off.
	ConsecutiveFailures int
	// HalfOpenRequests is how many probes a half-open breaker admits; all
	// must succeed to close it. Default 1.
	HalfOpenRequests int
	// FailureRatio in (0, 1] opens the breaker when failures/outcomes in
	// the window reach it; 0 turns it off. At least one of FailureRatio and
	// ConsecutiveFailures must be on.
	FailureRatio float64
}

// Breaker defaults.
const (
	DefaultBreakerWindow  = 10 * time.Second
	DefaultBreakerOpenFor = 5 * time.Second
)

// encode validates c and encodes it as the ABI's BreakerConfig.
func (c BreakerConfig) encode() (imports.BreakerConfig, error) {
	var b imports.BreakerConfig
	window, openFor, probes := c.Window, c.OpenFor, c.HalfOpenRequests
	if window == 0 {
		window = DefaultBreakerWindow
	}
	if openFor == 0 {
		openFor = DefaultBreakerOpenFor
	}
	if probes == 0 {
		probes = 1
	}
	ratio := c.FailureRatio
	switch {
	case window < 0, openFor < 0, !fitsU32(c.MinRequests), !fitsU32(c.ConsecutiveFailures),
		!fitsU32(probes), !(ratio >= 0 && ratio <= 1):
		return b, ErrInvalidArgument
	case ratio == 0 && c.ConsecutiveFailures == 0:
		return b, ErrInvalidArgument
	}
	ppm := uint32(math.Round(ratio * 1e6))
	if ratio > 0 && ppm == 0 {
		ppm = 1
	}
	le := binary.LittleEndian
	le.PutUint64(b[0:], uint64(ceilMillis(window)))
	le.PutUint64(b[8:], uint64(ceilMillis(openFor)))
	le.PutUint32(b[16:], uint32(c.MinRequests))
	le.PutUint32(b[20:], uint32(c.ConsecutiveFailures))
	le.PutUint32(b[24:], uint32(probes))
	le.PutUint32(b[28:], ppm)
	return b, nil
}

func fitsU32(n int) bool { return n >= 0 && uint64(n) <= math.MaxUint32 }

// Breaker is a host circuit breaker. Names are global to the host: every
// instance of every plugin naming the same breaker shares it. Create one
// with NewBreaker in the configure callback and keep it; a Breaker written
// as a literal also works (it encodes its Config on first use and again
// whenever Config changes). Allow and Report do not allocate.
type Breaker struct {
	Name   string
	Config BreakerConfig

	enc    imports.BreakerConfig
	encFor BreakerConfig // the Config enc was made from
	err    error         // encFor's validation error
	ok     bool          // enc, encFor and err are set
}

// NewBreaker returns the breaker called name, or ErrInvalidArgument when
// name is empty or longer than 256 bytes or cfg is invalid.
func NewBreaker(name string, cfg BreakerConfig) (*Breaker, error) {
	b := &Breaker{Name: name, Config: cfg}
	if err := b.prepare(); err != nil {
		return nil, err
	}
	return b, nil
}

// maxStateName is the longest bucket or breaker name the ABI accepts.
const maxStateName = 256

// prepare encodes Config when it changed since the last call.
func (b *Breaker) prepare() error {
	if !b.ok || b.Config != b.encFor {
		b.enc, b.err = b.Config.encode()
		b.encFor, b.ok = b.Config, true
	}
	if b.err != nil {
		return b.err
	}
	if b.Name == "" || len(b.Name) > maxStateName {
		return ErrInvalidArgument
	}
	return nil
}

// Allow asks whether a call guarded by the breaker may go ahead. When
// allowed, make the call and Report its outcome. When not, retryAfter says
// how long until asking again may succeed; this is not an error. Errors
// are ErrInvalidArgument and ErrUnsupported (the host has no breakers).
func (b *Breaker) Allow() (allowed bool, state abi.BreakerState, retryAfter time.Duration, err error) {
	if err := b.prepare(); err != nil {
		return false, abi.BreakerClosed, 0, err
	}
	st, out := imports.BreakerAllow(bytesOf(b.Name), &b.enc)
	if st != abi.StatusOK && st != abi.StatusUnavailable {
		return false, abi.BreakerClosed, 0, errOf(st)
	}
	return st == abi.StatusOK, abi.BreakerState(out.State), millis(out.RetryAfterMillis), nil
}

// Report records the outcome of a call that Allow admitted and returns the
// breaker's state after it. With an invalid breaker, or a host without
// breakers, it records nothing and returns abi.BreakerClosed.
func (b *Breaker) Report(success bool, latency time.Duration) abi.BreakerState {
	if b.prepare() != nil {
		return abi.BreakerClosed
	}
	return imports.BreakerReport(bytesOf(b.Name), &b.enc, success, max(latency.Milliseconds(), 0))
}
