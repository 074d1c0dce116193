package engine

import (
	"context"
	"fmt"

	"github.com/tetratelabs/wazero/api"
)

// misuse is a guest error that traps: the call fails, the instance is
// discarded and the message goes to the host log (never to the client).
type misuse string

func (m misuse) Error() string { return "guest misuse: " + string(m) }

func trapf(format string, args ...any) { panic(misuse(fmt.Sprintf(format, args...))) }

// instanceOf returns the instance whose call is running.
func instanceOf(ctx context.Context) *Instance {
	return ctx.Value(instanceKey{}).(*Instance)
}

// read returns a view of guest memory; it traps when out of bounds. The
// view is valid until the guest runs again.
func read(m api.Module, ptr, n uint32, what string) []byte {
	b, ok := m.Memory().Read(ptr, n)
	if !ok {
		trapf("%s: region [%d, %d+%d) is outside memory", what, ptr, ptr, n)
	}
	return b
}

// writeBytes implements the buf_limit protocol for a byte value.
func writeBytes(m api.Module, buf, limit uint32, v []byte, what string) uint32 {
	n := uint32(len(v))
	if n <= limit && n > 0 && !m.Memory().Write(buf, v) {
		trapf("%s: buffer [%d, %d+%d) is outside memory", what, buf, buf, n)
	}
	return n
}

// writeString implements the buf_limit protocol for a string value.
func writeString(m api.Module, buf, limit uint32, v string, what string) uint32 {
	n := uint32(len(v))
	if n <= limit && n > 0 && !m.Memory().WriteString(buf, v) {
		trapf("%s: buffer [%d, %d+%d) is outside memory", what, buf, buf, n)
	}
	return n
}

// needOut traps unless the n bytes at a non-zero out pointer are in
// memory. Functions with side effects check their out pointers first, so
// that a trap never follows a change the guest cannot learn of.
func needOut(m api.Module, ptr, n uint32, what string) {
	if ptr != 0 {
		read(m, ptr, n, what)
	}
}

func writeU64(m api.Module, ptr uint32, v uint64, what string) {
	if ptr != 0 && !m.Memory().WriteUint64Le(ptr, v) {
		trapf("%s: revision pointer %d is outside memory", what, ptr)
	}
}

// needPhase traps unless the running callback is one of the allowed phases,
// and returns the exchange (nil in on_configure).
func (i *Instance) needPhase(fn string, allowed ...phase) *Exchange {
	for _, ph := range allowed {
		if i.phase == ph {
			return i.ex
		}
	}
	trapf("%s may not be called during %s", fn, i.phase)
	return nil
}

var (
	reqPhases = []phase{phaseRequest, phaseResponse}
	onlyReq   = []phase{phaseRequest}
	anyPhase  = []phase{phaseConfigure, phaseRequest, phaseResponse, phaseMessage}
	u32       = api.EncodeU32
)
