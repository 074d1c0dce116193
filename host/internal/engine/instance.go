package engine

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"time"

	"github.com/hostd/hostd/abi"
	"github.com/hostd/hostd/host/internal/sandbox"
	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
	"github.com/tetratelabs/wazero/experimental"
	"github.com/tetratelabs/wazero/sys"
)

type phase uint8

const (
	phaseNone phase = iota
	phaseConfigure
	phaseRequest
	phaseResponse
	phaseMessage
)

func (ph phase) String() string {
	return [...]string{"none", "on_configure", "on_request", "on_response", "on_message"}[ph]
}

// Outcomes reported to the Observer.
const (
	OutcomeOK       = "ok"
	OutcomeTrap     = "trap"
	OutcomeTimeout  = "timeout"
	OutcomeMemory   = "memory"
	OutcomeBusy     = "busy"
	OutcomeCanceled = "canceled"
	// OutcomeStack is a call that went past its stack budget.
	OutcomeStack = "stack"
	// OutcomeOverloaded is a call or an instantiation refused for want of
	// host capacity (instances or guest memory of all plugins).
	OutcomeOverloaded = "overloaded"
	// OutcomeQuarantined is a request refused because the pool is
	// quarantined.
	OutcomeQuarantined = "quarantined"
)

type instanceKey struct{}

// Instance is one instantiated guest. It is not safe for concurrent use: a
// request takes it from the pool with Get, uses it for on_request and
// on_response, and returns it with Put.
type Instance struct {
	p       *Pool
	mod     api.Module
	mem     api.Memory
	baseCtx context.Context
	lm      *linearMemory

	// fuel is the guest's fuel global (see interrupt.go).
	fuel api.MutableGlobal
	// deep is set when a call went past the soft stack depth; the
	// instance is then recycled, and stackReserved bytes of the memory
	// budget are held until it closes.
	deep          bool
	stackReserved int64
	// callStart is when the running call began; long is set once it ran
	// past LongCallAfter, cpu while it holds a long-call CPU token.
	callStart  time.Time
	sliceStart time.Time     // the last scheduling point (see yield)
	tokenSince time.Time     // when the call took its CPU token
	lastYield  time.Time     // the last yield, or the call's start
	ran        time.Duration // the call's run time so far (see yield)
	long, cpu  bool
	slot       CallSlot // the journal's record of this instance; nil without a journal
	// deadline and reqCtx bound the running callback (callTimeout): yield
	// ends it once deadline has passed (ErrTimeout) or reqCtx is done (the
	// client went away: ErrCanceled), with no context or timer per call.
	// Both are zero outside a callback: the start function and
	// _initialize run under a context with its own deadline instead.
	deadline time.Time
	reqCtx   context.Context

	onRequest, onResponse, onMessage api.Function
	stack                            [1]uint64

	calls    int
	dead     bool
	phase    phase
	ex       *Exchange
	features abi.Features
	stdout   *guestWriter
	msg      *Message // the message of the running on_message
	reply    reply    // the last msg_request reply of the running callback
	// interned holds header names and values this instance's guest wrote
	// (see intern), so that writing the same ones again does not allocate.
	interned map[string]string
}

func (p *Pool) newInstance(ctx context.Context) (*Instance, error) {
	e := p.m.e
	inst := &Instance{p: p}
	inst.baseCtx = context.WithValue(context.Background(), instanceKey{}, inst)
	inst.stdout = newGuestWriter(p)
	lm, err := newLinearMemory(e.budget, int64(p.cfg.MemoryLimitPages)<<16, int64(p.m.minPages)<<16)
	if err != nil {
		return nil, fmt.Errorf("engine: %s: instantiate: %w", p, err)
	}
	inst.lm = lm
	if p.cfg.Journal != nil {
		inst.slot = p.cfg.Journal.Acquire(p.b.Plugin, p.b.Version)
	}
	mc := wazero.NewModuleConfig().
		WithName("").
		WithStartFunctions(). // _initialize is called below, under the deadline
		WithStdout(inst.stdout).WithStderr(inst.stdout).
		WithRandSource(rand.Reader).
		WithSysWalltime().WithSysNanotime()
	cctx, cancel := context.WithTimeout(inst.baseCtx, p.cfg.ConfigureTimeout)
	defer cancel()
	cctx = experimental.WithMemoryAllocator(cctx, lm.allocator())
	inst.begin() // the start function runs in InstantiateModule
	mod, err := e.rt.InstantiateModule(cctx, p.m.compiled, mc)
	inst.endCall(false)
	if err != nil {
		err = inst.classify(err)
		inst.close()
		return nil, fmt.Errorf("engine: %s: instantiate: %w", p, err)
	}
	inst.mod = mod
	inst.mem = mod.Memory()
	inst.fuel = mod.ExportedGlobal(sandbox.FuelExport).(api.MutableGlobal)
	inst.onRequest = mod.ExportedFunction(abi.ExportOnRequest)
	inst.onResponse = mod.ExportedFunction(abi.ExportOnResponse)
	inst.onMessage = mod.ExportedFunction(abi.ExportOnMessage)
	if err := inst.initialize(cctx); err != nil {
		inst.close()
		return nil, fmt.Errorf("engine: %s: %w", p, err)
	}
	p.mu.Lock()
	p.live++
	p.mu.Unlock()
	p.cfg.Observer.Instances(p.b.Plugin, p.b.Version, 1)
	return inst, nil
}

// due gives the instance a full slice of fuel before a call.
func (i *Instance) due() {
	i.fuel.Set(fuelRefill)
	i.begin()
}

// begin records the start of a call.
func (i *Instance) begin() {
	i.callStart = time.Now()
	i.sliceStart, i.lastYield, i.ran = i.callStart, i.callStart, 0
	if i.slot != nil {
		i.slot.Begin(i.callStart)
	}
}

// initialize runs _initialize and on_configure.
func (i *Instance) initialize(ctx context.Context) error {
	i.due()
	defer i.endCall(false)
	if i.p.m.hasInit {
		if _, err := i.mod.ExportedFunction(abi.InitializeExport).Call(ctx); err != nil {
			return fmt.Errorf("_initialize: %w", i.classify(err))
		}
	}
	if !i.p.m.hasConfigure || i.p.b.skipConfigure {
		return nil
	}
	i.phase = phaseConfigure
	defer func() { i.phase = phaseNone }()
	res, err := i.mod.ExportedFunction(abi.ExportOnConfigure).Call(ctx)
	if err != nil {
		return fmt.Errorf("on_configure: %w", i.classify(err))
	}
	if st := abi.Status(uint32(res[0])); st != abi.StatusOK {
		return fmt.Errorf("%w: on_configure returned %s (see the plugin's log lines)", ErrConfigRejected, st)
	}
	return nil
}

// OnRequest runs on_request for ex. On error the instance is dead and must
// still be returned with Put.
func (i *Instance) OnRequest(ctx context.Context, ex *Exchange) (abi.Action, error) {
	if err := i.call(ctx, ex, phaseRequest, i.onRequest); err != nil {
		return abi.ActionRespond, err
	}
	act := abi.Action(uint32(i.stack[0]))
	if ex.sent {
		act = abi.ActionRespond
	}
	if act != abi.ActionContinue && act != abi.ActionRespond {
		i.dead = true
		return abi.ActionRespond, fmt.Errorf("%w: on_request returned unknown action %d", ErrTrap, act)
	}
	return act, nil
}

// OnResponse runs on_response if the guest exports it.
func (i *Instance) OnResponse(ctx context.Context, ex *Exchange) error {
	if i.onResponse == nil {
		return nil
	}
	return i.call(ctx, ex, phaseResponse, i.onResponse)
}

// KeepForResponse reports whether the instance must stay checked out
// until the request's on_response: it exports on_response and enabled
// neither FeatureAnyInstanceResponse nor FeatureSkipResponse. Otherwise the
// caller may Release it right after on_request, and run on_response (if
// NeedsResponse) on any instance of the pool.
func (i *Instance) KeepForResponse() bool {
	return i.onResponse != nil && i.features&(abi.FeatureAnyInstanceResponse|abi.FeatureSkipResponse) == 0
}

// NeedsResponse reports whether on_response must run for the request: the
// guest exports it and did not enable FeatureSkipResponse.
func (i *Instance) NeedsResponse() bool {
	return i.onResponse != nil && !i.features.IsEnabled(abi.FeatureSkipResponse)
}

// OnMessage runs on_message for msg with its own deadline and returns the
// guest's status. A guest without on_message fails with ErrNoMessageExport
// (the instance stays usable). On other errors the instance is dead and
// must still be returned with Put.
func (i *Instance) OnMessage(ctx context.Context, msg *Message, timeout time.Duration) (abi.Status, error) {
	if i.onMessage == nil {
		return abi.StatusUnsupported, ErrNoMessageExport
	}
	i.msg = msg
	defer func() { i.msg = nil }()
	if err := i.callTimeout(ctx, nil, phaseMessage, i.onMessage, timeout); err != nil {
		return abi.StatusInternal, err
	}
	return abi.Status(uint32(i.stack[0])), nil
}

// Release returns the instance to its pool (or closes it if it failed).
func (i *Instance) Release() { i.p.Put(i) }

// Plugin returns the plugin name and version the instance runs.
func (i *Instance) Plugin() (string, int) { return i.p.b.Plugin, i.p.b.Version }

func (i *Instance) call(ctx context.Context, ex *Exchange, ph phase, fn api.Function) error {
	return i.callTimeout(ctx, ex, ph, fn, i.p.cfg.CallTimeout)
}

func (i *Instance) callTimeout(ctx context.Context, ex *Exchange, ph phase, fn api.Function, timeout time.Duration) error {
	if i.dead {
		return fmt.Errorf("%w: instance already failed", ErrTrap)
	}
	i.calls++
	i.ex, i.phase, i.reply = ex, ph, reply{}
	if ph == phaseRequest && i.features.IsEnabled(abi.FeatureBufferResponse) {
		ex.features.response = true
	}
	i.reqCtx = ctx
	i.due()
	start := i.callStart
	i.deadline = start.Add(timeout)
	// Host functions get baseCtx: yield checks the deadline and ctx, and
	// a host function that waits bounds its wait with i.bounded.
	err := fn.CallWithStack(i.baseCtx, i.stack[:])
	i.endCall(true)
	i.ex, i.phase, i.reply = nil, phaseNone, reply{}
	i.reqCtx, i.deadline = nil, time.Time{}
	outcome := OutcomeOK
	if err != nil {
		err = i.classify(err)
		if ctx.Err() != nil && errors.Is(err, ErrTimeout) {
			err = ErrCanceled
		}
		outcome = outcomeOf(err)
	}
	i.p.recordCall(err)
	i.p.calls(ph.String(), time.Since(start), outcome)
	return err
}

// classify marks the instance dead and maps a wazero error to a sentinel.
func (i *Instance) classify(err error) error {
	i.dead = true
	switch {
	case errors.Is(err, errDeadline):
		return ErrTimeout
	case errors.Is(err, errCallCanceled):
		return ErrCanceled
	case errors.Is(err, errStackOverflow):
		return fmt.Errorf("%w (%d MiB)", ErrStackOverflow, i.p.cfg.StackBudgetBytes>>20)
	case errors.Is(err, errStackMemory), i.lm != nil && i.lm.refusedGrow():
		return fmt.Errorf("%w: the guest memory budget of all plugins (%d MiB) is used up: %v",
			ErrOverloaded, i.p.cfg.MaxTotalMemoryBytes>>20, err)
	}
	var exit *sys.ExitError
	if errors.As(err, &exit) {
		if i.nearMemoryLimit() {
			return fmt.Errorf("%w (guest exited with code %d)", ErrMemoryLimit, exit.ExitCode())
		}
		return fmt.Errorf("%w: guest exited with code %d", ErrTrap, exit.ExitCode())
	}
	if i.nearMemoryLimit() {
		return fmt.Errorf("%w: %v", ErrMemoryLimit, err)
	}
	return fmt.Errorf("%w: %v", ErrTrap, err)
}

func outcomeOf(err error) string {
	switch {
	case errors.Is(err, ErrTimeout):
		return OutcomeTimeout
	case errors.Is(err, ErrMemoryLimit):
		return OutcomeMemory
	case errors.Is(err, ErrCanceled):
		return OutcomeCanceled
	case errors.Is(err, ErrOverloaded):
		return OutcomeOverloaded
	case errors.Is(err, ErrStackOverflow):
		return OutcomeStack
	}
	return OutcomeTrap
}

func (i *Instance) pages() uint32 {
	if i.mem == nil {
		return 0
	}
	return i.mem.Size() / 65536
}

// nearMemoryLimit reports whether the guest failed with its memory within
// a few pages of the limit, which is how an out-of-memory guest looks.
func (i *Instance) nearMemoryLimit() bool {
	return i.mem != nil && i.pages()+64 >= i.p.cfg.MemoryLimitPages
}

// MemoryBytes returns the instance's current linear memory size.
func (i *Instance) MemoryBytes() uint32 {
	if i.mem == nil {
		return 0
	}
	return i.mem.Size()
}

func (i *Instance) close() {
	if i.mod != nil {
		_ = i.mod.Close(context.Background())
	}
	if i.lm != nil {
		i.lm.Free()
	}
	i.p.m.e.budget.releaseMemory(i.stackReserved)
	i.stackReserved = 0
	if i.slot != nil {
		i.slot.Release()
		i.slot = nil
	}
}
