//go:build !wasm

package sdk

import (
	"testing"

	"github.com/hostd/hostd/abi"
	"github.com/hostd/hostd/sdk/internal/imports"
)

// appendHost answers the getters behind the Append functions from constants,
// without allocating, so that AllocsPerRun measures the SDK alone. Other
// calls panic (nil Host).
type appendHost struct{ imports.Host }

func (appendHost) GetHeader(_ abi.HeaderKind, _, buf []byte) (bool, uint32) {
	return true, hostPut(buf, "Bearer abc")
}

func (appendHost) GetHeaderValues(_ abi.HeaderKind, _, buf []byte) (uint32, uint32) {
	return 2, hostPut(buf, "a=1\x00b=2\x00")
}

func (appendHost) GetRemoteAddr(buf []byte) uint32   { return hostPut(buf, "192.0.2.1:41000") }
func (appendHost) GetRequestState(buf []byte) uint32 { return hostPut(buf, "12345678") }

func (appendHost) KVGet(_, buf []byte) (abi.Status, uint32, uint64) {
	return abi.StatusOK, hostPut(buf, `{"client":"acme"}`), 7
}

func (appendHost) JWTVerify(_, _, _, buf []byte) (abi.Status, uint32) {
	return abi.StatusOK, hostPut(buf, `{"sub":"ann"}`)
}

func TestAppendGettersDoNotAllocate(t *testing.T) {
	defer imports.SetHost(appendHost{})()
	buf := make([]byte, 0, 64)
	hd := Header{abi.HeaderKindRequest}
	n := testing.AllocsPerRun(100, func() {
		buf, _ = hd.AppendValue(buf[:0], "Authorization")
		buf, _ = hd.AppendValues(buf[:0], "Cookie")
		buf = Request{}.AppendRemoteAddr(buf[:0])
		buf = AppendRequestState(buf[:0])
		buf, _, _, _ = KV.AppendGet(buf[:0], "key/1")
		var err error
		if buf, err = AppendJWTClaims(buf[:0], "ks", "tok", nil); err != nil || string(buf) != `{"sub":"ann"}` {
			t.Fatalf("AppendJWTClaims: %q %v", buf, err)
		}
	})
	if n != 0 {
		t.Errorf("%v allocations per run", n)
	}
}
