package keyset

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"math/big"
)

// Key types.
const (
	ktyOct = "oct"
	ktyRSA = "RSA"
	ktyEC  = "EC"
	ktyOKP = "OKP"
)

// Key size limits.
const (
	minHMACBytes = 32
	minRSABits   = 2048
	maxRSABits   = 16384
	maxRSAExp    = 1<<31 - 1
)

// Algorithms per key family. The key decides the family, so a token can
// never pick HMAC for an asymmetric key (algorithm confusion).
var (
	algsRSA       = []string{"RS256", "RS384", "RS512", "PS256", "PS384", "PS512"}
	algsOKP       = []string{"EdDSA"}
	allAlgorithms = []string{"HS256", "HS384", "HS512", "RS256", "RS384", "RS512",
		"PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA"}
)

// curves maps an EC "crv" to its curve, coordinate size and algorithm.
var curves = map[string]struct {
	curve elliptic.Curve
	size  int
	alg   string
}{
	"P-256": {elliptic.P256(), 32, "ES256"},
	"P-384": {elliptic.P384(), 48, "ES384"},
	"P-521": {elliptic.P521(), 66, "ES512"},
}

func knownAlg(alg string) bool {
	for _, a := range allAlgorithms {
		if a == alg {
			return true
		}
	}
	return false
}

// key is one verification key of a Set. It is never changed after Parse.
type key struct {
	kid, kty, alg, use string
	// algs are the algorithms the key verifies (one when alg binds it).
	algs []string
	// material is []byte (oct), *rsa.PublicKey, *ecdsa.PublicKey or
	// ed25519.PublicKey: what golang-jwt expects for the algorithm.
	material any
	// pub holds the public members shown by Public.
	pub publicJWK
}

// publicJWK is a key as Public shows it: never a secret or private member.
type publicJWK struct {
	Kty string `json:"kty"`
	Kid string `json:"kid"`
	Use string `json:"use,omitempty"`
	Alg string `json:"alg,omitempty"`
	Crv string `json:"crv,omitempty"`
	N   string `json:"n,omitempty"`
	E   string `json:"e,omitempty"`
	X   string `json:"x,omitempty"`
	Y   string `json:"y,omitempty"`
}

var b64 = base64.RawURLEncoding.Strict()

// bytes returns member name decoded from unpadded base64url, recording a
// problem when it is absent, not a string, empty or not base64url.
func (j jwk) bytes(name string) []byte {
	if _, ok := j.m[name]; !ok {
		j.p.add(j.path+"."+name, "required")
		return nil
	}
	var s string
	if err := json.Unmarshal(j.m[name], &s); err != nil {
		j.p.add(j.path+"."+name, "must be a base64url string")
		return nil
	}
	if s == "" {
		j.p.add(j.path+"."+name, "must not be empty")
		return nil
	}
	b, err := b64.DecodeString(s)
	if err != nil {
		j.p.add(j.path+"."+name, "is not base64url without padding (RFC 7515 section 2)")
		return nil
	}
	return b
}

// oct decodes an HMAC secret. HSnnn needs a secret at least as long as its
// hash (RFC 7518 section 3.2).
func (j jwk) oct(k *key) {
	secret := j.bytes("k")
	if secret == nil {
		return
	}
	if len(secret) < minHMACBytes {
		j.p.add(j.path+".k", "the secret has %d bytes; HMAC keys need at least %d random bytes", len(secret), minHMACBytes)
		return
	}
	k.algs = []string{"HS256"}
	if len(secret) >= 48 {
		k.algs = append(k.algs, "HS384")
	}
	if len(secret) >= 64 {
		k.algs = append(k.algs, "HS512")
	}
	k.material = secret
}

// rsa decodes an RSA public key.
func (j jwk) rsa(k *key) {
	nb, eb := j.bytes("n"), j.bytes("e")
	if nb == nil || eb == nil {
		return
	}
	n := new(big.Int).SetBytes(nb)
	ok := true
	if bits := n.BitLen(); bits < minRSABits || bits > maxRSABits {
		j.p.add(j.path+".n", "the modulus has %d bits; use %d to %d", bits, minRSABits, maxRSABits)
		ok = false
	}
	e := new(big.Int).SetBytes(eb)
	if !e.IsInt64() || e.Int64() < 3 || e.Int64() > maxRSAExp || e.Bit(0) == 0 {
		j.p.add(j.path+".e", "the exponent must be odd, at least 3 and below 2^31 (usually AQAB, 65537)")
		ok = false
	}
	if !ok {
		return
	}
	pub := &rsa.PublicKey{N: n, E: int(e.Int64())}
	k.material, k.algs = pub, algsRSA
	k.pub.N, k.pub.E = b64.EncodeToString(n.Bytes()), b64.EncodeToString(e.Bytes())
}

// ec decodes an ECDSA public key and checks that the point is on the curve.
func (j jwk) ec(k *key) {
	crv := j.str("crv", true)
	c, known := curves[crv]
	if !known && crv != "" {
		j.p.add(j.path+".crv", `%q is not supported for EC keys; use "P-256", "P-384" or "P-521"`, crv)
	}
	x, y := j.bytes("x"), j.bytes("y")
	if !known || x == nil || y == nil {
		return
	}
	if len(x) != c.size || len(y) != c.size {
		j.p.add(j.path, "x and y must be %d bytes each for %s (got %d and %d)", c.size, crv, len(x), len(y))
		return
	}
	point := append(append([]byte{4}, x...), y...)
	pub, err := ecdsa.ParseUncompressedPublicKey(c.curve, point)
	if err != nil {
		j.p.add(j.path, "the point (x, y) is not on curve %s", crv)
		return
	}
	k.material, k.algs = pub, []string{c.alg}
	k.pub.Crv, k.pub.X, k.pub.Y = crv, b64.EncodeToString(x), b64.EncodeToString(y)
}

// okp decodes an Ed25519 public key.
func (j jwk) okp(k *key) {
	crv := j.str("crv", true)
	switch crv {
	case "":
		return
	case "Ed25519":
	case "X25519", "X448":
		j.p.add(j.path+".crv", "%q is for key agreement, not signatures; use an Ed25519 key", crv)
		return
	default:
		j.p.add(j.path+".crv", `%q is not supported for OKP keys; use "Ed25519"`, crv)
		return
	}
	x := j.bytes("x")
	if x == nil {
		return
	}
	if len(x) != ed25519.PublicKeySize {
		j.p.add(j.path+".x", "an Ed25519 public key has %d bytes, got %d", ed25519.PublicKeySize, len(x))
		return
	}
	k.material, k.algs = ed25519.PublicKey(x), algsOKP
	k.pub.Crv, k.pub.X = crv, b64.EncodeToString(x)
}
