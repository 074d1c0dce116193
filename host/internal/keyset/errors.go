package keyset

import (
	"errors"
	"strings"
)

// Reasons Verify gives for refusing a token. Each is wrapped by the error
// Verify returns (test with errors.Is); that error's message is short,
// fixed text without any part of the token, so it may be sent back as a
// WWW-Authenticate error_description.
var (
	// ErrMalformed: the token is not a well-formed compact JWS/JWT.
	ErrMalformed = errors.New("malformed token")
	// ErrUnknownKID: the token's kid names no key of the set, or the token
	// has no kid and the set has more than one key.
	ErrUnknownKID = errors.New("unknown key id")
	// ErrAlgorithm: the token's alg is "none", unknown, not allowed by the
	// policy, or does not fit the key (algorithm confusion).
	ErrAlgorithm = errors.New("algorithm not accepted")
	// ErrSignature: the signature does not verify.
	ErrSignature = errors.New("invalid signature")
	// ErrExpired: exp is past, beyond the leeway.
	ErrExpired = errors.New("token is expired")
	// ErrNotYetValid: nbf (or, where checked, iat) is in the future, beyond
	// the leeway.
	ErrNotYetValid = errors.New("token is not valid yet")
	// ErrIssuer: iss is missing or not the expected issuer.
	ErrIssuer = errors.New("wrong issuer")
	// ErrAudience: aud is missing or names none of the expected audiences.
	ErrAudience = errors.New("wrong audience")
	// ErrMissingClaim: a required claim other than iss and aud (exp) is
	// absent.
	ErrMissingClaim = errors.New("token lacks a required claim")
)

// reason is a refusal: a sentinel for errors.Is and a fixed message.
type reason struct {
	kind error
	msg  string
}

func (r *reason) Error() string { return r.msg }

func (r *reason) Unwrap() error { return r.kind }

// refuse returns a reason of kind with message msg (the kind's own message
// when msg is empty). msg must be constant text, never token content.
func refuse(kind error, msg string) error {
	if msg == "" {
		msg = kind.Error()
	}
	return &reason{kind: kind, msg: msg}
}

// ParseError lists every problem Parse found in a JWKS document, each
// prefixed with the JSON path it concerns ("keys[2].n: ...").
type ParseError struct {
	Problems []string
}

func (e *ParseError) Error() string {
	return "keyset: invalid JWKS: " + strings.Join(e.Problems, "; ")
}
