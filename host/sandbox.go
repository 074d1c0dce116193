package host

import (
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/hostd/hostd/host/internal/engine"
	"github.com/hostd/hostd/host/internal/sandbox"
)

// QuarantineLimits configure quarantine (limits.quarantine).
type QuarantineLimits struct {
	// After is the number of consecutive failed calls of one binding
	// (traps, timeouts, memory or stack overruns, failed instantiations)
	// that quarantines it. Default 5.
	After int `json:"after,omitempty"`
	// Backoff is the first quarantine, doubled after each failed probe up
	// to MaxBackoff. Defaults "1s" and "5m".
	Backoff    Duration `json:"backoff,omitempty"`
	MaxBackoff Duration `json:"max_backoff,omitempty"`
	// CrashBackoff is the quarantine, at start, of a plugin version that was
	// in a long call when hostd last stopped without shutting down (a
	// crash, SIGKILL), doubled for each such stop in a row. Default "30s".
	CrashBackoff Duration `json:"crash_backoff,omitempty"`
}

// ModuleLimits bound uploaded modules (limits.module). Zero fields take
// the defaults given in docs/configuration.md.
type ModuleLimits struct {
	Types          uint32 `json:"types,omitempty"`
	TypeArity      uint32 `json:"type_arity,omitempty"`
	Imports        uint32 `json:"imports,omitempty"`
	Functions      uint32 `json:"functions,omitempty"`
	Tables         uint32 `json:"tables,omitempty"`
	TableElements  uint32 `json:"table_elements,omitempty"`
	Globals        uint32 `json:"globals,omitempty"`
	Exports        uint32 `json:"exports,omitempty"`
	ElemSegments   uint32 `json:"elem_segments,omitempty"`
	ElemItems      uint32 `json:"elem_items,omitempty"`
	DataSegments   uint32 `json:"data_segments,omitempty"`
	FunctionBytes  uint32 `json:"function_bytes,omitempty"`
	Locals         uint32 `json:"locals,omitempty"`
	TotalLocals    uint64 `json:"total_locals,omitempty"`
	Nesting        uint32 `json:"nesting,omitempty"`
	BrTableTargets uint32 `json:"br_table_targets,omitempty"`
	BranchLocals   uint64 `json:"branch_locals,omitempty"`
}

func (m ModuleLimits) sandbox() sandbox.Limits {
	return sandbox.Limits{Types: m.Types, TypeArity: m.TypeArity, Imports: m.Imports,
		Functions: m.Functions, Tables: m.Tables, TableElements: m.TableElements, Globals: m.Globals,
		Exports: m.Exports, ElemSegments: m.ElemSegments, ElemItems: m.ElemItems,
		DataSegments: m.DataSegments, FunctionBytes: m.FunctionBytes, Locals: m.Locals,
		TotalLocals: m.TotalLocals, Nesting: m.Nesting, BrTableTargets: m.BrTableTargets,
		BranchLocals: m.BranchLocals}
}

func (l Limits) validateSandbox() []error {
	var errs []error
	neg := func(name string, v int64) {
		if v < 0 {
			errs = append(errs, fmt.Errorf("limits.%s: must not be negative", name))
		}
	}
	neg("max_total_instances", int64(l.MaxTotalInstances))
	neg("max_total_memory_bytes", l.MaxTotalMemoryBytes)
	neg("max_stack_bytes", l.MaxStackBytes)
	neg("compile_memory_bytes", l.CompileMemoryBytes)
	neg("long_call_cpus", int64(l.LongCallCPUs))
	neg("quarantine.after", int64(l.Quarantine.After))
	if l.MaxStackBytes > 1<<30 {
		errs = append(errs, errors.New("limits.max_stack_bytes: at most 1 GiB"))
	}
	if l.MaxTotalMemoryBytes > 0 && l.MaxTotalMemoryBytes < int64(max(l.MemoryPages, 512))<<16 {
		errs = append(errs, errors.New("limits.max_total_memory_bytes: must hold at least one instance's memory (limits.memory_pages × 64 KiB)"))
	}
	if l.CompileMemoryBytes > 0 && l.CompileMemoryBytes < 64<<20 {
		errs = append(errs, errors.New("limits.compile_memory_bytes: at least 64 MiB (a compile worker needs that much to start)"))
	}
	return errs
}

// engineSandbox returns the engine settings of the sandbox limits.
func (c Config) engineSandbox(cfg *engine.Config) {
	l := c.Limits
	cfg.Limits = l.Module.sandbox()
	cfg.StackBudgetBytes = l.MaxStackBytes
	cfg.MaxTotalInstances = l.MaxTotalInstances
	cfg.MaxTotalMemoryBytes = l.MaxTotalMemoryBytes
	cfg.CompileTimeout = l.CompileTimeout.or(0)
	cfg.CompileMemoryBytes = l.CompileMemoryBytes
	cfg.LongCallAfter = l.LongCallAfter.or(0)
	cfg.LongCallCPUs = l.LongCallCPUs
	cfg.Quarantine = engine.QuarantinePolicy{After: l.Quarantine.After,
		Backoff: l.Quarantine.Backoff.or(0), MaxBackoff: l.Quarantine.MaxBackoff.or(0)}
	if c.CompileWorker != "" {
		cfg.CompileWorker = []string{c.CompileWorker}
	}
}

func (q QuarantineLimits) crashBackoff() time.Duration { return q.CrashBackoff.or(30 * time.Second) }

// IsCompileWorker reports whether this process was started by hostd as a
// compile worker (see Config.CompileWorker). A program that embeds hostd
// and sets CompileWorker to its own executable calls it first in main:
//
//	if host.IsCompileWorker() {
//		os.Exit(host.RunCompileWorker())
//	}
func IsCompileWorker() bool { return engine.IsCompileWorker() }

// RunCompileWorker compiles the module a hostd parent sends on stdin and
// returns the process exit code.
func RunCompileWorker() int { return engine.RunCompileWorker() }

// SelfCompileWorker returns the running executable, for
// Config.CompileWorker, or "" if it cannot be found.
func SelfCompileWorker() string {
	p, err := os.Executable()
	if err != nil {
		return ""
	}
	return p
}
