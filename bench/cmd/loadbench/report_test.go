//go:build linux

package main

import (
	"bytes"
	"path/filepath"
	"strings"
	"testing"
)

func TestSummarize(t *testing.T) {
	list := []*scenario{{Name: "native"}, {Name: "direct"},
		{Name: "wasm-hello", Ref: "native", Target: 0.9}, {Name: "proxy", Ref: "direct", Target: 0.6}}
	runs := []result{
		// Round 1: reference first; round 2: reference second; round 3: first.
		{Scenario: "native", Pair: "wasm-hello", Round: 1, ReqPerSec: 100, CPUPerReq: 20},
		{Scenario: "wasm-hello", Pair: "wasm-hello", Round: 1, ReqPerSec: 90, CPUPerReq: 25},
		{Scenario: "direct", Pair: "proxy", Round: 1, ReqPerSec: 1000, CPUPerReq: 10},
		{Scenario: "proxy", Pair: "proxy", Round: 1, ReqPerSec: 500, CPUPerReq: 30},
		{Scenario: "wasm-hello", Pair: "wasm-hello", Round: 2, ReqPerSec: 40, CPUPerReq: 60},
		{Scenario: "native", Pair: "wasm-hello", Round: 2, ReqPerSec: 50, CPUPerReq: 22},
		{Scenario: "proxy", Pair: "proxy", Round: 2, ReqPerSec: 700, CPUPerReq: 28},
		{Scenario: "direct", Pair: "proxy", Round: 2, ReqPerSec: 1000, CPUPerReq: 11},
		{Scenario: "native", Pair: "wasm-hello", Round: 3, ReqPerSec: 120, CPUPerReq: 18},
		{Scenario: "wasm-hello", Pair: "wasm-hello", Round: 3, ReqPerSec: 95, CPUPerReq: 24},
		{Scenario: "direct", Pair: "proxy", Round: 3, ReqPerSec: 800, CPUPerReq: 12},
		{Scenario: "proxy", Pair: "proxy", Round: 3, ReqPerSec: 560, CPUPerReq: 29},
	}
	rows := summarize(list, runs)
	if len(rows) != 4 {
		t.Fatalf("%d rows, want 4", len(rows))
	}
	byName := map[string]row{}
	for _, r := range rows {
		byName[r.Scenario] = r
	}
	w := byName["wasm-hello"]
	// median 90 ÷ median 100; per round 0.9, 0.8, 95/120 ≈ 0.79.
	if w.Ratio != 0.9 || w.RatioLo != 95.0/120 || w.RatioHi != 0.9 || w.CPUDelta != 5 || w.ReqPerSec != 90 || w.Runs != 3 {
		t.Errorf("wasm-hello %+v", w)
	}
	p := byName["proxy"]
	if w.CPURatio != 20.0/25 {
		t.Errorf("wasm-hello CPU ratio %v, want native's 20 µs ÷ 25 µs", w.CPURatio)
	}
	if p.Ratio != 0.56 || p.CPUDelta != 18 {
		t.Errorf("proxy %+v, want ratio 560/1000 and CPU 29−11", p)
	}
	if n := byName["native"]; n.ReqPerSec != 100 || n.Ratio != 0 || n.Runs != 3 {
		t.Errorf("native %+v", n)
	}
	var out bytes.Buffer
	printTable(&out, machine{CPU: "test"}, "s", rows)
	for _, want := range []string{"≥ 0.90 met", "≥ 0.60 MISSED", "0.79–0.90", "+5.0"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("table lacks %q:\n%s", want, out.String())
		}
	}
}

// TestSummarizeUnpaired: a scenario without paired reference runs gives
// zeros, not NaN, so that -json can still write the report.
func TestSummarizeUnpaired(t *testing.T) {
	list := []*scenario{{Name: "native"}, {Name: "chain", Ref: "native"}}
	rows := summarize(list, []result{{Scenario: "chain", Pair: "chain", ReqPerSec: 10, CPUPerReq: 5}})
	if len(rows) != 1 || rows[0].Ratio != 0 || rows[0].RatioLo != 0 || rows[0].CPUDelta != 0 {
		t.Fatalf("%+v", rows)
	}
	if err := writeJSON(filepath.Join(t.TempDir(), "r.json"), report{Rows: rows}); err != nil {
		t.Error(err)
	}
}

func TestSelectScenarios(t *testing.T) {
	list := []*scenario{{Name: "native"}, {Name: "wasm-hello", Ref: "native"}, {Name: "chain", Ref: "native"}}
	all, err := selectScenarios(list, "")
	if err != nil || len(all) != 2 {
		t.Errorf("all: %d, %v", len(all), err)
	}
	one, err := selectScenarios(list, "chain")
	if err != nil || len(one) != 1 || one[0].Name != "chain" {
		t.Errorf("chain: %v, %v", one, err)
	}
	for _, bad := range []string{"nope", "native", "chain,nope"} {
		if _, err := selectScenarios(list, bad); err == nil {
			t.Errorf("%q: no error", bad)
		}
	}
}

func TestParseFlags(t *testing.T) {
	var errOut bytes.Buffer
	if _, err := parseFlags([]string{"-rounds", "3", "-duration", "2s"}, &errOut); err != nil {
		t.Error(err)
	}
	for _, args := range [][]string{{"-duration", "500ms"}, {"-rounds", "0"}, {"-connections", "1", "-threads", "2"}, {"extra"}} {
		if _, err := parseFlags(args, &errOut); err == nil {
			t.Errorf("%q: no error", args)
		}
	}
}
