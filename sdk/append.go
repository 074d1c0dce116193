package sdk

import (
	"github.com/hostd/hostd/abi"
	"github.com/hostd/hostd/sdk/internal/imports"
)

// Append forms of getters for plugins that read host data on every
// request (Header.AppendValue is in header.go): each appends the value to
// dst and returns the extended slice, so a plugin that keeps one buffer
// (dst[:0]) allocates nothing once the buffer has grown to its steady size.

// AppendValues appends every value of the header name to dst, each followed
// by a NUL byte (which no header value holds), and returns how many there
// are.
func (h Header) AppendValues(dst []byte, name string) ([]byte, int) {
	for {
		count, n := imports.GetHeaderValues(h.kind, bytesOf(name), scratch)
		if count == 0 {
			return dst, 0
		}
		if fits(n) {
			return append(dst, scratch[:n]...), int(count)
		}
	}
}

// AppendRemoteAddr appends the client's "ip:port" to dst.
func (Request) AppendRemoteAddr(dst []byte) []byte {
	return append(dst, view(imports.GetRemoteAddr)...)
}

// AppendRequestState appends what SetRequestState kept for this request to
// dst (nothing if nothing was kept).
func AppendRequestState(dst []byte) []byte {
	return append(dst, view(imports.GetRequestState)...)
}

// AppendGet is KVStore.Get appending the value to dst: value is dst
// extended by it, or dst unchanged when the key is absent or on error.
func (KVStore) AppendGet(dst []byte, key string) (value []byte, rev uint64, found bool, err error) {
	if err := checkKey(key); err != nil {
		return dst, 0, false, err
	}
	for {
		st, n, rev := imports.KVGet(bytesOf(key), scratch)
		switch {
		case st == abi.StatusNotFound:
			return dst, 0, false, nil
		case st != abi.StatusOK:
			return dst, 0, false, errOf(st)
		case fits(n):
			return append(dst, scratch[:n]...), rev, true, nil
		}
	}
}

// AppendJWTClaims is VerifyJWT appending the claims of a valid token to
// dst. Errors are those of VerifyJWT; dst is returned unchanged with them.
func AppendJWTClaims(dst []byte, keyset, token string, policy []byte) ([]byte, error) {
	if len(policy) == 0 {
		policy = emptyPolicy
	}
	for {
		st, n := imports.JWTVerify(bytesOf(keyset), bytesOf(token), policy, scratch)
		if !fits(n) {
			continue
		}
		switch st {
		case abi.StatusOK:
			return append(dst, scratch[:n]...), nil
		case abi.StatusDenied:
			return dst, &JWTError{Reason: string(scratch[:n])}
		default:
			return dst, errOf(st)
		}
	}
}
