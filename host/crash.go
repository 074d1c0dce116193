package host

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/hostd/hostd/host/internal/engine"
	"github.com/hostd/hostd/host/internal/journal"
)

// Crash suspects: hostd keeps a journal of the plugin calls that are
// running (package journal). When it starts after a run that ended
// without a shutdown, every plugin version that was then in a call of at
// least suspectAfter is quarantined before it runs again, even its
// _initialize, for limits.quarantine.crash_backoff, doubled for each such
// run in a row (strikes, kept in DATA_DIR/crash-suspects.json until a
// run ends with a clean shutdown).

const suspectAfter = 100 * time.Millisecond

type suspectRecord struct {
	Strikes int       `json:"strikes"`
	Last    time.Time `json:"last"`
	Running string    `json:"running"` // how long its call had run
}

type crashSuspects struct {
	path string
	base time.Duration
	max  time.Duration
	m    map[string]suspectRecord // "plugin@version"
}

func suspectKey(plugin string, version int) string { return plugin + "@" + strconv.Itoa(version) }

// openJournal opens DATA_DIR/journal and works out the crash suspects.
func (h *Host) openJournal() error {
	j, found, err := journal.Open(filepath.Join(h.cfg.DataDir, "journal"),
		h.sandboxSlots(), suspectAfter)
	if err != nil {
		return fmt.Errorf("host: %w", err)
	}
	h.journal = j
	q := h.cfg.Limits.Quarantine
	cs := &crashSuspects{path: filepath.Join(h.cfg.DataDir, "crash-suspects.json"),
		base: q.crashBackoff(), max: max(q.MaxBackoff.or(5*time.Minute), q.crashBackoff()), m: map[string]suspectRecord{}}
	if b, err := os.ReadFile(cs.path); err == nil {
		_ = json.Unmarshal(b, &cs.m)
	}
	if len(found) == 0 {
		h.suspects = cs
		return nil
	}
	now := time.Now().UTC()
	for _, s := range found {
		k := suspectKey(s.Plugin, s.Version)
		r := cs.m[k]
		r.Strikes++
		r.Last, r.Running = now, s.Running.Round(time.Millisecond).String()
		cs.m[k] = r
		h.log.Warn("plugin quarantined: it was in a call when hostd last stopped without shutting down",
			"plugin", s.Plugin, "version", s.Version, "call_running", s.Running.Round(time.Millisecond),
			"strikes", r.Strikes, "quarantine", cs.quarantine(r.Strikes))
	}
	b, _ := json.Marshal(cs.m)
	if err := writeFileAtomic(cs.path, b); err != nil {
		h.log.Warn("cannot record crash suspects", "error", err)
	}
	h.suspects = cs
	return nil
}

// sandboxSlots is the journal's size: one slot per instance the engine
// may run.
func (h *Host) sandboxSlots() int {
	if n := h.cfg.Limits.MaxTotalInstances; n > 0 {
		return n
	}
	return 256
}

func (cs *crashSuspects) quarantine(strikes int) time.Duration {
	return min(cs.base<<min(strikes-1, 20), cs.max)
}

// suspect implements engine.Config.Suspect for the suspects of this start.
func (cs *crashSuspects) suspect(plugin string, version int) (string, time.Duration, bool) {
	r, ok := cs.m[suspectKey(plugin, version)]
	if !ok || r.Strikes == 0 {
		return "", 0, false
	}
	left := cs.quarantine(r.Strikes) - time.Since(r.Last)
	if left <= 0 {
		return "", 0, false
	}
	return fmt.Sprintf("a call of this plugin had run %s when hostd last stopped without shutting down (%d time(s) in a row); it is not run again before the quarantine ends",
		r.Running, r.Strikes), left, true
}

// closeJournal marks the run clean; after a run that started, it also
// forgets the strikes (a start that failed for another reason keeps them).
func (h *Host) closeJournal(forget bool) {
	if h.journal == nil {
		return
	}
	if err := h.journal.Close(); err != nil {
		h.log.Warn("closing the call journal", "error", err)
	}
	h.journal = nil
	if forget && h.suspects != nil {
		_ = os.Remove(h.suspects.path)
	}
}

// journalAdapter gives the engine the journal's slots.
type journalAdapter struct{ j *journal.Journal }

func (a journalAdapter) Acquire(plugin string, version int) engine.CallSlot {
	if s := a.j.Acquire(plugin, version); s != nil {
		return s
	}
	return nil
}

func writeFileAtomic(path string, b []byte) error {
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, b, 0o600); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}
