package main

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/hostd/hostd/sdk"
	jsonconfig "github.com/hostd/hostd/sdk/config"
)

// rawConfig is the JSON configuration; docs/builtin-plugins.md documents
// every field. Pointers tell an absent field from a zero one.
type rawConfig struct {
	Name                *string           `json:"name"`
	Window              *string           `json:"window"`
	MinRequests         *int64            `json:"min_requests"`
	FailureRatio        *float64          `json:"failure_ratio"`
	ConsecutiveFailures *int64            `json:"consecutive_failures"`
	OpenFor             *string           `json:"open_for"`
	HalfOpenRequests    *int64            `json:"half_open_requests"`
	FailureStatus       []json.RawMessage `json:"failure_status"`
	Fallback            *rawFallback      `json:"fallback"`
}

type rawFallback struct {
	Status  *int              `json:"status"`
	Headers map[string]string `json:"headers"`
	Body    *string           `json:"body"`
}

// header is a response header of the fallback.
type header struct{ name, value string }

// fallback is the response sent while the breaker is open.
type fallback struct {
	status        int
	headers       []header // sorted by name
	body          []byte
	setRetryAfter bool // false when headers already hold Retry-After
}

// breakerConfig is the validated configuration.
type breakerConfig struct {
	name                string
	window, openFor     time.Duration
	minRequests         int
	failureRatio        float64
	consecutiveFailures int
	halfOpenRequests    int
	failures            statusSet
	fallback            fallback
}

const (
	defaultWindow      = 10 * time.Second
	defaultOpenFor     = 30 * time.Second
	defaultMinRequests = 10
	defaultRatio       = 0.5
	defaultStatus      = 503
	maxNameLen         = 256
	maxCount           = math.MaxInt32 // fits an int on every target, TinyGo included
	// openBody is the default fallback body; its message is fixed, so the
	// breaker's name (which may name an internal upstream) is not disclosed.
	openBody = `{"error":{"code":"circuit_open","message":"the service is temporarily unavailable; retry later"}}`
)

// parse validates raw and applies the defaults.
func parse(raw []byte) (breakerConfig, error) {
	var rc rawConfig
	if err := jsonconfig.Decode(raw, &rc); err != nil {
		return breakerConfig{}, err
	}
	c := breakerConfig{name: defaultName(raw), failures: statusSet{classes: 1 << 5}}
	var err error
	if rc.Name != nil {
		if n := len(*rc.Name); n == 0 || n > maxNameLen {
			return breakerConfig{}, errors.New("name must be 1 to 256 bytes")
		}
		c.name = *rc.Name
	}
	if c.window, err = duration("window", rc.Window, defaultWindow); err != nil {
		return breakerConfig{}, err
	}
	if c.openFor, err = duration("open_for", rc.OpenFor, defaultOpenFor); err != nil {
		return breakerConfig{}, err
	}
	if c.minRequests, err = count("min_requests", rc.MinRequests, defaultMinRequests, 0); err != nil {
		return breakerConfig{}, err
	}
	if c.consecutiveFailures, err = count("consecutive_failures", rc.ConsecutiveFailures, 0, 0); err != nil {
		return breakerConfig{}, err
	}
	if c.halfOpenRequests, err = count("half_open_requests", rc.HalfOpenRequests, 1, 1); err != nil {
		return breakerConfig{}, err
	}
	c.failureRatio = defaultRatio
	if rc.FailureRatio != nil {
		if r := *rc.FailureRatio; !(r >= 0 && r <= 1) {
			return breakerConfig{}, errors.New("failure_ratio must be between 0 and 1")
		}
		c.failureRatio = *rc.FailureRatio
	}
	if c.failureRatio == 0 && c.consecutiveFailures == 0 {
		return breakerConfig{}, errors.New("failure_ratio and consecutive_failures are both off: the breaker could never open")
	}
	if rc.FailureStatus != nil {
		if c.failures, err = parseStatuses(rc.FailureStatus); err != nil {
			return breakerConfig{}, err
		}
	}
	if c.fallback, err = parseFallback(rc.Fallback); err != nil {
		return breakerConfig{}, err
	}
	return c, nil
}

// defaultName derives the breaker's name from the raw configuration, so
// that bindings with identical configurations share a breaker.
func defaultName(raw []byte) string {
	sum := sha256.Sum256(raw)
	return "cb:" + hex.EncodeToString(sum[:8])
}

// duration parses an optional Go duration of at least a millisecond (the
// host counts in milliseconds).
func duration(field string, s *string, def time.Duration) (time.Duration, error) {
	if s == nil {
		return def, nil
	}
	d, err := time.ParseDuration(*s)
	if err != nil {
		return 0, errors.New(field + ": " + err.Error())
	}
	if d < time.Millisecond {
		return 0, errors.New(field + " must be at least 1ms")
	}
	return d, nil
}

// count checks an optional integer against [min, maxCount].
func count(field string, n *int64, def, min int) (int, error) {
	if n == nil {
		return def, nil
	}
	if *n < int64(min) || *n > maxCount {
		return 0, errors.New(field + " must be between " + strconv.Itoa(min) + " and " + strconv.FormatInt(maxCount, 10))
	}
	return int(*n), nil
}

// parseStatuses reads failure_status: integer codes (503) and strings
// holding a code ("503") or a class ("5xx").
func parseStatuses(items []json.RawMessage) (statusSet, error) {
	var s statusSet
	for _, item := range items {
		var code int
		if err := json.Unmarshal(item, &code); err == nil {
			if code < 100 || code > 599 {
				return statusSet{}, errors.New("failure_status: code " + strconv.Itoa(code) + " is not between 100 and 599")
			}
			s.codes = append(s.codes, code)
			continue
		}
		var str string
		if err := json.Unmarshal(item, &str); err != nil {
			return statusSet{}, errors.New("failure_status: " + string(item) + " is neither a status code nor a class such as \"5xx\"")
		}
		if err := s.addString(str); err != nil {
			return statusSet{}, err
		}
	}
	slices.Sort(s.codes)
	s.codes = slices.Compact(s.codes)
	return s, nil
}

// addString adds "5xx" (any case) or "503".
func (s *statusSet) addString(str string) error {
	bad := errors.New("failure_status: " + strconv.Quote(str) + " is neither a status code nor a class such as \"5xx\"")
	if len(str) != 3 || str[0] < '1' || str[0] > '5' {
		return bad
	}
	if strings.EqualFold(str[1:], "xx") {
		s.classes |= 1 << (str[0] - '0')
		return nil
	}
	code, err := strconv.Atoi(str)
	if err != nil {
		return bad
	}
	s.codes = append(s.codes, code)
	return nil
}

// managed are the response headers the host computes itself (ABI §6.5).
var managed = []string{"Connection", "Content-Length", "Te", "Trailer", "Transfer-Encoding", "Upgrade"}

// parseFallback validates the fallback and fills in the default response.
func parseFallback(rf *rawFallback) (fallback, error) {
	f := fallback{status: defaultStatus, setRetryAfter: true}
	if rf == nil {
		rf = &rawFallback{}
	}
	if rf.Status != nil {
		if *rf.Status < 200 || *rf.Status > 599 {
			return fallback{}, errors.New("fallback.status must be between 200 and 599, got " + strconv.Itoa(*rf.Status))
		}
		f.status = *rf.Status
	}
	hasType := false
	for name, value := range rf.Headers {
		if !sdk.ValidHeaderName(name) {
			return fallback{}, errors.New("fallback.headers: invalid header name " + strconv.Quote(name))
		}
		if !sdk.ValidHeaderValue(value) {
			return fallback{}, errors.New("fallback.headers: invalid value for " + name)
		}
		name = sdk.CanonicalHeaderKey(name)
		if slices.Contains(managed, name) {
			return fallback{}, errors.New("fallback.headers: " + name + " is set by the host")
		}
		hasType = hasType || name == "Content-Type"
		if name == "Retry-After" {
			f.setRetryAfter = false
		}
		f.headers = append(f.headers, header{name, value})
	}
	f.body = []byte(openBody)
	contentType := "application/json"
	if rf.Body != nil {
		f.body = []byte(*rf.Body)
		contentType = "text/plain; charset=utf-8"
	}
	if !hasType && len(f.body) > 0 {
		f.headers = append(f.headers, header{"Content-Type", contentType})
	}
	slices.SortFunc(f.headers, func(a, b header) int { return strings.Compare(a.name, b.name) })
	return f, nil
}
