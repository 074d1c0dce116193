package upstream

import (
	"errors"
	"fmt"
	"net/url"
	"time"
)

// Balancing policies for Config.Balance.
const (
	// RoundRobin sends requests to the targets in turn (the default).
	RoundRobin = "round_robin"
	// Random sends each request to a target chosen uniformly at random.
	Random = "random"
	// LeastRequests sends each request to the target with the fewest
	// requests in flight; ties go round robin.
	LeastRequests = "least_requests"
)

// Defaults applied to zero fields of a Config.
const (
	DefaultTimeout          = 30 * time.Second
	DefaultFailureThreshold = 1
	DefaultCooldown         = 10 * time.Second
	DefaultRetries          = 1
)

// Config describes an upstream. The zero value of every field but Targets
// means its documented default; Validate reports every problem at once.
type Config struct {
	// Targets are absolute http or https URLs with a host. A path (and
	// query) in a target prefixes the request's. Required; no duplicates.
	Targets []string
	// Balance is RoundRobin (default), Random or LeastRequests.
	Balance string
	// Timeout bounds the exchange, retries included, until the response
	// headers arrive. Default: 30s.
	Timeout time.Duration
	// FailureThreshold is how many failures in a row take a target out of
	// rotation. Default: 1.
	FailureThreshold int
	// Cooldown is how long a failed target is skipped. Default: 10s.
	Cooldown time.Duration
	// Retries is how many other targets a request that failed before a
	// response may try, when that is safe (see the package doc).
	// Default: 1. Set NoRetries for none.
	Retries int
	// Now is the clock of the health checks. Default: time.Now. For tests.
	Now func() time.Time
}

// NoRetries is the Config.Retries value that disables retries (0 means
// the default).
const NoRetries = -1

// Validate reports every problem of c, each naming its field the way the
// admin API spells it ("upstream.targets[1]: ..."), joined with
// errors.Join. It returns nil for a usable Config.
func Validate(c Config) error {
	var errs []error
	add := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	if len(c.Targets) == 0 {
		add("upstream.targets: at least one target is required")
	}
	seen := make(map[string]int, len(c.Targets))
	for i, raw := range c.Targets {
		if _, err := parseTarget(raw); err != nil {
			add("upstream.targets[%d]: %w", i, err)
			continue
		}
		if j, dup := seen[raw]; dup {
			add("upstream.targets[%d]: duplicate of upstream.targets[%d]", i, j)
		}
		seen[raw] = i
	}
	switch c.Balance {
	case "", RoundRobin, Random, LeastRequests:
	default:
		add("upstream.balance: %q is not one of %q, %q, %q", c.Balance, RoundRobin, Random, LeastRequests)
	}
	if c.Timeout < 0 {
		add("upstream.timeout: must not be negative")
	}
	if c.FailureThreshold < 0 {
		add("upstream.failure_threshold: must not be negative")
	}
	if c.Cooldown < 0 {
		add("upstream.cooldown: must not be negative")
	}
	if c.Retries < NoRetries {
		add("upstream.retries: must be %d (none), 0 (default) or more", NoRetries)
	}
	return errors.Join(errs...)
}

// parseTarget checks one target URL.
func parseTarget(raw string) (*url.URL, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return nil, fmt.Errorf("%q is not a URL", raw)
	}
	switch {
	case u.Scheme != "http" && u.Scheme != "https":
		return nil, fmt.Errorf("%q: scheme must be http or https", raw)
	case u.Host == "" || u.Hostname() == "":
		return nil, fmt.Errorf("%q: host is missing", raw)
	case u.User != nil:
		return nil, fmt.Errorf("%q: credentials in the URL are not supported", raw)
	case u.Fragment != "" || u.RawFragment != "":
		return nil, fmt.Errorf("%q: a fragment is not allowed", raw)
	case u.Opaque != "":
		return nil, fmt.Errorf("%q: an opaque URL is not allowed", raw)
	}
	return u, nil
}

// withDefaults returns c with its zero fields set to the defaults.
func (c Config) withDefaults() Config {
	if c.Balance == "" {
		c.Balance = RoundRobin
	}
	if c.Timeout == 0 {
		c.Timeout = DefaultTimeout
	}
	if c.FailureThreshold == 0 {
		c.FailureThreshold = DefaultFailureThreshold
	}
	if c.Cooldown == 0 {
		c.Cooldown = DefaultCooldown
	}
	switch c.Retries {
	case 0:
		c.Retries = DefaultRetries
	case NoRetries:
		c.Retries = 0
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	c.Targets = append([]string(nil), c.Targets...)
	return c
}
