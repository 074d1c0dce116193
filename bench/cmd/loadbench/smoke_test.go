//go:build benchsmoke && linux

// The end-to-end smoke of the harness: one very short round of every
// scenario, the TinyGo ones included (fed Go-built modules: the harness only
// loads the files). It needs wrk and takes about a minute, so it runs only
// with the tag:
//
//	go test -tags benchsmoke -count=1 -run Smoke ./bench/cmd/loadbench
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hostd/hostd/internal/guestbuild"
)

func TestSmoke(t *testing.T) {
	root := guestbuild.RepoRoot(t)
	tiny := t.TempDir()
	write := func(name string, b []byte) {
		if err := os.WriteFile(filepath.Join(tiny, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("hello.wasm", guestbuild.Build(t, "examples/hello"))
	for _, p := range builtins {
		b, err := os.ReadFile(filepath.Join(root, "plugins", "dist", p+".wasm"))
		if err != nil {
			t.Fatal(err)
		}
		write(p+".wasm", b)
	}
	jsonPath := filepath.Join(t.TempDir(), "bench.json")
	var out, errOut bytes.Buffer
	code := run(context.Background(), []string{"-duration", "1s", "-rounds", "1", "-warmup", "1s",
		"-json", jsonPath, "-tinygo-dist", tiny}, &out, &errOut)
	t.Logf("stdout:\n%s\nstderr:\n%s", out.String(), errOut.String())
	if code != 0 {
		t.Fatalf("exit %d", code)
	}
	all := []string{"native", "direct", "wasm-hello", "chain", "wat-hello", "proxy", "tinygo-hello", "tinygo-chain"}
	for _, name := range append(all, "machine:", "≥ 0.90", "≤ 8") {
		if !strings.Contains(out.String(), name) {
			t.Errorf("table lacks %q", name)
		}
	}
	var rep report
	b, err := os.ReadFile(jsonPath)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &rep); err != nil {
		t.Fatal(err)
	}
	if len(rep.Rows) != len(all) || len(rep.Runs) != 2*(len(all)-2) {
		t.Errorf("%d rows and %d runs, want %d and %d", len(rep.Rows), len(rep.Runs), len(all), 2*(len(all)-2))
	}
	for _, r := range rep.Runs {
		if r.Requests == 0 || r.CPUPerReq <= 0 || r.P99us < r.P50us {
			t.Errorf("implausible run %+v", r)
		}
	}
	if rep.Machine.Commit == "" || rep.Machine.Cores == 0 || !strings.HasPrefix(rep.Machine.Wrk, "wrk") {
		t.Errorf("machine %+v", rep.Machine)
	}
	noLeftovers(t)
}

// TestSmokeCancel cancels a run under load (what Ctrl-C does): the harness
// fails and leaves no server running.
func TestSmokeCancel(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	var out, errOut bytes.Buffer
	done := make(chan int)
	go func() { done <- run(ctx, []string{"-duration", "30s", "-rounds", "1", "-warmup", "0"}, &out, &errOut) }()
	deadline := time.Now().Add(2 * time.Minute)
	for len(procs(t, "-d30s")) == 0 { // wrk is loading the first scenario
		if time.Now().After(deadline) {
			t.Fatal("the run did not start")
		}
		time.Sleep(200 * time.Millisecond)
	}
	time.Sleep(2 * time.Second)
	cancel()
	select {
	case code := <-done:
		if code == 0 {
			t.Error("a cancelled run exited 0")
		}
	case <-time.After(30 * time.Second):
		t.Fatal("the run did not end after cancel")
	}
	noLeftovers(t)
}

func noLeftovers(t *testing.T) {
	t.Helper()
	if ps := procs(t, os.TempDir()+"/hostd-bench-"); len(ps) > 0 {
		t.Errorf("processes left running: %q", ps)
	}
}

// procs lists the command lines of processes whose command line contains
// s (the harness's servers run from its work directory, hostd-bench-*).
func procs(t *testing.T, s string) []string {
	t.Helper()
	cmdlines, _ := filepath.Glob("/proc/[0-9]*/cmdline")
	var out []string
	for _, p := range cmdlines {
		b, err := os.ReadFile(p)
		if err == nil && bytes.Contains(b, []byte(s)) {
			out = append(out, string(bytes.ReplaceAll(b, []byte{0}, []byte{' '})))
		}
	}
	return out
}
