package engine

import (
	"context"
	"errors"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hostd/hostd/internal/testwasm"
)

// margin is how far past its deadline a call may end in these tests. The
// instrumentation ends a call within one epoch tick (1 ms) of its
// deadline; the rest is scheduling noise on a loaded test machine.
const margin = 250 * time.Millisecond

func TestLoopFreeCallTreeEndsAtDeadline(t *testing.T) {
	e := newEngine(t, Config{CallTimeout: 200 * time.Millisecond})
	p := newPool(t, e, testwasm.CallTree, Binding{Plugin: "calltree"})
	start := time.Now()
	_, err := serve(t, p)
	took := time.Since(start)
	if !errors.Is(err, ErrTimeout) {
		t.Fatalf("error %v, want ErrTimeout", err)
	}
	if took > 200*time.Millisecond+margin {
		t.Fatalf("the call ended %v after it started, deadline 200ms", took)
	}
	t.Logf("ended after %v (deadline 200ms)", took)
}

// TestRunningGuestDoesNotStallTheCollector runs a loop-free call tree
// and, meanwhile, garbage collections: each must finish quickly, which
// needs the guest to reach a preemption point (yield) every tick.
func TestRunningGuestDoesNotStallTheCollector(t *testing.T) {
	e := newEngine(t, Config{CallTimeout: 2 * time.Second})
	p := newPool(t, e, testwasm.CallTree, Binding{Plugin: "calltree"})
	// What a collection takes here without a guest: a loaded test machine
	// slows both.
	var alone time.Duration
	for range 10 {
		start := time.Now()
		runtime.GC()
		alone = max(alone, time.Since(start))
	}
	done := make(chan error, 1)
	go func() {
		_, err := serve(t, p)
		done <- err
	}()
	time.Sleep(100 * time.Millisecond) // the guest is running
	var worst time.Duration
	for range 10 {
		start := time.Now()
		runtime.GC()
		worst = max(worst, time.Since(start))
	}
	if err := <-done; !errors.Is(err, ErrTimeout) {
		t.Fatalf("call: %v, want ErrTimeout", err)
	}
	// Before the instrumentation a collection waited for the guest's whole
	// call (here 2 s); the guest must reach a preemption point within a
	// fuel slice.
	if worst > max(100*time.Millisecond, 10*alone) {
		t.Fatalf("a garbage collection took %v while a guest ran (%v without it)", worst, alone)
	}
	t.Logf("slowest of 10 collections while the guest ran: %v (%v without it)", worst, alone)
}

func TestCallTreeInInitializeAndStartFails(t *testing.T) {
	e := newEngine(t, Config{ConfigureTimeout: 300 * time.Millisecond})
	for name, wasm := range map[string][]byte{"_initialize": testwasm.CallTreeInit, "start": testwasm.CallTreeStart} {
		t.Run(name, func(t *testing.T) {
			m, err := e.Compile(context.Background(), wasm)
			if err != nil {
				t.Fatal(err)
			}
			defer m.Release(context.Background())
			start := time.Now()
			err = m.Probe(context.Background(), "tree")
			if !errors.Is(err, ErrTimeout) {
				t.Fatalf("probe: %v, want ErrTimeout", err)
			}
			if took := time.Since(start); took > 300*time.Millisecond+margin {
				t.Fatalf("probe took %v, configure timeout 300ms", took)
			}
		})
	}
}

func TestRecursionHitsStackBudget(t *testing.T) {
	e := newEngine(t, Config{StackBudgetBytes: 8 << 20})
	p := newPool(t, e, testwasm.Recurse, Binding{Plugin: "recurse"})
	for range 3 {
		_, err := serve(t, p)
		if !errors.Is(err, ErrStackOverflow) || !errors.Is(err, ErrTrap) {
			t.Fatalf("error %v, want ErrStackOverflow", err)
		}
	}
	if e.budget.memory.Load() != 0 {
		t.Fatalf("%d bytes of the memory budget still held after the instances closed", e.budget.memory.Load())
	}
}

func TestTableGrowIsBounded(t *testing.T) {
	e := newEngine(t, Config{})
	p := newPool(t, e, testwasm.TableGrow, Binding{Plugin: "tablegrow"})
	if _, err := serve(t, p); !errors.Is(err, ErrTrap) {
		t.Fatalf("error %v, want the guest's trap after a refused grow", err)
	}
	_, err := e.Compile(context.Background(), testwasm.TableGrowNoMax)
	var abiErr *ABIError
	if !errors.As(err, &abiErr) || !abiErr.OverLimit || !strings.Contains(err.Error(), "declares no maximum") {
		t.Fatalf("compile: %v, want an over-limit error about the missing maximum", err)
	}
}

func TestQuarantineAfterRepeatedFailures(t *testing.T) {
	e := newEngine(t, Config{Quarantine: QuarantinePolicy{After: 3, Backoff: 200 * time.Millisecond}})
	p := newPool(t, e, testwasm.Trap, Binding{Plugin: "trap"})
	for i := range 3 {
		if _, err := serve(t, p); !errors.Is(err, ErrTrap) {
			t.Fatalf("call %d: %v, want ErrTrap", i, err)
		}
	}
	_, err := serve(t, p)
	var q *QuarantinedError
	if !errors.As(err, &q) || !errors.Is(err, ErrQuarantined) || q.RetryAfter <= 0 {
		t.Fatalf("after 3 traps: %v, want a QuarantinedError", err)
	}
	if h := p.Health(); h.State != HealthQuarantined || h.Failures != 3 || !strings.Contains(h.Reason, "trapped") {
		t.Fatalf("health %+v", h)
	}
	time.Sleep(250 * time.Millisecond)
	// One probe runs (and traps again): quarantined twice as long.
	if _, err := serve(t, p); !errors.Is(err, ErrTrap) {
		t.Fatalf("probe: %v, want ErrTrap", err)
	}
	h := p.Health()
	if h.State != HealthQuarantined || h.Quarantines != 2 || time.Until(h.Until) < 300*time.Millisecond {
		t.Fatalf("after a failed probe: %+v, want a second, 400 ms quarantine", h)
	}
}

func TestQuarantineEndsOnSuccess(t *testing.T) {
	e := newEngine(t, Config{Quarantine: QuarantinePolicy{After: 1, Backoff: 50 * time.Millisecond}})
	p := newPool(t, e, testwasm.Hello, Binding{Plugin: "hello"})
	p.Quarantine("suspected of a crash", 50*time.Millisecond)
	if _, err := serve(t, p); !errors.Is(err, ErrQuarantined) {
		t.Fatalf("quarantined pool served: %v", err)
	}
	time.Sleep(60 * time.Millisecond)
	if _, err := serve(t, p); err != nil {
		t.Fatalf("probe: %v", err)
	}
	if h := p.Health(); h.State != HealthOK || h.Failures != 0 {
		t.Fatalf("after a good probe: %+v", h)
	}
}

func TestGlobalInstanceBudget(t *testing.T) {
	e := newEngine(t, Config{MaxTotalInstances: 3, QueueTimeout: 20 * time.Millisecond})
	a := newPool(t, e, testwasm.Hello, Binding{Plugin: "a"})
	b := newPool(t, e, testwasm.Hello, Binding{Plugin: "b"})
	// Two live instances (one idle each); a takes two more: one fits, one
	// evicts b's idle instance.
	var held []*Instance
	for i := range 3 {
		inst, err := a.Get(context.Background())
		if err != nil {
			t.Fatalf("Get %d: %v", i, err)
		}
		held = append(held, inst)
	}
	if live, _ := b.Stats(); live != 0 {
		t.Fatalf("b kept %d instances; its idle one should have been evicted", live)
	}
	if _, err := b.Get(context.Background()); !errors.Is(err, ErrOverloaded) {
		t.Fatalf("Get beyond the budget: %v, want ErrOverloaded", err)
	}
	for _, inst := range held {
		inst.Release()
	}
	inst, err := b.Get(context.Background())
	if err != nil {
		t.Fatalf("Get after releases: %v", err)
	}
	inst.Release()
}

func TestGlobalMemoryBudget(t *testing.T) {
	// membomb grows memory until the per-instance limit; with a total
	// budget of two instances' initial memory it fails at the budget.
	e := newEngine(t, Config{MaxTotalMemoryBytes: 4 << 20, MemoryLimitPages: 512})
	p := newPool(t, e, testwasm.MemBomb, Binding{Plugin: "membomb"})
	var wg sync.WaitGroup
	errs := make(chan error, 4)
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := serve(t, p)
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if !errors.Is(err, ErrOverloaded) && !errors.Is(err, ErrMemoryLimit) && !errors.Is(err, ErrTrap) {
			t.Fatalf("error %v", err)
		}
	}
	if used := e.budget.memory.Load(); used > 4<<20 {
		t.Fatalf("%d bytes in use, budget 4 MiB", used)
	}
}
