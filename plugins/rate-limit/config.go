package main

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"math/bits"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/hostd/hostd/abi"
	"github.com/hostd/hostd/sdk"
	jsonconfig "github.com/hostd/hostd/sdk/config"
)

// rawConfig is the JSON configuration; the rate-limit section of
// docs/builtin-plugins.md documents every field. Pointers tell an absent
// field from a zero one.
type rawConfig struct {
	Rate      *int64          `json:"rate"`
	Per       *string         `json:"per"`
	Burst     *int64          `json:"burst"`
	Key       json.RawMessage `json:"key"`
	Tiers     *rawTiers       `json:"tiers"`
	Algorithm *string         `json:"algorithm"`
	Bucket    *string         `json:"bucket"`
}

type rawTiers struct {
	By     *string                   `json:"by"`
	Limits map[string]*rawTierLimits `json:"limits"`
}

type rawTierLimits struct {
	Rate  *int64  `json:"rate"`
	Per   *string `json:"per"`
	Burst *int64  `json:"burst"`
}

// keyKind is what one part of the key is taken from.
type keyKind uint8

const (
	keyIP     keyKind = iota // the client address, without the port
	keyHeader                // a request header's first value ("" when absent)
	keyRoute                 // nothing: one counter for the binding
)

// keyPart is one element of the key. header is the canonical header name
// for keyHeader ("X-Claim-NAME" for claim:NAME).
type keyPart struct {
	kind   keyKind
	header string
}

// tier is a named set of limits picked by the tiers.by attribute.
type tier struct {
	name  string
	limit sdk.Limit
}

// limitConfig is the validated configuration.
type limitConfig struct {
	prefix string    // bucket name prefix: "bucket" or "rl:" + 16 hex digits
	keys   []keyPart // at least one
	limit  sdk.Limit // top-level limits
	tierBy keyPart   // the tier attribute; kind keyHeader when tiers are set
	tiers  []tier    // sorted by name; empty without tiers
}

const (
	defaultPer = time.Second
	// maxBucketLen leaves room in the host's 256-byte names for ":" and
	// a hashed key (":" 0x1e and 64 hex digits).
	maxBucketLen = 128
	maxKeyParts  = 8
	maxTierName  = 64
	// maxSpan is the host's bound on a bucket's period and fill time
	// (burst × per / rate) and on rate: 2^60 ns, about 36 years.
	maxSpan = 1 << 60
)

// parse validates raw and applies the defaults.
func parse(raw []byte) (limitConfig, error) {
	var rc rawConfig
	if err := jsonconfig.Decode(raw, &rc); err != nil {
		return limitConfig{}, err
	}
	c := limitConfig{prefix: defaultPrefix(raw)}
	if rc.Bucket != nil {
		if err := checkBucket(*rc.Bucket); err != nil {
			return limitConfig{}, err
		}
		c.prefix = *rc.Bucket
	}
	alg, err := parseAlgorithm(rc.Algorithm)
	if err != nil {
		return limitConfig{}, err
	}
	if rc.Rate == nil {
		return limitConfig{}, errors.New("rate is required")
	}
	top := rawTierLimits{Rate: rc.Rate, Per: rc.Per, Burst: rc.Burst}
	if c.limit, err = parseLimits("", top, sdk.Limit{Period: defaultPer, Algorithm: alg}); err != nil {
		return limitConfig{}, err
	}
	if c.keys, err = parseKeys(rc.Key); err != nil {
		return limitConfig{}, err
	}
	if rc.Tiers != nil {
		if c.tierBy, c.tiers, err = parseTiers(*rc.Tiers, c.limit); err != nil {
			return limitConfig{}, err
		}
	}
	return c, nil
}

// defaultPrefix derives the bucket prefix from the raw configuration, so
// that bindings with byte-identical configurations share buckets.
func defaultPrefix(raw []byte) string {
	sum := sha256.Sum256(raw)
	return "rl:" + hex.EncodeToString(sum[:8])
}

// checkBucket validates the bucket field: 1 to 128 bytes without control
// characters (0x1e and 0x1f separate the parts of a bucket name).
func checkBucket(s string) error {
	if s == "" || len(s) > maxBucketLen {
		return errors.New("bucket must be 1 to " + strconv.Itoa(maxBucketLen) + " bytes")
	}
	if !printable(s) {
		return errors.New("bucket must not contain control characters")
	}
	return nil
}

func parseAlgorithm(s *string) (abi.RateLimitAlgorithm, error) {
	if s == nil {
		return abi.RateLimitTokenBucket, nil
	}
	switch *s {
	case "token_bucket":
		return abi.RateLimitTokenBucket, nil
	case "sliding_window":
		return abi.RateLimitSlidingWindow, nil
	}
	return 0, errors.New("algorithm must be \"token_bucket\" or \"sliding_window\", got " + strconv.Quote(*s))
}

// parseLimits validates rate, per and burst (field is "" at the top level
// or "tiers.limits.NAME."), taking absent values from def. burst
// defaults to the rate given here, or to def.Burst when rate is absent.
func parseLimits(field string, r rawTierLimits, def sdk.Limit) (sdk.Limit, error) {
	l := def
	if r.Rate != nil {
		if *r.Rate < 1 || *r.Rate > maxSpan {
			return sdk.Limit{}, errors.New(field + "rate must be between 1 and " + strconv.FormatInt(maxSpan, 10))
		}
		l.Rate, l.Burst = *r.Rate, *r.Rate
	}
	if r.Per != nil {
		d, err := time.ParseDuration(*r.Per)
		if err != nil {
			return sdk.Limit{}, errors.New(field + "per: " + err.Error())
		}
		if d < time.Millisecond || d > maxSpan || d%time.Millisecond != 0 {
			return sdk.Limit{}, errors.New(field + "per must be a whole number of milliseconds between 1ms and about 36 years")
		}
		l.Period = d
	}
	if r.Burst != nil {
		if l.Algorithm != abi.RateLimitTokenBucket {
			return sdk.Limit{}, errors.New(field + "burst applies only to the token_bucket algorithm")
		}
		if *r.Burst < 1 {
			return sdk.Limit{}, errors.New(field + "burst must be at least 1")
		}
		l.Burst = *r.Burst
	}
	if l.Algorithm == abi.RateLimitSlidingWindow {
		l.Burst = 0 // ignored by the host
	} else if !fillable(l) {
		return sdk.Limit{}, errors.New(field + "burst × per / rate must not exceed about 36 years")
	}
	return l, nil
}

// fillable reports whether a token bucket fills from empty within the
// host's bound: burst × period / rate ≤ 2^60 ns.
func fillable(l sdk.Limit) bool {
	hi, lo := bits.Mul64(uint64(l.Burst), uint64(l.Period))
	if hi >= uint64(l.Rate) {
		return false
	}
	q, _ := bits.Div64(hi, lo, uint64(l.Rate))
	return q <= maxSpan
}

// parseKeys reads key: a string or a non-empty list of strings; default
// "ip".
func parseKeys(raw json.RawMessage) ([]keyPart, error) {
	if len(raw) == 0 {
		return []keyPart{{kind: keyIP}}, nil
	}
	var list []string
	var one string
	if string(raw) == "null" {
		return nil, errors.New("key must be a string or a list of strings")
	}
	if err := json.Unmarshal(raw, &one); err == nil {
		list = []string{one}
	} else if err := json.Unmarshal(raw, &list); err != nil || list == nil {
		return nil, errors.New("key must be a string or a list of strings")
	}
	if len(list) == 0 || len(list) > maxKeyParts {
		return nil, errors.New("key must list 1 to " + strconv.Itoa(maxKeyParts) + " parts")
	}
	out := make([]keyPart, 0, len(list))
	for _, s := range list {
		k, err := parseKeyPart("key", s, true)
		if err != nil {
			return nil, err
		}
		if slices.Contains(out, k) {
			return nil, errors.New("key: " + strconv.Quote(s) + " is listed twice")
		}
		out = append(out, k)
	}
	return out, nil
}

// parseKeyPart reads "ip", "route", "header:NAME" or "claim:NAME"; ip and
// route only when whole is set (tiers.by needs a header).
func parseKeyPart(field, s string, whole bool) (keyPart, error) {
	switch {
	case whole && s == "ip":
		return keyPart{kind: keyIP}, nil
	case whole && s == "route":
		return keyPart{kind: keyRoute}, nil
	}
	kind, name, ok := strings.Cut(s, ":")
	if ok && (kind == "header" || kind == "claim") && sdk.ValidHeaderName(name) {
		if kind == "claim" {
			name = "X-Claim-" + name
		}
		return keyPart{kind: keyHeader, header: sdk.CanonicalHeaderKey(name)}, nil
	}
	want := `"header:NAME" or "claim:NAME"`
	if whole {
		want = `"ip", "route", ` + want
	}
	return keyPart{}, errors.New(field + ": " + strconv.Quote(s) + " is not " + want)
}

// parseTiers validates tiers. A tier's absent rate and per come from the
// top-level limits; its burst is its own rate when it sets one, else the
// top-level burst.
func parseTiers(rt rawTiers, top sdk.Limit) (keyPart, []tier, error) {
	if rt.By == nil {
		return keyPart{}, nil, errors.New("tiers.by is required")
	}
	by, err := parseKeyPart("tiers.by", *rt.By, false)
	if err != nil {
		return keyPart{}, nil, err
	}
	if len(rt.Limits) == 0 {
		return keyPart{}, nil, errors.New("tiers.limits must name at least one tier")
	}
	tiers := make([]tier, 0, len(rt.Limits))
	for name, rl := range rt.Limits {
		if name == "" || len(name) > maxTierName || !printable(name) || name != strings.TrimSpace(name) {
			return keyPart{}, nil, errors.New("tiers.limits: invalid tier name " + strconv.Quote(name))
		}
		if rl == nil {
			return keyPart{}, nil, errors.New("tiers.limits." + name + " must be an object")
		}
		l, err := parseLimits("tiers.limits."+name+".", *rl, top)
		if err != nil {
			return keyPart{}, nil, err
		}
		tiers = append(tiers, tier{name: name, limit: l})
	}
	slices.SortFunc(tiers, func(a, b tier) int { return strings.Compare(a.name, b.name) })
	return by, tiers, nil
}

// printable reports whether s has no control characters (tab included).
func printable(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < ' ' || c == 0x7f {
			return false
		}
	}
	return true
}
