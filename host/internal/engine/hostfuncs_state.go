package engine

import (
	"context"

	"github.com/hostd/hostd/abi"
	"github.com/tetratelabs/wazero/api"
)

// requestState is what one chain element kept with set_request_state.
type requestState struct {
	elem int
	b    []byte // reused across requests of a pooled Exchange
}

// AtElement tells ex which element of the route's chain the next callback
// belongs to; set_request_state and get_request_state are scoped by it.
func (ex *Exchange) AtElement(i int) { ex.elem = i }

// state returns the slot of the current element, creating it if create.
func (ex *Exchange) state(create bool) *requestState {
	for k := range ex.states {
		if ex.states[k].elem == ex.elem {
			return &ex.states[k]
		}
	}
	if !create {
		return nil
	}
	if len(ex.states) < cap(ex.states) {
		ex.states = ex.states[:len(ex.states)+1] // keeps the old slot's buffer
	} else {
		ex.states = append(ex.states, requestState{})
	}
	s := &ex.states[len(ex.states)-1]
	s.elem, s.b = ex.elem, s.b[:0]
	return s
}

// resetStates forgets every element's state, keeping the slots and their
// buffers (at most MaxRequestStateLen bytes each) for the next request.
func (ex *Exchange) resetStates() []requestState { return ex.states[:0] }

func setRequestState(ctx context.Context, m api.Module, stack []uint64) {
	ex := instanceOf(ctx).needPhase("set_request_state", reqPhases...)
	n := u32ToU(stack[1])
	if n > abi.MaxRequestStateLen {
		stack[0] = uint64(abi.StatusTooLarge)
		return
	}
	b := read(m, u32ToU(stack[0]), n, "set_request_state")
	s := ex.state(true)
	s.b = append(s.b[:0], b...)
	stack[0] = uint64(abi.StatusOK)
}

func getRequestState(ctx context.Context, m api.Module, stack []uint64) {
	ex := instanceOf(ctx).needPhase("get_request_state", reqPhases...)
	var v []byte
	if s := ex.state(false); s != nil {
		v = s.b
	}
	stack[0] = u32(writeBytes(m, u32ToU(stack[0]), u32ToU(stack[1]), v, "get_request_state"))
}
