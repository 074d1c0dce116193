package policy

import "time"

// takeToken is the token bucket as a GCRA (generic cell rate algorithm):
// the bucket is the theoretical arrival time tat of the next token; it is
// full when tat <= now and empty when tat >= now + tau. Taking n tokens
// moves tat by n emission intervals (Period/Rate), held exactly as a span
// with denominator Rate. It requires that b.mu is held.
func (b *bucket) takeToken(cost, t int64) (Decision, error) {
	rate, period := b.lim.Rate, int64(b.lim.Period)
	now := span{t, 0}
	tat := b.tat
	if tat.less(now) {
		tat = now
	}
	full := now.add(b.p.tau, rate) // tat may not pass this
	d := Decision{Limit: b.p.burst}
	var err error
	if cost > b.p.burst {
		err = ErrCostExceedsLimit
	} else {
		need, _ := scaled(cost, period, rate) // cost <= burst: fits
		next := tat.add(need, rate)
		if d.Allowed = !full.less(next); d.Allowed {
			tat, b.tat = next, next
		} else {
			d.RetryAfter = time.Duration(next.sub(full, rate).ceil())
		}
	}
	d.Remaining = perSpan(full.sub(tat, rate), rate, period, b.p.burst)
	d.Reset = time.Duration(tat.sub(now, rate).ceil())
	return d, err
}

// roll advances the sliding window to t (or to the latest time seen, if
// later) and returns the offset of that time in the current window and
// the estimated count over the last Period: the current window's count
// plus the previous one's weighted by how much of it the last Period
// still overlaps, rounded down (only whole requests of the previous window
// count; rounding up would refuse the last request of every window under
// steady load). It requires that b.mu is held.
func (b *bucket) roll(t int64) (e, used int64) {
	period := int64(b.lim.Period)
	b.last = max(b.last, t)
	idx := floorDiv(b.last, period)
	switch {
	case idx == b.win+1:
		b.prev, b.cur = b.cur, 0
	case idx > b.win:
		b.prev, b.cur = 0, 0
	}
	b.win = idx
	e = b.last - idx*period
	return e, b.cur + mulDiv(b.prev, period-e, period, false)
}

// takeWindow is the sliding window: admit cost when the estimated count
// over the last Period plus cost is at most Rate. It requires that b.mu
// is held.
func (b *bucket) takeWindow(cost, t int64) (Decision, error) {
	rate, period := b.lim.Rate, int64(b.lim.Period)
	e, used := b.roll(t)
	d := Decision{Limit: rate, Reset: time.Duration(period - e)}
	var err error
	switch {
	case cost > rate:
		err = ErrCostExceedsLimit
	case used+cost <= rate:
		d.Allowed = true
		b.cur += cost
		used += cost
	default:
		d.RetryAfter = time.Duration(b.windowWait(cost, e))
	}
	d.Remaining = max(rate-used, 0)
	return d, err
}

// windowWait returns how long from offset e until cost fits, assuming no
// other takes: within the current window while the previous window's
// weight decays, or else in the next one. It requires that b.mu is held
// and that cost <= Rate does not fit now.
func (b *bucket) windowWait(cost, e int64) int64 {
	rate, period := b.lim.Rate, int64(b.lim.Period)
	if avail := rate - b.cur - cost; avail >= 0 {
		// The previous window's weight must drop to avail; it is above now,
		// so prev > avail.
		return decayed(b.prev, avail, period) - e
	}
	// In the next window, the current one is the previous one: cur > rate-cost >= 0.
	return period - e + decayed(b.cur, rate-cost, period)
}

// decayed returns the first offset x in a window at which n requests of
// the previous window weigh at most k: floor(n*(period-x)/period) <= k,
// that is x >= period + 1 - ceil((k+1)*period/n). It requires n > k >= 0.
func decayed(n, k, period int64) int64 {
	return period + 1 - mulDiv(k+1, period, n, true)
}
