package policy

import "math/bits"

// Exact integer arithmetic for the limiters. Times are int64 nanoseconds
// since the owner's epoch; products that may exceed 64 bits go through
// math/bits 128-bit multiply and divide, so no rate, period or burst loses
// precision and nothing drifts.

// never is a time long before any real one: the state of a bucket or
// window that has never been used. Far enough from math.MinInt64 that
// adding a period cannot overflow.
const never = -1 << 62

// maxSpan bounds every duration the limiters compute (about 36 years), so
// that a time plus a span never overflows int64.
const maxSpan = 1 << 60

// span is a duration of ns + frac/den nanoseconds with 0 <= frac < den,
// where den is the bucket's Rate. It represents multiples of the token
// bucket's emission interval Period/Rate exactly.
type span struct {
	ns, frac int64
}

func (a span) add(b span, den int64) span {
	a.ns += b.ns
	a.frac += b.frac
	if a.frac >= den {
		a.frac -= den
		a.ns++
	}
	return a
}

func (a span) sub(b span, den int64) span {
	a.ns -= b.ns
	a.frac -= b.frac
	if a.frac < 0 {
		a.frac += den
		a.ns--
	}
	return a
}

func (a span) less(b span) bool {
	return a.ns < b.ns || (a.ns == b.ns && a.frac < b.frac)
}

// ceil rounds a up to whole nanoseconds.
func (a span) ceil() int64 {
	if a.frac > 0 {
		return a.ns + 1
	}
	return a.ns
}

// scaled returns n*period/rate as a span with denominator rate; ok is false
// when it is longer than maxSpan. All arguments must be non-negative and
// rate positive.
func scaled(n, period, rate int64) (s span, ok bool) {
	hi, lo := bits.Mul64(uint64(n), uint64(period))
	if hi >= uint64(rate) {
		return span{}, false
	}
	q, r := bits.Div64(hi, lo, uint64(rate))
	if q > maxSpan {
		return span{}, false
	}
	return span{int64(q), int64(r)}, true
}

// perSpan returns floor(s*rate/period): how many emission intervals fit in
// s, saturating at limit.
func perSpan(s span, rate, period, limit int64) int64 {
	if s.ns < 0 {
		return 0
	}
	hi, lo := bits.Mul64(uint64(s.ns), uint64(rate))
	var c uint64
	lo, c = bits.Add64(lo, uint64(s.frac), 0)
	hi += c
	if hi >= uint64(period) {
		return limit
	}
	q, _ := bits.Div64(hi, lo, uint64(period))
	if q > uint64(limit) {
		return limit
	}
	return int64(q)
}

// mulDiv returns a*b/c rounded down (or up when ceil is set). The result
// must fit: callers guarantee a <= c, so it is at most b. All arguments
// are non-negative and c positive.
func mulDiv(a, b, c int64, ceil bool) int64 {
	hi, lo := bits.Mul64(uint64(a), uint64(b))
	q, r := bits.Div64(hi, lo, uint64(c))
	if ceil && r != 0 {
		q++
	}
	return int64(q)
}

// floorDiv returns a/b rounded towards minus infinity, for b > 0.
func floorDiv(a, b int64) int64 {
	q := a / b
	if a%b < 0 {
		q--
	}
	return q
}
