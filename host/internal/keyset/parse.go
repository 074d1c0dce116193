package keyset

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
)

// Limits of a JWKS document.
const (
	// MaxDocumentBytes is the largest JWKS document Parse accepts.
	MaxDocumentBytes = 64 << 10
	// MaxKeys is the most keys a set may hold.
	MaxKeys = 100
	// MaxKIDLength is the longest "kid" accepted, in bytes.
	MaxKIDLength = 256
)

// problems collects what is wrong with a document, each with its JSON path.
type problems struct {
	list []string
}

func (p *problems) add(path, format string, args ...any) {
	p.list = append(p.list, path+": "+fmt.Sprintf(format, args...))
}

func (p *problems) err() error {
	if len(p.list) == 0 {
		return nil
	}
	return &ParseError{Problems: p.list}
}

// Parse validates a JWKS document (RFC 7517) and returns the key set. Every
// key needs a unique, non-empty "kid" and a supported "kty": "oct" (an HMAC
// secret "k" of at least 32 bytes), "RSA" (public "n" and "e", modulus of
// at least 2048 bits), "EC" ("crv" P-256, P-384 or P-521 and a point "x",
// "y" on it) or "OKP" ("crv" Ed25519 and "x"). Private key members ("d",
// "p", "q", ...) are refused: a set only verifies. An optional "alg" binds
// a key to one algorithm; an optional "use" must be "sig"; optional
// "key_ops" must include "verify". Members this package does not know are
// ignored, as RFC 7517 asks; a member given twice is an error.
//
// On failure the error is a *ParseError listing every problem found, each
// with its JSON path ("keys[2].n: ...").
func Parse(doc []byte) (*Set, error) {
	var p problems
	if len(doc) > MaxDocumentBytes {
		p.add("document", "%d bytes is over the limit of %d bytes", len(doc), MaxDocumentBytes)
		return nil, p.err()
	}
	raws := parseTop(doc, &p)
	if raws == nil {
		return nil, p.err()
	}
	keys := make([]*key, 0, len(raws))
	byKID := make(map[string]*key, len(raws))
	for i, raw := range raws {
		path := fmt.Sprintf("keys[%d]", i)
		k := parseKey(path, raw, &p)
		if k == nil {
			continue
		}
		if _, dup := byKID[k.kid]; dup {
			p.add(path+".kid", "%q is used by an earlier key; every kid must be unique", k.kid)
			continue
		}
		byKID[k.kid] = k
		keys = append(keys, k)
	}
	if err := p.err(); err != nil {
		return nil, err
	}
	return newSet(keys, byKID)
}

// parseTop decodes the outer object and returns its "keys" array, or nil
// after recording why it cannot.
func parseTop(doc []byte, p *problems) []json.RawMessage {
	top, dups, err := decodeObject(doc)
	if err != nil {
		p.add("document", "%v", err)
		return nil
	}
	for _, d := range dups {
		p.add("document", "member %q appears more than once", d)
	}
	raw, ok := top["keys"]
	if !ok {
		p.add("keys", `required: send {"keys": [ JWK, ... ]}`)
		return nil
	}
	var raws []json.RawMessage
	if err := json.Unmarshal(raw, &raws); err != nil || raws == nil {
		p.add("keys", "must be an array of JWK objects")
		return nil
	}
	switch {
	case len(raws) == 0:
		p.add("keys", "the set holds no keys; add at least one")
		return nil
	case len(raws) > MaxKeys:
		p.add("keys", "%d keys is over the limit of %d", len(raws), MaxKeys)
		return nil
	}
	return raws
}

// decodeObject decodes one JSON object into its members, reporting member
// names that appear more than once (encoding/json would keep the last).
func decodeObject(data []byte) (map[string]json.RawMessage, []string, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return nil, nil, errors.New("must be a JSON object")
	}
	out := map[string]json.RawMessage{}
	var dups []string
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, nil, fmt.Errorf("malformed JSON: %w", err)
		}
		name, _ := tok.(string)
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			return nil, nil, fmt.Errorf("malformed JSON: %w", err)
		}
		if _, seen := out[name]; seen && !slices.Contains(dups, name) {
			dups = append(dups, name)
		}
		out[name] = v
	}
	if _, err := dec.Token(); err != nil {
		return nil, nil, fmt.Errorf("malformed JSON: %w", err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, nil, errors.New("unexpected data after the JSON object")
	}
	return out, dups, nil
}

// privateMembers are the JWK members that carry private key material
// (RFC 7518 section 6); "k" of an "oct" key is the one secret a set keeps.
var privateMembers = []string{"d", "p", "q", "dp", "dq", "qi", "oth"}

// parseKey decodes one JWK; it returns nil after recording the problems.
func parseKey(path string, raw json.RawMessage, p *problems) *key {
	m, dups, err := decodeObject(raw)
	if err != nil {
		p.add(path, "%v", err)
		return nil
	}
	before := len(p.list)
	for _, d := range dups {
		p.add(path, "member %q appears more than once", d)
	}
	j := jwk{path: path, m: m, p: p}
	k := &key{kty: j.str("kty", true), kid: j.str("kid", true)}
	if k.kid == "" && string(bytes.TrimSpace(m["kid"])) == `""` {
		p.add(path+".kid", "must not be empty")
	}
	if len(k.kid) > MaxKIDLength {
		p.add(path+".kid", "is %d bytes long; at most %d", len(k.kid), MaxKIDLength)
	}
	use, alg := j.str("use", false), j.str("alg", false)
	if use != "" && use != "sig" {
		p.add(path+".use", `is %q; a key set only verifies signatures, so use must be "sig" or absent`, use)
	}
	j.checkOps()
	j.checkPrivate()
	j.material(k)
	if alg != "" {
		j.bindAlg(k, alg)
	}
	k.use = use
	if len(p.list) > before {
		return nil
	}
	return k
}

// jwk reads the members of one key, recording problems under path.
type jwk struct {
	path string
	m    map[string]json.RawMessage
	p    *problems
}

// str returns member name as a string ("" when absent), recording a
// problem when it is not a string or, if required, absent.
func (j jwk) str(name string, required bool) string {
	raw, ok := j.m[name]
	if !ok {
		if required {
			j.p.add(j.path+"."+name, "required")
		}
		return ""
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		j.p.add(j.path+"."+name, "must be a string")
		return ""
	}
	return s
}

// checkOps requires "key_ops", when present, to list "verify".
func (j jwk) checkOps() {
	raw, ok := j.m["key_ops"]
	if !ok {
		return
	}
	var ops []string
	if err := json.Unmarshal(raw, &ops); err != nil {
		j.p.add(j.path+".key_ops", "must be an array of strings")
		return
	}
	if !slices.Contains(ops, "verify") {
		j.p.add(j.path+".key_ops", `must include "verify" (a key set only verifies signatures)`)
	}
}

// checkPrivate refuses private key members.
func (j jwk) checkPrivate() {
	var found []string
	for _, name := range privateMembers {
		if _, ok := j.m[name]; ok {
			found = append(found, name)
		}
	}
	if len(found) > 0 {
		j.p.add(j.path+"."+found[0], "private key members (%s) are not accepted: a key set only verifies, so upload the public key alone",
			strings.Join(found, ", "))
	}
}

// material decodes the key material of k's kty into k.
func (j jwk) material(k *key) {
	switch k.kty {
	case "":
		// missing or not a string: already reported
	case ktyOct:
		j.oct(k)
	case ktyRSA:
		j.rsa(k)
	case ktyEC:
		j.ec(k)
	case ktyOKP:
		j.okp(k)
	default:
		j.p.add(j.path+".kty", `%q is not supported; use "oct", "RSA", "EC" or "OKP"`, k.kty)
	}
}

// bindAlg restricts k to alg, which must be one of the algorithms its
// material allows.
func (j jwk) bindAlg(k *key, alg string) {
	if !knownAlg(alg) {
		j.p.add(j.path+".alg", "%q is not a supported signature algorithm; use one of %s", alg, strings.Join(allAlgorithms, ", "))
		return
	}
	if k.algs == nil {
		return // the material is invalid; already reported
	}
	if !slices.Contains(k.algs, alg) {
		j.p.add(j.path+".alg", "%q does not fit this key, which allows %s%s", alg, strings.Join(k.algs, ", "), algHint(k.kty))
		return
	}
	k.algs = []string{alg}
	k.alg = alg
}

// algHint explains why an algorithm may not fit a key of type kty.
func algHint(kty string) string {
	switch kty {
	case ktyOct:
		return " (an HMAC secret must be at least as long as the hash: 32 bytes for HS256, 48 for HS384, 64 for HS512)"
	case ktyEC:
		return " (the curve decides: P-256 ES256, P-384 ES384, P-521 ES512)"
	}
	return ""
}
