//go:build linux

package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
)

// servers are the processes under load.
type servers struct {
	native, hostd         *child
	nativeAddr, hostdAddr string
	adminAddr, adminToken string
}

// startServers starts the native server and hostd (throwaway data dir
// under dir, warn-level logs) pinned to cpus, and waits until both serve.
func startServers(ctx context.Context, a *artifacts, dir, cpus string) (*servers, error) {
	addrs, err := freeAddrs(3)
	if err != nil {
		return nil, err
	}
	s := &servers{nativeAddr: addrs[0], hostdAddr: addrs[1], adminAddr: addrs[2]}
	if s.native, err = startChild("native", cpus, filepath.Join(dir, "native.log"), nil,
		a.native, "-listen", s.nativeAddr); err != nil {
		return nil, err
	}
	if err := waitHTTP(ctx, s.native, "http://"+s.nativeAddr+"/hello/ready"); err != nil {
		return nil, err
	}
	data := filepath.Join(dir, "hostd-data")
	if s.hostd, err = startChild("hostd", cpus, filepath.Join(dir, "hostd.log"), nil,
		a.hostd, "serve", "--listen", s.hostdAddr, "--admin-listen", s.adminAddr,
		"--data-dir", data, "--log-level", "warn"); err != nil {
		return nil, err
	}
	if err := waitHTTP(ctx, s.hostd, "http://"+s.adminAddr+"/readyz"); err != nil {
		return nil, err
	}
	out, err := exec.CommandContext(ctx, a.hostd, "token", "--data-dir", data).Output()
	if err != nil {
		return nil, fmt.Errorf("loadbench: hostd token: %w", err)
	}
	s.adminToken = strings.TrimSpace(string(out))
	return s, nil
}

// admin sends one admin API request and fails on a non-2xx answer.
func (s *servers) admin(ctx context.Context, method, path string, body []byte) error {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Minute) // uploads compile
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, method, "http://"+s.adminAddr+path, bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("loadbench: %w", err)
	}
	req.Header.Set("Authorization", "Bearer "+s.adminToken)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("loadbench: %s %s: %w", method, path, err)
	}
	defer resp.Body.Close()
	msg, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("loadbench: %s %s: %s: %s", method, path, resp.Status, msg)
	}
	return nil
}

func (s *servers) upload(ctx context.Context, name string, wasm []byte) error {
	return s.admin(ctx, http.MethodPut, "/v1/plugins/"+name, wasm)
}

func (s *servers) route(ctx context.Context, id string, route any) error {
	b, err := json.Marshal(route)
	if err != nil {
		return fmt.Errorf("loadbench: %w", err)
	}
	return s.admin(ctx, http.MethodPut, "/v1/routes/"+id, b)
}

type obj = map[string]any

// chainFilters is the chain scenario's filters, named by prefix+builtin:
// jwt-auth as in examples/protect (HS256 key set, issuer, audience, scope,
// sub forwarded as X-User), a rate limit per X-User far above any load,
// and a circuit breaker.
func chainFilters(prefix, breaker string) []obj {
	return []obj{
		{"plugin": prefix + "jwt-auth", "keysets": []string{"demo"}, "config": obj{
			"keyset": "demo", "issuer": "demo-issuer", "audience": "demo-api",
			"required_claims": obj{"scope": obj{"contains": "read"}},
			"forward_claims":  obj{"sub": "X-User"}}},
		{"plugin": prefix + "rate-limit", "config": obj{"rate": 1_000_000_000, "per": "1s", "key": "header:X-User"}},
		{"plugin": prefix + "circuit-breaker", "config": obj{"name": breaker}},
	}
}

// configure uploads the plugins and stores the routes of every scenario.
func (s *servers) configure(ctx context.Context, a *artifacts, tinygo map[string][]byte) error {
	steps := []func() error{
		func() error { return s.upload(ctx, "hello", a.goHello) },
		func() error { return s.upload(ctx, "wat-hello", a.watHello) },
		func() error { return s.admin(ctx, http.MethodPut, "/v1/keysets/demo", a.jwks) },
		func() error {
			return s.route(ctx, "wasm-hello", obj{"path": "/hello/{name}", "methods": []string{"GET"},
				"handler": obj{"plugin": "hello"}})
		},
		func() error {
			return s.route(ctx, "chain", obj{"path": "/chain/{name}", "methods": []string{"GET"},
				"filters": chainFilters("", "bench"), "handler": obj{"plugin": "hello"}})
		},
		func() error {
			return s.route(ctx, "wat-hello", obj{"path": "/wat/{name}", "methods": []string{"GET"},
				"handler": obj{"plugin": "wat-hello"}})
		},
		func() error {
			return s.route(ctx, "proxy", obj{"path": "/up/hello/{name}", "methods": []string{"GET"},
				"upstream": obj{"targets": []string{"http://" + s.nativeAddr}, "timeout": "5s"}})
		},
	}
	if tinygo["hello"] != nil {
		steps = append(steps,
			func() error { return s.upload(ctx, "tinygo-hello", tinygo["hello"]) },
			func() error {
				return s.route(ctx, "tinygo-hello", obj{"path": "/tinygo/hello/{name}", "methods": []string{"GET"},
					"handler": obj{"plugin": "tinygo-hello"}})
			})
		if hasTinyGoChain(tinygo) {
			for _, p := range builtins {
				steps = append(steps, func() error { return s.upload(ctx, "tinygo-"+p, tinygo[p]) })
			}
			steps = append(steps, func() error {
				return s.route(ctx, "tinygo-chain", obj{"path": "/tinygo/chain/{name}", "methods": []string{"GET"},
					"filters": chainFilters("tinygo-", "bench-tinygo"), "handler": obj{"plugin": "tinygo-hello"}})
			})
		}
	}
	for _, step := range steps {
		if err := step(); err != nil {
			return err
		}
	}
	return nil
}

var builtins = []string{"jwt-auth", "rate-limit", "circuit-breaker"}

func hasTinyGoChain(tinygo map[string][]byte) bool {
	for _, p := range builtins {
		if tinygo[p] == nil {
			return false
		}
	}
	return tinygo["hello"] != nil
}

// loadTinyGo reads hello.wasm, jwt-auth.wasm, rate-limit.wasm and
// circuit-breaker.wasm from dir, those that exist; hello.wasm is required.
func loadTinyGo(dir string) (map[string][]byte, error) {
	out := map[string][]byte{}
	if dir == "" {
		return out, nil
	}
	for _, name := range append([]string{"hello"}, builtins...) {
		b, err := os.ReadFile(filepath.Join(dir, name+".wasm"))
		if err == nil {
			out[name] = b
		} else if !os.IsNotExist(err) {
			return nil, fmt.Errorf("loadbench: -tinygo-dist: %w", err)
		}
	}
	if out["hello"] == nil {
		return nil, fmt.Errorf("loadbench: -tinygo-dist %s: no hello.wasm (a TinyGo build of examples/hello)", dir)
	}
	return out, nil
}
