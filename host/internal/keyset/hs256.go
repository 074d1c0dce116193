package keyset

import (
	"fmt"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// VerifyOptions configures VerifyHS256.
type VerifyOptions struct {
	// Issuer, when set, must equal iss.
	Issuer string
	// Audience, when not empty, must share a value with aud.
	Audience []string
	// Leeway is the clock skew tolerated for exp, nbf and iat.
	Leeway time.Duration
	// CheckIssuedAt refuses a token whose iat is in the future.
	CheckIssuedAt bool
	// Now is the time the token is checked at.
	Now time.Time
}

// SignHS256 returns a compact HS256 JWT of claims signed with key, which
// must be at least 32 bytes. Times in claims should be Unix seconds.
func SignHS256(key []byte, claims map[string]any) (string, error) {
	if len(key) < minHMACBytes {
		return "", fmt.Errorf("keyset: sign: the key must be at least %d bytes", minHMACBytes)
	}
	tok, err := jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.MapClaims(claims)).SignedString(key)
	if err != nil {
		return "", fmt.Errorf("keyset: sign: %w", err)
	}
	return tok, nil
}

// VerifyHS256 checks an HS256 token signed with key under opts and returns
// its claims. exp is required. Refusals are the errors Verify gives; any
// algorithm other than HS256 is ErrAlgorithm.
func VerifyHS256(token string, key []byte, opts VerifyOptions) (map[string]any, error) {
	alg, _, _, err := parseHeader(token)
	if err != nil {
		return nil, err
	}
	if alg != "HS256" {
		return nil, refuse(ErrAlgorithm, "algorithm not allowed")
	}
	if err := uniqueClaims(token); err != nil {
		return nil, err
	}
	r := rules{issuer: opts.Issuer, audience: opts.Audience, leeway: opts.Leeway,
		requireExp: true, checkIat: opts.CheckIssuedAt, now: opts.Now}
	c, err := check(token, key, alg, r)
	if err != nil {
		return nil, err
	}
	return map[string]any(c), nil
}
