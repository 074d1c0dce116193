package host

import (
	"encoding/binary"
	"strings"
	"unsafe"

	"github.com/hostd/hostd/host/internal/keyset"
)

// The verified-token cache: jwt-auth sends the same bearer token on every
// request of a client, and verifying it (base64, JSON, HMAC/RSA/ECDSA) is
// most of what the filter costs. A binding keeps the tokens that verified
// for it, by key set generation, policy bytes and token bytes, with the
// claims and the window in which that verification holds; a later call
// with the same three inside the window gets the same claims without
// verifying again. What is cached cannot answer differently from a fresh
// verification:
//
//   - only successes are kept, and a hit is only taken at an instant the
//     window contains ([nbf − leeway, exp + leeway), keyset.Window); past
//     it the token is verified afresh and refused;
//   - a key set replaced or removed gets a new generation (keySets.set),
//     so entries verified with the old keys are never found again; they
//     are dropped at once (forget), and one that a verification still
//     running with the old set stores after that is unreachable and ages
//     out of the LRU;
//   - tokens without exp are never kept. jwt_verify requires exp today; a
//     policy that waives it would otherwise make an entry valid forever.
//
// The key is collision-free, not a hash: the generation in 8 bytes, the
// policy's length and bytes, then the token. Claims stay in the host, as
// before; only the guest's copy of them leaves it.
//
// Bounds: a binding keeps at most tokenCachePerBinding bytes (about 2,500
// typical tokens of 150–250 bytes with their claims), all bindings
// together tokenCacheTotal; beyond them the least recently used tokens are
// verified again when next used.
const (
	tokenCachePerBinding = 1 << 20
	tokenCacheTotal      = 32 << 20
)

// verifiedToken is what a successful verification returned.
type verifiedToken struct {
	claims []byte
	window keyset.Window
}

// tokenKey appends the cache key of a token verified with key set
// generation gen under policy to b.
func tokenKey(b []byte, gen uint64, policy, token []byte) []byte {
	b = binary.BigEndian.AppendUint64(b, gen)
	b = binary.AppendUvarint(b, uint64(len(policy)))
	b = append(b, policy...)
	return append(b, token...)
}

// remember caches a successful verification for binding under key.
func (k *keySets) remember(binding string, key, claims []byte, w keyset.Window) {
	if !w.HasNotAfter {
		return
	}
	v := verifiedToken{claims: claims, window: w}
	// The key's bytes and the entry's overhead are charged by the cache.
	k.tokens.Put(binding, key, v, int64(unsafe.Sizeof(v))+int64(cap(claims)))
}

// forget drops every cached token verified with key set generation gen.
func (k *keySets) forget(gen uint64) {
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], gen)
	prefix := string(b[:])
	k.tokens.DeleteFunc(func(key string) bool { return strings.HasPrefix(key, prefix) })
}

// tokenBytes returns the accounted bytes of the verified-token cache.
func (k *keySets) tokenBytes() int64 { return k.tokens.Bytes() }
