// Package keyset holds JWT verification keys and checks tokens against
// them. It parses JWKS documents (RFC 7517) into immutable key sets,
// verifies tokens against a set under a Policy, and signs and verifies the
// HS256 tokens of the admin API. It is the only package that imports
// github.com/golang-jwt/jwt/v5; key material is decoded with the standard
// library.
//
// # Basics
//
//	set, err := keyset.Parse(jwksJSON) // *keyset.ParseError lists every problem
//	// ...
//	claims, err := set.Verify(token, keyset.Policy{Issuer: "https://idp", Audience: []string{"api"}}, time.Now())
//	if errors.Is(err, keyset.ErrExpired) { /* 401, error_description = err.Error() */ }
//	shown := set.Public() // safe to return: no HMAC secret, no private key
//
// # Keys and algorithms
//
// A set holds up to MaxKeys keys, each with a unique "kid":
//
//	kty  members           algorithms
//	oct  k (≥ 32 bytes)    HS256; HS384 with ≥ 48 bytes; HS512 with ≥ 64 bytes
//	RSA  n (≥ 2048 bits), e RS256 RS384 RS512 PS256 PS384 PS512
//	EC   crv, x, y         ES256 (P-256), ES384 (P-384), ES512 (P-521)
//	OKP  crv Ed25519, x    EdDSA
//
// A key's "alg" narrows it to that one algorithm. The key, never the token,
// decides the family, so a token signed with HS256 using an RSA public key
// as the secret is refused ("algorithm confusion"), and alg "none" is never
// accepted. Private keys are refused by Parse: a set only verifies.
//
// # Concurrency
//
// A Set is immutable after Parse; Verify and Public are safe for concurrent
// use.
//
// # Caveats
//
// Refusal messages are short fixed strings (no token content), fit for a
// WWW-Authenticate error_description. A token without "kid" is accepted
// only by a set of one key. Policy's zero value requires exp; set
// AllowMissingExp to accept tokens that never expire.
package keyset
