//go:build linux

package main

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"text/tabwriter"

	"github.com/hostd/hostd/bench/internal/stats"
)

// row is one line of the table: medians over a scenario's runs and, for a
// measured scenario, the ratio to the reference runs paired with it.
type row struct {
	Scenario  string  `json:"scenario"`
	Ref       string  `json:"ref,omitempty"`
	Runs      int     `json:"runs"`
	ReqPerSec float64 `json:"req_per_s"`
	Ratio     float64 `json:"ratio,omitempty"`     // median req/s ÷ median req/s of the paired reference runs
	RatioLo   float64 `json:"ratio_min,omitempty"` // lowest per-round ratio
	RatioHi   float64 `json:"ratio_max,omitempty"` // highest per-round ratio
	Target    float64 `json:"ratio_target,omitempty"`
	P50us     float64 `json:"p50_us"`
	P99us     float64 `json:"p99_us"`
	CPUPerReq float64 `json:"cpu_us_per_req"`
	Busy      float64 `json:"server_busy"`                // median CPU seconds ÷ wall seconds of the runs
	CPUDelta  float64 `json:"cpu_minus_ref_us,omitempty"` // median CPU/req − the paired reference's
	// CPURatio is the paired reference's median CPU/req ÷ the scenario's:
	// the req/s ratio two servers that each had their whole core would show.
	CPURatio  float64 `json:"cpu_ratio,omitempty"`
	CPUTarget float64 `json:"cpu_minus_ref_target_us,omitempty"`
}

type report struct {
	Machine  machine        `json:"machine"`
	Settings map[string]any `json:"settings"`
	Rows     []row          `json:"summary"`
	Runs     []result       `json:"runs"`
}

func field(rs []result, f func(result) float64) []float64 {
	out := make([]float64, len(rs))
	for i, r := range rs {
		out[i] = f(r)
	}
	return out
}

func filter(rs []result, keep func(result) bool) []result {
	var out []result
	for _, r := range rs {
		if keep(r) {
			out = append(out, r)
		}
	}
	return out
}

func reqs(r result) float64 { return r.ReqPerSec }
func cpu(r result) float64  { return r.CPUPerReq }

// summarize makes the table rows: references first (all their runs), then
// each measured scenario against the reference runs paired with it.
func summarize(list []*scenario, runs []result) []row {
	var rows []row
	for _, sc := range list {
		own := filter(runs, func(r result) bool { return r.Scenario == sc.Name })
		if len(own) == 0 {
			continue
		}
		rw := row{Scenario: sc.Name, Ref: sc.Ref, Runs: len(own), ReqPerSec: stats.Median(field(own, reqs)),
			P50us:     stats.Median(field(own, func(r result) float64 { return r.P50us })),
			P99us:     stats.Median(field(own, func(r result) float64 { return r.P99us })),
			CPUPerReq: stats.Median(field(own, cpu)), Busy: stats.Median(field(own, func(r result) float64 { return r.Busy })),
			Target: sc.Target, CPUTarget: sc.CPUTarget}
		if sc.Ref != "" {
			ref := filter(runs, func(r result) bool { return r.Scenario == sc.Ref && r.Pair == sc.Name })
			rw.Ratio = stats.RatioOfMedians(field(own, reqs), field(ref, reqs))
			rw.RatioLo, rw.RatioHi = stats.Range(stats.PairRatios(field(own, reqs), field(ref, reqs)))
			rw.CPUDelta = stats.Median(field(own, cpu)) - stats.Median(field(ref, cpu))
			rw.CPURatio = stats.RatioOfMedians(field(ref, cpu), field(own, cpu))
		}
		rows = append(rows, rw.finite())
	}
	return rows
}

// finite replaces NaN (a median or ratio of no runs) by 0, which JSON can
// carry.
func (r row) finite() row {
	for _, f := range []*float64{&r.ReqPerSec, &r.Ratio, &r.RatioLo, &r.RatioHi, &r.P50us, &r.P99us,
		&r.CPUPerReq, &r.Busy, &r.CPUDelta, &r.CPURatio} {
		if math.IsNaN(*f) || math.IsInf(*f, 0) {
			*f = 0
		}
	}
	return r
}

func printTable(w io.Writer, m machine, settings string, rows []row) {
	fmt.Fprintf(w, "\nmachine: %s, %d cores, Linux %s, %s, %s\n", m.CPU, m.Cores, m.Kernel, m.Go, m.Wrk)
	fmt.Fprintf(w, "date: %s, commit: %s, load average (1 min) %s before, %s after\n", m.Date, m.Commit, m.Load[0], m.Load[1])
	fmt.Fprintf(w, "load: %s; %s\n\n", settings, m.Placement)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "scenario\tvs\treq/s\tratio\t(rounds)\ttarget\tp50\tp99\tCPU µs/req\tbusy\tCPU − ref µs\ttarget\tby CPU\t")
	for _, r := range rows {
		ratio, span, target, delta, ctarget, byCPU := "-", "", "", "-", "", "-"
		if r.Ref != "" {
			ratio = fmt.Sprintf("%.2f", r.Ratio)
			span = fmt.Sprintf("%.2f–%.2f", r.RatioLo, r.RatioHi)
			delta = fmt.Sprintf("%+.1f", r.CPUDelta)
			byCPU = fmt.Sprintf("%.2f", r.CPURatio)
		}
		if r.Target > 0 {
			target = fmt.Sprintf("≥ %.2f %s", r.Target, verdict(r.Ratio >= r.Target))
		}
		if r.CPUTarget > 0 {
			ctarget = fmt.Sprintf("≤ %.0f %s", r.CPUTarget, verdict(r.CPUDelta <= r.CPUTarget))
		}
		ref := r.Ref
		if ref == "" {
			ref = "-"
		}
		fmt.Fprintf(tw, "%s\t%s\t%.0f\t%s\t%s\t%s\t%s\t%s\t%.1f\t%.0f%%\t%s\t%s\t%s\t\n", r.Scenario, ref, r.ReqPerSec,
			ratio, span, target, fmtUS(r.P50us), fmtUS(r.P99us), r.CPUPerReq, 100*r.Busy, delta, ctarget, byCPU)
	}
	tw.Flush()
	fmt.Fprintln(w, "\nratio: median req/s ÷ median req/s of the reference runs paired with it (rounds: lowest–highest per-round ratio).")
	fmt.Fprintln(w, "CPU: utime+stime of the server processes (hostd; hostd + native for proxy) over the run ÷ requests;")
	fmt.Fprintln(w, "busy: that CPU time ÷ the run's wall time (100% = one core; well below it, the server waited or lacked the core).")
	fmt.Fprintln(w, "by CPU: the reference's CPU µs/req ÷ the scenario's, the ratio two servers that each had their whole core would show;")
	fmt.Fprintln(w, "steadier than req/s when the machine is loaded (busy well below 100%).")
}

func verdict(ok bool) string {
	if ok {
		return "met"
	}
	return "MISSED"
}

func fmtUS(v float64) string {
	switch {
	case math.IsNaN(v):
		return "-"
	case v >= 1000:
		return fmt.Sprintf("%.2fms", v/1000)
	default:
		return fmt.Sprintf("%.0fµs", v)
	}
}

func writeJSON(path string, rep report) error {
	b, err := json.MarshalIndent(rep, "", "  ")
	if err != nil {
		return fmt.Errorf("loadbench: %w", err)
	}
	if err := os.WriteFile(path, append(b, '\n'), 0o644); err != nil {
		return fmt.Errorf("loadbench: %w", err)
	}
	return nil
}
