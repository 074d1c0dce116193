package main

import (
	"encoding/json"
	"errors"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/hostd/hostd/sdk"
	jsonconfig "github.com/hostd/hostd/sdk/config"
)

// rawConfig is the JSON configuration; docs/builtin-plugins.md documents
// every field.
type rawConfig struct {
	Keyset         string                     `json:"keyset"`
	Issuer         *string                    `json:"issuer"`
	Audience       json.RawMessage            `json:"audience"`
	Algorithms     []string                   `json:"algorithms"`
	Leeway         *string                    `json:"leeway"`
	RequiredClaims map[string]json.RawMessage `json:"required_claims"`
	TokenFrom      *rawTokenFrom              `json:"token_from"`
	ForwardClaims  map[string]string          `json:"forward_claims"`
}

// rawTokenFrom says where the token is: a header (with an optional auth
// scheme) or a cookie.
type rawTokenFrom struct {
	Header *string `json:"header"`
	Scheme *string `json:"scheme"`
	Cookie *string `json:"cookie"`
}

// source is where the token is read from.
type source struct {
	header string // header name; "" when cookie is set
	scheme string // auth scheme before the token, e.g. "Bearer"; "" for none
	cookie string // cookie name; "" when header is set
}

// forward is one claim copied into a request header.
type forward struct{ claim, header string }

// filterConfig is the validated configuration.
type filterConfig struct {
	keyset   string
	policy   []byte // JSON, built once
	source   source
	require  []requirement // sorted by claim
	forwards []forward     // sorted by header
}

const defaultLeeway = 30 * time.Second

// knownAlgorithms are the JWS algorithms a configuration may allow; "none"
// is deliberately absent.
var knownAlgorithms = []string{
	"RS256", "RS384", "RS512", "PS256", "PS384", "PS512",
	"ES256", "ES384", "ES512", "EdDSA", "HS256", "HS384", "HS512",
}

// configure parses and validates the configuration; on error the previous
// configuration is cleared, so a rejected instance never lets a request
// through.
func configure(raw []byte) error {
	cfg = filterConfig{}
	c, err := parse(raw)
	if err != nil {
		return errors.New("jwt-auth: configuration: " + err.Error())
	}
	cfg = c
	return nil
}

func parse(raw []byte) (filterConfig, error) {
	var rc rawConfig
	if err := jsonconfig.Decode(raw, &rc); err != nil {
		return filterConfig{}, err
	}
	if rc.Keyset == "" {
		return filterConfig{}, errors.New("keyset is required")
	}
	c := filterConfig{keyset: rc.Keyset}
	var err error
	if c.policy, err = buildPolicy(rc); err != nil {
		return filterConfig{}, err
	}
	if c.source, err = parseSource(rc.TokenFrom); err != nil {
		return filterConfig{}, err
	}
	if c.require, err = parseRequirements(rc.RequiredClaims); err != nil {
		return filterConfig{}, err
	}
	if c.forwards, err = parseForwards(rc.ForwardClaims); err != nil {
		return filterConfig{}, err
	}
	return c, nil
}

// buildPolicy validates issuer, audience, algorithms and leeway and
// returns the policy JSON for sdk.VerifyJWT.
func buildPolicy(rc rawConfig) ([]byte, error) {
	var p sdk.JWTPolicy
	if rc.Issuer != nil {
		if *rc.Issuer == "" {
			return nil, errors.New("issuer must not be empty (omit it to accept any)")
		}
		p.Issuer = *rc.Issuer
	}
	var err error
	if p.Audience, err = parseAudience(rc.Audience); err != nil {
		return nil, err
	}
	if p.Algorithms, err = parseAlgorithms(rc.Algorithms); err != nil {
		return nil, err
	}
	p.Leeway = defaultLeeway
	if rc.Leeway != nil {
		if p.Leeway, err = time.ParseDuration(*rc.Leeway); err != nil {
			return nil, errors.New("leeway: " + err.Error())
		}
		if p.Leeway < 0 {
			return nil, errors.New("leeway must not be negative")
		}
	}
	return p.JSON(), nil
}

// parseAudience accepts a string or a non-empty list of strings.
func parseAudience(raw json.RawMessage) ([]string, error) {
	if raw == nil {
		return nil, nil
	}
	var one string
	if err := json.Unmarshal(raw, &one); err == nil {
		if one == "" {
			return nil, errors.New("audience must not be empty")
		}
		return []string{one}, nil
	}
	var list []string
	if err := json.Unmarshal(raw, &list); err != nil || list == nil {
		return nil, errors.New("audience must be a string or a list of strings")
	}
	if len(list) == 0 {
		return nil, errors.New("audience must not be an empty list")
	}
	for _, a := range list {
		if a == "" {
			return nil, errors.New("audience must not contain an empty string")
		}
	}
	return list, nil
}

// parseAlgorithms checks an allow-list against the known JWS algorithms.
func parseAlgorithms(algs []string) ([]string, error) {
	if algs == nil {
		return nil, nil
	}
	if len(algs) == 0 {
		return nil, errors.New("algorithms must not be an empty list (omit it to allow what the keys allow)")
	}
	for _, a := range algs {
		if strings.EqualFold(a, "none") {
			return nil, errors.New(`algorithms: "none" is never accepted`)
		}
		if !slices.Contains(knownAlgorithms, a) {
			return nil, errors.New("algorithms: unknown algorithm " + strconv.Quote(a))
		}
	}
	return algs, nil
}

// parseSource validates token_from; the default is the Authorization
// header with the Bearer scheme.
func parseSource(tf *rawTokenFrom) (source, error) {
	switch {
	case tf == nil:
		return source{header: "Authorization", scheme: "Bearer"}, nil
	case tf.Cookie != nil && (tf.Header != nil || tf.Scheme != nil):
		return source{}, errors.New("token_from: cookie cannot be combined with header or scheme")
	case tf.Cookie != nil:
		if !validCookieName(*tf.Cookie) {
			return source{}, errors.New("token_from: invalid cookie name " + strconv.Quote(*tf.Cookie))
		}
		return source{cookie: *tf.Cookie}, nil
	case tf.Header == nil:
		return source{}, errors.New("token_from: needs header or cookie")
	}
	s := source{header: *tf.Header}
	if !sdk.ValidHeaderName(s.header) {
		return source{}, errors.New("token_from: invalid header name " + strconv.Quote(s.header))
	}
	switch {
	case tf.Scheme != nil:
		s.scheme = *tf.Scheme
	case strings.EqualFold(s.header, "Authorization"):
		s.scheme = "Bearer"
	}
	if s.scheme != "" && !sdk.ValidHeaderName(s.scheme) {
		return source{}, errors.New("token_from: invalid scheme " + strconv.Quote(s.scheme))
	}
	return s, nil
}

// parseForwards validates forward_claims and returns it sorted by header.
func parseForwards(m map[string]string) ([]forward, error) {
	out := make([]forward, 0, len(m))
	for claim, header := range m {
		if claim == "" {
			return nil, errors.New("forward_claims: empty claim name")
		}
		if !sdk.ValidHeaderName(header) {
			return nil, errors.New("forward_claims: invalid header name " + strconv.Quote(header))
		}
		for _, f := range out {
			if strings.EqualFold(f.header, header) {
				return nil, errors.New("forward_claims: header " + header + " is used for two claims")
			}
		}
		out = append(out, forward{claim: claim, header: header})
	}
	slices.SortFunc(out, func(a, b forward) int { return strings.Compare(a.header, b.header) })
	return out, nil
}

// validCookieName reports whether s is a cookie-name (RFC 6265: a token).
func validCookieName(s string) bool { return sdk.ValidHeaderName(s) }
