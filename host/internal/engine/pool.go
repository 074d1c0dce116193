package engine

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/time/rate"
)

// Binding identifies what a pool serves: one plugin version with one
// configuration. Instances of a pool are configured once with Config.
type Binding struct {
	Plugin  string
	Version int
	// Config is the JSON passed to get_config; empty means "{}".
	Config []byte
	// KVNamespace is the KV namespace; empty means the plugin name.
	KVNamespace string
	// Grants are the subjects the plugin may publish to and request.
	Grants Grants
	// KeySets are the key sets the plugin may verify tokens with
	// (jwt_verify); any other name is "not found". Default: none.
	KeySets []string

	skipConfigure bool // Probe: instantiate and _initialize only
}

// Pool holds the instances of one Binding. Get and Put are safe for
// concurrent use; an instance is used by one goroutine at a time.
type Pool struct {
	m      *Module
	b      Binding
	owner  Owner // b.Plugin and b.Identity()
	cfg    Config
	logl   *rate.Limiter // guest log lines
	warnl  *rate.Limiter // host warnings about the pool's calls
	health *health
	// longCalls is set while the pool's last call ran past LongCallAfter.
	longCalls atomic.Bool
	// calls is cfg.Observer.Call for this pool's plugin version.
	calls func(phase string, d time.Duration, outcome string)

	idle  chan *Instance
	slots chan struct{} // one token per live instance

	mu       sync.Mutex
	closed   bool
	released bool
	live     int
}

// NewPool creates a pool for b and instantiates and configures one instance
// eagerly, so that a bad module or a rejected configuration fails here and
// not on the first request.
func (m *Module) NewPool(ctx context.Context, b Binding) (*Pool, error) {
	if len(b.Config) == 0 {
		b.Config = []byte("{}")
	}
	if b.KVNamespace == "" {
		b.KVNamespace = b.Plugin
	}
	cfg := m.e.cfg
	p := &Pool{m: m, b: b, cfg: cfg, owner: Owner{Plugin: b.Plugin, Binding: b.Identity()},
		logl:   rate.NewLimiter(rate.Limit(cfg.GuestLogRate), cfg.GuestLogBurst),
		warnl:  rate.NewLimiter(1, 5),
		health: newHealth(cfg.Quarantine),
		idle:   make(chan *Instance, cfg.MaxInstances),
		slots:  make(chan struct{}, cfg.MaxInstances),
		calls:  callsOf(cfg.Observer, b.Plugin, b.Version),
	}
	m.acquire()
	if m.e.cfg.Suspect != nil {
		if reason, d, ok := m.e.cfg.Suspect(b.Plugin, b.Version); ok {
			// Not even _initialize runs until the quarantine is over.
			p.health.quarantineFor(reason, d)
			p.cfg.Observer.Quarantined(b.Plugin, b.Version)
			m.e.budget.register(p)
			return p, nil
		}
	}
	p.slots <- struct{}{}
	inst, _, err := p.instantiate(ctx)
	if err != nil {
		<-p.slots
		m.Release(ctx)
		return nil, err
	}
	p.idle <- inst
	m.e.budget.register(p)
	return p, nil
}

// instantiate creates an instance within the engine-wide budget. When the
// budget (instances, or memory for the new instance) is used up by busy
// instances it waits, up to QueueTimeout, for one of them to close — or
// for an instance of this pool to come back idle, which it returns instead
// (reused true).
func (p *Pool) instantiate(ctx context.Context) (inst *Instance, reused bool, err error) {
	b := p.m.e.budget
	var t *time.Timer
	for {
		freed := b.freed()
		if b.acquireInstance(p) {
			inst, err = p.newInstance(ctx)
			if err == nil {
				return inst, false, nil
			}
			b.releaseInstance()
			if !errors.Is(err, ErrOverloaded) {
				return nil, false, err
			}
		} else {
			err = fmt.Errorf("%w: %d instances of all plugins are busy", ErrOverloaded, p.cfg.MaxTotalInstances)
		}
		if t == nil {
			t = time.NewTimer(p.cfg.QueueTimeout)
			defer t.Stop()
		}
		select {
		case <-freed:
		case inst := <-p.idle:
			return inst, true, nil
		case <-t.C:
			p.calls("acquire", 0, OutcomeOverloaded)
			return nil, false, err
		case <-ctx.Done():
			return nil, false, ErrCanceled
		}
	}
}

// QuarantinedError is returned by Get while the pool is quarantined. It
// matches ErrQuarantined.
type QuarantinedError struct {
	RetryAfter time.Duration
	Reason     string // the last failure
}

func (e *QuarantinedError) Error() string {
	return fmt.Sprintf("%v (retry in %s; last failure: %s)", ErrQuarantined, e.RetryAfter.Round(time.Millisecond), e.Reason)
}

func (e *QuarantinedError) Is(target error) bool { return target == ErrQuarantined }

// Health returns the pool's failure record.
func (p *Pool) Health() Health { return p.health.snapshot() }

// Quarantine takes the pool out of service for d.
func (p *Pool) Quarantine(reason string, d time.Duration) {
	p.health.quarantineFor(reason, d)
	p.cfg.Observer.Quarantined(p.b.Plugin, p.b.Version)
}

// recordCall feeds a call's outcome to the quarantine state machine.
func (p *Pool) recordCall(err error) {
	if p.health.record(err) {
		h := p.health.snapshot()
		p.cfg.Logger.Warn("plugin quarantined", "plugin", p.b.Plugin, "version", p.b.Version,
			"failures", h.Failures, "until", h.Until, "reason", h.Reason)
		p.cfg.Observer.Quarantined(p.b.Plugin, p.b.Version)
	}
}

// Binding returns what the pool serves.
func (p *Pool) Binding() Binding { return p.b }

// Module returns the pool's compiled module.
func (p *Pool) Module() *Module { return p.m }

// Get returns an idle instance, creates one while under MaxInstances, or
// waits up to QueueTimeout for one to be returned (ErrBusy).
func (p *Pool) Get(ctx context.Context) (*Instance, error) {
	if ok, left := p.health.admit(); !ok {
		p.calls("acquire", 0, OutcomeQuarantined)
		return nil, &QuarantinedError{RetryAfter: left, Reason: p.health.snapshot().Reason}
	}
	inst, err := p.get(ctx)
	if err != nil {
		p.recordCall(err) // a failed instantiation counts; busy does not
	}
	return inst, err
}

func (p *Pool) get(ctx context.Context) (*Instance, error) {
	select {
	case inst := <-p.idle:
		return inst, nil
	default:
	}
	select {
	case inst := <-p.idle:
		return inst, nil
	case p.slots <- struct{}{}:
		return p.create(ctx)
	default:
	}
	t := time.NewTimer(p.cfg.QueueTimeout)
	defer t.Stop()
	select {
	case inst := <-p.idle:
		return inst, nil
	case p.slots <- struct{}{}:
		return p.create(ctx)
	case <-t.C:
		p.calls("acquire", 0, OutcomeBusy)
		return nil, ErrBusy
	case <-ctx.Done():
		return nil, ErrCanceled
	}
}

func (p *Pool) create(ctx context.Context) (*Instance, error) {
	p.mu.Lock()
	closed := p.closed
	p.mu.Unlock()
	if closed {
		<-p.slots
		return nil, ErrClosed
	}
	inst, reused, err := p.instantiate(ctx)
	if err != nil || reused {
		<-p.slots // no new instance: give the slot taken for it back
	}
	return inst, err
}

// evictOne closes one idle instance to give its slot of the engine-wide
// budget to another pool.
func (p *Pool) evictOne() bool {
	select {
	case inst := <-p.idle:
		p.discard(inst)
		return true
	default:
		return false
	}
}

// Put returns an instance after a request. Instances that failed, reached
// MaxCallsPerInstance or grew past RecyclePages are closed instead.
func (p *Pool) Put(inst *Instance) {
	if inst.dead || inst.deep || inst.calls >= p.cfg.MaxCallsPerInstance || inst.pages() > p.cfg.RecyclePages {
		p.discard(inst)
		return
	}
	p.mu.Lock()
	closed := p.closed
	p.mu.Unlock()
	if closed {
		p.discard(inst)
		return
	}
	p.idle <- inst // never blocks: at most MaxInstances exist
}

func (p *Pool) discard(inst *Instance) {
	inst.close()
	p.m.e.budget.releaseInstance()
	<-p.slots
	p.instanceGone()
}

// Close closes idle instances and releases the module once the last busy
// instance is returned. Close must be called once, when no more Get calls
// can happen.
func (p *Pool) Close() {
	p.mu.Lock()
	p.closed = true
	p.mu.Unlock()
	p.m.e.budget.unregister(p)
	for {
		select {
		case inst := <-p.idle:
			p.discard(inst)
		default:
			p.maybeRelease()
			return
		}
	}
}

func (p *Pool) instanceGone() {
	p.mu.Lock()
	p.live--
	p.mu.Unlock()
	p.cfg.Observer.Instances(p.b.Plugin, p.b.Version, -1)
	p.maybeRelease()
}

func (p *Pool) maybeRelease() {
	p.mu.Lock()
	release := p.closed && p.live == 0 && !p.released
	p.released = p.released || release
	p.mu.Unlock()
	if release {
		p.m.Release(context.Background())
	}
}

// Stats reports live and idle instances.
func (p *Pool) Stats() (live, idle int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.live, len(p.idle)
}

func (p *Pool) String() string { return fmt.Sprintf("%s@%d", p.b.Plugin, p.b.Version) }
