//go:build linux

// Command loadbench is hostd's load harness: it builds hostd, a native
// net/http + gorilla/mux server and the plugins from the checkout, starts
// them on 127.0.0.1 with throwaway data directories, and loads each
// scenario with wrk next to its reference in interleaved rounds (A B, then
// B A), printing medians, ratios, latency and server CPU per request.
//
//	scripts/bench.sh [flags]        # installs wrk if missing, then:
//	go run ./bench/cmd/loadbench [flags]
//
// It reads /proc and pins with taskset, so it builds on Linux only. See
// BENCHMARKS.md for what each figure means.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"runtime"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/hostd/hostd/bench/internal/wrk"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

type options struct {
	duration, warmup time.Duration
	rounds           int
	connections      int
	threads          int
	pin              bool
	only             string
	jsonPath         string
	tinygoDist       string
	profileDir       string
	keep             bool
}

func parseFlags(args []string, stderr io.Writer) (options, error) {
	var o options
	fs := flag.NewFlagSet("loadbench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.DurationVar(&o.duration, "duration", 3*time.Second, "length of each measured wrk run (whole seconds, at least 1s)")
	fs.DurationVar(&o.warmup, "warmup", 2*time.Second, "unmeasured load on each scenario before the rounds (0 for none)")
	fs.IntVar(&o.rounds, "rounds", 5, "rounds: each runs every scenario next to its reference")
	fs.IntVar(&o.connections, "connections", 16, "wrk connections")
	fs.IntVar(&o.threads, "threads", 1, "wrk threads")
	fs.BoolVar(&o.pin, "pin", runtime.NumCPU() >= 2, "pin the servers to CPU 1 and wrk to CPU 0 (taskset)")
	fs.StringVar(&o.only, "scenarios", "", "comma-separated scenarios to measure (default all: wasm-hello,chain,wat-hello,proxy and the tinygo ones)")
	fs.StringVar(&o.jsonPath, "json", "", "also write the machine, the settings, every run and the summary to this file")
	fs.StringVar(&o.tinygoDist, "tinygo-dist", "", "directory of TinyGo-built hello.wasm [jwt-auth.wasm rate-limit.wasm circuit-breaker.wasm]: adds tinygo-hello [tinygo-chain]")
	fs.StringVar(&o.profileDir, "profile", "", "after the rounds, take a CPU profile of hostd under each measured scenario's load (one -duration each) into DIR/SCENARIO.pprof")
	fs.BoolVar(&o.keep, "keep", false, "keep the work directory (binaries, data dir, server logs)")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	if fs.NArg() > 0 {
		return o, fmt.Errorf("loadbench: unexpected arguments %q", fs.Args())
	}
	if o.duration < time.Second || o.rounds < 1 || o.connections < 1 || o.threads < 1 || o.connections < o.threads || o.warmup < 0 {
		return o, errors.New("loadbench: need -duration ≥ 1s, -rounds ≥ 1, -connections ≥ -threads ≥ 1, -warmup ≥ 0")
	}
	return o, nil
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	o, err := parseFlags(args, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if err == nil {
		err = bench(ctx, o, stdout, stderr)
	}
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	return 0
}

func bench(ctx context.Context, o options, stdout, stderr io.Writer) (err error) {
	for _, tool := range []string{"wrk", "taskset", "go"} {
		if _, err := exec.LookPath(tool); err != nil && (tool != "taskset" || o.pin) {
			return fmt.Errorf("loadbench: %s not found: run scripts/bench.sh, which installs wrk (apt-get install wrk)", tool)
		}
	}
	tinygo, err := loadTinyGo(o.tinygoDist)
	if err != nil {
		return err
	}
	root, err := repoRoot()
	if err != nil {
		return err
	}
	dir, err := os.MkdirTemp("", "hostd-bench-")
	if err != nil {
		return fmt.Errorf("loadbench: %w", err)
	}
	defer func() {
		stopChildren()
		if o.keep {
			fmt.Fprintln(stderr, "loadbench: kept", dir)
		} else {
			os.RemoveAll(dir)
		}
	}()
	serverCPUs, wrkCPUs, placement := "", "", "servers and wrk share all cores (not pinned)"
	if o.pin {
		serverCPUs, wrkCPUs = "1", "0"
		placement = "servers pinned to CPU 1, wrk to CPU 0 (taskset)"
	}
	fmt.Fprintln(stderr, "loadbench: building hostd, the native server and examples/hello …")
	a, err := build(root, dir)
	if err != nil {
		return err
	}
	fmt.Fprintln(stderr, "loadbench: starting the servers and uploading the plugins …")
	s, err := startServers(ctx, a, dir, serverCPUs)
	if err != nil {
		return err
	}
	if err := s.configure(ctx, a, tinygo); err != nil {
		return err
	}
	list := scenarios(s, a.token, tinygo)
	measured, err := selectScenarios(list, o.only)
	if err != nil {
		return err
	}
	for _, sc := range list {
		if err := sc.check(ctx); err != nil {
			return err
		}
	}
	loadBefore := loadAvg()
	wo := wrk.Options{Connections: o.connections, Threads: o.threads, CPUs: wrkCPUs}
	runs, err := rounds(ctx, o, wo, list, measured, stderr)
	if ctx.Err() != nil {
		return errors.New("loadbench: interrupted; servers stopped")
	}
	if err != nil {
		return err
	}
	if o.profileDir != "" {
		if err := profileScenarios(ctx, s, wo, measured, o.duration, o.profileDir, stderr); err != nil {
			return err
		}
	}
	m := describeMachine(root, placement, loadBefore)
	settings := fmt.Sprintf("wrk -t%d -c%d, %d rounds × %s per run, warm-up %s", o.threads, o.connections, o.rounds, o.duration, o.warmup)
	rows := summarize(list, runs)
	printTable(stdout, m, settings, rows)
	if o.jsonPath != "" {
		return writeJSON(o.jsonPath, report{Machine: m, Rows: rows, Runs: runs, Settings: map[string]any{
			"duration_s": o.duration.Seconds(), "warmup_s": o.warmup.Seconds(), "rounds": o.rounds,
			"connections": o.connections, "threads": o.threads, "pinned": o.pin}})
	}
	return nil
}

// selectScenarios returns the measured (non-reference) scenarios named in
// only, all of them when only is empty.
func selectScenarios(list []*scenario, only string) ([]*scenario, error) {
	var out []*scenario
	names := strings.Split(only, ",")
	for _, sc := range list {
		if sc.Ref != "" && (only == "" || slices.Contains(names, sc.Name)) {
			out = append(out, sc)
		}
	}
	for _, n := range names {
		if n != "" && !slices.ContainsFunc(out, func(sc *scenario) bool { return sc.Name == n }) {
			return nil, fmt.Errorf("loadbench: -scenarios: unknown scenario %q", n)
		}
	}
	return out, nil
}

// rounds warms every scenario up, then runs each measured scenario next to
// its reference, reference first in odd rounds and second in even ones.
func rounds(ctx context.Context, o options, wo wrk.Options, list, measured []*scenario, stderr io.Writer) ([]result, error) {
	byName := map[string]*scenario{}
	for _, sc := range list {
		byName[sc.Name] = sc
	}
	total := time.Duration(o.rounds*len(measured)*2) * o.duration
	fmt.Fprintf(stderr, "loadbench: %d scenarios × %d rounds, about %s of load\n", len(measured), o.rounds, total.Round(time.Second))
	if o.warmup > 0 {
		warm := []*scenario{}
		for _, sc := range measured {
			if !slices.Contains(warm, byName[sc.Ref]) {
				warm = append(warm, byName[sc.Ref])
			}
			warm = append(warm, sc)
		}
		for _, sc := range warm {
			if _, err := sc.load(ctx, wo, max(o.warmup, time.Second)); err != nil {
				return nil, err
			}
		}
	}
	var runs []result
	for round := 1; round <= o.rounds; round++ {
		for _, sc := range measured {
			pair := []*scenario{byName[sc.Ref], sc}
			if round%2 == 0 {
				pair[0], pair[1] = pair[1], pair[0]
			}
			for _, x := range pair {
				r, err := x.load(ctx, wo, o.duration)
				if err != nil {
					return nil, err
				}
				r.Round, r.Pair = round, sc.Name
				runs = append(runs, r)
				fmt.Fprintf(stderr, "  round %d  %-12s %9.0f req/s  p50 %-8s p99 %-8s CPU %6.1f µs/req  busy %3.0f%%\n",
					round, x.Name, r.ReqPerSec, fmtUS(r.P50us), fmtUS(r.P99us), r.CPUPerReq, 100*r.Busy)
			}
		}
	}
	return runs, nil
}
