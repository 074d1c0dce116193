package host_test

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hostd/hostd/host"
	"github.com/hostd/hostd/host/internal/model"
	"github.com/hostd/hostd/host/internal/testpki"
	"github.com/hostd/hostd/internal/testwasm"
)

// lines is a slog handler that keeps Warn and Error messages.
type lines struct {
	mu  sync.Mutex
	all []string
}

func (l *lines) Enabled(_ context.Context, lv slog.Level) bool { return lv >= slog.LevelWarn }
func (l *lines) WithAttrs([]slog.Attr) slog.Handler            { return l }
func (l *lines) WithGroup(string) slog.Handler                 { return l }
func (l *lines) Handle(_ context.Context, r slog.Record) error {
	l.mu.Lock()
	l.all = append(l.all, r.Message)
	l.mu.Unlock()
	return nil
}

func (l *lines) find(match func(string) bool) string {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, s := range l.all {
		if match(s) {
			return s
		}
	}
	return ""
}

// startAuthCluster is startCluster with every node authenticated: route
// TLS with certificates of one cluster CA, the cluster key (both made by
// the helpers behind hostd cluster-ca and cluster-cert), and a route
// password on top. Node 1 logs into logs.
func startAuthCluster(t testing.TB, n int, logs *lines) *cluster {
	t.Helper()
	dir := t.TempDir()
	if err := host.ClusterInitCA(dir); err != nil {
		t.Fatal(err)
	}
	issued := map[string]bool{}
	var mu sync.Mutex
	return startClusterWith(t, n, func(i int, cfg *host.Config) {
		name := cfg.Cluster.NodeName
		mu.Lock()
		if !issued[name] { // restarts reuse the node's certificate
			if err := host.ClusterIssueCert(dir, name, []string{"127.0.0.1"}); err != nil {
				t.Error(err)
			}
			issued[name] = true
		}
		mu.Unlock()
		cfg.Cluster.TLS = host.ClusterTLSConfig{CAFile: filepath.Join(dir, host.ClusterCAFile),
			CertFile: filepath.Join(dir, name+".pem"), KeyFile: filepath.Join(dir, name+"-key.pem")}
		cfg.Cluster.KeyFile = filepath.Join(dir, host.ClusterKeyFile)
		cfg.Cluster.User, cfg.Cluster.Password = "route", "route-secret-42"
		if i == 0 && logs != nil {
			cfg.Logger = slog.New(logs)
		}
	})
}

// TestClusterAuthenticated runs three authenticated nodes through the
// happy path, records injected into the control bucket by a NATS client
// without the cluster key, and a rogue node without credentials that
// takes the address of a listed peer while that peer is down (on main,
// the cluster dialled the rogue, handed it the route password and served
// its route within seconds).
func TestClusterAuthenticated(t *testing.T) {
	logs := &lines{}
	c := startAuthCluster(t, 3, logs)
	n1, n2 := c.nodes[0], c.nodes[1]

	t.Run("three nodes replicate a plugin and a route", func(t *testing.T) {
		n1.upload("hello", testwasm.Hello)
		n1.route("hello", `{"path":"/hello","handler":{"plugin":"hello"}}`)
		for i, n := range c.nodes[1:] {
			within(t, time.Minute, fmt.Sprintf("/hello on node %d", i+2), func() bool { return n.get("/hello").status == 200 })
		}
	})

	t.Run("records without the cluster key are not applied", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		// The in-process connection can do anything on the bus: it stands
		// for any NATS-level intruder.
		kv, err := host.BusOf(n1.h).KeyValue(ctx, "hostd_control", 3, 1)
		if err != nil {
			t.Fatal(err)
		}
		evil, _ := json.Marshal(model.Route{ID: "evil", Path: "/evil", Handler: &model.Binding{Plugin: "hello"}})
		if _, err := kv.Put(ctx, "route.evil", evil); err != nil {
			t.Fatal(err)
		}
		if err := kv.Delete(ctx, "route.hello"); err != nil {
			t.Fatal(err)
		}
		// The watch applies in order: once a later change serves, the
		// injected entries have been seen.
		n1.route("after", `{"path":"/after","handler":{"plugin":"hello"}}`)
		for i, n := range c.nodes {
			within(t, time.Minute, fmt.Sprintf("/after on node %d", i+1), func() bool { return n.get("/after").status == 200 })
			expectStatus(t, n.get("/evil"), http.StatusNotFound)
			expectStatus(t, n.get("/hello"), http.StatusOK)
		}
		// Each injected entry was refused, and counted, by at least one
		// node (the first to see one puts the node's own sealed state
		// back over it, so another may see only that).
		total := 0
		for _, n := range c.nodes {
			total += rejected(t, n, "unsealed")
		}
		if total < 2 {
			t.Errorf("the nodes counted %d unsealed records, want at least 2", total)
		}
	})

	t.Run("a rogue at a down peer's address is refused both ways", func(t *testing.T) {
		addr := c.cfgs[2].Listen
		c.nodes[2].stop()
		// No TLS, no key, no route credentials: it accepts any route.
		rogue := startHost(t, func(cfg *host.Config) {
			cfg.Cluster = host.ClusterConfig{Listen: addr, Peers: c.cfgs[2].Peers, NodeName: "rogue"}
		})
		rogue.upload("hello", testwasm.Hello)
		rogue.route("rogue", `{"path":"/rogue","handler":{"plugin":"hello"}}`)
		served := func() string {
			for i, n := range []*testHost{n1, n2} {
				if n.get("/rogue").status == 200 {
					return fmt.Sprintf("node %d serves the rogue's route", i+1)
				}
			}
			return ""
		}
		waitLog := func(what string, match func(string) bool) {
			t.Helper()
			deadline := time.Now().Add(time.Minute)
			for {
				if msg := served(); msg != "" {
					t.Fatal(msg)
				}
				if l := logs.find(match); l != "" {
					t.Logf("%s: %s", what, l)
					return
				}
				if time.Now().After(deadline) {
					t.Fatalf("node 1 never logged that it %s", what)
				}
				time.Sleep(20 * time.Millisecond)
			}
		}
		handshake := func(l string) bool { return strings.Contains(l, "TLS route handshake error") }
		waitLog("refused the rogue it dialled", func(l string) bool { return handshake(l) && strings.HasPrefix(l, addr+" ") })
		waitLog("refused the rogue that dialled it", func(l string) bool { return handshake(l) && !strings.HasPrefix(l, addr+" ") })
		if msg := served(); msg != "" {
			t.Fatal(msg)
		}
		rogue.stop()

		// The real node 3 comes back at that address and catches up.
		c.restart(2)
		within(t, time.Minute, "/after on node 3", func() bool { return c.nodes[2].get("/after").status == 200 })
		expectStatus(t, c.nodes[2].get("/rogue"), http.StatusNotFound)
	})
}

// TestClusterRefusesUnauthenticatedPublicListener: a node whose cluster
// reaches beyond loopback does not start without TLS and the cluster key,
// route credentials or not, and says what to set.
func TestClusterRefusesUnauthenticatedPublicListener(t *testing.T) {
	ca := testpki.NewCA(t)
	nd := ca.Node(t, "n1", "10.0.0.1")
	tlsCfg := host.ClusterTLSConfig{CAFile: nd.CAFile, CertFile: nd.CertFile, KeyFile: nd.KeyFile}
	for _, cl := range []host.ClusterConfig{
		{Listen: "0.0.0.0:6222", Peers: []string{"nats://127.0.0.1:6222"}},
		{Listen: "10.0.0.1:6222", Peers: []string{"nats://10.0.0.2:6222"}, User: "route", Password: "secret"},
		{Listen: "127.0.0.1:6222", Peers: []string{"nats://10.0.0.2:6222"}},
		{Listen: "10.0.0.1:6222", Peers: []string{"nats://10.0.0.2:6222"}, TLS: tlsCfg},
		{Listen: "10.0.0.1:6222", Peers: []string{"nats://10.0.0.2:6222"}, KeyFile: testpki.KeyFile(t)},
	} {
		_, err := host.New(host.Config{DataDir: t.TempDir(), Cluster: cl})
		if err == nil {
			t.Fatalf("cluster %+v: started without authentication", cl)
		}
		for _, want := range []string{"is not a loopback address", "cluster.tls.ca_file", "cluster.tls.cert_file",
			"cluster.tls.key_file", "cluster.key_file"} {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("cluster %+v: error %q does not say %q", cl, err, want)
			}
		}
	}
	// Loopback-only clusters may run without (they warn).
	if _, err := host.New(host.Config{DataDir: t.TempDir(), Cluster: host.ClusterConfig{Listen: "127.0.0.1:6222",
		Peers: []string{"nats://127.0.0.1:6222", "nats://localhost:6223"}}}); err != nil {
		t.Fatalf("loopback cluster: %v", err)
	}
}

// rejected reads hostd_cluster_records_rejected_total{reason} of a node.
func rejected(t *testing.T, n *testHost, reason string) int {
	t.Helper()
	body := string(n.do("GET", n.admin+"/metrics", n.viewer, nil).body)
	prefix := `hostd_cluster_records_rejected_total{reason="` + reason + `"} `
	for _, line := range strings.Split(body, "\n") {
		if v, ok := strings.CutPrefix(line, prefix); ok {
			var k int
			fmt.Sscan(v, &k)
			return k
		}
	}
	return -1
}
