package keyset

import (
	"encoding/base64"
	"encoding/json"
	"strings"

	"github.com/golang-jwt/jwt/v5"
)

// parsed is a token taken apart once: what Verify reads of its header, its
// decoded claims segment, the signing input and the signature segment.
type parsed struct {
	alg, kid string
	hasKID   bool
	claims   []byte // the decoded claims segment
	signed   string // header "." claims, what the signature covers
	sig      string // the signature segment, base64url
}

// parseToken checks the header (parseHeader) and the claims segment's
// members (uniqueClaims) as Verify always did, decoding each segment once.
func parseToken(token string) (parsed, error) {
	alg, kid, hasKID, err := parseHeader(token)
	if err != nil {
		return parsed{}, err
	}
	// parseHeader saw exactly two dots.
	head, rest, _ := strings.Cut(token, ".")
	body, sig, _ := strings.Cut(rest, ".")
	raw, err := base64.RawURLEncoding.DecodeString(body)
	if err != nil {
		return parsed{}, refuse(ErrMalformed, "")
	}
	if !uniqueMembers(raw) {
		return parsed{}, refuse(ErrMalformed, "duplicate member name in the claims")
	}
	return parsed{alg: alg, kid: kid, hasKID: hasKID, claims: raw,
		signed: token[:len(head)+1+len(body)], sig: sig}, nil
}

// verifyParsed does what golang-jwt's Parser.ParseWithClaims does after
// the header (which parseHeader already decoded alike), in its order and
// with its pieces — claims decoded into MapClaims by json.Unmarshal, the
// signing method's Verify, the Validator with r's options — without
// decoding the token again.
func verifyParsed(pt parsed, material any, r rules) (jwt.MapClaims, error) {
	c := jwt.MapClaims{}
	if dst := c; json.Unmarshal(pt.claims, &dst) != nil { // dst, as jwt: "null" leaves c empty
		return nil, refuse(ErrMalformed, "")
	}
	m := jwt.GetSigningMethod(pt.alg)
	if m == nil {
		return nil, refuse(ErrMalformed, "")
	}
	sig, err := base64.RawURLEncoding.DecodeString(pt.sig)
	if err != nil {
		return nil, refuse(ErrMalformed, "")
	}
	if err := m.Verify(pt.signed, sig, material); err != nil {
		return nil, refuse(ErrSignature, "")
	}
	if err := jwt.NewValidator(r.options()...).Validate(c); err != nil {
		return nil, jwtReason(err, c, r)
	}
	return c, nil
}
