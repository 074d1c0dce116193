package bus

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hostd/hostd/host/internal/testpki"
)

// logLines collects log messages (a slog handler), for tests that wait
// for evidence of a refused route.
type logLines struct {
	mu    sync.Mutex
	lines []string
}

func (l *logLines) Enabled(_ context.Context, lv slog.Level) bool { return lv >= slog.LevelWarn }
func (l *logLines) WithAttrs([]slog.Attr) slog.Handler            { return l }
func (l *logLines) WithGroup(string) slog.Handler                 { return l }
func (l *logLines) Handle(_ context.Context, r slog.Record) error {
	l.mu.Lock()
	l.lines = append(l.lines, r.Message)
	l.mu.Unlock()
	return nil
}

// wait returns the first line for which match is true, waiting for it up
// to clusterWait; it fails at once when abort returns a message.
func (l *logLines) wait(t *testing.T, what string, match func(string) bool, abort func() string) string {
	t.Helper()
	deadline := time.Now().Add(clusterWait)
	for {
		if msg := abort(); msg != "" {
			t.Fatal(msg)
		}
		l.mu.Lock()
		for _, line := range l.lines {
			if match(line) {
				l.mu.Unlock()
				return line
			}
		}
		l.mu.Unlock()
		if time.Now().After(deadline) {
			t.Fatalf("no log line: %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// tlsConfigs returns configs of n nodes on 127.0.0.1 whose routes use TLS
// with certificates of ca and a route password; the peers are the n nodes
// and extra.
func tlsConfigs(t *testing.T, ca *testpki.CA, n int, extra ...string) []Config {
	t.Helper()
	ports := freePorts(t, n)
	peers := append([]string(nil), extra...)
	for _, p := range ports {
		peers = append(peers, "nats://127.0.0.1:"+strconv.Itoa(p))
	}
	cfgs := make([]Config, n)
	for i := range cfgs {
		name := fmt.Sprintf("node-%d", i+1)
		nd := ca.Node(t, name, "127.0.0.1")
		cfgs[i] = Config{StoreDir: t.TempDir(), ServerName: name, Cluster: ClusterConfig{
			Listen: "127.0.0.1:" + strconv.Itoa(ports[i]), Peers: peers, User: "route", Password: "route-secret-42",
			TLS: ClusterTLS{CAFile: nd.CAFile, CertFile: nd.CertFile, KeyFile: nd.KeyFile},
		}}
	}
	return cfgs
}

// TestClusterTLSRefusesForeignNodeBothWays: three nodes with route TLS
// form a cluster and replicate a bucket; node 3 goes down. A node with a
// certificate of another CA takes node 3's address: the cluster dials it
// and refuses it, it dials the cluster and is refused, and it never gets
// a route.
func TestClusterTLSRefusesForeignNodeBothWays(t *testing.T) {
	ca := testpki.NewCA(t)
	cfgs := tlsConfigs(t, ca, 3)
	logs := &logLines{}
	cfgs[0].Logger = slog.New(logs)
	buses := startCluster(t, cfgs)
	ctx, cancel := context.WithTimeout(context.Background(), 2*clusterWait)
	defer cancel()
	kv1 := retry(t, "bucket on node 1", func(ctx context.Context) (*KV, error) { return buses[0].KeyValue(ctx, "c", 3, 1) })
	kv2 := retry(t, "bucket on node 2", func(ctx context.Context) (*KV, error) { return buses[1].KeyValue(ctx, "c", 3, 1) })
	if _, err := kv1.Put(ctx, "k", []byte("over TLS")); err != nil {
		t.Fatal(err)
	}
	if e, err := kv2.Get(ctx, "k"); err != nil || string(e.Value) != "over TLS" {
		t.Fatalf("node 2 Get = %q, %v", e.Value, err)
	}
	if err := buses[2].Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	down := cfgs[2].Cluster.Listen

	// The rogue trusts the cluster CA too (its certificate is no secret),
	// so it completes its side of every handshake and presents its own
	// certificate, signed by its own CA.
	other := testpki.NewCA(t)
	nd := other.Node(t, "node-3", "127.0.0.1")
	both := filepath.Join(t.TempDir(), "cas.pem")
	if err := os.WriteFile(both, append(readFile(t, ca.File), readFile(t, other.File)...), 0o600); err != nil {
		t.Fatal(err)
	}
	rogue, err := Start(ctx, Config{StoreDir: t.TempDir(), ServerName: "node-3",
		Cluster: ClusterConfig{Listen: down, Peers: cfgs[0].Cluster.Peers, // no route credentials: it takes any route
			TLS: ClusterTLS{CAFile: both, CertFile: nd.CertFile, KeyFile: nd.KeyFile}}})
	if err != nil {
		t.Fatal(err)
	}
	defer rogue.Shutdown(context.Background())
	joined := func() string {
		if n := rogue.ns.NumRoutes(); n != 0 {
			return fmt.Sprintf("the rogue at node 3's address has %d routes to the cluster", n)
		}
		return ""
	}
	// Node 1 dialled the rogue at node 3's address and refused its
	// server certificate...
	t.Log(logs.wait(t, "node 1 refuses the dialled rogue", func(l string) bool {
		return strings.HasPrefix(l, down+" ") && strings.Contains(l, "TLS route handshake error") &&
			strings.Contains(l, "certificate signed by unknown authority (CN=node-3")
	}, joined))
	// ...and the rogue dialled node 1, which refused it for want of a
	// certificate of the cluster CA (Go's TLS client does not even offer
	// a certificate the server's CA list does not name).
	t.Log(logs.wait(t, "node 1 refuses the dialling rogue", func(l string) bool {
		return !strings.HasPrefix(l, down+" ") && strings.Contains(l, "TLS route handshake error") &&
			(strings.Contains(l, "client didn't provide a certificate") || strings.Contains(l, "unknown authority (CN=node-3"))
	}, joined))
	if msg := joined(); msg != "" {
		t.Error(msg)
	}
	wctx, wcancel := context.WithTimeout(ctx, 2*time.Second)
	defer wcancel()
	if err := rogue.WaitJetStream(wctx); !errors.Is(err, ErrNotReady) {
		t.Errorf("rogue WaitJetStream = %v, want ErrNotReady", err)
	}
}

// TestClusterDialledImpostorLearnsNothing: whoever listens at a listed
// peer's address sees a TLS handshake from a node that dials it, never
// the route password.
func TestClusterDialledImpostorLearnsNothing(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	cfg := tlsConfigs(t, testpki.NewCA(t), 1, "nats://"+ln.Addr().String())[0]
	b, err := Start(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Shutdown(context.Background())
	conn, err := ln.Accept()
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	// Greet as a route listener without TLS would.
	fmt.Fprintf(conn, "INFO {\"server_id\":\"NIMPOSTOR\",\"name\":\"node-3\",\"cluster\":%q,\"tls_required\":false}\r\n", DefaultClusterName)
	_ = conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	var got bytes.Buffer
	buf := make([]byte, 4096)
	for got.Len() < 5 {
		n, err := conn.Read(buf)
		got.Write(buf[:n])
		if err != nil {
			if err != io.EOF {
				t.Logf("read: %v", err)
			}
			break
		}
	}
	// Nothing more to accept: a redial would sit in the listen backlog
	// until its TLS timeout and hold up Shutdown.
	ln.Close()
	conn.Close()
	if bytes.Contains(got.Bytes(), []byte(cfg.Cluster.Password)) || bytes.Contains(got.Bytes(), []byte("CONNECT")) {
		t.Fatalf("the dialled impostor received %q", got.Bytes())
	}
	if got.Len() == 0 || got.Bytes()[0] != 0x16 { // TLS handshake record
		t.Fatalf("the node sent %q, want a TLS ClientHello", got.Bytes())
	}
}

// TestClusterTLSBadFilesFailStart: a certificate that does not chain to
// the CA is refused at start, not on the first route.
func TestClusterTLSBadFilesFailStart(t *testing.T) {
	cfg := tlsConfigs(t, testpki.NewCA(t), 1)[0]
	cfg.Cluster.TLS.CAFile = testpki.NewCA(t).File
	_, err := Start(context.Background(), cfg)
	if err == nil || !strings.Contains(err.Error(), "is not usable with CA") {
		t.Fatalf("Start = %v, want a certificate/CA mismatch", err)
	}
}

func readFile(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
