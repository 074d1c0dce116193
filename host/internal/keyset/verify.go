package keyset

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// MaxTokenBytes is the longest token Verify looks at.
const MaxTokenBytes = 64 << 10

// Policy is what Verify requires of a token beyond a valid signature. The
// zero value accepts any issuer and audience, every algorithm the key
// allows, no clock leeway, and requires exp.
type Policy struct {
	// Issuer, when set, must equal the iss claim.
	Issuer string
	// Audience, when not empty, must share at least one value with aud.
	Audience []string
	// Algorithms, when not empty, is an allow-list of alg values; the key
	// type still decides which of them can verify (HS* for oct, RS*/PS*
	// for RSA, ES* by curve for EC, EdDSA for OKP). "none" never passes.
	Algorithms []string
	// Leeway is the clock skew tolerated for exp and nbf.
	Leeway time.Duration
	// AllowMissingExp accepts tokens without exp. Default false: exp is
	// required (a token without one would be valid forever).
	AllowMissingExp bool
}

// Check reports a policy that cannot be right: an unknown or "none"
// algorithm, or a negative leeway.
func (p Policy) Check() error {
	for _, a := range p.Algorithms {
		if !knownAlg(a) {
			return fmt.Errorf("keyset: policy: algorithm %q is not supported; use some of %s", a, strings.Join(allAlgorithms, ", "))
		}
	}
	if p.Leeway < 0 {
		return fmt.Errorf("keyset: policy: leeway must not be negative, got %s", p.Leeway)
	}
	return nil
}

// rules are the claim checks of one verification.
type rules struct {
	issuer     string
	audience   []string
	leeway     time.Duration
	requireExp bool
	checkIat   bool
	now        time.Time
}

// Verify checks a compact JWS token against the set and the policy at
// time now, and returns the token's claims as a compact JSON object.
//
// The key is the one named by the token's "kid" header; a token without
// kid may use the only key of a one-key set. The key's type decides the
// algorithm family, so a token cannot make an RSA public key serve as an
// HMAC secret, and "none" is always refused. exp, nbf, iss and aud are
// checked by golang-jwt with the policy's leeway; iat is not checked.
//
// A header or claims segment that names a member twice, in any object, is
// malformed (decoders disagree on which one counts).
//
// A refusal is an error that wraps one of ErrMalformed, ErrUnknownKID,
// ErrAlgorithm, ErrSignature, ErrExpired, ErrNotYetValid, ErrIssuer,
// ErrAudience or ErrMissingClaim; its message is short fixed text. Verify
// is safe for concurrent use.
func (s *Set) Verify(token string, p Policy, now time.Time) (claims []byte, reason error) {
	claims, _, reason = s.VerifyWindow(token, p, now)
	return claims, reason
}

// Window is the span of time in which a token that verified stays valid
// under the policy it was verified with: from NotBefore (inclusive, when
// HasNotBefore) until NotAfter (exclusive, when HasNotAfter). Nothing else
// Verify checks depends on the time, so for the same set, token and policy
// Verify at any instant t succeeds, with the same claims, exactly when
// Contains(t).
type Window struct {
	NotBefore, NotAfter       time.Time
	HasNotBefore, HasNotAfter bool
}

// Contains reports whether t falls in the window.
func (w Window) Contains(t time.Time) bool {
	return (!w.HasNotBefore || !t.Before(w.NotBefore)) && (!w.HasNotAfter || t.Before(w.NotAfter))
}

// VerifyWindow is Verify that also returns, on success, the window in
// which the same verification succeeds: nbf − leeway to exp + leeway, by
// the very comparisons golang-jwt makes. A token without exp (accepted
// only with AllowMissingExp) has no upper bound.
func (s *Set) VerifyWindow(token string, p Policy, now time.Time) (claims []byte, w Window, reason error) {
	pt, err := parseToken(token)
	if err != nil {
		return nil, w, err
	}
	k, err := s.pick(pt.kid, pt.hasKID)
	if err != nil {
		return nil, w, err
	}
	if !slices.Contains(k.algs, pt.alg) {
		return nil, w, refuse(ErrAlgorithm, "algorithm does not match the key")
	}
	if len(p.Algorithms) > 0 && !slices.Contains(p.Algorithms, pt.alg) {
		return nil, w, refuse(ErrAlgorithm, "algorithm not allowed")
	}
	r := rules{issuer: p.Issuer, audience: p.Audience, leeway: p.Leeway, requireExp: !p.AllowMissingExp, now: now}
	c, err := verifyParsed(pt, k.material, r)
	if err != nil {
		return nil, w, err
	}
	if claims, err = compactObject(pt.claims); err != nil {
		return nil, w, err
	}
	return claims, validity(c, p.Leeway), nil
}

// validity is the window of verified claims c: golang-jwt accepts now
// when now < exp + leeway and !(now < nbf − leeway), reading exp and nbf
// with these same getters (an exp or nbf of 0 counts as absent).
func validity(c jwt.MapClaims, leeway time.Duration) Window {
	var w Window
	if nbf, err := c.GetNotBefore(); err == nil && nbf != nil {
		w.NotBefore, w.HasNotBefore = nbf.Add(-leeway), true
	}
	if exp, err := c.GetExpirationTime(); err == nil && exp != nil {
		w.NotAfter, w.HasNotAfter = exp.Add(+leeway), true
	}
	return w
}

// pick returns the key a token uses.
func (s *Set) pick(kid string, hasKID bool) (*key, error) {
	if !hasKID {
		if len(s.keys) == 1 {
			return s.keys[0], nil
		}
		return nil, refuse(ErrUnknownKID, "token has no kid and the key set has several keys")
	}
	k, ok := s.byKID[kid]
	if !ok {
		return nil, refuse(ErrUnknownKID, "")
	}
	return k, nil
}

// parseHeader reads alg and kid from the token's protected header and
// refuses what no key can verify: a malformed token, alg "none" or an
// unknown alg, and critical header extensions (RFC 7515 section 4.1.11).
func parseHeader(token string) (alg, kid string, hasKID bool, err error) {
	if len(token) > MaxTokenBytes {
		return "", "", false, refuse(ErrMalformed, "token is too long")
	}
	seg, _, ok := strings.Cut(token, ".")
	if !ok || strings.Count(token, ".") != 2 {
		return "", "", false, refuse(ErrMalformed, "")
	}
	raw, err := base64.RawURLEncoding.DecodeString(seg)
	var h map[string]any
	if err != nil || json.Unmarshal(raw, &h) != nil || h == nil {
		return "", "", false, refuse(ErrMalformed, "")
	}
	if !uniqueMembers(raw) {
		return "", "", false, refuse(ErrMalformed, "duplicate member name in the header")
	}
	if _, crit := h["crit"]; crit {
		return "", "", false, refuse(ErrMalformed, "unsupported critical header")
	}
	alg, _ = h["alg"].(string)
	switch {
	case alg == "" || strings.EqualFold(alg, "none"):
		return "", "", false, refuse(ErrAlgorithm, "alg none is not accepted")
	case !knownAlg(alg):
		return "", "", false, refuse(ErrAlgorithm, "")
	}
	if v, present := h["kid"]; present {
		if kid, ok = v.(string); !ok {
			return "", "", false, refuse(ErrMalformed, "")
		}
		hasKID = true
	}
	return alg, kid, hasKID, nil
}

// check has golang-jwt verify the signature with material under alg and
// validate the claims by r; it returns the decoded claims.
func check(token string, material any, alg string, r rules) (jwt.MapClaims, error) {
	opts := append(r.options(), jwt.WithValidMethods([]string{alg}))
	c := jwt.MapClaims{}
	_, err := jwt.NewParser(opts...).ParseWithClaims(token, c, func(*jwt.Token) (any, error) { return material, nil })
	if err != nil {
		return nil, jwtReason(err, c, r)
	}
	return c, nil
}

// options are golang-jwt's claim checks for r.
func (r rules) options() []jwt.ParserOption {
	opts := make([]jwt.ParserOption, 0, 7)
	opts = append(opts, jwt.WithLeeway(r.leeway), jwt.WithTimeFunc(func() time.Time { return r.now }))
	if r.issuer != "" {
		opts = append(opts, jwt.WithIssuer(r.issuer))
	}
	if len(r.audience) > 0 {
		opts = append(opts, jwt.WithAudience(r.audience...))
	}
	if r.requireExp {
		opts = append(opts, jwt.WithExpirationRequired())
	}
	if r.checkIat {
		opts = append(opts, jwt.WithIssuedAt())
	}
	return opts
}

// jwtReason maps a golang-jwt error to a refusal. Claim errors come joined;
// the most fundamental one wins.
func jwtReason(err error, c jwt.MapClaims, r rules) error {
	switch {
	case errors.Is(err, jwt.ErrTokenMalformed), errors.Is(err, jwt.ErrTokenUnverifiable):
		return refuse(ErrMalformed, "")
	case errors.Is(err, jwt.ErrTokenSignatureInvalid):
		return refuse(ErrSignature, "")
	case errors.Is(err, jwt.ErrInvalidType):
		return refuse(ErrMalformed, "a registered claim has the wrong type")
	case errors.Is(err, jwt.ErrTokenExpired):
		return refuse(ErrExpired, "")
	case errors.Is(err, jwt.ErrTokenNotValidYet):
		return refuse(ErrNotYetValid, "")
	case errors.Is(err, jwt.ErrTokenUsedBeforeIssued):
		return refuse(ErrNotYetValid, "token is issued in the future")
	case errors.Is(err, jwt.ErrTokenInvalidIssuer):
		return refuse(ErrIssuer, "")
	case errors.Is(err, jwt.ErrTokenInvalidAudience):
		return refuse(ErrAudience, "")
	case errors.Is(err, jwt.ErrTokenRequiredClaimMissing):
		return missingClaim(c, r)
	}
	return refuse(ErrMalformed, "token is invalid")
}

// missingClaim says which required claim a token lacks.
func missingClaim(c jwt.MapClaims, r rules) error {
	if iss, _ := c.GetIssuer(); r.issuer != "" && iss == "" {
		return refuse(ErrIssuer, "token has no issuer")
	}
	if aud, _ := c.GetAudience(); len(r.audience) > 0 && (len(aud) == 0 || len(aud) == 1 && aud[0] == "") {
		return refuse(ErrAudience, "token has no audience")
	}
	return refuse(ErrMissingClaim, "token has no expiry")
}

// uniqueClaims refuses a token whose claims segment repeats a member name
// in any object (see uniqueMembers). It runs before the signature check:
// a signed token with duplicate claims is refused all the same.
func uniqueClaims(token string) error {
	parts := strings.SplitN(token, ".", 3)
	raw, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		return refuse(ErrMalformed, "")
	}
	if !uniqueMembers(raw) {
		return refuse(ErrMalformed, "duplicate member name in the claims")
	}
	return nil
}

// compactObject returns a verified token's decoded claims segment as
// compact JSON, which must be an object.
func compactObject(raw []byte) ([]byte, error) {
	var buf bytes.Buffer
	buf.Grow(len(raw))
	if err := json.Compact(&buf, raw); err != nil || buf.Len() == 0 || buf.Bytes()[0] != '{' {
		return nil, refuse(ErrMalformed, "claims are not a JSON object")
	}
	return buf.Bytes(), nil
}
