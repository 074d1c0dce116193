package policy

import "time"

// The breaker's state machine. Every method here requires that br.mu is
// held. Times are clamped to the latest one seen, so callers racing on a
// clock cannot move a breaker backwards.

// configure applies cfg when it differs from the last one seen; a new
// Window forgets the counts.
func (br *breaker) configure(cfg BreakerConfig) {
	if br.used && cfg == br.cfg {
		return
	}
	c := cfg.norm()
	if !br.used || c.window != br.c.window {
		br.r.reset(c.window)
	}
	if !br.used {
		br.openedAt, br.last = never, never
	}
	br.used, br.cfg, br.c = true, cfg, c
}

// clock returns t, or the latest time seen if that is later.
func (br *breaker) clock(t int64) int64 {
	br.last = max(br.last, t)
	return br.last
}

func (br *breaker) allow(cfg BreakerConfig, t int64) (bool, State, time.Duration) {
	br.configure(cfg)
	t = br.clock(t)
	if br.state == Open {
		until := br.openedAt + br.c.openFor
		if t < until {
			return false, Open, time.Duration(until - t)
		}
		br.state, br.probes, br.reported, br.passed = HalfOpen, 0, 0, 0
	}
	if br.state == HalfOpen {
		if br.probes >= br.c.probe {
			return false, HalfOpen, time.Duration(br.c.openFor)
		}
		br.probes++
	}
	return true, br.state, 0
}

func (br *breaker) report(cfg BreakerConfig, success bool, latency, t int64) State {
	br.configure(cfg)
	t = br.clock(t)
	switch br.state {
	case Closed:
		br.r.add(t, success, latency)
		if success {
			br.consec = 0
		} else if br.consec++; br.trips(t) {
			br.open(t)
		}
	case HalfOpen:
		if br.reported >= br.probes {
			break // not the outcome of a probe
		}
		br.reported++
		if !success {
			br.open(t)
		} else if br.passed++; br.passed >= br.c.probe {
			br.state, br.consec = Closed, 0
			br.r.reset(br.c.window)
		}
	}
	return br.state
}

// trips reports whether the closed breaker must open at t.
func (br *breaker) trips(t int64) bool {
	if br.c.consec > 0 && br.consec >= br.c.consec {
		return true
	}
	if br.c.ppm == 0 {
		return false
	}
	c := br.r.sum(t)
	total := c.ok + c.fail
	return total >= int64(br.c.minReq) && c.fail*1e6 >= br.c.ppm*total
}

func (br *breaker) open(t int64) {
	br.state, br.openedAt, br.consec = Open, t, 0
	br.opened++
	br.r.reset(br.c.window)
}
