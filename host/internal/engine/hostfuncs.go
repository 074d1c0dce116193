package engine

import (
	"context"
	"crypto/rand"
	"fmt"
	"log/slog"
	"time"

	"github.com/hostd/hostd/abi"
	"github.com/tetratelabs/wazero/api"
)

// hostFuncs maps every abi.HostFunctions name to its implementation. The
// types come from abi, so the host cannot drift from the contract.
var hostFuncs = map[string]api.GoModuleFunc{
	abi.FuncEnableFeatures: enableFeatures,
	abi.FuncGetConfig:      getConfig,
	abi.FuncLog:            logLine,
	abi.FuncLogEnabled:     logEnabled,
	abi.FuncNow:            now,
	abi.FuncRandom:         random,

	abi.FuncGetMethod:       getMethod,
	abi.FuncGetPath:         getPath,
	abi.FuncSetPath:         setPath,
	abi.FuncGetQuery:        getQuery,
	abi.FuncSetQuery:        setQuery,
	abi.FuncGetRouteVar:     getRouteVar,
	abi.FuncGetRemoteAddr:   getRemoteAddr,
	abi.FuncGetRequestID:    getRequestID,
	abi.FuncSetRequestState: setRequestState,
	abi.FuncGetRequestState: getRequestState,

	abi.FuncGetHeader:       getHeader,
	abi.FuncGetHeaderValues: getHeaderValues,
	abi.FuncGetHeaderNames:  getHeaderNames,
	abi.FuncSetHeader:       setHeader,
	abi.FuncAddHeader:       addHeader,
	abi.FuncRemoveHeader:    removeHeader,

	abi.FuncGetBody:   getBody,
	abi.FuncSetBody:   setBody,
	abi.FuncWriteBody: writeBody,

	abi.FuncGetStatus:    getStatus,
	abi.FuncSetStatus:    setStatus,
	abi.FuncSendResponse: sendResponse,

	abi.FuncKVGet:    kvGet,
	abi.FuncKVPut:    kvPut,
	abi.FuncKVCAS:    kvCAS,
	abi.FuncKVDelete: kvDelete,
	abi.FuncKVList:   kvList,

	abi.FuncJWTVerify:     jwtVerify,
	abi.FuncRateLimitTake: rateLimitTake,
	abi.FuncBreakerAllow:  breakerAllow,
	abi.FuncBreakerReport: breakerReport,

	abi.FuncMsgPublish:       msgPublish,
	abi.FuncMsgRequest:       msgRequest,
	abi.FuncMsgRespond:       msgRespond,
	abi.FuncMsgGetSubject:    msgGetSubject,
	abi.FuncMsgGetReply:      msgGetReply,
	abi.FuncMsgDeliveryCount: msgDeliveryCount,
	abi.FuncMsgSettle:        msgSettle,
}

func (e *Engine) instantiateHostModule(ctx context.Context) error {
	b := e.rt.NewHostModuleBuilder(abi.ModuleName)
	for _, sig := range abi.HostFunctions {
		fn, ok := hostFuncs[sig.Name]
		if !ok {
			return fmt.Errorf("no implementation of %s", sig.Name)
		}
		b.NewFunctionBuilder().
			WithGoModuleFunction(fn, valueTypes(sig.Params), valueTypes(sig.Results)).
			WithName(sig.Name).
			Export(sig.Name)
	}
	_, err := b.Instantiate(ctx)
	return err
}

func valueTypes(ts []abi.ValueType) []api.ValueType {
	out := make([]api.ValueType, len(ts))
	for i, t := range ts {
		out[i] = api.ValueType(t)
	}
	return out
}

// offered returns the features this host offers every plugin: the groups
// whose services are configured.
func (c *Config) offered() abi.Features {
	f := abi.FeatureBufferResponse | abi.FeatureAnyInstanceResponse | abi.FeatureSkipResponse
	for _, g := range []struct {
		on bool
		f  abi.Features
	}{{c.KV != nil, abi.FeatureKV}, {c.JWT != nil, abi.FeatureJWT},
		{c.RateLimits != nil, abi.FeatureRateLimit}, {c.Breakers != nil, abi.FeatureBreaker},
		{c.Messenger != nil, abi.FeatureMessaging}} {
		if g.on {
			f |= g.f
		}
	}
	return f
}

func enableFeatures(ctx context.Context, m api.Module, stack []uint64) {
	i := instanceOf(ctx)
	want := abi.Features(stack[0])
	got := want & i.p.cfg.offered()
	i.features |= got
	if got.IsEnabled(abi.FeatureBufferResponse) && i.ex != nil {
		i.ex.features.response = true
	}
	stack[0] = uint64(i.features)
}

func getConfig(ctx context.Context, m api.Module, stack []uint64) {
	i := instanceOf(ctx)
	stack[0] = u32(writeBytes(m, u32ToU(stack[0]), u32ToU(stack[1]), i.p.b.Config, "get_config"))
}

func u32ToU(v uint64) uint32 { return api.DecodeU32(v) }

var slogLevels = map[abi.LogLevel]slog.Level{
	abi.LogLevelDebug: slog.LevelDebug, abi.LogLevelInfo: slog.LevelInfo,
	abi.LogLevelWarn: slog.LevelWarn, abi.LogLevelError: slog.LevelError,
}

func level(v uint64) slog.Level {
	l, ok := slogLevels[abi.LogLevel(api.DecodeI32(v))]
	if !ok {
		trapf("log level %d is not one of -1, 0, 1, 2", api.DecodeI32(v))
	}
	return l
}

func logLine(ctx context.Context, m api.Module, stack []uint64) {
	i := instanceOf(ctx)
	lvl := level(stack[0])
	n := min(u32ToU(stack[2]), maxGuestLine)
	msg := read(m, u32ToU(stack[1]), n, "log")
	i.p.guestLog(lvl, msg, "log")
}

func logEnabled(ctx context.Context, m api.Module, stack []uint64) {
	i := instanceOf(ctx)
	if i.p.cfg.Logger.Enabled(ctx, level(stack[0])) {
		stack[0] = 1
	} else {
		stack[0] = 0
	}
}

func now(_ context.Context, _ api.Module, stack []uint64) {
	stack[0] = uint64(time.Now().UnixNano())
}

const maxRandom = 64 << 10

func random(_ context.Context, m api.Module, stack []uint64) {
	n := u32ToU(stack[1])
	if n > maxRandom {
		trapf("random: %d bytes asked, at most %d per call", n, maxRandom)
	}
	b := read(m, u32ToU(stack[0]), n, "random")
	if _, err := rand.Read(b); err != nil {
		trapf("random: %v", err)
	}
}
