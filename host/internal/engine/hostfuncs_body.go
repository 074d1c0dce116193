package engine

import (
	"context"
	"net/http"
	"net/url"

	"github.com/hostd/hostd/abi"
	"github.com/tetratelabs/wazero/api"
)

func setEscapedPath(r *http.Request, p string) error {
	u, err := url.Parse(p)
	if err != nil {
		return err
	}
	r.URL.Path, r.URL.RawPath = u.Path, u.RawPath
	r.RequestURI = r.URL.RequestURI()
	return nil
}

// bodyKind returns the exchange and whether kind selects the request body.
// Request bodies may only be replaced during on_request.
func bodyKind(i *Instance, fn string, kind uint64, write bool) (*Exchange, bool) {
	_, ex := headers(i, fn, kind, write)
	return ex, abi.HeaderKind(api.DecodeU32(kind)) == abi.HeaderKindRequest
}

func getBody(ctx context.Context, m api.Module, stack []uint64) {
	i := instanceOf(ctx)
	ex, isReq := bodyKind(i, "get_body", stack[0], false)
	buf, limit := u32ToU(stack[1]), u32ToU(stack[2])
	switch abi.HeaderKind(api.DecodeU32(stack[0])) {
	case abi.HeaderKindMessage:
		stack[0] = abi.PackStatusLen(abi.StatusOK, writeBytes(m, buf, limit, i.msg.Data, "get_body"))
		return
	case abi.HeaderKindReply:
		stack[0] = abi.PackStatusLen(abi.StatusOK, writeBytes(m, buf, limit, i.reply.data, "get_body"))
		return
	}
	if isReq {
		if i.phase == phaseResponse && !ex.reqBodyRead {
			// The target may have consumed the body; only a body read or
			// replaced during on_request is still available.
			stack[0] = abi.PackStatusLen(abi.StatusUnsupported, 0)
			return
		}
		b, st := ex.RequestBody()
		if st != abi.StatusOK {
			stack[0] = abi.PackStatusLen(st, 0)
			return
		}
		stack[0] = abi.PackStatusLen(abi.StatusOK, writeBytes(m, buf, limit, b, "get_body"))
		return
	}
	if !ex.BodyBuffered {
		stack[0] = abi.PackStatusLen(abi.StatusUnsupported, 0)
		return
	}
	stack[0] = abi.PackStatusLen(abi.StatusOK, writeBytes(m, buf, limit, ex.Body.Bytes(), "get_body"))
}

func bodyWrite(ctx context.Context, m api.Module, stack []uint64, fn string, replace bool) {
	i := instanceOf(ctx)
	ex, isReq := bodyKind(i, fn, stack[0], true)
	b := read(m, u32ToU(stack[1]), u32ToU(stack[2]), fn)
	if isReq {
		if !replace {
			cur, st := ex.RequestBody()
			if st != abi.StatusOK {
				stack[0] = uint64(st)
				return
			}
			b = append(cur[:len(cur):len(cur)], b...)
		}
		if int64(len(b)) > ex.MaxBody {
			stack[0] = uint64(abi.StatusTooLarge)
			return
		}
		ex.setRequestBody(b)
		stack[0] = uint64(abi.StatusOK)
		return
	}
	if !ex.BodyBuffered && i.phase == phaseResponse {
		stack[0] = uint64(abi.StatusUnsupported)
		return
	}
	size := int64(len(b))
	if !replace {
		size += int64(ex.Body.Len())
	}
	if size > ex.MaxBody {
		stack[0] = uint64(abi.StatusTooLarge)
		return
	}
	if replace {
		ex.Body.Reset()
	}
	ex.Body.Write(b)
	stack[0] = uint64(abi.StatusOK)
}

func setBody(ctx context.Context, m api.Module, stack []uint64) {
	bodyWrite(ctx, m, stack, "set_body", true)
}

func writeBody(ctx context.Context, m api.Module, stack []uint64) {
	bodyWrite(ctx, m, stack, "write_body", false)
}

func getStatus(ctx context.Context, _ api.Module, stack []uint64) {
	ex := instanceOf(ctx).needPhase("get_status", reqPhases...)
	stack[0] = uint64(ex.Status)
}

// validStatus reports whether a plugin may set code: a final status that
// HTTP defines a class for. 1xx are interim responses and cannot end a
// request; 600 and above have no class, and clients and proxies treat
// them differently (some as 5xx, some as a protocol error).
func validStatus(code uint32) bool { return code >= 200 && code <= 599 }

func setStatus(ctx context.Context, _ api.Module, stack []uint64) {
	ex := instanceOf(ctx).needPhase("set_status", reqPhases...)
	code := u32ToU(stack[0])
	if !validStatus(code) {
		stack[0] = uint64(abi.StatusInvalidArgument)
		return
	}
	ex.Status = int(code)
	stack[0] = uint64(abi.StatusOK)
}

func sendResponse(ctx context.Context, m api.Module, stack []uint64) {
	ex := instanceOf(ctx).needPhase("send_response", onlyReq...)
	code := u32ToU(stack[0])
	body := read(m, u32ToU(stack[1]), u32ToU(stack[2]), "send_response")
	switch {
	case !validStatus(code):
		stack[0] = uint64(abi.StatusInvalidArgument)
	case int64(len(body)) > ex.MaxBody:
		stack[0] = uint64(abi.StatusTooLarge)
	default:
		ex.Status = int(code)
		ex.Body.Reset()
		ex.Body.Write(body)
		ex.BodyBuffered = true
		ex.sent = true
		stack[0] = uint64(abi.StatusOK)
	}
}
