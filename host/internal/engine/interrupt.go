package engine

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"time"

	"github.com/hostd/hostd/host/internal/sandbox"
	"github.com/tetratelabs/wazero/api"
)

// How a running guest is interrupted.
//
// wazero checks for cancellation only at loop headers, and while a guest
// runs compiled code the Go runtime cannot preempt its goroutine: a
// garbage collection's stop-the-world waits for it, with every other
// goroutine stopped. So every module is instrumented at load (package
// sandbox): at each function entry, loop header, call return and bulk
// memory instruction it burns fuel from a global of its own, one unit per
// sandbox.FuelUnit instructions it may run before the next such check,
// and calls the host function yield when the fuel runs out. yield runs Go
// code (a preemption point for the runtime), ends the call if its context
// is done (deadline, client gone) and refills the fuel. The guest counts
// its own work, so this holds while every other goroutine is stopped: a
// clock advanced by another goroutine would not.

// fuelRefill is the fuel of one slice: at most fuelRefill × FuelUnit
// (128000) instructions, or 512 KiB of bulk copies, between two returns to
// Go — about 50 µs of straight code, a yield costing a few hundred ns.
const fuelRefill = 2000

// Errors that end a call from inside the guest.
var (
	errDeadline      = errors.New("deadline exceeded")
	errCallCanceled  = errors.New("call canceled")
	errStackOverflow = errors.New("call stack over its budget")
	errStackMemory   = errors.New("host memory budget exhausted (call stack)")
)

// instantiateSandbox instantiates the host module instrumented code
// imports.
func (e *Engine) instantiateSandbox(ctx context.Context) error {
	_, err := e.rt.NewHostModuleBuilder(sandbox.ImportModule).
		NewFunctionBuilder().WithGoModuleFunction(api.GoModuleFunc(yield), nil, nil).
		WithName(sandbox.YieldFunc).Export(sandbox.YieldFunc).
		NewFunctionBuilder().WithGoModuleFunction(api.GoModuleFunc(stackDeep),
		[]api.ValueType{api.ValueTypeI32}, nil).
		WithName(sandbox.StackFunc).Export(sandbox.StackFunc).
		Instantiate(ctx)
	if err != nil {
		return fmt.Errorf("sandbox module: %w", err)
	}
	return nil
}

// schedQuantum is how long a guest runs between two scheduling points:
// at most that often a yield lets other goroutines run and a long call
// hands its CPU token on. Yields in between (a tight loop yields every few
// microseconds) only check the deadline: handing the token on at each of
// them was measured to wake goroutines on the core left to quick requests
// several hundred thousand times a second.
const schedQuantum = 250 * time.Microsecond

// tokenQuantum is how long a long call keeps its CPU token before it
// queues for it again behind the other long calls. Handing it on more
// often makes the long calls progress together, at the price of wakeups
// on the core left to quick requests.
const tokenQuantum = 10 * time.Millisecond

// maxRunGap is the longest gap between two yields counted as running: a
// slice of fuel takes well under it, so a longer gap was spent in a host
// function that waited.
const maxRunGap = 5 * time.Millisecond

// yield is called by instrumented code when its fuel ran out. Besides
// ending calls whose context is done, it shares the CPUs: every
// schedQuantum it lets other goroutines run (runtime.Gosched), and a call
// that has run longer than LongCallAfter may go on only while it holds one
// of LongCallCPUs tokens, handed on in turn every tokenQuantum, so that
// guests burning their whole deadline can never take every core from the
// requests that are quick.
func yield(ctx context.Context, m api.Module, _ []uint64) {
	i := instanceOf(ctx)
	now := time.Now()
	i.checkDone(ctx, now)
	// The call's run time: the gaps between yields, but for one that spans
	// a blocking host call (a NATS request, a KV write), which uses no CPU.
	if gap := now.Sub(i.lastYield); gap < maxRunGap {
		i.ran += gap
	}
	i.lastYield = now
	if now.Sub(i.sliceStart) >= schedQuantum {
		i.sliceStart = now
		if i.cpu {
			osYield()
			if now.Sub(i.tokenSince) >= tokenQuantum { // let the next long call run
				<-i.p.m.e.cpus
				i.cpu = false
			}
		}
		runtime.Gosched()
	}
	if i.ran > i.p.cfg.LongCallAfter {
		i.long = true
	}
	if (i.long || i.p.longCalls.Load()) && !i.cpu {
		i.waitCPU(ctx)
	}
	fuel := i.fuel
	if fuel == nil { // running the start function: not instantiated yet
		fuel = m.ExportedGlobal(sandbox.FuelExport).(api.MutableGlobal)
	}
	fuel.Set(fuelRefill)
}

// waitCPU takes a long-call CPU token, waiting for it no longer than the
// call may run.
func (i *Instance) waitCPU(ctx context.Context) {
	cpus := i.p.m.e.cpus
	select {
	case cpus <- struct{}{}:
	default:
		wctx, cancel := i.bounded(ctx)
		defer cancel()
		select {
		case cpus <- struct{}{}:
		case <-wctx.Done():
			i.checkDone(ctx, time.Now())
			checkCtx(wctx) // wctx's own deadline (never later than i.deadline)
		}
	}
	i.cpu = true
	i.sliceStart = time.Now()
	i.tokenSince = i.sliceStart
}

// checkDone ends the call (a panic that wazero returns as the call's
// error) if its deadline has passed or the client went away; outside a
// callback, if ctx is done.
func (i *Instance) checkDone(ctx context.Context, now time.Time) {
	if i.deadline.IsZero() {
		checkCtx(ctx)
		return
	}
	if !now.Before(i.deadline) {
		panic(errDeadline)
	}
	if i.reqCtx.Err() != nil {
		panic(errCallCanceled)
	}
}

// checkCtx ends the call if ctx is done.
func checkCtx(ctx context.Context) {
	if err := ctx.Err(); err != nil {
		if errors.Is(err, context.DeadlineExceeded) {
			panic(errDeadline)
		}
		panic(errCallCanceled)
	}
}

// bounded returns a context done when the running call must end: at its
// deadline, or when the client goes away (then context.Canceled). A host
// function that waits (msg_request) bounds its wait with it; the call
// itself is bounded without one, by yield. Outside a callback it is ctx.
func (i *Instance) bounded(ctx context.Context) (context.Context, context.CancelFunc) {
	if i.deadline.IsZero() {
		return context.WithCancel(ctx)
	}
	return context.WithDeadline(i.reqCtx, i.deadline)
}

// endCall records the end of a call and gives back the CPU token of a
// long call. When history is set (a callback, not the start of an
// instance), it also records whether the call was long: a pool whose last
// call was long starts its next calls as long ones, so that they share the
// long-call CPUs from their first yield instead of competing with quick
// calls for LongCallAfter each; its first quick call clears that.
func (i *Instance) endCall(history bool) {
	if i.slot != nil {
		i.slot.End()
	}
	if history {
		i.p.longCalls.Store(i.long)
	}
	if i.cpu {
		<-i.p.m.e.cpus
		i.cpu = false
	}
	i.long = false
}

// stackDeep is called by instrumented code on every call beyond the soft
// stack depth, with the budget left (negative: exhausted). It charges the
// stack to the host's memory budget and marks the instance for recycling,
// because wazero keeps a grown stack for the instance's lifetime.
func stackDeep(ctx context.Context, _ api.Module, stack []uint64) {
	i := instanceOf(ctx)
	left := api.DecodeI32(stack[0])
	if left < 0 {
		panic(errStackOverflow)
	}
	i.deep = true
	used := int64(i.p.cfg.StackBudgetBytes) - int64(left)*sandbox.StackUnit
	if used > i.stackReserved {
		if !i.p.m.e.budget.reserveMemory(used - i.stackReserved) {
			panic(errStackMemory)
		}
		i.stackReserved = used
	}
}
