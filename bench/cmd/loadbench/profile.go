//go:build linux

package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/hostd/hostd/bench/internal/wrk"
)

// profileScenarios takes one CPU profile of hostd per measured scenario
// that hostd serves, through its admin API's /debug/pprof/profile, while
// wrk loads the scenario for d. It runs after the measured rounds, so the
// profiler's own cost never enters a figure. Each profile is written to
// dir/SCENARIO.pprof (read it with `go tool pprof -top FILE`).
func profileScenarios(ctx context.Context, s *servers, wo wrk.Options, measured []*scenario, d time.Duration, dir string, stderr io.Writer) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("loadbench: -profile: %w", err)
	}
	secs := int(d / time.Second)
	for _, sc := range measured {
		if !slices.Contains(sc.CPUOf, s.hostd) {
			continue
		}
		loaded := make(chan error, 1)
		go func() {
			_, err := sc.load(ctx, wo, d+time.Second) // covers the whole profile
			loaded <- err
		}()
		prof, err := s.profile(ctx, secs)
		if lerr := <-loaded; err == nil {
			err = lerr
		}
		if err != nil {
			return fmt.Errorf("loadbench: profiling %s: %w", sc.Name, err)
		}
		path := filepath.Join(dir, sc.Name+".pprof")
		if err := os.WriteFile(path, prof, 0o644); err != nil {
			return fmt.Errorf("loadbench: -profile: %w", err)
		}
		fmt.Fprintf(stderr, "loadbench: %s: CPU profile of hostd (%ds under load) in %s\n", sc.Name, secs, path)
	}
	return nil
}

// profile fetches a CPU profile of secs seconds from hostd's admin API.
func (s *servers) profile(ctx context.Context, secs int) ([]byte, error) {
	ctx, cancel := context.WithTimeout(ctx, time.Duration(secs+30)*time.Second)
	defer cancel()
	url := fmt.Sprintf("http://%s/debug/pprof/profile?seconds=%d", s.adminAddr, secs)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Authorization", "Bearer "+s.adminToken)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET /debug/pprof/profile: %s: %.300s", resp.Status, body)
	}
	return body, nil
}
