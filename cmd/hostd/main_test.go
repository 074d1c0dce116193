package main

import (
	"bytes"
	"context"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

func waitFor(t *testing.T, url string) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		if res, err := http.Get(url); err == nil {
			res.Body.Close()
			if res.StatusCode == 200 {
				return
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("%s never became ready", url)
}

func TestServeTokenAndSecondInstance(t *testing.T) {
	dir := t.TempDir()
	listen, admin := freeAddr(t), freeAddr(t)
	cfgPath := filepath.Join(dir, "hostd.json")
	cfg := `{"listen":"` + listen + `","log_level":"warn","limits":{"call_timeout":"2s"}}`
	if err := os.WriteFile(cfgPath, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	exited := make(chan int, 1)
	var stderr bytes.Buffer
	go func() {
		exited <- run(ctx, []string{"--config", cfgPath, "--admin-listen", admin, "--data-dir", filepath.Join(dir, "data")}, io.Discard, &stderr)
	}()
	waitFor(t, "http://"+admin+"/readyz")

	// hostd token works while hostd runs, and the token is accepted.
	var out bytes.Buffer
	if code := run(context.Background(), []string{"token", "--data-dir", filepath.Join(dir, "data"), "--role", "viewer", "--ttl", "5m"}, &out, io.Discard); code != 0 {
		t.Fatalf("token exit %d", code)
	}
	req, _ := http.NewRequest("GET", "http://"+admin+"/v1/plugins", nil)
	req.Header.Set("Authorization", "Bearer "+strings.TrimSpace(out.String()))
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != 200 {
		t.Fatalf("token refused: %d", res.StatusCode)
	}
	// A metrics token scrapes /metrics and reads nothing else.
	out.Reset()
	if code := run(context.Background(), []string{"token", "--data-dir", filepath.Join(dir, "data"), "--role", "metrics"}, &out, io.Discard); code != 0 {
		t.Fatalf("token --role metrics exit %d", code)
	}
	for path, want := range map[string]int{"/metrics": 200, "/v1/plugins": 403} {
		req, _ := http.NewRequest("GET", "http://"+admin+path, nil)
		req.Header.Set("Authorization", "Bearer "+strings.TrimSpace(out.String()))
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != want {
			t.Fatalf("metrics token on %s: %d, want %d", path, res.StatusCode, want)
		}
	}
	// The config file's listen address is used.
	if res, err := http.Get("http://" + listen + "/"); err != nil {
		t.Fatal(err)
	} else if res.Body.Close(); res.StatusCode != 404 {
		t.Fatalf("data plane answered %d", res.StatusCode)
	}

	// A second hostd on the same data dir exits at once with a clear message.
	var stderr2 bytes.Buffer
	code := run(context.Background(), []string{"--data-dir", filepath.Join(dir, "data"), "--listen", freeAddr(t), "--admin-listen", freeAddr(t)}, io.Discard, &stderr2)
	if code != 1 || !strings.Contains(stderr2.String(), "in use") {
		t.Fatalf("second hostd: exit %d, stderr %q", code, stderr2.String())
	}

	cancel() // SIGTERM
	select {
	case code := <-exited:
		if code != 0 {
			t.Fatalf("serve exit %d: %s", code, stderr.String())
		}
	case <-time.After(30 * time.Second):
		t.Fatal("hostd did not stop")
	}
}

func TestUsageErrors(t *testing.T) {
	cases := []struct {
		args []string
		code int
		want string
	}{
		{[]string{"frobnicate"}, 2, "unknown command"},
		{[]string{"--no-such-flag"}, 2, "flag provided but not defined"},
		{[]string{"token", "--role", "root", "--data-dir", t.TempDir()}, 1, "role"},
		{[]string{"--config", "/does/not/exist.json"}, 1, "config"},
		{[]string{"--listen", "nonsense"}, 1, "listen"},
		{[]string{"--nats-listen", "127.0.0.1:0"}, 1, "needs client authentication"},
		{[]string{"--peers", "nats://127.0.0.1:6222"}, 1, "need cluster.listen"},
		{[]string{"--cluster-listen", "127.0.0.1:0", "--peers", "nats://127.0.0.1:6222"}, 1, "explicit port"},
		{[]string{"--cluster-listen", "127.0.0.1:6222", "--peers", "127.0.0.1:6223"}, 1, "nats://host:port"},
	}
	for _, tc := range cases {
		var stderr bytes.Buffer
		code := run(context.Background(), tc.args, io.Discard, &stderr)
		if code != tc.code || !strings.Contains(stderr.String(), tc.want) {
			t.Errorf("%v: exit %d stderr %q, want %d containing %q", tc.args, code, stderr.String(), tc.code, tc.want)
		}
	}
	var out bytes.Buffer
	if run(context.Background(), []string{"version"}, &out, io.Discard) != 0 || !strings.HasPrefix(out.String(), "hostd ") {
		t.Errorf("version: %q", out.String())
	}
}
