package trigger

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/hostd/hostd/host/internal/bus"
	"github.com/hostd/hostd/host/internal/engine"
	"github.com/hostd/hostd/host/internal/model"
	"golang.org/x/time/rate"
)

// Defaults of a trigger's optional fields.
const (
	DefaultConcurrency = 4
	MaxConcurrency     = 256
	DefaultTimeout     = 10 * time.Second
	DefaultMaxDeliver  = 5
	DefaultAckWait     = 30 * time.Second
	// DeadLetterPrefix + trigger ID is the default dead-letter subject.
	DeadLetterPrefix = "hostd.deadletter."
	// DeadLetterStream captures DeadLetterPrefix+">" so that dead letters
	// are kept.
	DeadLetterStream = "HOSTD_DEADLETTER"
)

// Outcomes passed to Config.Observe.
const (
	OutcomeAck        = "ack"
	OutcomeNak        = "nak"
	OutcomeTerm       = "term"
	OutcomeDeadLetter = "dead_letter"
	OutcomeFailed     = "failed" // core trigger: the plugin failed, message dropped
)

// Config wires a Manager.
type Config struct {
	Bus    *bus.Bus
	Logger *slog.Logger
	// Replicas is the replica count of streams the manager creates.
	Replicas int
	// Observe counts handled messages by trigger and outcome. Optional.
	Observe func(trigger, outcome string)
}

// Manager runs the triggers of one node. Safe for concurrent use.
type Manager struct {
	cfg Config

	mu      sync.Mutex
	running map[string]*runner
}

// New returns a Manager with no triggers running.
func New(cfg Config) *Manager {
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Replicas < 1 {
		cfg.Replicas = 1
	}
	if cfg.Observe == nil {
		cfg.Observe = func(string, string) {}
	}
	return &Manager{cfg: cfg, running: map[string]*runner{}}
}

// Settings are a trigger's options with defaults applied and durations
// parsed.
type Settings struct {
	Queue       string
	Concurrency int
	Timeout     time.Duration
	// JetStream only:
	Stream, Durable, DeadLetter string
	MaxDeliver                  int
	AckWait                     time.Duration
}

// Resolve checks t's options and applies defaults. Errors are written for
// the person who sent the trigger.
func Resolve(t model.Trigger) (Settings, error) {
	s := Settings{Queue: t.Queue, Concurrency: t.Concurrency, Timeout: DefaultTimeout}
	if s.Queue == "" {
		s.Queue = "hostd-trigger-" + t.ID
	}
	if s.Concurrency == 0 {
		s.Concurrency = DefaultConcurrency
	}
	if s.Concurrency < 1 || s.Concurrency > MaxConcurrency {
		return s, fmt.Errorf(`"concurrency" must be between 1 and %d, got %d`, MaxConcurrency, t.Concurrency)
	}
	var err error
	if s.Timeout, err = duration("timeout", t.Timeout, DefaultTimeout); err != nil {
		return s, err
	}
	js := t.JetStream
	if js == nil {
		return s, nil
	}
	s.Stream, s.Durable, s.DeadLetter, s.MaxDeliver = js.Stream, js.Durable, js.DeadLetter, js.MaxDeliver
	if s.Stream == "" {
		return s, fmt.Errorf(`"jetstream" needs "stream": the name of the stream to consume (created if missing)`)
	}
	if s.Durable == "" {
		s.Durable = "hostd-" + t.ID
	}
	if s.DeadLetter == "" {
		s.DeadLetter = DeadLetterPrefix + t.ID
	}
	if s.MaxDeliver == 0 {
		s.MaxDeliver = DefaultMaxDeliver
	}
	if s.MaxDeliver < 1 || s.MaxDeliver > 1000 {
		return s, fmt.Errorf(`"max_deliver" must be between 1 and 1000, got %d`, js.MaxDeliver)
	}
	if s.AckWait, err = duration("ack_wait", js.AckWait, DefaultAckWait); err != nil {
		return s, err
	}
	if s.AckWait <= s.Timeout {
		return s, fmt.Errorf(`"ack_wait" (%s) must be longer than "timeout" (%s), or messages are redelivered while the plugin still runs`, s.AckWait, s.Timeout)
	}
	return s, nil
}

func duration(name, v string, def time.Duration) (time.Duration, error) {
	if v == "" {
		return def, nil
	}
	d, err := time.ParseDuration(v)
	if err != nil || d <= 0 || d > time.Hour {
		return 0, fmt.Errorf("%q must be a duration between 1ms and 1h such as \"30s\", got %q", name, v)
	}
	return d, nil
}

// Start runs t on pool, replacing a running trigger of the same ID: the new
// runner starts before the old one stops, so a queue group or durable
// consumer never loses its last member. key identifies what runs (the
// caller's digest of trigger and plugin version); Key reports it. The
// manager owns pool from now on and closes it when the runner stops, also
// when Start fails.
func (m *Manager) Start(ctx context.Context, t model.Trigger, key string, pool *engine.Pool) error {
	s, err := Resolve(t)
	if err != nil {
		pool.Close()
		return err
	}
	r := &runner{m: m, t: t, s: s, key: key, pool: pool, sem: make(chan struct{}, s.Concurrency),
		log: m.cfg.Logger.With("trigger", t.ID, "plugin", t.Plugin), logl: rate.NewLimiter(10, 20)}
	if err := r.start(ctx); err != nil {
		pool.Close()
		return fmt.Errorf("trigger %s: %w", t.ID, err)
	}
	m.mu.Lock()
	old := m.running[t.ID]
	m.running[t.ID] = r
	m.mu.Unlock()
	if old != nil {
		old.stop()
	}
	return nil
}

// Key returns the key of the running trigger id, "" if none runs.
func (m *Manager) Key(id string) string {
	m.mu.Lock()
	defer m.mu.Unlock()
	if r := m.running[id]; r != nil {
		return r.key
	}
	return ""
}

// IDs returns the IDs of the running triggers.
func (m *Manager) IDs() []string {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := make([]string, 0, len(m.running))
	for id := range m.running {
		out = append(out, id)
	}
	return out
}

// Stop stops trigger id, waiting for the messages it is handling.
func (m *Manager) Stop(id string) {
	m.mu.Lock()
	r := m.running[id]
	delete(m.running, id)
	m.mu.Unlock()
	if r != nil {
		r.stop()
	}
}

// Close stops every trigger.
func (m *Manager) Close() {
	for _, id := range m.IDs() {
		m.Stop(id)
	}
}

// Unhealthy returns, for each running trigger of plugin ("" for every
// plugin) whose pool is quarantined or probing, the trigger, the plugin
// version and the pool's failure record.
func (m *Manager) Unhealthy(plugin string) []TriggerHealth {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []TriggerHealth
	for id, r := range m.running {
		if plugin != "" && r.t.Plugin != plugin {
			continue
		}
		if h := r.pool.Health(); h.State != engine.HealthOK {
			b := r.pool.Binding()
			out = append(out, TriggerHealth{Trigger: id, Plugin: b.Plugin, Version: b.Version, Health: h})
		}
	}
	return out
}

// TriggerHealth is a trigger whose pool is not healthy.
type TriggerHealth struct {
	Trigger, Plugin string
	Version         int
	engine.Health
}
